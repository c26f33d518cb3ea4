//! Just enough FLV to route tags: frame types, codec ids, sequence headers, and a tag reader/writer
//! for GStreamer's `flvmux`/`flvdemux` byte streams.
use bytes::{Buf, Bytes, BytesMut};

use super::{Frame, Kind};

const EX_HEADER: u8 = 0x80; // enhanced RTMP: IsExHeader bit in the first video byte

pub fn video_is_keyframe(d: &[u8]) -> bool {
    d.first().is_some_and(|b| (b >> 4) & 0x07 == 1)
}

pub fn video_is_sequence_header(d: &[u8]) -> bool {
    match d.first() {
        Some(b) if b & EX_HEADER != 0 => b & 0x0f == 0, // PacketTypeSequenceStart
        Some(b) if b & 0x0f == 7 || b & 0x0f == 12 => d.get(1) == Some(&0),
        _ => false,
    }
}

pub fn audio_is_sequence_header(d: &[u8]) -> bool {
    d.first().is_some_and(|b| b >> 4 == 10) && d.get(1) == Some(&0)
}

pub fn video_codec_name(d: &[u8]) -> &'static str {
    match d.first() {
        Some(b) if b & EX_HEADER != 0 => match d.get(1..5) {
            Some(b"hvc1") => "hevc",
            Some(b"av01") => "av1",
            Some(b"vp09") => "vp9",
            _ => "unknown",
        },
        Some(b) => match b & 0x0f {
            7 => "h264",
            12 => "hevc",
            2 => "h263",
            _ => "unknown",
        },
        None => "unknown",
    }
}

pub fn audio_codec_name(d: &[u8]) -> &'static str {
    match d.first().map(|b| b >> 4) {
        Some(10) => "aac",
        Some(2) => "mp3",
        Some(11) => "speex",
        Some(9) => "ex",
        _ => "unknown",
    }
}

/// AAC sample rate and channels from an AudioSpecificConfig sequence header.
pub fn aac_config(d: &[u8]) -> Option<(u32, u32)> {
    if !audio_is_sequence_header(d) || d.len() < 4 {
        return None;
    }
    const RATES: [u32; 13] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
    let asc = &d[2..];
    let idx = ((asc[0] & 0x07) << 1 | asc[1] >> 7) as usize;
    let ch = ((asc[1] >> 3) & 0x0f) as u32;
    Some((*RATES.get(idx)?, ch))
}

pub const FILE_HEADER: [u8; 13] = [b'F', b'L', b'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0];

/// Incremental FLV byte-stream reader: feed bytes, take frames. Script tags are skipped.
#[derive(Default)]
pub struct Reader {
    buf: BytesMut,
    header_done: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FlvError {
    #[error("not an FLV stream")]
    BadHeader,
    #[error("FLV tag of {0} bytes is larger than allowed")]
    TagTooLarge(usize),
}

impl Reader {
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    pub fn next_frame(&mut self) -> Result<Option<Frame>, FlvError> {
        loop {
            if !self.header_done {
                if self.buf.len() < 9 {
                    return Ok(None);
                }
                if &self.buf[..3] != b"FLV" {
                    return Err(FlvError::BadHeader);
                }
                let off = u32::from_be_bytes([self.buf[5], self.buf[6], self.buf[7], self.buf[8]]) as usize;
                if self.buf.len() < off + 4 {
                    return Ok(None);
                }
                self.buf.advance(off + 4);
                self.header_done = true;
            }
            if self.buf.len() < 11 {
                return Ok(None);
            }
            let ty = self.buf[0] & 0x1f;
            let size = u32::from_be_bytes([0, self.buf[1], self.buf[2], self.buf[3]]) as usize;
            if size > 8 << 20 {
                return Err(FlvError::TagTooLarge(size));
            }
            if self.buf.len() < 11 + size + 4 {
                return Ok(None);
            }
            let ts = u32::from_be_bytes([self.buf[7], self.buf[4], self.buf[5], self.buf[6]]);
            self.buf.advance(11);
            let body = self.buf.split_to(size).freeze();
            self.buf.advance(4);
            match ty {
                8 => return Ok(Some(Frame { kind: Kind::Audio, ts, data: body })),
                9 => return Ok(Some(Frame { kind: Kind::Video, ts, data: body })),
                _ => continue,
            }
        }
    }
}

/// Serialises one frame as an FLV tag followed by its PreviousTagSize.
pub fn write_tag(out: &mut BytesMut, f: &Frame) {
    let ty = if f.kind == Kind::Video { 9u8 } else { 8u8 };
    let size = f.data.len() as u32;
    out.extend_from_slice(&[ty, (size >> 16) as u8, (size >> 8) as u8, size as u8]);
    out.extend_from_slice(&[(f.ts >> 16) as u8, (f.ts >> 8) as u8, f.ts as u8, (f.ts >> 24) as u8, 0, 0, 0]);
    out.extend_from_slice(&f.data);
    out.extend_from_slice(&(size + 11).to_be_bytes());
}

pub fn frame_bytes(f: &Frame) -> Bytes {
    let mut b = BytesMut::with_capacity(f.data.len() + 15);
    write_tag(&mut b, f);
    b.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_tags() {
        let frames = vec![
            Frame::video(0, Bytes::from_static(&[0x17, 1, 0, 0, 0, 1, 2])),
            Frame::audio(23, Bytes::from_static(&[0xaf, 1, 9, 9])),
            Frame::video(0x0100_0001, Bytes::from_static(&[0x27, 1, 0, 0, 0, 5])),
        ];
        let mut out = BytesMut::new();
        out.extend_from_slice(&FILE_HEADER);
        for f in &frames {
            write_tag(&mut out, f);
        }
        let mut r = Reader::default();
        // byte by byte: the reader must cope with any split
        let mut got = vec![];
        for b in out.iter() {
            r.push(&[*b]);
            while let Some(f) = r.next_frame().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].ts, 0x0100_0001);
        assert_eq!(got[1].data, frames[1].data);
        assert!(got[0].is_keyframe() && !got[2].is_keyframe());
    }

    #[test]
    fn rejects_garbage_and_huge_tags() {
        let mut r = Reader::default();
        r.push(b"GARBAGE!!!!!!");
        assert!(r.next_frame().is_err());
        let mut r = Reader::default();
        r.push(&FILE_HEADER);
        r.push(&[9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(r.next_frame(), Err(FlvError::TagTooLarge(_))));
    }

    #[test]
    fn sequence_headers_and_codecs() {
        assert!(video_is_sequence_header(&[0x17, 0]));
        assert!(!video_is_sequence_header(&[0x17, 1]));
        assert!(video_is_sequence_header(&[0x90, b'h', b'v', b'c', b'1']));
        assert_eq!(video_codec_name(&[0x90, b'h', b'v', b'c', b'1']), "hevc");
        assert!(audio_is_sequence_header(&[0xaf, 0, 0x12, 0x10]));
        assert_eq!(aac_config(&[0xaf, 0, 0x12, 0x10]), Some((44100, 2)));
        assert_eq!(aac_config(&[0xaf, 0, 0x11, 0x90]), Some((48000, 2)));
    }
}
