//! A destination that accepts the stream and then stops reading must only hurt itself.
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use onair_e2e::*;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::{ServerSession, ServerSessionConfig, ServerSessionEvent, ServerSessionResult};

/// Accepts one RTMP publisher, then goes silent: never reads again, never closes.
fn stalling_destination(l: TcpListener) {
    let (mut s, _) = l.accept().unwrap();
    let mut hs = Handshake::new(PeerType::Server);
    let mut buf = [0u8; 4096];
    let mut left = loop {
        let n = s.read(&mut buf).unwrap();
        match hs.process_bytes(&buf[..n]).unwrap() {
            HandshakeProcessResult::InProgress { response_bytes } => s.write_all(&response_bytes).unwrap(),
            HandshakeProcessResult::Completed { response_bytes, remaining_bytes } => {
                s.write_all(&response_bytes).unwrap();
                break remaining_bytes;
            }
        }
    };
    let (mut sess, init) = ServerSession::new(ServerSessionConfig::new()).unwrap();
    let mut todo: std::collections::VecDeque<_> = init.into();
    loop {
        todo.extend(sess.handle_input(&left).unwrap());
        let mut publishing = false;
        while let Some(r) = todo.pop_front() {
            match r {
                ServerSessionResult::OutboundResponse(p) => s.write_all(&p.bytes).unwrap(),
                ServerSessionResult::RaisedEvent(ServerSessionEvent::ConnectionRequested { request_id, .. }) => {
                    todo.extend(sess.accept_request(request_id).unwrap())
                }
                ServerSessionResult::RaisedEvent(ServerSessionEvent::PublishStreamRequested { request_id, .. }) => {
                    todo.extend(sess.accept_request(request_id).unwrap());
                    publishing = true;
                }
                _ => {}
            }
        }
        if publishing {
            // Stop reading; keep the socket open for the rest of the test.
            std::thread::sleep(Duration::from_secs(120));
            return;
        }
        let n = s.read(&mut buf).unwrap();
        left = buf[..n].to_vec();
    }
}

#[test]
fn a_stalled_destination_only_hurts_itself() {
    let clip = clip(20, 1280, 720, 30);
    let pushed = frames_in(&clip);
    let mut healthy = Nginx::start();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || stalling_destination(l));
    let mut d = Daemon::start();
    let good = d.add_destination("healthy", &healthy.url(), "sk_stall_good_01");
    let bad = d.add_destination("stalls", &format!("rtmp://127.0.0.1:{port}/app"), "sk_stall_bad_001");
    let mut ff = d.go_live_with(&clip);
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(bad)["state"] == "live"));
    assert!(ff.wait(Duration::from_secs(60)).unwrap().success());
    // The healthy destination got every frame while the other one was stuck.
    assert_eq!(d.destination_status(good)["state"], "live");
    assert_eq!(d.destination_status(good)["dropped_frames"], 0);
    d.post(&format!("/api/v1/destinations/{good}/stop"), serde_json::json!({}));
    healthy.stop();
    let p = probe(&healthy.recordings()[0]);
    let diff = (p.vframes as f64 - pushed as f64).abs() / pushed as f64;
    assert!(diff <= 0.01, "healthy destination: frames {} vs pushed {pushed}", p.vframes);
    // The stuck one is found out (no write progress for 10 s), shown, and retried on its own.
    assert!(
        wait_until(Duration::from_secs(30), || d.destination_status(bad)["last_error"].as_str().is_some_and(|e| e.contains("stalled"))),
        "{}",
        d.destination_status(bad)
    );
    let s = d.destination_status(bad);
    assert_ne!(s["state"], "live", "{s}");
    assert_eq!(s["reconnects"], 1, "{s}");
    d.post("/api/v1/live/stop", serde_json::json!({}));
}
