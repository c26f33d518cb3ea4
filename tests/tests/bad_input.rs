//! Hostile and broken input: the daemon refuses it clearly and keeps serving the real feed.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use onair_e2e::*;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};

fn rtmp_handshake(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut hs = Handshake::new(PeerType::Client);
    s.write_all(&hs.generate_outbound_p0_and_p1().unwrap()).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "server closed during handshake");
        match hs.process_bytes(&buf[..n]).unwrap() {
            HandshakeProcessResult::InProgress { response_bytes } => s.write_all(&response_bytes).unwrap(),
            HandshakeProcessResult::Completed { response_bytes, .. } => {
                s.write_all(&response_bytes).unwrap();
                return s;
            }
        }
    }
}

#[test]
fn rtmp_garbage_wrong_keys_and_second_publishers_leave_the_feed_alone() {
    let clip = clip(20, 640, 360, 30);
    let n = Nginx::start();
    let mut d = Daemon::start();
    let id = d.add_destination("n", &n.url(), "sk_bad_input_key_0001");
    let url = d.ingest_url();
    let mut real = Ffmpeg::publish(&clip, &url, "flv");
    assert!(d.wait_ingest_connected());
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    let first_peer = d.get("/api/v1/ingest")["peer"].clone();

    // A wrong key is refused.
    let wrong = format!("rtmp://127.0.0.1:{}/live/live_not_the_key", d.rtmp);
    let mut ff = Ffmpeg::publish(&clip, &wrong, "flv");
    let st = ff.wait(Duration::from_secs(15)).expect("a refused publisher gives up");
    assert!(!st.success(), "wrong key must be refused");
    // A second publisher with the right key is refused while one is live.
    let mut second = Ffmpeg::publish(&clip, &url, "flv");
    let st = second.wait(Duration::from_secs(15)).expect("second publisher gives up");
    assert!(!st.success(), "second publisher must be refused");
    // The wrong application name too.
    let k = d.ingest_key();
    let mut app = Ffmpeg::publish(&clip, &format!("rtmp://127.0.0.1:{}/other/{k}", d.rtmp), "flv");
    assert!(!app.wait(Duration::from_secs(15)).expect("gives up").success());

    // Random bytes.
    let mut seed = 0x2545F4914F6CDD1Du64;
    let junk: Vec<u8> = (0..20000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    for chunk in [&junk[..1], &junk[..1537], &junk[..]] {
        let mut s = TcpStream::connect(("127.0.0.1", d.rtmp)).unwrap();
        let _ = s.write_all(chunk);
        drop(s);
    }
    // A truncated handshake: C0 and half of C1, then silence, then gone.
    let mut s = TcpStream::connect(("127.0.0.1", d.rtmp)).unwrap();
    s.write_all(&[3u8]).unwrap();
    s.write_all(&[0u8; 700]).unwrap();
    drop(s);
    // After a real handshake: an absurd chunk size, then a message header claiming 16 MB, then garbage.
    let mut s = rtmp_handshake(d.rtmp);
    let set_chunk = [0x02u8, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff];
    let _ = s.write_all(&set_chunk);
    let huge = [0x03u8, 0, 0, 0, 0xff, 0xff, 0xff, 0x14, 0, 0, 0, 0];
    let _ = s.write_all(&huge);
    let _ = s.write_all(&junk);
    drop(s);
    // And post-handshake garbage with tiny chunks of every message type.
    let mut s = rtmp_handshake(d.rtmp);
    for t in 0u8..=30 {
        let _ = s.write_all(&[0x03, 0, 0, 0, 0, 0, 8, t, 1, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]);
    }
    drop(s);

    // Still serving the real feed, to the destination, without a reconnect.
    std::thread::sleep(Duration::from_secs(2));
    let ing = d.get("/api/v1/ingest");
    assert_eq!(ing["connected"], true, "{ing}");
    assert_eq!(ing["proto"], "rtmp");
    assert!(ing["video"]["kbps"].as_u64().unwrap() > 0, "{ing}\n{}", real.log_text());
    assert_eq!(ing["peer"], first_peer, "still the first publication");
    let ds = d.destination_status(id);
    assert_eq!(ds["state"], "live");
    assert_eq!(ds["reconnects"], 0);
    assert!(real.is_running(), "the real publisher was not disturbed: {}", real.log_text());
    assert!(d.log_text().contains("wrong ingest key"));
    assert!(!d.log_text().contains("live_not_the_key"), "a refused key is not logged");
}

#[test]
fn api_errors_have_the_spec_shape() {
    let mut d = Daemon::start();
    let shape = |r: &Resp, status: u16| {
        assert_eq!(r.status, status, "{}", r.text);
        assert!(r.body["error"]["code"].is_string() && r.body["error"]["message"].is_string(), "{}", r.text);
    };
    let r = d.raw("POST", "/api/v1/destinations", Some("{\"name\": \"x\", "), Some("application/json"));
    shape(&r, 400);
    let r = d.raw("POST", "/api/v1/destinations", Some("{\"name\": \"x\",,}"), Some("application/json"));
    shape(&r, 400);
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(200_000));
    let (status, body) = d.curl_status("POST", "/api/v1/destinations", big.as_bytes(), "application/json");
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]["code"].is_string() && body["error"]["message"].is_string(), "{body}");
    let r = d.request("POST", "/api/v1/destinations", Some(serde_json::json!({"name": 5, "platform": "custom"})));
    shape(&r, 422);
    let r = d.request("POST", "/api/v1/destinations", Some(serde_json::json!({"name": "x", "platform": "myspace"})));
    shape(&r, 422);
    let r = d.request("POST", "/api/v1/destinations", Some(serde_json::json!({"name": "x", "platform": "custom", "url": "http://x/app"})));
    shape(&r, 422);
    let r = d.request("POST", "/api/v1/destinations", Some(serde_json::json!({"name": "x", "platform": "facebook", "url": "rtmp://x/app"})));
    shape(&r, 422);
    let r = d.request("GET", "/api/v1/destinations/12345", None);
    shape(&r, 404);
    let r = d.request("GET", "/api/v1/destinations/not-a-number", None);
    shape(&r, 400);
    let r = d.request("POST", "/api/v1/live/start", Some(serde_json::json!({})));
    shape(&r, 409);
    let r = d.raw("POST", "/api/v1/login", Some("{\"password\": \"nope\"}"), Some("application/json"));
    shape(&r, 401);
    // The OBS grid's long poll: a page claiming guests the box does not have is answered at once
    // with the truth; odd encodings are not a server error.
    let long = "x,".repeat(2000);
    let k = d.get("/api/v1/guests/view-links")["grid"]["token"].as_str().unwrap().to_string();
    for q in [format!("?known={long}"), "?known=%zz%ff".to_string(), "?known=a&known=b".to_string()] {
        let r = d.raw("GET", &format!("/guests/grid/list{q}&k={k}"), None, None);
        assert!(r.status < 500, "{q}: {} {}", r.status, r.text);
        if r.status == 200 {
            assert_eq!(r.body, serde_json::json!([]), "{q}");
        }
    }
    // Presets fill the URL; the key is write-only.
    let r = d.post("/api/v1/destinations", serde_json::json!({"name": "FB", "platform": "facebook", "stream_key": "FB-1234567890-SECRET"}));
    assert!(r["url"].as_str().unwrap().starts_with("rtmps://"));
    assert_eq!(r["stream_key_set"], true);
    assert!(r.get("stream_key").is_none());
    assert!(!r.to_string().contains("SECRET"));
    // Nothing but health and login without auth.
    let mut anon = ureq::get(&d.url("/api/v1/status")).call();
    match anon {
        Err(ureq::Error::Status(401, resp)) => {
            let v: serde_json::Value = resp.into_json().unwrap();
            assert_eq!(v["error"]["code"], "unauthorized");
        }
        other => panic!("expected 401, got {:?}", other.as_ref().map(|r| r.status())),
    }
    anon = ureq::get(&d.url("/api/v1/health")).call();
    assert_eq!(anon.unwrap().into_json::<serde_json::Value>().unwrap()["status"], "ok");
    for p in ["/api/v1/destinations", "/api/v1/ingest", "/api/v1/tokens"] {
        assert!(matches!(ureq::get(&d.url(p)).call(), Err(ureq::Error::Status(401, _))), "{p}");
    }
    // API tokens work as Bearer.
    let t = d.post("/api/v1/tokens", serde_json::json!({"name": "ci"}));
    let tok = t["token"].as_str().unwrap();
    let v: serde_json::Value = ureq::get(&d.url("/api/v1/destinations")).set("Authorization", &format!("Bearer {tok}")).call().unwrap().into_json().unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert!(matches!(ureq::get(&d.url("/api/v1/destinations")).set("Authorization", "Bearer forged").call(), Err(ureq::Error::Status(401, _))));
}

#[test]
fn committed_destinations_survive_kill_9_mid_write() {
    let mut d = Daemon::start();
    let port = d.http;
    let cookie_daemon = std::sync::Arc::new(std::sync::Mutex::new(()));
    let _ = cookie_daemon;
    // Write from a second client while the daemon is killed under it.
    let token = d.post("/api/v1/tokens", serde_json::json!({"name": "writer"}))["token"].as_str().unwrap().to_string();
    let writer = std::thread::spawn(move || {
        let mut committed = vec![];
        for i in 0..10_000 {
            let r = ureq::post(&format!("http://127.0.0.1:{port}/api/v1/destinations"))
                .set("Authorization", &format!("Bearer {token}"))
                .timeout(Duration::from_secs(2))
                .send_json(serde_json::json!({"name": format!("d{i}"), "platform": "twitch", "stream_key": format!("key_{i}_abcdefgh")}));
            match r {
                Ok(resp) if resp.status() == 201 => committed.push(resp.into_json::<serde_json::Value>().unwrap()["id"].as_i64().unwrap()),
                _ => break,
            }
        }
        committed
    });
    std::thread::sleep(Duration::from_millis(1500));
    d.crash_and_restart();
    let committed = writer.join().unwrap();
    assert!(committed.len() > 5, "the writer got some writes in: {}", committed.len());
    let list = d.get("/api/v1/destinations");
    let have: std::collections::HashSet<i64> = list.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    for id in &committed {
        assert!(have.contains(id), "committed destination {id} lost after kill -9");
    }
    // And the sealed keys still open with the same secret.key.
    let t = d.get(&format!("/api/v1/destinations/{}", committed[0]));
    assert_eq!(t["stream_key_set"], true);
}

#[test]
fn cookie_sessions_need_the_csrf_header_for_changes() {
    let d = Daemon::start();
    let r = ureq::post(&d.url("/api/v1/login")).send_json(serde_json::json!({"password": PASSWORD})).unwrap();
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    assert!(r.header("set-cookie").unwrap().contains("HttpOnly"));
    // Reading works with the cookie alone; a change without the header is refused.
    assert_eq!(ureq::get(&d.url("/api/v1/destinations")).set("Cookie", &cookie).call().unwrap().status(), 200);
    let body = serde_json::json!({"name": "x", "platform": "twitch", "stream_key": "k_1234567890"});
    match ureq::post(&d.url("/api/v1/destinations")).set("Cookie", &cookie).send_json(body.clone()) {
        Err(ureq::Error::Status(403, r)) => assert_eq!(r.into_json::<serde_json::Value>().unwrap()["error"]["code"], "csrf"),
        other => panic!("expected 403, got {:?}", other.map(|r| r.status())),
    }
    let ok = ureq::post(&d.url("/api/v1/destinations")).set("Cookie", &cookie).set("X-Requested-With", "onair").send_json(body).unwrap();
    assert_eq!(ok.status(), 201);
}
