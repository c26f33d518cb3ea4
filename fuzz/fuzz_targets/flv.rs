//! The FLV tag reader (SRT ingest: flvmux output) and what the ingest then reads from each frame.
//! Reading the stream whole and in small pieces must give the same frames, and a frame written
//! back must read back unchanged, and so must an H.264 picture a transcode takes apart. Each frame
//! also goes through the RTMP ingest's multitrack filter.
#![no_main]
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use onair::media::elementary::{self, Unpacked};
use onair::media::{avc, flv, multitrack, Frame};

fn read_all(pieces: &mut dyn Iterator<Item = &[u8]>) -> Vec<Frame> {
    let mut r = flv::Reader::default();
    let mut out = vec![];
    for p in pieces {
        r.push(p);
        loop {
            match r.next_frame() {
                Ok(Some(f)) => out.push(f),
                Ok(None) => break,
                Err(_) => return out,
            }
        }
    }
    out
}

fn inspect(f: &Frame) {
    let _ = (f.is_keyframe(), f.is_sequence_header());
    // The RTMP ingest's multitrack filter sees every tag first; what it keeps is read as above.
    if let Some(kept) = multitrack::default_track(f.is_video(), f.data.clone()) {
        let _ = (flv::video_codec_name(&kept), flv::video_is_sequence_header(&kept), avc::sps_info(&kept));
    }
    if f.is_video() {
        let _ = flv::video_codec_name(&f.data);
        let _ = avc::sps_info(&f.data);
        // What a transcode's decoder is handed; an H.264 picture packed again reads back the same.
        if let Unpacked::Coded { codec: elementary::Codec::H264, key, cts, data } = elementary::unpack(&f.data) {
            let again = elementary::avc_picture(f.ts, key, cts, &data);
            assert_eq!(elementary::unpack(&again.data), Unpacked::Coded { codec: elementary::Codec::H264, key, cts, data });
        }
    } else {
        let _ = flv::audio_codec_name(&f.data);
        let _ = flv::aac_config(&f.data);
    }
}

fuzz_target!(|data: &[u8]| {
    let whole = read_all(&mut std::iter::once(data));
    let step = 1 + data.len() % 61;
    let split = read_all(&mut data.chunks(step));
    assert_eq!(whole.len(), split.len(), "a split changed the frames read");
    for (a, b) in whole.iter().zip(&split) {
        assert!(a.kind == b.kind && a.ts == b.ts && a.data == b.data);
        inspect(a);
        let mut again = BytesMut::from(&flv::FILE_HEADER[..]);
        flv::write_tag(&mut again, a);
        let back = read_all(&mut std::iter::once(&again[..]));
        assert!(back.len() == 1 && back[0].kind == a.kind && back[0].ts == a.ts && back[0].data == a.data);
    }
});
