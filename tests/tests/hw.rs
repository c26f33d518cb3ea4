//! The box's simulated hardware: a Go Live press through the same path as a GPIO edge starts a
//! real show; the tally and the screen follow.
use std::time::Duration;

use onair_e2e::*;

fn png(d: &Daemon) -> Vec<u8> {
    let c = ureq::post(&d.url("/api/v1/login")).send_json(serde_json::json!({"password": PASSWORD})).unwrap();
    let cookie = c.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let r = ureq::get(&d.url("/api/v1/hw/screen.png")).set("Cookie", &cookie).call().unwrap();
    assert_eq!(r.header("content-type"), Some("image/png"));
    let mut v = vec![];
    std::io::Read::read_to_end(&mut r.into_reader(), &mut v).unwrap();
    v
}

#[test]
fn simulated_buttons_run_the_show_and_the_tally_and_screen_follow() {
    let mut d = Daemon::start();
    let hw = d.get("/api/v1/hw");
    assert!(hw["encoder"].is_null(), "nothing encoded yet, so GStreamer's registry is not loaded: {hw}");
    let hw = d.get("/api/v1/hw?probe=true");
    assert_eq!(hw["backend"], "sim");
    assert_eq!(hw["encoder"], "x264enc", "{hw}");
    for e in hw["encoders"].as_array().unwrap() {
        assert_eq!(e["available"], e["name"] == "x264enc", "{e}");
    }
    assert!(hw["system"]["mem_total_mb"].as_u64().unwrap() > 0);
    assert_eq!(hw["tally"], "off");
    let off_screen = png(&d);
    assert!(off_screen.starts_with(&[0x89, b'P', b'N', b'G']));

    let n = Nginx::start();
    let id = d.add_destination("box", &n.url(), "sk_hw_button_001");
    d.post("/api/v1/ingest/test-signal", serde_json::json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/hw/buttons/go-live/press", serde_json::json!({"ms": 100}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["live"] == true), "a short press goes live");
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    assert!(wait_until(Duration::from_secs(3), || d.get("/api/v1/hw")["tally"] == "on"));
    // The tally and the screen follow the same event; the screen is redrawn once events settle (50 ms).
    assert!(wait_until(Duration::from_secs(3), || png(&d) != off_screen), "the screen shows the show");
    // A brush of the hand does not end a show; a long press does.
    d.post("/api/v1/hw/buttons/go-live/press", serde_json::json!({"ms": 80}));
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(d.get("/api/v1/status")["live"], true);
    d.post("/api/v1/hw/buttons/go-live/press", serde_json::json!({"ms": 1800}));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["live"] == false));
    assert!(wait_until(Duration::from_secs(3), || d.get("/api/v1/hw")["tally"] == "off"));
    // The user button pages through the screen.
    d.post("/api/v1/hw/buttons/user/press", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(3), || d.get("/api/v1/hw")["screen"]["page"] != "status"));
    // Bad input.
    assert_eq!(d.request("POST", "/api/v1/hw/buttons/self-destruct/press", Some(serde_json::json!({}))).status, 404);
    assert_eq!(d.request("POST", "/api/v1/hw/buttons/user/press", Some(serde_json::json!({"ms": 0}))).status, 422);
    assert_eq!(d.raw("POST", "/api/v1/hw/buttons/user/press", Some("{ms:"), Some("application/json")).status, 400);
}

#[test]
fn hw_none_and_rpi_on_a_pc() {
    let mut d = Daemon::start_with(&["--hw", "none"]);
    assert_eq!(d.request("GET", "/api/v1/hw", None).status, 409);
    drop(d);
    let out = std::process::Command::new(onaird_bin()).args(["--hw", "rpi", "--data-dir", "/tmp/onair-rpi-check", "--http", "127.0.0.1:0"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a Raspberry Pi") && !err.contains("panicked"), "{err}");
}

#[test]
fn the_box_announces_itself_over_mdns() {
    use mdns_sd::{ServiceDaemon, ServiceEvent};
    let name = format!("onairtest{}", std::process::id());
    let host = format!("{name}.local");
    let d = Daemon::start_with(&["--mdns", "on", "--public-host", &host]);
    let browser = ServiceDaemon::new().unwrap();
    let rx = browser.browse("_http._tcp.local.").unwrap();
    let end = std::time::Instant::now() + Duration::from_secs(15);
    let mut found = None;
    while std::time::Instant::now() < end && found.is_none() {
        if let Ok(ServiceEvent::ServiceResolved(info)) = rx.recv_timeout(Duration::from_millis(500)) {
            if info.get_hostname() == format!("{host}.") {
                found = Some(info);
            }
        }
    }
    let info = found.unwrap_or_else(|| panic!("no _http._tcp service for {host}; log:\n{}", d.log_text()));
    assert_eq!(info.get_port(), d.http);
    assert_eq!(info.get_property_val_str("product"), Some("onair"));
    assert_eq!(info.get_property_val_str("rtmp_port"), Some(d.rtmp.to_string().as_str()));
    assert!(!info.get_addresses().is_empty());
    let _ = browser.shutdown();
}
