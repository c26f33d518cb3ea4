//! The SFU: one GStreamer pipeline per guest. The guest's `webrtcbin` receives (DTLS, SRTP and its
//! jitter buffer); each track's RTP packets go into a `tee`; every
//! viewer gets its own `webrtcbin` fed from that tee with the packets rewritten for it (`rtp`: its
//! SSRC, sequence numbers, timestamps, payload type and MID; starting at a keyframe) — nothing is
//! depayloaded or payloaded again. Keyframe requests from a viewer travel upstream to the guest as
//! PLI.
//!
//! `publisher`: the guest's `webrtcbin` and its tracks; `viewer`: the viewers' branches;
//! `negotiate`: offer in, answer out; `liveness`: who was heard from last and when; `stream`: the
//! guest as a Matroska stream for OBS's Media Source.
mod liveness;
mod negotiate;
mod publisher;
pub mod rtp;
mod stream;
mod viewer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use gstreamer as gst;
use gstreamer::prelude::*;

pub use negotiate::answer;
pub(crate) use stream::Reader;
pub use stream::{GuestStream, TapSink};

#[derive(Debug, thiserror::Error)]
pub enum SfuError {
    #[error("WebRTC negotiation failed: {0}")]
    Negotiation(String),
    #[error("the guest has no media a viewer could take yet")]
    NoMedia,
    #[error("GStreamer: element {0} is missing")]
    MissingElement(String),
    #[error("GStreamer: {0}")]
    Gst(#[from] gst::glib::BoolError),
    #[error("GStreamer: {0}")]
    Link(#[from] gst::PadLinkError),
    #[error("GStreamer: {0}")]
    State(#[from] gst::StateChangeError),
}

#[derive(Default)]
pub struct Counters {
    pub video_bytes: AtomicU64,
    pub video_frames: AtomicU64,
    pub audio_bytes: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Audio,
    Video,
}

impl TrackKind {
    /// The SDP media type (`m=audio`, `m=video`), also the `media` field of RTP caps.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackKind::Audio => "audio",
            TrackKind::Video => "video",
        }
    }
}

#[derive(Clone)]
pub struct Track {
    pub kind: TrackKind,
    pub encoding: String,
    pub format: rtp::Format,
    /// The guest's RTP caps (codec parameters a viewer's caps take over).
    pub caps: gst::Caps,
    /// The guest's RTP packets, as its `webrtcbin` gives them.
    pub tee: gst::Element,
    /// Video: the packets since the last keyframe, for a viewer that starts now (empty for audio).
    pub gop: Arc<Mutex<rtp::Gop<gst::Buffer>>>,
}

pub struct Media {
    pub pipeline: gst::Pipeline,
    pub publisher: gst::Element,
    pub tracks: Arc<Mutex<Vec<Track>>>,
    pub counters: Arc<Counters>,
    pub last_media: Arc<Mutex<Instant>>,
    /// When the guest's browser last sent anything at all (see `watch_guest`).
    heard: Arc<Mutex<Instant>>,
    pub muted_audio: Arc<AtomicBool>,
    pub muted_video: Arc<AtomicBool>,
    /// The picture size the guest's last keyframe gave.
    size: Arc<Mutex<Option<(u32, u32)>>>,
    viewers: Mutex<HashMap<String, viewer::Viewer>>,
    /// Readers of the guest as a Matroska stream (OBS Media Sources).
    streams: Mutex<HashMap<String, stream::Stream>>,
    ice: super::ice::IceConfig,
    /// Tracks the guest's offer announced; viewers wait until all of them flow, or a viewer that
    /// came in between the audio and the video would be answered with no video at all.
    pub expected_tracks: AtomicUsize,
    /// The registry's change signal, once the guest is in it: a new track wakes its long-polls.
    pub changes: Arc<OnceLock<tokio::sync::watch::Sender<u64>>>,
}

fn make(factory: &str) -> Result<gst::Element, SfuError> {
    crate::media::gst_ready().map_err(|_| SfuError::MissingElement(factory.to_string()))?;
    gst::ElementFactory::make(factory).build().map_err(|_| SfuError::MissingElement(factory.to_string()))
}

fn webrtcbin(ice: &super::ice::IceConfig) -> Result<gst::Element, SfuError> {
    let w = make("webrtcbin")?;
    w.set_property_from_str("bundle-policy", "max-bundle");
    // The jitter buffer holds a stream's first packets for this long before anything flows: 200 ms
    // by default, which a LAN guest pays on joining and every viewer pays again. Loopback and LAN
    // reorder little; the browsers at both ends keep their own jitter buffers.
    w.set_property("latency", 50u32);
    // A packet lost on the way is asked for again (RTCP NACK) and resent (RTX where the browser
    // offers it), on both legs: the guest's webrtcbin asks the guest, a viewer's keeps what it sent
    // to answer the viewer. Without it a single lost packet froze every viewer's picture until the
    // next keyframe (a PLI round trip to the guest). Set on each transceiver as webrtcbin makes it
    // (those of an answer are made while answering).
    w.connect("on-new-transceiver", false, |args| {
        if let Some(t) = args.get(1).and_then(|v| v.get::<gst::glib::Object>().ok()) {
            t.set_property("do-nack", true);
        }
        None
    });
    // A LAN box: host candidates only unless STUN/TURN servers are configured.
    if let Some(s) = ice.gst_stun() {
        w.set_property("stun-server", s);
    }
    if let Some(t) = ice.gst_turn() {
        w.set_property("turn-server", t);
    }
    Ok(w)
}

impl Media {
    /// Every track the guest announced is flowing.
    pub fn ready(&self) -> bool {
        let n = self.tracks.lock().unwrap().len();
        n > 0 && n >= self.expected_tracks.load(Ordering::Relaxed)
    }

    pub fn close(&self) {
        self.end_streams();
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

impl Drop for Media {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
