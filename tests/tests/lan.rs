//! The box on a hostile LAN: Host allow-list (DNS rebinding), Origin checks, first-run set-up with
//! proof of presence, the login limiter (IPv6 /64 rotation, a loopback proxy, device cookies), the
//! password change, cookies on HTTPS and the security headers. Requests go through curl, which can
//! set any Host and Origin and pick its source address.
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use onair_e2e::*;
use serde_json::{json, Value};

struct Answer {
    status: u16,
    body: Value,
    headers: String,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    /// `name=value` of a Set-Cookie whose name is `name`.
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers.lines().filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: "))).find_map(|c| {
            let kv = c.split(';').next()?.trim();
            (kv.split_once('=')?.0 == name).then(|| kv.to_string())
        })
    }
    fn set_cookie_line(&self, name: &str) -> Option<String> {
        self.headers.lines().find(|l| l.to_ascii_lowercase().starts_with(&format!("set-cookie: {}=", name.to_ascii_lowercase()))).map(str::to_string)
    }
    fn header(&self, name: &str) -> Option<String> {
        let want = format!("{}:", name.to_ascii_lowercase());
        self.headers.lines().find(|l| l.to_ascii_lowercase().starts_with(&want)).map(|l| l[want.len()..].trim().to_string())
    }
}

/// One curl run, started now and read by `finish` (so several can run at once).
struct Call {
    child: Child,
    dir: tempfile::TempDir,
}

fn start(netns: Option<&str>, args: &[String]) -> Call {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, "curl"]);
            c
        }
        None => Command::new("curl"),
    };
    cmd.args(["-sS", "-k", "--max-time", "30", "-w", "%{http_code}", "-D"]).arg(dir.path().join("h")).arg("-o").arg(dir.path().join("b"));
    let child = cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("curl");
    Call { child, dir }
}

fn finish(c: Call) -> Answer {
    let out = c.child.wait_with_output().unwrap();
    let status = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
    if status == 0 {
        eprintln!("curl failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let body = std::fs::read_to_string(c.dir.path().join("b")).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
    Answer { status, body, headers: std::fs::read_to_string(c.dir.path().join("h")).unwrap_or_default() }
}

fn curl(args: &[String]) -> Answer {
    finish(start(None, args))
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// `curl` arguments for a JSON POST.
fn post(url: &str, body: Value, extra: &[&str]) -> Vec<String> {
    let mut a = s(&["-X", "POST", "-H", "Content-Type: application/json", "-H", "X-Requested-With: onair", "--data", &body.to_string()]);
    a.extend(s(extra));
    a.push(url.to_string());
    a
}

fn setup_code(d: &Daemon) -> String {
    let mut code = None;
    assert!(
        wait_until(Duration::from_secs(10), || {
            code = d.log_text().split("set-up code ").nth(1).map(|r| r.chars().take(9).collect::<String>());
            code.is_some()
        }),
        "no set-up code in the log:\n{}",
        d.log_text()
    );
    code.unwrap()
}

#[test]
fn a_foreign_host_is_misdirected_on_every_route_of_both_listeners() {
    let https = free_port();
    let d = Daemon::start_with(&["--https", &format!("127.0.0.1:{https}"), "--allowed-hosts", "studio.lan,203.0.113.9"]);
    let base = format!("http://127.0.0.1:{}", d.http);
    let tls = format!("https://127.0.0.1:{https}");
    let routes: Vec<(&str, &str, Value)> = vec![
        ("POST", "/api/v1/setup", json!({"password": "someone-else-123", "code": "AAAA-AAAA"})),
        ("POST", "/api/v1/login", json!({"password": PASSWORD})),
        ("POST", "/whep/guests/1", json!({})),
        ("GET", "/guests/grid/list", Value::Null),
        ("GET", "/api/v1/health", Value::Null),
        ("GET", "/", Value::Null),
    ];
    for root in [&base, &tls] {
        for (method, path, body) in &routes {
            // (No Host at all only on HTTP/1.1: curl's HTTP/2 always sends an authority.)
            let none = if root == &base { "" } else { "evil.example" };
            for host in ["evil.example", "EVIL.example.:8080", "127.0.0.1.evil.example", "onair.local.evil.example", "[2001:db8::1]:8080", "203.0.113.10", none]
            {
                let mut a = s(&["-X", method, "-H", &format!("Host: {host}"), "-H", "Content-Type: application/json"]);
                if !body.is_null() {
                    a.extend(s(&["--data", &body.to_string()]));
                    // curl over HTTP/2 reports an answer that comes before its body was read (the
                    // stream is then reset) as a framing error; GETs still go over HTTP/2.
                    a.push("--http1.1".into());
                }
                a.push(format!("{root}{path}"));
                let r = curl(&a);
                assert_eq!(r.status, 421, "{method} {root}{path} Host {host:?}: {} {}", r.status, r.body);
                assert_eq!(r.code(), "wrong_host", "{}", r.body);
            }
        }
        // The box's own names and addresses, in any spelling, and the configured ones.
        let own = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string();
        for host in ["127.0.0.1", "LOCALHOST.:1", "[::1]:8080", "onair.local", &own, &format!("{own}.local"), "studio.lan", "203.0.113.9:8443"] {
            let r = curl(&s(&["-H", &format!("Host: {host}"), &format!("{root}/api/v1/health")]));
            assert_eq!(r.status, 200, "Host {host:?} on {root}: {}", r.body);
        }
    }
    // The set-up that carried a foreign Host changed nothing: the admin's password still works.
    let r = curl(&post(&format!("{base}/api/v1/login"), json!({"password": PASSWORD}), &[]));
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A WebSocket handshake to /api/v1/events; the status line's code.
fn ws_status(port: u16, cookie: &str, origin: Option<&str>) -> u16 {
    let mut t = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let origin = origin.map(|o| format!("Origin: {o}\r\n")).unwrap_or_default();
    write!(
        t,
        "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: {cookie}\r\n{origin}\r\n"
    )
    .unwrap();
    let mut buf = [0u8; 64];
    let n = t.read(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[..n]).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[test]
fn a_foreign_origin_is_refused_on_events_and_state_changes() {
    let d = Daemon::start();
    let base = format!("http://127.0.0.1:{}", d.http);
    let login = curl(&post(&format!("{base}/api/v1/login"), json!({"password": PASSWORD}), &[]));
    let cookie = login.cookie("onair_session").expect("session cookie");
    let own = format!("http://127.0.0.1:{}", d.http);
    for bad in ["http://evil.example", "null", &format!("http://127.0.0.1:{}", d.http + 1), &format!("http://localhost.evil.example:{}", d.http)] {
        assert_eq!(ws_status(d.http, &cookie, Some(bad)), 403, "events from {bad}");
        let r = curl(&post(&format!("{base}/api/v1/live/stop"), json!({}), &["-H", &format!("Cookie: {cookie}"), "-H", &format!("Origin: {bad}")]));
        assert_eq!((r.status, r.code()), (403, "foreign_origin"), "{}", r.body);
        let r = curl(&post(&format!("{base}/api/v1/login"), json!({"password": PASSWORD}), &["-H", &format!("Origin: {bad}")]));
        assert_eq!(r.status, 403, "login from {bad}: {}", r.body);
    }
    // The box's own pages, and clients that send no Origin (scripts, OBS), are served.
    assert_eq!(ws_status(d.http, &cookie, Some(&own)), 101);
    assert_eq!(ws_status(d.http, &cookie, None), 101);
    let r = curl(&post(&format!("{base}/api/v1/live/stop"), json!({}), &["-H", &format!("Cookie: {cookie}"), "-H", &format!("Origin: {own}")]));
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn set_up_needs_the_presence_code_and_exactly_one_of_many_wins() {
    let d = Daemon::start_fresh(&[]);
    let base = format!("http://127.0.0.1:{}", d.http);
    let sess = curl(&s(&[&format!("{base}/api/v1/session")]));
    assert_eq!((sess.body["setup_required"].as_bool(), sess.body["setup_press"].as_bool()), (Some(true), Some(false)), "{}", sess.body);
    let code = setup_code(&d);
    assert_eq!(code.len(), 9, "{code}");
    // Never served over the network: not in the session, the dashboard, and the screen mirror
    // needs a login that does not exist yet.
    assert!(!sess.body.to_string().contains(&code) && !sess.body.to_string().contains(&code.replace('-', "")));
    assert_eq!(curl(&s(&[&format!("{base}/api/v1/hw/screen.png")])).status, 401);
    // Without the code, with a wrong one, or with only half of it: refused, nothing set.
    for c in [None, Some("".to_string()), Some("AAAA-AAAA".to_string()), Some(code[..4].to_string())] {
        let body = match &c {
            Some(c) => json!({"password": "intruder-password", "code": c}),
            None => json!({"password": "intruder-password"}),
        };
        let r = curl(&post(&format!("{base}/api/v1/setup"), body, &[]));
        assert_eq!((r.status, r.code()), (403, "setup_code"), "code {c:?}: {}", r.body);
    }
    assert_eq!(curl(&s(&[&format!("{base}/api/v1/session")])).body["setup_required"], true);
    // Six set-ups at once, each from its own address (each has the code): exactly one wins.
    let calls: Vec<Call> = (0..6)
        .map(|i| {
            start(
                None,
                &post(
                    &format!("{base}/api/v1/setup"),
                    json!({"password": format!("password-number-{i}"), "code": code.to_lowercase()}),
                    &["--interface", &format!("127.0.0.{}", 10 + i)],
                ),
            )
        })
        .collect();
    let answers: Vec<Answer> = calls.into_iter().map(finish).collect();
    let won: Vec<usize> = answers.iter().enumerate().filter(|(_, a)| a.status == 200).map(|(i, _)| i).collect();
    assert_eq!(won.len(), 1, "{:?}", answers.iter().map(|a| (a.status, a.body.clone())).collect::<Vec<_>>());
    for (i, a) in answers.iter().enumerate() {
        if i != won[0] {
            assert_eq!((a.status, a.code()), (409, "already_set_up"), "{}", a.body);
        }
    }
    assert!(answers[won[0]].cookie("onair_session").is_some());
    // The winner's password is the admin's; no loser replaced it.
    for i in 0..6 {
        let r =
            curl(&post(&format!("{base}/api/v1/login"), json!({"password": format!("password-number-{i}")}), &["--interface", &format!("127.0.0.{}", 30 + i)]));
        assert_eq!(r.status, if i == won[0] { 200 } else { 401 }, "password {i}: {}", r.body);
    }
    // A second set-up, even with the right code: 409.
    let r = curl(&post(&format!("{base}/api/v1/setup"), json!({"password": "late-comer-123", "code": code}), &["--interface", "127.0.0.40"]));
    assert_eq!((r.status, r.code()), (409, "already_set_up"), "{}", r.body);
    assert_eq!(curl(&s(&[&format!("{base}/api/v1/session")])).body["setup_required"], false);
}

/// A network namespace joined to the root one by a veth pair: the root side has `<prefix>::1`, the
/// namespace side several addresses of the same /64 and one of another /64. Removed on drop.
struct Netns {
    name: String,
    prefix: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip (iproute2) is installed");
    assert!(out.status.success(), "ip {}: {} (the test needs root for its own network namespace)", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

impl Netns {
    fn new(addrs: usize) -> Netns {
        let id = std::process::id() % 10000;
        let (name, a, b) = (format!("onair-lan-{id}"), format!("olan{id}a"), format!("olan{id}b"));
        let prefix = format!("fd00:6c61:{:x}:1", id);
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        ip(&["netns", "add", &name]);
        let n = Netns { name: name.clone(), prefix: prefix.clone() };
        ip(&["link", "add", &a, "type", "veth", "peer", "name", &b]);
        ip(&["link", "set", &b, "netns", &name]);
        ip(&["addr", "add", &format!("{prefix}::1/64"), "dev", &a, "nodad"]);
        ip(&["link", "set", &a, "up"]);
        ip(&["-n", &name, "link", "set", "lo", "up"]);
        ip(&["-n", &name, "link", "set", &b, "up"]);
        for i in 0..addrs {
            ip(&["-n", &name, "addr", "add", &format!("{prefix}:{:x}:{:x}::{:x}/64", 0x1000 + i, i * 7 + 1, i + 2), "dev", &b, "nodad"]);
        }
        // Another /64, reached over the same link.
        let other = format!("fd00:6c61:{:x}:2::9", id);
        ip(&["-n", &name, "addr", "add", &format!("{other}/64"), "dev", &b, "nodad"]);
        ip(&["addr", "add", &format!("fd00:6c61:{:x}:2::1/64", id), "dev", &a, "nodad"]);
        n
    }

    fn addr(&self, i: usize) -> String {
        format!("{}:{:x}:{:x}::{:x}", self.prefix, 0x1000 + i, i * 7 + 1, i + 2)
    }

    fn other_net(&self) -> String {
        format!("fd00:6c61:{:x}:2::9", std::process::id() % 10000)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting the namespace deletes the veth pair with it.
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
    }
}

/// Wrong-password tries sent at once; how many the limiter let through (401) and refused (429).
fn burst(calls: Vec<Call>) -> (usize, usize, Duration) {
    let t0 = Instant::now();
    let answers: Vec<Answer> = calls.into_iter().map(finish).collect();
    let through = answers.iter().filter(|a| a.status == 401 || a.status == 503).count();
    let limited = answers.iter().filter(|a| a.status == 429).count();
    assert_eq!(through + limited, answers.len(), "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    (through, limited, t0.elapsed())
}

#[test]
fn the_limiter_holds_under_ipv6_64_rotation_and_the_owner_gets_in() {
    const N: usize = 20;
    let ns = Netns::new(N);
    let port = free_port();
    let d = Daemon::start_with(&["--https", &format!("[{}::1]:{port}", ns.prefix)]);
    let url = format!("https://[{}::1]:{port}/api/v1/login", ns.prefix);
    // The owner's browser logged in before, from the same /64: it holds a device cookie.
    let owner = finish(start(Some(&ns.name), &post(&url, json!({"password": PASSWORD}), &["--interface", &ns.addr(0)])));
    assert_eq!(owner.status, 200, "{}", owner.body);
    let device = owner.cookie("__Host-onair_device").expect("a device cookie over HTTPS");
    // An attacker rotates through 20 addresses of that /64, one wrong try each, all at once. Keyed by
    // address, every try would pass (the global budget alone allows 20).
    let t0 = Instant::now();
    let calls = (1..N).map(|i| start(Some(&ns.name), &post(&url, json!({"password": format!("guess-{i}")}), &["--interface", &ns.addr(i)]))).collect();
    let (through, limited, _) = burst(calls);
    let quota = 5 + (t0.elapsed().as_secs() / 6) as usize + 1;
    assert!(through <= quota && limited >= N - 1 - quota, "{through} through, {limited} limited in {:?}", t0.elapsed());
    // The /64 is held: a fresh address in it is refused too...
    let r = finish(start(Some(&ns.name), &post(&url, json!({"password": PASSWORD}), &["--interface", &ns.addr(N - 1)])));
    assert_eq!(r.status, 429, "{}", r.body);
    // ...another /64 is not...
    let r = finish(start(Some(&ns.name), &post(&url, json!({"password": "guess"}), &["--interface", &ns.other_net()])));
    assert_eq!(r.status, 401, "{}", r.body);
    // ...and the owner's browser, in the attacked /64, logs in.
    let r = finish(start(Some(&ns.name), &post(&url, json!({"password": PASSWORD}), &["--interface", &ns.addr(0), "-H", &format!("Cookie: {device}")])));
    assert_eq!(r.status, 200, "owner with device cookie: {}", r.body);
    drop(d);
}

#[test]
fn behind_a_loopback_proxy_an_attacker_does_not_lock_the_owner_out() {
    let d = Daemon::start();
    let url = format!("http://127.0.0.1:{}/api/v1/login", d.http);
    // Behind a tunnel every client is 127.0.0.1. The owner logged in once (one try of the 5).
    let owner = curl(&post(&url, json!({"password": PASSWORD}), &[]));
    assert_eq!(owner.status, 200);
    let device = owner.cookie("onair_device").expect("device cookie");
    let forged = format!("{}x", &device[..device.len() - 1]);
    // 30 wrong tries through the tunnel, at once.
    let t0 = Instant::now();
    let (through, limited, _) = burst((0..30).map(|i| start(None, &post(&url, json!({"password": format!("guess-{i}")}), &[]))).collect());
    // The harness's login and the owner's used two of the five.
    let quota = 3 + (t0.elapsed().as_secs() / 6) as usize + 1;
    assert!(through <= quota && limited >= 30 - quota, "{through} through, {limited} limited");
    // Anonymous tries (and a forged device cookie) stay refused (the attacker keeps trying: three
    // more wrong tries use up whatever refilled meanwhile)...
    for _ in 0..3 {
        curl(&post(&url, json!({"password": "guess"}), &[]));
    }
    for c in [None, Some(forged.as_str())] {
        let mut extra = vec![];
        if let Some(c) = c {
            extra = vec!["-H".to_string(), format!("Cookie: {c}")];
        }
        let mut a = post(&url, json!({"password": PASSWORD}), &[]);
        a.splice(0..0, extra);
        assert_eq!(curl(&a).status, 429, "cookie {c:?}");
    }
    // ...but the owner's browser has its own budget: a typo is a 401, the password gets in.
    let r = curl(&post(&url, json!({"password": "typo"}), &["-H", &format!("Cookie: {device}")]));
    assert_eq!(r.status, 401, "{}", r.body);
    let r = curl(&post(&url, json!({"password": PASSWORD}), &["-H", &format!("Cookie: {device}")]));
    assert_eq!(r.status, 200, "{}", r.body);
    // The device cookie is kept (same id), not replaced on every login.
    assert_eq!(r.cookie("onair_device").as_deref(), Some(device.as_str()));
    // One try from each of 40 loopback addresses (a proxy's pool, or rotation across networks): the
    // global budget (20 at once) holds them.
    let t0 = Instant::now();
    let (through, limited, _) =
        burst((0..40).map(|i| start(None, &post(&url, json!({"password": "guess"}), &["--interface", &format!("127.0.1.{}", i + 1)]))).collect());
    let quota = 20 + (t0.elapsed().as_secs() / 2) as usize + 1;
    assert!(through <= quota && limited >= 40 - quota, "{through} through, {limited} limited in {:?}", t0.elapsed());
}

#[test]
fn a_password_change_ends_the_other_sessions() {
    let mut d = Daemon::start();
    let base = format!("http://127.0.0.1:{}", d.http);
    let login = |pw: &str, from: &str| curl(&post(&format!("{base}/api/v1/login"), json!({"password": pw}), &["--interface", from]));
    let a = login(PASSWORD, "127.0.0.2").cookie("onair_session").unwrap();
    let b = login(PASSWORD, "127.0.0.3").cookie("onair_session").unwrap();
    let token = d.post("/api/v1/tokens", json!({"name": "script"}))["token"].as_str().unwrap().to_string();
    let status = |h: &str| curl(&s(&["-H", h, &format!("{base}/api/v1/status")])).status;
    let change =
        |current: &str, new: &str| curl(&post(&format!("{base}/api/v1/password"), json!({"current": current, "new": new}), &["-H", &format!("Cookie: {a}")]));
    let r = change("not-the-password", "brand-new-password");
    assert_eq!((r.status, r.code()), (403, "bad_password"), "{}", r.body);
    assert_eq!(change(PASSWORD, "short").status, 422);
    assert_eq!(status(&format!("Cookie: {b}")), 200, "nothing changed yet");
    let r = change(PASSWORD, "brand-new-password");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(status(&format!("Cookie: {a}")), 200, "the session that changed it stays");
    assert_eq!(status(&format!("Cookie: {b}")), 401, "every other session ends");
    assert_eq!(d.request("GET", "/api/v1/status", None).status, 401, "the harness's session too");
    assert_eq!(status(&format!("Authorization: Bearer {token}")), 200, "API tokens are not sessions");
    assert_eq!(login(PASSWORD, "127.0.0.4").status, 401);
    assert_eq!(login("brand-new-password", "127.0.0.4").status, 200);
}

#[test]
fn cookies_on_https_are_host_prefixed_and_secure_and_headers_are_set() {
    let https = free_port();
    let d = Daemon::start_with(&["--https", &format!("127.0.0.1:{https}")]);
    let r = curl(&post(&format!("https://127.0.0.1:{https}/api/v1/login"), json!({"password": PASSWORD}), &[]));
    assert_eq!(r.status, 200);
    for name in ["__Host-onair_session", "__Host-onair_device"] {
        let line = r.set_cookie_line(name).unwrap_or_else(|| panic!("{name} in {}", r.headers));
        assert!(line.contains("; Secure") && line.contains("Path=/") && line.contains("HttpOnly") && !line.to_lowercase().contains("domain="), "{line}");
    }
    let c = r.cookie("__Host-onair_session").unwrap();
    assert_eq!(curl(&s(&["-H", &format!("Cookie: {c}"), &format!("https://127.0.0.1:{https}/api/v1/status")])).status, 200);
    // Plain HTTP keeps the plain name (a browser drops a Secure cookie there).
    let r = curl(&post(&format!("http://127.0.0.1:{}/api/v1/login", d.http), json!({"password": PASSWORD}), &[]));
    let line = r.set_cookie_line("onair_session").expect("session cookie over HTTP");
    assert!(!line.contains("Secure"), "{line}");
    // Headers on every response; pages allow only their own scripts, inline ones by hash.
    for path in ["/", "/api/v1/health", "/guests/grid/view", "/overlay/chat", "/api/v1/nothing"] {
        let r = curl(&s(&[&format!("http://127.0.0.1:{}{path}", d.http)]));
        assert_eq!(r.header("x-content-type-options").as_deref(), Some("nosniff"), "{path}");
        assert_eq!(r.header("referrer-policy").as_deref(), Some("no-referrer"), "{path}");
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors"), "{path}: {csp}");
        if path == "/overlay/chat" {
            assert!(csp.contains("script-src 'self' 'sha256-") && !csp.contains("unsafe-eval"), "{path}: {csp}");
            assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
        }
    }
}

#[test]
fn a_press_approves_only_the_request_that_asked_for_it() {
    let d = Daemon::start_fresh(&[]);
    let base = format!("http://127.0.0.1:{}", d.http);
    let r = curl(&post(&format!("{base}/api/v1/setup/request"), json!({}), &[]));
    assert_eq!(r.status, 201, "{}", r.body);
    let (id, label) = (r.body["request"].as_str().unwrap().to_string(), r.body["label"].as_str().unwrap().to_string());
    assert_eq!(label.len(), 4);
    assert!(id.len() >= 20, "the request id is a secret: {id}");
    // Not approved yet: /session says so for this request, set-up without the code is refused
    // with or without the request's id.
    let sess = curl(&s(&[&format!("{base}/api/v1/session?request={id}")]));
    assert_eq!(sess.body["setup_press"], false, "{}", sess.body);
    for body in [
        json!({"password": "owner-password-1", "request": id}),
        json!({"password": "owner-password-1"}),
        json!({"password": "owner-password-1", "request": "made-up"}),
    ] {
        let r = curl(&post(&format!("{base}/api/v1/setup"), body.clone(), &[]));
        assert_eq!((r.status, r.code()), (403, "setup_code"), "{body}: {}", r.body);
    }
    // A request id that is not even UTF-8 is just not approved.
    assert_eq!(curl(&s(&[&format!("{base}/api/v1/session?request=%ff%fe")])).status, 200);
    // The code still works, and after set-up a request is a 409.
    let code = setup_code(&d);
    let r = curl(&post(&format!("{base}/api/v1/setup"), json!({"password": "owner-password-1", "code": code}), &[]));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(curl(&post(&format!("{base}/api/v1/setup/request"), json!({}), &[])).status, 409);
}
