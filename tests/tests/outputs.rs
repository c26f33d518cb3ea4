//! Outputs as platforms take them today. A feed in a codec a platform does not take is refused on
//! that destination's card with the reason, while a destination that takes it gets it and the
//! ingest goes on; a platform's key that works once is flagged after the show it went out in.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use onair_e2e::floods::*;
use onair_e2e::*;

/// An Enhanced RTMP HEVC feed by hand: the sequence start (FourCC `hvc1`), then coded frames at
/// 30 fps, a keyframe every second, until `stop`. Payloads are not real HEVC: the box routes by
/// the FLV headers and never decodes a relayed feed.
fn publish_hevc(port: u16, key: &str, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u32> {
    let key = key.to_string();
    std::thread::spawn(move || {
        let (mut s, mut c) = publish_session(port, "live", &key).expect("publish");
        let mut seq = vec![0x90u8];
        seq.extend_from_slice(b"hvc1");
        seq.extend_from_slice(&[1, 1, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5d, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0]);
        send_video(&mut s, &mut c, 0, seq).expect("sequence start");
        let mut sent = 0u32;
        while !stop.load(Ordering::Relaxed) && sent < 30 * 60 {
            // CodedFrames (packet type 1): FourCC, a 3-byte composition time, the NAL units.
            let key_frame = sent.is_multiple_of(30);
            let mut f = vec![if key_frame { 0x91u8 } else { 0xa1 }];
            f.extend_from_slice(b"hvc1");
            f.extend_from_slice(&[0, 0, 0]);
            f.extend_from_slice(&[0, 0, 0, 4, 0x26, 0x01, 0xaf, 0x00]);
            if send_video(&mut s, &mut c, sent * 33, f).is_err() {
                break;
            }
            sent += 1;
            std::thread::sleep(Duration::from_millis(33));
        }
        sent
    })
}

#[test]
fn an_hevc_feed_reaches_a_server_that_takes_it_and_twitch_says_why_it_gets_nothing() {
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let own = d.add_destination("own server", &n.url(), "sk_hevc_own_0001");
    let twitch = d.add_destination_platform_url("twitch", "twitch", &n.url(), "sk_hevc_twitch_0001");
    // The user turned the H.264 transcode off for this one: it is held with the reason instead.
    let off = d.request("PATCH", &format!("/api/v1/destinations/{twitch}"), Some(serde_json::json!({"transcode_fallback": false})));
    assert_eq!((off.status, off.body["transcode_fallback"].as_bool()), (200, Some(false)), "{:?}", off.body);
    let presets = d.get("/api/v1/destinations/presets");
    let takes = |p: &str| presets.as_array().unwrap().iter().find(|x| x["platform"] == p).map(|x| x["video_codecs"].clone()).unwrap();
    assert_eq!(takes("twitch"), serde_json::json!(["h264"]));
    assert_eq!(takes("custom"), serde_json::json!(["h264", "hevc", "av1", "vp9"]));
    assert_eq!(presets.as_array().unwrap().iter().find(|x| x["platform"] == "kick").unwrap()["requires_tls"], true);

    let stop = Arc::new(AtomicBool::new(false));
    let key = d.ingest_key();
    let feed = publish_hevc(d.rtmp, &key, stop.clone());
    assert!(d.wait_ingest_connected());
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["video"]["codec"] == "hevc"), "{}", d.get("/api/v1/ingest"));
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(own)["state"] == "live"), "{}", d.destination_status(own));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(twitch)["state"] == "failed"), "twitch: {}", d.destination_status(twitch));
    let t = d.destination_status(twitch);
    assert_eq!(t["last_error"], "Twitch takes H.264 video, the feed is HEVC: set OBS's encoder to H.264 for this show", "{t}");
    std::thread::sleep(Duration::from_secs(3));
    // Held, not retried: Twitch's ingest was never dialled, and the other output kept sending.
    let t = d.destination_status(twitch);
    assert_eq!((t["state"].as_str(), t["reconnects"].as_u64(), t["bytes_sent"].as_u64()), (Some("failed"), Some(0), Some(0)), "{t}");
    let o1 = d.destination_status(own)["bytes_sent"].as_u64().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let o2 = d.destination_status(own)["bytes_sent"].as_u64().unwrap();
    assert!(o2 > o1, "the HEVC destination stalled: {o1} then {o2}");
    assert_eq!(d.get("/api/v1/ingest")["connected"], true);
    stop.store(true, Ordering::Relaxed);
    let sent = feed.join().unwrap();
    d.post("/api/v1/live/stop", serde_json::json!({}));
    n.stop();
    let recs = n.recordings();
    assert_eq!(recs.len(), 1, "only the own server's stream reached nginx: {recs:?}");
    assert!(recs[0].to_string_lossy().contains("sk_hevc_own_0001"), "{recs:?}");
    // nginx-rtmp is not an Enhanced RTMP receiver (it records the FLV header and drops frames
    // whose codec id it does not know): what left the box is counted on the box's side.
    let out = d.destination_status(own)["bytes_sent"].as_u64().unwrap();
    assert!(out > sent as u64 * 16, "{out} bytes sent for {sent} frames");
}

#[test]
fn a_single_use_key_sent_in_an_earlier_show_is_flagged_and_a_fresh_one_clears_it() {
    let clip = clip(30, 320, 180, 30);
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let tt = d.add_destination_platform_url("tiktok", "tiktok", &n.url(), "tiktok_key_once_0001");
    let warned = |d: &mut Daemon| d.get("/api/v1/alerts").to_string().contains("went out in an earlier show");
    for show in 1..=2 {
        let _ff = d.go_live_with(&clip);
        assert!(wait_until(Duration::from_secs(15), || d.destination_status(tt)["state"] == "live"), "show {show}: {}", d.destination_status(tt));
        assert_eq!(d.destination_status(tt)["fresh_key_needed"], false, "not while it is on air");
        assert_eq!(warned(&mut d), show == 2, "show {show}: the warning comes with the second show only");
        d.post("/api/v1/live/stop", serde_json::json!({}));
        assert!(wait_until(Duration::from_secs(10), || d.destination_status(tt)["fresh_key_needed"] == true), "show {show}: {}", d.destination_status(tt));
    }
    d.request("PATCH", &format!("/api/v1/destinations/{tt}"), Some(serde_json::json!({"stream_key": "tiktok_key_once_0002"})));
    assert_eq!(d.destination_status(tt)["fresh_key_needed"], false, "a fresh key clears it");
    n.stop();
}

/// When a recording first reached `bytes`, polling every 10 ms.
fn reached(file: impl Fn() -> Option<std::path::PathBuf>, sizes: &[u64], limit: Duration) -> Vec<Option<std::time::Instant>> {
    let mut at = vec![None; sizes.len()];
    let end = std::time::Instant::now() + limit;
    while std::time::Instant::now() < end && at.iter().any(Option::is_none) {
        let len = file().and_then(|f| std::fs::metadata(f).ok()).map_or(0, |m| m.len());
        let now = std::time::Instant::now();
        for (i, s) in sizes.iter().enumerate() {
            if at[i].is_none() && len >= *s {
                at[i] = Some(now);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    at
}

#[test]
fn a_delayed_destination_gets_every_frame_ten_seconds_after_the_others() {
    let clip = clip(20, 640, 360, 30);
    let n = Nginx::start();
    let mut d = Daemon::start();
    let plain = d.add_destination("plain", &n.url(), "sk_delay_plain_0001");
    let late = d.post(
        "/api/v1/destinations",
        serde_json::json!({"name": "late", "platform": "custom", "url": n.url(), "stream_key": "sk_delay_late_0001", "delay_s": 10}),
    );
    let late = late["id"].as_i64().unwrap();
    assert_eq!(d.destination_status(late)["delay_s"], 10);
    let too_long = d.request("PATCH", &format!("/api/v1/destinations/{plain}"), Some(serde_json::json!({"delay_s": 181})));
    assert_eq!(too_long.status, 422, "{:?}", too_long.body);
    let _ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(plain)["state"] == "live"));
    let rec = |key: &'static str| {
        let n = &n;
        move || n.recordings().into_iter().find(|p| p.to_string_lossy().contains(key))
    };
    // Both recordings pass the same sizes, the delayed one 10 s later (sizes the plain one passes
    // within its first seconds: the clip is ~1 Mbit/s). Not the first bytes: the plain output's
    // come after its connect, the delayed one's queue started before.
    let sizes = [200_000, 400_000, 600_000];
    let (p, l) = std::thread::scope(|s| {
        let p = s.spawn(|| reached(rec("sk_delay_plain_0001"), &sizes, Duration::from_secs(20)));
        let l = s.spawn(|| reached(rec("sk_delay_late_0001"), &sizes, Duration::from_secs(30)));
        (p.join().unwrap(), l.join().unwrap())
    });
    // Changing the delay of a running destination is refused; a stopped one takes it.
    let busy = d.request("PATCH", &format!("/api/v1/destinations/{late}"), Some(serde_json::json!({"delay_s": 5})));
    assert_eq!((busy.status, busy.body["error"]["code"].as_str()), (409, Some("destination_running")), "{:?}", busy.body);
    d.post(&format!("/api/v1/destinations/{late}/stop"), serde_json::json!({}));
    let ok = d.request("PATCH", &format!("/api/v1/destinations/{late}"), Some(serde_json::json!({"delay_s": 5})));
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    for (i, s) in sizes.iter().enumerate() {
        let (Some(p), Some(l)) = (p[i], l[i]) else { panic!("{s} bytes never reached: plain {:?}, delayed {:?}", p[i], l[i]) };
        let lag = l.duration_since(p).as_secs_f64();
        eprintln!("at {s} bytes: {lag:.3} s behind");
        assert!((lag - 10.0).abs() <= 0.2, "at {s} bytes the delayed destination was {lag:.3} s behind, not 10 ± 0.2");
    }
}

/// Today's ffmpeg (9, from a Debian sid root) publishes HEVC or AV1 over Enhanced RTMP; the box
/// relays it untouched to an Enhanced-RTMP-capable receiver (ffmpeg 9 listening), and Twitch, which
/// takes only H.264, gets the same show transcoded to H.264 (nginx-rtmp records it).
fn relay_todays_codec(codec: &str, encoder: &[&str]) {
    let root = onair_e2e::today::Root::get("sid");
    let (inside, outside) = root.tmp();
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let port = free_port();
    let own = d.add_destination("own server", &format!("rtmp://127.0.0.1:{port}/app"), "sk_today_own_0001");
    let twitch = d.add_destination_platform_url("twitch", "twitch", &n.url(), "sk_today_twitch_0001");
    let out = format!("{inside}/out.flv");
    let mut receiver = onair_e2e::today::RootFfmpeg::start(
        &root,
        &["-listen", "1", "-i", &format!("rtmp://127.0.0.1:{port}/app/sk_today_own_0001"), "-c", "copy", "-f", "flv", &out],
        outside.join("receiver.log"),
    );
    std::thread::sleep(Duration::from_millis(500));
    let key = d.ingest_key();
    let secs = 12u64;
    let mut args = vec!["-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"];
    let t = secs.to_string();
    args.extend_from_slice(&["-t", &t]);
    args.extend_from_slice(encoder);
    let url = format!("rtmp://127.0.0.1:{}/live/{key}", d.rtmp);
    args.extend_from_slice(&["-c:a", "aac", "-f", "flv", &url]);
    let mut publisher = onair_e2e::today::RootFfmpeg::start(&root, &args, outside.join("publisher.log"));
    // Go Live as soon as the encoder is in, within its first GOP: the box's GOP cache then hands
    // the outputs every frame from the first keyframe on.
    assert!(wait_until(Duration::from_secs(20), || d.get("/api/v1/ingest")["connected"] == true), "{}", publisher.log_text());
    d.post("/api/v1/live/start", serde_json::json!({}));
    let done = publisher.wait(Duration::from_secs(secs * 4));
    assert!(done.is_some_and(|s| s.success()), "{codec} publisher: {:?} {}", done, publisher.log_text());
    assert_eq!(d.get("/api/v1/ingest")["video"]["codec"], codec);
    let t = d.destination_status(twitch);
    assert_eq!((t["state"].as_str(), t["transcoding"].as_bool()), (Some("live"), Some(true)), "{t}");
    d.post("/api/v1/live/stop", serde_json::json!({}));
    assert!(receiver.wait(Duration::from_secs(15)).is_some(), "the receiver did not end with the show: {}", receiver.log_text());
    let (got_codec, frames) = root.probe_video(&out);
    let sent = secs * 30;
    assert_eq!(got_codec, codec, "receiver: {}", receiver.log_text());
    // The feed ends before the show does: an HEVC feed's slate is HEVC too and may add a frame or
    // two before the stop (an AV1 feed's H.264 slate is a codec change this receiver drops).
    assert!(frames as f64 >= sent as f64 * 0.99 && frames <= sent + 30, "{codec}: {frames} of {sent} frames arrived");
    eprintln!("{codec}: {frames} of {sent} frames relayed");
    n.stop();
    let recs = n.recordings();
    assert_eq!(recs.len(), 1, "{recs:?}");
    let p = probe(&recs[0]);
    eprintln!("{codec} to Twitch: {} frames of {}x{} {}", p.vframes, p.width, p.height, p.vcodec);
    assert_eq!((p.vcodec.as_str(), p.width, p.height, p.acodec.as_str()), ("h264", 640, 360, "aac"));
    // It starts once the feed's codec is known to be one Twitch refuses, at a keyframe.
    assert!(p.vframes as f64 >= sent as f64 * 0.85, "{codec} as H.264: {} of {sent} frames", p.vframes);
    let _ = std::fs::remove_dir_all(&outside);
    let _ = own;
}

#[test]
fn hevc_from_todays_ffmpeg_is_relayed_unchanged() {
    relay_todays_codec("hevc", &["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=30:min-keyint=30:log-level=error", "-pix_fmt", "yuv420p"]);
}

#[test]
fn av1_from_todays_ffmpeg_is_relayed_unchanged() {
    relay_todays_codec("av1", &["-c:v", "libsvtav1", "-preset", "12", "-g", "30", "-svtav1-params", "lp=1", "-pix_fmt", "yuv420p"]);
}

/// A pause on an HEVC show sends the slate in HEVC: the Enhanced-RTMP receiver's recording stays in
/// one codec and takes the slate's pictures in place of the feed's (an H.264 slate would be a codec
/// change that receiver drops); Twitch's stand-in gets H.264 throughout, slate included.
#[test]
fn a_pause_on_an_hevc_show_sends_an_hevc_slate() {
    pause_sends_the_slate_in_the_feeds_codec("hevc", &["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=30:min-keyint=30:log-level=error"]);
}

/// The same for AV1: the slate's loop is encoded once with aom (too slow for a live slate).
#[test]
fn a_pause_on_an_av1_show_sends_an_av1_slate() {
    pause_sends_the_slate_in_the_feeds_codec("av1", &["-c:v", "libsvtav1", "-preset", "12", "-g", "30", "-svtav1-params", "lp=1"]);
}

fn pause_sends_the_slate_in_the_feeds_codec(codec: &str, encoder: &[&str]) {
    let root = onair_e2e::today::Root::get("sid");
    let (inside, outside) = root.tmp();
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let out = format!("{inside}/out.flv");
    let (mut receiver, own) = onair_e2e::today::enhanced_rtmp_receiver(&root, &outside, &out, "sk_slate_own_0001");
    d.add_destination("own server", &own, "sk_slate_own_0001");
    d.add_destination_platform_url("twitch", "twitch", &n.url(), "sk_slate_twitch_0001");
    let key = d.ingest_key();
    let secs = 14u64;
    let t = secs.to_string();
    let url = format!("rtmp://127.0.0.1:{}/live/{key}", d.rtmp);
    let mut args = vec!["-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", &t];
    args.extend_from_slice(encoder);
    args.extend_from_slice(&["-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", &url]);
    let mut publisher = onair_e2e::today::RootFfmpeg::start(&root, &args, outside.join("publisher.log"));
    assert!(wait_until(Duration::from_secs(20), || d.get("/api/v1/ingest")["connected"] == true), "{}", publisher.log_text());
    d.post("/api/v1/live/start", serde_json::json!({}));
    std::thread::sleep(Duration::from_secs(4));
    d.post("/api/v1/live/pause", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["on_air"] == "slate"), "{}", d.get("/api/v1/status")["on_air"]);
    std::thread::sleep(Duration::from_secs(4));
    d.post("/api/v1/live/resume", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["on_air"] == "feed"));
    let done = publisher.wait(Duration::from_secs(secs * 4));
    assert!(done.is_some_and(|s| s.success()), "publisher: {done:?} {}", publisher.log_text());
    d.post("/api/v1/live/stop", serde_json::json!({}));
    assert!(receiver.wait(Duration::from_secs(15)).is_some(), "{}", receiver.log_text());
    let (got, frames) = root.probe_video(&out);
    let sent = secs * 30;
    eprintln!("{codec} show with a 4 s pause: {frames} {got} frames at the Enhanced-RTMP receiver ({sent} sent by the publisher)");
    assert_eq!(got, codec, "{}", receiver.log_text());
    // With an H.264 slate this receiver dropped the slate: 279 of 420 frames in one run.
    assert!(frames as f64 >= sent as f64 * 0.95, "{frames} of about {sent} frames: the slate's are missing");
    n.stop();
    let recs = n.recordings();
    let p = probe(&recs[0]);
    eprintln!("Twitch's stand-in: {} frames of {}", p.vframes, p.vcodec);
    assert_eq!(p.vcodec, "h264");
    assert!(p.vframes as f64 >= sent as f64 * 0.85, "{} frames", p.vframes);
    let _ = std::fs::remove_dir_all(&outside);
}

/// A multitrack feed (Enhanced RTMP v2, as OBS's Enhanced Broadcasting sends it): ffmpeg 9 given two
/// video streams sends the second as multitrack packets. A destination that takes one track (every
/// platform's ingest; nginx-rtmp as Twitch's stand-in here) gets the default track only, and the feed's
/// figures are those of that track.
#[test]
fn a_multitrack_feed_is_relayed_with_its_default_track() {
    let root = onair_e2e::today::Root::get("sid");
    let (_, outside) = root.tmp();
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    d.add_destination_platform_url("twitch", "twitch", &n.url(), "sk_multitrack_0001");
    let key = d.ingest_key();
    let url = format!("rtmp://127.0.0.1:{}/live/{key}", d.rtmp);
    let secs = 8u64;
    let args = two_track_args(secs as u32, "flv", &url);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut publisher = onair_e2e::today::RootFfmpeg::start(&root, &args, outside.join("publisher.log"));
    assert!(wait_until(Duration::from_secs(20), || d.get("/api/v1/ingest")["connected"] == true), "{}", publisher.log_text());
    d.post("/api/v1/live/start", serde_json::json!({}));
    std::thread::sleep(Duration::from_secs(4));
    let ingest = d.get("/api/v1/ingest");
    let done = publisher.wait(Duration::from_secs(secs * 4));
    assert!(done.is_some_and(|s| s.success()), "publisher: {done:?} {}", publisher.log_text());
    assert!(publisher.log_text().contains("more than one video stream"), "the publisher sent two video streams: {}", publisher.log_text());
    d.post("/api/v1/live/stop", serde_json::json!({}));
    n.stop();
    let recs = n.recordings();
    let p = probe(&recs[0]);
    let sent = secs * 30;
    eprintln!("multitrack feed: ingest {} ; Twitch's stand-in: {} frames of {} at {}x{}", ingest, p.vframes, p.vcodec, p.width, p.height);
    assert_eq!((p.vcodec.as_str(), p.width, p.height), ("h264", 640, 360), "the default track, only");
    assert!(p.vframes as f64 >= (sent - 4 * 30) as f64 * 0.9 && p.vframes <= sent + 5, "{} frames: one track's worth", p.vframes);
    let fps = ingest["video"]["fps"].as_f64().unwrap_or(0.0);
    assert!(fps < 40.0, "the feed's frame rate counts one track: {ingest}");
    let _ = std::fs::remove_dir_all(&outside);
}

/// `GET /feeds/{feed}/preview.jpg` with the owner's cookie: its status and content type, and the file.
fn still(d: &Daemon, feed: &str) -> (String, std::path::PathBuf) {
    let file = d.dir.path().join(format!("still-{feed}.jpg"));
    let out = std::process::Command::new("curl")
        .args(["-s", "-o"])
        .arg(&file)
        .args(["-w", "%{http_code} %{content_type}", "-b", &d.cookie().unwrap()])
        .arg(d.url(&format!("/api/v1/feeds/{feed}/preview.jpg")))
        .output()
        .unwrap();
    (String::from_utf8_lossy(&out.stdout).into_owned(), file)
}

/// A second program feed (OBS's second canvas, Aitum Vertical) on its own ingest key: a vertical
/// destination takes it while a landscape one takes the main feed, each gets its own picture, and
/// when the second feed ends its destination carries a slate of its own (vertical too) while the
/// main feed stays on air.
#[test]
fn a_second_feed_goes_to_its_own_destinations_with_its_own_slate() {
    let main_clip = clip(16, 640, 360, 30);
    let second_clip = clip(6, 360, 640, 30);
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let landscape = d.add_destination("landscape", &n.url(), "sk_feed_main_0001");
    let vertical = d.post(
        "/api/v1/destinations",
        serde_json::json!({"name": "vertical", "platform": "custom", "url": n.url(), "stream_key": "sk_feed_second_0001", "feed": "second"}),
    );
    assert_eq!(vertical["feed"], "second", "{vertical}");
    let vertical = vertical["id"].as_i64().unwrap();
    // A feed the box does not have is refused, and changes nothing.
    let bad = d.request("PATCH", &format!("/api/v1/destinations/{landscape}"), Some(serde_json::json!({"feed": "third"})));
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(d.destination_status(landscape)["feed"], "main");
    let (status, _) = still(&d, "main");
    assert!(status.starts_with("409"), "no feed, no still: {status}");
    let ingest = d.get("/api/v1/ingest");
    let (main_key, second_key) = (ingest["key"].as_str().unwrap().to_string(), ingest["second"]["key"].as_str().unwrap().to_string());
    assert_ne!(main_key, second_key);
    // A new second key leaves the main one as it was.
    let rotated = d.post("/api/v1/ingest/second/rotate-key", serde_json::json!({}));
    let second_key = rotated["key"].as_str().unwrap().to_string();
    assert_ne!(second_key, ingest["second"]["key"].as_str().unwrap());
    assert_eq!(d.ingest_key(), main_key);
    let url = |k: &str| format!("rtmp://127.0.0.1:{}/live/{k}", d.rtmp);
    let _main = Ffmpeg::publish(&main_clip, &url(&main_key), "flv");
    let mut second = Ffmpeg::publish(&second_clip, &url(&second_key), "flv");
    assert!(
        wait_until(Duration::from_secs(15), || {
            let i = d.get("/api/v1/ingest");
            i["connected"] == true && i["second"]["connected"] == true
        }),
        "{} / {}",
        d.get("/api/v1/ingest"),
        second.log_text()
    );
    // A still of each feed, in its own shape, for placing a crop window on the dashboard.
    // (Made from a feed's first keyframe on: a moment after it connects, 409 until then.)
    for (feed, size) in [("main", (480, 270)), ("second", (270, 480))] {
        let mut got = still(&d, feed);
        wait_until(Duration::from_secs(10), || {
            got = still(&d, feed);
            !got.0.starts_with("409")
        });
        let (status, file) = got;
        assert_eq!(status, "200 image/jpeg", "{feed}: {}", std::fs::read_to_string(&file).unwrap_or_default());
        let p = probe(&file);
        assert_eq!((p.vcodec.as_str(), p.width, p.height), ("mjpeg", size.0, size.1), "{feed}");
    }
    assert!(still(&d, "third").0.starts_with("404"));
    let anonymous =
        std::process::Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}"]).arg(d.url("/api/v1/feeds/main/preview.jpg")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&anonymous.stdout), "401", "a still is the owner's");
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(landscape)["state"] == "live" && d.destination_status(vertical)["state"] == "live"));
    let s = d.get("/api/v1/status");
    assert_eq!(
        (s["second"]["ingest"]["video"]["width"].as_u64(), s["second"]["ingest"]["video"]["height"].as_u64()),
        (Some(360), Some(640)),
        "{}",
        s["second"]
    );
    assert_eq!(s["second"]["in_use"], true);
    // The second publisher's clip ends: its destination goes to the slate, the main feed stays on.
    assert!(second.wait(Duration::from_secs(20)).is_some());
    assert!(wait_until(Duration::from_secs(8), || d.get("/api/v1/status")["second"]["on_air"] == "slate"), "{}", d.get("/api/v1/status")["second"]);
    let s = d.get("/api/v1/status");
    assert_eq!((s["live"].as_bool(), s["on_air"].as_str()), (Some(true), Some("feed")), "the main feed stays on air");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(d.destination_status(vertical)["state"], "live", "the slate keeps the second feed's destination live");
    d.post("/api/v1/live/stop", serde_json::json!({}));
    n.stop();
    let recs = n.recordings();
    let rec = |key: &str| probe(recs.iter().find(|p| p.to_string_lossy().contains(key)).unwrap_or_else(|| panic!("{key}: {recs:?}")));
    let (m, v) = (rec("sk_feed_main_0001"), rec("sk_feed_second_0001"));
    eprintln!(
        "main feed's destination: {}x{} {} frames {:.1} s; second feed's: {}x{} {} frames {:.1} s",
        m.width, m.height, m.vframes, m.duration, v.width, v.height, v.vframes, v.duration
    );
    assert_eq!((m.vcodec.as_str(), m.width, m.height), ("h264", 640, 360));
    assert_eq!((v.vcodec.as_str(), v.width, v.height), ("h264", 360, 640), "the second feed, and a slate of its own size");
    // The second feed lasted at most 6 s of the show; its destination ran on with the slate.
    assert!(v.duration >= 8.0, "{:.1} s at the second feed's destination: no slate after its feed ended", v.duration);
}
