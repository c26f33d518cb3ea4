//! A minimal blocking RTMP publisher and sink for measuring relays from the outside.
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::sessions::*;
use rml_rtmp::time::RtmpTimestamp;

pub type Sent = Arc<Mutex<HashMap<u64, Instant>>>;

pub fn fingerprint(d: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    d.hash(&mut h);
    h.finish()
}

fn handshake(s: &mut TcpStream, peer: PeerType) -> Vec<u8> {
    let client = peer == PeerType::Client;
    let mut hs = Handshake::new(peer);
    if client {
        s.write_all(&hs.generate_outbound_p0_and_p1().unwrap()).unwrap();
    }
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed during handshake");
        match hs.process_bytes(&buf[..n]).unwrap() {
            HandshakeProcessResult::InProgress { response_bytes } => s.write_all(&response_bytes).unwrap(),
            HandshakeProcessResult::Completed { response_bytes, remaining_bytes } => {
                s.write_all(&response_bytes).unwrap();
                return remaining_bytes;
            }
        }
    }
}

/// One relay the publisher feeds: where, and the map of when each video frame left for it.
pub struct Target {
    pub port: u16,
    pub app: String,
    pub key: String,
    pub sent: Sent,
}

struct Conn {
    s: TcpStream,
    c: ClientSession,
    sent: Sent,
}

fn connect(t: &Target) -> Conn {
    let mut s = TcpStream::connect(("127.0.0.1", t.port)).unwrap();
    s.set_nodelay(true).unwrap();
    let left = handshake(&mut s, PeerType::Client);
    let mut cfg = ClientSessionConfig::new();
    cfg.chunk_size = 4096;
    cfg.tc_url = Some(format!("rtmp://127.0.0.1:{}/{}", t.port, t.app));
    let (mut c, init) = ClientSession::new(cfg).unwrap();
    let out = |rs: Vec<ClientSessionResult>, s: &mut TcpStream| -> Vec<ClientSessionEvent> {
        let mut evs = vec![];
        for r in rs {
            match r {
                ClientSessionResult::OutboundResponse(p) => s.write_all(&p.bytes).unwrap(),
                ClientSessionResult::RaisedEvent(e) => evs.push(e),
                _ => {}
            }
        }
        evs
    };
    out(init, &mut s);
    out(c.handle_input(&left).unwrap(), &mut s);
    let r = c.request_connection(t.app.clone()).unwrap();
    out(vec![r], &mut s);
    let mut buf = [0u8; 8192];
    let mut wait = |c: &mut ClientSession, s: &mut TcpStream, want: ClientSessionEvent| loop {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "publisher refused");
        let rs = c.handle_input(&buf[..n]).unwrap();
        if out(rs, s).contains(&want) {
            return;
        }
    };
    wait(&mut c, &mut s, ClientSessionEvent::ConnectionRequestAccepted);
    let r = c.request_publishing(t.key.clone(), PublishRequestType::Live).unwrap();
    out(vec![r], &mut s);
    wait(&mut c, &mut s, ClientSessionEvent::PublishRequestAccepted);
    s.set_nonblocking(true).unwrap();
    Conn { s, c, sent: t.sent.clone() }
}

/// Publishes FLV frames in real time to every target at once (the order alternates frame by
/// frame, so no relay always gets a frame first), noting when each video frame left for each.
pub fn publish(targets: &[Target], frames: &[onair::media::Frame]) {
    let mut conns: Vec<Conn> = targets.iter().map(connect).collect();
    let mut buf = [0u8; 8192];
    let start = Instant::now();
    let t0 = frames.first().map(|f| f.ts).unwrap_or(0);
    for (i, f) in frames.iter().enumerate() {
        let due = start + Duration::from_millis((f.ts - t0) as u64);
        if let Some(d) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        let k = conns.len();
        for j in 0..k {
            let Conn { s, c, sent } = &mut conns[(i + j) % k];
            // Drain acks so the peer never blocks on its window.
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let _ = c.handle_input(&buf[..n]);
            }
            let p = match f.kind {
                onair::media::Kind::Video => {
                    sent.lock().unwrap().insert(fingerprint(&f.data), Instant::now());
                    c.publish_video_data(f.data.clone(), RtmpTimestamp::new(f.ts), false).unwrap()
                }
                onair::media::Kind::Audio => c.publish_audio_data(f.data.clone(), RtmpTimestamp::new(f.ts), false).unwrap(),
            };
            if let ClientSessionResult::OutboundResponse(p) = p {
                s.set_nonblocking(false).unwrap();
                s.write_all(&p.bytes).unwrap();
                s.set_nonblocking(true).unwrap();
            }
        }
    }
}

/// Accepts one publisher and records how long each video frame took since it was published.
pub fn sink(listener: TcpListener, sent: Sent, delays: Arc<Mutex<Vec<Duration>>>) {
    let (mut s, _) = listener.accept().unwrap();
    let left = handshake(&mut s, PeerType::Server);
    let (mut sess, init) = ServerSession::new(ServerSessionConfig::new()).unwrap();
    let mut pending = init;
    pending.extend(sess.handle_input(&left).unwrap());
    let mut buf = vec![0u8; 65536];
    loop {
        let mut q: std::collections::VecDeque<_> = std::mem::take(&mut pending).into();
        while let Some(r) = q.pop_front() {
            match r {
                ServerSessionResult::OutboundResponse(p) if s.write_all(&p.bytes).is_err() => {
                    return;
                }
                ServerSessionResult::RaisedEvent(e) => match e {
                    ServerSessionEvent::ConnectionRequested { request_id, .. } | ServerSessionEvent::PublishStreamRequested { request_id, .. } => {
                        q.extend(sess.accept_request(request_id).unwrap())
                    }
                    ServerSessionEvent::VideoDataReceived { data, .. } => {
                        let now = Instant::now();
                        if let Some(t) = sent.lock().unwrap().get(&fingerprint(&data)) {
                            delays.lock().unwrap().push(now - *t);
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        match sess.handle_input(&buf[..n]) {
            Ok(r) => pending = r,
            Err(_) => return,
        }
    }
}

#[allow(dead_code)]
pub fn bytes(v: &[u8]) -> Bytes {
    Bytes::copy_from_slice(v)
}
