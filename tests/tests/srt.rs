//! SRT in (ffmpeg as the encoder) and SRT out (ffmpeg as the listener that records).
use std::time::Duration;

use onair_e2e::*;

#[test]
fn srt_ingest_end_to_end() {
    let clip = clip(10, 640, 360, 30);
    let n = Nginx::start();
    let mut d = Daemon::start();
    let id = d.add_destination("n", &n.url(), "sk_srt_ingest_0001");
    // Garbage on the idle SRT port (it wakes the on-demand listener): ignored, nothing breaks.
    let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for len in [1usize, 16, 1400] {
        u.send_to(&vec![0xa5; len], ("127.0.0.1", d.srt)).unwrap();
    }
    // Wrong stream id: refused.
    let mut bad = Ffmpeg::publish(&clip, &format!("srt://127.0.0.1:{}?streamid=wrong_key&connect_timeout=3000", d.srt), "mpegts");
    let st = bad.wait(Duration::from_secs(15));
    assert!(st.is_none_or(|s| !s.success()), "a wrong SRT stream id must be refused");
    bad.kill();
    assert_eq!(d.get("/api/v1/ingest")["connected"], false);
    let key = d.ingest_key();
    let mut ff = Ffmpeg::publish(&clip, &format!("srt://127.0.0.1:{}?streamid={key}", d.srt), "mpegts");
    assert!(d.wait_ingest_connected(), "srt: {}\n{}", ff.log_text(), d.log_text());
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["video"]["width"] == 640));
    let ing = d.get("/api/v1/ingest");
    assert_eq!(ing["proto"], "srt");
    assert_eq!(ing["video"]["codec"], "h264");
    assert_eq!(ing["audio"]["codec"], "aac");
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    std::thread::sleep(Duration::from_secs(4));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    ff.kill();
    // The port goes back to the idle watcher when the caller leaves; the next caller still gets in.
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["connected"] == false));
    let mut again = Ffmpeg::publish(&clip, &format!("srt://127.0.0.1:{}?streamid={key}", d.srt), "mpegts");
    assert!(d.wait_ingest_connected(), "a second SRT caller: {}", again.log_text());
    again.kill();
    // The second feed's key over SRT: that caller is the second feed, the main one stays free.
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["connected"] == false));
    let second_key = d.get("/api/v1/ingest")["second"]["key"].as_str().unwrap().to_string();
    let mut second = Ffmpeg::publish(&clip, &format!("srt://127.0.0.1:{}?streamid={second_key}", d.srt), "mpegts");
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["second"]["connected"] == true), "second feed over SRT: {}", second.log_text());
    let ing = d.get("/api/v1/ingest");
    assert_eq!((ing["connected"].as_bool(), ing["second"]["proto"].as_str()), (Some(false), Some("srt")), "{ing}");
    second.kill();
    let mut n = n;
    n.stop();
    let recs = n.recordings();
    assert_eq!(recs.len(), 1);
    let p = probe(&recs[0]);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str(), p.width, p.height), ("h264", "aac", 640, 360), "{p:?}");
    assert!(p.duration > 2.0, "{p:?}");
}

#[test]
fn srt_destination_receives_mpegts() {
    let clip = clip(10, 640, 360, 30);
    let mut d = Daemon::start();
    let port = free_port();
    let out = d.dir.path().join("srt_out.ts");
    let mut listener = Ffmpeg::run(&["-y", "-i", &format!("srt://127.0.0.1:{port}?mode=listener"), "-c", "copy", "-f", "mpegts", out.to_str().unwrap()]);
    let id = d.add_destination("srt", &format!("srt://127.0.0.1:{port}"), "");
    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"), "{}", d.log_text());
    std::thread::sleep(Duration::from_secs(5));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    std::thread::sleep(Duration::from_millis(500));
    listener.stop();
    let p = probe(&out);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str(), p.width, p.height), ("h264", "aac", 640, 360), "{p:?}\n{}", listener.log_text());
    assert!(p.vframes > 60, "{p:?}");
}

#[test]
fn test_signal_goes_live_without_obs() {
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let id = d.add_destination("n", &n.url(), "sk_test_signal_0001");
    d.post("/api/v1/ingest/test-signal", serde_json::json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    std::thread::sleep(Duration::from_secs(3));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    n.stop();
    let p = probe(&n.recordings()[0]);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str()), ("h264", "aac"), "{p:?}");
    assert!(p.vframes > 30, "{p:?}");
}

/// HEVC over SRT (MPEG-TS, as OBS sends it) is relayed unchanged to an Enhanced-RTMP receiver and
/// reaches a destination that takes only H.264 (Twitch's stand-in) as H.264.
#[test]
fn hevc_over_srt_is_relayed_and_transcoded_for_h264_only_destinations() {
    let root = onair_e2e::today::Root::get("sid");
    let (inside, outside) = root.tmp();
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let out = format!("{inside}/out.flv");
    let (mut receiver, own) = onair_e2e::today::enhanced_rtmp_receiver(&root, &outside, &out, "sk_srt_own_0001");
    d.add_destination("own server", &own, "sk_srt_own_0001");
    d.add_destination_platform_url("twitch", "twitch", &n.url(), "sk_srt_twitch_0001");
    let key = d.ingest_key();
    let srt = format!("srt://127.0.0.1:{}?streamid={key}", d.srt);
    let secs = 12u64;
    let t = secs.to_string();
    #[rustfmt::skip]
    let mut ff = Ffmpeg::run(&[
        "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", &t,
        "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=30:min-keyint=30:log-level=error", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-f", "mpegts", &srt,
    ]);
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["connected"] == true), "{}", ff.log_text());
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/ingest")["video"]["codec"] == "hevc"), "{}", d.get("/api/v1/ingest"));
    let done = ff.wait(Duration::from_secs(secs * 4));
    assert!(done.is_some_and(|s| s.success()), "publisher: {done:?} {}", ff.log_text());
    d.post("/api/v1/live/stop", serde_json::json!({}));
    assert!(receiver.wait(Duration::from_secs(15)).is_some(), "{}", receiver.log_text());
    let (codec, frames) = root.probe_video(&out);
    let sent = secs * 30;
    eprintln!("HEVC over SRT: {frames} {codec} frames at the Enhanced-RTMP receiver ({sent} sent)");
    assert_eq!(codec, "hevc", "{}", receiver.log_text());
    assert!(frames as f64 >= sent as f64 * 0.85, "{frames} of {sent}");
    n.stop();
    let p = probe(&n.recordings()[0]);
    eprintln!("Twitch's stand-in: {} frames of {}", p.vframes, p.vcodec);
    assert_eq!(p.vcodec, "h264");
    assert!(p.vframes as f64 >= sent as f64 * 0.8, "{} frames", p.vframes);
    let _ = std::fs::remove_dir_all(&outside);
}

/// A feed with two video tracks over SRT (MPEG-TS with two video streams, as a multitrack encoder
/// sends it): the box takes the first and the destination gets only it, at its size and pace.
#[test]
fn a_two_track_feed_over_srt_goes_on_with_its_first_track() {
    let n = Nginx::start();
    let mut d = Daemon::start();
    let id = d.add_destination("n", &n.url(), "sk_srt_tracks_0001");
    let key = d.ingest_key();
    let url = format!("srt://127.0.0.1:{}?streamid={key}", d.srt);
    let args = two_track_args(12, "mpegts", &url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut ff = Ffmpeg::run(&args);
    assert!(d.wait_ingest_connected(), "srt: {}", ff.log_text());
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    std::thread::sleep(Duration::from_secs(6));
    let ing = d.get("/api/v1/ingest");
    d.post("/api/v1/live/stop", serde_json::json!({}));
    ff.kill();
    let mut n = n;
    n.stop();
    let recs = n.recordings();
    let p = probe(&recs[0]);
    eprintln!("two tracks over SRT: ingest {} ; destination {p:?}", ing["video"]);
    assert_eq!((p.vcodec.as_str(), p.width, p.height), ("h264", 640, 360), "{p:?}");
    let fps = ing["video"]["fps"].as_f64().unwrap_or(0.0);
    assert!((20.0..40.0).contains(&fps), "the feed's pace is one track's: {}", ing["video"]);
    assert!(p.vframes as f64 <= p.duration * 30.0 * 1.1 + 10.0, "{} frames in {:.1} s: more than one track's", p.vframes, p.duration);
}
