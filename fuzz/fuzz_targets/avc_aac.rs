//! The codec configuration parsers the ingest runs on every sequence header: the AVC decoder
//! configuration record (picture size, frame rate) and AAC's AudioSpecificConfig.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::media::{avc, flv};

fuzz_target!(|data: &[u8]| {
    if let Some((w, h, fps)) = avc::sps_info(data) {
        let _ = (w.checked_mul(h), fps.map(|f| f.is_finite()));
    }
    if let Some((rate, _channels)) = flv::aac_config(data) {
        assert!(rate > 0);
    }
    let _ = (flv::video_is_sequence_header(data), flv::audio_is_sequence_header(data), flv::video_codec_name(data));
});
