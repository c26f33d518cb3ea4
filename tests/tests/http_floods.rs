//! HTTP floods against the real daemon, loopback only: connections that never finish their headers
//! (slowloris) and a thousand long-polls. `/api/v1/health` keeps answering, the limits answer
//! 429/503 in the SPEC's error shape, and the daemon's threads and open files come back down.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use onair_e2e::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

fn threads(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task")).map(|d| d.count()).unwrap_or(0)
}

/// A cap the daemon logged at start-up (`HTTP limits caps=Caps { connections: 512, ... }`).
fn logged_cap(d: &Daemon, name: &str) -> usize {
    let log = d.log_text();
    let at = log.find(&format!("{name}: ")).unwrap_or_else(|| panic!("no {name} in the log:\n{log}"));
    log[at + name.len() + 2..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
}

/// One probe: its status or error, and the time it took.
type Probe = (Result<u16, String>, Duration);

/// `/api/v1/health` asked every 100 ms from 127.0.0.1 on a fresh connection, until stopped:
/// (status or error, time it took) of each.
struct HealthProbe {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Probe>>>,
    thread: Option<JoinHandle<()>>,
}

impl HealthProbe {
    fn start(url: String) -> HealthProbe {
        let (stop, seen) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(vec![])));
        let (s, v) = (stop.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                let t0 = Instant::now();
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
                let r = match agent.get(&url).call() {
                    Ok(r) => Ok(r.status()),
                    Err(ureq::Error::Status(c, _)) => Ok(c),
                    Err(e) => Err(e.to_string()),
                };
                v.lock().unwrap().push((r, t0.elapsed()));
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        HealthProbe { stop, seen, thread: Some(thread) }
    }

    /// Stops it; asserts every answer was a 200.
    fn finish(mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.take().unwrap().join().unwrap();
        let seen = self.seen.lock().unwrap();
        let bad: Vec<_> = seen.iter().filter(|(r, _)| *r != Ok(200)).collect();
        assert!(bad.is_empty(), "/health failed during the flood: {bad:?}");
        let slowest = seen.iter().map(|(_, t)| *t).max().unwrap_or_default();
        eprintln!("/health: {} answers, all 200, slowest {slowest:?}", seen.len());
        seen.len()
    }
}

async fn connect_from(src: [u8; 4], port: u16) -> std::io::Result<TcpStream> {
    let s = TcpSocket::new_v4()?;
    s.bind(SocketAddr::from((src, 0)))?;
    s.connect(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// The daemon's open files and threads come back to where they were before the flood.
fn back_to_baseline(d: &Daemon, fds: usize, tasks: usize) {
    let pid = d.pid();
    let ok = wait_until(Duration::from_secs(30), || open_files(pid) <= fds && threads(pid) <= tasks);
    assert!(ok, "open files {} (before {fds}), threads {} (before {tasks})", open_files(pid), threads(pid));
}

#[test]
fn slowloris_connections_do_not_take_the_box() {
    raise_nofile();
    let d = Daemon::start();
    let pid = d.pid();
    // Connections, refusals being answered, and ones told to close that have not yet.
    let cap = logged_cap(&d, "connections") + logged_cap(&d, "refusals") + onair::api::limits::MAX_CLOSING;
    std::thread::sleep(Duration::from_millis(500));
    let (fds, tasks) = (open_files(pid), threads(pid));
    let probe = HealthProbe::start(d.url("/api/v1/health"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let port = d.http;
    let peak = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let pk = peak.clone();
    let closed = rt.block_on(async move {
        // 1000 connections from 20 addresses, each sending the start of a request and then a
        // header line every 2 s, never the blank line that ends the headers.
        let mut tasks = vec![];
        for i in 0..1000u32 {
            let src = [127, 0, 1, 1 + (i % 20) as u8];
            let mut s = match connect_from(src, port).await {
                Ok(s) => s,
                Err(e) => panic!("connect {i}: {e}"),
            };
            let _ = s.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n").await;
            tasks.push(tokio::spawn(async move {
                let t0 = Instant::now();
                let mut buf = [0u8; 256];
                loop {
                    tokio::select! {
                        r = s.read(&mut buf) => match r {
                            // Closed by the box (or reset): it did not keep the connection.
                            Ok(0) | Err(_) => return Some(t0.elapsed()),
                            Ok(_) => return None, // an answer to headers never finished
                        },
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {
                            if s.write_all(b"X-Slow: 1\r\n").await.is_err() {
                                return Some(t0.elapsed());
                            }
                        }
                    }
                    if t0.elapsed() > Duration::from_secs(40) {
                        return None;
                    }
                }
            }));
            if i % 50 == 0 {
                pk.fetch_max(open_files(pid), Ordering::SeqCst);
            }
        }
        let mut closed = 0;
        for t in tasks {
            pk.fetch_max(open_files(pid), Ordering::SeqCst);
            if let Some(after) = t.await.unwrap() {
                assert!(after < Duration::from_secs(40));
                closed += 1;
            }
        }
        closed
    });
    let answers = probe.finish();
    assert!(answers > 5, "the probe ran through the flood");
    // Every one of them was closed by the box (made room for others, or its header timeout).
    assert_eq!(closed, 1000, "the box kept connections that never finished their headers");
    let peak = peak.load(Ordering::SeqCst);
    eprintln!("open files: {fds} before, {peak} at the peak (cap {cap})");
    assert!(peak <= fds + cap + 8, "the daemon held {peak} open files (before {fds}, cap {cap})");
    back_to_baseline(&d, fds, tasks);
}

/// The grid's view token (`GET /api/v1/guests/view-links`), as a query suffix.
fn grid_token(d: &mut Daemon) -> String {
    let r = d.request("GET", "/api/v1/guests/view-links", None);
    assert_eq!(r.status, 200, "{}", r.text);
    let k = r.body["grid"]["token"].as_str().unwrap_or_else(|| panic!("no grid token: {}", r.text));
    format!("&k={k}")
}

#[derive(Debug, Default)]
struct Outcomes {
    ok: usize,
    per_client: usize,
    long_polls_full: usize,
    full: usize,
    closed: usize,
}

/// Reads one answer: its status and, for a refusal, checks the SPEC shape and `Retry-After`.
fn classify(text: &str, o: &mut Outcomes) {
    if text.is_empty() {
        o.closed += 1;
        return;
    }
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status: {head:?}"));
    if status == 200 {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("grid list body: {body:?}"));
        assert!(v.is_array(), "{body}");
        o.ok += 1;
        return;
    }
    assert!(head.to_ascii_lowercase().contains("\r\nretry-after: "), "no Retry-After: {head}");
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("refusal body: {body:?}"));
    let code = v["error"]["code"].as_str().unwrap_or_else(|| panic!("not the SPEC shape: {body}"));
    assert!(v["error"]["message"].is_string(), "{body}");
    match (status, code) {
        (429, "too_many_connections" | "too_many_requests") => o.per_client += 1,
        (503, "long_polls_full") => o.long_polls_full += 1,
        (503, "connections_full" | "requests_full") => o.full += 1,
        _ => panic!("unexpected answer {status} {body}"),
    }
}

#[test]
fn a_thousand_long_polls_are_capped_and_health_answers() {
    raise_nofile();
    let mut d = Daemon::start();
    let pid = d.pid();
    let k = grid_token(&mut d);
    let per_ip = logged_cap(&d, "per_ip") as u32;
    assert!(per_ip as usize <= logged_cap(&d, "long_polls"), "the first address's long-polls all get in");
    std::thread::sleep(Duration::from_millis(500));
    let (fds, tasks) = (open_files(pid), threads(pid));
    let probe = HealthProbe::start(d.url("/api/v1/health"));
    let port = d.http;
    let req = format!("GET /guests/grid/list?known={k} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let answers = rt.block_on(async move {
        // 200 from one address: the first `requests_per_ip` get in and wait, which fills its
        // share, so the rest are refused (429: requests, then connections); then 800 from 16 others, over the box-wide long-poll cap. An empty
        // grid never changes: each long-poll that gets in waits its full 20 s.
        let mut tasks = vec![];
        for i in 0..1000u32 {
            let src = if i < 200 { [127, 0, 0, 2] } else { [127, 0, 3, 1 + (i % 16) as u8] };
            let req = req.clone();
            let s = connect_from(src, port).await;
            tasks.push(tokio::spawn(async move {
                let mut s = s.ok()?;
                s.write_all(req.as_bytes()).await.ok()?;
                let mut got = vec![];
                let _ = tokio::time::timeout(Duration::from_secs(40), s.read_to_end(&mut got)).await;
                Some(String::from_utf8_lossy(&got).to_string())
            }));
            if i + 1 == per_ip || i == 199 {
                // Let those get in before the next ones arrive.
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        let mut v = vec![];
        for t in tasks {
            v.push(t.await.unwrap().unwrap_or_default());
        }
        v
    });
    probe.finish();
    let mut o = Outcomes::default();
    for a in &answers {
        classify(a, &mut o);
    }
    eprintln!("1000 long-polls: {o:?}");
    let cap = logged_cap(&d, "long_polls");
    assert!(o.ok >= 1 && o.ok <= cap, "more long-polls waited than the cap ({cap}): {o:?}");
    assert!(o.per_client > 0, "no 429 for the address over its cap: {o:?}");
    assert!(o.long_polls_full > 0, "no 503 over the long-poll cap: {o:?}");
    back_to_baseline(&d, fds, tasks);
}

/// How a trickled request ended: the status the box answered with, and when.
async fn trickle_login(src: [u8; 4], port: u16) -> (u16, String, Duration) {
    let t0 = Instant::now();
    let mut s = match connect_from(src, port).await {
        Ok(s) => s,
        Err(e) => return (0, format!("connect: {e}"), t0.elapsed()),
    };
    let head = "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"password\": \"";
    if s.write_all(head.as_bytes()).await.is_err() {
        return (0, "write".into(), t0.elapsed());
    }
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while t0.elapsed() < Duration::from_secs(60) {
        tokio::select! {
            r = s.read(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).to_string();
                    if let Some(body_at) = text.find("\r\n\r\n") {
                        let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
                        let body = &text[body_at + 4..];
                        if body.contains('}') {
                            return (status, body.to_string(), t0.elapsed());
                        }
                    }
                }
            },
            // One byte a second: the stall timer alone never fires on this.
            _ = tokio::time::sleep(Duration::from_secs(1)) => {
                if s.write_all(b"a").await.is_err() {
                    break;
                }
            }
        }
    }
    (0, String::from_utf8_lossy(&got).to_string(), t0.elapsed())
}

#[test]
fn trickled_bodies_are_cut_and_one_address_holds_only_its_share() {
    raise_nofile();
    let d = Daemon::start();
    let per_ip = logged_cap(&d, "requests_per_ip");
    let requests = logged_cap(&d, "requests");
    let addresses = 3usize;
    assert!(addresses * per_ip < requests, "the test keeps under the box-wide cap: {per_ip} × {addresses} vs {requests}");
    let probe = HealthProbe::start(d.url("/api/v1/health"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let port = d.http;
    let extra = 6;
    let ends = rt.block_on(async move {
        let mut tasks = vec![];
        for a in 0..addresses {
            for _ in 0..per_ip + extra {
                tasks.push(tokio::spawn(trickle_login([127, 0, 2, 1 + a as u8], port)));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let mut ends = vec![];
        for t in tasks {
            ends.push(t.await.unwrap());
        }
        ends
    });
    probe.finish();
    // Over the address's share: refused as requests or, once its connections are all busy, as
    // connections (on plain HTTP/1.1 both caps are the same number).
    let over: Vec<_> = ends.iter().filter(|(s, b, _)| *s == 429 && (b.contains("too_many_requests") || b.contains("too_many_connections"))).collect();
    let cut: Vec<_> = ends.iter().filter(|(s, b, _)| *s == 408 && b.contains("slow_body")).collect();
    let slowest_cut = cut.iter().map(|(_, _, t)| *t).max().unwrap_or_default();
    eprintln!(
        "{} trickled logins: {} over the address's share (429), {} cut as too slow (408), the last after {slowest_cut:?}",
        ends.len(),
        over.len(),
        cut.len()
    );
    assert_eq!(over.len(), addresses * extra, "{ends:?}");
    assert_eq!(cut.len(), addresses * per_ip, "{ends:?}");
    // Cut after the 5 s grace, long before the 4000 bytes would have come (over an hour).
    assert!(cut.iter().all(|(_, _, t)| *t >= Duration::from_secs(5) && *t < Duration::from_secs(40)), "{cut:?}");
    // And the owner logs in afterwards as ever.
    let r = ureq::post(&d.url("/api/v1/login")).send_json(serde_json::json!({"password": PASSWORD})).unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn cleartext_http2_is_not_spoken() {
    let d = Daemon::start();
    let mut t = std::net::TcpStream::connect(("127.0.0.1", d.http)).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    use std::io::{Read, Write};
    // The HTTP/2 connection preface with prior knowledge, then an empty SETTINGS frame.
    t.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00").unwrap();
    let mut buf = [0u8; 256];
    let mut got = vec![];
    while let Ok(n) = t.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    // A server speaking h2c answers with its own SETTINGS frame (type 4 at byte 3); this one
    // answers as HTTP/1 (a 4xx) or closes.
    let h2_settings = got.len() >= 9 && got[3] == 4;
    assert!(!h2_settings, "the box spoke HTTP/2 over cleartext: {got:?}");
    assert!(got.is_empty() || got.starts_with(b"HTTP/1.1 4"), "{:?}", String::from_utf8_lossy(&got));
    // HTTP/1.1 still works on the same port.
    assert_eq!(ureq::get(&d.url("/api/v1/health")).call().unwrap().status(), 200);
}
