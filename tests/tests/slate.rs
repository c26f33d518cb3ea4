//! The user's own "be right back" image: upload checks, and it goes on air at the feed's size.
use std::process::Command;
use std::time::Duration;

use onair_e2e::*;

#[test]
fn user_slate_image_upload_and_on_air() {
    let mut d = Daemon::start();
    let img = d.dir.path().join("brb.png");
    let st = Command::new("gst-launch-1.0")
        .args(["-q", "videotestsrc", "num-buffers=1", "pattern=ball", "!", "video/x-raw,width=800,height=600", "!", "pngenc", "!", "filesink"])
        .arg(format!("location={}", img.display()))
        .status()
        .unwrap();
    assert!(st.success());
    let png = std::fs::read(&img).unwrap();
    let c = cookie(&mut d);
    // Not an image / lying about the type / truncated / too big.
    let r = d.raw("PUT", "/api/v1/slate", Some("hello"), Some("image/png"));
    assert_eq!(r.status, 415, "{}", r.text);
    let r = put_bytes(&d, &c, &png[..200], "image/png");
    assert!(r == 422 || r == 415, "truncated PNG refused, got {r}");
    // Too big: refused with 413 before the body is read (curl: see `Daemon::curl_status`).
    let (status, _) = d.curl_status("PUT", "/api/v1/slate", &vec![0x89u8; 9 << 20], "image/png");
    assert_eq!(status, 413);
    assert_eq!(put_bytes(&d, &c, &png, "image/png"), 200);
    let back = ureq::get(&d.url("/api/v1/slate")).set("Cookie", &c).call().unwrap();
    let mut got = vec![];
    std::io::Read::read_to_end(&mut back.into_reader(), &mut got).unwrap();
    assert_eq!(got, png);

    let mut n = Nginx::start();
    let id = d.add_destination("n", &n.url(), "sk_slate_0001");
    let clip = clip(10, 640, 360, 30);
    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    d.post("/api/v1/live/pause", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["on_air"] == "slate"));
    std::thread::sleep(Duration::from_secs(2));
    // A new picture while the slate is on air goes on air at once; the output stays up.
    let before = d.destination_status(id)["bytes_sent"].as_u64().unwrap();
    assert_eq!(put_bytes(&d, &c, &png, "image/png"), 200);
    assert!(
        wait_until(Duration::from_secs(5), || d.get("/api/v1/alerts").to_string().contains("the slate on air now shows the new picture")),
        "{}",
        d.get("/api/v1/alerts")
    );
    assert!(wait_until(Duration::from_secs(5), || d.destination_status(id)["bytes_sent"].as_u64().unwrap() > before + 10_000));
    assert_eq!(d.destination_status(id)["state"], "live");
    d.post("/api/v1/live/stop", serde_json::json!({}));
    n.stop();
    let p = probe(&n.recordings()[0]);
    assert_eq!((p.width, p.height), (640, 360), "the image is scaled to the feed: {p:?}");
    assert!(!d.log_text().contains("cannot be used"), "the image slate started");
    // Back to the built-in slate: the picture is gone.
    assert_eq!(d.request("DELETE", "/api/v1/slate", None).status, 204);
    assert_eq!(d.request("GET", "/api/v1/slate", None).status, 404);
}

fn cookie(d: &mut Daemon) -> String {
    // Log in again on a fresh client to get a cookie for raw requests.
    let r = ureq::post(&d.url("/api/v1/login")).send_json(serde_json::json!({"password": PASSWORD})).unwrap();
    r.header("set-cookie").unwrap().split(';').next().unwrap().to_string()
}

fn put_bytes(d: &Daemon, c: &str, body: &[u8], ct: &str) -> u16 {
    match ureq::put(&d.url("/api/v1/slate")).set("Cookie", c).set("X-Requested-With", "onair").set("Content-Type", ct).send_bytes(body) {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(s, _)) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Each slate episode used to leave RSS a step higher for good (44 → 145 MB over 7 episodes in
/// issue 22's soak): the loop is encoded once, and what an ended pipeline freed goes back.
#[test]
fn memory_comes_back_after_pause_and_resume_cycles() {
    let mut d = Daemon::start_with(&["--srt", "off"]);
    let n = Nginx::start();
    let id = d.add_destination("n", &n.url(), "sk_cycles_0001");
    let clip = clip(10, 1280, 720, 30);
    let _feed = soak::Looping::publish(&clip, &d.ingest_url());
    assert!(d.wait_ingest_connected());
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(id)["state"] == "live"));
    let mut held = vec![];
    for _ in 0..10 {
        soak::pause_and_resume(&mut d);
        std::thread::sleep(Duration::from_secs(1));
        held.push(soak::Held::of(d.pid()));
    }
    let rss: Vec<String> = held.iter().map(|h| format!("{:.1}", h.rss_mb)).collect();
    let log = d.log_text();
    let encodes: Vec<&str> = log.lines().filter(|l| l.contains("slate's loop")).collect();
    eprintln!("RSS after each of 10 pause/resume cycles (MB): {}\n{}", rss.join(" "), encodes.join("\n"));
    assert!(held[9].rss_mb - held[0].rss_mb <= 10.0, "RSS grew from {:.1} to {:.1} MB over 10 cycles: {rss:?}", held[0].rss_mb, held[9].rss_mb);
    assert_eq!(d.destination_status(id)["state"], "live");
}
