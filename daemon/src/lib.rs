//! onair daemon: ingest, program bus, fan-out, storage, API.
pub mod api;
pub mod backoff;
pub mod config;
pub mod core;
pub mod fanout;
pub mod guests;
pub mod hwbridge;
pub mod ingest;
pub mod mdns;
pub mod media;
pub mod obs;
pub mod platforms;
pub mod protocols;
pub mod setup;
pub mod store;

/// The GStreamer bindings the daemon is built with, for the e2e harness's own WebRTC peer (a guest
/// publishing over WHIP) without a second copy in the lock file.
pub use {gstreamer, gstreamer_sdp, gstreamer_webrtc};
