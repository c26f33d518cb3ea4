//! A long show on a flaky uplink, for `scripts/soak.sh` and the short memory test: what the box's
//! process holds (RSS, threads, open files) while destinations die, the show pauses and the feed drops.
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{wait_until, Daemon, Nginx};

/// What a process holds now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Held {
    pub rss_mb: f64,
    pub threads: u32,
    pub open_files: u32,
}

impl Held {
    pub fn of(pid: u32) -> Held {
        let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |k: &str| s.lines().find(|l| l.starts_with(k)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        let open_files = std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count() as u32).unwrap_or(0);
        Held { rss_mb: field("VmRSS:") / 1024.0, threads: field("Threads:") as u32, open_files }
    }
}

/// User + system CPU seconds a process has used so far.
pub fn cpu_seconds(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<&str> = s.rsplit_once(')').map(|x| x.1).unwrap_or("").split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Clock ticks of 1/100 s (USER_HZ on Linux).
    (tick(11) + tick(12)) / 100.0
}

/// ffmpeg publishing `clip` in a loop, for ever, until dropped.
pub struct Looping(Child);

impl Looping {
    pub fn publish(clip: &Path, url: &str) -> Looping {
        let child = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1", "-i"])
            .arg(clip)
            .args(["-c", "copy", "-f", "flv", url])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ffmpeg");
        Looping(child)
    }
}

impl Drop for Looping {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One pause (the slate on air) and the resume back to the feed.
pub fn pause_and_resume(d: &mut Daemon) {
    d.post("/api/v1/live/pause", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/status")["on_air"] == "slate"), "the slate never went on air");
    std::thread::sleep(Duration::from_secs(1));
    d.post("/api/v1/live/resume", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/status")["on_air"] == "feed"), "the feed never came back on air");
}

/// The soak's pattern: 3 destinations, one killed (and back 5 s later) every minute, a 20 s pause
/// every 5 minutes, a 10 s feed drop every 5 minutes (offset by 2.5); `report` gets a sample every 30 s.
pub fn flaky_show(minutes: u64, clip: &Path, mut report: impl FnMut(Duration, Held, &str)) {
    let mut d = Daemon::start_with(&["--srt", "off"]);
    let mut dests: Vec<Nginx> = (0..3).map(|_| Nginx::start()).collect();
    let ids: Vec<i64> = dests.iter().enumerate().map(|(i, n)| d.add_destination(&format!("soak{i}"), &n.url(), &format!("sk_soak_000{i}"))).collect();
    let url = d.ingest_url();
    let mut feed = Some(Looping::publish(clip, &url));
    assert!(d.wait_ingest_connected());
    d.post("/api/v1/live/start", serde_json::json!({}));
    let t0 = Instant::now();
    let end = Duration::from_secs(minutes * 60);
    let (mut next_sample, mut next_kill, mut next_pause, mut next_drop) =
        (Duration::ZERO, Duration::from_secs(60), Duration::from_secs(300), Duration::from_secs(150));
    let mut dead_until: Option<Duration> = None;
    let mut drop_until: Option<Duration> = None;
    let mut what = String::from("live");
    while t0.elapsed() < end {
        let now = t0.elapsed();
        if now >= next_sample {
            report(now, Held::of(d.pid()), &what);
            next_sample += Duration::from_secs(30);
        }
        if now >= next_kill {
            dests[2].kill();
            dead_until = Some(now + Duration::from_secs(5));
            next_kill += Duration::from_secs(60);
            what = "a destination killed".into();
        }
        if dead_until.is_some_and(|t| now >= t) {
            dests[2].restart();
            dead_until = None;
        }
        if now >= next_pause {
            d.post("/api/v1/live/pause", serde_json::json!({}));
            std::thread::sleep(Duration::from_secs(20));
            d.post("/api/v1/live/resume", serde_json::json!({}));
            next_pause += Duration::from_secs(300);
            what = "after a pause".into();
        }
        if now >= next_drop {
            feed = None;
            drop_until = Some(now + Duration::from_secs(10));
            next_drop += Duration::from_secs(300);
            what = "after a feed drop".into();
        }
        if drop_until.is_some_and(|t| now >= t) {
            feed = Some(Looping::publish(clip, &url));
            drop_until = None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    report(t0.elapsed(), Held::of(d.pid()), "end");
    for (i, id) in ids.iter().enumerate() {
        let s = d.destination_status(*id);
        let role = if i == 2 { "killed every minute" } else { "healthy" };
        println!("destination {i} ({role}): state {}, reconnects {}, dropped frames {}", s["state"], s["reconnects"], s["dropped_frames"]);
    }
    drop(feed);
    d.post("/api/v1/live/stop", serde_json::json!({}));
}
