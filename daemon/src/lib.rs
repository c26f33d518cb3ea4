//! onair daemon. Media: `ingest` (RTMP, SRT) puts the feed's frames on the program bus
//! (`media::program`), each `fanout` output reads it on its own task and sends it on (no re-encode, unless a destination
//! asks for its own picture: `media::transcode`); `recording` writes it to the box's disk.
//! Commands: every input (`api` handlers, `hwbridge` buttons) sends a `core::Command` to the core's
//! actor and gets a reply; the core alone changes `store`, the outputs, `guests`, `obs` and
//! `platforms`, decides in `core::machine` (sans-IO), and announces `core::Event`s, which the event
//! feed, the status screen, the tally, `/metrics` and the alert log read with `Core::status()`.
pub mod alert;
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
pub mod notify;
pub mod obs;
pub mod platforms;
pub mod protocols;
pub mod recording;
pub mod setup;
pub mod store;

/// The GStreamer bindings the daemon is built with, for the e2e harness's own WebRTC peer (a guest
/// publishing over WHIP) without a second copy in the lock file.
pub use {gstreamer, gstreamer_sdp, gstreamer_webrtc};
