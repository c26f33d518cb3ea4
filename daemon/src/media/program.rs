//! The program bus: picks which source is on air (the OBS feed or the slate), switches only at a
//! keyframe, rewrites timestamps so every output sees one continuous timeline across switches, and
//! hands frames to the outputs through a broadcast ring that never blocks the ingest.
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rml_rtmp::sessions::StreamMetadata;
use tokio::sync::broadcast;

use super::{Frame, Kind};

/// Frames kept for outputs that fall behind (~6 s at 30 fps + AAC). A slower output lags and
/// resumes at the next keyframe; it never holds the others up.
pub const RING: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Feed,
    Slate,
}

/// What an output must send before the first frame it takes from the ring.
#[derive(Clone, Default)]
pub struct Headers {
    pub video: Option<Frame>,
    pub audio: Option<Frame>,
    pub metadata: Option<StreamMetadata>,
    /// The frames since the last keyframe, so a joining output starts at once instead of waiting
    /// up to a GOP.
    pub gop: Vec<Frame>,
}

/// The GOP cache gives up (until the next keyframe) past this many frames, so an encoder with
/// huge keyframe intervals cannot grow memory.
const GOP_MAX_FRAMES: usize = 600;

#[derive(Default)]
struct SourceState {
    video_seq: Option<Frame>,
    audio_seq: Option<Frame>,
}

struct Inner {
    active: Option<Source>,
    wanted: Source,
    offset: i64,
    switched_at_ts: u32,
    last_video: u32,
    last_audio: u32,
    last_out: Option<(u32, Instant)>,
    feed: SourceState,
    slate: SourceState,
    headers: Headers,
}

pub struct Program {
    tx: broadcast::Sender<Frame>,
    inner: Mutex<Inner>,
}

impl Default for Program {
    fn default() -> Self {
        Self::new()
    }
}

impl Program {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(RING);
        Program {
            tx,
            inner: Mutex::new(Inner {
                active: None,
                wanted: Source::Feed,
                offset: 0,
                switched_at_ts: 0,
                last_video: 0,
                last_audio: 0,
                last_out: None,
                feed: SourceState::default(),
                slate: SourceState::default(),
                headers: Headers::default(),
            }),
        }
    }

    /// The ring and what precedes it, taken under one lock: frames are sent under the same lock,
    /// so nothing falls between the snapshot and the ring.
    pub fn subscribe(&self) -> (broadcast::Receiver<Frame>, Headers) {
        let g = self.inner.lock().unwrap();
        let rx = self.tx.subscribe();
        (rx, g.headers.clone())
    }

    pub fn active(&self) -> Option<Source> {
        self.inner.lock().unwrap().active
    }

    /// Ask for `src` on air; the switch happens at that source's next keyframe.
    pub fn select(&self, src: Source) {
        self.inner.lock().unwrap().wanted = src;
    }

    /// A source restarted (new OBS connection, new slate encoder): forget its old headers, and if it
    /// is on air, wait for its next keyframe before sending anything of it.
    pub fn reset(&self, src: Source) {
        let mut g = self.inner.lock().unwrap();
        *g.state_mut(src) = SourceState::default();
        if g.active == Some(src) {
            g.active = None;
        }
    }

    pub fn set_metadata(&self, m: StreamMetadata) {
        self.inner.lock().unwrap().headers.metadata = Some(m);
    }

    pub fn push(&self, src: Source, f: Frame) {
        self.push_at(src, f, Instant::now())
    }

    /// `push` for a caller that already read the clock for this frame.
    pub fn push_at(&self, src: Source, f: Frame, now: Instant) {
        let mut g = self.inner.lock().unwrap();
        if f.is_sequence_header() {
            let st = g.state_mut(src);
            match f.kind {
                Kind::Video => st.video_seq = Some(f.clone()),
                Kind::Audio => st.audio_seq = Some(f.clone()),
            }
            if g.active == Some(src) {
                self.emit(&mut g, f, now);
            }
            return;
        }
        if g.active != Some(src) {
            if g.wanted != src || !f.is_keyframe() {
                return;
            }
            // Switch: continue the output timeline from where it stood, keeping wall-clock pace.
            let next = match g.last_out {
                Some((ts, at)) => ts as i64 + (now.saturating_duration_since(at).as_millis() as i64).max(1),
                None => f.ts as i64,
            };
            g.offset = next - f.ts as i64;
            g.switched_at_ts = f.ts;
            g.active = Some(src);
            let (v, a) = {
                let st = g.state_mut(src);
                (st.video_seq.clone(), st.audio_seq.clone())
            };
            for h in [v, a].into_iter().flatten() {
                let mut h = h;
                h.ts = f.ts;
                self.emit(&mut g, h, now);
            }
        }
        // Audio captured before the switch point would go back in time.
        if f.kind == Kind::Audio && f.ts < g.switched_at_ts {
            return;
        }
        self.emit(&mut g, f, now);
    }

    fn emit(&self, g: &mut Inner, mut f: Frame, now: Instant) {
        let ts = (f.ts as i64 + g.offset).clamp(0, u32::MAX as i64) as u32;
        let last = match f.kind {
            Kind::Video => &mut g.last_video,
            Kind::Audio => &mut g.last_audio,
        };
        // Keep each track monotonic; composition offsets live inside the tag, so this is safe.
        let ts = ts.max(*last);
        *last = ts;
        f.ts = ts;
        if f.is_sequence_header() {
            match f.kind {
                Kind::Video => g.headers.video = Some(f.clone()),
                Kind::Audio => g.headers.audio = Some(f.clone()),
            }
        }
        if f.is_keyframe() {
            g.headers.gop.clear();
            g.headers.gop.push(f.clone());
        } else if !f.is_sequence_header() && !g.headers.gop.is_empty() {
            if g.headers.gop.len() < GOP_MAX_FRAMES {
                g.headers.gop.push(f.clone());
            } else {
                g.headers.gop.clear();
            }
        }
        g.last_out = Some((ts, now));
        // No receivers is fine: nothing is live yet.
        let _ = self.tx.send(f);
    }
}

impl Inner {
    fn state_mut(&mut self, s: Source) -> &mut SourceState {
        match s {
            Source::Feed => &mut self.feed,
            Source::Slate => &mut self.slate,
        }
    }
}

pub type SharedProgram = Arc<Program>;

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn key(ts: u32) -> Frame {
        Frame::video(ts, Bytes::from_static(&[0x17, 1, 0, 0, 0]))
    }
    fn inter(ts: u32) -> Frame {
        Frame::video(ts, Bytes::from_static(&[0x27, 1, 0, 0, 0]))
    }
    fn vseq(tag: u8) -> Frame {
        Frame::video(0, Bytes::from(vec![0x17, 0, 0, 0, 0, tag]))
    }
    fn drain(rx: &mut broadcast::Receiver<Frame>) -> Vec<Frame> {
        let mut v = vec![];
        while let Ok(f) = rx.try_recv() {
            v.push(f);
        }
        v
    }

    #[test]
    fn waits_for_keyframe_then_passes_through() {
        let p = Program::new();
        let (mut rx, _) = p.subscribe();
        p.push(Source::Feed, vseq(1));
        p.push(Source::Feed, inter(0));
        p.push(Source::Feed, key(33));
        p.push(Source::Feed, inter(66));
        let got = drain(&mut rx);
        assert_eq!(got.len(), 3, "seq header, key, inter");
        assert!(got[0].is_sequence_header());
        let h = p.subscribe().1;
        assert_eq!(h.video.unwrap().data[5], 1);
        assert_eq!(h.gop.len(), 2, "a joining output gets the GOP so far");
        assert!(h.gop[0].is_keyframe());
        assert_eq!(p.active(), Some(Source::Feed));
    }

    #[test]
    fn switch_to_slate_and_back_keeps_timeline_monotonic() {
        let p = Program::new();
        let (mut rx, _) = p.subscribe();
        p.push(Source::Feed, vseq(1));
        for i in 0..10 {
            p.push(Source::Feed, if i == 0 { key(5000) } else { inter(5000 + i * 33) });
        }
        p.select(Source::Slate);
        p.push(Source::Slate, vseq(2));
        p.push(Source::Feed, inter(5330)); // still the feed until the slate's keyframe
        p.push(Source::Slate, inter(0)); // not a keyframe: ignored
        p.push(Source::Slate, key(0));
        p.push(Source::Feed, inter(5363)); // feed no longer on air
        p.push(Source::Slate, inter(33));
        p.select(Source::Feed);
        p.reset(Source::Feed); // OBS reconnected: timestamps start again at 0
        p.push(Source::Feed, vseq(3));
        p.push(Source::Feed, inter(0));
        p.push(Source::Slate, inter(66)); // slate stays until the feed's keyframe
        p.push(Source::Feed, key(0));
        let got = drain(&mut rx);
        let ts: Vec<u32> = got.iter().filter(|f| !f.is_sequence_header()).map(|f| f.ts).collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "monotonic: {ts:?}");
        let tags: Vec<u8> = got.iter().filter(|f| f.is_sequence_header()).map(|f| f.data[5]).collect();
        assert_eq!(tags, vec![1, 2, 3], "each switch re-sends the new source's decoder config");
        assert_eq!(got.iter().filter(|f| !f.is_sequence_header()).count(), 11 + 1 + 1 + 1 + 1);
        assert_eq!(p.active(), Some(Source::Feed));
    }
}
