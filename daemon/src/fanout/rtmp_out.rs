//! Pushing the program to an RTMP or RTMPS destination, like OBS would: handshake, connect,
//! publish, then FLV tags as they come. Tags are forwarded as received; nothing is re-encoded.
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rml_rtmp::chunk_io::ChunkSerializer;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::messages::MessagePayload;
use rml_rtmp::sessions::{ClientSession, ClientSessionConfig, ClientSessionEvent as Ev, ClientSessionResult, PublishRequestType};
use rml_rtmp::time::RtmpTimestamp;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::net::TcpStream;

use super::chunker::Chunker;
use super::target::{Scheme, Target};
use super::{Feed, Gate, OutError};
use crate::media::{Frame, Kind};
use crate::protocols::rtmp::amf_guard;
use crate::protocols::rtmp::chunks::Demuxer;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const STALL: Duration = Duration::from_secs(10);
/// Announced to the destination by the session, and used by the chunker.
const CHUNK_SIZE: usize = 4096;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

fn tls_config() -> Arc<tokio_rustls::rustls::ClientConfig> {
    static CFG: OnceLock<Arc<tokio_rustls::rustls::ClientConfig>> = OnceLock::new();
    CFG.get_or_init(|| {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // Extra CAs (a self-hosted RTMPS relay, or tests) from ONAIR_EXTRA_CA_FILE, PEM.
        if let Ok(path) = std::env::var("ONAIR_EXTRA_CA_FILE") {
            if let Ok(pem) = std::fs::read(&path) {
                let mut rd = std::io::BufReader::new(&pem[..]);
                for c in rustls_pemfile::certs(&mut rd).flatten() {
                    let _ = roots.add(c);
                }
            }
        }
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        Arc::new(
            tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth(),
        )
    })
    .clone()
}

async fn connect(t: &Target) -> Result<Box<dyn Io>, OutError> {
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((t.host.as_str(), t.port)))
        .await
        .map_err(|_| OutError::Timeout)?
        .map_err(|e| OutError::Connect(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    if t.scheme != Scheme::Rtmps {
        return Ok(Box::new(tcp));
    }
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(t.host.clone()).map_err(|e| OutError::Tls(e.to_string()))?;
    let tls = tokio::time::timeout(CONNECT_TIMEOUT, tokio_rustls::TlsConnector::from(tls_config()).connect(name, tcp))
        .await
        .map_err(|_| OutError::Timeout)?
        .map_err(|e| OutError::Tls(e.to_string()))?;
    Ok(Box::new(tls))
}

async fn handshake(io: &mut Box<dyn Io>) -> Result<Vec<u8>, OutError> {
    let hse = |e| OutError::Handshake(format!("{e:?}"));
    let mut hs = Handshake::new(PeerType::Client);
    io.write_all(&hs.generate_outbound_p0_and_p1().map_err(hse)?).await.map_err(|e| OutError::Lost(e.to_string()))?;
    let mut buf = vec![0u8; 4096];
    loop {
        let n = tokio::time::timeout(CONNECT_TIMEOUT, io.read(&mut buf)).await.map_err(|_| OutError::Timeout)?.map_err(|e| OutError::Lost(e.to_string()))?;
        if n == 0 {
            return Err(OutError::Handshake("closed by destination".into()));
        }
        match hs.process_bytes(&buf[..n]).map_err(hse)? {
            HandshakeProcessResult::InProgress { response_bytes } => io.write_all(&response_bytes).await.map_err(|e| OutError::Lost(e.to_string()))?,
            HandshakeProcessResult::Completed { response_bytes, remaining_bytes } => {
                io.write_all(&response_bytes).await.map_err(|e| OutError::Lost(e.to_string()))?;
                return Ok(remaining_bytes);
            }
        }
    }
}

fn cse<E: std::fmt::Debug>(e: E) -> OutError {
    OutError::Other(format!("rtmp session: {e:?}"))
}

/// What a destination may hold in unfinished messages: it sends only replies and control.
const INBOUND_BUDGET: usize = 256 * 1024;

/// Bytes from the destination pass the same guards as a publisher's before `rml_rtmp`'s client
/// session sees them: the demuxer's limits (non-media messages up to 64 KiB, a byte budget), then
/// the AMF guard (nesting, short commands), then the crate's own chunking. A destination that
/// fails them ends only its own output, which reconnects with backoff.
struct Inbound {
    demux: Demuxer,
    rechunk: ChunkSerializer,
}

impl Default for Inbound {
    fn default() -> Self {
        Inbound { demux: Demuxer::with_budget(INBOUND_BUDGET), rechunk: ChunkSerializer::new() }
    }
}

impl Inbound {
    fn feed(&mut self, s: &mut ClientSession, bytes: &[u8]) -> Result<Vec<ClientSessionResult>, OutError> {
        let bad = |e: String| OutError::Protocol(e);
        self.demux.push(bytes);
        let mut results = vec![];
        while let Some(m) = self.demux.next().map_err(|e| bad(e.to_string()))? {
            if m.type_id == 8 || m.type_id == 9 {
                continue; // media from a destination means nothing to a publisher
            }
            amf_guard::check(m.type_id, &m.payload).map_err(|e| bad(e.to_string()))?;
            let p = MessagePayload { timestamp: RtmpTimestamp::new(m.timestamp), type_id: m.type_id, message_stream_id: m.stream_id, data: m.payload };
            let wire = self.rechunk.serialize(&p, false, false).map_err(cse)?.bytes;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.handle_input(&wire)))
                .map_err(|_| bad("the session could not parse it".into()))?
                .map_err(cse)?;
            results.extend(r);
        }
        Ok(results)
    }
}

/// Sends outbound packets (keeping a copy in `tap` while setting up), returns events.
async fn apply<W: AsyncWrite + Unpin>(
    w: &mut W,
    results: Vec<ClientSessionResult>,
    sent: &std::sync::atomic::AtomicU64,
    mut tap: Option<&mut Vec<u8>>,
) -> Result<Vec<Ev>, OutError> {
    let mut evs = vec![];
    for r in results {
        match r {
            ClientSessionResult::OutboundResponse(p) => {
                w.write_all(&p.bytes).await.map_err(|e| OutError::Lost(e.to_string()))?;
                sent.fetch_add(p.bytes.len() as u64, Ordering::Relaxed);
                if let Some(t) = tap.as_deref_mut() {
                    t.extend_from_slice(&p.bytes);
                }
            }
            ClientSessionResult::RaisedEvent(e) => evs.push(e),
            ClientSessionResult::UnhandleableMessageReceived(_) => {}
        }
    }
    Ok(evs)
}

async fn wait_for<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    r: &mut R,
    w: &mut W,
    s: &mut ClientSession,
    inbound: &mut Inbound,
    want: fn(&Ev) -> Option<Result<(), String>>,
    sent: &std::sync::atomic::AtomicU64,
    tap: &mut Vec<u8>,
) -> Result<(), OutError> {
    let mut buf = vec![0u8; 16 * 1024];
    let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
    loop {
        let n = tokio::time::timeout_at(deadline, r.read(&mut buf)).await.map_err(|_| OutError::Timeout)?.map_err(|e| OutError::Lost(e.to_string()))?;
        if n == 0 {
            return Err(OutError::Refused("closed the connection".into()));
        }
        let res = inbound.feed(s, &buf[..n])?;
        for ev in apply(w, res, sent, Some(&mut *tap)).await? {
            match want(&ev) {
                Some(Ok(())) => return Ok(()),
                Some(Err(why)) => return Err(OutError::Refused(why)),
                None => {}
            }
        }
        w.flush().await.map_err(|e| OutError::Lost(e.to_string()))?;
    }
}

pub async fn session(t: &Target, feed: Feed<'_>, on_live: impl FnOnce()) -> Result<(), OutError> {
    let mut io = connect(t).await?;
    let leftover = handshake(&mut io).await?;
    let (rd, wr) = tokio::io::split(io);
    let mut rd = rd;
    let mut wr = BufWriter::with_capacity(64 * 1024, wr);
    let sent = &feed.stats.bytes_sent;

    let mut cfg = ClientSessionConfig::new();
    cfg.chunk_size = CHUNK_SIZE as u32;
    cfg.tc_url = Some(format!("{}://{}:{}/{}", if t.scheme == Scheme::Rtmps { "rtmps" } else { "rtmp" }, t.host, t.port, t.app));
    cfg.flash_version = "FMLE/3.0 (compatible; onair)".into();
    let (mut s, init) = ClientSession::new(cfg).map_err(cse)?;
    // What the session writes while setting up, to learn the stream it publishes on.
    let mut tap = Vec::new();
    apply(&mut wr, init, sent, Some(&mut tap)).await?;
    let mut inbound = Inbound::default();
    let early = inbound.feed(&mut s, &leftover)?;
    apply(&mut wr, early, sent, Some(&mut tap)).await?;
    let r = s.request_connection(t.app.clone()).map_err(cse)?;
    apply(&mut wr, vec![r], sent, Some(&mut tap)).await?;
    wr.flush().await.map_err(|e| OutError::Lost(e.to_string()))?;
    wait_for(
        &mut rd,
        &mut wr,
        &mut s,
        &mut inbound,
        |e| match e {
            Ev::ConnectionRequestAccepted => Some(Ok(())),
            Ev::ConnectionRequestRejected { description } => Some(Err(description.clone())),
            _ => None,
        },
        sent,
        &mut tap,
    )
    .await?;
    let r = s.request_publishing(t.key.clone(), PublishRequestType::Live).map_err(cse)?;
    apply(&mut wr, vec![r], sent, Some(&mut tap)).await?;
    wr.flush().await.map_err(|e| OutError::Lost(e.to_string()))?;
    wait_for(
        &mut rd,
        &mut wr,
        &mut s,
        &mut inbound,
        |e| match e {
            Ev::PublishRequestAccepted => Some(Ok(())),
            // An `_error` answer to `publish` (the session knows no transaction for it).
            Ev::UnknownTransactionResultReceived { additional_values, .. } => error_status(additional_values).map(Err),
            Ev::UnhandleableOnStatusCode { code } if code.contains("Publish") || code.contains("Rejected") || code.contains("Failed") => {
                Some(Err(code.clone()))
            }
            _ => None,
        },
        sent,
        &mut tap,
    )
    .await?;
    let stream_id = publish_stream_id(&tap).ok_or_else(|| OutError::Other("rtmp session: no publish command sent".into()))?;
    let chunker = Chunker::new(CHUNK_SIZE, stream_id);

    let (mut rx, headers) = feed.program.subscribe();
    on_live();
    if let Some(m) = &headers.metadata {
        let r = s.publish_metadata(m).map_err(cse)?;
        apply(&mut wr, vec![r], sent, None).await?;
    }
    wr.flush().await.map_err(|e| OutError::Lost(e.to_string()))?;
    let mut wr = wr.into_inner();
    let mut gate = Gate::started_with_gop(&headers.gop, &t.takes);
    gate.check(&headers)?;
    let mut out: Vec<u8> = Vec::with_capacity(OUT_CAPACITY);
    for h in [headers.video, headers.audio].into_iter().flatten().chain(headers.gop) {
        chunker.write(&h, &mut out);
    }
    send(&mut wr, &mut out, sent).await?;

    // Hot path: chunk everything that is queued into one buffer, then one write. The stop signal's
    // future is made once: a new one per frame costs a lock to register and another to drop.
    let mut buf = vec![0u8; 4096];
    let stop = feed.stop.changed();
    tokio::pin!(stop);
    let mut batch = Batch::default();
    loop {
        tokio::select! {
            biased;
            _ = &mut stop => {
                let _ = send(&mut wr, &mut out, sent).await;
                if let Ok(r) = s.stop_publishing() {
                    let mut w = BufWriter::new(&mut wr);
                    let _ = apply(&mut w, r, sent, None).await;
                    let _ = w.flush().await;
                }
                let _ = wr.shutdown().await;
                return Ok(());
            }
            r = rx.recv() => {
                let mut next = Some(r);
                while let Some(r) = next.take() {
                    match gate.pass(r, feed.stats) {
                        Err(super::Halt::Ended) => return Ok(()),
                        Err(super::Halt::Refused(e)) => return Err(e),
                        Ok(Some(f)) => {
                            chunker.write(&f, &mut out);
                            batch.add(&f);
                        }
                        Ok(None) => {}
                    }
                    if out.len() >= 1 << 20 {
                        break;
                    }
                    match rx.try_recv() {
                        Ok(f) => next = Some(Ok(f)),
                        Err(tokio::sync::broadcast::error::TryRecvError::Lagged(n)) => next = Some(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))),
                        Err(_) => {}
                    }
                }
                if batch.due(out.len()) {
                    send(&mut wr, &mut out, sent).await?;
                    batch = Batch::default();
                }
            }
            n = rd.read(&mut buf) => {
                let n = n.map_err(|e| OutError::Lost(e.to_string()))?;
                if n == 0 {
                    return Err(OutError::Lost("destination closed the connection".into()));
                }
                let res = inbound.feed(&mut s, &buf[..n])?;
                let mut w = BufWriter::new(&mut wr);
                apply(&mut w, res, sent, None).await?;
                w.flush().await.map_err(|e| OutError::Lost(e.to_string()))?;
            }
        }
    }
}

/// What waits in an output's buffer. Audio rides with the next video frame instead of going out
/// on its own: a third of the writes (and of the packets on the uplink), for at most a frame's
/// delay. Decided on the frames' timestamps, so no timer runs per output.
#[derive(Default)]
struct Batch {
    video: bool,
    audio_from: Option<u32>,
    audio_to: u32,
}

/// Audio alone (no video in the program) still goes out every this many milliseconds.
const AUDIO_HOLD_MS: u32 = 50;

impl Batch {
    fn add(&mut self, f: &Frame) {
        match f.kind {
            Kind::Video => self.video = true,
            Kind::Audio => {
                self.audio_from.get_or_insert(f.ts);
                self.audio_to = f.ts;
            }
        }
    }

    fn due(&self, bytes: usize) -> bool {
        self.video || bytes >= 64 * 1024 || self.audio_from.is_some_and(|t0| self.audio_to.wrapping_sub(t0) >= AUDIO_HOLD_MS)
    }
}

/// Writes and empties `out`. Most writes complete at once; only one that has to wait for the
/// destination is timed (no clock read per write on the hot path).
async fn send<W: AsyncWrite + Unpin>(w: &mut W, out: &mut Vec<u8>, sent: &std::sync::atomic::AtomicU64) -> Result<(), OutError> {
    if out.is_empty() {
        return Ok(());
    }
    let lost = |e: std::io::Error| OutError::Lost(e.to_string());
    let done = match futures_util::FutureExt::now_or_never(w.write(out)) {
        Some(r) => r.map_err(lost)?,
        None => 0,
    };
    if done < out.len() {
        match tokio::time::timeout(STALL, w.write_all(&out[done..])).await {
            Err(_) => return Err(OutError::Stalled(STALL.as_secs())),
            Ok(r) => r.map_err(lost)?,
        }
    }
    sent.fetch_add(out.len() as u64, Ordering::Relaxed);
    out.clear();
    // A joining output's burst (the GOP so far: ~1.7 MB at 1080p 6 Mb/s) would stay resident for
    // the session otherwise: five destinations held 8.7 MB of it, relaying 1080p.
    if out.capacity() > SHRINK_ABOVE {
        out.shrink_to(OUT_CAPACITY);
    }
    Ok(())
}

/// What an output's send buffer starts with (a keyframe at 1080p 6 Mb/s is 100–300 KB) ...
const OUT_CAPACITY: usize = 256 * 1024;
/// ... and past what it is given back after a send (a batch is cut at 1 MiB).
const SHRINK_ABOVE: usize = 1 << 20;

/// `code: description` of an error status object (`{level: "error" | "_error", code, description}`).
/// Remote text: `fanout::run` redacts it before anyone sees it.
fn error_status(values: &[rml_rtmp::rml_amf0::Amf0Value]) -> Option<String> {
    use rml_rtmp::rml_amf0::Amf0Value;
    values.iter().find_map(|v| {
        let Amf0Value::Object(o) = v else { return None };
        let text = |k: &str| match o.get(k) {
            Some(Amf0Value::Utf8String(s)) => s.chars().take(300).collect::<String>(),
            _ => String::new(),
        };
        let level = text("level");
        (level == "error" || level == "_error").then(|| format!("{}: {}", text("code"), text("description")).trim_matches([' ', ':']).to_string())
    })
}

/// The message stream the session publishes on: that of the `publish` command it wrote.
fn publish_stream_id(written: &[u8]) -> Option<u32> {
    let mut d = Demuxer::default();
    d.push(written);
    while let Ok(Some(m)) = d.next() {
        // AMF0 command whose name is the string "publish".
        if m.type_id == 20 && m.payload.starts_with(b"\x02\x00\x07publish") {
            return Some(m.stream_id);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rml_rtmp::sessions::{ServerSession, ServerSessionConfig, ServerSessionEvent, ServerSessionResult};

    #[test]
    fn audio_waits_for_video_but_never_long() {
        let a = |ts| Frame::audio(ts, bytes::Bytes::from_static(b"\xaf\x01x"));
        let mut b = Batch::default();
        b.add(&a(1000));
        assert!(!b.due(100), "audio alone waits for the video frame that follows it");
        b.add(&a(1021));
        assert!(!b.due(200));
        b.add(&Frame::video(1033, bytes::Bytes::from_static(b"\x27\x01")));
        assert!(b.due(300), "a video frame takes the waiting audio along");
        // A program without video: audio still goes out every 50 ms of its own timeline.
        let mut b = Batch::default();
        for ts in [5000, 5021, 5042] {
            b.add(&a(ts));
            assert!(!b.due(10));
        }
        b.add(&a(5064));
        assert!(b.due(10));
        // Timestamps that wrap at 2^32 ms (49 days) do not hold audio back.
        let mut b = Batch::default();
        b.add(&a(u32::MAX - 10));
        b.add(&a(45));
        assert!(b.due(10));
        assert!(Batch::default().due(64 * 1024), "a full buffer goes out whatever it holds");
    }

    /// A real client and server session talk in memory until the server accepts the publish; the
    /// stream id is read back from what the client wrote.
    #[test]
    fn finds_the_stream_the_session_publishes_on() {
        let (mut server, mut to_client) = ServerSession::new(ServerSessionConfig::new()).unwrap();
        let (mut client, init) = ClientSession::new(ClientSessionConfig::new()).unwrap();
        let mut written = vec![];
        let mut to_server: Vec<u8> = vec![];
        let out = |rs: Vec<ClientSessionResult>, w: &mut Vec<u8>| {
            for r in rs {
                if let ClientSessionResult::OutboundResponse(p) = r {
                    w.extend_from_slice(&p.bytes);
                }
            }
        };
        out(init, &mut to_server);
        out(vec![client.request_connection("app".into()).unwrap()], &mut to_server);
        let mut requested = false;
        let mut published = false;
        // The server's replies reach the client through the same guards as a destination's.
        let mut inbound = Inbound::default();
        for _ in 0..20 {
            written.extend_from_slice(&to_server);
            let mut todo: std::collections::VecDeque<_> = server.handle_input(&std::mem::take(&mut to_server)).unwrap().into();
            todo.extend(to_client.drain(..));
            let mut back = vec![];
            while let Some(r) = todo.pop_front() {
                match r {
                    ServerSessionResult::OutboundResponse(p) => back.extend_from_slice(&p.bytes),
                    ServerSessionResult::RaisedEvent(ServerSessionEvent::ConnectionRequested { request_id, .. }) => {
                        todo.extend(server.accept_request(request_id).unwrap())
                    }
                    ServerSessionResult::RaisedEvent(ServerSessionEvent::PublishStreamRequested { request_id, .. }) => {
                        todo.extend(server.accept_request(request_id).unwrap());
                        published = true;
                    }
                    _ => {}
                }
            }
            for r in inbound.feed(&mut client, &back).unwrap() {
                match r {
                    ClientSessionResult::OutboundResponse(p) => to_server.extend_from_slice(&p.bytes),
                    ClientSessionResult::RaisedEvent(Ev::ConnectionRequestAccepted) if !requested => {
                        requested = true;
                        out(vec![client.request_publishing("key".into(), PublishRequestType::Live).unwrap()], &mut to_server);
                    }
                    _ => {}
                }
            }
            if published {
                break;
            }
        }
        assert!(published, "the server accepted the publish");
        assert_eq!(publish_stream_id(&written), Some(1));
        assert_eq!(publish_stream_id(&written[..written.len() / 3]), None, "no publish command in the connect part");
    }

    /// What a hostile destination sends ends its session with an error, never a panic or abort.
    #[test]
    fn hostile_replies_are_refused_before_the_session() {
        let msg = |type_id: u8, data: Vec<u8>| {
            let p = MessagePayload { timestamp: RtmpTimestamp::new(0), type_id, message_stream_id: 0, data: bytes::Bytes::from(data) };
            ChunkSerializer::new().serialize(&p, true, false).unwrap().bytes
        };
        let mut deep = b"\x02\x00\x07_result\x00\x3f\xf0\x00\x00\x00\x00\x00\x00".to_vec();
        for _ in 0..12_000 {
            deep.extend_from_slice(&[0x0a, 0, 0, 0, 1]);
        }
        deep.push(0x05);
        let short = b"\x02\x00\x07_result".to_vec();
        let mut huge = vec![0x02u8, 0, 0, 0, 0x10, 0, 0, 0x14, 0, 0, 0, 0]; // a 1 MiB command
        huge.extend_from_slice(&[0u8; 4096]);
        for wire in [msg(20, deep), msg(20, short), msg(17, vec![0, 0x02, 0, 1]), msg(18, vec![0x11, 0x0a]), huge, vec![0xc7; 64]] {
            let (mut client, _) = ClientSession::new(ClientSessionConfig::new()).unwrap();
            let r = Inbound::default().feed(&mut client, &wire);
            assert!(matches!(r, Err(OutError::Protocol(_))), "{:?}", r.map(|v| v.len()));
        }
    }
}
