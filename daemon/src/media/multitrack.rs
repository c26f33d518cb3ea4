//! Enhanced RTMP v2 multitrack (OBS's Enhanced Broadcasting; ffmpeg 8+ given several video streams):
//! every destination the box serves takes one track, so the ingest keeps the default one (track 0)
//! and drops the others. A track 0 sent inside a multitrack packet is unwrapped; H.264 and AAC come
//! out in their legacy FLV form, which every platform and the box's own readers take.
use bytes::{BufMut, Bytes, BytesMut};

const EX_HEADER: u8 = 0x80;
const VIDEO_MULTITRACK: u8 = 6;
const AUDIO_EX: u8 = 9;
const AUDIO_MULTITRACK: u8 = 5;
const ONE_TRACK: u8 = 0;
const MANY_TRACKS_MANY_CODECS: u8 = 2;

/// The tag as the box relays it: `None` when it carries only other tracks than the default.
/// Anything that is not multitrack passes unchanged, a malformed multitrack packet is dropped.
pub fn default_track(video: bool, d: Bytes) -> Option<Bytes> {
    let b0 = *d.first()?;
    let multitrack = if video { b0 & EX_HEADER != 0 && b0 & 0x0f == VIDEO_MULTITRACK } else { b0 >> 4 == AUDIO_EX && b0 & 0x0f == AUDIO_MULTITRACK };
    if !multitrack {
        return Some(d);
    }
    let (fourcc, inner, body) = track_zero(&d)?;
    Some(if video { video_tag((b0 >> 4) & 0x07, fourcc, inner, body) } else { audio_tag(fourcc, inner, body) })
}

/// Track 0 of a multitrack packet: its FourCC, its packet type and its body.
fn track_zero(d: &[u8]) -> Option<([u8; 4], u8, &[u8])> {
    let b1 = *d.get(1)?;
    let (mt, inner) = (b1 >> 4, b1 & 0x0f);
    let mut at = 2;
    let mut fourcc = [0u8; 4];
    if mt != MANY_TRACKS_MANY_CODECS {
        fourcc.copy_from_slice(d.get(at..at + 4)?);
        at += 4;
    }
    loop {
        if mt == MANY_TRACKS_MANY_CODECS {
            fourcc.copy_from_slice(d.get(at..at + 4)?);
            at += 4;
        }
        let id = *d.get(at)?;
        at += 1;
        let body = if mt == ONE_TRACK {
            d.get(at..)?
        } else {
            let n = u32::from_be_bytes([0, *d.get(at)?, *d.get(at + 1)?, *d.get(at + 2)?]) as usize;
            at += 3;
            let body = d.get(at..at + n)?;
            at += n;
            body
        };
        if id == 0 {
            return Some((fourcc, inner, body));
        }
        if mt == ONE_TRACK || at >= d.len() {
            return None;
        }
    }
}

fn video_tag(frame_type: u8, fourcc: [u8; 4], inner: u8, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(body.len() + 5);
    if &fourcc == b"avc1" {
        // Legacy AVC: frame type and codec 7, then the AVCPacketType and a composition time.
        out.put_u8(frame_type << 4 | 7);
        match inner {
            0 => out.put_slice(&[0, 0, 0, 0]),
            1 => out.put_u8(1), // CodedFrames: the body begins with its composition time
            3 => out.put_slice(&[1, 0, 0, 0]),
            _ => out.put_slice(&[2, 0, 0, 0]),
        }
    } else {
        out.put_u8(EX_HEADER | frame_type << 4 | inner);
        out.put_slice(&fourcc);
    }
    out.put_slice(body);
    out.freeze()
}

fn audio_tag(fourcc: [u8; 4], inner: u8, body: &[u8]) -> Bytes {
    let mut out = BytesMut::with_capacity(body.len() + 5);
    if &fourcc == b"mp4a" && inner <= 1 {
        // Legacy AAC (44.1 kHz, 16-bit, stereo flags as FLV has them for AAC), then AACPacketType.
        out.put_slice(&[0xaf, inner]);
    } else {
        out.put_u8(AUDIO_EX << 4 | inner);
        out.put_slice(&fourcc);
    }
    out.put_slice(body);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(v: &[u8]) -> Bytes {
        Bytes::copy_from_slice(v)
    }

    #[test]
    fn tags_that_are_not_multitrack_pass_unchanged() {
        for t in [&[0x17u8, 1, 0, 0, 0, 9][..], &[0x90, b'h', b'v', b'c', b'1', 1], &[0xaf, 1, 3], &[]] {
            assert_eq!(default_track(true, b(t)).as_deref(), if t.is_empty() { None } else { Some(t) });
        }
        assert_eq!(default_track(false, b(&[0xaf, 1, 3])).as_deref(), Some(&[0xaf, 1, 3][..]));
    }

    /// ffmpeg 9 with two video streams: track 0 as legacy AVC, track 1 as a one-track multitrack packet.
    #[test]
    fn another_track_is_dropped() {
        let t1 = b(&[0x96, 0x00, b'a', b'v', b'c', b'1', 0x01, 0x01, 0xf4, 0x00]);
        assert_eq!(default_track(true, t1), None);
        let a1 = b(&[0x95, 0x01, b'm', b'p', b'4', b'a', 0x01, 0x21]);
        assert_eq!(default_track(false, a1), None);
    }

    #[test]
    fn track_zero_is_unwrapped_to_legacy_avc_and_aac() {
        // OneTrack, CodedFrames (its body: composition time 0, then the NAL units).
        let v = default_track(true, b(&[0xa6, 0x01, b'a', b'v', b'c', b'1', 0x00, 0, 0, 0, 0xaa])).unwrap();
        assert_eq!(&v[..], &[0x27, 1, 0, 0, 0, 0xaa]);
        let seq = default_track(true, b(&[0x96, 0x00, b'a', b'v', b'c', b'1', 0x00, 0x01, 0x64])).unwrap();
        assert_eq!(&seq[..], &[0x17, 0, 0, 0, 0, 0x01, 0x64], "a sequence start is an AVC sequence header");
        let x = default_track(true, b(&[0xa6, 0x03, b'a', b'v', b'c', b'1', 0x00, 0xbb])).unwrap();
        assert_eq!(&x[..], &[0x27, 1, 0, 0, 0, 0xbb], "CodedFramesX has no composition time: it is 0");
        let a = default_track(false, b(&[0x95, 0x01, b'm', b'p', b'4', b'a', 0x00, 0x21, 0x10])).unwrap();
        assert_eq!(&a[..], &[0xaf, 1, 0x21, 0x10]);
        let hevc = default_track(true, b(&[0x96, 0x00, b'h', b'v', b'c', b'1', 0x00, 0x01])).unwrap();
        assert_eq!(&hevc[..], &[0x90, b'h', b'v', b'c', b'1', 0x01], "other codecs stay enhanced, one track");
    }

    #[test]
    fn track_zero_is_found_among_many() {
        // ManyTracks (one codec): track 2 then track 0, each with its size.
        let many = b(&[0x96, 0x11, b'a', b'v', b'c', b'1', 2, 0, 0, 2, 9, 9, 0, 0, 0, 4, 0, 0, 0, 0xcc]);
        assert_eq!(&default_track(true, many).unwrap()[..], &[0x17, 1, 0, 0, 0, 0xcc]);
        // ManyTracksManyCodecs: a FourCC per track.
        let mixed = b(&[0x96, 0x21, b'h', b'v', b'c', b'1', 1, 0, 0, 1, 7, b'a', b'v', b'0', b'1', 0, 0, 0, 1, 8]);
        assert_eq!(&default_track(true, mixed).unwrap()[..], &[0x91, b'a', b'v', b'0', b'1', 8]);
    }

    #[test]
    fn malformed_multitrack_is_dropped_not_a_panic() {
        assert_eq!(default_track(true, b(&[0x96])), None);
        assert_eq!(default_track(true, b(&[0x96, 0x10, b'a', b'v', b'c', b'1', 0, 0, 0, 200, 1])), None, "a size past the end");
        assert_eq!(default_track(true, b(&[0x96, 0x10, b'a', b'v'])), None);
        for n in 0..200u32 {
            let mut junk: Vec<u8> = vec![0x96];
            junk.extend((0..n).map(|i| (i * 97 + n) as u8));
            let _ = default_track(true, b(&junk));
            junk[0] = 0x95;
            let _ = default_track(false, b(&junk));
        }
    }
}
