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
    /// The platform's own view (`true`/`false`) for a linked account; `null` otherwise.
    pub platform_live: Option<bool>,
    /// Where `state` is confirmed: `platform` (a linked account says so too) or `box` (the box's
    /// own output only: TikTok, Instagram, custom, unlinked).
    pub confirmed_by: &'static str,
    pub watchdog_restarts: u32,
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
    pub platforms: Vec<crate::platforms::PlatformStatus>,
    /// What start-up did about a damaged database (`null` when it opened cleanly).
    pub recovery: Option<crate::store::Recovery>,
    /// The data disk is full or refuses writes: changes are held in memory, not saved.
    pub disk_full: bool,
}

impl Core {
    pub fn status(&self) -> ShowStatus {
        let dests = self.store.list_destinations().unwrap_or_default();
        let destinations = dests
            .into_iter()
            .map(|d| {
                let platform_live = self.platforms.confirmed_live(&d.platform);
                DestinationStatus {
                    id: d.id,
                    viewers: self.platforms.viewers(&d.platform),
                    confirmed_by: if platform_live.is_some() { "platform" } else { "box" },
                    platform_live,
                    watchdog_restarts: self.watchdog_restarts(d.id),
                    name: d.name,
                    platform: d.platform,
                    enabled: d.enabled,
                    out: self.fanout.stats(d.id).snapshot(),
                }
            })
            .collect();
        let (live, paused, started, feed_lost_at) = {
            let m = self.machine.lock().unwrap();
            (m.live(), m.paused(), m.started(), m.feed_lost_at())
        };
        let s = self.show.lock().unwrap();
        ShowStatus {
            live,
            paused,
            on_air: match self.program.active() {
                Some(Source::Feed) => "feed",
                Some(Source::Slate) => "slate",
                None => "none",
            },
            started_at: s.started_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            duration_s: started.map(|t| t.elapsed().as_secs()),
            feed_lost_s: feed_lost_at.map(|t| t.elapsed().as_secs()),
            test_signal: s.test_signal,
            ingest: self.ingest.snapshot(),
            destinations,
            guests: self.guests.list().into_iter().filter_map(|g| serde_json::to_value(g).ok()).collect(),
            obs: serde_json::to_value(self.obs.status()).unwrap_or_default(),
            platforms: self.platforms.list(),
            recovery: self.store.recovery().cloned(),
            disk_full: self.disk_full(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.machine.lock().unwrap().live()
    }
}
