//! Destinations with a picture of their own: a vertical 9:16 crop and a capped size and bitrate,
//! encoded by the box from one decode of the feed, while passthrough destinations keep every
//! frame of the feed untouched. Receivers are nginx-rtmp; ffprobe says what arrived.
use std::time::Duration;

use onair_e2e::*;
use serde_json::json;

fn create(d: &mut Daemon, name: &str, url: &str, key: &str, output: serde_json::Value) -> i64 {
    let r = d.post("/api/v1/destinations", json!({"name": name, "platform": "custom", "url": url, "stream_key": key, "output": output}));
    r["id"].as_i64().unwrap_or_else(|| panic!("{name}: {r}"))
}

#[test]
fn a_vertical_and_a_capped_destination_get_their_own_picture_while_passthrough_keeps_every_frame() {
    let secs = 20;
    let clip = clip(secs, 1280, 720, 30);
    let pushed = frames_in(&clip);
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let a = d.add_destination("passthrough a", &n.url(), "sk_tc_pass_a_0001");
    let b = d.add_destination("passthrough b", &n.url(), "sk_tc_pass_b_0001");
    let v = create(&mut d, "vertical", &n.url(), "sk_tc_vertical_0001", json!({"codec": "h264", "width": 720, "height": 1280, "fit": "crop"}));
    let c = create(&mut d, "capped", &n.url(), "sk_tc_capped_0001", json!({"width": 640, "height": 360, "fps": 15, "max_kbps": 800}));
    // Bad pictures are refused with the reason, and nothing is created.
    let count = d.get("/api/v1/destinations").as_array().unwrap().len();
    for (bad, says) in [
        (json!({"width": 721, "height": 1280}), "width must be an even number"),
        (json!({"width": 720}), "both width and height"),
        (json!({"fit": "crop"}), "needs a width and a height"),
        (json!({"codec": "vp8"}), "unknown variant"),
    ] {
        let r = d.request("POST", "/api/v1/destinations", Some(json!({"name": "bad", "platform": "custom", "url": n.url(), "output": bad})));
        assert!(r.status == 422 || r.status == 400, "{bad}: {} {:?}", r.status, r.body);
        assert!(r.body.to_string().contains(says), "{bad}: {:?}", r.body);
    }
    assert_eq!(d.get("/api/v1/destinations").as_array().unwrap().len(), count);
    assert_eq!(d.get(&format!("/api/v1/destinations/{v}"))["output"]["fit"], "crop");

    let mut ff = d.go_live_with(&clip);
    for id in [a, b, v, c] {
        assert!(wait_until(Duration::from_secs(20), || d.destination_status(id)["state"] == "live"), "{id}: {}", d.destination_status(id));
    }
    assert_eq!(d.destination_status(v)["transcoding"], true);
    assert_eq!(d.destination_status(a)["transcoding"], false);
    // The crop window moves while the output runs: no restart, no reconnect.
    let moved = d.request("PATCH", &format!("/api/v1/destinations/{v}"), Some(json!({"output": {"width": 720, "height": 1280, "fit": "crop", "crop_x": 0.1}})));
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    std::thread::sleep(Duration::from_secs(1));
    let vs = d.destination_status(v);
    assert_eq!((vs["state"].as_str(), vs["reconnects"].as_u64(), vs["output"]["crop_x"].as_f64()), (Some("live"), Some(0), Some(0.1)), "{vs}");
    assert!(ff.wait(Duration::from_secs(secs as u64 + 20)).is_some(), "the publisher did not finish");
    std::thread::sleep(Duration::from_secs(2));
    d.post("/api/v1/live/stop", json!({}));
    n.stop();

    let recs = n.recordings();
    let rec = |key: &str| probe(recs.iter().find(|p| p.to_string_lossy().contains(key)).unwrap_or_else(|| panic!("no recording for {key}: {recs:?}")));
    for key in ["sk_tc_pass_a_0001", "sk_tc_pass_b_0001"] {
        let p = rec(key);
        eprintln!("{key}: {} of {pushed} frames, {}x{}", p.vframes, p.width, p.height);
        assert!(p.vframes as f64 >= pushed as f64 * 0.99, "{key}: {} of {pushed} frames", p.vframes);
        assert_eq!((p.width, p.height), (1280, 720));
    }
    let p = rec("sk_tc_vertical_0001");
    eprintln!("vertical: {} frames, {}x{} {}", p.vframes, p.width, p.height, p.vcodec);
    assert_eq!((p.vcodec.as_str(), p.width, p.height, p.acodec.as_str()), ("h264", 720, 1280, "aac"));
    assert!(p.vframes as f64 >= pushed as f64 * 0.9, "vertical: {} of {pushed} frames", p.vframes);
    let file = recs.iter().find(|p| p.to_string_lossy().contains("sk_tc_capped_0001")).unwrap();
    let p = probe(file);
    let kbps = std::fs::metadata(file).unwrap().len() as f64 * 8.0 / 1000.0 / p.duration.max(1.0);
    eprintln!("capped: {} frames over {:.1} s, {}x{}, {kbps:.0} kb/s with audio", p.vframes, p.duration, p.width, p.height);
    assert_eq!((p.vcodec.as_str(), p.width, p.height), ("h264", 640, 360));
    let fps = p.vframes as f64 / p.duration.max(1.0);
    assert!((12.0..=16.5).contains(&fps), "capped at 15 fps: {fps:.1}");
    // 800 kb/s of video and 128 kb/s of AAC; x264's rate control lands within a third of it on a clip this short.
    assert!((600.0..=1250.0).contains(&kbps), "capped at 800 kb/s of video: {kbps:.0} kb/s in all");
}
