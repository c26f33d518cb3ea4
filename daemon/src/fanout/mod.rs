//! Fan-out: one task per destination, each reading the program ring on its own. A destination
//! that refuses, stalls or drops only affects itself; it reconnects with backoff and rejoins at
//! the next keyframe. Owns the outputs' tasks and their counters; reads the program ring, never
//! the store: the core hands each output its target (address and key) when it starts it.
pub mod chunker;
pub mod redact;
pub mod rtmp_out;
pub mod srt_out;
pub mod target;
pub mod url_secrets;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{broadcast, mpsc, watch};

use crate::backoff::Backoff;
use crate::media::program::Program;
use crate::media::Frame;
use target::{Scheme, Target};

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
        let g = self.inner.lock().unwrap();
        OutSnapshot {
            state: g.state,
            kbps: self.kbps.load(Ordering::Relaxed),
            bytes_sent: self.bytes_sent.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            dropped_frames: self.dropped_frames.load(Ordering::Relaxed),
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
    #[error("{0}")]
    Other(String),
}

/// How the per-frame loop treats the ring: after a lag it resumes at the next keyframe.
pub struct Gate {
    need_key: bool,
}

impl Default for Gate {
    fn default() -> Self {
        Gate { need_key: true }
    }
}

impl Gate {
    /// An output that was handed the GOP so far continues from the ring without waiting.
    pub fn started_with_gop(gop: &[Frame]) -> Self {
        Gate { need_key: gop.first().is_none_or(|f| !f.is_keyframe()) }
    }

    /// Returns the frame if it should be sent; `Err(Ended)` once the program bus has closed.
    pub fn pass(&mut self, r: Result<Frame, broadcast::error::RecvError>, stats: &OutputStats) -> Result<Option<Frame>, Ended> {
        match r {
            Ok(f) => {
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
            Err(broadcast::error::RecvError::Closed) => Err(Ended),
        }
    }
}

/// The program bus has closed: the box is shutting down.
#[derive(Debug, PartialEq, Eq)]
pub struct Ended;

struct Handle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

pub struct Fanout {
    rt: tokio::runtime::Handle,
    program: Arc<Program>,
    events: mpsc::UnboundedSender<OutEvent>,
    stats: Mutex<HashMap<i64, Arc<OutputStats>>>,
    running: Mutex<HashMap<i64, Handle>>,
}

impl Fanout {
    /// Outputs run on `rt` (the media runtime), whoever asks for them.
    pub fn new(rt: tokio::runtime::Handle, program: Arc<Program>, events: mpsc::UnboundedSender<OutEvent>) -> Self {
        Fanout { rt, program, events, stats: Mutex::default(), running: Mutex::default() }
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
        let program = self.program.clone();
        let events = self.events.clone();
        let task = self.rt.spawn(run(id, target, program, stats, stop_rx, events));
        if let Some(old) = self.running.lock().unwrap().insert(id, Handle { stop: stop_tx, task }) {
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

async fn run(
    id: i64,
    target: Target,
    program: Arc<Program>,
    stats: Arc<OutputStats>,
    mut stop: watch::Receiver<bool>,
    events: mpsc::UnboundedSender<OutEvent>,
) {
    let mut backoff = Backoff::default();
    // Everything below that came from the destination goes through here first.
    let redact = redact::Redactor::new([target.key.as_str(), target.passphrase.as_str()]);
    let mut was_live = false;
    let mut failures = 0u32;
    loop {
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
