//! Read side of the supervisor: the status document that the API, metrics and screen share.
use serde::Serialize;

use super::State;
use crate::fanout::OutSnapshot;
use crate::ingest::Snapshot;
use crate::media::feed::FeedId;
use crate::media::program::{Program, Source};

#[cfg_attr(test, derive(ts_rs::TS))]
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
    /// The platform's keys work once (TikTok, Instagram) and this one has gone out in a show: the
    /// card asks for a fresh key.
    pub fresh_key_needed: bool,
    /// Seconds this destination runs behind the program.
    pub delay_s: u32,
    /// Its own picture, as set on the destination (`null`: the feed as it is).
    pub output: Option<crate::media::transcode::Output>,
    /// The program feed it takes.
    pub feed: FeedId,
}

/// The second program feed (its own ingest key): what is on air in it and what arrives.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Serialize)]
pub struct SecondFeed {
    pub on_air: &'static str,
    pub feed_lost_s: Option<u64>,
    /// A running output takes it.
    pub in_use: bool,
    pub ingest: Snapshot,
}

#[cfg_attr(test, derive(ts_rs::TS))]
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
    pub second: SecondFeed,
    pub destinations: Vec<DestinationStatus>,
    pub guests: Vec<crate::guests::GuestInfo>,
    pub obs: crate::obs::ObsStatus,
    pub platforms: Vec<crate::platforms::PlatformStatus>,
    /// What start-up did about a damaged database (`null` when it opened cleanly).
    pub recovery: Option<crate::store::Recovery>,
    /// The data disk is full or refuses writes: changes are held in memory, not saved.
    pub disk_full: bool,
    /// The recording running now (its size and length as of the last 2 s).
    pub recording: Option<crate::store::recordings::Recording>,
}

impl State {
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
                    delay_s: d.delay_s,
                    output: d.output,
                    feed: d.feed,
                    fresh_key_needed: d.key_used
                        && crate::platforms::presets::preset(&d.platform).is_some_and(|p| p.single_use_key)
                        && !self.fanout.is_running(d.id),
                    name: d.name,
                    platform: d.platform,
                    enabled: d.enabled,
                    out: self.fanout.stats(d.id).snapshot(),
                }
            })
            .collect();
        let (live, paused, started, feed_lost_at, second_lost_at) = {
            let m = self.machine.lock().unwrap();
            (m.live(), m.paused(), m.started(), m.feed_lost_at(FeedId::Main), m.feed_lost_at(FeedId::Second))
        };
        let s = self.show.lock().unwrap();
        ShowStatus {
            live,
            paused,
            on_air: on_air(self.feeds.main.program()),
            started_at: s.started_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            duration_s: started.map(|t| t.elapsed().as_secs()),
            feed_lost_s: feed_lost_at.map(|t| t.elapsed().as_secs()),
            test_signal: s.test_signal,
            ingest: self.feeds.main.snapshot(),
            second: SecondFeed {
                on_air: on_air(self.feeds.second.program()),
                feed_lost_s: second_lost_at.map(|t| t.elapsed().as_secs()),
                in_use: self.fanout.takes(FeedId::Second),
                ingest: self.feeds.second.snapshot(),
            },
            destinations,
            guests: self.guests.list(),
            obs: self.obs.status(),
            platforms: self.platforms.list(),
            recovery: self.store.recovery().cloned(),
            disk_full: self.disk_full(),
            recording: self.recorder.current().and_then(|id| self.store.recording(id).ok()),
        }
    }

    pub fn is_live(&self) -> bool {
        self.machine.lock().unwrap().live()
    }
}

fn on_air(p: &Program) -> &'static str {
    match p.active() {
        Some(Source::Feed) => "feed",
        Some(Source::Slate) => "slate",
        None => "none",
    }
}

#[cfg(test)]
mod ts_bindings {
    //! The web dashboard's API types (web/src/api/*.ts) are generated from these Rust types, so
    //! TypeScript checks every field the API sends. This test regenerates them and fails when the
    //! checked-in files differ; `ONAIR_WRITE_TS=1 cargo test -p onair-daemon --lib ts_bindings`
    //! writes them (scripts/gen-api-types.sh).
    use std::collections::BTreeMap;
    use std::path::Path;

    use ts_rs::{Config, TS};

    fn generate(dir: &Path) -> BTreeMap<String, String> {
        let cfg = Config::new().with_large_int("number").with_out_dir(dir);
        super::ShowStatus::export_all(&cfg).unwrap();
        crate::core::Event::export_all(&cfg).unwrap();
        crate::store::destinations::Destination::export_all(&cfg).unwrap();
        crate::platforms::presets::Preset::export_all(&cfg).unwrap();
        crate::store::recordings::RecordingSettings::export_all(&cfg).unwrap();
        crate::store::notify::Channel::export_all(&cfg).unwrap();
        crate::store::notify::Rule::export_all(&cfg).unwrap();
        crate::notify::kinds::Kind::export_all(&cfg).unwrap();
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            out.insert(p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap());
        }
        out
    }

    #[test]
    fn web_api_types_match_the_rust_types() {
        let tmp = tempfile::tempdir().unwrap();
        let fresh = generate(tmp.path());
        let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/src/api");
        if std::env::var_os("ONAIR_WRITE_TS").is_some() {
            std::fs::create_dir_all(&web).unwrap();
            for e in std::fs::read_dir(&web).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "ts") && !fresh.contains_key(&*p.file_name().unwrap().to_string_lossy()) {
                    std::fs::remove_file(p).unwrap();
                }
            }
            for (name, text) in &fresh {
                std::fs::write(web.join(name), text).unwrap();
            }
        }
        let mut shipped = BTreeMap::new();
        for e in std::fs::read_dir(&web).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "ts") {
                shipped.insert(p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap());
            }
        }
        assert_eq!(shipped.keys().collect::<Vec<_>>(), fresh.keys().collect::<Vec<_>>(), "web/src/api is out of date: run scripts/gen-api-types.sh");
        for (name, text) in &fresh {
            assert_eq!(&shipped[name], text, "web/src/api/{name} is out of date: run scripts/gen-api-types.sh");
        }
    }
}
