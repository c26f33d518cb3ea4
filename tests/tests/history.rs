//! Show history and the watch alerts (bitrate floor, low disk).
use std::time::Duration;

use onair_e2e::*;
use serde_json::json;

#[test]
fn each_show_is_kept_with_its_destinations_totals_and_a_timeline() {
    let mut d = Daemon::start();
    let n = Nginx::start();
    let id = d.add_destination("History A", &n.url(), "sk_history_0001");
    d.post("/api/v1/ingest/test-signal", json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/live/start", json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["kbps"].as_u64() > Some(0)));
    std::thread::sleep(Duration::from_secs(7));
    d.post("/api/v1/live/stop", json!({}));
    let shows = d.get("/api/v1/shows");
    let s = &shows[0];
    assert_eq!(shows.as_array().unwrap().len(), 1, "{shows}");
    assert_eq!(s["end_reason"], "stopped");
    assert!(s["ended_at"].as_i64().unwrap() >= s["started_at"].as_i64().unwrap());
    let dest = &s["destinations"][0];
    assert_eq!(dest["name"], "History A");
    assert_eq!(dest["destination_id"], id);
    assert!(dest["bytes"].as_u64().unwrap() > 100_000, "{dest}");
    assert!(dest["avg_kbps"].as_u64().unwrap() > 100, "{dest}");
    assert!(dest["live_s"].as_u64().unwrap() >= 5, "{dest}");
    assert_eq!(dest["reconnects"], 0);
    assert_eq!(s["bytes"], dest["bytes"]);
    let one = d.get(&format!("/api/v1/shows/{}", s["id"]));
    let samples = one["samples"].as_array().unwrap();
    assert!(samples.len() >= 2, "{one}");
    assert!(samples.iter().any(|x| x["ingest_kbps"].as_u64() > Some(0) && x["out_kbps"].as_u64() > Some(0)), "{one}");
    assert_eq!(d.request("GET", "/api/v1/shows/999", None).status, 404);
    assert_eq!(d.request("GET", "/api/v1/shows/abc", None).status, 400);

    // A show the box was killed during is kept, closed as interrupted.
    d.post("/api/v1/live/start", json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    // Samples are written every 5 s (an SD card must not take a write a second): 8 s gives at
    // least the ones at about 0 and 5 s, and the interrupted show is closed at its last one.
    std::thread::sleep(Duration::from_secs(8));
    d.crash_and_restart();
    let shows = d.get("/api/v1/shows");
    assert_eq!(shows.as_array().unwrap().len(), 2, "{shows}");
    assert_eq!(shows[0]["end_reason"], "interrupted");
    assert!(shows[0]["duration_s"].as_i64().unwrap() >= 4, "{shows}");
}

#[test]
fn feed_under_the_bitrate_floor_and_low_disk_raise_alerts() {
    let mut d = Daemon::start();
    assert_eq!(d.get("/api/v1/settings")["bitrate_floor_kbps"], 250);
    // The test signal runs at a few Mb/s: a floor of 150 Mb/s makes it "too low".
    let r = d.request("PUT", "/api/v1/settings", Some(json!({"bitrate_floor_kbps": 150000})));
    assert_eq!(r.status, 200, "{}", r.text);
    d.post("/api/v1/ingest/test-signal", json!({"enabled": true}));
    let has = |d: &mut Daemon, what: &str| d.get("/api/v1/alerts").as_array().unwrap().iter().any(|a| a["message"].as_str().unwrap().contains(what));
    assert!(wait_until(Duration::from_secs(20), || has(&mut d, "below the floor of 150000 kb/s")), "{}", d.get("/api/v1/alerts"));
    // Raised once, not every second.
    std::thread::sleep(Duration::from_secs(3));
    let n = d.get("/api/v1/alerts").as_array().unwrap().iter().filter(|a| a["message"].as_str().unwrap().contains("below the floor")).count();
    assert_eq!(n, 1);
    // Any real disk has less than 100 TB free.
    d.request("PUT", "/api/v1/settings", Some(json!({"low_disk_mb": 100_000_000})));
    assert!(wait_until(Duration::from_secs(15), || has(&mut d, "low disk")), "{}", d.get("/api/v1/alerts"));
    assert_eq!(d.request("PUT", "/api/v1/settings", Some(json!({"bitrate_floor_kbps": -1}))).status, 422);
    assert_eq!(d.request("PUT", "/api/v1/settings", Some(json!({"bitrate_floor_kbps": 999_999}))).status, 422);
    assert_eq!(d.request("PUT", "/api/v1/settings", Some(json!({"unknown": 1}))).status, 422);
}
