//! A destination that runs behind the program (a stream delay for one platform, e.g. a
//! competitive game on Twitch): the program's frames wait in a queue and go into a program of the
//! destination's own once they are old enough. The output's session reads that program like any
//! other, so reconnects, the GOP cache and the codec check work the same, and the delay survives a
//! reconnect (the queue lives here, not in the session).
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};

use crate::media::program::{Program, Source};
use crate::media::Frame;

/// What one delayed destination may hold: 180 s of a 9 Mbit/s feed is about 200 MB. Past it the
/// oldest frames go, up to the next keyframe, and the destination skips forward.
pub const BUDGET_BYTES: usize = 256 * 1024 * 1024;

/// The queue itself, apart from any clock or channel (unit-tested in simulated time).
pub struct Queue {
    delay: Duration,
    frames: VecDeque<(Instant, Frame)>,
    bytes: usize,
    budget: usize,
    /// Frames dropped to stay in the budget (until a keyframe could lead again).
    pub dropped: u64,
}

impl Queue {
    pub fn new(delay: Duration, budget: usize) -> Queue {
        Queue { delay, frames: VecDeque::new(), bytes: 0, budget, dropped: 0 }
    }

    pub fn push(&mut self, f: Frame, now: Instant) {
        self.bytes += f.data.len();
        self.frames.push_back((now, f));
        while self.bytes > self.budget && self.frames.len() > 1 {
            self.drop_front();
            // Whatever leads now must be something a decoder can start from.
            while self.frames.front().is_some_and(|(_, f)| !f.is_keyframe() && !f.is_sequence_header()) {
                self.drop_front();
            }
        }
    }

    fn drop_front(&mut self) {
        if let Some((_, f)) = self.frames.pop_front() {
            self.bytes -= f.data.len();
            if !f.is_sequence_header() {
                self.dropped += 1;
            }
        }
    }

    /// The next frame whose time has come.
    pub fn pop_due(&mut self, now: Instant) -> Option<Frame> {
        let (at, _) = self.frames.front()?;
        if now.saturating_duration_since(*at) < self.delay {
            return None;
        }
        let (_, f) = self.frames.pop_front()?;
        self.bytes -= f.data.len();
        Some(f)
    }

    /// When the frame at the front is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.frames.front().map(|(at, _)| *at + self.delay)
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

/// Starts feeding a delayed copy of `program`; it ends when `stop` says so or the program closes.
pub fn delayed(rt: &tokio::runtime::Handle, program: &Program, delay: Duration, mut stop: watch::Receiver<bool>) -> Arc<Program> {
    let out = Arc::new(Program::new());
    let (mut rx, headers) = program.subscribe();
    let copy = out.clone();
    rt.spawn(async move {
        let mut q = Queue::new(delay, BUDGET_BYTES);
        let now = Instant::now();
        if let Some(m) = headers.metadata {
            copy.set_metadata(m);
        }
        for f in [headers.video, headers.audio].into_iter().flatten().chain(headers.gop) {
            q.push(f, now);
        }
        let mut skip_to_key = false;
        loop {
            let wake = q.next_due().map(tokio::time::Instant::from_std);
            tokio::select! {
                biased;
                _ = stop.changed() => return,
                _ = async { match wake { Some(w) => tokio::time::sleep_until(w).await, None => std::future::pending().await } } => {}
                r = rx.recv() => match r {
                    Ok(f) => {
                        skip_to_key &= !f.is_keyframe();
                        if !skip_to_key || f.is_sequence_header() {
                            q.push(f, Instant::now());
                        }
                    }
                    // Only if this task is starved: it picks up again at the next keyframe.
                    Err(broadcast::error::RecvError::Lagged(_)) => skip_to_key = true,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            }
            let now = Instant::now();
            while let Some(f) = q.pop_due(now) {
                copy.push_at(Source::Feed, f, now);
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn video(ts: u32, key: bool, len: usize) -> Frame {
        let mut d = vec![if key { 0x17 } else { 0x27 }, 1, 0, 0, 0];
        d.resize(len, 0);
        Frame::video(ts, Bytes::from(d))
    }

    #[test]
    fn frames_leave_exactly_one_delay_after_they_came() {
        let t0 = Instant::now();
        let mut q = Queue::new(Duration::from_secs(10), usize::MAX);
        for i in 0..300u32 {
            q.push(video(i * 33, i % 30 == 0, 100), t0 + Duration::from_millis(i as u64 * 33));
        }
        assert!(q.pop_due(t0 + Duration::from_millis(9_999)).is_none());
        let mut out = vec![];
        // Step the clock in 10 ms, as the task's timer would wake.
        for step in 0..2_000u64 {
            let now = t0 + Duration::from_millis(9_990 + step * 10);
            while let Some(f) = q.pop_due(now) {
                out.push((f.ts, now));
            }
        }
        assert_eq!(out.len(), 300);
        for (ts, at) in out {
            let late = at.duration_since(t0) - Duration::from_millis(ts as u64);
            assert!(late >= Duration::from_secs(10) && late < Duration::from_millis(10_010), "{ts}: {late:?}");
        }
    }

    #[test]
    fn over_the_budget_the_oldest_go_and_a_keyframe_leads() {
        let t0 = Instant::now();
        let mut q = Queue::new(Duration::from_secs(60), 10_000);
        for i in 0..100u32 {
            q.push(video(i * 33, i % 10 == 0, 500), t0);
        }
        assert!(q.bytes() <= 10_000, "{}", q.bytes());
        assert!(q.dropped >= 80);
        let first = q.pop_due(t0 + Duration::from_secs(60)).unwrap();
        assert!(first.is_keyframe(), "the delayed stream starts at a keyframe");
    }
}
