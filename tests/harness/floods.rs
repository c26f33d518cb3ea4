//! Hostile RTMP peers, by hand: what the tests and `scripts/bench-rtmp-floods.sh` throw at onaird
//! (and, for comparison, at nginx-rtmp). Blocking sockets and threads; nothing here panics on a
//! peer that hangs up, since refusing is what the server under test is meant to do.
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rml_rtmp::chunk_io::ChunkSerializer;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::messages::MessagePayload;
use rml_rtmp::sessions::{ClientSession, ClientSessionConfig, ClientSessionEvent, ClientSessionResult, PublishRequestType};
use rml_rtmp::time::RtmpTimestamp;

/// Peak resident memory of a process (VmHWM), in MB.
pub fn peak_rss_mb(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.rsplit_once(')').is_some_and(|r| r.1.trim_start().starts_with('Z')))
}

/// Connects from `from` (any 127.0.0.0/8 address works on loopback) or the default address.
pub fn connect_from(from: Option<IpAddr>, port: u16) -> io::Result<TcpStream> {
    let Some(ip) = from else { return TcpStream::connect(("127.0.0.1", port)) };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let s = rt.block_on(async {
        let sock = tokio::net::TcpSocket::new_v4()?;
        sock.bind(SocketAddr::new(ip, 0))?;
        sock.connect(SocketAddr::new("127.0.0.1".parse().unwrap(), port)).await
    })?;
    let s = s.into_std()?;
    s.set_nonblocking(false)?;
    Ok(s)
}

/// The client side of the RTMP handshake on `s`.
pub fn handshake(s: &mut TcpStream) -> io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    let bad = |e| io::Error::other(format!("{e:?}"));
    let mut hs = Handshake::new(PeerType::Client);
    s.write_all(&hs.generate_outbound_p0_and_p1().map_err(bad)?)?;
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        match hs.process_bytes(&buf[..n]).map_err(bad)? {
            HandshakeProcessResult::InProgress { response_bytes } => s.write_all(&response_bytes)?,
            HandshakeProcessResult::Completed { response_bytes, .. } => return s.write_all(&response_bytes),
        }
    }
}

pub fn handshaken(port: u16) -> io::Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    handshake(&mut s)?;
    Ok(s)
}

/// One message as chunks (chunk size 128, what a server assumes until told otherwise).
pub fn message(type_id: u8, stream: u32, data: Vec<u8>) -> Vec<u8> {
    let p = MessagePayload { timestamp: RtmpTimestamp::new(0), type_id, message_stream_id: stream, data: Bytes::from(data) };
    ChunkSerializer::new().serialize(&p, true, false).unwrap().bytes
}

/// An AMF0 command `name` (transaction 1) whose third value is `depth` nested strict arrays.
pub fn deep_command(name: &str, depth: usize) -> Vec<u8> {
    let mut p = vec![0x02];
    p.extend_from_slice(&(name.len() as u16).to_be_bytes());
    p.extend_from_slice(name.as_bytes());
    p.extend_from_slice(&[0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    p.reserve(depth * 5 + 1);
    for _ in 0..depth {
        p.extend_from_slice(&[0x0a, 0, 0, 0, 1]);
    }
    p.push(0x05);
    p
}

/// A command with only its name: `rml_rtmp` panics in `drain(..3)` on it.
pub fn short_command(name: &str) -> Vec<u8> {
    let mut p = vec![0x02];
    p.extend_from_slice(&(name.len() as u16).to_be_bytes());
    p.extend_from_slice(name.as_bytes());
    p
}

/// After the handshake: one command with `depth`-deep AMF0 on each of `conns` connections.
/// Returns how many handshakes succeeded (a server may hang up before the whole command is in).
pub fn deep_amf(port: u16, depth: usize, conns: usize) -> usize {
    let wire = message(20, 0, deep_command("connect", depth));
    (0..conns)
        .filter(|_| {
            let Ok(mut s) = handshaken(port) else { return false };
            let _ = s.write_all(&wire);
            // Give the server time to choke on it before the connection goes.
            std::thread::sleep(Duration::from_millis(200));
            true
        })
        .count()
}

/// Connect and publish by hand (a real client session), leaving the socket at the point where
/// media would follow.
pub fn publish_by_hand(port: u16, app: &str, key: &str) -> io::Result<TcpStream> {
    publish_session(port, app, key).map(|(s, _)| s)
}

/// As [`publish_by_hand`], with the client session, to send media through it.
pub fn publish_session(port: u16, app: &str, key: &str) -> io::Result<(TcpStream, ClientSession)> {
    let mut s = handshaken(port)?;
    let bad = |e| io::Error::other(format!("{e:?}"));
    let (mut c, init) = ClientSession::new(ClientSessionConfig::new()).map_err(bad)?;
    let send = |s: &mut TcpStream, rs: Vec<ClientSessionResult>| -> io::Result<Vec<ClientSessionEvent>> {
        let mut evs = vec![];
        for r in rs {
            match r {
                ClientSessionResult::OutboundResponse(p) => s.write_all(&p.bytes)?,
                ClientSessionResult::RaisedEvent(e) => evs.push(e),
                _ => {}
            }
        }
        Ok(evs)
    };
    send(&mut s, init)?;
    send(&mut s, vec![c.request_connection(app.into()).map_err(bad)?])?;
    let mut buf = [0u8; 16384];
    let mut connected = false;
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end {
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        for e in send(&mut s, c.handle_input(&buf[..n]).map_err(bad)?)? {
            match e {
                ClientSessionEvent::ConnectionRequestAccepted if !connected => {
                    connected = true;
                    send(&mut s, vec![c.request_publishing(key.into(), PublishRequestType::Live).map_err(bad)?])?;
                }
                ClientSessionEvent::PublishRequestAccepted => return Ok((s, c)),
                ClientSessionEvent::ConnectionRequestRejected { description } => return Err(io::Error::other(description)),
                _ => {}
            }
        }
    }
    Err(io::ErrorKind::TimedOut.into())
}

/// Sends one video message (FLV video tag body) through a publishing session.
pub fn send_video(s: &mut TcpStream, c: &mut ClientSession, ts_ms: u32, body: Vec<u8>) -> io::Result<()> {
    match c.publish_video_data(Bytes::from(body), RtmpTimestamp::new(ts_ms), false) {
        Ok(ClientSessionResult::OutboundResponse(p)) => s.write_all(&p.bytes),
        Ok(_) => Ok(()),
        Err(e) => Err(io::Error::other(format!("{e:?}"))),
    }
}

/// Starts `msgs` video messages of `size` bytes each on their own chunk streams and feeds them
/// round robin in 64 KiB chunks, never finishing one, until the server hangs up or `until`.
/// Returns the bytes it got in.
pub fn partial_messages(s: &mut TcpStream, msgs: usize, size: usize, until: Instant) -> u64 {
    const CHUNK: usize = 64 * 1024;
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let mut sent = 0u64;
    let set_chunk = [0x02u8, 0, 0, 0, 0, 0, 4, 0x01, 0, 0, 0, 0, 0, 1, 0, 0];
    if s.write_all(&set_chunk).is_err() {
        return 0;
    }
    let body = vec![0x27u8; CHUNK];
    let l = (size as u32).to_be_bytes();
    for round in 0..size / CHUNK - 1 {
        for m in 0..msgs.min(256) {
            // Two-byte basic header: chunk stream 64 + m.
            let mut w = Vec::with_capacity(CHUNK + 14);
            if round == 0 {
                w.extend_from_slice(&[0x00, m as u8, 0, 0, 0, l[1], l[2], l[3], 9, 1, 0, 0, 0]);
            } else {
                w.extend_from_slice(&[0xc0, m as u8]);
            }
            w.extend_from_slice(&body);
            if Instant::now() > until || s.write_all(&w).is_err() {
                return sent;
            }
            sent += w.len() as u64;
        }
    }
    sent
}

/// `conns` connections, each with `msgs` partial messages of `size` bytes (see `partial_messages`),
/// at once. With `key`, the first connection publishes first, so the publisher's budget is tried
/// too. Returns the bytes sent in total.
pub fn partial_flood(port: u16, conns: usize, msgs: usize, size: usize, key: Option<(&str, &str)>, limit: Duration) -> u64 {
    let until = Instant::now() + limit;
    // The publisher publishes before the others connect: they come from the same address, and
    // one arriving while it is still connecting may take its place (the slots' rules).
    let mut first = key.map(|(app, k)| publish_by_hand(port, app, k));
    let ts: Vec<JoinHandle<u64>> = (0..conns)
        .map(|i| {
            let mine = if i == 0 { first.take() } else { None };
            std::thread::spawn(move || {
                let s = match mine {
                    Some(s) => s,
                    None => handshaken(port),
                };
                s.map(|mut s| partial_messages(&mut s, msgs, size, until)).unwrap_or(0)
            })
        })
        .collect();
    ts.into_iter().map(|t| t.join().unwrap_or(0)).sum()
}

/// Sockets that complete the handshake and then send a byte every `every` (never a whole chunk
/// header), from `addrs` addresses of 127.0.0.0/8 in turn. Stop them by dropping.
pub struct Trickle {
    stop: Arc<AtomicBool>,
    pub handshaken: Arc<AtomicUsize>,
    pub closed_by_server: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl Trickle {
    pub fn start(port: u16, n: usize, addrs: usize, every: Duration) -> Trickle {
        let stop = Arc::new(AtomicBool::new(false));
        let handshaken = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let threads = (0..n)
            .map(|i| {
                let (stop, hs, closed) = (stop.clone(), handshaken.clone(), closed.clone());
                let from: IpAddr = format!("127.0.0.{}", 2 + i % addrs.max(1)).parse().unwrap();
                std::thread::spawn(move || {
                    let Ok(mut s) = connect_from(Some(from), port) else { return };
                    if handshake(&mut s).is_err() {
                        // The server closed it mid-handshake (to make room for a newcomer): closed
                        // all the same. Uncounted, a test waiting for all of them waited for ever.
                        closed.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    hs.fetch_add(1, Ordering::Relaxed);
                    let header = [0x03u8, 0, 0, 0, 0, 0, 100, 0x14, 0, 0, 0];
                    let mut at = 0;
                    let mut last = Instant::now() - every;
                    while !stop.load(Ordering::Relaxed) {
                        if last.elapsed() >= every {
                            last = Instant::now();
                            if s.write_all(&header[at % header.len()..][..1]).is_err() {
                                closed.fetch_add(1, Ordering::Relaxed);
                                return;
                            }
                            at += 1;
                        }
                        // A server that hung up shows as a readable end of stream.
                        let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
                        let mut b = [0u8; 4096];
                        match s.read(&mut b) {
                            Ok(0) => {
                                closed.fetch_add(1, Ordering::Relaxed);
                                return;
                            }
                            Err(e) if e.kind() != io::ErrorKind::WouldBlock && e.kind() != io::ErrorKind::TimedOut => {
                                closed.fetch_add(1, Ordering::Relaxed);
                                return;
                            }
                            _ => {}
                        }
                    }
                })
            })
            .collect();
        Trickle { stop, handshaken, closed_by_server: closed, threads }
    }
}

impl Drop for Trickle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A destination that completes the handshake, then answers in turn with a deep AMF command
/// (under 64 KiB, so only the AMF guard stops it), a command too short for `rml_rtmp`, garbage.
pub struct HostileDestination {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HostileDestination {
    pub fn start() -> HostileDestination {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let port = l.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, st) = (connections.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match l.accept() {
                    Ok((s, _)) => {
                        let n = c.fetch_add(1, Ordering::Relaxed);
                        std::thread::spawn(move || {
                            let _ = answer(s, n);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        HostileDestination { port, connections, stop, thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("rtmp://127.0.0.1:{}/app", self.port)
    }
}

fn answer(mut s: TcpStream, n: usize) -> io::Result<()> {
    s.set_nonblocking(false)?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut hs = Handshake::new(PeerType::Server);
    let mut buf = [0u8; 8192];
    loop {
        let r = s.read(&mut buf)?;
        if r == 0 {
            return Ok(());
        }
        match hs.process_bytes(&buf[..r]).map_err(|e| io::Error::other(format!("{e:?}")))? {
            HandshakeProcessResult::InProgress { response_bytes } => s.write_all(&response_bytes)?,
            HandshakeProcessResult::Completed { response_bytes, .. } => {
                s.write_all(&response_bytes)?;
                break;
            }
        }
    }
    // Let the client's connect arrive (it may have come with the handshake), then answer it.
    std::thread::sleep(Duration::from_millis(100));
    let reply = match n % 3 {
        0 => message(20, 0, deep_command("_result", 12_000)),
        1 => message(20, 0, short_command("_result")),
        _ => (0..20_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect(),
    };
    s.write_all(&reply)?;
    // Hold the connection: the client must be the one to end it.
    while s.read(&mut buf)? > 0 {}
    Ok(())
}

impl Drop for HostileDestination {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Silent connections, each from an address of 127.0.0.0/8 not used before (127.0.1.1 onwards), `n`
/// open at a time: each is held until the server closes it (refused or evicted), then after `pause`
/// the next one opens. A stranger with many networks. Stop it by dropping.
pub struct Churn {
    stop: Arc<AtomicBool>,
    pub opened: Arc<AtomicUsize>,
    pub closed_by_server: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl Churn {
    pub fn start(port: u16, n: usize, pause: Duration) -> Churn {
        let stop = Arc::new(AtomicBool::new(false));
        let opened = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let next = Arc::new(AtomicUsize::new(0));
        let threads = (0..n)
            .map(|_| {
                let (stop, opened, closed, next) = (stop.clone(), opened.clone(), closed.clone(), next.clone());
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let k = next.fetch_add(1, Ordering::Relaxed) % (250 * 250);
                        let from: IpAddr = format!("127.0.{}.{}", 1 + k / 250, 1 + k % 250).parse().unwrap();
                        let Ok(mut s) = connect_from(Some(from), port) else {
                            std::thread::sleep(pause);
                            continue;
                        };
                        opened.fetch_add(1, Ordering::Relaxed);
                        let _ = s.set_read_timeout(Some(Duration::from_millis(50)));
                        let mut b = [0u8; 512];
                        while !stop.load(Ordering::Relaxed) {
                            match s.read(&mut b) {
                                Ok(0) => {
                                    closed.fetch_add(1, Ordering::Relaxed);
                                    break;
                                }
                                Err(e) if e.kind() != io::ErrorKind::WouldBlock && e.kind() != io::ErrorKind::TimedOut => {
                                    closed.fetch_add(1, Ordering::Relaxed);
                                    break;
                                }
                                _ => {}
                            }
                        }
                        std::thread::sleep(pause);
                    }
                })
            })
            .collect();
        Churn { stop, opened, closed_by_server: closed, threads }
    }
}

impl Drop for Churn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A TCP relay to `port` on loopback that delays each direction by `one_way`: a publisher on a slow,
/// far uplink (its handshake, `connect` and `publish` each take a round trip of `2 * one_way`). It
/// connects from 127.0.0.1. Stop listening by dropping; relayed connections end with their peers.
pub struct SlowLink {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SlowLink {
    pub fn start(port: u16, one_way: Duration) -> SlowLink {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let me = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok((client, _)) = l.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(server) = TcpStream::connect(("127.0.0.1", port)) else { continue };
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                for (from, to) in [(client.try_clone(), server.try_clone()), (server.try_clone(), client.try_clone())] {
                    if let (Ok(from), Ok(to)) = (from, to) {
                        delayed_pump(from, to, one_way);
                    }
                }
            }
        });
        SlowLink { port: me, stop, thread: Some(thread) }
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Copies `from` to `to`, each read delivered `delay` after it arrived (reads go on meanwhile, so
/// the link's throughput is not limited, only its latency).
fn delayed_pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (tx, rx) = std::sync::mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut b = vec![0u8; 64 * 1024];
        while let Ok(n) = from.read(&mut b) {
            if n == 0 || tx.send((Instant::now() + delay, b[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        for (at, bytes) in rx {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}
