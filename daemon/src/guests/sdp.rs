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
    crate::media::gst_ready().map_err(|_| SdpError::Malformed)?;
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

/// Removes the offer's mDNS host candidates (`<uuid>.local`, what Chromium sends from a page without
/// camera permission, such as an OBS Browser Source) and returns how many. The box has no mDNS
/// resolver for them, and a pending lookup held the viewer's whole ICE agent (a dozen sockets) after
/// the viewer left. ICE still connects: the browser's checks reach the box's own candidates and the
/// box learns the browser's address from them (peer-reflexive).
pub fn drop_mdns_candidates(m: &mut gst_sdp::SDPMessage) -> usize {
    let mut dropped = 0;
    for i in 0..m.medias_len() {
        let Some(media) = m.media_mut(i) else { continue };
        let mut j = 0;
        while j < media.attributes_len() {
            let mdns = media.attribute(j).is_some_and(|a| {
                a.key() == "candidate" && a.value().and_then(|v| v.split_whitespace().nth(4)).is_some_and(|addr| addr.to_ascii_lowercase().ends_with(".local"))
            });
            if mdns {
                let _ = media.remove_attribute(j);
                dropped += 1;
            } else {
                j += 1;
            }
        }
    }
    dropped
}

pub const MID_URI: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";

/// The `mid` of the offer's first `kind` section and the id it gives the RTP MID header extension.
/// A browser that bundles several sections finds a sender's packets by this extension (or by a=ssrc,
/// which the box cannot know before media flows); without it, an answer with a section the box leaves
/// inactive (a guest without a microphone) leaves the viewer dropping every video packet.
pub fn mid_extension(m: &gst_sdp::SDPMessageRef, kind: &str) -> Option<(String, u32)> {
    let media = m.medias().find(|media| media.media() == Some(kind))?;
    let mid = media.attributes().find(|a| a.key() == "mid").and_then(|a| a.value())?.to_string();
    let id = media.attributes().filter(|a| a.key() == "extmap").find_map(|a| {
        let v = a.value()?;
        let mut it = v.split_whitespace();
        // An id with a direction ("9/recvonly") becomes a different caps value in webrtcbin, which
        // would no longer match the preference the SFU sets; such offers go without the extension.
        let id = it.next()?.parse::<u32>().ok()?;
        (it.next()? == MID_URI && (1..=14).contains(&id)).then_some(id)
    })?;
    Some((mid, id))
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
        assert_eq!(mid_extension(&m, "video"), None, "no extmap offered");
        for bad in [&b"hello"[..], b"v=0\r\n", &[0xff, 0xfe, 0x00], b"v=0\r\nm=video\r\n"] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn drops_only_mdns_candidates() {
        gstreamer::init().unwrap();
        let offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\na=candidate:1 1 udp 2113937151 0b1f6a2e-1c2d-4e5f-8a9b-0c1d2e3f4a5b.local 50755 typ host generation 0\r\na=candidate:2 1 udp 2113939711 192.168.1.20 50756 typ host\r\na=candidate:3 1 UDP 1 ABCD.LOCAL 9 typ host\r\na=candidate:4 1 udp 1677729535 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0\r\n";
        let mut m = parse(offer.as_bytes()).unwrap();
        assert_eq!(drop_mdns_candidates(&mut m), 2);
        let left: Vec<String> = m.media(0).unwrap().attributes().filter(|a| a.key() == "candidate").map(|a| a.value().unwrap().to_string()).collect();
        assert_eq!(left.len(), 2);
        assert!(left[0].contains("192.168.1.20") && left[1].contains("203.0.113.7"), "{left:?}");
        assert_eq!(drop_mdns_candidates(&mut m), 0);
    }

    #[test]
    fn reads_the_mid_extension_of_each_section() {
        gstreamer::init().unwrap();
        let offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:v0\r\na=extmap:4 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\na=extmap:9 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=rtpmap:96 VP8/90000\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:a1\r\na=extmap:15 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=rtpmap:111 opus/48000/2\r\n";
        let m = parse(offer.as_bytes()).unwrap();
        assert_eq!(mid_extension(&m, "video"), Some(("v0".into(), 9)));
        // One-byte header ids stop at 14; the box does not write two-byte headers.
        assert_eq!(mid_extension(&m, "audio"), None);
        let directed = parse(offer.replace("extmap:9 ", "extmap:9/recvonly ").as_bytes()).unwrap();
        assert_eq!(mid_extension(&directed, "video"), None);
    }
}
