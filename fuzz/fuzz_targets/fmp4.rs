//! The preview's muxer on tags as a publisher sends them: each input is split into tags (a kind byte,
//! a 16-bit length, the body). Every box it hands out must be whole: the sizes add up.
#![no_main]
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use onair::media::fmp4::{Muxer, Out};
use onair::media::Frame;

fn whole(b: &[u8]) {
    let mut at = 0;
    while at < b.len() {
        let len = u32::from_be_bytes(b[at..at + 4].try_into().expect("a box header")) as usize;
        assert!(len >= 8 && at + len <= b.len(), "a box of {len} at {at} in {}", b.len());
        at += len;
    }
}

fuzz_target!(|data: &[u8]| {
    let mut m = Muxer::new();
    let mut rest = data;
    let mut ts = 0u32;
    while rest.len() >= 3 {
        let (kind, len) = (rest[0], u16::from_be_bytes([rest[1], rest[2]]) as usize);
        let body = &rest[3..(3 + len).min(rest.len())];
        rest = &rest[3 + body.len()..];
        ts = ts.wrapping_add(kind as u32 >> 4);
        let b = Bytes::copy_from_slice(body);
        let f = if kind & 1 == 0 { Frame::video(ts, b) } else { Frame::audio(ts, b) };
        if kind & 0x0e == 0x0e {
            m.resync();
        }
        for o in m.push(&f) {
            let (Out::Fragment(b) | Out::Init { data: b, .. }) = o;
            whole(&b);
        }
    }
});
