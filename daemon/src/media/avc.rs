//! Reads picture size and frame rate from an H.264 sequence header (AVCDecoderConfigurationRecord).
use h264_reader::{avcc::AvcDecoderConfigurationRecord, nal::sps::SeqParameterSet, rbsp};

/// `(width, height, fps from VUI if present)` from an FLV AVC sequence-header tag body.
pub fn sps_info(flv_body: &[u8]) -> Option<(u32, u32, Option<f64>)> {
    if flv_body.len() < 6 || flv_body[0] & 0x0f != 7 || flv_body[1] != 0 {
        return None;
    }
    let rec = AvcDecoderConfigurationRecord::try_from(&flv_body[5..]).ok()?;
    let sps = rec.sequence_parameter_sets().next()?.ok()?;
    let rbsp = rbsp::decode_nal(sps).ok()?;
    let sps = SeqParameterSet::from_bits(rbsp::BitReader::new(&rbsp[..])).ok()?;
    let (w, h) = sps.pixel_dimensions().ok()?;
    Some((w, h, sps.fps()))
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
}
