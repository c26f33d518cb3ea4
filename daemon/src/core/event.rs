//! What the core announces: the event feed, the status screen, the tally, notifications and the
//! alert log all read these.
use serde::Serialize;

use crate::fanout::OutState;
use crate::ingest::Proto;

/// Everything the event feed carries, as `{"type": ..., ...}`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Each event is cloned once per subscriber and dropped: boxing the big ones would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    Show {
        live: bool,
        paused: bool,
        on_air: &'static str,
    },
    Destination {
        id: i64,
        state: OutState,
        error: Option<String>,
    },
    /// A destination's settings changed; `output`: what its running output did about it.
    DestinationUpdated {
        id: i64,
        output: &'static str,
    },
    Ingest {
        /// Which program feed: `main` or `second`.
        feed: crate::media::feed::FeedId,
        connected: bool,
        proto: Option<Proto>,
        peer: Option<String>,
    },
    IngestRefused {
        proto: Proto,
        peer: String,
        reason: String,
    },
    Obs(crate::obs::ObsEvent),
    Guest(crate::guests::GuestEvent),
    Alert {
        level: crate::alert::Level,
        message: String,
    },
    Reply {
        command: String,
    },
    Chat(crate::platforms::chat::ChatMessage),
    Platform(crate::platforms::PlatformStatus),
    /// The data disk ran low (under the `low_disk_mb` setting) or full (or refuses writes), or has
    /// room again (`low: false`). Sent on changes only.
    Disk {
        low: bool,
        /// Full, or refusing writes: nothing new is saved.
        full: bool,
        message: String,
    },
    /// A recording started or ended (`GET /recordings` has the details).
    Recording {
        id: i64,
        recording: bool,
    },
}
