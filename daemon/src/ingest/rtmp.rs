//! RTMP ingest server (what OBS's "Custom" service publishes to): `rtmp://HOST:1935/live/<key>`.
//! Chunks are split into messages here (`chunks`, the hot path); connect/publish and metadata go
//! through `rml_rtmp`'s session (sans-IO), after `amf_guard`; sockets, slots and deadlines here.
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rml_rtmp::chunk_io::ChunkSerializer;
use rml_rtmp::handshake::{Handshake, HandshakeProcessResult, PeerType};
use rml_rtmp::messages::MessagePayload;
use rml_rtmp::sessions::{ServerSession, ServerSessionConfig, ServerSessionEvent as Ev, ServerSessionResult};
use rml_rtmp::time::RtmpTimestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

use super::slots::{Slot, Slots};
use super::{Ingests, Proto, PublishGuard};
use crate::media::Frame;
use crate::protocols::rtmp::amf_guard;
use crate::protocols::rtmp::chunks::{Demuxer, Message, DEFAULT_BUDGET};

const APP: &str = "live";
/// From accept (or from an unpublish) to an accepted publish: OBS and ffmpeg need well under a
/// second on a LAN, a few round trips over the internet.
const PUBLISH_DEADLINE: Duration = Duration::from_secs(10);
/// What a connection may hold before it publishes: it has no business sending anything but
/// commands (64 KiB at most each) until its publish is accepted.
const PRE_PUBLISH_BUDGET: usize = 256 * 1024;
/// A write to a publisher (acknowledgements, replies) that cannot complete in this long ends it.
const WRITE_STALL: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum RtmpError {
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("handshake: {0}")]
    Handshake(String),
    #[error("protocol: {0}")]
    Protocol(String),
    #[error("timed out")]
    Timeout,
    #[error("no media from the publisher for a while")]
    Stalled,
    #[error("refused: {0}")]
    Refused(String),
    #[error("closed to make room for a new connection (had not published)")]
    Evicted,
    #[error("internal error while parsing peer data")]
    Panic,
}

pub async fn serve(listener: TcpListener, ingest: Ingests) {
    let slots = Arc::new(Slots::default());
    loop {
        let (sock, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("rtmp accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let slot = match slots.admit(peer.ip()) {
            Ok(s) => s,
            Err(full) => {
                tracing::warn!(%peer, "rtmp: {full}, dropping");
                continue;
            }
        };
        let ingest = ingest.clone();
        tokio::spawn(async move {
            let _ = sock.set_nodelay(true);
            match handle(sock, peer, ingest, &slot).await {
                Ok(()) => tracing::info!(%peer, "rtmp: connection closed"),
                Err(e) => tracing::info!(%peer, "rtmp: connection ended: {e}"),
            }
            drop(slot);
        });
    }
}

/// Bounds what a connection does before it publishes: the deadline, and eviction by a newcomer.
struct Door<'a> {
    deadline: Instant,
    slot: &'a Slot,
}

impl Door<'_> {
    async fn bound<T>(&self, f: impl Future<Output = Result<T, RtmpError>>) -> Result<T, RtmpError> {
        tokio::select! {
            biased;
            r = f => r,
            _ = self.slot.evicted() => Err(RtmpError::Evicted),
            _ = tokio::time::sleep_until(self.deadline) => Err(RtmpError::Timeout),
        }
    }

    /// Writes to the peer: before publishing within the door's bounds, after it within `WRITE_STALL`.
    async fn send(&self, sock: &mut TcpStream, bytes: &[u8], publishing: bool) -> Result<(), RtmpError> {
        if bytes.is_empty() {
            return Ok(());
        }
        if publishing {
            return tokio::time::timeout(WRITE_STALL, sock.write_all(bytes)).await.map_err(|_| RtmpError::Timeout)?.map_err(RtmpError::Io);
        }
        self.bound(async { sock.write_all(bytes).await.map_err(RtmpError::Io) }).await
    }
}

async fn handshake(sock: &mut TcpStream) -> Result<Vec<u8>, RtmpError> {
    let mut hs = Handshake::new(PeerType::Server);
    let mut buf = vec![0u8; 4096];
    loop {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Err(RtmpError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        match hs.process_bytes(&buf[..n]).map_err(|e| RtmpError::Handshake(format!("{e:?}")))? {
            HandshakeProcessResult::InProgress { response_bytes } => sock.write_all(&response_bytes).await?,
            HandshakeProcessResult::Completed { response_bytes, remaining_bytes } => {
                sock.write_all(&response_bytes).await?;
                return Ok(remaining_bytes);
            }
        }
    }
}

/// Runs the session over bytes the peer sent, turning a parser panic into an error for this
/// connection only.
fn feed(session: &mut ServerSession, bytes: &[u8]) -> Result<Vec<ServerSessionResult>, RtmpError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.handle_input(bytes)))
        .map_err(|_| RtmpError::Panic)?
        .map_err(|e| RtmpError::Protocol(format!("{e:?}")))
}

/// One non-media message into `rml_rtmp`'s session: the AMF guard first (nesting that would overflow
/// the decoder's stack, short commands), then the crate's own chunking (its session reads chunks).
/// Sans-IO, so the fuzz target (fuzz/fuzz_targets/rtmp_ingest.rs) runs exactly this.
pub fn session_input(rechunk: &mut ChunkSerializer, session: &mut ServerSession, m: Message) -> Result<Vec<ServerSessionResult>, RtmpError> {
    amf_guard::check(m.type_id, &m.payload).map_err(|e| RtmpError::Protocol(e.to_string()))?;
    let p = MessagePayload { timestamp: RtmpTimestamp::new(m.timestamp), type_id: m.type_id, message_stream_id: m.stream_id, data: m.payload };
    let bytes = rechunk.serialize(&p, false, false).map_err(|e| RtmpError::Protocol(format!("{e:?}")))?.bytes;
    feed(session, &bytes)
}

async fn handle(mut sock: TcpStream, peer: SocketAddr, ingest: Ingests, slot: &Slot) -> Result<(), RtmpError> {
    let mut door = Door { deadline: Instant::now() + PUBLISH_DEADLINE, slot };
    let leftover = door.bound(handshake(&mut sock)).await?;
    let mut cfg = ServerSessionConfig::new();
    cfg.chunk_size = 4096;
    let (mut session, initial) = ServerSession::new(cfg).map_err(|e| RtmpError::Protocol(format!("{e:?}")))?;
    let mut guard: Option<PublishGuard> = None;
    let peer_s = peer.to_string();
    let (out, close) = settle(&mut session, initial, &ingest, &peer_s, &mut guard, slot)?;
    door.send(&mut sock, &out, false).await?;
    close.map_or(Ok(()), |why| Err(RtmpError::Refused(why)))?;
    let mut demux = Demuxer::with_budget(PRE_PUBLISH_BUDGET);
    let mut acks = Acks::default();
    // The session reads chunks: commands go back to it chunked by the crate's own serializer.
    let mut rechunk = ChunkSerializer::new();
    // While publishing no timer runs here (reads are the hot path): the core notices a feed that
    // stopped and signals this.
    let mut stalled: Option<(u64, std::pin::Pin<Box<tokio::sync::futures::OwnedNotified>>)> = None;
    let mut publishing = false;
    demux.push(&leftover);
    loop {
        // Messages in order: a publish command is settled before the media that follows it.
        while let Some(m) = demux.next().map_err(|e| RtmpError::Protocol(e.to_string()))? {
            match m.type_id {
                8 | 9 => {
                    if let Some(g) = &guard {
                        let video = m.type_id == 9;
                        if let Some(d) = crate::media::multitrack::default_track(video, m.payload) {
                            g.push(if video { Frame::video(m.timestamp, d) } else { Frame::audio(m.timestamp, d) });
                        }
                    }
                }
                // Window Acknowledgement Size: the publisher wants to hear how much arrived.
                5 if m.payload.len() >= 4 => acks.window = u32::from_be_bytes([m.payload[0], m.payload[1], m.payload[2], m.payload[3]]) as u64,
                3 | 5 => {}
                _ => {
                    let r = session_input(&mut rechunk, &mut session, m)?;
                    let (out, close) = settle(&mut session, r, &ingest, &peer_s, &mut guard, slot)?;
                    door.send(&mut sock, &out, publishing).await?;
                    if let Some(why) = close {
                        let _ = sock.flush().await;
                        return Err(RtmpError::Refused(why));
                    }
                    if guard.is_some() != publishing {
                        // Published: media may follow at once, the slot is no longer up for
                        // eviction. Unpublished but still connected: the deadline and the small
                        // budget apply again.
                        publishing = guard.is_some();
                        slot.set_published(publishing);
                        demux.set_budget(if publishing { DEFAULT_BUDGET } else { PRE_PUBLISH_BUDGET });
                        door.deadline = Instant::now() + PUBLISH_DEADLINE;
                    }
                }
            }
        }
        if let Some(ack) = acks.due(demux.received()) {
            door.send(&mut sock, &ack, publishing).await?;
        }
        // Published again on the same connection: the new publication's signal.
        stalled = match (&guard, stalled.take()) {
            (None, _) => None,
            (Some(g), Some((gen, s))) if gen == g.generation() => Some((gen, s)),
            (Some(g), _) => Some((g.generation(), Box::pin(g.stalled()))),
        };
        let n = match stalled.as_mut().map(|(_, s)| s) {
            Some(stall) => tokio::select! {
                biased;
                r = demux.fill(&mut sock) => r?,
                _ = stall.as_mut() => return Err(RtmpError::Stalled),
            },
            None => door.bound(async { demux.fill(&mut sock).await.map_err(RtmpError::Io) }).await?,
        };
        // A peer that closes the socket after the handshake has simply finished.
        if n == 0 {
            return Ok(());
        }
    }
}

/// Acknowledgements (RTMP message 3) every `window` bytes, once the publisher has asked for them.
#[derive(Default)]
struct Acks {
    window: u64,
    last: u64,
}

impl Acks {
    fn due(&mut self, received: u64) -> Option<[u8; 16]> {
        if self.window == 0 || received - self.last < self.window {
            return None;
        }
        self.last = received;
        let mut m = [0u8; 16];
        // Chunk stream 2, full header, length 4, type 3, stream 0; the sequence number wraps at 2^32.
        m[..8].copy_from_slice(&[0x02, 0, 0, 0, 0, 0, 4, 3]);
        m[12..].copy_from_slice(&(received as u32).to_be_bytes());
        Some(m)
    }
}

/// Runs the session's results: events (connect, publish, metadata). Returns the replies to send
/// and, if the connection is to end after them, why.
fn settle(
    session: &mut ServerSession,
    results: Vec<ServerSessionResult>,
    ingest: &Ingests,
    peer: &str,
    guard: &mut Option<PublishGuard>,
    slot: &Slot,
) -> Result<(Vec<u8>, Option<String>), RtmpError> {
    let mut out = Vec::new();
    let mut close = None;
    let mut queue: std::collections::VecDeque<_> = results.into();
    while let Some(r) = queue.pop_front() {
        match r {
            ServerSessionResult::OutboundResponse(p) => out.extend_from_slice(&p.bytes),
            ServerSessionResult::RaisedEvent(ev) => match on_event(session, ev, ingest, peer, guard, slot)? {
                Step::Continue(more) => queue.extend(more),
                Step::Close(more, why) => {
                    queue.extend(more);
                    close = Some(why);
                }
            },
            ServerSessionResult::UnhandleableMessageReceived(_) => {}
        }
    }
    Ok((out, close))
}

enum Step {
    Continue(Vec<ServerSessionResult>),
    Close(Vec<ServerSessionResult>, String),
}

fn on_event(session: &mut ServerSession, ev: Ev, ingest: &Ingests, peer: &str, guard: &mut Option<PublishGuard>, slot: &Slot) -> Result<Step, RtmpError> {
    let proto = |e| RtmpError::Protocol(format!("{e:?}"));
    use Step::Continue as C;
    match ev {
        Ev::ConnectionRequested { request_id, app_name } => {
            if app_name.trim_end_matches('/') != APP {
                let r = session.reject_request(request_id, "NetConnection.Connect.Rejected", "unknown application; use /live").map_err(proto)?;
                tracing::info!(peer, app = %app_name, "rtmp: refused unknown app");
                return Ok(Step::Close(r, "unknown application".into()));
            }
            // Handshaken and connected to the right app: an encoder a couple of round trips from
            // publishing, which a flood of fresh connections may no longer evict (see `slots`).
            slot.set_connected();
            session.accept_request(request_id).map_err(proto).map(C)
        }
        Ev::PublishStreamRequested { request_id, stream_key, .. } => {
            if guard.is_some() {
                return Err(RtmpError::Refused("already publishing".into()));
            }
            match ingest.claim(Proto::Rtmp, peer, &stream_key) {
                Ok(g) => {
                    tracing::info!(peer, feed = g.feed().as_str(), "rtmp: publisher accepted");
                    *guard = Some(g);
                    session.accept_request(request_id).map_err(proto).map(C)
                }
                Err(why) => {
                    // Never log the key the peer tried: it may be a real key mistyped by one character.
                    tracing::warn!(peer, "rtmp: publish refused: {why}");
                    let r = session.reject_request(request_id, "NetStream.Publish.BadName", &why.to_string()).map_err(proto)?;
                    Ok(Step::Close(r, why.to_string()))
                }
            }
        }
        Ev::StreamMetadataChanged { metadata, .. } => {
            if let Some(g) = guard {
                g.metadata(metadata);
            }
            Ok(C(vec![]))
        }
        Ev::PublishStreamFinished { .. } => {
            *guard = None;
            Ok(C(vec![]))
        }
        Ev::PlayStreamRequested { request_id, .. } => {
            let r = session.reject_request(request_id, "NetStream.Play.Failed", "playback is not offered").map_err(proto)?;
            Ok(Step::Close(r, "playback is not offered".into()))
        }
        _ => Ok(C(vec![])),
    }
}

#[cfg(test)]
mod tests {
    use super::Acks;

    #[test]
    fn acknowledges_every_window_once_asked() {
        let mut a = Acks::default();
        assert_eq!(a.due(10_000_000), None, "not before the publisher sets a window");
        a.window = 2_500_000;
        let m = a.due(2_600_000).unwrap();
        assert_eq!(&m[..8], &[0x02, 0, 0, 0, 0, 0, 4, 3]);
        assert_eq!(u32::from_be_bytes([m[12], m[13], m[14], m[15]]), 2_600_000);
        assert_eq!(a.due(4_000_000), None);
        assert!(a.due(5_100_000).is_some());
        // The sequence number wraps at 2^32 as the spec says.
        let m = a.due((1u64 << 32) + 7).unwrap();
        assert_eq!(u32::from_be_bytes([m[12], m[13], m[14], m[15]]), 7);
    }
}
