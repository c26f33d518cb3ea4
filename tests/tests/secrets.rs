//! Secrets against the real binary: a stream key pasted inside a URL and echoed back by a hostile
//! destination appears nowhere (API, event feed, log, alerts, database); a sealed blob moved to
//! another row does not open; SRT in and out with passphrases; a schema-5 database migrates.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onair_e2e::*;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{ServerSession, ServerSessionConfig, ServerSessionEvent as SEv, ServerSessionResult};
use serde_json::{json, Value};

/// Every byte that is not a letter or digit as %XX, in upper or lower hex.
fn pct(s: &str, lower: bool) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else if lower {
                format!("%{b:02x}")
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An RTMP server that refuses: odd connections get their `connect` rejected, even ones their
/// `publish`, each time with a description quoting the key it was given, in clear and URL-encoded.
struct Refuser {
    port: u16,
    /// The stream keys publish requests carried.
    keys: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<u32>>,
}

fn refuser(echo: &'static str) -> Refuser {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let keys = Arc::new(Mutex::new(Vec::new()));
    let connections = Arc::new(Mutex::new(0u32));
    let (k, c) = (keys.clone(), connections.clone());
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let n = {
                let mut c = c.lock().unwrap();
                *c += 1;
                *c
            };
            let k = k.clone();
            std::thread::spawn(move || {
                let _ = refuse(s, n % 2 == 1, echo, &k);
            });
        }
    });
    Refuser { port, keys, connections }
}

fn refuse(mut s: TcpStream, at_connect: bool, echo: &str, keys: &Mutex<Vec<String>>) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let text = format!(
        "stream key {echo} is not valid (as sent: {}, {}, {})",
        pct(echo, false),
        pct(echo, true),
        url::form_urlencoded::byte_serialize(echo.as_bytes()).collect::<String>()
    );
    let mut hs = Handshake::new(PeerType::Server);
    let mut buf = vec![0u8; 64 * 1024];
    let rest = loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        match hs.process_bytes(&buf[..n]).map_err(|e| std::io::Error::other(format!("{e:?}")))? {
            HandshakeProcessResult::InProgress { response_bytes } => s.write_all(&response_bytes)?,
            HandshakeProcessResult::Completed { response_bytes, remaining_bytes } => {
                s.write_all(&response_bytes)?;
                break remaining_bytes;
            }
        }
    };
    let (mut session, init) = ServerSession::new(ServerSessionConfig::new()).map_err(|e| std::io::Error::other(format!("{e:?}")))?;
    let mut todo: std::collections::VecDeque<ServerSessionResult> = init.into();
    let mut input = rest;
    loop {
        todo.extend(session.handle_input(&input).map_err(|e| std::io::Error::other(format!("{e:?}")))?);
        while let Some(r) = todo.pop_front() {
            match r {
                ServerSessionResult::OutboundResponse(p) => s.write_all(&p.bytes)?,
                ServerSessionResult::RaisedEvent(SEv::ConnectionRequested { request_id, .. }) => {
                    let r = if at_connect {
                        session.reject_request(request_id, "NetConnection.Connect.Rejected", &text)
                    } else {
                        session.accept_request(request_id)
                    };
                    todo.extend(r.map_err(|e| std::io::Error::other(format!("{e:?}")))?);
                }
                ServerSessionResult::RaisedEvent(SEv::PublishStreamRequested { request_id, stream_key, .. }) => {
                    keys.lock().unwrap().push(stream_key);
                    todo.extend(session.reject_request(request_id, "NetStream.Publish.BadName", &text).map_err(|e| std::io::Error::other(format!("{e:?}")))?);
                }
                _ => {}
            }
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        input = buf[..n].to_vec();
    }
}

/// Every message of the event feed (`/api/v1/events`), read on a thread until the daemon goes.
fn events(d: &mut Daemon) -> Arc<Mutex<Vec<String>>> {
    use tungstenite::client::IntoClientRequest;
    let token = d.post("/api/v1/tokens", json!({"name": "events"}))["token"].as_str().unwrap().to_string();
    let mut req = format!("ws://127.0.0.1:{}/api/v1/events", d.http).into_client_request().unwrap();
    req.headers_mut().insert("Authorization", format!("Bearer {token}").parse().unwrap());
    let (mut ws, _) = tungstenite::connect(req).expect("the event feed");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    std::thread::spawn(move || {
        while let Ok(m) = ws.read() {
            if let Ok(t) = m.into_text() {
                s.lock().unwrap().push(t.to_string());
            }
        }
    });
    seen
}

fn files_of(data: &Path) -> Vec<(String, Vec<u8>)> {
    ["onair.db", "onair.db-wal", "onair.db-shm"].iter().filter_map(|f| std::fs::read(data.join(f)).ok().map(|b| (f.to_string(), b))).collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn state(d: &mut Daemon, id: i64) -> String {
    d.destination_status(id)["state"].as_str().unwrap_or("").to_string()
}

#[test]
fn a_key_pasted_in_a_url_and_echoed_back_appears_nowhere() {
    // Each distinctive core ("Zq7Xw", "Yv5Tm") is letters and digits, so it is the same in
    // clear and in every URL encoding: one search finds any form of the secret.
    const KEY: &str = "sk_e2e_Zq7Xw~Pasted!0042";
    let server = refuser(KEY);
    let clip = clip(30, 640, 360, 30);
    let mut d = Daemon::start();
    let feed = events(&mut d);

    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "pasted", "platform": "custom", "url": format!("rtmp://127.0.0.1:{}/app/{KEY}", server.port)})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["url"], format!("rtmp://127.0.0.1:{}/app", server.port));
    assert_eq!((r.body["stream_key_set"].clone(), r.body["stream_key_hint"].clone()), (json!(true), json!("…0042")));
    assert_eq!(r.body["moved_from_url"], json!(["stream_key"]));
    assert!(r.body["notice"].as_str().unwrap().contains("stream key"), "{}", r.text);
    let id = r.body["id"].as_i64().unwrap();

    // SRT: streamid and passphrase out of the query; a new key in a PATCHed URL replaces the old one.
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "srt", "platform": "custom", "url": "srt://127.0.0.1:1?streamid=sk_srt_Yv5Tm_0043&latency=200&passphrase=srt-pass-Yv5Tm-0044", "enabled": false})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.body["url"].clone(), r.body["passphrase_set"].clone()), (json!("srt://127.0.0.1:1?latency=200"), json!(true)));
    assert_eq!(r.body["moved_from_url"], json!(["stream_key", "passphrase"]));
    let srt = r.body["id"].as_i64().unwrap();
    let r = d.request("PATCH", &format!("/api/v1/destinations/{srt}"), Some(json!({"url": "srt://127.0.0.1:2?streamid=sk_srt_Yv5Tm_0045"})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["url"].clone(), r.body["stream_key_hint"].clone(), r.body["moved_from_url"].clone()),
        (json!("srt://127.0.0.1:2"), json!("…0045"), json!(["stream_key"]))
    );
    assert_eq!(r.body["passphrase_set"], true, "the passphrase stays");
    // user:password@
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "userinfo", "platform": "custom", "url": "rtmp://someone:sk_user_Yv5Tm_0046@127.0.0.1:1/app", "enabled": false})),
    );
    assert_eq!((r.status, r.body["url"].clone(), r.body["moved_from_url"].clone()), (201, json!("rtmp://127.0.0.1:1/app"), json!(["userinfo"])), "{}", r.text);
    // A streamid in the URL that contradicts the stream key given with it: refused, nothing saved.
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "two", "platform": "custom", "url": "srt://h:1?streamid=sk_two_Yv5Tm_1", "stream_key": "sk_two_Yv5Tm_2"})),
    );
    assert_eq!(r.status, 422, "{}", r.text);

    let _ff = d.go_live_with(&clip);
    // The destination refuses at connect, then at publish, then again: failed after three tries.
    assert!(
        wait_until(Duration::from_secs(40), || state(&mut d, id) == "failed" && *server.connections.lock().unwrap() >= 3),
        "{}\n{}",
        d.destination_status(id),
        d.log_text()
    );
    assert!(server.keys.lock().unwrap().iter().any(|k| k == KEY), "the moved key is the one published with: {:?}", server.keys.lock().unwrap());
    let st = d.destination_status(id);
    let err = st["last_error"].as_str().unwrap_or_default().to_string();
    assert!(err.contains("[redacted]") && err.contains("is not valid"), "the destination's text arrives, redacted: {st}");
    let alerts = d.get("/api/v1/alerts");
    assert!(alerts.to_string().contains("[redacted]"), "an alert carries the redacted text: {alerts}");
    d.get("/api/v1/destinations");
    d.get(&format!("/api/v1/destinations/{id}"));
    d.get("/api/v1/status");
    d.raw("GET", "/api/v1/metrics", None, None);
    d.post("/api/v1/live/stop", json!({}));
    std::thread::sleep(Duration::from_millis(500));
    d.terminate();

    let feed = feed.lock().unwrap().join("\n");
    assert!(feed.contains("[redacted]"), "the event feed carried the destination's text");
    let log = d.log_text();
    assert!(log.contains("[redacted]"), "the log has the (redacted) refusal");
    let api = d.seen.lock().unwrap().join("\n");
    for core in ["Zq7Xw", "Yv5Tm"] {
        assert!(!api.contains(core), "{core} in an API response");
        assert!(!feed.contains(core), "{core} in the event feed");
        assert!(!log.contains(core), "{core} in the log");
        for (name, bytes) in files_of(&d.data_dir()) {
            assert!(!contains(&bytes, core), "{core} in {name}");
        }
    }
}

#[test]
fn a_sealed_key_copied_to_another_row_needs_entering_again() {
    let clip = clip(30, 640, 360, 30);
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let a = d.add_destination("a", &n.url(), "sk_row_a_0001");
    let b = d.add_destination("b", &n.url(), "sk_row_b_0002");
    d.restart_with(|data| {
        let db = rusqlite::Connection::open(data.join("onair.db")).unwrap();
        db.execute("UPDATE destinations SET stream_key_enc = (SELECT stream_key_enc FROM destinations WHERE id = ?1) WHERE id = ?2", [a, b]).unwrap();
    });
    let got = d.get(&format!("/api/v1/destinations/{b}"));
    assert_eq!((got["needs_key"].clone(), got["stream_key_set"].clone(), got["stream_key_hint"].clone()), (json!(true), json!(false), Value::Null), "{got}");
    assert_eq!(d.get(&format!("/api/v1/destinations/{a}"))["needs_key"], false);
    // Go Live starts the healthy one, says why the other did not start, and nothing crashes.
    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || state(&mut d, a) == "live"));
    let alerts = d.get("/api/v1/alerts").to_string();
    assert!(alerts.contains("enter it again"), "{alerts}");
    let r = d.request("POST", &format!("/api/v1/destinations/{b}/start"), Some(json!({})));
    assert_eq!((r.status, r.body["error"]["code"].clone()), (409, json!("needs_key")), "{}", r.text);
    assert_eq!(d.get("/api/v1/health")["status"], "ok");
    // Entering the key again heals it.
    let r = d.request("PATCH", &format!("/api/v1/destinations/{b}"), Some(json!({"stream_key": "sk_row_b_0003"})));
    assert_eq!((r.body["needs_key"].clone(), r.body["stream_key_set"].clone()), (json!(false), json!(true)), "{}", r.text);
    d.post(&format!("/api/v1/destinations/{b}/start"), json!({}));
    assert!(wait_until(Duration::from_secs(10), || state(&mut d, b) == "live"));
    std::thread::sleep(Duration::from_secs(2));
    d.post("/api/v1/live/stop", json!({}));
    n.stop();
    let names: Vec<String> = n.recordings().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.iter().any(|f| f.starts_with("sk_row_a_0001")) && names.iter().any(|f| f.starts_with("sk_row_b_0003")), "{names:?}");
}

#[test]
fn srt_ingest_with_a_passphrase() {
    let clip = clip(20, 640, 360, 30);
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let id = d.add_destination("n", &n.url(), "sk_srt_pass_0001");
    for bad in ["short", "with space 0123", "x".repeat(80).as_str()] {
        let r = d.request("PUT", "/api/v1/ingest/srt", Some(json!({ "passphrase": bad })));
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    let r = d.request("PUT", "/api/v1/ingest/srt", Some(json!({"passphrase": "ingest-pass.0123~x"})));
    assert_eq!((r.status, r.body["passphrase_set"].clone()), (200, json!(true)), "{}", r.text);
    let ing = d.get("/api/v1/ingest");
    let key = ing["key"].as_str().unwrap().to_string();
    let good = format!("srt://127.0.0.1:{}?streamid={key}&passphrase=ingest-pass.0123~x", d.srt);
    assert_eq!(ing["srt_url"], good, "what OBS or ffmpeg takes as it is");
    assert_eq!(ing["srt_passphrase_set"], true);
    for bad in [
        format!("srt://127.0.0.1:{}?streamid={key}&connect_timeout=3000", d.srt),
        format!("srt://127.0.0.1:{}?streamid={key}&passphrase=wrong-pass-9999&connect_timeout=3000", d.srt),
    ] {
        let mut ff = Ffmpeg::publish(&clip, &bad, "mpegts");
        let st = ff.wait(Duration::from_secs(20));
        assert!(st.is_none_or(|s| !s.success()), "refused: {bad}");
        ff.kill();
        assert_eq!(d.get("/api/v1/ingest")["connected"], false, "{bad}");
    }
    let mut ff = Ffmpeg::publish(&clip, &good, "mpegts");
    assert!(d.wait_ingest_connected(), "{}\n{}", ff.log_text(), d.log_text());
    assert_eq!(d.get("/api/v1/ingest")["proto"], "srt");
    d.post("/api/v1/live/start", json!({}));
    assert!(wait_until(Duration::from_secs(10), || state(&mut d, id) == "live"));
    std::thread::sleep(Duration::from_secs(4));
    d.post("/api/v1/live/stop", json!({}));
    ff.kill();
    n.stop();
    let p = probe(&n.recordings()[0]);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str(), p.width), ("h264", "aac", 640), "{p:?}");
    assert!(p.duration > 2.0, "{p:?}");
    // Off again: the URL says so.
    d.request("PUT", "/api/v1/ingest/srt", Some(json!({"passphrase": null})));
    let ing = d.get("/api/v1/ingest");
    assert_eq!((ing["srt_url"].clone(), ing["srt_passphrase_set"].clone()), (json!(format!("srt://127.0.0.1:{}?streamid={key}", d.srt)), json!(false)));
    assert!(!d.log_text().contains("ingest-pass"), "the passphrase is not logged");
}

#[test]
fn srt_outputs_with_passphrases_and_launch_syntax_in_the_url() {
    let clip = clip(20, 640, 360, 30);
    let mut d = Daemon::start();
    let (good_port, bad_port) = (free_port(), free_port());
    let good_out = d.dir.path().join("good.ts");
    let bad_out = d.dir.path().join("bad.ts");
    let evil = d.dir.path().join("evil.ts");
    let mut good = Ffmpeg::run(&[
        "-y",
        "-i",
        &format!("srt://127.0.0.1:{good_port}?mode=listener&passphrase=out-pass-0123456"),
        "-c",
        "copy",
        "-f",
        "mpegts",
        good_out.to_str().unwrap(),
    ]);
    let mut bad = Ffmpeg::run(&[
        "-y",
        "-i",
        &format!("srt://127.0.0.1:{bad_port}?mode=listener&passphrase=another-pass-0123"),
        "-c",
        "copy",
        "-f",
        "mpegts",
        bad_out.to_str().unwrap(),
    ]);
    // Launch syntax in a query value and in the stream id: values, never elements.
    let launch = format!("a\" ! filesink location={} ! fakesink name=\"b", evil.display());
    let q = url::form_urlencoded::byte_serialize(launch.as_bytes()).collect::<String>();
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "good", "platform": "custom", "url": format!("srt://127.0.0.1:{good_port}?passphrase=out-pass-0123456&x={q}"), "stream_key": "sk\"!fakesink!'k"})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body["passphrase_set"] == true && !r.text.contains("out-pass"), "{}", r.text);
    let good_id = r.body["id"].as_i64().unwrap();
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "bad", "platform": "custom", "url": format!("srt://127.0.0.1:{bad_port}"), "passphrase": "out-pass-0123456"})),
    );
    assert_eq!((r.status, r.body["passphrase_set"].clone()), (201, json!(true)), "{}", r.text);
    let bad_id = r.body["id"].as_i64().unwrap();
    // A host with launch syntax is not a host.
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "x", "platform": "custom", "url": format!("srt://x\"!filesink\"location={}:9000", evil.display())})),
    );
    assert_eq!(r.status, 422, "{}", r.text);

    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || state(&mut d, good_id) == "live"), "{}", d.log_text());
    std::thread::sleep(Duration::from_secs(5));
    let bad_state = d.destination_status(bad_id);
    assert_ne!(bad_state["state"], "live", "a listener with another passphrase refuses: {bad_state}");
    d.post("/api/v1/live/stop", json!({}));
    std::thread::sleep(Duration::from_millis(500));
    good.stop();
    bad.stop();
    let p = probe(&good_out);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str(), p.width, p.height), ("h264", "aac", 640, 360), "{p:?}\n{}", good.log_text());
    assert!(p.vframes > 60, "{p:?}");
    assert!(std::fs::metadata(&bad_out).map_or(true, |m| m.len() == 0), "nothing reached the listener with another passphrase");
    assert!(!evil.exists(), "no filesink was built from the URL");
    assert!(!d.log_text().contains("out-pass-0123456"), "the passphrase is not logged");
}

#[test]
fn a_schema_5_database_opens_and_its_secrets_still_work() {
    let fixture = workspace().join("tests/fixtures/schema5");
    let made: Value = serde_json::from_str(&std::fs::read_to_string(fixture.join("made.json")).unwrap()).unwrap();
    let clip = clip(20, 640, 360, 30);
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    d.restart_with(|data| {
        for f in ["onair.db-wal", "onair.db-shm"] {
            let _ = std::fs::remove_file(data.join(f));
        }
        for f in ["onair.db", "secret.key"] {
            std::fs::copy(fixture.join(f), data.join(f)).unwrap();
        }
        // The fixture's invite expires 30 days after it was made; its expiry is not signed.
        let db = rusqlite::Connection::open(data.join("onair.db")).unwrap();
        db.execute("UPDATE invites SET expires_at = 4102444800", []).unwrap();
    });
    let ingest_key = made["ingest_key"].as_str().unwrap();
    assert_eq!(d.ingest_key(), ingest_key);
    let list = d.get("/api/v1/destinations");
    let by = |name: &str| list.as_array().unwrap().iter().find(|x| x["name"] == name).cloned().unwrap();
    assert_eq!((by("plain")["stream_key_hint"].clone(), by("plain")["needs_key"].clone()), (json!("…0001"), json!(false)));
    assert_eq!((by("key in path")["url"].clone(), by("key in path")["stream_key_hint"].clone()), (json!("rtmp://127.0.0.1:1/app"), json!("…0002")));
    assert_eq!(by("srt")["url"], "srt://127.0.0.1:9?latency=200");
    assert_eq!((by("srt")["stream_key_hint"].clone(), by("srt")["passphrase_set"].clone()), (json!("…0003"), json!(true)));
    assert_eq!((by("userinfo")["url"].clone(), by("userinfo")["stream_key_hint"].clone()), (json!("rtmp://127.0.0.1:1/app"), json!("…0005")));
    // The old API token and invite link still work.
    let tok = made["api_token"].as_str().unwrap();
    let v: Value = ureq::get(&d.url("/api/v1/destinations")).set("Authorization", &format!("Bearer {tok}")).call().expect("old API token").into_json().unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    let inv = made["invite_token"].as_str().unwrap();
    assert_eq!(ureq::get(&d.url(&format!("/join/{inv}"))).call().map(|r| r.status()).unwrap_or(0), 200, "old invite link");
    assert!(ureq::get(&d.url(&format!("/join/{}x", &inv[..inv.len() - 1]))).call().is_err(), "a forged link still fails");
    // The keys still work: the two RTMP destinations, pointed at nginx, publish with their keys.
    for name in ["plain", "key in path"] {
        d.request("PATCH", &format!("/api/v1/destinations/{}", by(name)["id"]), Some(json!({"url": n.url()})));
    }
    for name in ["srt", "userinfo"] {
        d.request("PATCH", &format!("/api/v1/destinations/{}", by(name)["id"]), Some(json!({"enabled": false})));
    }
    let _ff = Ffmpeg::publish(&clip, &format!("rtmp://127.0.0.1:{}/live/{ingest_key}", d.rtmp), "flv");
    assert!(d.wait_ingest_connected(), "the old ingest key: {}", d.log_text());
    d.post("/api/v1/live/start", json!({}));
    let ids = [by("plain")["id"].as_i64().unwrap(), by("key in path")["id"].as_i64().unwrap()];
    assert!(wait_until(Duration::from_secs(10), || ids.iter().all(|&i| state(&mut d, i) == "live")), "{}", d.log_text());
    std::thread::sleep(Duration::from_secs(2));
    d.post("/api/v1/live/stop", json!({}));
    n.stop();
    let names: Vec<String> = n.recordings().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for k in ["sk_fixture_plain_0001", "sk_fixture_in_path_0002"] {
        assert!(names.iter().any(|f| f.starts_with(k)), "{k}: {names:?}");
    }

    // Nothing is sealed the old way: every sealed value is version 2, does not open as before
    // (XChaCha20-Poly1305 under secret.key, no associated data), and opens at its own place.
    let data = d.data_dir();
    let master: [u8; 32] = std::fs::read(data.join("secret.key")).unwrap().try_into().unwrap();
    let legacy_opens = |b: &[u8]| {
        use chacha20poly1305::aead::{Aead, KeyInit};
        b.len() > 40 && chacha20poly1305::XChaCha20Poly1305::new((&master).into()).decrypt(chacha20poly1305::XNonce::from_slice(&b[..24]), &b[24..]).is_ok()
    };
    let sb = onair::store::SecretBox::from_key(master);
    let db = rusqlite::Connection::open(data.join("onair.db")).unwrap();
    let mut sealed: Vec<(onair::store::Place, Vec<u8>)> = Vec::new();
    for (table, pk, col) in [
        ("destinations", "id", "stream_key_enc"),
        ("destinations", "id", "passphrase_enc"),
        ("platform_accounts", "platform", "client_secret_enc"),
        ("platform_accounts", "platform", "access_enc"),
        ("platform_accounts", "platform", "refresh_enc"),
    ] {
        let mut st = db.prepare(&format!("SELECT CAST({pk} AS TEXT), {col} FROM {table} WHERE {col} IS NOT NULL")).unwrap();
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))).unwrap();
        for row in rows {
            let (id, b) = row.unwrap();
            sealed.push((onair::store::Place::new(table, col, id), b));
        }
    }
    use base64::Engine;
    for key in ["obs_password", "ice_turn_password", "ingest_key"] {
        let v: String = db.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).unwrap();
        sealed.push((onair::store::Place::setting(key), base64::engine::general_purpose::STANDARD.decode(v).unwrap()));
    }
    assert_eq!(sealed.len(), 9, "4 stream keys, 1 passphrase, the Twitch app secret, 3 settings");
    for (at, b) in &sealed {
        assert!(!legacy_opens(b), "{at:?} still opens the old way");
        assert!(sb.open(at, b).is_ok(), "{at:?} opens at its place");
    }
    let (at, b) = sealed.iter().find(|(at, _)| at.row == "obs_password").unwrap();
    let plain = String::from_utf8(sb.open(at, b).unwrap()).unwrap();
    assert_eq!(plain, "obs-fixture-password-0006");
    let old_digests = || db.query_row("SELECT COUNT(*) FROM api_tokens WHERE digest_v = 1", [], |r| r.get::<_, i64>(0)).unwrap();
    assert!(wait_until(Duration::from_secs(20), || old_digests() == 0), "the old token is re-digested after its first use");
    drop(db);
    d.terminate();
    for (name, bytes) in files_of(&data) {
        for clear in ["sk_fixture_in_path_0002", "sk_fixture_srt_0003", "fixture-srt-pass-0004", "sk_fixture_userinfo_0005", ingest_key] {
            assert!(!contains(&bytes, clear), "{clear} in clear in {name}");
        }
    }
}
