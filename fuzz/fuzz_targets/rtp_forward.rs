//! RTP packets as a guest's browser sends them, after SRTP: what the SFU reads of them (keyframe
//! starts, picture sizes) and each viewer's rewrite. The rewrite must keep the payload byte for byte
//! and give a packet that reads back with the viewer's own fields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::guests::sfu::rtp::{self, Format, Rewriter};

fuzz_target!(|data: &[u8]| {
    for f in [Format::Vp8, Format::Vp9, Format::H264, Format::Opus] {
        let _ = rtp::starts_keyframe(f, data);
        let _ = rtp::picture_size(f, data);
        let mut r = Rewriter::new(f, 0x0a0b0c0d, 100, Some((3, "video0")), 65000, u32::MAX - 10);
        let Some(h) = rtp::parse(data) else { continue };
        if let Some(out) = r.forward(data) {
            let o = rtp::parse(&out).expect("a rewritten packet is RTP");
            assert_eq!((o.pt, o.ssrc, o.seq, o.marker), (100, 0x0a0b0c0d, 65000, h.marker));
            assert_eq!(&out[o.payload.0..o.payload.1], &data[h.payload.0..h.payload.1]);
        }
    }
});
