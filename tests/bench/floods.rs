//! RTMP flood benchmark: the floods of tests/tests/rtmp_hostile.rs, each thrown at a fresh onaird
//! and a fresh nginx-rtmp (its defaults: max_message 1 MiB, 60 s timeout) while ffmpeg publishes a
//! real feed. Prints each server's peak RSS, whether it lived, the share of the feed's video frames
//! that got through (onaird: relayed to an nginx sink; nginx: its own recording) and how long
//! ffmpeg took to get in. Run with `scripts/bench-rtmp-floods.sh` (release build).
use std::path::Path;
use std::time::{Duration, Instant};

use onair_e2e::floods::*;
use onair_e2e::*;

#[derive(Clone, Copy, PartialEq)]
enum Flood {
    None,
    DeepAmf,
    Partial,
    Trickle,
}

impl Flood {
    fn name(self) -> &'static str {
        match self {
            Flood::None => "no flood",
            Flood::DeepAmf => "deep AMF (200k and 12k levels) + short commands, 3 each",
            Flood::Partial => "8 conns x 64 partial 8 MiB messages",
            Flood::Trickle => "40 handshaken sockets, a byte every 5 s",
        }
    }
}

/// Samples a process's peak RSS until stopped: a server that dies keeps its last figure.
struct RssWatch {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    t: std::thread::JoinHandle<f64>,
}

impl RssWatch {
    fn start(pid: u32) -> RssWatch {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let st = stop.clone();
        let t = std::thread::spawn(move || {
            let mut peak: f64 = 0.0;
            while !st.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(peak_rss_mb(pid));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak.max(peak_rss_mb(pid))
        });
        RssWatch { stop, t }
    }

    fn peak(self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.t.join().unwrap_or(0.0)
    }
}

struct Row {
    rss_mb: f64,
    alive: bool,
    delivered: f64,
    publish_ms: Option<u128>,
}

/// Runs `flood` at `port` from a thread, starting `after` into the feed.
fn throw(flood: Flood, port: u16, after: Duration) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        match flood {
            Flood::DeepAmf => {
                deep_amf(port, 200_000, 3);
                deep_amf(port, 12_000, 3);
                for _ in 0..3 {
                    if let Ok(mut s) = handshaken(port) {
                        let _ = std::io::Write::write_all(&mut s, &message(20, 0, short_command("connect")));
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
            }
            Flood::Partial => {
                partial_flood(port, 8, 64, 8 << 20, None, Duration::from_secs(15));
            }
            Flood::None | Flood::Trickle => {}
        }
    })
}

fn frames_of(recs: &[std::path::PathBuf]) -> u64 {
    recs.iter().map(|r| probe(r).vframes).sum()
}

fn onaird(flood: Flood, clip: &Path, pushed: u64) -> Row {
    let mut sink = Nginx::start();
    let mut d = Daemon::start();
    let pid = d.pid();
    let rss = RssWatch::start(pid);
    let id = d.add_destination("sink", &sink.url(), "sk_bench_floods_0001");
    let trickle = (flood == Flood::Trickle).then(|| Trickle::start(d.rtmp, 40, 10, Duration::from_secs(5)));
    if let Some(t) = &trickle {
        wait_until(Duration::from_secs(10), || t.handshaken.load(std::sync::atomic::Ordering::Relaxed) >= 32);
    }
    let t0 = Instant::now();
    let mut ff = Ffmpeg::publish(clip, &d.ingest_url(), "flv");
    let published = wait_until(Duration::from_secs(60), || d.get("/api/v1/ingest")["connected"] == true);
    let publish_ms = published.then(|| t0.elapsed().as_millis());
    d.post("/api/v1/live/start", serde_json::json!({}));
    wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live");
    let f = throw(flood, d.rtmp, Duration::from_secs(2));
    ff.wait(Duration::from_secs(120));
    let _ = f.join();
    drop(trickle);
    let alive = alive(pid);
    let rss_mb = rss.peak();
    sink.stop();
    Row { rss_mb, alive, delivered: frames_of(&sink.recordings()) as f64 / pushed as f64, publish_ms }
}

fn nginx(flood: Flood, clip: &Path, pushed: u64) -> Row {
    let mut n = Nginx::start();
    let pid = n.pid();
    let rss = RssWatch::start(pid);
    let trickle = (flood == Flood::Trickle).then(|| Trickle::start(n.port, 40, 10, Duration::from_secs(5)));
    if let Some(t) = &trickle {
        wait_until(Duration::from_secs(10), || t.handshaken.load(std::sync::atomic::Ordering::Relaxed) >= 32);
    }
    let t0 = Instant::now();
    let mut ff = Ffmpeg::publish(clip, &format!("{}/feed", n.url()), "flv");
    // nginx opens its recording when the publish is accepted.
    let published = wait_until(Duration::from_secs(60), || !n.recordings().is_empty());
    let publish_ms = published.then(|| t0.elapsed().as_millis());
    let f = throw(flood, n.port, Duration::from_secs(2));
    ff.wait(Duration::from_secs(120));
    let _ = f.join();
    drop(trickle);
    let alive = alive(pid);
    let rss_mb = rss.peak();
    n.stop();
    Row { rss_mb, alive, delivered: frames_of(&n.recordings()) as f64 / pushed as f64, publish_ms }
}

fn main() {
    let clip = clip(20, 1280, 720, 30);
    let pushed = frames_in(&clip);
    println!("RTMP floods during a 20 s 720p30 feed ({pushed} video frames), each on a fresh server");
    println!("{:<58} {:<8} {:>9} {:>6} {:>10} {:>11}", "flood", "server", "peak RSS", "alive", "delivered", "publish in");
    for flood in [Flood::None, Flood::DeepAmf, Flood::Partial, Flood::Trickle] {
        for (server, row) in [("onaird", onaird(flood, &clip, pushed)), ("nginx", nginx(flood, &clip, pushed))] {
            println!(
                "{:<58} {:<8} {:>6.0} MB {:>6} {:>9.1}% {:>11}",
                flood.name(),
                server,
                row.rss_mb,
                if row.alive { "yes" } else { "NO" },
                row.delivered * 100.0,
                row.publish_ms.map_or("never".to_string(), |ms| format!("{ms} ms")),
            );
        }
    }
}
