//! Video tag bodies (legacy and Enhanced RTMP) taken apart into what a decoder reads, and encoded
//! H.264 access units put back into tag bodies: the two ends of a transcode.
use bytes::{BufMut, Bytes, BytesMut};

use super::Frame;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264,
    Hevc,
    Av1,
    Vp9,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::H264 => "h264",
            Codec::Hevc => "hevc",
            Codec::Av1 => "av1",
            Codec::Vp9 => "vp9",
        }
    }

    /// GStreamer caps of this codec's frames as they come out of a tag (length-prefixed NAL units
    /// for H.264/HEVC, a temporal unit of OBUs for AV1, one frame for VP9).
    pub fn caps_name(self) -> &'static str {
        match self {
            Codec::H264 => "video/x-h264,stream-format=avc,alignment=au",
            Codec::Hevc => "video/x-h265,stream-format=hvc1,alignment=au",
            Codec::Av1 => "video/x-av1,stream-format=obu-stream,alignment=tu",
            Codec::Vp9 => "video/x-vp9",
        }
    }

    /// The parser that puts the frames in the form every decoder takes.
    pub fn parser(self) -> &'static str {
        match self {
            Codec::H264 => "h264parse",
            Codec::Hevc => "h265parse",
            Codec::Av1 => "av1parse",
            Codec::Vp9 => "vp9parse",
        }
    }
}

/// What one video tag body holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Unpacked {
    /// The decoder configuration record (avcC, hvcC, av1C, vpcC).
    Config { codec: Codec, record: Bytes },
    /// One coded picture: `cts` is the composition offset in ms (presentation − decode time).
    Coded { codec: Codec, key: bool, cts: i32, data: Bytes },
    /// End of sequence, metadata, a command frame, a codec the box does not decode, or a body too
    /// short to be any of them.
    Other,
}

fn si24(b: &[u8]) -> i32 {
    let v = (b[0] as i32) << 16 | (b[1] as i32) << 8 | b[2] as i32;
    (v << 8) >> 8
}

/// Reads a video tag body; never panics, whatever the bytes.
pub fn unpack(d: &Bytes) -> Unpacked {
    let Some(&b0) = d.first() else { return Unpacked::Other };
    let key = (b0 >> 4) & 0x07 == 1;
    if b0 & 0x80 != 0 {
        // Enhanced RTMP: [IsExHeader | FrameType(3) | PacketType(4)] FourCC ...
        let codec = match d.get(1..5) {
            Some(b"avc1") => Codec::H264,
            Some(b"hvc1") => Codec::Hevc,
            Some(b"av01") => Codec::Av1,
            Some(b"vp09") => Codec::Vp9,
            _ => return Unpacked::Other,
        };
        if (b0 >> 4) & 0x07 == 5 {
            return Unpacked::Other; // a command frame carries no picture
        }
        return match b0 & 0x0f {
            0 => Unpacked::Config { codec, record: d.slice(5..) },
            // CodedFrames: only AVC and HEVC carry a composition offset.
            1 if matches!(codec, Codec::H264 | Codec::Hevc) => match d.get(5..8) {
                Some(c) => Unpacked::Coded { codec, key, cts: si24(c), data: d.slice(8..) },
                None => Unpacked::Other,
            },
            1 | 3 => Unpacked::Coded { codec, key, cts: 0, data: d.slice(5..) },
            _ => Unpacked::Other,
        };
    }
    let codec = match b0 & 0x0f {
        7 => Codec::H264,
        12 => Codec::Hevc, // the pre-standard HEVC-in-FLV some encoders still send
        _ => return Unpacked::Other,
    };
    if d.len() < 5 {
        return Unpacked::Other;
    }
    match d[1] {
        0 => Unpacked::Config { codec, record: d.slice(5..) },
        1 => Unpacked::Coded { codec, key, cts: si24(&d[2..5]), data: d.slice(5..) },
        _ => Unpacked::Other,
    }
}

/// An H.264 sequence header tag body from an avcC record.
pub fn avc_config(ts: u32, avcc: &[u8]) -> Frame {
    let mut b = BytesMut::with_capacity(avcc.len() + 5);
    b.put_slice(&[0x17, 0, 0, 0, 0]);
    b.put_slice(avcc);
    Frame::video(ts, b.freeze())
}

/// An H.264 picture (length-prefixed NAL units, as `h264parse` gives them in `avc` form).
pub fn avc_picture(ts: u32, key: bool, cts: i32, au: &[u8]) -> Frame {
    let mut b = BytesMut::with_capacity(au.len() + 5);
    b.put_u8(if key { 0x17 } else { 0x27 });
    b.put_u8(1);
    let c = cts.clamp(-(1 << 23), (1 << 23) - 1);
    b.put_slice(&[(c >> 16) as u8, (c >> 8) as u8, c as u8]);
    b.put_slice(au);
    Frame::video(ts, b.freeze())
}

/// An HEVC sequence start (Enhanced RTMP, FourCC `hvc1`) from an hvcC record.
pub fn hevc_config(ts: u32, hvcc: &[u8]) -> Frame {
    let mut b = BytesMut::with_capacity(hvcc.len() + 5);
    b.put_u8(0x90); // IsExHeader | keyframe | SequenceStart
    b.put_slice(b"hvc1");
    b.put_slice(hvcc);
    Frame::video(ts, b.freeze())
}

/// An HEVC picture (length-prefixed NAL units) as Enhanced RTMP CodedFrames, with its offset.
pub fn hevc_picture(ts: u32, key: bool, cts: i32, au: &[u8]) -> Frame {
    let mut b = BytesMut::with_capacity(au.len() + 8);
    b.put_u8(if key { 0x91 } else { 0xa1 });
    b.put_slice(b"hvc1");
    let c = cts.clamp(-(1 << 23), (1 << 23) - 1);
    b.put_slice(&[(c >> 16) as u8, (c >> 8) as u8, c as u8]);
    b.put_slice(au);
    Frame::video(ts, b.freeze())
}

/// AAC in FLV: the AudioSpecificConfig, then raw frames.
pub fn aac_config(ts: u32, asc: &[u8]) -> Frame {
    Frame::audio(ts, Bytes::from([&[0xaf, 0][..], asc].concat()))
}

pub fn aac_frame(ts: u32, raw: &[u8]) -> Frame {
    Frame::audio(ts, Bytes::from([&[0xaf, 1][..], raw].concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_avc_tags() {
        let seq = Bytes::from_static(&[0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]);
        assert_eq!(unpack(&seq), Unpacked::Config { codec: Codec::H264, record: Bytes::from_static(&[1, 0x64, 0, 0x1f]) });
        let pic = Bytes::from_static(&[0x27, 1, 0xff, 0xff, 0xdf, 0, 0, 0, 1, 9]);
        assert_eq!(unpack(&pic), Unpacked::Coded { codec: Codec::H264, key: false, cts: -33, data: Bytes::from_static(&[0, 0, 0, 1, 9]) });
        assert_eq!(unpack(&Bytes::from_static(&[0x17, 2, 0, 0, 0])), Unpacked::Other, "end of sequence");
    }

    #[test]
    fn enhanced_tags() {
        let hevc = Bytes::from_static(&[0x91, b'h', b'v', b'c', b'1', 0, 0, 40, 7, 7]);
        assert_eq!(unpack(&hevc), Unpacked::Coded { codec: Codec::Hevc, key: true, cts: 40, data: Bytes::from_static(&[7, 7]) });
        let hevc_x = Bytes::from_static(&[0xa3, b'h', b'v', b'c', b'1', 7]);
        assert_eq!(unpack(&hevc_x), Unpacked::Coded { codec: Codec::Hevc, key: false, cts: 0, data: Bytes::from_static(&[7]) });
        let av1 = Bytes::from_static(&[0x91, b'a', b'v', b'0', b'1', 0x12, 0]);
        assert_eq!(unpack(&av1), Unpacked::Coded { codec: Codec::Av1, key: true, cts: 0, data: Bytes::from_static(&[0x12, 0]) });
        let seq = Bytes::from_static(&[0x90, b'a', b'v', b'0', b'1', 0x81]);
        assert_eq!(unpack(&seq), Unpacked::Config { codec: Codec::Av1, record: Bytes::from_static(&[0x81]) });
        assert_eq!(unpack(&Bytes::from_static(&[0x91, b'x', b'x', b'x', b'x', 1])), Unpacked::Other);
        assert_eq!(unpack(&Bytes::from_static(&[0xd0, b'a', b'v', b'c', b'1', 1])), Unpacked::Other, "command frame");
    }

    #[test]
    fn short_and_odd_bodies_are_other() {
        for d in [&[][..], &[0x17], &[0x17, 1, 0], &[0x91, b'h', b'v'], &[0x91, b'h', b'v', b'c', b'1', 0], &[0x22, 1, 0, 0, 0]] {
            assert_eq!(unpack(&Bytes::copy_from_slice(d)), Unpacked::Other, "{d:?}");
        }
    }

    #[test]
    fn packed_pictures_read_back() {
        let f = avc_picture(90, true, -5, &[0, 0, 0, 1, 0x65]);
        assert!(f.is_keyframe());
        assert_eq!(unpack(&f.data), Unpacked::Coded { codec: Codec::H264, key: true, cts: -5, data: Bytes::from_static(&[0, 0, 0, 1, 0x65]) });
        let c = avc_config(0, &[1, 2, 3]);
        assert!(c.is_sequence_header());
        assert_eq!(crate::media::flv::video_codec_name(&c.data), "h264");
        let h = hevc_config(0, &[1, 2]);
        assert!(h.is_sequence_header() && crate::media::flv::video_codec_name(&h.data) == "hevc");
        assert_eq!(unpack(&h.data), Unpacked::Config { codec: Codec::Hevc, record: Bytes::from_static(&[1, 2]) });
        let p = hevc_picture(33, false, 66, &[0, 0, 0, 1, 2]);
        assert!(!p.is_keyframe() && !p.is_sequence_header());
        assert_eq!(unpack(&p.data), Unpacked::Coded { codec: Codec::Hevc, key: false, cts: 66, data: Bytes::from_static(&[0, 0, 0, 1, 2]) });
        assert!(hevc_picture(0, true, 0, &[1]).is_keyframe());
        assert!(aac_config(0, &[0x11, 0x90]).is_sequence_header());
        assert_eq!(crate::media::flv::aac_config(&aac_config(0, &[0x11, 0x90]).data), Some((48000, 2)));
        assert!(!aac_frame(0, &[1]).is_sequence_header());
    }
}
