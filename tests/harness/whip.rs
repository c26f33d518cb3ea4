//! A real WebRTC guest without a browser: a GStreamer `webrtcbin` publishing a test pattern and a
//! tone over WHIP (non-trickle, as the join page does). Its ICE, DTLS and SRTP are real, so the box
//! sees its media flow and the guest goes live.
use std::time::{Duration, Instant};

use onair::gstreamer as gst;
use onair::gstreamer::prelude::*;
use onair::gstreamer_sdp as gst_sdp;
use onair::gstreamer_webrtc as gst_webrtc;

pub struct WhipGuest {
    pipeline: gst::Pipeline,
    /// The guest session's id (the last part of the WHIP resource).
    pub id: String,
    /// The WHIP resource (`/whip/{token}/{id}`).
    pub resource: String,
}

fn wait(p: &gst::Promise) -> Option<gst::Structure> {
    match p.wait() {
        gst::PromiseResult::Replied => p.get_reply().map(|s| s.to_owned()),
        _ => None,
    }
}

impl WhipGuest {
    /// Joins on invite `token` at `base` (`http://127.0.0.1:port`); panics if the box refuses.
    pub fn join(base: &str, token: &str, name: &str) -> WhipGuest {
        WhipGuest::join_showing(base, token, name, "ball")
    }

    /// [`WhipGuest::join`] with `videotestsrc`'s `pattern` (`smpte`: colour bars, a picture no
    /// check could take for black).
    pub fn join_showing(base: &str, token: &str, name: &str, pattern: &str) -> WhipGuest {
        gst::init().expect("GStreamer");
        let desc = format!(
            "webrtcbin name=w bundle-policy=max-bundle \
             videotestsrc is-live=true pattern={pattern} ! video/x-raw,width=320,height=240,framerate=15/1 ! vp8enc deadline=1 keyframe-max-dist=15 \
             ! rtpvp8pay pt=96 ! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w. \
             audiotestsrc is-live=true wave=sine volume=0.1 ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 \
             ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! w."
        );
        let pipeline = gst::parse::launch(&desc).expect("the publisher pipeline").downcast::<gst::Pipeline>().unwrap();
        let w = pipeline.by_name("w").unwrap();
        pipeline.set_state(gst::State::Playing).expect("playing");
        let resource = exchange(&w, &format!("{base}/whip/{token}"), &[("X-Guest-Name", name)]).unwrap_or_else(|e| panic!("{e}"));
        let id = resource.rsplit('/').next().unwrap().to_string();
        WhipGuest { pipeline, id, resource }
    }
}

/// Offer from `w` (non-trickle: once its candidates are gathered), POSTed to `url`; the answer
/// set on `w`. Returns the resource the box made (its `Location`).
pub fn exchange(w: &gst::Element, url: &str, headers: &[(&str, &str)]) -> Result<String, String> {
    let p = gst::Promise::new();
    w.emit_by_name::<()>("create-offer", &[&None::<gst::Structure>, &p]);
    let offer = wait(&p).and_then(|s| s.get::<gst_webrtc::WebRTCSessionDescription>("offer").ok()).ok_or("no offer")?;
    let p = gst::Promise::new();
    w.emit_by_name::<()>("set-local-description", &[&offer, &p]);
    wait(&p);
    let t0 = Instant::now();
    while w.property::<gst_webrtc::WebRTCICEGatheringState>("ice-gathering-state") != gst_webrtc::WebRTCICEGatheringState::Complete
        && t0.elapsed() < Duration::from_secs(3)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    let sdp = w.property::<gst_webrtc::WebRTCSessionDescription>("local-description").sdp().as_text().unwrap();
    let mut req = ureq::post(url).set("Content-Type", "application/sdp").timeout(Duration::from_secs(30));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let r = match req.send_string(&sdp) {
        Ok(r) => r,
        Err(ureq::Error::Status(s, r)) => return Err(format!("{url}: {s}: {}", r.into_string().unwrap_or_default())),
        Err(e) => return Err(format!("{url}: {e}")),
    };
    if r.status() != 201 {
        return Err(format!("{url}: {}", r.status()));
    }
    let resource = r.header("Location").ok_or("no Location")?.to_string();
    let answer = gst_sdp::SDPMessage::parse_buffer(r.into_string().map_err(|e| e.to_string())?.as_bytes()).map_err(|_| "not an SDP answer")?;
    let desc = gst_webrtc::WebRTCSessionDescription::new(gst_webrtc::WebRTCSDPType::Answer, answer);
    let p = gst::Promise::new();
    w.emit_by_name::<()>("set-remote-description", &[&desc, &p]);
    wait(&p);
    Ok(resource)
}

impl Drop for WhipGuest {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
