//! Transcode benchmark (not a test): the CPU and memory of the box's per-destination transcodes,
//! next to ffmpeg doing the same crop, scale and x264 encode of the same feed in the same run.
//! Run with `scripts/bench-transcode.sh` (release build).
use std::time::{Duration, Instant};

use onair_e2e::*;
use serde_json::json;

fn ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<&str> = s.rsplit_once(')').map(|x| x.1).unwrap_or("").split_whitespace().collect();
    f.get(11).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0)
}

fn rss_mb(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

fn clk_tck() -> f64 {
    // SAFETY: sysconf reads a constant.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

/// CPU seconds per `secs` and peak RSS of `pid`, from 3 s in: connects, the decoder and the
/// encoders' start are not the steady cost.
fn measure(pid: u32, secs: u64) -> (f64, f64) {
    std::thread::sleep(Duration::from_secs(3));
    let (t0, c0) = (Instant::now(), ticks(pid));
    let mut peak: f64 = 0.0;
    while t0.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_millis(500));
        peak = peak.max(rss_mb(pid));
    }
    ((ticks(pid) - c0) as f64 / clk_tck() / t0.elapsed().as_secs_f64() * secs as f64, peak)
}

struct Run {
    cpu_s: f64,
    rss_mb: f64,
    frames: Vec<(String, u64)>,
}

/// One show of `secs` of `clip` through a fresh box with `outputs` (each `null` for passthrough).
fn show(clip: &std::path::Path, secs: u64, outputs: &[(&str, serde_json::Value)]) -> Run {
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    for (key, output) in outputs {
        d.post("/api/v1/destinations", json!({"name": key, "platform": "custom", "url": n.url(), "stream_key": key, "output": output}));
    }
    let pid = d.pid();
    let _ff = d.go_live_with(clip);
    let (cpu_s, peak) = measure(pid, secs);
    d.post("/api/v1/live/stop", json!({}));
    n.stop();
    let frames = outputs
        .iter()
        .map(|(key, _)| (key.to_string(), n.recordings().iter().find(|p| p.to_string_lossy().contains(key)).map(|p| probe(p).vframes).unwrap_or(0)))
        .collect();
    Run { cpu_s, rss_mb: peak, frames }
}

/// ffmpeg decoding the same clip and doing the vertical output's crop, scale and encode.
fn ffmpeg_vertical(clip: &std::path::Path, secs: u64) -> (f64, f64) {
    let n = Nginx::start();
    let url = format!("{}/ffmpeg_vertical", n.url());
    let mut ff = Ffmpeg::run(&[
        "-re",
        "-i",
        clip.to_str().unwrap(),
        "-vf",
        "crop=606:1080:657:0,scale=720:1280",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-b:v",
        "2764k",
        "-g",
        "60",
        "-bf",
        "0",
        "-c:a",
        "copy",
        "-f",
        "flv",
        &url,
    ]);
    let (cpu, peak) = measure(ff.pid(), secs);
    ff.stop();
    (cpu, peak)
}

fn main() {
    let secs = std::env::var("BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(20u64);
    let clip = clip_kbps(secs as u32 + 8, 1920, 1080, 30, 6000);
    let null = serde_json::Value::Null;
    let vertical = json!({"width": 720, "height": 1280, "fit": "crop"});
    let pass = show(&clip, secs, &[("pass_a", null.clone()), ("pass_b", null.clone())]);
    let one = show(&clip, secs, &[("pass_a", null.clone()), ("pass_b", null.clone()), ("vertical", vertical.clone())]);
    let three = show(
        &clip,
        secs,
        &[
            ("pass_a", null.clone()),
            ("pass_b", null.clone()),
            ("vertical", vertical.clone()),
            ("cap720", json!({"width": 1280, "height": 720, "max_kbps": 2500})),
            ("cap480", json!({"width": 854, "height": 480, "max_kbps": 1200})),
        ],
    );
    let (ff_cpu, ff_rss) = ffmpeg_vertical(&clip, secs);
    println!("1080p30 H.264 feed (6 Mb/s), {secs} s measured after 3 s; CPU seconds per {secs} s (1.0 = one core for the whole time)");
    println!("{:<52} {:>8} {:>9}", "", "CPU s", "RSS MB");
    println!("{:<52} {:>8.2} {:>9.0}", "onaird, 2 passthrough outputs", pass.cpu_s, pass.rss_mb);
    println!("{:<52} {:>8.2} {:>9.0}", "onaird, 2 passthrough + 720x1280 crop (x264 veryfast)", one.cpu_s, one.rss_mb);
    println!("{:<52} {:>8.2} {:>9.0}", "onaird, 2 passthrough + 3 transcoded (9:16, 720p, 480p)", three.cpu_s, three.rss_mb);
    println!("{:<52} {:>8.2} {:>9.0}", "ffmpeg, the same 720x1280 crop from the same feed", ff_cpu, ff_rss);
    let cost = one.cpu_s - pass.cpu_s;
    println!("the vertical output's own cost in onaird: {cost:.2} CPU s = {:.2}x ffmpeg's", cost / ff_cpu.max(0.01));
    for r in [&pass, &one, &three] {
        println!("frames at the receivers: {:?}", r.frames);
    }
}
