//! A live Matroska stream: what OBS's Media Source (ffmpeg) plays over HTTP. It carries every codec a
//! browser sends (VP8, VP9, H.264, Opus) as it arrives, so a guest reaches an OBS without a Browser
//! Source with nothing decoded or encoded. Sans-IO: tracks described up front, frames in as they come,
//! bytes out. The segment and its clusters have unknown sizes (nothing is held back to learn them); a
//! cluster starts at every video keyframe, so a reader that joins or resyncs starts at a picture.

/// A track's codec, with what a decoder needs before the first frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codec {
    Vp8,
    Vp9,
    /// `avcc`: the AVC decoder configuration record (`codec_data`).
    H264 {
        avcc: Vec<u8>,
    },
    Opus {
        channels: u8,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub codec: Codec,
    /// Video only: the picture size, and a frame's duration (ns; 0 if unknown). Given, ffmpeg takes the
    /// frame rate from it instead of counting 40 frames of the stream first (2.7 s of a 15 fps guest
    /// before OBS shows anything, measured with ffmpeg 5.1).
    pub width: u32,
    pub height: u32,
    pub frame_ns: u64,
}

impl Track {
    fn is_video(&self) -> bool {
        !matches!(self.codec, Codec::Opus { .. })
    }
}

/// A SimpleBlock's time is a signed 16-bit offset (ms) from its cluster's: well inside it.
const CLUSTER_SPAN_MS: i64 = 30_000;
const UNKNOWN_SIZE: [u8; 8] = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

pub struct Writer {
    tracks: Vec<Track>,
    /// The first frame's time (ns): the stream's zero.
    origin: Option<u64>,
    /// The current cluster's time (ms), once one is open.
    cluster: Option<i64>,
    header_sent: bool,
    /// Frames are dropped until a video keyframe (at the start, and after `resync`).
    waiting: bool,
}

impl Writer {
    pub fn new(tracks: Vec<Track>) -> Writer {
        Writer { tracks, origin: None, cluster: None, header_sent: false, waiting: true }
    }

    /// Whether the writer waits for a video keyframe (the caller asks the sender for one).
    pub fn waiting(&self) -> bool {
        self.waiting
    }

    /// Bytes were lost on the way out (the reader fell behind): start again at the next keyframe.
    pub fn resync(&mut self) {
        self.waiting = self.tracks.iter().any(Track::is_video);
        self.cluster = None;
    }

    /// One frame of track `track` (its index in the list given to `new`), at `pts_ns`; what to send.
    /// Nothing before the first video keyframe; the header goes out with the first frame.
    pub fn frame(&mut self, track: usize, pts_ns: u64, key: bool, data: &[u8]) -> Vec<u8> {
        let Some(t) = self.tracks.get(track) else { return vec![] };
        let video = t.is_video();
        if self.waiting {
            let has_video = self.tracks.iter().any(Track::is_video);
            if has_video && !(video && key) {
                return vec![];
            }
            self.waiting = false;
        }
        let mut out = vec![];
        if !self.header_sent {
            out = self.header();
            self.header_sent = true;
        }
        let origin = *self.origin.get_or_insert(pts_ns);
        let ms = (pts_ns as i64 - origin as i64).div_euclid(1_000_000);
        let rel = self.cluster.map(|c| ms - c);
        let new_cluster = match rel {
            None => true,
            Some(r) => (video && key) || !(-CLUSTER_SPAN_MS..=CLUSTER_SPAN_MS).contains(&r),
        };
        if new_cluster {
            let at = ms.max(0);
            out.extend(id(0x1F43_B675));
            out.extend(UNKNOWN_SIZE);
            out.extend(element(0xE7, &uint(at as u64)));
            self.cluster = Some(at);
        }
        let rel = (ms - self.cluster.unwrap_or(0)).clamp(i16::MIN as i64, i16::MAX as i64) as i16;
        let mut block = Vec::with_capacity(data.len() + 4);
        block.extend(vint(track as u64 + 1));
        block.extend(rel.to_be_bytes());
        block.push(if key || !video { 0x80 } else { 0 });
        block.extend(data);
        out.extend(element(0xA3, &block));
        out
    }

    /// The EBML header, the segment (of unknown size), its info and its tracks.
    fn header(&self) -> Vec<u8> {
        let ebml = [
            element(0x4286, &uint(1)),
            element(0x42F7, &uint(1)),
            element(0x42F2, &uint(4)),
            element(0x42F3, &uint(8)),
            element(0x4282, b"matroska"),
            element(0x4287, &uint(4)),
            element(0x4285, &uint(2)),
        ]
        .concat();
        let info = [element(0x2AD7B1, &uint(1_000_000)), element(0x4D80, b"onair"), element(0x5741, b"onair")].concat();
        let entries: Vec<u8> = self.tracks.iter().enumerate().flat_map(|(i, t)| element(0xAE, &track_entry(i as u64 + 1, t))).collect();
        let mut out = element(0x1A45_DFA3, &ebml);
        out.extend(id(0x1853_8067));
        out.extend(UNKNOWN_SIZE);
        out.extend(element(0x1549_A966, &info));
        out.extend(element(0x1654_AE6B, &entries));
        out
    }
}

fn track_entry(number: u64, t: &Track) -> Vec<u8> {
    let mut e = [element(0xD7, &uint(number)), element(0x73C5, &uint(number)), element(0x9C, &uint(0))].concat();
    let (codec_id, private): (&[u8], Option<Vec<u8>>) = match &t.codec {
        Codec::Vp8 => (b"V_VP8", None),
        Codec::Vp9 => (b"V_VP9", None),
        Codec::H264 { avcc } => (b"V_MPEG4/ISO/AVC", Some(avcc.clone())),
        Codec::Opus { channels } => (b"A_OPUS", Some(opus_head(*channels))),
    };
    e.extend(element(0x83, &uint(if t.is_video() { 1 } else { 2 })));
    e.extend(element(0x86, codec_id));
    if t.is_video() && t.frame_ns > 0 {
        e.extend(element(0x23E383, &uint(t.frame_ns)));
    }
    if let Some(p) = private {
        e.extend(element(0x63A2, &p));
    }
    if t.is_video() {
        e.extend(element(0xE0, &[element(0xB0, &uint(t.width as u64)), element(0xBA, &uint(t.height as u64))].concat()));
    } else {
        // Opus's codec delay and seek pre-roll, as RFC 7845 and the Matroska codec mappings give them.
        e.extend(element(0x56AA, &uint(6_500_000)));
        e.extend(element(0x56BB, &uint(80_000_000)));
        let channels = if let Codec::Opus { channels } = t.codec { channels } else { 2 };
        e.extend(element(0xE1, &[element(0xB5, &48_000f64.to_be_bytes()), element(0x9F, &uint(channels as u64))].concat()));
    }
    e
}

/// The Ogg Opus identification header (RFC 7845 §5.1), which Matroska takes as the codec's private data.
fn opus_head(channels: u8) -> Vec<u8> {
    let mut h = b"OpusHead".to_vec();
    h.push(1);
    h.push(channels);
    h.extend(0u16.to_le_bytes());
    h.extend(48_000u32.to_le_bytes());
    h.extend(0i16.to_le_bytes());
    h.push(0);
    h
}

/// An element ID as written (IDs carry their own length marker).
fn id(id: u32) -> Vec<u8> {
    let b = id.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count();
    b[skip..].to_vec()
}

/// An EBML variable-size integer, in as few bytes as hold it (all ones is reserved for "unknown").
fn vint(v: u64) -> Vec<u8> {
    let len = (1..=8).find(|n| v < (1u64 << (7 * n)) - 1).unwrap_or(8);
    let mut out = vec![0u8; len];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = (v >> (8 * (len - 1 - i))) as u8;
    }
    out[0] |= 0x80 >> (len - 1);
    out
}

fn uint(v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(7);
    b[skip..].to_vec()
}

fn element(tag: u32, body: &[u8]) -> Vec<u8> {
    let mut out = id(tag);
    out.extend(vint(body.len() as u64));
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracks() -> Vec<Track> {
        vec![
            Track { codec: Codec::Vp8, width: 320, height: 240, frame_ns: 33_333_333 },
            Track { codec: Codec::Opus { channels: 2 }, width: 0, height: 0, frame_ns: 0 },
        ]
    }

    /// Reads one element: (id, body range, next offset); `None` size means unknown.
    fn read(b: &[u8], at: usize) -> (u32, Option<usize>, usize) {
        let n = b[at].leading_zeros() as usize + 1;
        let id = b[at..at + n].iter().fold(0u32, |a, x| a << 8 | *x as u32);
        let at = at + n;
        let len = b[at].leading_zeros() as usize + 1;
        let mut v = (b[at] as u16 & (0xff >> len)) as u64;
        for x in &b[at + 1..at + len] {
            v = v << 8 | *x as u64;
        }
        let unknown = v == (1u64 << (7 * len)) - 1;
        (id, (!unknown).then_some(v as usize), at + len)
    }

    #[test]
    fn integers_are_ebml() {
        assert_eq!(vint(1), [0x81]);
        assert_eq!(vint(126), [0xFE]);
        assert_eq!(vint(127), [0x40, 0x7F], "0x7F alone would mean unknown");
        assert_eq!(vint(300), [0x41, 0x2C]);
        assert_eq!(uint(0), [0]);
        assert_eq!(uint(1_000_000), [0x0F, 0x42, 0x40]);
        assert_eq!(id(0x1A45_DFA3), [0x1A, 0x45, 0xDF, 0xA3]);
        assert_eq!(id(0xA3), [0xA3]);
    }

    #[test]
    fn starts_at_a_keyframe_with_the_header_and_clusters_at_each() {
        let mut w = Writer::new(tracks());
        assert!(w.frame(1, 0, true, b"audio").is_empty(), "audio before the first picture is dropped");
        assert!(w.frame(0, 10_000_000, false, b"delta").is_empty());
        assert!(w.waiting());
        let first = w.frame(0, 1_000_000_000, true, b"KEY");
        assert!(!w.waiting());
        let (ebml, len, at) = read(&first, 0);
        assert_eq!(ebml, 0x1A45_DFA3);
        let (seg, size, mut at) = read(&first, at + len.unwrap());
        assert_eq!((seg, size), (0x1853_8067, None), "a live segment has no size");
        let mut seen = vec![];
        while at < first.len() {
            let (i, len, body) = read(&first, at);
            seen.push(i);
            at = match len {
                Some(l) => body + l,
                None => body,
            };
        }
        assert_eq!(seen, [0x1549_A966, 0x1654_AE6B, 0x1F43_B675, 0xE7, 0xA3], "info, tracks, a cluster at 0, its block");
        assert!(first.ends_with(&[0x81, 0, 0, 0x80, b'K', b'E', b'Y']), "track 1, at +0 ms, a keyframe");
        // Audio 20 ms later in the same cluster; the next keyframe opens a cluster at its time.
        assert!(w.frame(1, 1_020_000_000, false, b"a").ends_with(&[0x82, 0, 20, 0x80, b'a']));
        assert!(w.frame(0, 1_033_000_000, false, b"d").ends_with(&[0x81, 0, 33, 0, b'd']));
        let next = w.frame(0, 3_000_000_000, true, b"K2");
        assert_eq!(read(&next, 0).0, 0x1F43_B675);
        assert!(next.windows(4).any(|x| x == [0xE7, 0x82, 0x07, 0xD0]), "the cluster at 2000 ms");
        // Audio that comes just behind the keyframe that opened its cluster: a negative offset.
        assert!(w.frame(1, 2_990_000_000, false, b"a").ends_with(&[0x82, 0xFF, 0xF6, 0x80, b'a']));
        // Far from the cluster: a new one rather than an offset that would wrap.
        assert_eq!(read(&w.frame(1, 40_000_000_000, false, b"a"), 0).0, 0x1F43_B675);
    }

    #[test]
    fn resync_waits_for_the_next_keyframe_and_audio_only_never_waits() {
        let mut w = Writer::new(tracks());
        assert!(!w.frame(0, 0, true, b"K").is_empty());
        w.resync();
        assert!(w.frame(0, 1_000_000, false, b"d").is_empty() && w.frame(1, 2_000_000, false, b"a").is_empty());
        let again = w.frame(0, 40_000_000, true, b"K");
        assert_eq!(read(&again, 0).0, 0x1F43_B675, "no second header, a new cluster");
        let mut a = Writer::new(vec![Track { codec: Codec::Opus { channels: 2 }, width: 0, height: 0, frame_ns: 0 }]);
        assert!(!a.frame(0, 0, false, b"a").is_empty());
        assert!(a.frame(5, 0, true, b"x").is_empty(), "no such track");
    }

    #[test]
    fn h264_carries_its_configuration() {
        // The e2e tests play the stream with ffprobe; here, what its track entry holds.
        let mut w = Writer::new(vec![Track { codec: Codec::H264 { avcc: vec![1, 0x42, 0xC0, 0x1E, 0xFF] }, width: 640, height: 360, frame_ns: 0 }]);
        let out = w.frame(0, 0, true, b"\0\0\0\x01\x65");
        let has = |needle: &[u8]| out.windows(needle.len()).any(|x| x == needle);
        assert!(has(b"V_MPEG4/ISO/AVC") && has(&[0x63, 0xA2, 0x85, 1, 0x42, 0xC0, 0x1E, 0xFF]));
        assert!(has(&[0xB0, 0x82, 0x02, 0x80]) && has(&[0xBA, 0x82, 0x01, 0x68]), "640×360");
        assert!(!has(&[0x23, 0xE3, 0x83]), "no frame duration when none is known");
        let mut v = Writer::new(tracks());
        assert!(v.frame(0, 0, true, b"K").windows(8).any(|x| x == [0x23, 0xE3, 0x83, 0x84, 0x01, 0xFC, 0xA0, 0x55]), "33.3 ms a frame");
    }
}
