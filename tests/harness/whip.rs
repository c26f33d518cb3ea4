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
        gst::init().expect("GStreamer");
        let desc = "webrtcbin name=w bundle-policy=max-bundle \
             videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! vp8enc deadline=1 keyframe-max-dist=15 \
             ! rtpvp8pay pt=96 ! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! w. \
             audiotestsrc is-live=true wave=sine volume=0.1 ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 \
             ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! w.";
        let pipeline = gst::parse::launch(desc).expect("the publisher pipeline").downcast::<gst::Pipeline>().unwrap();
        let w = pipeline.by_name("w").unwrap();
        pipeline.set_state(gst::State::Playing).expect("playing");
        let p = gst::Promise::new();
        w.emit_by_name::<()>("create-offer", &[&None::<gst::Structure>, &p]);
        let offer = wait(&p).and_then(|s| s.get::<gst_webrtc::WebRTCSessionDescription>("offer").ok()).expect("an offer");
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
        let r = ureq::post(&format!("{base}/whip/{token}"))
            .set("Content-Type", "application/sdp")
            .set("X-Guest-Name", name)
            .timeout(Duration::from_secs(30))
            .send_string(&sdp);
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(s, r)) => panic!("WHIP {s}: {}", r.into_string().unwrap_or_default()),
            Err(e) => panic!("WHIP: {e}"),
        };
        assert_eq!(r.status(), 201);
        let resource = r.header("Location").unwrap().to_string();
        let answer = gst_sdp::SDPMessage::parse_buffer(r.into_string().unwrap().as_bytes()).expect("an SDP answer");
        let desc = gst_webrtc::WebRTCSessionDescription::new(gst_webrtc::WebRTCSDPType::Answer, answer);
        let p = gst::Promise::new();
        w.emit_by_name::<()>("set-remote-description", &[&desc, &p]);
        wait(&p);
        let id = resource.rsplit('/').next().unwrap().to_string();
        WhipGuest { pipeline, id, resource }
    }
}

impl Drop for WhipGuest {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
