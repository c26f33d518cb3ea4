//! Relay benchmark: onaird vs nginx-rtmp `push`, same feed, same destinations, same run.
//! Prints CPU seconds, peak RSS and the added latency of the hop for 1, 3 and 5 destinations.
//! Run with `scripts/bench-relay.sh` (release build).
mod rtmp;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onair_e2e::*;

/// (name, user + system CPU ticks) from a `/proc/.../stat` file.
fn stat_ticks(path: &str) -> (String, u64) {
    let s = std::fs::read_to_string(path).unwrap_or_default();
    let name = s.split_once('(').and_then(|x| x.1.rsplit_once(')')).map(|x| x.0.to_string()).unwrap_or_default();
    let rest = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    (name, f.get(11).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0))
}

fn ticks(pid: u32) -> u64 {
    stat_ticks(&format!("/proc/{pid}/stat")).1
}

/// CPU ticks per thread name, to see where a process spends its time.
fn thread_ticks(pid: u32) -> std::collections::BTreeMap<String, u64> {
    let mut m = std::collections::BTreeMap::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let (name, n) = stat_ticks(&format!("{}/stat", t.path().display()));
        *m.entry(name).or_insert(0) += n;
    }
    m
}

/// (context switches of all its threads, read+write syscalls) of a process so far.
fn wakeups(pid: u32) -> (u64, u64) {
    let field = |s: &str, k: &str| s.lines().find(|l| l.starts_with(k)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let mut switches = 0;
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let st = std::fs::read_to_string(t.path().join("status")).unwrap_or_default();
        switches += field(&st, "voluntary_ctxt_switches:") + field(&st, "nonvoluntary_ctxt_switches:");
    }
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    (switches, field(&io, "syscr:") + field(&io, "syscw:"))
}

fn peak_rss_mb(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

struct Result {
    cpu_s: f64,
    rss_mb: f64,
    lat_ms: (f64, f64, usize),
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort();
    v[((v.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0
}

fn frames(clip: &std::path::Path) -> Vec<onair::media::Frame> {
    let mut r = onair::media::flv::Reader::default();
    r.push(&std::fs::read(clip).unwrap());
    let mut v = vec![];
    while let Ok(Some(f)) = r.next_frame() {
        v.push(f);
    }
    v
}

fn sink() -> (u16, rtmp::Sent, Arc<Mutex<Vec<Duration>>>, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let sent: rtmp::Sent = Default::default();
    let delays: Arc<Mutex<Vec<Duration>>> = Default::default();
    let (s2, d2) = (sent.clone(), delays.clone());
    let h = std::thread::spawn(move || rtmp::sink(l, s2, d2));
    (port, sent, delays, h)
}

fn run_onair(n: usize, feed: &[onair::media::Frame]) -> Result {
    let dests: Vec<Nginx> = (1..n).map(|_| Nginx::start_app("")).collect();
    let (sport, sent, delays, _h) = sink();
    // Same work as nginx: RTMP in, RTMP out. The SRT listener's own idle cost is measured apart.
    let mut d = Daemon::start_with(&["--srt", "off"]);
    for (i, x) in dests.iter().enumerate() {
        d.add_destination(&format!("n{i}"), &x.url(), "bench");
    }
    d.add_destination("probe", &format!("rtmp://127.0.0.1:{sport}/app"), "bench");
    let key = d.ingest_key();
    let port = d.rtmp;
    let feed2 = feed.to_vec();
    let s2 = sent.clone();
    let pid = d.pid();
    let t0 = ticks(pid);
    let (th0, w0) = (thread_ticks(pid), wakeups(pid));
    let publisher = std::thread::spawn(move || rtmp::publish(port, "live", &key, &feed2, s2));
    assert!(d.wait_ingest_connected());
    d.post("/api/v1/live/start", serde_json::json!({}));
    publisher.join().unwrap();
    let cpu = (ticks(pid) - t0) as f64 / 100.0;
    let (th1, w1) = (thread_ticks(pid), wakeups(pid));
    let per: Vec<String> = th1.iter().map(|(k, v)| (k, v.saturating_sub(th0.get(k).copied().unwrap_or(0)))).filter(|(_, d)| *d > 0).map(|(k, d)| format!("{k} {:.2}", d as f64 / 100.0)).collect();
    eprintln!("  onaird N={n}: {} context switches, {} read/write calls; CPU s by thread: {}", w1.0 - w0.0, w1.1 - w0.1, per.join(", "));
    let rss = peak_rss_mb(pid);
    d.post("/api/v1/live/stop", serde_json::json!({}));
    let mut v = delays.lock().unwrap().clone();
    let count = v.len();
    Result { cpu_s: cpu, rss_mb: rss, lat_ms: (percentile(&mut v, 0.5), percentile(&mut v, 0.95), count) }
}

fn run_nginx(n: usize, feed: &[onair::media::Frame]) -> Result {
    let dests: Vec<Nginx> = (1..n).map(|_| Nginx::start_app("")).collect();
    let (sport, sent, delays, _h) = sink();
    let mut pushes: String = dests.iter().map(|x| format!("push rtmp://127.0.0.1:{}/app; ", x.port)).collect();
    pushes.push_str(&format!("push rtmp://127.0.0.1:{sport}/app;"));
    let relay = Nginx::start_app(&pushes);
    let pid = relay.pid();
    let t0 = ticks(pid);
    let w0 = wakeups(pid);
    rtmp::publish(relay.port, "app", "bench", feed, sent);
    let cpu = (ticks(pid) - t0) as f64 / 100.0;
    let w1 = wakeups(pid);
    eprintln!("  nginx  N={n}: {} context switches, {} read/write calls", w1.0 - w0.0, w1.1 - w0.1);
    let rss = peak_rss_mb(pid);
    std::thread::sleep(Duration::from_millis(300));
    let mut v = delays.lock().unwrap().clone();
    let count = v.len();
    Result { cpu_s: cpu, rss_mb: rss, lat_ms: (percentile(&mut v, 0.5), percentile(&mut v, 0.95), count) }
}

/// CPU an idle daemon spends in `secs` seconds, with and without the SRT listener.
fn idle_cost(secs: u64) -> (f64, f64) {
    let mut out = [0.0; 2];
    for (i, args) in [vec!["--srt", "off"], vec![]].iter().enumerate() {
        let d = Daemon::start_with(args);
        std::thread::sleep(Duration::from_secs(1));
        let t0 = ticks(d.pid());
        std::thread::sleep(Duration::from_secs(secs));
        out[i] = (ticks(d.pid()) - t0) as f64 / 100.0;
    }
    (out[0], out[1])
}

fn main() {
    let secs: u32 = std::env::var("BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    eprintln!("preparing a {secs} s 1080p30 6 Mbit/s H.264+AAC clip (cached) ...");
    let clip = clip_kbps(secs, 1920, 1080, 30, 6000);
    let feed = frames(&clip);
    println!("relay benchmark: {secs} s of 1080p30 at 6 Mbit/s, one publisher, N destinations (N-1 nginx-rtmp + 1 latency probe)");
    println!("{:>3} | {:>14} {:>14} {:>7} | {:>12} {:>12} | {:>22} {:>22}", "N", "onaird CPU s", "nginx CPU s", "ratio", "onaird RSS", "nginx RSS", "onaird hop p50/p95 ms", "nginx hop p50/p95 ms");
    let ns: Vec<usize> = std::env::var("BENCH_N").ok().map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_else(|| vec![1, 3, 5]);
    for n in ns {
        let o = run_onair(n, &feed);
        let x = run_nginx(n, &feed);
        println!(
            "{n:>3} | {:>14.2} {:>14.2} {:>7.2} | {:>9.1} MB {:>9.1} MB | {:>10.1} / {:>5.1} ({:>4}) {:>10.1} / {:>5.1} ({:>4})",
            o.cpu_s, x.cpu_s, o.cpu_s / x.cpu_s.max(0.01), o.rss_mb, x.rss_mb, o.lat_ms.0, o.lat_ms.1, o.lat_ms.2, x.lat_ms.0, x.lat_ms.1, x.lat_ms.2
        );
    }
    let (off, on) = idle_cost(secs as u64);
    println!("idle onaird, {secs} s: {off:.2} CPU s with SRT off, {on:.2} CPU s with the SRT listener on (libsrt polls while waiting)");
}
