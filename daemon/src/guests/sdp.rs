//! SDP checks and the few things the SFU reads from an offer.
use gstreamer_sdp as gst_sdp;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SdpError {
    #[error("the body is not an SDP offer")]
    Malformed,
    #[error("the offer has no audio or video")]
    NoMedia,
}

pub fn parse(body: &[u8]) -> Result<gst_sdp::SDPMessage, SdpError> {
    let text = std::str::from_utf8(body).map_err(|_| SdpError::Malformed)?;
    if !text.starts_with("v=0") || text.len() > 64 * 1024 {
        return Err(SdpError::Malformed);
    }
    let m = gst_sdp::SDPMessage::parse_buffer(body).map_err(|_| SdpError::Malformed)?;
    if m.medias_len() == 0 {
        return Err(SdpError::NoMedia);
    }
    for media in m.medias() {
        let proto_ok = media.proto().is_some_and(|p| p.contains("RTP"));
        if media.media().is_none() || media.formats_len() == 0 || !proto_ok {
            return Err(SdpError::Malformed);
        }
    }
    Ok(m)
}

/// The payload type the offer uses for `encoding` (e.g. "VP8", "OPUS") in its `kind` section.
pub fn payload_type(m: &gst_sdp::SDPMessageRef, kind: &str, encoding: &str) -> Option<u32> {
    for media in m.medias() {
        if media.media() != Some(kind) {
            continue;
        }
        for a in media.attributes() {
            if a.key() != "rtpmap" {
                continue;
            }
            let v = a.value().unwrap_or("");
            let (pt, rest) = v.split_once(' ')?;
            if rest.split('/').next().is_some_and(|e| e.eq_ignore_ascii_case(encoding)) {
                return pt.parse().ok();
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 98\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:98 VP9/90000\r\na=recvonly\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n";

    #[test]
    fn reads_payload_types_and_refuses_garbage() {
        gstreamer::init().unwrap();
        let m = parse(OFFER.as_bytes()).unwrap();
        assert_eq!(payload_type(&m, "video", "VP9"), Some(98));
        assert_eq!(payload_type(&m, "audio", "OPUS"), Some(111));
        assert_eq!(payload_type(&m, "video", "H264"), None);
        for bad in [&b"hello"[..], b"v=0\r\n", &[0xff, 0xfe, 0x00], b"v=0\r\nm=video\r\n"] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
