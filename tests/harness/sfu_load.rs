//! Load for the SFU without a browser: guests publishing (one encoder shared by all of them, so the
//! load costs its maker little) and viewers that take the box's packets without decoding them.
//! Both are GStreamer `webrtcbin`s with real ICE, DTLS and SRTP, over WHIP and WHEP.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use onair::gstreamer as gst;
use onair::gstreamer::prelude::*;

use crate::whip::exchange;

/// Guests sending the same 30 fps VP8 and Opus. The picture scrolls (SMPTE bars, 10 px a frame) so the
/// encoder spends its bitrate: measured here, 2,002 kb/s for 2,000 asked at 720p (noise overshoots
/// VP8's rate control 4–12×, a still ball spends a third of it).
pub struct Publishers {
    pipeline: gst::Pipeline,
    /// Each guest's session id.
    pub ids: Vec<String>,
}

impl Publishers {
    pub fn join(base: &str, tokens: &[String], width: u32, height: u32, kbps: u32) -> Result<Publishers, String> {
        gst::init().map_err(|e| e.to_string())?;
        let mut desc = format!(
            "videotestsrc is-live=true pattern=smpte horizontal-speed=10 ! video/x-raw,width={width},height={height},framerate=30/1 \
             ! vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate={} keyframe-max-dist=60 threads=2 \
             ! rtpvp8pay pt=96 mtu=1200 ! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! tee name=vt allow-not-linked=true \
             audiotestsrc is-live=true wave=sine volume=0.1 ! audioconvert ! audioresample ! opusenc ! rtpopuspay pt=111 \
             ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! tee name=at allow-not-linked=true ",
            kbps * 1000
        );
        for i in 0..tokens.len() {
            desc += &format!(
                "webrtcbin name=w{i} bundle-policy=max-bundle \
                 vt. ! queue leaky=downstream max-size-time=1000000000 ! w{i}. at. ! queue leaky=downstream max-size-time=1000000000 ! w{i}. "
            );
        }
        let pipeline = gst::parse::launch(&desc).map_err(|e| e.to_string())?.downcast::<gst::Pipeline>().unwrap();
        pipeline.set_state(gst::State::Playing).map_err(|e| e.to_string())?;
        let mut ids = vec![];
        for (i, token) in tokens.iter().enumerate() {
            let w = pipeline.by_name(&format!("w{i}")).unwrap();
            let resource = exchange(&w, &format!("{base}/whip/{token}"), &[("X-Guest-Name", &format!("load-{i}"))])?;
            ids.push(resource.rsplit('/').next().unwrap().to_string());
        }
        Ok(Publishers { pipeline, ids })
    }
}

impl Drop for Publishers {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// A WHEP viewer of one guest: video and audio received, counted as RTP packets, never decoded.
pub struct Viewer {
    pipeline: gst::Pipeline,
    pub video_packets: Arc<AtomicU64>,
    pub video_bytes: Arc<AtomicU64>,
}

impl Viewer {
    /// Watches `guest` with view token `k`.
    pub fn watch(base: &str, guest: &str, k: &str) -> Result<Viewer, String> {
        gst::init().map_err(|e| e.to_string())?;
        let pipeline = gst::Pipeline::new();
        let w = gst::ElementFactory::make("webrtcbin").property_from_str("bundle-policy", "max-bundle").build().map_err(|e| e.to_string())?;
        pipeline.add(&w).map_err(|e| e.to_string())?;
        const MID: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";
        for (media, name, pt, rate) in [("video", "VP8", 96, 90_000), ("audio", "OPUS", 111, 48_000)] {
            let caps = gst::Caps::builder("application/x-rtp")
                .field("media", media)
                .field("encoding-name", name)
                .field("payload", pt)
                .field("clock-rate", rate)
                .field("extmap-1", MID)
                .build();
            w.emit_by_name::<onair::gstreamer_webrtc::WebRTCRTPTransceiver>(
                "add-transceiver",
                &[&onair::gstreamer_webrtc::WebRTCRTPTransceiverDirection::Recvonly, &caps],
            );
        }
        let (video_packets, video_bytes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (vp, vb) = (video_packets.clone(), video_bytes.clone());
        let pl = pipeline.downgrade();
        w.connect_pad_added(move |_, pad| {
            let Some(pl) = pl.upgrade() else { return };
            let video = pad.current_caps().and_then(|c| c.structure(0).and_then(|s| s.get::<String>("media").ok())).as_deref() == Some("video");
            let sink = gst::ElementFactory::make("fakesink").property("sync", false).property("async", false).build().unwrap();
            pl.add(&sink).unwrap();
            sink.sync_state_with_parent().unwrap();
            if video {
                let (vp, vb) = (vp.clone(), vb.clone());
                pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                    if let Some(b) = info.buffer() {
                        vp.fetch_add(1, Ordering::Relaxed);
                        vb.fetch_add(b.size() as u64, Ordering::Relaxed);
                    }
                    gst::PadProbeReturn::Ok
                });
            }
            let _ = pad.link(&sink.static_pad("sink").unwrap());
        });
        pipeline.set_state(gst::State::Playing).map_err(|e| e.to_string())?;
        exchange(&w, &format!("{base}/whep/guests/{guest}?k={k}"), &[])?;
        Ok(Viewer { pipeline, video_packets, video_bytes })
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
