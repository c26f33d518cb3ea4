//! Read side of the supervisor: the status document that the API, metrics and screen share.
use serde::Serialize;

use super::Core;
use crate::fanout::OutSnapshot;
use crate::ingest::Snapshot;
use crate::media::program::Source;

#[derive(Debug, Serialize)]
pub struct DestinationStatus {
    pub id: i64,
    pub name: String,
    pub platform: String,
    pub enabled: bool,
    #[serde(flatten)]
    pub out: OutSnapshot,
    pub viewers: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct ShowStatus {
    pub live: bool,
    pub paused: bool,
    pub on_air: &'static str,
    pub started_at: Option<String>,
    pub duration_s: Option<u64>,
    pub feed_lost_s: Option<u64>,
    pub test_signal: bool,
    pub ingest: Snapshot,
    pub destinations: Vec<DestinationStatus>,
    pub guests: Vec<serde_json::Value>,
    pub obs: serde_json::Value,
}

impl Core {
    pub fn status(&self) -> ShowStatus {
        let dests = self.store.list_destinations().unwrap_or_default();
        let destinations = dests
            .into_iter()
            .map(|d| DestinationStatus {
                id: d.id,
                name: d.name,
                platform: d.platform,
                enabled: d.enabled,
                out: self.fanout.stats(d.id).snapshot(),
                viewers: None,
            })
            .collect();
        let s = self.show.lock().unwrap();
        ShowStatus {
            live: s.live,
            paused: s.paused,
            on_air: match self.program.active() {
                Some(Source::Feed) => "feed",
                Some(Source::Slate) => "slate",
                None => "none",
            },
            started_at: s.started_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            duration_s: s.started.map(|t| t.elapsed().as_secs()),
            feed_lost_s: s.feed_lost_at.map(|t| t.elapsed().as_secs()),
            test_signal: s.test_signal,
            ingest: self.ingest.snapshot(),
            destinations,
            guests: self.guests.list().into_iter().filter_map(|g| serde_json::to_value(g).ok()).collect(),
            obs: serde_json::to_value(self.obs.status()).unwrap_or_default(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.show.lock().unwrap().live
    }
}
