//! `scripts/soak.sh MINUTES`: a long show on a flaky uplink (see `onair_e2e::soak::flaky_show`),
//! printing what onaird holds every 30 s.
use onair_e2e::*;

fn main() {
    let minutes: u64 = std::env::args().nth(1).and_then(|m| m.parse().ok()).unwrap_or(15);
    let clip = clip_kbps(20, 1920, 1080, 30, 6000);
    println!("soak: {minutes} min of a 1080p30 6 Mbit/s feed to 3 nginx-rtmp destinations; one killed every minute, a pause every 5 min, a 10 s feed drop every 5 min");
    println!("{:>7} | {:>8} {:>8} {:>10} | after", "t", "RSS MB", "threads", "open files");
    soak::flaky_show(minutes, &clip, |t, h, what| {
        println!("{:>5} s | {:>8.1} {:>8} {:>10} | {what}", t.as_secs(), h.rss_mb, h.threads, h.open_files);
    });
}
