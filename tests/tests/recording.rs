//! Recording on the box: a show recorded as it goes survives `kill -9`; a recording by hand (no
//! show) is listed, downloaded in ranges and deleted; a disk that fills stops the recording, never
//! the stream. ffprobe says what the files hold.
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use onair_e2e::*;
use serde_json::json;

fn flv_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "flv")).collect()).unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_recorded_show_killed_20_s_in_plays_back_to_within_2_s_of_the_kill() {
    let clip = clip(40, 640, 360, 30);
    let n = Nginx::start();
    let mut d = Daemon::start();
    d.add_destination("platform", &n.url(), "sk_rec_show_0001");
    let set = d.request("PUT", "/api/v1/recording/settings", Some(json!({"enabled": true, "retention_days": 30})));
    assert_eq!((set.status, set.body["enabled"].as_bool(), set.body["feeds"].clone()), (200, Some(true), json!(["main"])), "{:?}", set.body);
    let _ff = d.go_live_with(&clip);
    let live_at = Instant::now();
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/status")["recording"]["id"].is_i64()), "{}", d.get("/api/v1/status"));
    std::thread::sleep(Duration::from_secs(20).saturating_sub(live_at.elapsed()));
    d.kill();
    let ran = live_at.elapsed().as_secs_f64();
    let files = flv_files(&d.data_dir().join("recordings"));
    assert_eq!(files.len(), 1, "{files:?}");
    let p = probe(&files[0]);
    eprintln!("killed {ran:.1} s after going live: the file plays {:.2} s ({} frames, {} + {})", p.duration, p.vframes, p.vcodec, p.acodec);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str()), ("h264", "aac"));
    assert!(p.duration >= ran - 2.0 && p.duration <= ran + 1.0, "the file plays {:.2} s of a show killed after {ran:.1} s", p.duration);
    // Started again: the recording is listed, closed as interrupted, with the length it had.
    d.launch();
    d.login();
    let recs = d.get("/api/v1/recordings");
    let r = &recs[0];
    assert_eq!((r["end_reason"].as_str(), r["feed"].as_str(), r["show_id"].is_i64()), (Some("interrupted"), Some("main"), true), "{recs}");
    assert!(r["duration_s"].as_f64().unwrap() >= ran - 4.0, "{recs}");
    assert_eq!(r["files"][0].as_str(), files[0].file_name().and_then(|n| n.to_str()));
}

#[test]
fn a_recording_by_hand_is_listed_downloaded_in_ranges_and_deleted() {
    let clip = clip(30, 640, 360, 30);
    let mut d = Daemon::start();
    let mut ff = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    assert!(d.wait_ingest_connected(), "{}", ff.log_text());
    let bad = d.request("PUT", "/api/v1/recording/settings", Some(json!({"path": "relative/dir"})));
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    for feeds in [json!(["third"]), json!([]), json!(["main", 2])] {
        let bad = d.request("PUT", "/api/v1/recording/settings", Some(json!({ "feeds": feeds })));
        assert_eq!(bad.status, 422, "{feeds}: {:?}", bad.body);
    }
    let none = d.request("POST", "/api/v1/recording/stop", None);
    assert_eq!((none.status, none.body["error"]["code"].as_str()), (409, Some("not_recording")));
    // Record only: no show, no destination.
    let started = d.request("POST", "/api/v1/recording/start", None);
    assert_eq!(started.status, 201, "{:?}", started.body);
    let id = started.body["id"].as_i64().unwrap();
    assert!(started.body["show_id"].is_null());
    let again = d.request("POST", "/api/v1/recording/start", None);
    assert_eq!((again.status, again.body["error"]["code"].as_str()), (409, Some("already_recording")));
    let busy = d.request("DELETE", &format!("/api/v1/recordings/{id}"), None);
    assert_eq!((busy.status, busy.body["error"]["code"].as_str()), (409, Some("recording_running")));
    std::thread::sleep(Duration::from_secs(6));
    let stopped = d.request("POST", "/api/v1/recording/stop", None);
    assert_eq!((stopped.status, stopped.body["end_reason"].as_str()), (200, Some("stopped")), "{:?}", stopped.body);
    let secs = stopped.body["duration_s"].as_f64().unwrap();
    let bytes = stopped.body["bytes"].as_u64().unwrap();
    assert!((4.0..=8.0).contains(&secs) && bytes > 100_000, "{:?}", stopped.body);
    assert_eq!(d.get("/api/v1/recordings")[0]["id"], id);

    let file = |range: Option<&str>| {
        let mut c = Command::new("curl");
        c.args(["-s", "-D", "-", "-o", "-", "-b", &d.cookie().unwrap()]);
        if let Some(r) = range {
            c.args(["-H", &format!("Range: {r}")]);
        }
        c.arg(d.url(&format!("/api/v1/recordings/{id}/file")));
        c.output().unwrap().stdout
    };
    let split = |out: Vec<u8>| {
        let at = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        (String::from_utf8_lossy(&out[..at]).to_lowercase(), out[at + 4..].to_vec())
    };
    let (head, body) = split(file(None));
    assert!(head.starts_with("http/1.1 200") && head.contains("accept-ranges: bytes"), "{head}");
    assert_eq!(body.len() as u64, bytes);
    let (head, part) = split(file(Some("bytes=0-12")));
    assert!(head.starts_with("http/1.1 206") && head.contains(&format!("content-range: bytes 0-12/{bytes}")), "{head}");
    assert_eq!(&part[..3], b"FLV");
    assert_eq!(part, body[..13].to_vec());
    let (_, tail) = split(file(Some("bytes=-100")));
    assert_eq!(tail, body[body.len() - 100..].to_vec());
    let (head, _) = split(file(Some(&format!("bytes={bytes}-"))));
    assert!(head.starts_with("http/1.1 416") && head.contains(&format!("content-range: bytes */{bytes}")), "{head}");
    let saved = d.dir.path().join("download.flv");
    std::fs::write(&saved, &body).unwrap();
    let p = probe(&saved);
    assert_eq!((p.vcodec.as_str(), p.width, p.height), ("h264", 640, 360));
    assert!((p.duration - secs).abs() < 1.0, "{} s in the file, {secs} s listed", p.duration);

    assert_eq!(d.request("DELETE", &format!("/api/v1/recordings/{id}"), None).status, 204);
    assert!(flv_files(&d.data_dir().join("recordings")).is_empty(), "the file went with it");
    assert_eq!(d.request("DELETE", &format!("/api/v1/recordings/{id}"), None).status, 404);
    assert_eq!(d.get("/api/v1/recordings"), json!([]));
    // Not enough room to start.
    d.request("PUT", "/api/v1/recording/settings", Some(json!({"reserve_mb": 100_000_000})));
    let full = d.request("POST", "/api/v1/recording/start", None);
    assert_eq!((full.status, full.body["error"]["code"].as_str()), (409, Some("low_disk")), "{:?}", full.body);
    ff.stop();
}

/// A real small file system (tmpfs, 12 MiB) as the recordings folder: the recording fills it to its
/// reserve and stops with the reason; the destination stays live and the ingest connected.
#[test]
fn a_disk_that_fills_stops_the_recording_and_never_the_stream() {
    let mnt = tempfile::tempdir().unwrap();
    let st = Command::new("mount").args(["-t", "tmpfs", "-o", "size=12m", "tmpfs"]).arg(mnt.path()).status().unwrap();
    assert!(st.success(), "mount tmpfs (the tests run as root)");
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _u = Unmount(mnt.path().to_path_buf());
    let clip = clip_kbps(40, 640, 360, 30, 8000);
    let n = Nginx::start();
    let mut d = Daemon::start();
    let dest = d.add_destination("platform", &n.url(), "sk_rec_full_0001");
    let set = d.request("PUT", "/api/v1/recording/settings", Some(json!({"enabled": true, "path": mnt.path(), "reserve_mb": 2})));
    assert_eq!(set.status, 200, "{:?}", set.body);
    let _ff = d.go_live_with(&clip);
    assert!(
        wait_until(Duration::from_secs(40), || d.get("/api/v1/recordings")[0]["end_reason"] == "disk_full"),
        "{} / {}",
        d.get("/api/v1/recordings"),
        d.get("/api/v1/status")["recording"]
    );
    let r = d.get("/api/v1/recordings")[0].clone();
    eprintln!("recording stopped at {} bytes, {} s", r["bytes"], r["duration_s"]);
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/alerts").to_string().contains("recording stopped: only")), "{}", d.get("/api/v1/alerts"));
    let before = d.destination_status(dest)["bytes_sent"].as_u64().unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let s = d.destination_status(dest);
    assert_eq!(s["state"], "live", "{s}");
    assert!(s["bytes_sent"].as_u64().unwrap() > before, "the stream went on: {s}");
    assert_eq!(d.get("/api/v1/ingest")["connected"], true);
    let files = flv_files(mnt.path());
    assert_eq!(probe(&files[0]).vcodec, "h264", "what was recorded plays");
}

/// Both feeds recorded (the settings' `feeds`): one file per feed, each listed with its feed, the
/// second feed's in its own picture.
#[test]
fn both_feeds_are_recorded_each_in_its_own_file() {
    let main_clip = clip(20, 640, 360, 30);
    let second_clip = clip(20, 360, 640, 30);
    let mut d = Daemon::start();
    let set = d.request("PUT", "/api/v1/recording/settings", Some(json!({"feeds": ["main", "second"]})));
    assert_eq!((set.status, set.body["feeds"].clone()), (200, json!(["main", "second"])), "{:?}", set.body);
    let second_key = d.get("/api/v1/ingest")["second"]["key"].as_str().unwrap().to_string();
    let mut main = Ffmpeg::publish(&main_clip, &d.ingest_url(), "flv");
    let mut second = Ffmpeg::publish(&second_clip, &format!("rtmp://127.0.0.1:{}/live/{second_key}", d.rtmp), "flv");
    assert!(wait_until(Duration::from_secs(15), || {
        let i = d.get("/api/v1/ingest");
        i["connected"] == true && i["second"]["connected"] == true
    }));
    let started = d.request("POST", "/api/v1/recording/start", None);
    assert_eq!((started.status, started.body["feed"].as_str()), (201, Some("main")), "{:?}", started.body);
    std::thread::sleep(Duration::from_secs(6));
    let stopped = d.request("POST", "/api/v1/recording/stop", None);
    assert_eq!(stopped.status, 200, "{:?}", stopped.body);
    let recs = d.get("/api/v1/recordings");
    let mut feeds: Vec<&str> = recs.as_array().unwrap().iter().map(|r| r["feed"].as_str().unwrap()).collect();
    feeds.sort();
    assert_eq!(feeds, ["main", "second"], "{recs}");
    let files = flv_files(&d.data_dir().join("recordings"));
    assert_eq!(files.len(), 2, "{files:?}");
    let second_file = files.iter().find(|f| f.to_string_lossy().ends_with("-second.flv")).expect("the second feed's file");
    let (m, s) = (probe(files.iter().find(|f| *f != second_file).unwrap()), probe(second_file));
    eprintln!("main: {}x{} {:.1} s; second: {}x{} {:.1} s", m.width, m.height, m.duration, s.width, s.height, s.duration);
    assert_eq!((m.width, m.height, s.width, s.height), (640, 360, 360, 640));
    assert!(m.duration > 4.0 && s.duration > 4.0, "{m:?} {s:?}");
    main.stop();
    second.stop();
}
