//! Alerts to where the streamer is: channels (a signed webhook, Discord, Slack, Telegram, ntfy) and
//! rules, against receivers on loopback that read what arrives the way the services do: the
//! webhook's HMAC-SHA256 signature checked, Discord's and Slack's JSON, ntfy's headers, Telegram's
//! `sendMessage`. Retries after errors, the outbox surviving a crash, a flapping output sending one
//! message, secrets never read back.
use std::io::Write;
use std::time::Duration;

use onair_e2e::receiver::{Got, Receiver};
use onair_e2e::*;
use serde_json::{json, Value};

/// HMAC-SHA256 as the receiver checks it (RFC 2104 over SHA-256, written out here: no shared code
/// with the box).
fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    use std::process::{Command, Stdio};
    let mut c = Command::new("openssl")
        .args(["dgst", "-sha256", "-mac", "HMAC", "-macopt", &format!("hexkey:{}", key.iter().map(|b| format!("{b:02x}")).collect::<String>())])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl");
    c.stdin.take().unwrap().write_all(msg).unwrap();
    let out = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
    out.trim().rsplit(' ').next().unwrap().to_string()
}

fn signed_by(g: &Got, secret: &str) -> bool {
    g.header("X-Onair-Signature") == Some(format!("sha256={}", hmac_sha256_hex(secret.as_bytes(), &g.body)).as_str())
}

const SECRET: &str = "whsec-0123456789abcdef";

#[test]
fn alerts_reach_each_kind_of_channel_signed_retried_and_without_floods() {
    let rx = Receiver::start(0);
    let mut d = Daemon::start_full(&[], &[("ONAIR_TELEGRAM_API_URL", &rx.url("/tg")), ("ONAIR_TWILIO_API_URL", &rx.url("/twilio"))]);
    // Hostile and wrong input: refused with a clear reason, nothing made.
    for (body, code) in [
        (json!({"kind": "pigeon", "name": "x"}), "unknown_kind"),
        (json!({"kind": "sms", "name": "x", "provider": "nexmo"}), "unsupported_kind"),
        (json!({"kind": "sms", "name": "x", "account_sid": "AC0123456789abcdef0123456789abcdef", "from": "+15005550006", "to": "11 9876"}), "invalid"),
        (json!({"kind": "webhook", "name": "x", "url": "file:///etc/passwd", "secret": SECRET}), "invalid"),
        (json!({"kind": "webhook", "name": "x", "url": rx.url("/hook")}), "invalid"),
        (json!({"kind": "webhook", "name": "", "url": rx.url("/hook"), "secret": SECRET}), "invalid"),
        (json!({"kind": "telegram", "name": "x", "chat_id": "1 OR 1=1", "bot_token": "1:a"}), "invalid"),
        (json!({"kind": "ntfy", "name": "x", "topic": "../../etc"}), "invalid"),
        (json!({"name": "x"}), "invalid"),
    ] {
        let r = d.request("POST", "/api/v1/notify/channels", Some(body.clone()));
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (422, Some(code)), "{body}: {}", r.text);
    }
    assert_eq!(d.raw("POST", "/api/v1/notify/channels", Some("{nope"), Some("application/json")).status, 400);
    assert_eq!(d.get("/api/v1/notify/channels"), json!([]));

    let make = |d: &mut Daemon, body: Value| {
        let r = d.request("POST", "/api/v1/notify/channels", Some(body));
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_i64().unwrap()
    };
    let hook = make(&mut d, json!({"kind": "webhook", "name": "ops", "url": rx.url("/hook"), "secret": SECRET}));
    let discord = make(&mut d, json!({"kind": "discord", "name": "Discord", "webhook_url": rx.url("/discord/api/webhooks/1/tok-discord")}));
    let slack = make(&mut d, json!({"kind": "slack", "name": "Slack", "webhook_url": rx.url("/slack/services/T/B/tok-slack")}));
    let tg = make(&mut d, json!({"kind": "telegram", "name": "Telegram", "chat_id": "-100200300", "bot_token": "4242:tok-telegram"}));
    let ntfy = make(&mut d, json!({"kind": "ntfy", "name": "phone", "server": rx.url("/ntfy"), "topic": "my-show"}));
    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    let sms =
        make(&mut d, json!({"kind": "sms", "name": "SMS", "account_sid": SID, "from": "+15005550006", "to": "+5511987654321", "auth_token": "tok-twilio"}));
    let listed = d.get("/api/v1/notify/channels").to_string();
    for secret in [SECRET, "tok-discord", "tok-slack", "tok-telegram", "tok-twilio"] {
        assert!(!listed.contains(secret), "a secret read back: {listed}");
    }
    assert!(listed.contains("\"secret_set\":true"));

    // "Send a test": each channel gets one, as its service expects it.
    for id in [hook, discord, slack, tg, ntfy, sms] {
        let r = d.request("POST", &format!("/api/v1/notify/channels/{id}/test"), None);
        assert_eq!(r.status, 202, "{}", r.text);
    }
    assert!(wait_until(Duration::from_secs(10), || rx.got.lock().unwrap().len() >= 6), "{:?}", rx.got.lock().unwrap());
    let w = rx.at("/hook").remove(0);
    assert!(signed_by(&w, SECRET), "the signature checks: {:?}", w.headers);
    assert!(!signed_by(&w, "another-secret-0123"), "and only with the channel's secret");
    assert_eq!((w.json()["kind"].as_str(), w.header("Content-Type")), (Some("test"), Some("application/json")), "{}", w.json());
    assert!(rx.at("/discord/api/webhooks/1/tok-discord")[0].json()["content"].as_str().unwrap().contains("this channel works"));
    assert!(rx.at("/slack/services/T/B/tok-slack")[0].json()["text"].as_str().unwrap().contains("this channel works"));
    let t = rx.at("/tg/bot4242:tok-telegram/sendMessage");
    assert_eq!(t.len(), 1, "{:?}", rx.got.lock().unwrap().iter().map(|g| g.path.clone()).collect::<Vec<_>>());
    assert_eq!(t[0].json()["chat_id"], "-100200300");
    let n = rx.at("/ntfy/my-show").remove(0);
    assert!(String::from_utf8_lossy(&n.body).contains("this channel works") && n.header("Title") == Some("onair"), "{n:?}");
    // Twilio's Messages resource: the account in the path, HTTP Basic with the SID and the token, a form.
    let m = rx.at(&format!("/twilio/2010-04-01/Accounts/{SID}/Messages.json")).remove(0);
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{SID}:tok-twilio"));
    assert_eq!(m.header("Authorization"), Some(format!("Basic {auth}").as_str()));
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&m.body).into_owned().collect();
    assert!(form.contains(&("To".into(), "+5511987654321".into())) && form.iter().any(|(k, v)| k == "Body" && v.contains("this channel works")), "{form:?}");
    // A test pressed again at once waits for the rate limit: said so, nothing sent.
    let r = d.request("POST", &format!("/api/v1/notify/channels/{hook}/test"), None);
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (429, Some("rate_limited")), "{}", r.text);
    assert_eq!(d.request("POST", "/api/v1/notify/channels/999/test", None).status, 404);

    // Rules: which kinds go where; a kind or a channel the box does not know is refused.
    let bad = d.request("PUT", "/api/v1/notify/rules", Some(json!([{"kinds": ["show_started", "nope"], "channels": [hook]}])));
    assert_eq!(bad.status, 422, "{}", bad.text);
    let bad = d.request("PUT", "/api/v1/notify/rules", Some(json!([{"kinds": ["show_started"], "channels": [hook, 999]}])));
    assert_eq!(bad.status, 422, "{}", bad.text);
    let rules = json!([
        {"kinds": ["show_started", "show_ended", "destination_reconnecting", "destination_failed", "destination_recovered"], "channels": [hook]},
        {"kinds": ["show_started"], "channels": [ntfy]}
    ]);
    assert_eq!(d.request("PUT", "/api/v1/notify/rules", Some(rules.clone())).body, rules);

    // A show with a destination whose ingest keeps dropping: the show's start goes to both; the
    // flapping destination is one "reconnecting" within 5 s of the first drop and one "back" (the
    // other repeats held for the minute's summary), all signed.
    let before = rx.at("/hook").len();
    let mut n = Nginx::start();
    let id = d.add_destination("flaky", &n.url(), "sk_notify_flaky_01");
    d.post("/api/v1/ingest/test-signal", json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    assert_eq!(d.request("POST", "/api/v1/live/start", Some(json!({}))).status, 200);
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(id)["state"] == "live"));
    let mut first_drop = None;
    for _ in 0..3 {
        first_drop.get_or_insert_with(std::time::Instant::now);
        n.restart();
        assert!(
            wait_until(Duration::from_secs(20), || d.destination_status(id)["reconnects"].as_u64() > Some(0) && d.destination_status(id)["state"] == "live")
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_secs(2));
    let sent: Vec<Value> = rx.at("/hook")[before..].iter().map(Got::json).collect();
    assert!(rx.at("/hook")[before..].iter().all(|g| signed_by(g, SECRET)));
    assert_eq!(sent[0]["kind"], "show_started", "{sent:?}");
    assert!(sent[0]["show_id"].is_i64(), "{sent:?}");
    let about_it: Vec<&Value> = sent.iter().filter(|m| m["destination"] == "flaky").collect();
    let reconnecting_at = rx.at("/hook").iter().find(|g| g.json()["kind"] == "destination_reconnecting").map(|g| g.at);
    let reconnects = d.destination_status(id)["reconnects"].as_u64().unwrap_or(0);
    eprintln!("{} message(s) to the webhook for a destination that reconnected {reconnects} times: {about_it:?}", about_it.len());
    assert!(reconnects >= 3, "it flapped: {}", d.destination_status(id));
    let kinds: Vec<&str> = about_it.iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["destination_reconnecting", "destination_recovered"], "one reconnecting, one back, while it flaps: {sent:?}");
    assert_eq!(about_it[0]["level"], "warning");
    let took = reconnecting_at.unwrap().duration_since(first_drop.unwrap());
    eprintln!("the first drop was told {took:?} after nginx was killed");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_eq!(rx.at("/ntfy/my-show").len(), 2, "the test and the show's start: ntfy's rule names only that");

    // The receiver fails: the message is tried again (5 s, then 10 s) and arrives.
    *rx.failures.lock().unwrap() = 2;
    let before = rx.at("/hook").len();
    d.post("/api/v1/live/stop", json!({}));
    assert!(
        wait_until(Duration::from_secs(30), || rx.at("/hook")[before..].iter().filter(|g| g.json()["kind"] == "show_ended").count() == 3),
        "two failures, then delivered: {:?}",
        rx.at("/hook")[before..].iter().map(Got::json).collect::<Vec<_>>()
    );
    // The message is the after-show report, with the show it is about.
    let ended = rx.at("/hook").iter().rev().find(|g| g.json()["kind"] == "show_ended").unwrap().json();
    let text = ended["message"].as_str().unwrap();
    assert!(text.starts_with("the show has ended after ") && text.contains("flaky: ") && text.contains("reconnects"), "{ended}");
    assert!(ended["show_id"].is_i64(), "{ended}");
    // The history exports for a spreadsheet: a row per show and destination.
    let r = d.request("GET", "/api/v1/shows/export?format=csv", None);
    assert_eq!(r.status, 200);
    let mut lines = r.text.lines();
    assert_eq!(lines.next(), Some("show_id,started_at,ended_at,duration_s,end_reason,destination,platform,bytes,avg_kbps,reconnects,peak_viewers,live_s"));
    let row: Vec<&str> = lines.find(|l| l.contains(",flaky,")).unwrap_or_else(|| panic!("{}", r.text)).split(',').collect();
    assert!(row[9].parse::<u64>().unwrap() >= 3, "its reconnects: {row:?}");
    let j = d.request("GET", "/api/v1/shows/export?format=json", None);
    assert!(j.body.as_array().is_some_and(|a| a.iter().any(|s| s["destinations"][0]["name"] == "flaky")), "{}", j.text);
    assert_eq!(d.request("GET", "/api/v1/shows/export?format=xls", None).status, 422);
    let ch = d.get("/api/v1/notify/channels");
    let h = ch.as_array().unwrap().iter().find(|c| c["id"] == hook).unwrap();
    assert_eq!(h["pending"], 0, "{h}");
    assert!(h["last_sent_at"].is_string(), "{h}");
}

#[test]
fn the_outbox_survives_a_crash() {
    let rx = Receiver::start(1000);
    let mut d = Daemon::start();
    let n = Nginx::start();
    d.add_destination("n", &n.url(), "sk_notify_crash_01");
    let r = d.request("POST", "/api/v1/notify/channels", Some(json!({"kind": "webhook", "name": "ops", "url": rx.url("/hook"), "secret": SECRET})));
    let hook = r.body["id"].as_i64().unwrap();
    d.request("PUT", "/api/v1/notify/rules", Some(json!([{"kinds": ["show_started"], "channels": [hook]}])));
    d.post("/api/v1/ingest/test-signal", json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/live/start", json!({}));
    // The receiver is down (answers 500): the message waits in the outbox.
    assert!(wait_until(Duration::from_secs(10), || !rx.at("/hook").is_empty()));
    let ch = d.get("/api/v1/notify/channels");
    assert_eq!(ch[0]["pending"], 1, "{ch}");
    assert!(ch[0]["last_error"].as_str().is_some_and(|e| e.contains("500")), "{ch}");
    // kill -9; the receiver comes back; the box starts again and sends what it had.
    d.crash_and_restart();
    *rx.failures.lock().unwrap() = 0;
    let failed_before = rx.at("/hook").len();
    assert!(
        wait_until(Duration::from_secs(40), || rx.at("/hook").len() > failed_before && d.get("/api/v1/notify/channels")[0]["pending"] == 0),
        "{} {}",
        rx.at("/hook").len(),
        d.get("/api/v1/notify/channels")
    );
    let last = rx.at("/hook").pop().unwrap();
    assert!(last.json()["kind"] == "show_started" && signed_by(&last, SECRET), "{}", last.json());
    // Switched off, a channel's messages wait; switched on again, they go at once.
    let path = format!("/api/v1/notify/channels/{hook}");
    assert_eq!(d.request("PATCH", &path, Some(json!({"enabled": false}))).body["enabled"], false);
    let before = rx.at("/hook").len();
    assert_eq!(d.request("POST", &format!("{path}/test"), None).status, 202);
    assert!(
        wait_until(Duration::from_secs(10), || d.get("/api/v1/notify/channels")[0]["last_error"].as_str().is_some_and(|e| e.contains("switched off"))),
        "{}",
        d.get("/api/v1/notify/channels")
    );
    assert_eq!(rx.at("/hook").len(), before, "nothing sent while off");
    assert_eq!(d.request("PATCH", &path, Some(json!({"enabled": true}))).status, 200);
    assert!(wait_until(Duration::from_secs(5), || rx.at("/hook").len() > before), "sent once on again");
    assert_eq!(rx.at("/hook").pop().unwrap().json()["kind"], "test");
    let bad = d.request("PATCH", &path, Some(json!({"kind": "slack"})));
    assert_eq!(bad.status, 422, "a channel's kind does not change: {}", bad.text);
    let bad = d.request("PATCH", &path, Some(json!({"url": "gopher://x"})));
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(d.request("PATCH", "/api/v1/notify/channels/999", Some(json!({"enabled": true}))).status, 404);
}

/// A real SMTP server on loopback (Python's aiosmtpd, Debian's package), with a certificate the box
/// is told to trust: `starttls` (the server refuses mail before STARTTLS) and `tls` (SMTPS).
struct Smtp {
    child: std::process::Child,
    port: u16,
    maildir: std::path::PathBuf,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private CA and a certificate for 127.0.0.1 it signed: (the CA, the server's certificate, its key).
fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let t = onair_e2e::tls::private_ca(dir, "IP:127.0.0.1");
    (t.ca, t.cert, t.key)
}

fn smtp(dir: &std::path::Path, cert: &std::path::Path, key: &std::path::Path, smtps: bool) -> Smtp {
    let port = free_port();
    let maildir = dir.join(if smtps { "smtps-mail" } else { "starttls-mail" });
    let (c, k) = if smtps { ("--smtpscert", "--smtpskey") } else { ("--tlscert", "--tlskey") };
    // Debian's python3 (the one python3-aiosmtpd is for), not whatever python3 is first on PATH.
    let child = std::process::Command::new("/usr/bin/python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), c])
        .arg(cert)
        .arg(k)
        .arg(key)
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("aiosmtpd-{port}.log"))).unwrap())
        .spawn()
        .expect("python3-aiosmtpd: scripts/install-deps.sh test installs it");
    assert!(wait_until(Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()), "aiosmtpd did not start");
    Smtp { child, port, maildir }
}

fn mails(maildir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new")).map(|d| d.flatten().map(|e| std::fs::read_to_string(e.path()).unwrap_or_default()).collect()).unwrap_or_default()
}

#[test]
fn e_mail_goes_through_a_real_smtp_server_over_starttls_and_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificate(dir.path());
    let starttls = smtp(dir.path(), &cert, &key, false);
    let smtps = smtp(dir.path(), &cert, &key, true);
    let mut d = Daemon::start_full(&[], &[("ONAIR_EXTRA_CA_FILE", ca.to_str().unwrap())]);
    let bad = d.request(
        "POST",
        "/api/v1/notify/channels",
        Some(json!({"kind": "email", "name": "x", "host": "127.0.0.1", "security": "none", "from": "a@b.org", "to": "c@d.org"})),
    );
    assert_eq!(bad.status, 422, "never in the clear: {}", bad.text);
    for (server, security, to) in [(&starttls, "starttls", "crew@example.org"), (&smtps, "tls", "me@example.org, crew@example.org")] {
        let r = d.request(
            "POST",
            "/api/v1/notify/channels",
            Some(
                json!({"kind": "email", "name": security, "host": "127.0.0.1", "port": server.port, "security": security, "from": "box@example.org", "to": to}),
            ),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        assert_eq!(d.request("POST", &format!("/api/v1/notify/channels/{id}/test"), None).status, 202);
        assert!(
            wait_until(Duration::from_secs(15), || !mails(&server.maildir).is_empty()),
            "{security}: no mail arrived; the channel: {}; the server: {}",
            d.get("/api/v1/notify/channels"),
            std::fs::read_to_string(dir.path().join(format!("aiosmtpd-{}.log", server.port))).unwrap_or_default()
        );
        let m = mails(&server.maildir).remove(0);
        assert!(m.contains("Subject: onair: a test from your onair box") && m.contains("From: box@example.org"), "{m}");
        assert!(to.split(", ").all(|a| m.contains(a)), "{m}");
    }
    // A server the box cannot trust: not delivered, and the channel says why.
    let other = tempfile::tempdir().unwrap();
    let (_, c2, k2) = certificate(other.path());
    let untrusted = smtp(other.path(), &c2, &k2, false);
    let r = d.request(
        "POST",
        "/api/v1/notify/channels",
        Some(json!({"kind": "email", "name": "untrusted", "host": "127.0.0.1", "port": untrusted.port, "from": "box@example.org", "to": "me@example.org"})),
    );
    let id = r.body["id"].as_i64().unwrap();
    d.request("POST", &format!("/api/v1/notify/channels/{id}/test"), None);
    assert!(
        wait_until(Duration::from_secs(15), || d
            .get("/api/v1/notify/channels")
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id && c["last_error"].is_string())),
        "{}",
        d.get("/api/v1/notify/channels")
    );
    assert!(mails(&untrusted.maildir).is_empty(), "nothing sent to a server whose certificate does not check");
}
