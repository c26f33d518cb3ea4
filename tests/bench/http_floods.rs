//! HTTP flood benchmark (not a test): `/api/v1/health` p95 and the server's peak RSS with no flood,
//! under 1000 slowloris connections, and under 1000 long-polls; onaird next to nginx's HTTP server
//! (its defaults: `client_header_timeout` 60 s; Debian's `worker_connections 768`, one worker).
//! Loopback only. Run with `scripts/bench-http-floods.sh` (release build).
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use onair_e2e::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const FLOOD: u32 = 1000;
const PHASE: Duration = Duration::from_secs(25);

fn rss_kb(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse().ok()).unwrap_or(0)
}

/// One `/health` request on a fresh connection: its time, or None if it failed or took over 5 s.
fn health_once(port: u16, path: &str) -> Option<Duration> {
    let t0 = Instant::now();
    let mut s = TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_secs(5)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").as_bytes()).ok()?;
    let mut got = vec![];
    s.read_to_end(&mut got).ok()?;
    got.starts_with(b"HTTP/1.1 200").then(|| t0.elapsed())
}

struct Figures {
    p95_ms: f64,
    failed: usize,
    asked: usize,
    peak_rss_mb: f64,
    peak_fds: u64,
}

/// Probes `/health` every 50 ms and samples the server's RSS while `flood` runs.
fn measure(port: u16, pid: u32, path: &str, flood: impl FnOnce() + Send + 'static) -> Figures {
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_kb(pid)));
    let fds = Arc::new(AtomicU64::new(0));
    let (d, p, f) = (done.clone(), peak.clone(), fds.clone());
    let sampler = std::thread::spawn(move || {
        while !d.load(Ordering::SeqCst) {
            p.fetch_max(rss_kb(pid), Ordering::SeqCst);
            f.fetch_max(std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count() as u64).unwrap_or(0), Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let flooder = std::thread::spawn(flood);
    let mut times = vec![];
    let mut failed = 0;
    let t0 = Instant::now();
    while t0.elapsed() < PHASE {
        match health_once(port, path) {
            Some(t) => times.push(t),
            None => failed += 1,
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    flooder.join().unwrap();
    done.store(true, Ordering::SeqCst);
    sampler.join().unwrap();
    times.sort();
    // A failed probe counts as the slowest.
    let asked = times.len() + failed;
    let at = ((asked as f64) * 0.95).ceil() as usize;
    let p95 = if at > times.len() { Duration::from_secs(5) } else { times[at.saturating_sub(1)] };
    Figures {
        p95_ms: p95.as_secs_f64() * 1000.0,
        failed,
        asked,
        peak_rss_mb: peak.load(Ordering::SeqCst) as f64 / 1024.0,
        peak_fds: fds.load(Ordering::SeqCst),
    }
}

/// `FLOOD` connections from 20 loopback addresses, each holding `request` (or, for slowloris, the
/// start of one, then a header line every 2 s, never the end) for the phase.
fn flood(port: u16, request: String, slow: bool) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        // As an attacker does: every connection opened and its request started first, one after
        // the other, then each one held.
        let mut streams = vec![];
        for i in 0..FLOOD {
            let src = SocketAddr::from(([127, 0, 1, 1 + (i % 20) as u8], 0));
            let Ok(sock) = TcpSocket::new_v4() else { continue };
            if sock.bind(src).is_err() {
                continue;
            }
            let Ok(Ok(mut s)) = tokio::time::timeout(Duration::from_secs(2), sock.connect(SocketAddr::from(([127, 0, 0, 1], port)))).await else { continue };
            if s.write_all(request.as_bytes()).await.is_ok() {
                streams.push(s);
            }
        }
        let end = Instant::now() + PHASE - Duration::from_secs(1);
        let mut tasks = vec![];
        for mut s in streams {
            tasks.push(tokio::spawn(async move {
                let mut buf = [0u8; 512];
                while Instant::now() < end {
                    tokio::select! {
                        r = s.read(&mut buf) => if matches!(r, Ok(0) | Err(_)) { return },
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {
                            if slow && s.write_all(b"X-Slow: 1\r\n").await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

struct NginxHttp {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl NginxHttp {
    fn start() -> NginxHttp {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let d = dir.path().display();
        let conf = format!(
            "daemon off; master_process off; worker_processes 1;\n\
             error_log {d}/error.log warn; pid {d}/nginx.pid;\n\
             events {{ worker_connections 768; }}\n\
             http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
               server {{ listen 127.0.0.1:{port};\n\
                 location = /api/v1/health {{ default_type application/json; return 200 '{{\"status\":\"ok\"}}'; }} }} }}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new("nginx")
            .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf"), "-e", &format!("{d}/error.log")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx is installed: scripts/install-deps.sh test");
        assert!(wait_until(Duration::from_secs(10), || TcpStream::connect(("127.0.0.1", port)).is_ok()), "nginx did not start");
        NginxHttp { child, port, _dir: dir }
    }
}

impl Drop for NginxHttp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn row(what: &str, who: &str, f: &Figures) {
    println!("{what:<22} {who:<7} {:>9.1} {:>8}/{:<5} {:>10.1} {:>10}", f.p95_ms, f.failed, f.asked, f.peak_rss_mb, f.peak_fds);
}

fn main() {
    // nginx inherits this too (its 768 connections need the descriptors).
    raise_nofile();
    let mut d = Daemon::start();
    let k = d.get("/api/v1/guests/view-links")["grid"]["token"].as_str().unwrap_or_default().to_string();
    let n = NginxHttp::start();
    let (dp, dpid, np, npid) = (d.http, d.pid(), n.port, n.child.id());
    let health = "/api/v1/health";
    println!("{:<22} {:<7} {:>9} {:>14} {:>10} {:>10}", "flood", "server", "p95 ms", "failed/asked", "peak MB", "peak fds");
    row("none", "onaird", &measure(dp, dpid, health, || {}));
    row("none", "nginx", &measure(np, npid, health, || {}));
    let slow = |port: u16| format!("GET {health} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    let s = slow(dp);
    row("1000 slowloris", "onaird", &measure(dp, dpid, health, move || flood(dp, s, true)));
    let s = slow(np);
    row("1000 slowloris", "nginx", &measure(np, npid, health, move || flood(np, s, true)));
    // Let the slowloris connections of nginx's run go before the next phase.
    std::thread::sleep(Duration::from_secs(2));
    let lp = format!("GET /guests/grid/list?known=&k={k} HTTP/1.1\r\nHost: 127.0.0.1:{dp}\r\n\r\n");
    row("1000 grid long-polls", "onaird", &measure(dp, dpid, health, move || flood(dp, lp, false)));
    println!("(nginx has no long-poll of its own; a failed /health probe counts as 5 s)");
}
