//! Encoded media as it travels through the box: FLV tag bodies, shared by reference, re-encoded only
//! for a destination that asks for its own picture (`transcode`).
//! Owns the program bus (which source is on air, the ring and GOP cache) and the generators (test
//! signal, slate); knows nothing of destinations, the store or the API.
pub mod av1;
pub mod avc;
pub mod elementary;
pub mod feed;
pub mod flv;
pub mod fmp4;
pub mod generator;
pub mod h264enc;
pub mod mkv;
pub mod multitrack;
pub mod pipeline;
pub mod preview;
pub mod program;
pub mod slate;
pub mod transcode;

use bytes::Bytes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Video,
    Audio,
}

/// One FLV tag body (the payload of an RTMP audio/video message), with its decode timestamp in ms.
#[derive(Debug, Clone)]
pub struct Frame {
    pub kind: Kind,
    pub ts: u32,
    pub data: Bytes,
}

impl Frame {
    pub fn video(ts: u32, data: Bytes) -> Self {
        Frame { kind: Kind::Video, ts, data }
    }
    pub fn audio(ts: u32, data: Bytes) -> Self {
        Frame { kind: Kind::Audio, ts, data }
    }
    pub fn is_video(&self) -> bool {
        self.kind == Kind::Video
    }
    /// A video frame that starts a GOP (FLV frame type 1), excluding sequence headers.
    pub fn is_keyframe(&self) -> bool {
        self.kind == Kind::Video && flv::video_is_keyframe(&self.data) && !self.is_sequence_header()
    }
    /// AVC/HEVC decoder configuration or AAC AudioSpecificConfig.
    pub fn is_sequence_header(&self) -> bool {
        match self.kind {
            Kind::Video => flv::video_is_sequence_header(&self.data),
            Kind::Audio => flv::audio_is_sequence_header(&self.data),
        }
    }
}

/// What the box knows about a stream's codecs, read from the stream itself.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct VideoInfo {
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub fps: f64,
    pub kbps: u32,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AudioInfo {
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u32,
    pub kbps: u32,
}

/// GStreamer, initialised the first time something needs it (the slate, the test signal, SRT,
/// guests, a transcode): a box that only relays RTMP never reads its plugin registry.
pub fn gst_ready() -> Result<(), gstreamer::glib::Error> {
    static READY: std::sync::OnceLock<Result<(), gstreamer::glib::Error>> = std::sync::OnceLock::new();
    READY.get_or_init(gstreamer::init).clone()
}

/// Hands memory freed by a pipeline that ended back to the system. glibc keeps what GStreamer's
/// streaming threads freed in their arenas, so without it every slate or guest left RSS a step
/// higher for good.
pub fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own heap under its locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// For a pipeline whose bus nobody polls: log its errors and warnings and drop every message, so
/// they do not pile up for the life of the pipeline (each one holds the element that posted it).
pub fn drain_bus(pipeline: &gstreamer::Pipeline, what: &'static str) {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    let Some(bus) = pipeline.bus() else { return };
    bus.set_sync_handler(move |_, msg| {
        let src = msg.src().map(|s| s.name());
        match msg.view() {
            gst::MessageView::Error(e) => tracing::warn!(?src, "{what}: {}", e.error()),
            gst::MessageView::Warning(w) => tracing::debug!(?src, "{what}: {}", w.error()),
            _ => {}
        }
        gst::BusSyncReply::Drop
    });
}
