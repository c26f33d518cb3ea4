//! Fan-out: one task per destination, each reading the program ring on its own. A destination
//! that refuses, stalls or drops only affects itself; it reconnects with backoff and rejoins at
//! the next keyframe. Owns the outputs' tasks and their counters; reads the program ring, never
//! the store: the core hands each output its target (address and key) when it starts it.
pub mod chunker;
pub mod delay;
pub mod redact;
pub mod rtmp_out;
pub mod srt_out;
pub mod target;
pub mod transcoded;
pub mod url_secrets;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, mpsc, watch};

use crate::backoff::Backoff;
use crate::media::feed::{FeedId, PerFeed};
use crate::media::program::Program;
use crate::media::transcode::Output;
use crate::media::Frame;
use target::{Scheme, Takes, Target};
use transcoded::Transcoder;

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutState {
    Idle,
    Connecting,
    Live,
    Reconnecting,
    Failed,
}

impl OutState {
    /// The same word as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OutState::Idle => "idle",
            OutState::Connecting => "connecting",
            OutState::Live => "live",
            OutState::Reconnecting => "reconnecting",
            OutState::Failed => "failed",
        }
    }
}

#[derive(Default)]
pub struct OutputStats {
    pub bytes_sent: AtomicU64,
    pub reconnects: AtomicU32,
    pub dropped_frames: AtomicU64,
    pub kbps: AtomicU32,
    /// A transcoded output's own counters (pictures its encoder missed).
    transcode: Mutex<Option<Arc<transcoded::Counters>>>,
    inner: Mutex<OutInner>,
}

struct OutInner {
    state: OutState,
    last_error: Option<String>,
    live_since: Option<Instant>,
    prev_bytes: u64,
    prev_at: Option<Instant>,
}

impl Default for OutInner {
    fn default() -> Self {
        OutInner { state: OutState::Idle, last_error: None, live_since: None, prev_bytes: 0, prev_at: None }
    }
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct OutSnapshot {
    pub state: OutState,
    pub kbps: u32,
    pub bytes_sent: u64,
    pub reconnects: u32,
    pub dropped_frames: u64,
    /// The output gets its own encoding of the feed (its `output`, or H.264 for a feed codec it
    /// does not take).
    pub transcoding: bool,
    pub uptime_s: u64,
    pub last_error: Option<String>,
}

/// A state change of one output, for the supervisor's event feed.
#[derive(Debug, Clone)]
pub struct OutEvent {
    pub id: i64,
    pub state: OutState,
    pub error: Option<String>,
}

impl OutputStats {
    pub fn snapshot(&self) -> OutSnapshot {
        let transcode = self.transcode.lock().unwrap().clone();
        let g = self.inner.lock().unwrap();
        OutSnapshot {
            state: g.state,
            kbps: self.kbps.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            dropped_frames: self.dropped_frames.load(Ordering::Relaxed) + transcode.as_ref().map_or(0, |c| c.dropped.load(Ordering::Relaxed)),
            transcoding: transcode.is_some(),
            uptime_s: g.live_since.map(|t| t.elapsed().as_secs()).unwrap_or(0),
            last_error: g.last_error.clone(),
        }
    }

    pub fn sample_rate(&self) {
        let mut g = self.inner.lock().unwrap();
        let now = Instant::now();
        let bytes = self.bytes_sent.load(Ordering::Relaxed);
        if let Some(prev) = g.prev_at {
            let dt = now.duration_since(prev).as_secs_f64().max(0.001);
            let kbps = ((bytes.saturating_sub(g.prev_bytes)) as f64 * 8.0 / 1000.0 / dt).round() as u32;
            self.kbps.store(if g.state == OutState::Live { kbps } else { 0 }, Ordering::Relaxed);
        }
        g.prev_at = Some(now);
        g.prev_bytes = bytes;
    }

    fn set(&self, id: i64, state: OutState, error: Option<String>, ev: &mpsc::UnboundedSender<OutEvent>) {
        let mut g = self.inner.lock().unwrap();
        if state == OutState::Live {
            g.live_since = Some(Instant::now());
        } else if state != OutState::Live {
            g.live_since = None;
        }
        if error.is_some() {
            g.last_error = error.clone();
        }
        let changed = g.state != state;
        g.state = state;
        drop(g);
        if changed {
            let _ = ev.send(OutEvent { id, state, error });
        }
    }
}

/// What a connected output session needs: frames, what to send first, and a stop signal.
pub struct Feed<'a> {
    pub program: &'a Program,
    pub stats: &'a OutputStats,
    pub stop: &'a mut watch::Receiver<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("handshake: {0}")]
    Handshake(String),
    #[error("refused by destination: {0}")]
    Refused(String),
    #[error("connection lost: {0}")]
    Lost(String),
    #[error("destination stalled (no progress for {0} s)")]
    Stalled(u64),
    #[error("timed out waiting for the destination")]
    Timeout,
    #[error("destination sent bad data: {0}")]
    Protocol(String),
    #[error("{label} takes {takes} video, the feed is {feed}: set OBS's encoder to H.264 for this show")]
    Codec { label: String, takes: String, feed: String },
    #[error(transparent)]
    Pipeline(#[from] crate::media::pipeline::PipelineError),
    #[error("{0}")]
    Other(String),
}

/// How the per-frame loop treats the ring: after a lag it resumes at the next keyframe; a video
/// sequence header in a codec the destination does not take ends the session.
pub struct Gate<'a> {
    need_key: bool,
    takes: &'a Takes,
}

impl<'a> Gate<'a> {
    /// An output that was handed the GOP so far continues from the ring without waiting.
    pub fn started_with_gop(gop: &[Frame], takes: &'a Takes) -> Self {
        Gate { need_key: gop.first().is_none_or(|f| !f.is_keyframe()), takes }
    }

    /// The headers a session sends first, checked like the ring's frames.
    pub fn check(&self, headers: &crate::media::program::Headers) -> Result<(), OutError> {
        match headers.video.as_ref().and_then(|v| self.takes.refuses(crate::media::flv::video_codec_name(&v.data))) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Returns the frame if it should be sent; `Err(Halt::Ended)` once the program bus has closed.
    pub fn pass(&mut self, r: Result<Frame, broadcast::error::RecvError>, stats: &OutputStats) -> Result<Option<Frame>, Halt> {
        match r {
            Ok(f) => {
                if f.is_video() && f.is_sequence_header() {
                    if let Some(e) = self.takes.refuses(crate::media::flv::video_codec_name(&f.data)) {
                        return Err(Halt::Refused(e));
                    }
                }
                if self.need_key {
                    if f.is_sequence_header() {
                        return Ok(Some(f));
                    }
                    if !f.is_keyframe() {
                        return Ok(None);
                    }
                    self.need_key = false;
                }
                Ok(Some(f))
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                stats.dropped_frames.fetch_add(n, Ordering::Relaxed);
                self.need_key = true;
                Ok(None)
            }
            Err(broadcast::error::RecvError::Closed) => Err(Halt::Ended),
        }
    }
}

/// Why a session stops taking frames.
#[derive(Debug)]
pub enum Halt {
    /// The program bus has closed: the box is shutting down.
    Ended,
    /// The feed changed to a codec the destination does not take.
    Refused(OutError),
}

/// The feed's video codec, when the program has one on air.
fn feed_codec(program: &Program) -> Option<&'static str> {
    program.video_header().map(|v| crate::media::flv::video_codec_name(&v.data))
}

struct Handle {
    feed: FeedId,
    stop: watch::Sender<bool>,
    crop_x: watch::Sender<f64>,
    task: tokio::task::JoinHandle<()>,
}

pub struct Fanout {
    rt: tokio::runtime::Handle,
    programs: PerFeed<Arc<Program>>,
    /// Each feed is decoded at most once, for all of its transcoded outputs.
    transcoders: PerFeed<Arc<Transcoder>>,
    events: mpsc::UnboundedSender<OutEvent>,
    stats: Mutex<HashMap<i64, Arc<OutputStats>>>,
    running: Mutex<HashMap<i64, Handle>>,
}

impl Fanout {
    /// Outputs run on `rt` (the media runtime), whoever asks for them, each reading the program
    /// of the feed its target takes; transcoded ones encode with `encoder` (the box's picked H.264
    /// encoder).
    pub fn new(
        rt: tokio::runtime::Handle,
        programs: PerFeed<Arc<Program>>,
        encoder: crate::media::h264enc::Choice,
        events: mpsc::UnboundedSender<OutEvent>,
    ) -> Self {
        let t = |p: &Arc<Program>| Arc::new(Transcoder::new(rt.clone(), p.clone(), encoder.clone()));
        let transcoders = PerFeed::new(t(&programs[FeedId::Main]), t(&programs[FeedId::Second]));
        Fanout { rt, programs, transcoders, events, stats: Mutex::default(), running: Mutex::default() }
    }

    /// Whether a feed is being decoded for some transcoded output.
    pub fn decoding(&self) -> bool {
        self.transcoders.iter().any(|(_, t)| t.decoding())
    }

    /// Whether a running output takes `feed`.
    pub fn takes(&self, feed: FeedId) -> bool {
        self.running.lock().unwrap().values().any(|h| h.feed == feed && !h.task.is_finished())
    }

    /// Moves a running output's crop window (0 left … 1 right) without restarting it.
    pub fn set_crop_x(&self, id: i64, x: f64) -> bool {
        self.running.lock().unwrap().get(&id).is_some_and(|h| h.crop_x.send(x.clamp(0.0, 1.0)).is_ok())
    }

    pub fn stats(&self, id: i64) -> Arc<OutputStats> {
        self.stats.lock().unwrap().entry(id).or_default().clone()
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.running.lock().unwrap().get(&id).is_some_and(|h| !h.task.is_finished())
    }

    pub fn running_ids(&self) -> Vec<i64> {
        self.running.lock().unwrap().keys().copied().collect()
    }

    pub fn sample_rates(&self) {
        for s in self.stats.lock().unwrap().values() {
            s.sample_rate();
        }
    }

    /// Starts (or restarts) the output for destination `id`. Counters start from zero.
    pub fn start(&self, id: i64, target: Target) {
        let stats = Arc::new(OutputStats::default());
        self.stats.lock().unwrap().insert(id, stats.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        let (crop_tx, crop_rx) = watch::channel(target.output.as_ref().map_or(0.5, |o| o.crop_x));
        let feed = target.feed;
        let source = Source {
            rt: self.rt.clone(),
            program: self.programs[feed].clone(),
            transcoder: self.transcoders[feed].clone(),
            crop_x: crop_rx,
            stop: stop_rx.clone(),
        };
        let events = self.events.clone();
        let task = self.rt.spawn(run(id, target, source, stats, stop_rx, events));
        if let Some(old) = self.running.lock().unwrap().insert(id, Handle { feed, stop: stop_tx, crop_x: crop_tx, task }) {
            let _ = old.stop.send(true);
        }
    }

    /// Stops one output cleanly (closes the stream on the destination) and waits up to 5 s.
    pub async fn stop(&self, id: i64) {
        let h = self.running.lock().unwrap().remove(&id);
        if let Some(h) = h {
            let _ = h.stop.send(true);
            let abort = h.task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), h.task).await.is_err() {
                abort.abort();
            }
            self.stats(id).set(id, OutState::Idle, None, &self.events);
        }
    }

    pub async fn stop_all(&self) {
        let ids = self.running_ids();
        futures_util::future::join_all(ids.into_iter().map(|id| self.stop(id))).await;
    }
}

/// Where an output's frames come from: the program, or a transcode of it; then delayed, or not.
struct Source {
    rt: tokio::runtime::Handle,
    program: Arc<Program>,
    transcoder: Arc<Transcoder>,
    crop_x: watch::Receiver<f64>,
    stop: watch::Receiver<bool>,
}

impl Source {
    fn program(&self, target: &Target, transcode: Option<&Output>, stats: &Arc<OutputStats>) -> Arc<Program> {
        let program = match transcode {
            None => self.program.clone(),
            Some(o) => {
                let counters = Arc::new(transcoded::Counters::default());
                stats.transcode.lock().unwrap().replace(counters.clone());
                self.transcoder.output(o.clone(), self.crop_x.clone(), self.stop.clone(), counters)
            }
        };
        if target.delay.is_zero() {
            program
        } else {
            delay::delayed(&self.rt, &program, target.delay, self.stop.clone())
        }
    }
}

async fn run(id: i64, target: Target, source: Source, stats: Arc<OutputStats>, mut stop: watch::Receiver<bool>, events: mpsc::UnboundedSender<OutEvent>) {
    let mut backoff = Backoff::default();
    // Everything below that came from the destination goes through here first.
    let redact = redact::Redactor::new([target.key.as_str(), target.passphrase.as_str()]);
    let mut was_live = false;
    let mut failures = 0u32;
    // A destination that asked for its own picture is transcoded from the start; one that takes
    // the feed as it is switches to H.264 the first time the feed's codec is one it refuses.
    let mut transcoding = target.output.is_some();
    let mut program = source.program(&target, target.output.as_ref(), &stats);
    loop {
        // Going live right as the encoder connects, the program may not have its first keyframe
        // yet, nor the codec with it: wait a little for it rather than dial a platform that will
        // not take what follows.
        let asked = Instant::now();
        while feed_codec(&program).is_none() && asked.elapsed() < Duration::from_secs(3) {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                _ = stop.changed() => return,
            }
        }
        // A feed the destination cannot take is not a connection failure: the card says why, and
        // the output connects once the feed changes (OBS set to H.264, or the show restarted).
        if !transcoding && target.transcode_fallback && feed_codec(&program).is_some_and(|c| target.takes.refuses(c).is_some()) {
            tracing::info!(destination = id, "output: the feed's codec is not one this destination takes; transcoding to H.264");
            transcoding = true;
            program = source.program(&target, Some(&Output::h264_as_is()), &stats);
            let asked = Instant::now();
            while feed_codec(&program).is_none() && asked.elapsed() < Duration::from_secs(5) {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                    _ = stop.changed() => return,
                }
            }
        }
        if let Some(e) = feed_codec(&program).and_then(|c| target.takes.refuses(c)) {
            let err = e.to_string();
            tracing::warn!(destination = id, "output: {err}");
            stats.set(id, OutState::Failed, Some(err), &events);
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.changed() => return,
                }
                if *stop.borrow() {
                    return;
                }
                if feed_codec(&program).is_none_or(|c| target.takes.refuses(c).is_none()) {
                    break;
                }
            }
        }
        stats.set(id, if was_live { OutState::Reconnecting } else { OutState::Connecting }, None, &events);
        let started = Instant::now();
        let mut went_live = false;
        let result = {
            let feed = Feed { program: &program, stats: &stats, stop: &mut stop };
            let on_live = || {
                went_live = true;
                stats.set(id, OutState::Live, None, &events);
            };
            match target.scheme {
                Scheme::Rtmp | Scheme::Rtmps => rtmp_out::session(&target, feed, on_live).await,
                Scheme::Srt => srt_out::session(&target, feed, on_live).await,
            }
        };
        if *stop.borrow() {
            break;
        }
        let err = match result {
            Ok(()) => "program ended".to_string(),
            // Said again (and the output held) at the top of the loop.
            Err(OutError::Codec { .. }) => continue,
            Err(e) => redact.redact(&e.to_string()),
        };
        tracing::warn!(destination = id, "output: {err}");
        if went_live {
            was_live = true;
            failures = 0;
            stats.reconnects.fetch_add(1, Ordering::Relaxed);
            backoff.connection_lasted(started.elapsed());
        } else {
            failures += 1;
        }
        let state = if !was_live && failures >= 3 {
            OutState::Failed
        } else if was_live {
            OutState::Reconnecting
        } else {
            OutState::Connecting
        };
        stats.set(id, state, Some(err), &events);
        let delay = backoff.next_delay();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(codec: &[u8]) -> Frame {
        // An Enhanced RTMP video sequence start (keyframe, packet type 0) with its FourCC, or a
        // legacy AVC sequence header.
        let mut d = if codec == b"avc1" { vec![0x17, 0, 0, 0, 0] } else { [&[0x90u8][..], codec].concat() };
        d.extend_from_slice(&[1, 2, 3]);
        Frame::video(0, bytes::Bytes::from(d))
    }

    #[test]
    fn a_destination_refuses_a_codec_it_does_not_take_and_says_which_it_takes() {
        let stats = OutputStats::default();
        let twitch = Takes::of("twitch");
        let mut g = Gate::started_with_gop(&[], &twitch);
        assert!(matches!(g.pass(Ok(seq(b"avc1")), &stats), Ok(Some(_))));
        match g.pass(Ok(seq(b"hvc1")), &stats) {
            Err(Halt::Refused(e)) => {
                assert_eq!(e.to_string(), "Twitch takes H.264 video, the feed is HEVC: set OBS's encoder to H.264 for this show")
            }
            other => panic!("HEVC to Twitch: {other:?}"),
        }
        let youtube = Takes::of("youtube");
        let mut g = Gate::started_with_gop(&[], &youtube);
        for c in [b"hvc1", b"av01"] {
            assert!(matches!(g.pass(Ok(seq(c)), &stats), Ok(Some(_))), "{c:?} to YouTube");
        }
        assert!(matches!(g.pass(Ok(seq(b"vp09")), &stats), Err(Halt::Refused(_))), "YouTube does not take VP9");
        let custom = Takes::of("custom");
        let mut g = Gate::started_with_gop(&[], &custom);
        assert!(matches!(g.pass(Ok(seq(b"vp09")), &stats), Ok(Some(_))));
        assert!(matches!(g.pass(Err(broadcast::error::RecvError::Closed), &stats), Err(Halt::Ended)));
    }
}
