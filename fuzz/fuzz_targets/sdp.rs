//! SDP offers as a guest's browser or a WHEP viewer posts them: the checks and the reads the SFU
//! makes of an accepted offer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::guests::sdp;

fuzz_target!(init: { gstreamer::init().expect("gstreamer") }, |data: &[u8]| {
    let Ok(mut m) = sdp::parse(data) else { return };
    for kind in ["video", "audio"] {
        for enc in ["VP8", "VP9", "H264", "OPUS"] {
            let _ = sdp::payload_type(&m, kind, enc);
        }
        let _ = sdp::mid_extension(&m, kind);
    }
    sdp::drop_mdns_candidates(&mut m);
    assert_eq!(sdp::drop_mdns_candidates(&mut m), 0, "every mDNS candidate goes in one pass");
});
