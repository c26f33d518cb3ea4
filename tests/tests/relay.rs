//! The relay end to end: ffmpeg publishes to onaird, three nginx-rtmp servers receive, ffprobe checks.
use std::time::{Duration, Instant};

use onair_e2e::*;

fn key(tag: &str) -> String {
    format!("sk_live_{tag}_{:08x}{:08x}", rand::random::<u32>(), rand::random::<u32>())
}

fn assert_no_secret(d: &Daemon, secrets: &[String]) {
    let mut places: Vec<(String, Vec<u8>)> = vec![("log".into(), d.log_text().into_bytes())];
    for f in ["onair.db", "onair.db-wal", "onair.db-shm"] {
        if let Ok(b) = std::fs::read(d.data_dir().join(f)) {
            places.push((f.into(), b));
        }
    }
    places.push(("API responses".into(), d.seen.lock().unwrap().join("\n").into_bytes()));
    for s in secrets {
        for (name, bytes) in &places {
            assert!(!bytes.windows(s.len()).any(|w| w == s.as_bytes()), "stream key found in {name}");
        }
    }
}

#[test]
fn relays_one_feed_to_three_destinations_unchanged() {
    let clip = clip(20, 1280, 720, 30);
    let pushed = frames_in(&clip);
    let mut nginx: Vec<Nginx> = (0..3).map(|_| Nginx::start()).collect();
    let mut d = Daemon::start();
    let keys: Vec<String> = (0..3).map(|i| key(&format!("n{i}"))).collect();
    for (i, n) in nginx.iter().enumerate() {
        d.add_destination(&format!("nginx {i}"), &n.url(), &keys[i]);
    }
    let mut ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || {
        let s = d.get("/api/v1/status");
        s["destinations"].as_array().unwrap().iter().all(|x| x["state"] == "live")
    }));
    std::thread::sleep(Duration::from_secs(2));
    let ingest = d.get("/api/v1/ingest");
    let st = ff.wait(Duration::from_secs(60)).expect("ffmpeg finished");
    assert!(st.success(), "ffmpeg: {}", ff.log_text());
    d.post("/api/v1/live/stop", serde_json::json!({}));
    // What the box measured from the stream itself.
    assert_eq!(ingest["video"]["codec"], "h264");
    assert_eq!(ingest["video"]["width"], 1280);
    assert_eq!(ingest["video"]["height"], 720);
    assert_eq!(ingest["audio"]["codec"], "aac");
    assert_eq!(ingest["audio"]["sample_rate"], 48000);
    assert_eq!(ingest["audio"]["channels"], 2);
    let fps = ingest["video"]["fps"].as_f64().unwrap();
    assert!((fps - 30.0).abs() < 3.0, "fps {fps}");
    let kbps = ingest["video"]["kbps"].as_u64().unwrap();
    assert!(kbps > 1000 && kbps < 6000, "video kbps {kbps} for a 3 Mbit/s clip");
    let status = d.get("/api/v1/status");
    for x in status["destinations"].as_array().unwrap() {
        assert_eq!(x["state"], "idle");
        assert!(x["bytes_sent"].as_u64().unwrap() > 5_000_000, "{x}");
        assert_eq!(x["reconnects"], 0);
    }
    for n in nginx.iter_mut() {
        n.stop();
        let recs = n.recordings();
        assert_eq!(recs.len(), 1, "one recording per destination: {recs:?}");
        let p = probe(&recs[0]);
        assert_eq!((p.vcodec.as_str(), p.acodec.as_str()), ("h264", "aac"), "{p:?}");
        assert_eq!((p.width, p.height), (1280, 720));
        assert!((p.duration - 20.0).abs() <= 1.0, "duration {} vs 20 s", p.duration);
        let diff = (p.vframes as f64 - pushed as f64).abs() / pushed as f64;
        assert!(diff <= 0.01, "frames {} vs pushed {pushed}", p.vframes);
    }
    // SIGTERM ends cleanly; no key ever left the box in clear.
    let code = d.terminate();
    assert!(code.success(), "exit status {code:?}");
    assert_no_secret(&d, &keys);
}

#[test]
fn a_destination_that_drops_reconnects_alone() {
    let clip = clip(20, 1280, 720, 30);
    let pushed = frames_in(&clip);
    let mut nginx: Vec<Nginx> = (0..3).map(|_| Nginx::start()).collect();
    let mut d = Daemon::start();
    let ids: Vec<i64> = nginx.iter().enumerate().map(|(i, n)| d.add_destination(&format!("n{i}"), &n.url(), &key("f"))).collect();
    let mut ff = d.go_live_with(&clip);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(5));
    nginx[1].kill();
    let mut seen_reconnecting = false;
    while t0.elapsed() < Duration::from_secs(10) {
        seen_reconnecting |= d.destination_status(ids[1])["state"] == "reconnecting";
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(seen_reconnecting, "the killed destination shows reconnecting");
    assert_eq!(d.destination_status(ids[0])["state"], "live");
    assert_eq!(d.destination_status(ids[2])["state"], "live");
    nginx[1].restart();
    let back = Instant::now();
    assert!(wait_until(Duration::from_secs(8), || d.destination_status(ids[1])["state"] == "live"));
    let took = back.elapsed();
    eprintln!("killed destination back live {:.2} s after its server returned", took.as_secs_f64());
    assert!(took <= Duration::from_secs(3), "back live after {took:?}");
    let s = d.destination_status(ids[1]);
    assert_eq!(s["reconnects"], 1, "{s}");
    assert!(s["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(ff.wait(Duration::from_secs(60)).unwrap().success());
    d.post("/api/v1/live/stop", serde_json::json!({}));
    for i in [0, 2] {
        nginx[i].stop();
        let recs = nginx[i].recordings();
        assert_eq!(recs.len(), 1);
        let p = probe(&recs[0]);
        let diff = (p.vframes as f64 - pushed as f64).abs() / pushed as f64;
        assert!(diff <= 0.01, "healthy destination {i}: frames {} vs pushed {pushed}", p.vframes);
    }
}

#[test]
fn feed_loss_keeps_every_destination_on_one_session() {
    let clip = clip(10, 640, 360, 30);
    let mut nginx: Vec<Nginx> = (0..2).map(|_| Nginx::start()).collect();
    let mut d = Daemon::start();
    let ids: Vec<i64> = nginx.iter().enumerate().map(|(i, n)| d.add_destination(&format!("n{i}"), &n.url(), &key("l"))).collect();
    let mut ff = d.go_live_with(&clip);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(4));
    ff.kill(); // OBS crashes
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["on_air"] == "slate"), "slate on air after the feed dropped");
    std::thread::sleep(Duration::from_secs(10));
    for id in &ids {
        assert_eq!(d.destination_status(*id)["state"], "live", "outputs stay connected through the gap");
    }
    let mut ff2 = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/status")["on_air"] == "feed"), "back to the feed");
    assert!(ff2.wait(Duration::from_secs(40)).unwrap().success());
    let total = t0.elapsed().as_secs_f64();
    d.post("/api/v1/live/stop", serde_json::json!({}));
    for (i, n) in nginx.iter_mut().enumerate() {
        n.stop();
        let recs = n.recordings();
        assert_eq!(recs.len(), 1, "destination {i} kept one session and one recording: {recs:?}");
        let p = probe(&recs[0]);
        assert_eq!((p.width, p.height), (640, 360), "slate is encoded to the feed's size");
        // 4 s of feed + ~11 s of slate + 10 s of the restarted feed, all in one file.
        assert!(p.duration > total - 2.5 && p.duration < total + 1.0, "recording {} s, show {} s", p.duration, total);
        assert!(p.vframes as f64 > (total - 3.0) * 30.0 * 0.9, "frames {} for {total} s", p.vframes);
        assert_eq!(d.destination_status(ids[i])["reconnects"], 0);
    }
}

#[test]
fn a_hung_publisher_is_dropped_and_obs_can_publish_again() {
    let clip = clip(30, 640, 360, 30);
    let mut d = Daemon::start();
    let mut hung = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    assert!(d.wait_ingest_connected());
    std::thread::sleep(Duration::from_secs(2));
    hung.freeze(); // the encoder hangs: its connection stays open and sends nothing
    let t0 = Instant::now();
    assert!(wait_until(Duration::from_secs(20), || d.get("/api/v1/ingest")["connected"] == false), "a publisher that sends nothing is dropped");
    assert!(t0.elapsed() > Duration::from_secs(8), "not before the 10 s limit ({:?})", t0.elapsed());
    // The slot is free again: a restarted OBS publishes at once instead of "another publisher is live".
    let mut ff = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    assert!(d.wait_ingest_connected(), "a new publisher is taken after the hung one was dropped");
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["video"]["fps"].as_f64().unwrap_or(0.0) > 20.0));
    assert!(d.log_text().contains("no media for"), "the log says why the publisher was dropped");
    ff.kill();
    hung.kill();
}

#[test]
fn pause_sends_the_slate_and_resume_returns_to_the_feed() {
    let clip = clip(10, 640, 360, 30);
    let n = Nginx::start();
    let mut d = Daemon::start();
    let id = d.add_destination("n", &n.url(), &key("p"));
    let r = d.request("POST", "/api/v1/live/pause", Some(serde_json::json!({})));
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (409, Some("not_live")));
    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    d.post("/api/v1/live/pause", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["on_air"] == "slate"));
    let s = d.get("/api/v1/status");
    assert_eq!((s["live"].as_bool(), s["paused"].as_bool()), (Some(true), Some(true)));
    d.post("/api/v1/live/resume", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["on_air"] == "feed"));
    assert_eq!(d.destination_status(id)["state"], "live");
    assert_eq!(d.destination_status(id)["reconnects"], 0);
}

#[test]
fn one_destination_starts_and_stops_while_live() {
    let clip = clip(10, 640, 360, 30);
    let (a, b) = (Nginx::start(), Nginx::start());
    let mut d = Daemon::start();
    let ia = d.add_destination("a", &a.url(), &key("a"));
    let ib = d.add_destination("b", &b.url(), &key("b"));
    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(ib)["state"] == "live"));
    d.post(&format!("/api/v1/destinations/{ib}/stop"), serde_json::json!({}));
    assert_eq!(d.destination_status(ib)["state"], "idle");
    assert_eq!(d.destination_status(ia)["state"], "live");
    d.post(&format!("/api/v1/destinations/{ib}/start"), serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(ib)["state"] == "live"));
    assert_eq!(d.destination_status(ia)["reconnects"], 0);
    let r = d.request("POST", "/api/v1/destinations/999/start", Some(serde_json::json!({})));
    assert_eq!(r.status, 404);
}

#[test]
fn a_live_edit_moves_only_that_output() {
    use tungstenite::client::IntoClientRequest;
    let clip = clip(20, 640, 360, 30);
    let pushed = frames_in(&clip);
    let (mut old, mut new, mut other) = (Nginx::start(), Nginx::start(), Nginx::start());
    let mut d = Daemon::start();
    let moved = d.add_destination("moved", &old.url(), &key("m"));
    let kept = d.add_destination("kept", &other.url(), &key("k"));
    let mut req = format!("ws://127.0.0.1:{}/api/v1/events", d.http).into_client_request().unwrap();
    req.headers_mut().insert("Cookie", d.cookie().unwrap().parse().unwrap());
    let (mut ws, _) = tungstenite::connect(req).expect("the event feed");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    std::thread::spawn(move || {
        while let Ok(m) = ws.read() {
            if let Ok(t) = m.into_text() {
                s.lock().unwrap().push(t.to_string());
            }
        }
    });
    let mut ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || [moved, kept].iter().all(|id| d.destination_status(*id)["state"] == "live")));
    std::thread::sleep(Duration::from_secs(4));
    // While live: the destination's server changes.
    let r = d.request("PATCH", &format!("/api/v1/destinations/{moved}"), Some(serde_json::json!({"url": new.url()})));
    assert_eq!(r.status, 200, "{}", r.text);
    let edited = Instant::now();
    assert!(
        wait_until(Duration::from_secs(5), || seen
            .lock()
            .unwrap()
            .iter()
            .any(|m| m.contains("\"destination_updated\"") && m.contains(&format!("\"id\":{moved}")) && m.contains("\"restarted\""))),
        "no destination_updated event: {:?}",
        seen.lock().unwrap().iter().filter(|m| !m.contains("\"status\"")).collect::<Vec<_>>()
    );
    assert!(wait_until(Duration::from_secs(8), || d.destination_status(moved)["state"] == "live"), "the moved output is live again");
    eprintln!("moved output live on its new server {:.2} s after the edit", edited.elapsed().as_secs_f64());
    assert!(ff.wait(Duration::from_secs(60)).expect("ffmpeg finished").success());
    d.post("/api/v1/live/stop", serde_json::json!({}));
    let ks = d.destination_status(kept);
    assert_eq!(ks["reconnects"], 0, "the other output was not touched: {ks}");
    for n in [&mut old, &mut new, &mut other] {
        n.stop();
    }
    // Frames, not durations: the new server's recording keeps the show's timestamps.
    let frames = |n: &Nginx| n.recordings().iter().map(|r| probe(r).vframes).sum::<u64>();
    let (f_old, f_new) = (frames(&old) as f64 / pushed as f64, frames(&new) as f64 / pushed as f64);
    eprintln!("of {pushed} frames the old server got {:.0} %, the new one {:.0} %", f_old * 100.0, f_new * 100.0);
    // The old server got the start of the show only (about 5 s of 20); the new one the rest,
    // from a keyframe (the clip has one every 2 s).
    assert!(f_old > 0.1 && f_old < 0.45, "old server: {f_old}");
    assert!(f_new > 0.45 && f_new < 0.9, "new server: {f_new}");
    let o = other.recordings();
    assert_eq!(o.len(), 1, "the other output kept one session: {o:?}");
    let p = probe(&o[0]);
    let diff = (p.vframes as f64 - pushed as f64).abs() / pushed as f64;
    assert!(diff <= 0.01, "the other output: frames {} vs pushed {pushed}", p.vframes);
}
