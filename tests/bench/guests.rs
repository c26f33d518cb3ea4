//! SFU load, part of `scripts/bench-guests.sh`: guests publishing 720p30 VP8 at a real camera's
//! bitrate, each watched by several viewers; GStreamer peers on loopback (no browser: the viewers do
//! not decode, so the machine's two cores go to the box and to SRTP). Prints the box's CPU and RSS
//! over 20 s, what the viewers received, and the forwarded video streams one core of this machine
//! carries at that rate. Arguments: `GUESTSxVIEWERS` pairs (default 4x4 8x4 8x8).
use std::time::Duration;

use onair_e2e::sfu_load::{Publishers, Viewer};
use onair_e2e::soak::{cpu_seconds, Held};
use onair_e2e::*;

const KBPS: u32 = 2000;

fn main() {
    raise_nofile();
    let runs: Vec<(usize, usize)> =
        std::env::args().skip(1).filter_map(|a| a.split_once('x').and_then(|(g, v)| Some((g.parse().ok()?, v.parse().ok()?)))).collect();
    let runs = if runs.is_empty() { vec![(4, 4), (8, 4), (8, 8)] } else { runs };
    println!("SFU load: 1280x720 30 fps VP8 at {KBPS} kb/s (+ Opus) per guest; box CPU and RSS over 20 s");
    println!(
        "{:>13} | {:>9} {:>16} | {:>12} {:>7} | {:>15}",
        "guests×viewers", "guest kb/s", "viewer kb/s min/avg", "box CPU %core", "RSS MB", "streams per core"
    );
    for (g, v) in runs {
        run(g, v);
    }
}

fn run(guests: usize, per_guest: usize) {
    let mut d = Daemon::start_full(&[], &[("ONAIR_GUEST_VIEWERS_TOTAL", &(guests * per_guest).max(32).to_string())]);
    let tokens: Vec<String> = (0..guests)
        .map(|i| d.post("/api/v1/guests/invites", serde_json::json!({"name": format!("load-{i}"), "max_uses": 2}))["token"].as_str().unwrap().to_string())
        .collect();
    let grid = d.get("/api/v1/guests/view-links")["grid"]["token"].as_str().unwrap().to_string();
    let base = d.url("");
    let pubs = Publishers::join(&base, &tokens, 1280, 720, KBPS).expect("publishers");
    let live = wait_until(Duration::from_secs(30), || {
        let l = d.get("/api/v1/guests");
        l.as_array().is_some_and(|a| a.len() == guests && a.iter().all(|g| g["state"] == "live"))
    });
    assert!(live, "every guest live: {}", d.get("/api/v1/guests"));
    let mut viewers = vec![];
    for id in &pubs.ids {
        for _ in 0..per_guest {
            match Viewer::watch(&base, id, &grid) {
                Ok(v) => viewers.push(v),
                Err(e) => println!("a viewer was refused: {e}"),
            }
        }
    }
    std::thread::sleep(Duration::from_secs(5));
    let pid = d.pid();
    let bytes = |vs: &[Viewer]| vs.iter().map(|v| v.video_bytes.load(std::sync::atomic::Ordering::Relaxed)).collect::<Vec<u64>>();
    let (cpu0, b0) = (cpu_seconds(pid), bytes(&viewers));
    std::thread::sleep(Duration::from_secs(20));
    let (cpu1, b1) = (cpu_seconds(pid), bytes(&viewers));
    let held = Held::of(pid);
    let kbps: Vec<f64> = b0.iter().zip(&b1).map(|(a, b)| (b - a) as f64 * 8.0 / 1000.0 / 20.0).collect();
    let (min, avg) = (kbps.iter().cloned().fold(f64::MAX, f64::min), kbps.iter().sum::<f64>() / kbps.len().max(1) as f64);
    let guest_kbps: Vec<u64> = d.get("/api/v1/guests").as_array().unwrap().iter().filter_map(|g| g["kbps"].as_u64()).collect();
    let cores = (cpu1 - cpu0) / 20.0;
    println!(
        "{:>13} | {:>9} {:>8.0} / {:>6.0} | {:>12.1} {:>7.1} | {:>15.0}",
        format!("{guests}×{}", viewers.len() / guests.max(1)),
        guest_kbps.iter().sum::<u64>() / guest_kbps.len().max(1) as u64,
        min,
        avg,
        cores * 100.0,
        held.rss_mb,
        viewers.len() as f64 / cores.max(0.001)
    );
    drop(viewers);
    drop(pubs);
}
