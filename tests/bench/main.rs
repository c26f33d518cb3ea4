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

/// CPU nanoseconds of each thread (the scheduler's exact figure, not ticks), by thread id, with
/// its name: to see where a process spends its time.
fn thread_ticks(pid: u32) -> std::collections::BTreeMap<u64, (String, u64)> {
    let mut m = std::collections::BTreeMap::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let Some(tid) = t.file_name().to_str().and_then(|s| s.parse::<u64>().ok()) else { continue };
        let name = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default().trim().to_string();
        let ns =
            std::fs::read_to_string(t.path().join("schedstat")).ok().and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok())).unwrap_or(0);
        m.insert(tid, (name, ns));
    }
    m
}

/// (voluntary, involuntary context switches) of all of a process's threads so far.
fn wakeups(pid: u32) -> (u64, u64) {
    let field =
        |s: &str, k: &str| s.lines().find(|l| l.starts_with(k)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let (mut vol, mut invol) = (0, 0);
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let st = std::fs::read_to_string(t.path().join("status")).unwrap_or_default();
        vol += field(&st, "voluntary_ctxt_switches:");
        invol += field(&st, "nonvoluntary_ctxt_switches:");
    }
    (vol, invol)
}

fn peak_rss_mb(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

/// `VmRSS` and `RssAnon` now, in MB.
fn rss_now_mb(pid: u32) -> (f64, f64) {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |k: &str| s.lines().find(|l| l.starts_with(k)).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()).unwrap_or(0.0);
    (kb("VmRSS:") / 1024.0, kb("RssAnon:") / 1024.0)
}

struct Result {
    cpu_s: f64,
    rss_mb: f64,
    /// RSS and its anonymous part at the end of the run, while still relaying.
    now_mb: (f64, f64),
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

/// A latency probe: an RTMP server that notes when each video frame arrived.
struct Probe {
    port: u16,
    sent: rtmp::Sent,
    delays: Arc<Mutex<Vec<Duration>>>,
}

impl Probe {
    fn start() -> Probe {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let sent: rtmp::Sent = Default::default();
        let delays: Arc<Mutex<Vec<Duration>>> = Default::default();
        let (s2, d2) = (sent.clone(), delays.clone());
        std::thread::spawn(move || rtmp::sink(l, s2, d2));
        Probe { port, sent, delays }
    }

    fn latency(&self) -> (f64, f64, usize) {
        let mut v = self.delays.lock().unwrap().clone();
        (percentile(&mut v, 0.5), percentile(&mut v, 0.95), v.len())
    }
}

/// What a process has used so far, to subtract: CPU ticks, per-thread ticks, context switches.
struct Usage {
    ticks: u64,
    threads: std::collections::BTreeMap<u64, (String, u64)>,
    switches: (u64, u64),
}

impl Usage {
    fn of(pid: u32) -> Usage {
        Usage { ticks: ticks(pid), threads: thread_ticks(pid), switches: wakeups(pid) }
    }

    /// CPU seconds since `self`, and a line on where they went.
    fn since(&self, pid: u32) -> (f64, String) {
        let now = Usage::of(pid);
        // Per thread first (a thread that ended in between is missing from `now`), then by name.
        let mut by_name = std::collections::BTreeMap::<&str, u64>::new();
        for (tid, (name, ns)) in &now.threads {
            *by_name.entry(name).or_default() += ns.saturating_sub(self.threads.get(tid).map_or(0, |t| t.1));
        }
        let per: Vec<String> = by_name.iter().filter(|(_, d)| **d >= 1_000_000).map(|(k, d)| format!("{k} {:.3}", *d as f64 / 1e9)).collect();
        let line = format!(
            "context switches {} voluntary, {} preempted; CPU s by thread: {}",
            now.switches.0 - self.switches.0,
            now.switches.1 - self.switches.1,
            per.join(", ")
        );
        ((now.ticks - self.ticks) as f64 / 100.0, line)
    }
}

/// onaird and nginx-rtmp relay the same feed to N destinations each, at the same time, from one
/// publisher: whatever else the (shared, noisy) machine does in that minute, both feel it.
fn run_pair(n: usize, feed: &[onair::media::Frame]) -> (Result, Result) {
    // N = 0 measures the ingest alone: no show live on onaird, no push on nginx.
    let onair_dests: Vec<Nginx> = (1..n).map(|_| Nginx::start_app("")).collect();
    let nginx_dests: Vec<Nginx> = (1..n).map(|_| Nginx::start_app("")).collect();
    let (onair_probe, nginx_probe) = (Probe::start(), Probe::start());

    // Same work as nginx: RTMP in, RTMP out. The SRT listener's own idle cost is measured apart.
    let mut d = Daemon::start_with(&["--srt", "off"]);
    for (i, x) in onair_dests.iter().enumerate() {
        d.add_destination(&format!("n{i}"), &x.url(), "bench");
    }
    if n > 0 {
        d.add_destination("probe", &format!("rtmp://127.0.0.1:{}/app", onair_probe.port), "bench");
    }
    let mut pushes: String = nginx_dests.iter().map(|x| format!("push rtmp://127.0.0.1:{}/app; ", x.port)).collect();
    if n > 0 {
        pushes.push_str(&format!("push rtmp://127.0.0.1:{}/app;", nginx_probe.port));
    }
    let relay = Nginx::start_app(&pushes);

    let targets = vec![
        rtmp::Target { port: d.rtmp, app: "live".into(), key: d.ingest_key(), sent: onair_probe.sent.clone() },
        rtmp::Target { port: relay.port, app: "app".into(), key: "bench".into(), sent: nginx_probe.sent.clone() },
    ];
    let (opid, npid) = (d.pid(), relay.pid());
    let (o0, n0) = (Usage::of(opid), Usage::of(npid));
    let feed2 = feed.to_vec();
    let publisher = std::thread::spawn(move || rtmp::publish(&targets, &feed2));
    assert!(d.wait_ingest_connected());
    if n > 0 {
        d.post("/api/v1/live/start", serde_json::json!({}));
    }
    publisher.join().unwrap();
    let ((ocpu, oline), (ncpu, nline)) = (o0.since(opid), n0.since(npid));
    eprintln!("  onaird N={n}: {oline}");
    eprintln!("  nginx  N={n}: {nline}");
    let (orss, nrss) = (peak_rss_mb(opid), peak_rss_mb(npid));
    let (onow, nnow) = (rss_now_mb(opid), rss_now_mb(npid));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    std::thread::sleep(Duration::from_millis(300));
    (
        Result { cpu_s: ocpu, rss_mb: orss, now_mb: onow, lat_ms: onair_probe.latency() },
        Result { cpu_s: ncpu, rss_mb: nrss, now_mb: nnow, lat_ms: nginx_probe.latency() },
    )
}

/// What the slate costs next to relaying (issue 22's goal: at most 2×): onaird relays the feed to 3
/// destinations, then carries the slate paused (the feed still arriving), then after the feed has
/// ended; nginx-rtmp relays the same feed to 3 at the same time. CPU per 10 s over 8 s windows, RSS now.
fn slate_costs(feed: &[onair::media::Frame]) {
    const WINDOW: Duration = Duration::from_secs(8);
    let per10 = |cpu: f64| cpu * 10.0 / WINDOW.as_secs_f64() * 1000.0;
    let dests: Vec<Nginx> = (0..3).map(|_| Nginx::start_app("")).collect();
    let ndests: Vec<Nginx> = (0..3).map(|_| Nginx::start_app("")).collect();
    let mut d = Daemon::start_with(&["--srt", "off"]);
    let ids: Vec<i64> = dests.iter().enumerate().map(|(i, x)| d.add_destination(&format!("n{i}"), &x.url(), "bench")).collect();
    let pushes: String = ndests.iter().map(|x| format!("push rtmp://127.0.0.1:{}/app; ", x.port)).collect();
    let relay = Nginx::start_app(&pushes);
    let targets = vec![
        rtmp::Target { port: d.rtmp, app: "live".into(), key: d.ingest_key(), sent: Default::default() },
        rtmp::Target { port: relay.port, app: "app".into(), key: "bench".into(), sent: Default::default() },
    ];
    let (opid, npid) = (d.pid(), relay.pid());
    let feed2 = feed.to_vec();
    let publisher = std::thread::spawn(move || rtmp::publish(&targets, &feed2));
    assert!(d.wait_ingest_connected());
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || ids.iter().all(|id| d.destination_status(*id)["state"] == "live")));
    std::thread::sleep(Duration::from_secs(2));
    let measure = |d: &mut Daemon| {
        let (o, n) = (Usage::of(opid), Usage::of(npid));
        std::thread::sleep(WINDOW);
        let ((ocpu, _), (ncpu, _)) = (o.since(opid), n.since(npid));
        (per10(ocpu), per10(ncpu), soak::Held::of(opid).rss_mb, d.get("/api/v1/status")["on_air"].as_str().unwrap_or("").to_string())
    };
    let relaying = measure(&mut d);
    d.post("/api/v1/live/pause", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/status")["on_air"] == "slate"));
    std::thread::sleep(Duration::from_secs(1));
    let paused = measure(&mut d);
    d.post("/api/v1/live/resume", serde_json::json!({}));
    publisher.join().unwrap();
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/status")["on_air"] == "slate"), "the slate after the feed ended");
    std::thread::sleep(Duration::from_secs(1));
    let lost = measure(&mut d);
    println!("slate cost, 1080p30 feed, 3 destinations each; CPU ms per 10 s (8 s windows), onaird RSS now");
    println!("{:<34} | {:>11} {:>9} {:>10} | {:>21}", "onaird", "CPU ms/10 s", "RSS MB", "× relaying", "nginx-rtmp CPU ms/10 s");
    for (name, (o, n, rss, on_air)) in [("relaying", &relaying), ("paused (slate, feed arriving)", &paused), ("feed lost (slate)", &lost)] {
        let nginx = if name.starts_with("feed lost") { format!("{n:.0} (no feed)") } else { format!("{n:.0} (relaying)") };
        println!("{:<34} | {o:>11.0} {rss:>9.1} {:>10.2} | {nginx:>21}   [on air: {on_air}]", name, o / relaying.0.max(0.1));
    }
    d.post("/api/v1/live/stop", serde_json::json!({}));
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let secs: u32 = std::env::var("BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let reps: usize = std::env::var("BENCH_REPEAT").ok().and_then(|s| s.parse().ok()).unwrap_or(3).max(1);
    let ns: Vec<usize> = std::env::var("BENCH_N").ok().map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect()).unwrap_or_else(|| vec![1, 3, 5]);
    eprintln!("preparing a {secs} s 1080p30 6 Mbit/s H.264+AAC clip (cached) ...");
    let clip = clip_kbps(secs, 1920, 1080, 30, 6000);
    let feed = frames(&clip);
    println!("relay benchmark: {secs} s of 1080p30 at 6 Mbit/s, N destinations (N-1 nginx-rtmp + 1 latency probe)");
    println!("onaird and nginx-rtmp relay the same feed at the same time; {reps} runs per N, medians (ratio: median of the runs' ratios)");
    println!(
        "{:>3} | {:>14} {:>14} {:>7} {:>13} | {:>12} {:>12} | {:>22} {:>11} | {:>22} {:>22}",
        "N",
        "onaird CPU s",
        "nginx CPU s",
        "ratio",
        "ratio range",
        "onaird RSS",
        "nginx RSS",
        "onaird RSS at end (anon)",
        "nginx at end",
        "onaird hop p50/p95 ms",
        "nginx hop p50/p95 ms"
    );
    for n in ns {
        let runs: Vec<(Result, Result)> = (0..reps).map(|_| run_pair(n, &feed)).collect();
        let ratios: Vec<f64> = runs.iter().map(|(o, x)| o.cpu_s / x.cpu_s.max(0.01)).collect();
        let (lo, hi) = ratios.iter().fold((f64::MAX, f64::MIN), |(a, b), r| (a.min(*r), b.max(*r)));
        let med = |f: &dyn Fn(&(Result, Result)) -> f64| median(runs.iter().map(f).collect());
        println!(
            "{n:>3} | {:>14.2} {:>14.2} {:>7.2} {:>13} | {:>9.1} MB {:>9.1} MB | {:>12.1} MB ({:>4.1}) {:>8.1} MB | {:>10.1} / {:>5.1} ({:>4}) {:>10.1} / {:>5.1} ({:>4})",
            med(&|r| r.0.cpu_s),
            med(&|r| r.1.cpu_s),
            median(ratios.clone()),
            format!("{lo:.2}-{hi:.2}"),
            med(&|r| r.0.rss_mb),
            med(&|r| r.1.rss_mb),
            med(&|r| r.0.now_mb.0),
            med(&|r| r.0.now_mb.1),
            med(&|r| r.1.now_mb.0),
            med(&|r| r.0.lat_ms.0),
            med(&|r| r.0.lat_ms.1),
            runs[0].0.lat_ms.2,
            med(&|r| r.1.lat_ms.0),
            med(&|r| r.1.lat_ms.1),
            runs[0].1.lat_ms.2,
        );
    }
    if secs >= 26 && std::env::var_os("BENCH_NO_SLATE").is_none() {
        slate_costs(&feed);
    }
    let (off, on) = idle_cost(secs as u64);
    println!("idle onaird, {secs} s: {off:.2} CPU s with SRT off, {on:.2} CPU s with the SRT port open (no caller)");
}
