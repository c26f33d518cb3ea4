//! The program as fragmented MP4 for a browser's Media Source Extensions (the dashboard's preview):
//! the frames the box relays, put in boxes, never decoded or re-encoded. Sans-IO: FLV tag bodies go
//! in (`push`), an init segment (with the MIME type a `SourceBuffer` takes) and one fragment per
//! frame come out. A frame goes out when the next one of its track arrives (its duration is the gap
//! between them): one frame of delay.
use bytes::{BufMut, Bytes, BytesMut};

use super::elementary::{self, Codec, Unpacked};
use super::{Frame, Kind};

const VIDEO: u32 = 1;
const AUDIO: u32 = 2;
/// Milliseconds, as FLV timestamps are.
const TIMESCALE: u32 = 1000;

/// What the muxer hands out.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// A new init segment: the browser (re)creates or changes its source buffer to `mime`.
    Init { mime: String, data: Bytes },
    /// A `moof` + `mdat` of one frame.
    Fragment(Bytes),
}

#[derive(Clone, PartialEq)]
struct VideoConfig {
    codec: Codec,
    record: Bytes,
    width: u32,
    height: u32,
}

struct Pending {
    track: u32,
    dts: u32,
    cts: i32,
    key: bool,
    data: Bytes,
}

#[derive(Default)]
pub struct Muxer {
    video: Option<VideoConfig>,
    /// The AudioSpecificConfig of the AAC on air.
    audio: Option<Bytes>,
    /// Whether the init segment out describes what is configured now.
    announced: bool,
    /// The track's frame waiting for the next one (its duration), per track.
    held: [Option<Pending>; 2],
    sequence: u32,
    /// Video before the first keyframe after an init segment is dropped.
    need_key: bool,
    /// The first timestamp out (fragments start from 0 after it, for the browser's timeline).
    base: Option<u32>,
}

impl Muxer {
    pub fn new() -> Muxer {
        Muxer { need_key: true, ..Muxer::default() }
    }

    /// Frames were lost (the viewer fell behind): go on from the next keyframe.
    pub fn resync(&mut self) {
        self.held = [None, None];
        self.need_key = true;
    }

    /// One FLV tag body in; what is ready goes out. Never panics, whatever the bytes.
    pub fn push(&mut self, f: &Frame) -> Vec<Out> {
        let mut out = vec![];
        match f.kind {
            Kind::Video => match elementary::unpack(&f.data) {
                Unpacked::Config { codec, record } => {
                    if matches!(codec, Codec::H264 | Codec::Hevc | Codec::Av1) {
                        let (width, height) = picture_size(codec, &record).unwrap_or((0, 0));
                        let cfg = VideoConfig { codec, record, width, height };
                        if self.video.as_ref() != Some(&cfg) {
                            self.flush(&mut out);
                            self.video = Some(cfg);
                            self.announced = false;
                            self.need_key = true;
                        }
                    }
                }
                Unpacked::Coded { codec, key, cts, data } => {
                    if self.video.as_ref().is_none_or(|v| v.codec != codec) || (self.need_key && !key) {
                        return out;
                    }
                    self.need_key = false;
                    self.announce(&mut out);
                    self.hold(Pending { track: VIDEO, dts: f.ts, cts, key, data }, &mut out);
                }
                Unpacked::Other => {}
            },
            Kind::Audio => {
                // AAC: [0xAF][0: AudioSpecificConfig | 1: a raw frame]...
                let (Some(&b0), Some(&kind)) = (f.data.first(), f.data.get(1)) else { return out };
                if b0 >> 4 != 10 {
                    return out;
                }
                match kind {
                    0 if f.data.len() >= 4 => {
                        let asc = f.data.slice(2..);
                        if self.audio.as_ref() != Some(&asc) {
                            self.flush(&mut out);
                            self.audio = Some(asc);
                            self.announced = false;
                        }
                    }
                    1 if self.audio.is_some() && self.video.is_some() && !self.need_key => {
                        self.announce(&mut out);
                        self.hold(Pending { track: AUDIO, dts: f.ts, cts: 0, key: true, data: f.data.slice(2..) }, &mut out);
                    }
                    _ => {}
                }
            }
        }
        out
    }

    fn announce(&mut self, out: &mut Vec<Out>) {
        if self.announced {
            return;
        }
        let Some(v) = &self.video else { return };
        self.announced = true;
        let audio = self.audio.as_ref().filter(|a| a.len() >= 2);
        let mut codecs = video_codec_string(v.codec, &v.record);
        if let Some(a) = audio {
            codecs.push_str(&format!(",mp4a.40.{}", a[0] >> 3));
        }
        out.push(Out::Init { mime: format!("video/mp4; codecs=\"{codecs}\""), data: init_segment(v, audio) });
    }

    fn hold(&mut self, p: Pending, out: &mut Vec<Out>) {
        let i = (p.track - 1) as usize;
        let base = *self.base.get_or_insert(p.dts);
        if let Some(prev) = self.held[i].take() {
            let dur = p.dts.wrapping_sub(prev.dts).min(10_000);
            out.push(Out::Fragment(self.fragment(&prev, dur, base)));
        }
        self.held[i] = Some(p);
    }

    /// What is held goes out with a guessed duration (before a new configuration).
    fn flush(&mut self, out: &mut Vec<Out>) {
        let base = self.base.unwrap_or(0);
        for i in 0..2 {
            if let Some(p) = self.held[i].take() {
                let dur = if p.track == VIDEO { 33 } else { 21 };
                if self.announced {
                    out.push(Out::Fragment(self.fragment(&p, dur, base)));
                }
            }
        }
    }

    fn fragment(&mut self, p: &Pending, dur: u32, base: u32) -> Bytes {
        self.sequence += 1;
        let flags: u32 = if p.key { 0x0200_0000 } else { 0x0101_0000 };
        let mut traf = BytesMut::new();
        // tfhd: default-base-is-moof.
        full_box(&mut traf, b"tfhd", 0, 0x02_0000, |b| b.put_u32(p.track));
        full_box(&mut traf, b"tfdt", 1, 0, |b| b.put_u64(p.dts.wrapping_sub(base) as u64));
        // trun: data offset, duration, size, flags, composition offset (signed, version 1).
        let trun_at = traf.len();
        full_box(&mut traf, b"trun", 1, 0x000f01, |b| {
            b.put_u32(1);
            b.put_u32(0); // data offset, patched below
            b.put_u32(dur);
            b.put_u32(p.data.len() as u32);
            b.put_u32(flags);
            b.put_i32(p.cts);
        });
        let mut moof = BytesMut::new();
        full_box(&mut moof, b"mfhd", 0, 0, |b| b.put_u32(self.sequence));
        let traf_at = moof.len();
        boxed(&mut moof, b"traf", |b| b.put_slice(&traf));
        let mut out = BytesMut::with_capacity(moof.len() + 8 + 8 + p.data.len());
        boxed(&mut out, b"moof", |b| b.put_slice(&moof));
        // The sample starts right after the mdat header that follows the moof.
        let offset = (out.len() + 8) as u32;
        // moof header (8) + traf header (8) + trun full header (12) + sample count (4).
        let at = 8 + traf_at + 8 + trun_at + 12 + 4;
        out[at..at + 4].copy_from_slice(&offset.to_be_bytes());
        boxed(&mut out, b"mdat", |b| b.put_slice(&p.data));
        out.freeze()
    }
}

fn boxed(b: &mut BytesMut, kind: &[u8; 4], body: impl FnOnce(&mut BytesMut)) {
    let at = b.len();
    b.put_u32(0);
    b.put_slice(kind);
    body(b);
    let len = (b.len() - at) as u32;
    b[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

fn full_box(b: &mut BytesMut, kind: &[u8; 4], version: u8, flags: u32, body: impl FnOnce(&mut BytesMut)) {
    boxed(b, kind, |b| {
        b.put_u32((version as u32) << 24 | (flags & 0x00ff_ffff));
        body(b);
    })
}

const MATRIX: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];

fn init_segment(v: &VideoConfig, audio: Option<&Bytes>) -> Bytes {
    let mut b = BytesMut::new();
    boxed(&mut b, b"ftyp", |b| {
        b.put_slice(b"isom");
        b.put_u32(0x200);
        for brand in [b"isom", b"iso6", b"mp41"] {
            b.put_slice(brand);
        }
    });
    boxed(&mut b, b"moov", |b| {
        full_box(b, b"mvhd", 0, 0, |b| {
            b.put_u64(0); // creation, modification
            b.put_u32(TIMESCALE);
            b.put_u32(0); // duration
            b.put_u32(0x0001_0000); // rate
            b.put_u16(0x0100); // volume
            b.put_bytes(0, 10);
            MATRIX.iter().for_each(|m| b.put_u32(*m));
            b.put_bytes(0, 24);
            b.put_u32(AUDIO + 1); // next track
        });
        trak(b, VIDEO, v.width, v.height, |b| video_entry(b, v));
        if let Some(asc) = audio {
            trak(b, AUDIO, 0, 0, |b| audio_entry(b, asc));
        }
        boxed(b, b"mvex", |b| {
            for t in [Some(VIDEO), audio.map(|_| AUDIO)].into_iter().flatten() {
                full_box(b, b"trex", 0, 0, |b| {
                    b.put_u32(t);
                    b.put_u32(1);
                    b.put_bytes(0, 12);
                });
            }
        });
    });
    b.freeze()
}

fn trak(b: &mut BytesMut, id: u32, width: u32, height: u32, entry: impl FnOnce(&mut BytesMut)) {
    let video = id == VIDEO;
    boxed(b, b"trak", |b| {
        full_box(b, b"tkhd", 0, 3, |b| {
            b.put_u64(0);
            b.put_u32(id);
            b.put_u32(0);
            b.put_u32(0); // duration
            b.put_bytes(0, 8);
            b.put_u32(0); // layer, alternate group
            b.put_u16(if video { 0 } else { 0x0100 });
            b.put_u16(0);
            MATRIX.iter().for_each(|m| b.put_u32(*m));
            b.put_u32(width << 16);
            b.put_u32(height << 16);
        });
        boxed(b, b"mdia", |b| {
            full_box(b, b"mdhd", 0, 0, |b| {
                b.put_u64(0);
                b.put_u32(TIMESCALE);
                b.put_u32(0);
                b.put_u16(0x55c4); // "und"
                b.put_u16(0);
            });
            full_box(b, b"hdlr", 0, 0, |b| {
                b.put_u32(0);
                b.put_slice(if video { b"vide" } else { b"soun" });
                b.put_bytes(0, 12);
                b.put_slice(if video { b"onair video\0" } else { b"onair audio\0" });
            });
            boxed(b, b"minf", |b| {
                if video {
                    full_box(b, b"vmhd", 0, 1, |b| b.put_bytes(0, 8));
                } else {
                    full_box(b, b"smhd", 0, 0, |b| b.put_u32(0));
                }
                boxed(b, b"dinf", |b| {
                    full_box(b, b"dref", 0, 0, |b| {
                        b.put_u32(1);
                        full_box(b, b"url ", 0, 1, |_| {});
                    })
                });
                boxed(b, b"stbl", |b| {
                    full_box(b, b"stsd", 0, 0, |b| {
                        b.put_u32(1);
                        entry(b);
                    });
                    for k in [b"stts", b"stsc", b"stco"] {
                        full_box(b, k, 0, 0, |b| b.put_u32(0));
                    }
                    full_box(b, b"stsz", 0, 0, |b| b.put_u64(0));
                });
            });
        });
    });
}

fn video_entry(b: &mut BytesMut, v: &VideoConfig) {
    let (kind, config): (&[u8; 4], &[u8; 4]) = match v.codec {
        Codec::H264 => (b"avc1", b"avcC"),
        Codec::Hevc => (b"hvc1", b"hvcC"),
        _ => (b"av01", b"av1C"),
    };
    boxed(b, kind, |b| {
        b.put_bytes(0, 6);
        b.put_u16(1); // data reference index
        b.put_bytes(0, 16);
        b.put_u16(v.width as u16);
        b.put_u16(v.height as u16);
        b.put_u32(0x0048_0000);
        b.put_u32(0x0048_0000);
        b.put_u32(0);
        b.put_u16(1); // frame count
        b.put_bytes(0, 32); // compressor name
        b.put_u16(0x18);
        b.put_i16(-1);
        boxed(b, config, |b| b.put_slice(&v.record));
    });
}

fn audio_entry(b: &mut BytesMut, asc: &[u8]) {
    let rate = super::flv::aac_config(&[&[0xaf, 0][..], asc].concat()).map_or(48000, |(r, _)| r);
    let channels = ((asc.get(1).copied().unwrap_or(0x10) >> 3) & 0x0f).clamp(1, 2);
    boxed(b, b"mp4a", |b| {
        b.put_bytes(0, 6);
        b.put_u16(1);
        b.put_bytes(0, 8);
        b.put_u16(channels as u16);
        b.put_u16(16);
        b.put_u32(0);
        b.put_u32(rate.min(65535) << 16);
        full_box(b, b"esds", 0, 0, |b| {
            let dsi = asc.len().min(100) as u8;
            // ES_Descriptor { DecoderConfigDescriptor { DecoderSpecificInfo }, SLConfigDescriptor }
            b.put_slice(&[0x03, 3 + 15 + 2 + dsi + 3, 0, 0, 0]);
            b.put_slice(&[0x04, 13 + 2 + dsi, 0x40, 0x15, 0, 0, 0]);
            b.put_u32(0);
            b.put_u32(0);
            b.put_slice(&[0x05, dsi]);
            b.put_slice(&asc[..dsi as usize]);
            b.put_slice(&[0x06, 1, 2]);
        });
    });
}

/// The RFC 6381 `codecs` string of a video configuration record, for `MediaSource.isTypeSupported`.
pub fn video_codec_string(codec: Codec, r: &[u8]) -> String {
    match codec {
        // avcC: version, profile, compatibility, level.
        Codec::H264 if r.len() >= 4 => format!("avc1.{:02x}{:02x}{:02x}", r[1], r[2], r[3]),
        Codec::H264 => "avc1.42e01e".into(),
        // hvcC: profile space/tier/idc, 32 compatibility flags, 48 constraint bits, level.
        Codec::Hevc if r.len() >= 13 => {
            let space = ["", "A", "B", "C"][(r[1] >> 6) as usize];
            let tier = if r[1] & 0x20 != 0 { 'H' } else { 'L' };
            let compat = u32::from_be_bytes([r[2], r[3], r[4], r[5]]).reverse_bits();
            let mut s = format!("hvc1.{space}{}.{compat:x}.{tier}{}", r[1] & 0x1f, r[12]);
            let constraints = &r[6..12];
            let keep = constraints.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
            for c in &constraints[..keep] {
                s.push_str(&format!(".{c:x}"));
            }
            s
        }
        Codec::Hevc => "hvc1.1.6.L93.B0".into(),
        // av1C: marker/version, profile(3) level(5), tier(1) high_bitdepth(1) twelve_bit(1) ...
        _ if r.len() >= 3 => {
            let depth = if r[2] & 0x40 == 0 {
                8
            } else if r[2] & 0x20 != 0 {
                12
            } else {
                10
            };
            format!("av01.{}.{:02}{}.{depth:02}", r[1] >> 5, r[1] & 0x1f, if r[2] & 0x80 != 0 { 'H' } else { 'M' })
        }
        _ => "av01.0.08M.08".into(),
    }
}

/// The picture size a configuration record says (H.264 from its SPS; the others from the first
/// keyframe in the browser, which `tkhd` does not need to be exact for).
fn picture_size(codec: Codec, record: &[u8]) -> Option<(u32, u32)> {
    match codec {
        Codec::H264 => {
            let tag = [&[0x17, 0, 0, 0, 0][..], record].concat();
            super::avc::sps_info(&tag).map(|(w, h, _)| (w, h))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boxes at the top of `b`: (type, size).
    fn boxes(b: &[u8]) -> Vec<(String, usize)> {
        let mut out = vec![];
        let mut at = 0;
        while at + 8 <= b.len() {
            let len = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
            out.push((String::from_utf8_lossy(&b[at + 4..at + 8]).into_owned(), len));
            assert!(len >= 8 && at + len <= b.len(), "box at {at} of {len} bytes in {}", b.len());
            at += len;
        }
        assert_eq!(at, b.len());
        out
    }

    // A real avcC (x264, High 3.1, 640×360) and AAC-LC 48 kHz stereo.
    const AVCC: &[u8] = &[
        0x01, 0x64, 0x00, 0x1e, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01,
        0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2d, 0x96, 0x01, 0x00, 0x04, 0x68, 0xef, 0xbc, 0xb0, 0xfd, 0xf8, 0xf8, 0x00,
    ];

    fn video(ts: u32, b0: u8, kind: u8, body: &[u8]) -> Frame {
        Frame::video(ts, Bytes::from([&[b0, kind, 0, 0, 0][..], body].concat()))
    }

    #[test]
    fn an_h264_aac_feed_makes_an_init_segment_then_a_fragment_per_frame() {
        let mut m = Muxer::new();
        assert!(m.push(&video(0, 0x17, 0, AVCC)).is_empty());
        assert!(m.push(&Frame::audio(0, Bytes::from_static(&[0xaf, 0, 0x11, 0x90]))).is_empty());
        // Before the first keyframe: nothing, not even audio.
        assert!(m.push(&video(0, 0x27, 1, &[0, 0, 0, 1, 0x41])).is_empty());
        assert!(m.push(&Frame::audio(5, Bytes::from_static(&[0xaf, 1, 1, 2, 3]))).is_empty());
        let out = m.push(&video(1000, 0x17, 1, &[0, 0, 0, 2, 0x65, 0x88]));
        let Some(Out::Init { mime, data }) = out.first() else { panic!("{out:?}") };
        assert_eq!(mime, "video/mp4; codecs=\"avc1.64001e,mp4a.40.2\"");
        assert_eq!(boxes(data).iter().map(|b| b.0.as_str()).collect::<Vec<_>>(), ["ftyp", "moov"]);
        assert!(data.windows(4).any(|w| w == b"avcC") && data.windows(4).any(|w| w == b"esds"));
        // The picture size from the SPS in the track header.
        let tkhd = data.windows(4).position(|w| w == b"tkhd").unwrap();
        assert_eq!(&data[tkhd + 80..tkhd + 88], &[0x02, 0x80, 0, 0, 0x01, 0x68, 0, 0]);
        assert_eq!(out.len(), 1, "the keyframe waits for the next frame (its duration)");
        let out = m.push(&video(1033, 0x27, 1, &[0, 0, 0, 1, 0x41]));
        let [Out::Fragment(f)] = &out[..] else { panic!("{out:?}") };
        assert_eq!(boxes(f).iter().map(|b| b.0.as_str()).collect::<Vec<_>>(), ["moof", "mdat"]);
        // trun's data offset points at the sample, its duration is the gap, it is a sync sample.
        let trun = f.windows(4).position(|w| w == b"trun").unwrap() + 4;
        let word = |i: usize| u32::from_be_bytes(f[trun + 4 * i..trun + 4 * i + 4].try_into().unwrap());
        assert_eq!((word(1), word(3), word(4), word(5)), (1, 33, 6, 0x0200_0000));
        let off = word(2) as usize;
        assert_eq!(&f[off..], &[0, 0, 0, 2, 0x65, 0x88]);
        let tfdt = f.windows(4).position(|w| w == b"tfdt").unwrap() + 8;
        assert_eq!(u64::from_be_bytes(f[tfdt..tfdt + 8].try_into().unwrap()), 0, "the timeline starts at 0");
        // Audio from now on: its fragment comes with the next audio frame.
        assert!(m.push(&Frame::audio(1021, Bytes::from_static(&[0xaf, 1, 9]))).is_empty());
        let out = m.push(&Frame::audio(1042, Bytes::from_static(&[0xaf, 1, 8])));
        let [Out::Fragment(a)] = &out[..] else { panic!("{out:?}") };
        assert!(a.ends_with(&[b'm', b'd', b'a', b't', 9]));
        // A new configuration: a new init segment at the next keyframe.
        let mut other = AVCC.to_vec();
        other[3] = 0x28;
        m.push(&video(2000, 0x17, 0, &other));
        let out = m.push(&video(2000, 0x17, 1, &[0, 0, 0, 1, 0x65]));
        assert!(matches!(&out[..], [Out::Init { mime, .. }] if mime.contains("avc1.640028")), "{out:?}");
    }

    #[test]
    fn codec_strings_follow_rfc_6381() {
        assert_eq!(video_codec_string(Codec::H264, AVCC), "avc1.64001e");
        // x265 Main, level 3.1 (93), tier Main, progressive-source constraint flag.
        let hvcc = [0x01, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93];
        assert_eq!(video_codec_string(Codec::Hevc, &hvcc), "hvc1.1.6.L93.90");
        // AV1 Main profile, level 3.0 (4), 8 bits.
        assert_eq!(video_codec_string(Codec::Av1, &[0x81, 0x04, 0x0c, 0]), "av01.0.04M.08");
        assert_eq!(video_codec_string(Codec::Av1, &[0x81, 0x28, 0x40, 0]), "av01.1.08M.10");
    }

    #[test]
    fn garbage_never_panics() {
        let mut m = Muxer::new();
        let mut seed = 7u32;
        for n in 0..2000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let len = (seed >> 24) as usize % 40;
            let body: Vec<u8> = (0..len).map(|i| (seed.rotate_left(i as u32) & 0xff) as u8).collect();
            let f = if n % 3 == 0 { Frame::audio(n, Bytes::from(body)) } else { Frame::video(n, Bytes::from(body)) };
            for o in m.push(&f) {
                let (Out::Fragment(b) | Out::Init { data: b, .. }) = o;
                boxes(&b);
            }
        }
    }
}
