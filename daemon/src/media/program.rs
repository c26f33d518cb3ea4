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

/// The GOP cache gives up (until the next keyframe) past this many frames or bytes, so an encoder
/// with huge keyframe intervals or huge frames cannot grow memory. 24 MiB holds a 4-second GOP
/// at 48 Mbit/s.
const GOP_MAX_FRAMES: usize = 600;
pub const GOP_MAX_BYTES: usize = 24 * 1024 * 1024;
/// What the ring may hold (frames sent but not yet taken by the slowest output). A real stream
/// never comes near: 512 frames of a 50 Mbit/s 4K stream are about 35 MB. Past it (only a feed
/// of absurd frames with an output that is behind), the program drops frames until a keyframe
/// that fits, rather than let one output pin gigabytes.
pub const RING_BYTES: usize = 128 * 1024 * 1024;

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
    gop_bytes: usize,
    ring: RingBytes,
}

/// Sizes of the last `RING` frames sent: their sum bounds what the ring can hold, in O(1).
struct RingBytes {
    sizes: Box<[u32; RING]>,
    at: usize,
    sum: usize,
    /// Over budget: frames are dropped until a keyframe fits.
    cut: bool,
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
                gop_bytes: 0,
                ring: RingBytes { sizes: Box::new([0; RING]), at: 0, sum: 0, cut: false },
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

    /// The video sequence header on air, without taking a receiver or the GOP.
    pub fn video_header(&self) -> Option<Frame> {
        self.inner.lock().unwrap().headers.video.clone()
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

    /// Whether a frame of `len` bytes may go into the ring. Only when the last `RING` frames
    /// together pass the budget does it look at what is really queued (a few slot locks).
    fn ring_fits(&self, r: &RingBytes, len: usize) -> bool {
        if r.sum - r.sizes[r.at] as usize + len <= RING_BYTES {
            return true;
        }
        let queued = self.tx.len().min(RING);
        let held: usize = (1..=queued).map(|back| r.sizes[(r.at + RING - back) % RING] as usize).sum();
        held + len <= RING_BYTES
    }

    fn emit(&self, g: &mut Inner, mut f: Frame, now: Instant) {
        let len = f.data.len();
        if !f.is_sequence_header() && (g.ring.cut || !self.ring_fits(&g.ring, len)) {
            if !(f.is_keyframe() && self.ring_fits(&g.ring, len)) {
                if !g.ring.cut {
                    tracing::warn!("program: frames held for outputs pass {} MiB, dropping until a keyframe", RING_BYTES >> 20);
                }
                g.ring.cut = true;
                return;
            }
            g.ring.cut = false;
        }
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
            g.gop_bytes = 0;
        }
        if !f.is_sequence_header() && (f.is_keyframe() || !g.headers.gop.is_empty()) {
            if g.headers.gop.len() < GOP_MAX_FRAMES && g.gop_bytes + len <= GOP_MAX_BYTES {
                g.headers.gop.push(f.clone());
                g.gop_bytes += len;
            } else {
                g.headers.gop.clear();
            }
        }
        g.last_out = Some((ts, now));
        let r = &mut g.ring;
        r.sum = r.sum - r.sizes[r.at] as usize + len;
        r.sizes[r.at] = len as u32;
        r.at = (r.at + 1) % RING;
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

    /// A frame of `len` bytes whose pages are never touched (calloc'd), so the test stays light.
    fn big(ts: u32, key: bool, len: usize) -> Frame {
        let mut v = vec![0u8; len];
        v[0] = if key { 0x17 } else { 0x27 };
        v[1] = 1;
        Frame::video(ts, Bytes::from(v))
    }

    #[test]
    fn gop_cache_and_ring_have_a_byte_budget() {
        let p = Program::new();
        let (mut slow, _) = p.subscribe();
        let (mut fast, _) = p.subscribe();
        p.push(Source::Feed, vseq(1));
        let mb = 1024 * 1024;
        let mut fast_got = 0;
        // A GOP of 4 MiB frames: the cache gives up past its budget instead of holding them all.
        for i in 0..100u32 {
            p.push(Source::Feed, big(i * 33, i % 50 == 0, 4 * mb));
            fast_got += drain(&mut fast).len();
            let gop: usize = p.subscribe().1.gop.iter().map(|f| f.data.len()).sum();
            assert!(gop <= GOP_MAX_BYTES, "GOP cache holds {gop} bytes");
        }
        // The slow output took nothing: what waits for it stays within the ring's budget.
        let held: usize = drain(&mut slow).iter().map(|f| f.data.len()).sum();
        assert!(held <= RING_BYTES, "ring holds {held} bytes");
        assert!(held >= RING_BYTES - 8 * mb, "and is used up to its budget: {held}");
        assert!(fast_got < 101, "frames were dropped while over budget: {fast_got}");
        // Once the slow output has caught up, frames flow again from the next keyframe.
        p.push(Source::Feed, big(100 * 33, false, 4 * mb));
        assert!(drain(&mut fast).is_empty(), "no inter frame before a keyframe");
        p.push(Source::Feed, big(101 * 33, true, 4 * mb));
        p.push(Source::Feed, big(102 * 33, false, 4 * mb));
        assert_eq!(drain(&mut fast).len(), 2);
        // A normal stream with a slow output is never cut: 512 frames of 30 KB are 15 MB.
        let p = Program::new();
        let (mut slow, _) = p.subscribe();
        p.push(Source::Feed, vseq(1));
        for i in 0..2000u32 {
            p.push(Source::Feed, big(i * 33, i % 60 == 0, 30_000));
        }
        assert!(matches!(slow.try_recv(), Err(broadcast::error::TryRecvError::Lagged(_))));
        assert_eq!(drain(&mut slow).len(), RING, "only the frame count limits it");
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
