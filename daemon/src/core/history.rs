//! The show recorder (totals per destination and a timeline, written to the store when the show
//! ends) and the watch alerts that need a clock: the program feed under its bitrate floor, low disk.
use crate::alert::Level;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Event, State};
use crate::fanout::OutState;
use crate::store::shows::{Sample, ShowDest};

const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// How long the feed must stay under the floor before the alert (encoders dip on scene cuts).
const FLOOR_GRACE: Duration = Duration::from_secs(5);
const DISK_EVERY: Duration = Duration::from_secs(5);
pub const DEFAULT_FLOOR_KBPS: u64 = 250;
pub const DEFAULT_LOW_DISK_MB: u64 = 1024;

pub(super) struct ShowRec {
    pub(super) id: i64,
    started: Instant,
    last_sample: Option<Instant>,
    dests: HashMap<i64, DestAcc>,
}

#[derive(Default)]
struct DestAcc {
    name: String,
    platform: String,
    /// Output runs restart their counters (stop/start, watchdog restarts): totals = base + last.
    bytes_base: u64,
    bytes_last: u64,
    reconnects_base: u64,
    reconnects_last: u64,
    live_s: u64,
    peak_viewers: Option<u64>,
    seen: bool,
}

#[derive(Default)]
pub(super) struct Watchers {
    floor_below_since: Option<Instant>,
    floor_alerted: bool,
    disk_checked: Option<Instant>,
    disk_alerted: bool,
    silence_alerted: bool,
}

/// Seconds of silence on every OBS audio input, while live, before the alert (0: off).
pub const DEFAULT_SILENCE_S: u64 = 15;

impl State {
    pub fn setting_u64(&self, key: &str, default: u64) -> u64 {
        self.store.setting(key).ok().flatten().and_then(|v| v.parse().ok()).unwrap_or(default)
    }

    pub(super) fn begin_show_record(&self) {
        match self.store.start_show() {
            Ok(id) => *self.record.lock().unwrap() = Some(ShowRec { id, started: Instant::now(), last_sample: None, dests: HashMap::new() }),
            Err(e) => tracing::warn!("show history: {e}"),
        }
    }

    /// Once a second while live: totals, live seconds, peak viewers; a sample every few seconds.
    pub(super) fn account_show(&self, tick: Duration) {
        self.account_show_inner(tick, false);
    }

    fn account_show_inner(&self, tick: Duration, final_sample: bool) {
        let dests = self.store.list_destinations().unwrap_or_default();
        let ingest = self.feeds.main.snapshot();
        let mut rec = self.record.lock().unwrap();
        let Some(r) = rec.as_mut() else { return };
        let (mut out_kbps, mut viewers) = (0u64, None::<u64>);
        for d in dests {
            let snap = self.fanout.stats(d.id).snapshot();
            let v = self.platforms.viewers(&d.platform);
            let a = r.dests.entry(d.id).or_default();
            a.name = d.name;
            a.platform = d.platform;
            if snap.bytes_sent < a.bytes_last {
                a.bytes_base += a.bytes_last;
            }
            a.bytes_last = snap.bytes_sent;
            if (snap.reconnects as u64) < a.reconnects_last {
                a.reconnects_base += a.reconnects_last;
            }
            a.reconnects_last = snap.reconnects as u64;
            if snap.state != OutState::Idle {
                a.seen = true;
            }
            if snap.state == OutState::Live {
                a.live_s += tick.as_secs().max(1);
                out_kbps += snap.kbps as u64;
            }
            if let Some(v) = v {
                a.peak_viewers = Some(a.peak_viewers.unwrap_or(0).max(v));
                viewers = Some(viewers.unwrap_or(0) + v);
            }
        }
        if final_sample || r.last_sample.is_none_or(|t| t.elapsed() >= SAMPLE_EVERY) {
            r.last_sample = Some(Instant::now());
            let s = Sample { t_s: r.started.elapsed().as_secs() as i64, ingest_kbps: (ingest.video.kbps + ingest.audio.kbps) as u64, out_kbps, viewers };
            if let Err(e) = self.store.add_show_sample(r.id, &s) {
                tracing::warn!("show history: {e}");
            }
        }
    }

    /// Writes the finished show; call before the outputs are stopped so their counters are there.
    pub(super) fn finish_show_record(&self, reason: &str) {
        self.account_show_inner(Duration::ZERO, true);
        let Some(r) = self.record.lock().unwrap().take() else { return };
        let dests: Vec<ShowDest> = r
            .dests
            .into_iter()
            .filter(|(_, a)| a.seen)
            .map(|(id, a)| {
                let bytes = a.bytes_base + a.bytes_last;
                ShowDest {
                    destination_id: id,
                    name: a.name,
                    platform: a.platform,
                    bytes,
                    avg_kbps: bytes * 8 / 1000 / a.live_s.max(1),
                    reconnects: a.reconnects_base + a.reconnects_last,
                    peak_viewers: a.peak_viewers,
                    live_s: a.live_s,
                }
            })
            .collect();
        if let Err(e) = self.store.end_show(r.id, reason, &dests) {
            tracing::warn!("show history: {e}");
        }
    }

    /// Once a second: the feed's bitrate against the floor, and (every few seconds) the data disk.
    pub(super) fn watch_alerts(&self) {
        let mut alerts = Vec::new();
        let mut disk = None;
        {
            let floor = self.setting_u64("bitrate_floor_kbps", DEFAULT_FLOOR_KBPS);
            let snap = self.feeds.main.snapshot();
            let kbps = (snap.video.kbps + snap.audio.kbps) as u64;
            let mut w = self.watch.lock().unwrap();
            let settled = snap.connected_s.is_some_and(|s| s >= 3);
            if floor > 0 && settled && kbps < floor {
                let since = *w.floor_below_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= FLOOR_GRACE && !w.floor_alerted {
                    w.floor_alerted = true;
                    alerts.push((
                        Level::Warning,
                        format!("program feed bitrate is {kbps} kb/s, below the floor of {floor} kb/s: check OBS's encoder and upload"),
                    ));
                }
            } else {
                w.floor_below_since = None;
                w.floor_alerted = false;
            }
            // The most common failure nobody sees from the stage: a muted or dead microphone.
            let limit = self.setting_u64("silence_alert_s", DEFAULT_SILENCE_S);
            match self.obs.silent_for().filter(|_| self.is_live() && self.obs.is_connected() && limit > 0) {
                Some(quiet) if quiet.as_secs() >= limit => {
                    if !w.silence_alerted {
                        w.silence_alerted = true;
                        alerts.push((Level::Warning, format!("program audio silent for {} s: check OBS's microphone and mutes", quiet.as_secs())));
                    }
                }
                _ => w.silence_alerted = false,
            }
            if w.disk_checked.is_none_or(|t| t.elapsed() >= DISK_EVERY) {
                w.disk_checked = Some(Instant::now());
                if let Some(dir) = &self.settings.data_dir {
                    let min = self.setting_u64("low_disk_mb", DEFAULT_LOW_DISK_MB);
                    let free = onair_hw::sysinfo::read(dir).disk_free_mb;
                    if free < min && !w.disk_alerted {
                        w.disk_alerted = true;
                        let message = format!("low disk: {free} MB free for the box's data (alert below {min} MB)");
                        disk = Some(Event::Disk { low: true, full: false, message: message.clone() });
                        alerts.push((Level::Warning, message));
                    } else if free >= min && w.disk_alerted {
                        w.disk_alerted = false;
                        disk = Some(Event::Disk { low: false, full: false, message: format!("{free} MB free for the box's data again") });
                    }
                }
            }
        }
        if let Some(e) = disk {
            self.emit(e);
        }
        for (level, message) in alerts {
            self.emit(Event::Alert { level, message });
        }
    }
}
