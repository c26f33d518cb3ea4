//! Reads picture size and frame rate from an H.264 sequence header (AVCDecoderConfigurationRecord).
use h264_reader::{avcc::AvcDecoderConfigurationRecord, nal::sps::SeqParameterSet, rbsp};

/// `(width, height, fps from VUI if present)` from an FLV AVC sequence-header tag body.
pub fn sps_info(flv_body: &[u8]) -> Option<(u32, u32, Option<f64>)> {
    if flv_body.len() < 6 || flv_body[0] & 0x0f != 7 || flv_body[1] != 0 {
        return None;
    }
    let rec = AvcDecoderConfigurationRecord::try_from(&flv_body[5..]).ok()?;
    let sps = rec.sequence_parameter_sets().next()?.ok()?;
    // h264-reader 0.7's `decode_nal` reserves `len - 2` bytes: an empty SPS (length 0 in the record)
    // made that wrap and panicked on capacity overflow (found by the avc_aac fuzz target). A real
    // SPS has its NAL header, profile, constraint flags and level at least.
    sps_nal_info(sps)
}

fn sps_nal_info(sps: &[u8]) -> Option<(u32, u32, Option<f64>)> {
    if sps.len() < 4 {
        return None;
    }
    let rbsp = rbsp::decode_nal(sps).ok()?;
    let sps = SeqParameterSet::from_bits(rbsp::BitReader::new(&rbsp[..])).ok()?;
    let (w, h) = sps.pixel_dimensions().ok()?;
    Some((w, h, sps.fps()))
}

/// `(width, height)` from one SPS NAL unit, header byte included (as RTP carries it).
pub fn sps_nal_size(nal: &[u8]) -> Option<(u32, u32)> {
    sps_nal_info(nal).map(|(w, h, _)| (w, h))
}

#[cfg(test)]
mod tests {
    #[test]
    fn garbage_is_none_not_panic() {
        assert_eq!(super::sps_info(&[0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 99, 0x67]), None);
        assert_eq!(super::sps_info(&[]), None);
        let mut junk = vec![0x17u8, 0, 0, 0, 0];
        junk.extend((0..200u32).map(|i| (i * 37 % 251) as u8));
        let _ = super::sps_info(&junk);
    }

    /// The fuzzer's finds: records announcing an SPS of length 0 (`fuzz/corpus/avc_aac/regress-empty-sps*`).
    #[test]
    fn an_empty_sps_is_none_not_a_panic() {
        for crash in [&include_bytes!("../../../fuzz/corpus/avc_aac/regress-empty-sps")[..], include_bytes!("../../../fuzz/corpus/avc_aac/regress-empty-sps-2")]
        {
            assert_eq!(super::sps_info(crash), None);
        }
        for len in 0..4u8 {
            let mut body = vec![0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, len];
            body.extend(std::iter::repeat_n(0x67, len as usize));
            assert_eq!(super::sps_info(&body), None, "SPS of {len} bytes");
        }
    }
}
