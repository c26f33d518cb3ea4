//! RTP as the SFU forwards it, without GStreamer (bytes in, bytes out): reading a packet's header,
//! telling where a keyframe starts and how large its picture is, and each viewer's rewrite of the
//! guest's packets (its own SSRC, sequence numbers and timestamps, the viewer's payload type and MID
//! extension, nothing else of the guest's header).
use super::TrackKind;

/// A parsed RTP packet: fields of the fixed header, and where the payload lies in the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub marker: bool,
    pub pt: u8,
    pub seq: u16,
    pub ts: u32,
    pub ssrc: u32,
    /// Payload, padding included (the padding bit is kept as is when the packet is rewritten).
    pub payload: (usize, usize),
    pub padding: bool,
}

/// Reads an RTP header (RFC 3550 §5.1, with its CSRCs and extension skipped). `None` for anything
/// that is not RTP version 2 or whose lengths run past the end.
pub fn parse(b: &[u8]) -> Option<Header> {
    if b.len() < 12 || b[0] >> 6 != 2 {
        return None;
    }
    let padding = b[0] & 0x20 != 0;
    let mut at = 12 + 4 * (b[0] & 0x0f) as usize;
    if b[0] & 0x10 != 0 {
        let words = u16::from_be_bytes([*b.get(at + 2)?, *b.get(at + 3)?]) as usize;
        at += 4 + 4 * words;
    }
    if at > b.len() {
        return None;
    }
    let mut end = b.len();
    if padding {
        let n = *b.last()? as usize;
        if n == 0 || at + n > end {
            return None;
        }
        end -= n;
    }
    Some(Header {
        marker: b[1] & 0x80 != 0,
        pt: b[1] & 0x7f,
        seq: u16::from_be_bytes([b[2], b[3]]),
        ts: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        ssrc: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        payload: (at, end),
        padding,
    })
}

/// The video codecs the SFU forwards, as their RTP payload formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Vp8,
    Vp9,
    H264,
    Opus,
}

impl Format {
    pub fn of(kind: TrackKind, encoding: &str) -> Option<Format> {
        Some(match (kind, encoding.to_ascii_uppercase().as_str()) {
            (TrackKind::Video, "VP8") => Format::Vp8,
            (TrackKind::Video, "VP9") => Format::Vp9,
            (TrackKind::Video, "H264") => Format::H264,
            (TrackKind::Audio, "OPUS") => Format::Opus,
            _ => return None,
        })
    }

    pub fn is_video(self) -> bool {
        self != Format::Opus
    }
}

/// VP8's payload descriptor (RFC 7741 §4.2): `(start of a partition 0, descriptor length)`.
fn vp8_descriptor(p: &[u8]) -> Option<(bool, usize)> {
    let b0 = *p.first()?;
    let start = b0 & 0x10 != 0 && b0 & 0x07 == 0;
    let mut at = 1;
    if b0 & 0x80 != 0 {
        let x = *p.get(at)?;
        at += 1;
        if x & 0x80 != 0 {
            at += if *p.get(at)? & 0x80 != 0 { 2 } else { 1 };
        }
        if x & 0x40 != 0 {
            at += 1;
        }
        if x & 0x30 != 0 {
            at += 1;
        }
    }
    (at <= p.len()).then_some((start, at))
}

/// VP9's payload descriptor (RFC 9628 §4.2): whether this packet begins a keyframe, and the
/// picture size its scalability structure gives, if it has one.
fn vp9_descriptor(p: &[u8]) -> Option<(bool, Option<(u16, u16)>)> {
    let b0 = *p.first()?;
    let (i, inter, l, f, begin, v) = (b0 & 0x80 != 0, b0 & 0x40 != 0, b0 & 0x20 != 0, b0 & 0x10 != 0, b0 & 0x08 != 0, b0 & 0x02 != 0);
    let mut at = 1;
    if i {
        at += if *p.get(at)? & 0x80 != 0 { 2 } else { 1 };
    }
    let mut spatial = 0;
    if l {
        spatial = (*p.get(at)? >> 1) & 0x07;
        at += if f { 1 } else { 2 };
    }
    if f && inter {
        // Up to three reference differences, each with a "one more follows" bit.
        for _ in 0..3 {
            let d = *p.get(at)?;
            at += 1;
            if d & 0x01 == 0 {
                break;
            }
        }
    }
    let mut size = None;
    if v {
        let ss = *p.get(at)?;
        at += 1;
        if ss & 0x10 != 0 {
            let w = u16::from_be_bytes([*p.get(at)?, *p.get(at + 1)?]);
            let h = u16::from_be_bytes([*p.get(at + 2)?, *p.get(at + 3)?]);
            size = Some((w, h));
        }
    }
    Some((begin && !inter && spatial == 0, size))
}

/// H.264 NAL unit types in a packet's payload (RFC 6184: single NAL, STAP-A, FU-A start).
fn h264_nals(p: &[u8], mut f: impl FnMut(u8, &[u8])) {
    let Some(&b0) = p.first() else { return };
    match b0 & 0x1f {
        1..=23 => f(b0 & 0x1f, p),
        24 => {
            let mut at = 1;
            while at + 2 <= p.len() {
                let n = u16::from_be_bytes([p[at], p[at + 1]]) as usize;
                let Some(nal) = p.get(at + 2..at + 2 + n) else { return };
                if let Some(&h) = nal.first() {
                    f(h & 0x1f, nal);
                }
                at += 2 + n;
            }
        }
        28 => {
            if let Some(&fu) = p.get(1) {
                if fu & 0x80 != 0 {
                    f(fu & 0x1f, &[]);
                }
            }
        }
        _ => {}
    }
}

/// This packet begins a picture a decoder can start from. For H.264 that is the SPS: browsers send
/// SPS and PPS just before every IDR, and a viewer given the IDR without them decodes nothing.
pub fn starts_keyframe(format: Format, payload: &[u8]) -> bool {
    match format {
        Format::Opus => true,
        Format::Vp8 => match vp8_descriptor(payload) {
            Some((true, at)) => payload.get(at).is_some_and(|b| b & 0x01 == 0),
            _ => false,
        },
        Format::Vp9 => vp9_descriptor(payload).is_some_and(|(key, _)| key),
        Format::H264 => {
            let mut sps = false;
            h264_nals(payload, |t, _| sps |= t == 7);
            sps
        }
    }
}

/// The picture size a keyframe's first packet gives, where it gives one.
pub fn picture_size(format: Format, payload: &[u8]) -> Option<(u32, u32)> {
    match format {
        Format::Opus => None,
        Format::Vp8 => {
            let (true, at) = vp8_descriptor(payload)? else { return None };
            let f = payload.get(at..at + 10)?;
            // The frame tag (3 bytes, keyframe bit clear), the start code, then 14-bit sizes.
            if f[0] & 0x01 != 0 || f[3..6] != [0x9d, 0x01, 0x2a] {
                return None;
            }
            let w = u16::from_le_bytes([f[6], f[7]]) & 0x3fff;
            let h = u16::from_le_bytes([f[8], f[9]]) & 0x3fff;
            (w > 0 && h > 0).then_some((w as u32, h as u32))
        }
        Format::Vp9 => vp9_descriptor(payload)?.1.filter(|(w, h)| *w > 0 && *h > 0).map(|(w, h)| (w as u32, h as u32)),
        Format::H264 => {
            let mut size = None;
            h264_nals(payload, |t, nal| {
                if t == 7 && size.is_none() {
                    size = crate::media::avc::sps_nal_size(nal);
                }
            });
            size
        }
    }
}

/// One viewer's rewrite of one track. Video waits for a keyframe's first packet; from the first
/// packet it forwards, sequence numbers and timestamps keep the guest's spacing (a packet lost or
/// dropped before the viewer stays a gap the viewer can see and ask about) from the viewer's own
/// starting points, under the viewer's own SSRC.
#[derive(Debug, Clone)]
pub struct Rewriter {
    format: Format,
    ssrc: u32,
    pt: u8,
    /// The MID header extension the viewer negotiated: id (1–14) and value.
    mid: Option<(u8, Vec<u8>)>,
    seq_start: u16,
    ts_start: u32,
    /// The guest's sequence number and timestamp of the first forwarded packet.
    base: Option<(u16, u32)>,
}

impl Rewriter {
    pub fn new(format: Format, ssrc: u32, pt: u8, mid: Option<(u8, &str)>, seq_start: u16, ts_start: u32) -> Rewriter {
        let mid = mid.filter(|(id, m)| (1..=14).contains(id) && (1..=16).contains(&m.len())).map(|(id, m)| (id, m.as_bytes().to_vec()));
        Rewriter { format, ssrc, pt, mid, seq_start, ts_start, base: None }
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Whether the viewer is still waiting for a keyframe.
    pub fn waiting(&self) -> bool {
        self.base.is_none()
    }

    /// The packet as this viewer gets it, or `None` (not RTP, or video before the first keyframe).
    pub fn forward(&mut self, b: &[u8]) -> Option<Vec<u8>> {
        let h = parse(b)?;
        let payload = &b[h.payload.0..];
        if self.base.is_none() {
            if self.format.is_video() && !starts_keyframe(self.format, &b[h.payload.0..h.payload.1]) {
                return None;
            }
            self.base = Some((h.seq, h.ts));
        }
        let (seq0, ts0) = self.base?;
        let seq = self.seq_start.wrapping_add(h.seq.wrapping_sub(seq0));
        let ts = self.ts_start.wrapping_add(h.ts.wrapping_sub(ts0));
        let ext_len = self.mid.as_ref().map_or(0, |(_, m)| 4 + (1 + m.len()).div_ceil(4) * 4);
        let mut out = Vec::with_capacity(12 + ext_len + payload.len());
        out.push(0x80 | if h.padding { 0x20 } else { 0 } | if self.mid.is_some() { 0x10 } else { 0 });
        out.push(if h.marker { 0x80 } else { 0 } | (self.pt & 0x7f));
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&ts.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        if let Some((id, m)) = &self.mid {
            // RFC 8285's one-byte form: 0xBEDE, the length in words, then id<<4 | (len - 1).
            out.extend_from_slice(&[0xbe, 0xde]);
            out.extend_from_slice(&(((ext_len - 4) / 4) as u16).to_be_bytes());
            out.push(id << 4 | (m.len() as u8 - 1));
            out.extend_from_slice(m);
            out.resize(12 + ext_len, 0);
        }
        out.extend_from_slice(payload);
        Some(out)
    }
}

/// The packets since the guest's last keyframe began (its group of pictures), so a new viewer can
/// start at once from the keyframe it missed instead of waiting for the next one. Bounded in bytes:
/// a group that outgrows `max_bytes` is dropped until the next keyframe (browsers send VP8
/// keyframes only on request, so a group can last for minutes).
#[derive(Debug)]
pub struct Gop<T> {
    items: Vec<T>,
    bytes: usize,
    max_bytes: usize,
}

impl<T: Clone> Gop<T> {
    pub fn new(max_bytes: usize) -> Gop<T> {
        Gop { items: Vec::new(), bytes: 0, max_bytes }
    }

    /// One more packet of `len` bytes, which begins a keyframe or not.
    pub fn push(&mut self, item: T, len: usize, keyframe: bool) {
        if keyframe {
            self.items.clear();
            self.bytes = 0;
        } else if self.items.is_empty() {
            return;
        }
        if self.bytes + len > self.max_bytes {
            self.items.clear();
            self.bytes = 0;
            return;
        }
        self.bytes += len;
        self.items.push(item);
    }

    /// The group so far, keyframe first; empty when there is none to start from.
    pub fn snapshot(&self) -> Vec<T> {
        self.items.clone()
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(marker: bool, pt: u8, seq: u16, ts: u32, ssrc: u32, ext: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut b = vec![0x80 | if ext.is_empty() { 0 } else { 0x10 }, (marker as u8) << 7 | pt];
        b.extend_from_slice(&seq.to_be_bytes());
        b.extend_from_slice(&ts.to_be_bytes());
        b.extend_from_slice(&ssrc.to_be_bytes());
        if !ext.is_empty() {
            b.extend_from_slice(&[0xbe, 0xde]);
            b.extend_from_slice(&((ext.len() / 4) as u16).to_be_bytes());
            b.extend_from_slice(ext);
        }
        b.extend_from_slice(payload);
        b
    }

    /// A VP8 keyframe's first packet (descriptor with a 15-bit picture id) of 640×360.
    fn vp8_key() -> Vec<u8> {
        let mut p = vec![0x90, 0x80, 0x81, 0x23];
        p.extend_from_slice(&[0x50, 0x2a, 0x01, 0x9d, 0x01, 0x2a]);
        p.extend_from_slice(&640u16.to_le_bytes());
        p.extend_from_slice(&360u16.to_le_bytes());
        p.extend_from_slice(&[0xaa; 20]);
        p
    }

    fn vp8_delta() -> Vec<u8> {
        vec![0x90, 0x80, 0x81, 0x24, 0x51, 0x00, 0x00, 0xaa, 0xaa]
    }

    #[test]
    fn headers_are_read_with_csrcs_extensions_and_padding() {
        let b = packet(true, 96, 65535, 9000, 0xdeadbeef, &[0x12, 0xab, 0xcd, 0x00], &[1, 2, 3]);
        let h = parse(&b).unwrap();
        assert_eq!((h.marker, h.pt, h.seq, h.ts, h.ssrc), (true, 96, 65535, 9000, 0xdeadbeef));
        assert_eq!(&b[h.payload.0..h.payload.1], &[1, 2, 3]);
        let mut padded = packet(false, 111, 1, 2, 3, &[], &[7, 7, 0, 0, 3]);
        padded[0] |= 0x20;
        let h = parse(&padded).unwrap();
        assert_eq!(&padded[h.payload.0..h.payload.1], &[7, 7]);
        let mut csrc = packet(false, 111, 1, 2, 3, &[], &[0, 0, 0, 9, 5]);
        csrc[0] |= 1;
        assert_eq!(parse(&csrc).map(|h| h.payload), Some((16, 17)));
    }

    #[test]
    fn garbage_is_not_rtp() {
        assert_eq!(parse(&[]), None);
        assert_eq!(parse(&[0x80; 11]), None);
        assert_eq!(parse(&[0x40; 20]), None, "version 1");
        let mut long_ext = packet(false, 96, 1, 1, 1, &[0, 0, 0, 0], &[]);
        long_ext[14..16].copy_from_slice(&200u16.to_be_bytes());
        assert_eq!(parse(&long_ext), None);
        let mut pad = packet(false, 96, 1, 1, 1, &[], &[9]);
        pad[0] |= 0x20;
        *pad.last_mut().unwrap() = 40;
        assert_eq!(parse(&pad), None);
        let mut cc = packet(false, 96, 1, 1, 1, &[], &[]);
        cc[0] |= 0x0f;
        assert_eq!(parse(&cc), None);
        for n in 0..300u32 {
            let junk: Vec<u8> = (0..n).map(|i| (i * 131 + n * 7) as u8 | 0x80).collect();
            let _ = parse(&junk);
            for f in [Format::Vp8, Format::Vp9, Format::H264, Format::Opus] {
                let _ = starts_keyframe(f, &junk);
                let _ = picture_size(f, &junk);
            }
            let _ = Rewriter::new(Format::Vp8, 1, 96, Some((3, "0")), 0, 0).forward(&junk);
        }
    }

    #[test]
    fn vp8_keyframes_and_their_size_are_found() {
        assert!(starts_keyframe(Format::Vp8, &vp8_key()));
        assert_eq!(picture_size(Format::Vp8, &vp8_key()), Some((640, 360)));
        assert!(!starts_keyframe(Format::Vp8, &vp8_delta()));
        let mut not_start = vp8_key();
        not_start[0] &= !0x10;
        assert!(!starts_keyframe(Format::Vp8, &not_start));
        // No extension bits: the payload header right after the first byte.
        assert!(starts_keyframe(Format::Vp8, &[0x10, 0x50, 0x2a, 0x01, 0x9d, 0x01, 0x2a]));
    }

    #[test]
    fn vp9_keyframes_and_their_size_are_found() {
        // I (7-bit id), B, V: scalability structure with one layer of 1280×720.
        let key = [0x8a, 0x05, 0x18, 0x05, 0x00, 0x02, 0xd0, 0xaa];
        assert!(starts_keyframe(Format::Vp9, &key));
        assert_eq!(picture_size(Format::Vp9, &key), Some((1280, 720)));
        let inter = [0xc8, 0x06, 0xaa];
        assert!(!starts_keyframe(Format::Vp9, &inter));
        let middle = [0x80, 0x05, 0xaa];
        assert!(!starts_keyframe(Format::Vp9, &middle), "not the beginning of the frame");
    }

    #[test]
    fn h264_starts_at_the_sps_in_any_packetization() {
        // An SPS of 1280×720, Baseline 3.1, as x264 writes it.
        let sps = [
            0x67, 0x42, 0xc0, 0x1f, 0xd9, 0x00, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x24,
            0x80,
        ];
        assert!(starts_keyframe(Format::H264, &sps));
        assert_eq!(picture_size(Format::H264, &sps), Some((1280, 720)));
        let mut stap = vec![24u8];
        stap.extend_from_slice(&(sps.len() as u16).to_be_bytes());
        stap.extend_from_slice(&sps);
        stap.extend_from_slice(&[0, 4, 0x68, 0xce, 0x3c, 0x80]);
        assert!(starts_keyframe(Format::H264, &stap));
        assert_eq!(picture_size(Format::H264, &stap), Some((1280, 720)));
        assert!(!starts_keyframe(Format::H264, &[0x65, 0x88, 0x80]), "an IDR without its SPS");
        assert!(!starts_keyframe(Format::H264, &[28, 0x85, 0x88]), "an FU-A of an IDR");
        assert!(!starts_keyframe(Format::H264, &[24, 0, 200, 0x67]), "a STAP-A whose length runs out");
    }

    #[test]
    fn a_viewer_starts_at_a_keyframe_under_its_own_numbers() {
        let mut r = Rewriter::new(Format::Vp8, 0x1111_2222, 100, Some((4, "1")), 500, 7_000);
        assert!(r.forward(&packet(true, 96, 40, 3000, 0xabc, &[0x12, 0, 0, 0], &vp8_delta())).is_none(), "before a keyframe");
        assert!(r.waiting());
        let key = r.forward(&packet(false, 96, 41, 6000, 0xabc, &[0x32, 0x01, 0x02, 0x03, 0x12, 0, 0, 0], &vp8_key())).unwrap();
        let h = parse(&key).unwrap();
        assert_eq!((h.marker, h.pt, h.seq, h.ts, h.ssrc), (false, 100, 500, 7_000, 0x1111_2222));
        assert_eq!(&key[12..20], &[0xbe, 0xde, 0, 1, 0x40, b'1', 0, 0], "only the viewer's MID, padded to a word");
        assert_eq!(&key[h.payload.0..h.payload.1], &vp8_key()[..]);
        // A gap before the viewer (packet 42 lost) stays a gap; the guest's clock spacing is kept;
        // sequence numbers wrap.
        let next = parse(&r.forward(&packet(true, 96, 43, 9000, 0xabc, &[], &vp8_delta())).unwrap()).unwrap();
        assert_eq!((next.seq, next.ts, next.marker), (502, 10_000, true));
        let mut w = Rewriter::new(Format::Opus, 9, 111, None, 65535, u32::MAX);
        let a = parse(&w.forward(&packet(false, 109, 10, 960, 5, &[], &[0xfc, 1])).unwrap()).unwrap();
        let b = parse(&w.forward(&packet(false, 109, 11, 1920, 5, &[], &[0xfc, 2])).unwrap()).unwrap();
        assert_eq!((a.seq, b.seq, b.ts), (65535, 0, 959));
        assert!(!w.waiting(), "audio needs no keyframe");
    }

    #[test]
    fn the_gop_holds_from_the_last_keyframe_within_its_budget() {
        let mut g = Gop::new(100);
        g.push(1, 10, false);
        assert!(g.snapshot().is_empty(), "nothing before a keyframe");
        g.push(2, 10, true);
        g.push(3, 10, false);
        assert_eq!(g.snapshot(), vec![2, 3]);
        g.push(4, 10, true);
        assert_eq!((g.snapshot(), g.bytes()), (vec![4], 10), "a keyframe starts a new group");
        for i in 5..20 {
            g.push(i, 10, false);
        }
        assert!(g.snapshot().is_empty(), "a group over budget is dropped");
        g.push(30, 10, false);
        assert!(g.snapshot().is_empty(), "and stays dropped until the next keyframe");
        g.push(31, 10, true);
        assert_eq!(g.snapshot(), vec![31]);
        g.push(32, 500, true);
        assert!(g.snapshot().is_empty(), "a keyframe alone over budget is not kept");
    }

    #[test]
    fn padding_is_kept_and_a_bad_mid_is_left_out() {
        let mut r = Rewriter::new(Format::Opus, 9, 111, Some((15, "0")), 0, 0);
        let mut p = packet(false, 109, 10, 960, 5, &[], &[0xfc, 1, 0, 2]);
        p[0] |= 0x20;
        let out = r.forward(&p).unwrap();
        assert_eq!(out[0], 0xa0, "padding bit, no extension: id 15 is reserved");
        assert_eq!(&out[12..], &[0xfc, 1, 0, 2]);
        assert_eq!(parse(&out).map(|h| h.payload), Some((12, 14)));
    }
}
