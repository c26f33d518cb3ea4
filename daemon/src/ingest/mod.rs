//! The program feed coming in: one publisher at a time (RTMP or SRT), checked against the ingest
//! key, measured from the stream itself, and handed to the program bus. Owns the listeners' slots
//! and the publisher; tells the core what happened (`IngestEvent`) and never decides the show.
pub mod rtmp;
pub mod slots;
pub mod srt;

use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use rml_rtmp::sessions::StreamMetadata;
use serde::Serialize;
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, Notify};

use crate::media::feed::FeedId;
use crate::media::program::{Program, Source};
use crate::media::{avc, flv, AudioInfo, Frame, Kind, VideoInfo};

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Proto {
    Rtmp,
    Srt,
    TestSignal,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("wrong ingest key")]
    WrongKey,
    #[error("another publisher is live")]
    Busy,
}

#[derive(Debug, Clone)]
pub enum IngestEvent {
    Connected { feed: FeedId, proto: Proto, peer: String },
    Disconnected { feed: FeedId, proto: Proto, peer: String },
    Refused { proto: Proto, peer: String, reason: String },
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub connected: bool,
    pub proto: Option<Proto>,
    pub peer: Option<String>,
    pub connected_s: Option<u64>,
    pub video: VideoInfo,
    pub audio: AudioInfo,
    pub frames: u64,
    pub bytes: u64,
}

#[derive(Default)]
struct Stats {
    video: VideoInfo,
    audio: AudioInfo,
    video_bytes: u64,
    audio_bytes: u64,
    video_frames: u64,
    last_frame: Option<Instant>,
    // for rates
    prev_at: Option<Instant>,
    prev_video_bytes: u64,
    prev_audio_bytes: u64,
    prev_frames: u64,
    meta_fps: Option<f64>,
}

/// Time since the publisher's last frame (or since it connected, before its first).
fn age(since: &Instant, s: &Stats, now: Instant) -> std::time::Duration {
    now.saturating_duration_since(s.last_frame.unwrap_or(*since))
}

struct Publisher {
    proto: Proto,
    peer: String,
    since: Instant,
    generation: u64,
    stall: Arc<Notify>,
    kicked: bool,
}

pub struct Ingest {
    feed: FeedId,
    program: Arc<Program>,
    key: RwLock<String>,
    /// The SRT listener's passphrase (empty: SRT ingest unencrypted).
    srt_passphrase: RwLock<String>,
    state: Mutex<(Option<Publisher>, u64, Stats)>,
    events: mpsc::UnboundedSender<IngestEvent>,
}

/// Both feeds' ingests, as the listeners see them: a publisher's key says which feed it is.
#[derive(Clone)]
pub struct Ingests {
    pub main: Arc<Ingest>,
    pub second: Arc<Ingest>,
}

impl Ingests {
    pub fn get(&self, f: FeedId) -> &Arc<Ingest> {
        match f {
            FeedId::Main => &self.main,
            FeedId::Second => &self.second,
        }
    }

    /// Which feed `key` is the ingest key of (both compared in constant time).
    pub fn which(&self, key: &str) -> Option<FeedId> {
        let (m, s) = (self.main.key_matches(key), self.second.key_matches(key));
        match (m, s) {
            (true, _) => Some(FeedId::Main),
            (false, true) => Some(FeedId::Second),
            _ => None,
        }
    }

    /// A publisher with `key` claims the feed that key is for (a wrong key is told to the main
    /// feed's ingest, which reports it).
    pub fn claim(&self, proto: Proto, peer: &str, key: &str) -> Result<PublishGuard, Refusal> {
        match self.which(key) {
            Some(f) => self.get(f).claim(proto, peer, Some(key)),
            None => self.main.claim(proto, peer, Some(key)),
        }
    }
}

/// Held by a publishing connection; dropping it ends the publication.
pub struct PublishGuard {
    ingest: Arc<Ingest>,
    generation: u64,
    proto: Proto,
    peer: String,
    stall: Arc<Notify>,
}

impl Ingest {
    pub fn new(feed: FeedId, program: Arc<Program>, key: String, events: mpsc::UnboundedSender<IngestEvent>) -> Arc<Self> {
        Arc::new(Ingest { feed, program, key: RwLock::new(key), srt_passphrase: RwLock::default(), state: Mutex::new((None, 0, Stats::default())), events })
    }

    pub fn feed(&self) -> FeedId {
        self.feed
    }

    /// The program bus this feed goes into.
    pub fn program(&self) -> &Arc<Program> {
        &self.program
    }

    pub fn key(&self) -> String {
        self.key.read().unwrap().clone()
    }

    pub fn set_key(&self, k: String) {
        *self.key.write().unwrap() = k;
    }

    pub fn srt_passphrase(&self) -> String {
        self.srt_passphrase.read().unwrap().clone()
    }

    /// Takes effect for the next SRT caller (one that is connected keeps its session).
    pub fn set_srt_passphrase(&self, p: String) {
        *self.srt_passphrase.write().unwrap() = p;
    }

    pub fn key_matches(&self, candidate: &str) -> bool {
        let k = self.key.read().unwrap();
        k.len() == candidate.len() && bool::from(k.as_bytes().ct_eq(candidate.as_bytes()))
    }

    /// A real publisher (RTMP/SRT) takes over from the test signal; nothing takes over from a real one.
    pub fn claim(self: &Arc<Self>, proto: Proto, peer: &str, key: Option<&str>) -> Result<PublishGuard, Refusal> {
        if let Some(k) = key {
            if !self.key_matches(k) {
                let _ = self.events.send(IngestEvent::Refused { proto, peer: peer.into(), reason: "wrong ingest key".into() });
                return Err(Refusal::WrongKey);
            }
        }
        let mut g = self.state.lock().unwrap();
        if let Some(p) = &g.0 {
            if p.proto != Proto::TestSignal || proto == Proto::TestSignal {
                let _ = self.events.send(IngestEvent::Refused { proto, peer: peer.into(), reason: "another publisher is live".into() });
                return Err(Refusal::Busy);
            }
            let _ = self.events.send(IngestEvent::Disconnected { feed: self.feed, proto: p.proto, peer: p.peer.clone() });
        }
        g.1 += 1;
        let generation = g.1;
        let stall = Arc::new(Notify::new());
        g.0 = Some(Publisher { proto, peer: peer.into(), since: Instant::now(), generation, stall: stall.clone(), kicked: false });
        g.2 = Stats::default();
        drop(g);
        self.program.reset(Source::Feed);
        let _ = self.events.send(IngestEvent::Connected { feed: self.feed, proto, peer: peer.into() });
        Ok(PublishGuard { ingest: self.clone(), generation, proto, peer: peer.into(), stall })
    }

    pub fn publisher_proto(&self) -> Option<Proto> {
        self.state.lock().unwrap().0.as_ref().map(|p| p.proto)
    }

    /// Time since the feed last delivered a frame, if a publisher is connected.
    pub fn feed_age(&self, now: Instant) -> Option<std::time::Duration> {
        let g = self.state.lock().unwrap();
        Some(age(&g.0.as_ref()?.since, &g.2, now))
    }

    /// Tells an RTMP publisher that has sent no media for `limit` to hang up (its connection then
    /// ends like any other, and the slate takes over). Called by the core's ticker, so the RTMP
    /// read loop needs no timer of its own. (An SRT caller is dropped by SRT's own idle timeout.)
    pub fn kick_stalled(&self, limit: std::time::Duration, now: Instant) {
        let mut g = self.state.lock().unwrap();
        let (p, _, stats) = &mut *g;
        let Some(p) = p.as_mut() else { return };
        let age = age(&p.since, stats, now);
        if age > limit && p.proto == Proto::Rtmp && !p.kicked {
            tracing::warn!(peer = %p.peer, "ingest: no media for {} s, dropping the publisher", age.as_secs());
            p.kicked = true;
            p.stall.notify_one();
        }
    }

    /// Recomputes bitrates and frame rate from the byte and frame counters; called once a second.
    pub fn sample_rates(&self, now: Instant) {
        let mut g = self.state.lock().unwrap();
        let s = &mut g.2;
        if let Some(prev) = s.prev_at {
            let dt = now.duration_since(prev).as_secs_f64().max(0.001);
            s.video.kbps = ((s.video_bytes - s.prev_video_bytes) as f64 * 8.0 / 1000.0 / dt).round() as u32;
            s.audio.kbps = ((s.audio_bytes - s.prev_audio_bytes) as f64 * 8.0 / 1000.0 / dt).round() as u32;
            let measured = (s.video_frames - s.prev_frames) as f64 / dt;
            s.video.fps = if measured > 0.0 { (measured * 100.0).round() / 100.0 } else { s.meta_fps.unwrap_or(0.0) };
        }
        s.prev_at = Some(now);
        s.prev_video_bytes = s.video_bytes;
        s.prev_audio_bytes = s.audio_bytes;
        s.prev_frames = s.video_frames;
    }

    pub fn snapshot(&self) -> Snapshot {
        let g = self.state.lock().unwrap();
        let p = g.0.as_ref();
        Snapshot {
            connected: p.is_some_and(|p| p.proto != Proto::TestSignal),
            proto: p.map(|p| p.proto),
            peer: p.map(|p| p.peer.clone()),
            connected_s: p.map(|p| p.since.elapsed().as_secs()),
            video: g.2.video.clone(),
            audio: g.2.audio.clone(),
            frames: g.2.video_frames,
            bytes: g.2.video_bytes + g.2.audio_bytes,
        }
    }

    fn on_frame(&self, generation: u64, f: Frame) {
        let now = Instant::now();
        {
            let mut g = self.state.lock().unwrap();
            if g.0.as_ref().map(|p| p.generation) != Some(generation) {
                return;
            }
            let s = &mut g.2;
            s.last_frame = Some(now);
            match f.kind {
                Kind::Video => {
                    s.video_bytes += f.data.len() as u64;
                    if f.is_sequence_header() {
                        s.video.codec = flv::video_codec_name(&f.data).into();
                        if let Some((w, h, fps)) = avc::sps_info(&f.data) {
                            s.video.width = w;
                            s.video.height = h;
                            s.meta_fps = s.meta_fps.or(fps);
                        }
                    } else {
                        s.video_frames += 1;
                        if s.video.codec.is_empty() {
                            s.video.codec = flv::video_codec_name(&f.data).into();
                        }
                    }
                }
                Kind::Audio => {
                    s.audio_bytes += f.data.len() as u64;
                    if s.audio.codec.is_empty() {
                        s.audio.codec = flv::audio_codec_name(&f.data).into();
                    }
                    if let Some((rate, ch)) = flv::aac_config(&f.data) {
                        s.audio.sample_rate = rate;
                        s.audio.channels = ch;
                    }
                }
            }
        }
        self.program.push_at(Source::Feed, f, now);
    }

    fn on_metadata(&self, generation: u64, m: StreamMetadata) {
        let mut g = self.state.lock().unwrap();
        if g.0.as_ref().map(|p| p.generation) != Some(generation) {
            return;
        }
        if let (Some(w), Some(h)) = (m.video_width, m.video_height) {
            if g.2.video.width == 0 {
                g.2.video.width = w;
                g.2.video.height = h;
            }
        }
        g.2.meta_fps = m.video_frame_rate.map(|f| f as f64).filter(|f| *f > 0.0);
        drop(g);
        self.program.set_metadata(m);
    }

    fn release(&self, generation: u64, proto: Proto, peer: &str) {
        let mut g = self.state.lock().unwrap();
        if g.0.as_ref().map(|p| p.generation) == Some(generation) {
            g.0 = None;
            drop(g);
            let _ = self.events.send(IngestEvent::Disconnected { feed: self.feed, proto, peer: peer.into() });
        }
    }
}

impl PublishGuard {
    pub fn push(&self, f: Frame) {
        self.ingest.on_frame(self.generation, f);
    }
    pub fn metadata(&self, m: StreamMetadata) {
        self.ingest.on_metadata(self.generation, m);
    }
    pub fn feed(&self) -> FeedId {
        self.ingest.feed
    }

    /// Which publication this is (a connection may publish again after unpublishing).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Completes when the core finds this publisher stalled (see `Ingest::kick_stalled`).
    pub fn stalled(&self) -> tokio::sync::futures::OwnedNotified {
        self.stall.clone().notified_owned()
    }

    /// Still the publisher (a real feed may have taken over from the test signal).
    pub fn is_current(&self) -> bool {
        self.ingest.state.lock().unwrap().0.as_ref().map(|p| p.generation) == Some(self.generation)
    }
}

impl Drop for PublishGuard {
    fn drop(&mut self) {
        self.ingest.release(self.generation, self.proto, &self.peer);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn one_publisher_key_checked_test_signal_yields() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let ing = Ingest::new(FeedId::Main, Arc::new(Program::new()), "live_k".into(), tx);
        assert_eq!(ing.claim(Proto::Rtmp, "a", Some("live_x")).err(), Some(Refusal::WrongKey));
        assert_eq!(ing.claim(Proto::Rtmp, "a", Some("live_")).err(), Some(Refusal::WrongKey));
        let t = ing.claim(Proto::TestSignal, "test", None).unwrap();
        let g = ing.claim(Proto::Rtmp, "a", Some("live_k")).unwrap();
        assert!(!t.is_current() && g.is_current());
        assert_eq!(ing.claim(Proto::Srt, "b", Some("live_k")).err(), Some(Refusal::Busy));
        assert_eq!(ing.claim(Proto::TestSignal, "t", None).err(), Some(Refusal::Busy));
        drop(t); // the superseded test signal must not end the real publication
        assert_eq!(ing.publisher_proto(), Some(Proto::Rtmp));
        drop(g);
        assert_eq!(ing.publisher_proto(), None);
        let mut connected = 0;
        while let Ok(e) = rx.try_recv() {
            connected += matches!(e, IngestEvent::Connected { .. }) as i32;
        }
        assert_eq!(connected, 2);
    }

    /// Stall and rate decisions take the time they are asked at: stepped here through 12 s of
    /// simulated time with no sleeping.
    #[test]
    fn stalls_and_rates_follow_the_time_given() {
        let (tx, _rx) = mpsc::unbounded_channel();
        let ing = Ingest::new(FeedId::Main, Arc::new(Program::new()), "live_k".into(), tx);
        let g = ing.claim(Proto::Rtmp, "a", Some("live_k")).unwrap();
        let t0 = Instant::now();
        ing.sample_rates(t0);
        g.push(Frame::video(0, bytes::Bytes::from(vec![0x27, 1, 0, 0, 0, 0, 0, 0, 0, 0])));
        let last = ing.state.lock().unwrap().2.last_frame.unwrap();
        ing.sample_rates(last + Duration::from_secs(2));
        // 10 bytes over 2 s: 0.04 kb/s rounds to 0; one frame over 2 s is 0.5 fps.
        assert_eq!(ing.snapshot().video.fps, 0.5);
        assert_eq!(ing.feed_age(last + Duration::from_secs(3)), Some(Duration::from_secs(3)));
        let stalled = g.stalled();
        ing.kick_stalled(Duration::from_secs(10), last + Duration::from_secs(9));
        assert!(!ing.state.lock().unwrap().0.as_ref().unwrap().kicked, "9 s without media is not yet a stall");
        ing.kick_stalled(Duration::from_secs(10), last + Duration::from_secs(11));
        assert!(ing.state.lock().unwrap().0.as_ref().unwrap().kicked);
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(1), stalled).await.expect("the publisher is told to hang up") });
    }
}
