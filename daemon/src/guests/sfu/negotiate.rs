//! Offer in, answer out: webrtcbin's promises, what the box adds to its answers (transport-wide
//! congestion control, the MID header extension).
use std::sync::Mutex;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_sdp as gst_sdp;
use gstreamer_webrtc as gst_webrtc;
use tokio::sync::oneshot;

use super::super::sdp;
use super::{SfuError, TrackKind};

/// Emits a webrtcbin action with a promise and waits (at most 5 s) for its reply.
pub(super) async fn promise(f: impl FnOnce(gst::Promise)) -> Result<Option<gst::Structure>, SfuError> {
    let (tx, rx) = oneshot::channel();
    let tx = Mutex::new(Some(tx));
    let p = gst::Promise::with_change_func(move |r| {
        if let Some(tx) = tx.lock().unwrap().take() {
            let _ = tx.send(r.ok().flatten().map(|s| s.to_owned()));
        }
    });
    f(p);
    match tokio::time::timeout(Duration::from_secs(5), rx).await {
        Ok(Ok(s)) => Ok(s),
        _ => Err(SfuError::Negotiation("webrtcbin did not answer in time".into())),
    }
}

const TWCC_URI: &str = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/// The transport-wide-cc header extension id the offer gives each media section, if any.
fn twcc_ids(offer: &gst_sdp::SDPMessage) -> Vec<Option<String>> {
    offer
        .medias()
        .map(|m| {
            m.attributes()
                .filter(|a| a.key() == "extmap")
                .filter_map(|a| a.value())
                .find(|v| v.split_whitespace().nth(1) == Some(TWCC_URI))
                .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
        })
        .collect()
}

/// webrtcbin 1.22 answers `rtcp-fb transport-cc` but drops the header extension itself, so the
/// browser sends no sequence numbers, gets no feedback, and its bandwidth estimate never leaves the
/// start value (~300-500 kb/s). Accepting the offer's extension (same id) restores the loop: the
/// receiving session then sends TWCC feedback and the guest's sender ramps up to what the link takes.
fn with_twcc(answer: &gst_webrtc::WebRTCSessionDescription, ids: &[Option<String>]) -> gst_webrtc::WebRTCSessionDescription {
    let mut sdp = answer.sdp().to_owned();
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        let Some(m) = sdp.media_mut(i as u32) else { continue };
        let has_fb = m.attributes().any(|a| a.key() == "rtcp-fb" && a.value().is_some_and(|v| v.ends_with("transport-cc")));
        let has_ext = m.attributes().any(|a| a.key() == "extmap" && a.value().is_some_and(|v| v.contains(TWCC_URI)));
        if has_fb && !has_ext {
            m.add_attribute("extmap", Some(&format!("{id} {TWCC_URI}")));
        }
    }
    gst_webrtc::WebRTCSessionDescription::new(answer.type_(), sdp)
}

/// Every transceiver resends what is lost (see `webrtcbin`), and the answer would say so for the
/// sound too: a resent audio packet comes after the browser has played past it (Opus carries its
/// own FEC), so the audio sections answer no `nack` and the browser sends none for them.
fn without_audio_nack(answer: &gst_webrtc::WebRTCSessionDescription) -> gst_webrtc::WebRTCSessionDescription {
    let mut sdp = answer.sdp().to_owned();
    for i in 0..sdp.medias_len() {
        let Some(m) = sdp.media_mut(i) else { continue };
        if m.media() != Some("audio") {
            continue;
        }
        let plain_nack: Vec<u32> = (0..m.attributes_len())
            .filter(|&j| {
                m.attribute(j).is_some_and(|a| {
                    a.key() == "rtcp-fb" && a.value().is_some_and(|v| v.split_whitespace().nth(1) == Some("nack") && v.split_whitespace().count() == 2)
                })
            })
            .collect();
        for j in plain_nack.into_iter().rev() {
            let _ = m.remove_attribute(j);
        }
    }
    gst_webrtc::WebRTCSessionDescription::new(answer.type_(), sdp)
}

/// Offer in, answer out (non-trickle: the answer carries every local candidate, as WHIP/WHEP want).
pub async fn answer(w: &gst::Element, mut offer: gst_sdp::SDPMessage) -> Result<String, SfuError> {
    let mdns = sdp::drop_mdns_candidates(&mut offer);
    if mdns > 0 {
        tracing::debug!(mdns, "ignoring the offer's mDNS candidates");
    }
    let twcc = twcc_ids(&offer);
    let start = Instant::now();
    let desc = gst_webrtc::WebRTCSessionDescription::new(gst_webrtc::WebRTCSDPType::Offer, offer);
    promise(|p| w.emit_by_name::<()>("set-remote-description", &[&desc, &p])).await?;
    let remote_ms = start.elapsed().as_millis();
    let reply = promise(|p| w.emit_by_name::<()>("create-answer", &[&None::<gst::Structure>, &p])).await?;
    let answer = reply
        .and_then(|s| s.get::<gst_webrtc::WebRTCSessionDescription>("answer").ok())
        .ok_or_else(|| SfuError::Negotiation("no answer for this offer (no codec in common?)".into()))?;
    let answer = without_audio_nack(&with_twcc(&answer, &twcc));
    promise(|p| w.emit_by_name::<()>("set-local-description", &[&answer, &p])).await?;
    let local_ms = start.elapsed().as_millis();
    gather_candidates(w).await;
    tracing::debug!(remote_ms, local_ms, gathered_ms = start.elapsed().as_millis(), "webrtc answer");
    let local = local_description(w).ok_or_else(|| SfuError::Negotiation("no local description".into()))?;
    local.sdp().as_text().map_err(|e| SfuError::Negotiation(e.to_string()))
}

fn local_description(w: &gst::Element) -> Option<gst_webrtc::WebRTCSessionDescription> {
    w.property::<Option<gst_webrtc::WebRTCSessionDescription>>("local-description")
}

/// Waits (at most 3 s) for the local candidates the answer should carry. Host candidates come at
/// once; libnice still takes ~200 ms to call gathering complete. With no STUN/TURN server (a LAN
/// box) nothing else will come, so this returns once the candidates have stood still for a moment;
/// with a server, it waits for its reflexive/relay candidates.
async fn gather_candidates(w: &gst::Element) {
    let servers = w.property::<Option<String>>("stun-server").is_some() || w.property::<Option<String>>("turn-server").is_some();
    let t0 = Instant::now();
    let (mut seen, mut still_since) = (0usize, Instant::now());
    while w.property::<gst_webrtc::WebRTCICEGatheringState>("ice-gathering-state") != gst_webrtc::WebRTCICEGatheringState::Complete
        && t0.elapsed() < Duration::from_secs(3)
    {
        if !servers {
            let n =
                local_description(w).map(|d| d.sdp().medias().map(|m| m.attributes().filter(|a| a.key() == "candidate").count()).sum::<usize>()).unwrap_or(0);
            if n != seen {
                (seen, still_since) = (n, Instant::now());
            } else if n > 0 && still_since.elapsed() >= Duration::from_millis(25) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What a viewer's transceiver prefers for a track whose packets it sends as `ssrc` (carrying the
/// MID extension as `id`, where the viewer offered it): webrtcbin answers before any caps reach its
/// sink, so it learns of the extension and the SSRC only from these. Without the SSRC an answer with
/// RTX names the media stream's SSRC 0 (`a=ssrc-group:FID 0 <rtx>`), and the browser drops every
/// packet of the real one.
pub(super) fn viewer_preferences(kind: TrackKind, encoding: &str, pt: u32, ssrc: u32, mid_id: Option<u32>) -> gst::Caps {
    let clock_rate = match kind {
        TrackKind::Audio => 48_000,
        TrackKind::Video => 90_000,
    };
    let mut b = gst::Caps::builder("application/x-rtp")
        .field("media", kind.as_str())
        .field("encoding-name", encoding.to_ascii_uppercase())
        .field("payload", pt as i32)
        .field("clock-rate", clock_rate)
        .field("ssrc", ssrc);
    if let Some(id) = mid_id {
        b = b.field(format!("extmap-{id}").as_str(), sdp::MID_URI);
    }
    b.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdp(text: &str) -> gst_sdp::SDPMessage {
        gst_sdp::SDPMessage::parse_buffer(text.replace('\n', "\r\n").as_bytes()).unwrap()
    }

    const HEAD: &str = "v=0\no=- 1 2 IN IP4 127.0.0.1\ns=-\nt=0 0\n";

    #[test]
    fn the_answer_takes_the_offers_twcc_extension_where_it_answers_transport_cc() {
        gst::init().unwrap();
        let offer = sdp(&format!(
            "{HEAD}m=video 9 UDP/TLS/RTP/SAVPF 96\na=extmap:3 {TWCC_URI}\na=rtpmap:96 VP8/90000\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\n"
        ));
        let ids = twcc_ids(&offer);
        assert_eq!(ids, vec![Some("3".to_string()), None]);
        let answer = sdp(&format!(
            "{HEAD}m=video 9 UDP/TLS/RTP/SAVPF 96\na=rtpmap:96 VP8/90000\na=rtcp-fb:96 transport-cc\nm=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\na=rtcp-fb:111 transport-cc\n"
        ));
        let answer = with_twcc(&gst_webrtc::WebRTCSessionDescription::new(gst_webrtc::WebRTCSDPType::Answer, answer), &ids);
        let extmaps = |i: u32| -> Vec<String> {
            answer.sdp().media(i).unwrap().attributes().filter(|a| a.key() == "extmap").filter_map(|a| a.value().map(String::from)).collect()
        };
        assert_eq!(extmaps(0), vec![format!("3 {TWCC_URI}")]);
        assert!(extmaps(1).is_empty(), "the offer gave the audio no id");
        // Applied twice (or to an answer that has it), it adds nothing.
        let again = with_twcc(&answer, &ids);
        assert_eq!(again.sdp().media(0).unwrap().attributes().filter(|a| a.key() == "extmap").count(), 1);
    }

    #[test]
    fn the_sound_answers_no_plain_nack_and_the_picture_keeps_it() {
        gst::init().unwrap();
        let answer = sdp(&format!(
            "{HEAD}m=video 9 UDP/TLS/RTP/SAVPF 96 97\na=rtpmap:96 VP8/90000\na=rtcp-fb:96 nack\na=rtcp-fb:96 nack pli\na=rtpmap:97 rtx/90000\n\
             m=audio 9 UDP/TLS/RTP/SAVPF 111\na=rtpmap:111 opus/48000/2\na=rtcp-fb:111 nack\na=rtcp-fb:111 transport-cc\n"
        ));
        let a = without_audio_nack(&gst_webrtc::WebRTCSessionDescription::new(gst_webrtc::WebRTCSDPType::Answer, answer));
        let fb = |i: u32| -> Vec<String> {
            a.sdp().media(i).unwrap().attributes().filter(|x| x.key() == "rtcp-fb").filter_map(|x| x.value().map(String::from)).collect()
        };
        assert_eq!(fb(0), vec!["96 nack", "96 nack pli"]);
        assert_eq!(fb(1), vec!["111 transport-cc"]);
    }
}
