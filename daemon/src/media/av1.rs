//! AV1 in Enhanced RTMP (FourCC `av01`) for the box's own pictures (the slate's loop): temporal units
//! of low-overhead OBUs, and the AV1CodecConfigurationRecord built from a unit's sequence header.
use bytes::{BufMut, Bytes, BytesMut};

use super::Frame;

const SEQUENCE_HEADER: u8 = 1;
const TEMPORAL_DELIMITER: u8 = 2;

/// One OBU of a temporal unit: its type, and its bytes (header, size and payload).
struct Obu<'a> {
    kind: u8,
    payload: &'a [u8],
    whole: &'a [u8],
}

fn leb128(d: &[u8]) -> Option<(usize, usize)> {
    let mut v = 0usize;
    for (i, b) in d.iter().take(8).enumerate() {
        v |= ((b & 0x7f) as usize) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The OBUs of a temporal unit; stops at the first one that does not fit.
fn obus(mut d: &[u8]) -> impl Iterator<Item = Obu<'_>> {
    std::iter::from_fn(move || {
        let h = *d.first()?;
        let head = 1 + ((h & 0x04) != 0) as usize;
        let (len, size_len) = if h & 0x02 != 0 { leb128(d.get(head..)?)? } else { (d.len().checked_sub(head)?, 0) };
        let end = head.checked_add(size_len)?.checked_add(len)?;
        let whole = d.get(..end)?;
        let obu = Obu { kind: (h >> 3) & 0x0f, payload: &whole[head + size_len..], whole };
        d = &d[end..];
        Some(obu)
    })
}

struct Bits<'a> {
    d: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn take(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let bit = (self.d.get(self.at / 8)? >> (7 - self.at % 8)) & 1;
            v = (v << 1) | bit as u32;
            self.at += 1;
        }
        Some(v)
    }
    fn uvlc(&mut self) -> Option<()> {
        let mut zeros = 0;
        while self.take(1)? == 0 {
            zeros += 1;
            if zeros > 32 {
                return None;
            }
        }
        self.take(zeros).map(|_| ())
    }
}

/// (seq_profile, seq_level_idx[0], seq_tier[0]) from a sequence header's payload.
fn profile_level_tier(payload: &[u8]) -> Option<(u8, u8, u8)> {
    let mut b = Bits { d: payload, at: 0 };
    let profile = b.take(3)? as u8;
    let _still = b.take(1)?;
    if b.take(1)? == 1 {
        return Some((profile, b.take(5)? as u8, 0));
    }
    // (what follows the first operating point's level and tier is not needed)
    if b.take(1)? == 1 {
        b.take(32)?;
        b.take(32)?;
        if b.take(1)? == 1 {
            b.uvlc()?;
        }
        if b.take(1)? == 1 {
            b.take(5 + 32 + 5 + 5)?;
        }
    }
    let _initial_display_delay = b.take(1)?;
    let _operating_points = b.take(5)?;
    let _idc = b.take(12)?;
    let level = b.take(5)? as u8;
    let tier = if level > 7 { b.take(1)? as u8 } else { 0 };
    Some((profile, level, tier))
}

/// The sequence start tag for a temporal unit that carries a sequence header (a keyframe's).
/// The record's colour fields say 8-bit 4:2:0, which is what the box encodes (`videoconvert` to I420).
pub fn config(ts: u32, tu: &[u8]) -> Option<Frame> {
    let seq = obus(tu).find(|o| o.kind == SEQUENCE_HEADER)?;
    let (profile, level, tier) = profile_level_tier(seq.payload)?;
    let mut b = BytesMut::with_capacity(seq.whole.len() + 9);
    b.put_u8(0x90); // IsExHeader | keyframe | SequenceStart
    b.put_slice(b"av01");
    b.put_u8(0x81); // marker, version 1
    b.put_u8((profile << 5) | (level & 0x1f));
    b.put_u8((tier << 7) | 0b0000_1100); // 8 bits, not monochrome, subsampling x and y, position 0
    b.put_u8(0); // no initial presentation delay
    b.put_slice(seq.whole);
    Some(Frame::video(ts, b.freeze()))
}

/// A temporal unit as Enhanced RTMP CodedFrames (AV1 has no composition offset), without its
/// temporal delimiter (the record's format, as in MP4).
pub fn picture(ts: u32, key: bool, tu: &[u8]) -> Frame {
    let mut b = BytesMut::with_capacity(tu.len() + 5);
    b.put_u8(if key { 0x91 } else { 0xa1 });
    b.put_slice(b"av01");
    let mut kept = 0;
    for o in obus(tu).filter(|o| o.kind != TEMPORAL_DELIMITER) {
        b.put_slice(o.whole);
        kept += o.whole.len();
    }
    if kept == 0 {
        b.put_slice(tu);
    }
    Frame::video(ts, Bytes::from(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sequence header OBU (with its size) for profile 0, level `level`, no timing info.
    fn sequence_header(level: u8) -> Vec<u8> {
        let mut bits: Vec<u8> = vec![];
        let mut put = |v: u32, n: usize| (0..n).rev().for_each(|i| bits.push(((v >> i) & 1) as u8));
        put(0, 3); // profile
        put(0, 1); // still picture
        put(0, 1); // reduced header
        put(0, 1); // timing info
        put(0, 1); // initial display delay
        put(0, 5); // one operating point
        put(0, 12); // its idc
        put(level as u32, 5);
        if level > 7 {
            put(1, 1);
        }
        put(0xabcd, 16); // (the rest of the header, not read)
        let payload: Vec<u8> = bits.chunks(8).map(|c| c.iter().enumerate().fold(0u8, |a, (i, b)| a | (b << (7 - i)))).collect();
        [vec![(SEQUENCE_HEADER << 3) | 0x02, payload.len() as u8], payload].concat()
    }

    #[test]
    fn the_record_comes_from_the_sequence_header_and_pictures_lose_their_delimiter() {
        let td = [(TEMPORAL_DELIMITER << 3) | 0x02, 0];
        let frame = [(6 << 3) | 0x02, 3, 7, 8, 9];
        let seq = sequence_header(8);
        let tu = [&td[..], &seq, &frame].concat();
        let c = config(0, &tu).unwrap();
        assert!(c.is_sequence_header() && super::super::flv::video_codec_name(&c.data) == "av1");
        assert_eq!(&c.data[5..9], &[0x81, 8, 0x80 | 0x0c, 0], "profile 0, level 8, high tier, 4:2:0");
        assert_eq!(&c.data[9..], &seq[..]);
        let p = picture(33, true, &tu);
        assert!(p.is_keyframe());
        assert_eq!(&p.data[5..], &[&seq[..], &frame[..]].concat()[..]);
        assert!(config(0, &[&td[..], &frame].concat()).is_none(), "no sequence header, no record");
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        for junk in [&[][..], &[0x0a], &[0x0a, 0xff, 0xff, 0xff], &[0x0a, 50, 1, 2], &[0xff; 40]] {
            let _ = config(0, junk);
            let _ = picture(0, false, junk);
        }
        assert_eq!(profile_level_tier(&[]), None);
    }
}
