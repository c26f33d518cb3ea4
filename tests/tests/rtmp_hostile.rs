//! RTMP against a hostile network, both directions: poisoned commands, memory floods, sockets that
//! hold slots, and a destination that answers with poison. The daemon lives, the real feed goes on.
use std::time::{Duration, Instant};

use onair_e2e::floods::*;
use onair_e2e::*;

/// The feed relayed to nginx, recorded there: (video frames recorded, frames pushed).
fn delivered(n: &mut Nginx, pushed: u64) -> (u64, u64) {
    n.stop();
    let recs = n.recordings();
    assert_eq!(recs.len(), 1, "one recording: {recs:?}");
    (probe(&recs[0]).vframes, pushed)
}

fn assert_kept(got: u64, pushed: u64) {
    assert!(got as f64 >= pushed as f64 * 0.99, "the feed lost frames: {got} of {pushed} delivered");
}

fn go_live(d: &mut Daemon, id: i64) {
    assert!(d.wait_ingest_connected());
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
}

#[test]
fn deep_amf_and_short_commands_leave_the_daemon_and_the_feed_alone() {
    let clip = clip(20, 640, 360, 30);
    let pushed = frames_in(&clip);
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let pid = d.pid();
    let id = d.add_destination("n", &n.url(), "sk_hostile_amf_0001");
    let mut ff = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    go_live(&mut d, id);
    // The attack (a 1 MB command: refused at its chunk header), one under the 64 KiB
    // cap (12,000 levels: only the AMF guard stops it; it overflows rml_rtmp's decoder), and a
    // command too short for rml_rtmp's `drain(..3)`, each a few times.
    assert_eq!(deep_amf(d.rtmp, 200_000, 3), 3, "each connection was handshaken");
    assert_eq!(deep_amf(d.rtmp, 12_000, 3), 3);
    for _ in 0..3 {
        let mut s = handshaken(d.rtmp).expect("handshake");
        let _ = std::io::Write::write_all(&mut s, &message(20, 0, short_command("connect")));
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(alive(pid), "the daemon died");
    assert_eq!(d.get("/api/v1/ingest")["connected"], true);
    assert!(ff.wait(Duration::from_secs(60)).expect("ffmpeg finished").success(), "ffmpeg: {}", ff.log_text());
    d.post("/api/v1/live/stop", serde_json::json!({}));
    assert!(alive(pid));
    let log = d.log_text();
    assert!(log.contains("nested deeper than 32"), "the guard said why: {log}");
    assert!(log.contains("limit 65536 bytes"), "the size cap said why");
    assert!(log.contains("a command needs a name"), "the short command was refused");
    let (got, pushed) = delivered(&mut n, pushed);
    assert_kept(got, pushed);
}

#[test]
fn partial_message_floods_keep_peak_memory_bounded() {
    let mut d = Daemon::start();
    let pid = d.pid();
    let before = peak_rss_mb(pid);
    // 8 connections x 64 partial 8 MiB messages before publishing, then the same from a
    // connection that has published with the right key (its budget is larger).
    let sent = partial_flood(d.rtmp, 8, 64, 8 << 20, None, Duration::from_secs(20));
    let key = d.ingest_key();
    let sent_published = partial_flood(d.rtmp, 8, 64, 8 << 20, Some(("live", &key)), Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(500));
    let peak = peak_rss_mb(pid);
    eprintln!("peak RSS {before:.0} MB before, {peak:.0} MB after; {} MB + {} MB sent", sent >> 20, sent_published >> 20);
    assert!(alive(pid));
    assert!(sent > 8 * 65536, "the flood got going: {sent} bytes");
    assert!(sent_published > 16 << 20, "the publisher's flood got past the pre-publish budget: {sent_published}");
    assert!(peak < 200.0, "peak RSS {peak:.0} MB");
    let log = d.log_text();
    assert!(log.contains("unfinished messages"), "connections were ended for their budget");
    // And the box still takes a real publisher.
    let clip = clip(3, 320, 240, 30);
    let mut ff = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    assert!(d.wait_ingest_connected(), "ffmpeg: {}", ff.log_text());
    assert!(ff.wait(Duration::from_secs(30)).expect("done").success());
}

#[test]
fn trickling_sockets_do_not_keep_a_publisher_out() {
    let clip = clip(10, 320, 240, 30);
    let mut d = Daemon::start();
    // 40 handshaken sockets from 10 addresses, a byte every 5 s: more than the slots.
    let t = Trickle::start(d.rtmp, 40, 10, Duration::from_secs(5));
    assert!(wait_until(Duration::from_secs(10), || t.handshaken.load(std::sync::atomic::Ordering::Relaxed) >= 32));
    let t0 = Instant::now();
    let mut ff = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/ingest")["connected"] == true), "ffmpeg kept out: {}", ff.log_text());
    eprintln!("published {} ms after starting ffmpeg", t0.elapsed().as_millis());
    // The sockets that never publish are closed: by a newcomer, or at the 10 s deadline. A trickler
    // learns it at its next byte (every 5 s), later still on a loaded machine: give it 25 s.
    let closed = || t.closed_by_server.load(std::sync::atomic::Ordering::Relaxed);
    assert!(wait_until(Duration::from_secs(25), || closed() >= 40), "{} of 40 closed", closed());
    assert!(ff.wait(Duration::from_secs(30)).expect("done").success(), "ffmpeg: {}", ff.log_text());
    drop(t);
}

/// The review's attack on the slots: a stranger with a new address for every connection (IPv6 gives
/// whole /64s for free; here 127.0.x.y) keeps the box full and opens another as soon as one closes,
/// while the encoder connects over a slow uplink (150 ms each way: about 1.5 s from its TCP connect
/// to an accepted publish). Evicting the oldest would take the encoder before it publishes; it must
/// publish, and the churn must have gone on meanwhile.
#[test]
fn a_churn_from_many_addresses_does_not_evict_an_encoder_that_is_connecting() {
    let clip = clip(10, 320, 240, 30);
    let mut d = Daemon::start();
    let opened = |c: &Churn| c.opened.load(std::sync::atomic::Ordering::Relaxed);
    let closed = |c: &Churn| c.closed_by_server.load(std::sync::atomic::Ordering::Relaxed);
    let churn = Churn::start(d.rtmp, 32, Duration::from_millis(5));
    assert!(wait_until(Duration::from_secs(10), || opened(&churn) >= 32), "the churn got going");
    // Past their grace: each of the encoder's connections takes the place of one of these, whose
    // thread at once opens another from a new address, which takes the next place, and so on.
    std::thread::sleep(Duration::from_millis(2500));
    let before = (opened(&churn), closed(&churn));
    let link = SlowLink::start(d.rtmp, Duration::from_millis(150));
    let url = d.ingest_url().replace(&format!(":{}/", d.rtmp), &format!(":{}/", link.port));
    let t0 = Instant::now();
    let mut ff = Ffmpeg::publish(&clip, &url, "flv");
    let published = wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["connected"] == true);
    let churned = (opened(&churn) - before.0, closed(&churn) - before.1);
    eprintln!("published {} ms after starting ffmpeg; meanwhile the churn opened {} and lost {}", t0.elapsed().as_millis(), churned.0, churned.1);
    assert!(published, "ffmpeg kept out: {}\n{}", ff.log_text(), d.log_text().lines().filter(|l| l.contains("rtmp")).take(40).collect::<Vec<_>>().join("\n"));
    assert!(churned.0 >= 32 && churned.1 >= 32, "the churn went on while the encoder connected: {churned:?}");
    assert!(ff.wait(Duration::from_secs(30)).expect("done").success(), "ffmpeg: {}", ff.log_text());
    drop(churn);
}

#[test]
fn a_hostile_destination_fails_alone_and_keeps_retrying() {
    let clip = clip(20, 640, 360, 30);
    let pushed = frames_in(&clip);
    let hostile = HostileDestination::start();
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let pid = d.pid();
    let bad = d.add_destination("hostile", &hostile.url(), "sk_hostile_dest_0001");
    let good = d.add_destination("nginx", &n.url(), "sk_hostile_dest_0002");
    let mut ff = Ffmpeg::publish(&clip, &d.ingest_url(), "flv");
    go_live(&mut d, good);
    // Backoff 1, 2, 4, 8 s: in the 20 s of the feed, every kind of poison comes more than once.
    assert!(wait_until(Duration::from_secs(25), || hostile.connections.load(std::sync::atomic::Ordering::Relaxed) >= 4), "the hostile output stopped retrying");
    let st = d.destination_status(bad);
    assert_ne!(st["state"], "live", "{st}");
    assert!(st["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{st}");
    assert!(alive(pid));
    assert!(ff.wait(Duration::from_secs(60)).expect("ffmpeg finished").success());
    assert_eq!(d.destination_status(good)["reconnects"], 0, "the good output never dropped");
    d.post("/api/v1/live/stop", serde_json::json!({}));
    let log = d.log_text();
    assert!(log.contains("destination sent bad data"), "the guards refused it: {log}");
    let (got, pushed) = delivered(&mut n, pushed);
    assert_kept(got, pushed);
}
