//! API behaviour beyond the relay: login rate limiting, metrics, profiles.
use std::time::Duration;

use onair_e2e::*;

fn login(d: &Daemon, pw: &str) -> (u16, serde_json::Value, Option<String>) {
    match ureq::post(&d.url("/api/v1/login")).send_json(serde_json::json!({"password": pw})) {
        Ok(r) => (r.status(), r.into_json().unwrap_or_default(), None),
        Err(ureq::Error::Status(s, r)) => {
            let ra = r.header("retry-after").map(str::to_string);
            (s, r.into_json().unwrap_or_default(), ra)
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn a_burst_of_wrong_passwords_is_rate_limited_and_the_owner_gets_back_in() {
    let d = Daemon::start(); // one login used by the harness
    let mut limited = 0;
    let t0 = std::time::Instant::now();
    for _ in 0..10 {
        let (s, body, retry) = login(&d, "guess");
        assert!(s == 401 || s == 429, "{s}");
        if s == 429 {
            limited += 1;
            assert_eq!(body["error"]["code"], "rate_limited");
            assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1));
        }
    }
    // The quota: a burst of 5 (one used by the harness), then one try per 6 s.
    let allowed = 10 - limited;
    let quota = 4 + (t0.elapsed().as_secs() / 6) as usize + 1;
    assert!(limited >= 1 && allowed <= quota, "{allowed} tries let through in {:?}, quota {quota}", t0.elapsed());
    // The right password works again once the limiter lets a try through (about 6 s).
    assert!(wait_until(Duration::from_secs(20), || login(&d, PASSWORD).0 == 200));
}

#[test]
fn metrics_in_prometheus_text_format() {
    let mut d = Daemon::start();
    let n = Nginx::start();
    let id = d.add_destination("metrics dest", &n.url(), "sk_metrics_0001");
    d.post("/api/v1/ingest/test-signal", serde_json::json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["kbps"].as_u64() > Some(0)));
    let r = d.request("GET", "/api/v1/metrics", None);
    assert_eq!(r.status, 200);
    let t = r.text;
    assert!(t.contains("onair_live 1"), "{t}");
    assert!(t.contains(&format!("onair_destination_state{{id=\"{id}\",state=\"live\"}} 1")), "{t}");
    let kbps_line = t.lines().find(|l| l.starts_with("onair_destination_kbps{")).expect("kbps");
    assert!(kbps_line.rsplit(' ').next().unwrap().parse::<i64>().unwrap() > 0, "{kbps_line}");
    assert!(t.contains("onair_process_resident_memory_bytes"));
    assert!(t.trim_end().ends_with("# EOF"));
    assert!(matches!(ureq::get(&d.url("/api/v1/metrics")).call(), Err(ureq::Error::Status(401, _))));
}

#[test]
fn the_active_profile_decides_what_goes_live() {
    let mut d = Daemon::start();
    let (a, b) = (Nginx::start(), Nginx::start());
    let ia = d.add_destination("a", &a.url(), "sk_profile_a_001");
    let ib = d.add_destination("b", &b.url(), "sk_profile_b_001");
    let p = d.post("/api/v1/profiles", serde_json::json!({"name": "Only B", "destination_ids": [ib]}));
    let pid = p["id"].as_i64().unwrap();
    let r = d.request("POST", "/api/v1/profiles", Some(serde_json::json!({"name": "Only B"})));
    assert_eq!(r.status, 409, "{}", r.text);
    let r = d.request("POST", "/api/v1/profiles", Some(serde_json::json!({"name": "ghost", "destination_ids": [9999]})));
    assert_eq!(r.status, 422, "{}", r.text);
    d.post(&format!("/api/v1/profiles/{pid}/activate"), serde_json::json!({}));
    assert_eq!(d.get("/api/v1/profiles")[0]["active"], true);
    d.post("/api/v1/ingest/test-signal", serde_json::json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(ib)["state"] == "live"));
    assert_eq!(d.destination_status(ia)["state"], "idle");
    d.post("/api/v1/live/stop", serde_json::json!({}));
    d.post("/api/v1/profiles/deactivate", serde_json::json!({}));
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(ia)["state"] == "live"));
}

#[test]
fn sessions_expire_and_survive_a_restart_until_then() {
    let ttl = Duration::from_secs(12);
    let mut d = Daemon::start_full(&[], &[("ONAIR_SESSION_TTL_S", "12")]);
    // A session is stored, so a restart of the daemon keeps the user logged in...
    let r = ureq::post(&d.url("/api/v1/login")).send_json(serde_json::json!({"password": PASSWORD})).unwrap();
    let t0 = std::time::Instant::now();
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    d.crash_and_restart();
    assert!(t0.elapsed() < ttl, "restart took longer than the session's life");
    assert_eq!(ureq::get(&d.url("/api/v1/status")).set("Cookie", &cookie).call().unwrap().status(), 200);
    // ...until it expires.
    std::thread::sleep(ttl.saturating_sub(t0.elapsed()) + Duration::from_millis(1200));
    assert!(matches!(ureq::get(&d.url("/api/v1/status")).set("Cookie", &cookie).call(), Err(ureq::Error::Status(401, _))));
}

#[test]
fn alerts_are_kept_with_their_time() {
    let mut d = Daemon::start();
    let id = d.add_destination("nowhere", &format!("rtmp://127.0.0.1:{}/app", free_port()), "sk_alert_0001");
    d.post("/api/v1/ingest/test-signal", serde_json::json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(id)["state"] == "failed"), "{}", d.destination_status(id));
    let alerts = d.get("/api/v1/alerts");
    let a = alerts.as_array().unwrap().iter().find(|a| a["message"].as_str().unwrap_or("").contains("destination")).expect("an alert about the destination");
    assert!(a["at"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(a["level"], "warning");
}

#[test]
fn https_with_a_certificate_made_on_first_start() {
    let port = free_port();
    let mut d = Daemon::start_with(&["--https", &format!("127.0.0.1:{port}")]);
    let tls = d.data_dir().join("tls");
    let cert1 = std::fs::read(tls.join("cert.pem")).expect("a certificate was made");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(tls.join("key.pem")).unwrap().permissions().mode() & 0o777, 0o600);
    // curl checks the certificate against the one the box made for itself.
    let health = |cert: &std::path::Path| {
        std::process::Command::new("curl").args(["-fsS", "--cacert"]).arg(cert).arg(format!("https://localhost:{port}/api/v1/health")).output().unwrap()
    };
    let out = health(&tls.join("cert.pem"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"ok\""));
    // Plain HTTP bytes on the TLS port are refused without harm; the box keeps serving.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    std::io::Write::write_all(&mut s, b"GET / HTTP/1.1\r\n\r\n").unwrap();
    drop(s);
    // The same certificate after a restart (browsers that accepted it keep working).
    d.crash_and_restart();
    assert_eq!(std::fs::read(tls.join("cert.pem")).unwrap(), cert1);
    assert!(health(&tls.join("cert.pem")).status.success());
    assert_eq!(d.get("/api/v1/health")["status"], "ok");
}

#[test]
fn expired_and_used_up_invites_are_refused_over_http() {
    let mut d = Daemon::start();
    let mk = |d: &mut Daemon, name: &str| {
        let r = d.request("POST", "/api/v1/guests/invites", Some(serde_json::json!({"name": name, "expires_in_s": 3600, "max_uses": 2})));
        assert_eq!(r.status, 201, "{}", r.text);
        (r.body["id"].as_str().unwrap().to_string(), r.body["token"].as_str().unwrap().to_string())
    };
    let (exp_id, exp_token) = mk(&mut d, "Late");
    let (used_id, used_token) = mk(&mut d, "Busy");
    // The state an hour and two joins would leave, written as the box would (same database, WAL).
    let store = onair::store::Store::open(&d.data_dir()).unwrap();
    store.db().execute("UPDATE invites SET expires_at = strftime('%s','now') - 5 WHERE id = ?1", [&exp_id]).unwrap();
    store.db().execute("UPDATE invites SET uses = max_uses WHERE id = ?1", [&used_id]).unwrap();
    drop(store);
    for (token, why) in [(exp_token, "expired"), (used_token, "used up")] {
        let page = ureq::get(&d.url(&format!("/join/{token}"))).call();
        let Err(ureq::Error::Status(403, r)) = page else { panic!("{why}: {page:?}") };
        assert!(r.into_string().unwrap().contains(why));
        let whip = ureq::post(&d.url(&format!("/whip/{token}"))).set("Content-Type", "application/sdp").send_string("v=0\r\n");
        let Err(ureq::Error::Status(403, r)) = whip else { panic!("{why}: {whip:?}") };
        let body: serde_json::Value = r.into_json().unwrap();
        assert!(body["error"]["message"].as_str().unwrap().contains(why), "{body}");
        // Nor can it report stats for, or end, a session it does not own.
        let stats = ureq::post(&d.url(&format!("/whip/{token}/nosuchsession/stats"))).send_json(serde_json::json!({}));
        assert!(matches!(stats, Err(ureq::Error::Status(404, _))));
    }
    assert!(d.get("/api/v1/guests").as_array().unwrap().is_empty());
}

#[test]
fn stun_and_turn_servers_reach_the_guest_page_and_the_password_stays_in() {
    let mut d = Daemon::start();
    let r = d.request("PUT", "/api/v1/guests/ice", Some(serde_json::json!({"stun_url": "stun:stun.example.org:3478", "turn_url": "turn:turn.example.org:3478?transport=udp", "turn_username": "guest", "turn_password": "turn-secret-42"})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["turn_password_set"], true);
    assert!(!r.text.contains("turn-secret-42"));
    let inv = d.request("POST", "/api/v1/guests/invites", Some(serde_json::json!({"name": "Far away", "expires_in_s": 3600, "max_uses": 1})));
    let join = d.url(&format!("/join/{}", inv.body["token"].as_str().unwrap()));
    let res = ureq::get(&join).call().unwrap();
    let csp = res.header("content-security-policy").unwrap_or_default().to_string();
    let page = res.into_string().unwrap();
    assert!(page.contains(r#"{"urls":"stun:stun.example.org:3478"}"#), "{page}");
    // The guest's browser needs the TURN credential; only a page behind a valid invite carries it.
    assert!(page.contains("turn-secret-42"));
    assert!(!page.contains(r#"{"iceServers": []"#), "the data block is filled in");
    // The servers are data, not script: the page's policy is the template's, whatever they are
    // (its script a file of the box's, no inline script allowed), so a value that broke out could not run.
    assert_eq!(csp.matches("'sha256-").count(), 0, "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let r = d.request("PUT", "/api/v1/guests/ice", Some(serde_json::json!({"stun_url": "stun:other.example.org:3478", "turn_url": "turn:turn.example.org:3478?transport=udp", "turn_username": "guest", "turn_password": "turn-secret-42"})));
    assert_eq!(r.status, 200, "{}", r.text);
    let res = ureq::get(&join).call().unwrap();
    assert_eq!(res.header("content-security-policy").unwrap_or_default(), csp, "a fixed policy per page");
    assert!(res.into_string().unwrap().contains("stun:other.example.org"));
    // Sealed at rest.
    let db = std::fs::read(d.data_dir().join("onair.db")).unwrap_or_default();
    let wal = std::fs::read(d.data_dir().join("onair.db-wal")).unwrap_or_default();
    assert!(!db.windows(14).chain(wal.windows(14)).any(|w| w == b"turn-secret-42"));
    // Leaving the password out keeps the stored one; bad values are refused.
    let r = d.request(
        "PUT",
        "/api/v1/guests/ice",
        Some(serde_json::json!({"stun_url": "stun:stun.example.org:3478", "turn_url": "turn:turn.example.org:3478", "turn_username": "guest"})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(d.get("/api/v1/guests/ice")["turn_password_set"], true);
    for bad in [serde_json::json!({"stun_url": "http://x"}), serde_json::json!({"turn_url": "turn:h:1"}), serde_json::json!({"stun_url": "stun:a b"})] {
        let r = d.request("PUT", "/api/v1/guests/ice", Some(bad.clone()));
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    // Cleared: a LAN box again.
    assert_eq!(d.request("PUT", "/api/v1/guests/ice", Some(serde_json::json!({}))).status, 200);
    assert!(d.get("/api/v1/guests/ice")["stun_url"].is_null());
}

#[test]
fn the_system_says_which_version_runs_and_only_to_the_owner() {
    let mut d = Daemon::start();
    let s = d.get("/api/v1/system");
    assert_eq!(s["version"], d.get("/api/v1/health")["version"], "{s}");
    // This machine boots no A/B slot, and nothing was installed by the box.
    assert!(s["slot"].is_null() && s["last_update"].is_null(), "{s}");
    let anon = std::process::Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}"]).arg(d.url("/api/v1/system")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&anon.stdout), "401");
}
