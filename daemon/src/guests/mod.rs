//! Remote guests over WebRTC: WHIP in (the guest publishes), WHEP out (viewers such as an OBS
//! Browser Source), with the box as an SFU that forwards media without decoding it. Owns the guest
//! registry and their pipelines; reads invites and ICE settings from the store, changes them only
//! when the core asks (`join`, revocations), and never announces events itself: the core does.
pub mod access;
pub mod grid;
pub mod ice;
pub mod join;
pub mod quality;
pub mod sdp;
pub mod sfu;
pub mod watch;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::store::secret::random_token;
use sfu::Media;

/// A guest whose media stopped for this long is gone (browser killed, network lost).
pub const GONE_AFTER: Duration = Duration::from_secs(8);
/// A viewer (OBS, a guest's page) whose browser has sent nothing for this long has gone.
pub const VIEWER_GONE_AFTER: Duration = Duration::from_secs(15);
/// How long a new guest's browser takes to find its bandwidth (Chrome starts at 300 kb/s).
pub const RAMP_UP: Duration = Duration::from_secs(15);

/// A guest is `connecting` from its answer until its first track flows, then `live`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum GuestState {
    #[default]
    Connecting,
    Live,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Default)]
pub struct GuestInfo {
    pub id: String,
    pub name: String,
    pub invite_id: String,
    pub state: GuestState,
    pub rtt_ms: Option<f64>,
    pub jitter_ms: Option<f64>,
    pub loss_pct: Option<f64>,
    pub kbps: u32,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub fps: f64,
    pub muted_audio: bool,
    pub muted_video: bool,
    pub viewers: usize,
    pub connected_s: u64,
    /// What the box currently asks of this guest's sender (see `quality`).
    pub quality: &'static str,
    pub max_bitrate_kbps: u32,
    /// The guest's browser's bandwidth estimate (`availableOutgoingBitrate`).
    pub available_kbps: Option<u32>,
    /// The host's talkback (camera/mic from the dashboard), not a guest for OBS.
    pub host: bool,
}

/// What the guest's browser reports once a second from its own `getStats()`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct BrowserReport {
    #[serde(default)]
    pub rtt_ms: Option<f64>,
    #[serde(default)]
    pub available_kbps: Option<u32>,
    /// The browser's `qualityLimitationReason` for the video sender (`none`, `bandwidth`, `cpu`, `other`).
    #[serde(default)]
    pub limited_by: Option<String>,
}

pub struct Guest {
    pub info: Mutex<GuestInfo>,
    pub media: Arc<Media>,
    since: Instant,
    prev: Mutex<(Instant, u64, u64, u64)>,
    adapt: Mutex<quality::Adapt>,
    browser_rtt: Mutex<Option<(Instant, f64)>>,
    /// The WHEP viewers this guest opened on the others, as (their id, viewer): ended with it.
    watching: Mutex<Vec<(String, String)>>,
}

#[derive(Default)]
pub struct Guests {
    map: Mutex<HashMap<String, Arc<Guest>>>,
    /// Bumped whenever a guest comes, goes or gets a track flowing: what long-polls wait on.
    changes: tokio::sync::watch::Sender<u64>,
    /// The invite behind the host's talkback, if one was made.
    pub talkback_invite: Mutex<Option<String>>,
    /// What view tokens are derived from (see `access`), read once from the store.
    view_generation: Mutex<Option<String>>,
    /// WHEP offers being answered, per guest (see `access::Guests::admit`).
    pending: access::Pending,
    /// Sessions dropped because their media stopped, by id: (invite, when). The page of such a
    /// session may come back within [`REJOIN_WITHIN`] without using up another use of its invite.
    lapsed: Mutex<HashMap<String, (String, Instant)>>,
    /// The grid as one stream (for OBS Media Sources), while someone reads it.
    pub grid: grid::Grid,
}

/// How long after its media stopped a session's page may reconnect in its place.
pub const REJOIN_WITHIN: Duration = Duration::from_secs(120);

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "guest_event", rename_all = "snake_case")]
pub enum GuestEvent {
    Joined { id: String, name: String },
    Left { id: String, name: String, reason: String },
    Quality { id: String, name: String, level: &'static str, max_bitrate_kbps: u32 },
}

impl Guests {
    pub fn new() -> Arc<Guests> {
        Arc::new(Guests::default())
    }

    pub fn add(&self, name: &str, invite_id: &str, media: Arc<Media>) -> Arc<Guest> {
        let id = random_token(8);
        let host = self.talkback_invite.lock().unwrap().as_deref() == Some(invite_id);
        let top = quality::LEVELS[0];
        let g = Arc::new(Guest {
            info: Mutex::new(GuestInfo {
                id: id.clone(),
                name: name.into(),
                invite_id: invite_id.into(),
                state: GuestState::Connecting,
                quality: top.name,
                max_bitrate_kbps: top.max_bitrate_kbps,
                host,
                ..Default::default()
            }),
            media,
            since: Instant::now(),
            prev: Mutex::new((Instant::now(), 0, 0, 0)),
            adapt: Mutex::default(),
            browser_rtt: Mutex::default(),
            watching: Mutex::default(),
        });
        // Before the bump below: a track that flowed before this is seen by whoever it wakes.
        let _ = g.media.changes.set(self.changes.clone());
        self.map.lock().unwrap().insert(id, g.clone());
        self.changed();
        g
    }

    /// Wakes every long-poll to look again.
    pub fn changed(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Waits until `done()` holds, looking again only when a guest comes, goes or gets a track
    /// flowing (never on a timer); false if `deadline` passes first.
    pub async fn wait_until(&self, deadline: tokio::time::Instant, mut done: impl FnMut() -> bool) -> bool {
        // Subscribed before the first look, so a change in between is not missed.
        let mut rx = self.changes.subscribe();
        loop {
            if done() {
                return true;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return done(),
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<Arc<Guest>> {
        self.map.lock().unwrap().get(id).cloned()
    }

    pub fn remove(&self, id: &str) -> Option<Arc<Guest>> {
        let g = self.map.lock().unwrap().remove(id);
        if let Some(g) = &g {
            g.media.close();
            self.end_watching(g);
            self.changed();
        }
        g
    }

    /// Whether session `id` of invite `invite_id` may be taken over by a reconnecting page: it is
    /// still on, or its media stopped less than [`REJOIN_WITHIN`] ago (not removed by the host, not
    /// left, not revoked).
    pub fn may_rejoin(&self, id: &str, invite_id: &str, now: Instant) -> bool {
        if let Some(g) = self.get(id) {
            return g.info.lock().unwrap().invite_id == invite_id;
        }
        self.lapsed.lock().unwrap().get(id).is_some_and(|(inv, at)| inv == invite_id && now.saturating_duration_since(*at) < REJOIN_WITHIN)
    }

    /// A reconnecting page's new session takes the place of `old`: the old one ends (without a
    /// "left" event: it is the same guest) and cannot be taken over again.
    pub fn replaced(&self, old: &str) {
        self.lapsed.lock().unwrap().remove(old);
        self.remove(old);
    }

    /// Ends every session the invite `invite_id` made (it was revoked); returns their ids and names.
    pub fn remove_by_invite(&self, invite_id: &str) -> Vec<(String, String)> {
        let ids: Vec<String> = self.map.lock().unwrap().iter().filter(|(_, g)| g.info.lock().unwrap().invite_id == invite_id).map(|(k, _)| k.clone()).collect();
        ids.into_iter().filter_map(|id| self.remove(&id).map(|g| (id, g.info.lock().unwrap().name.clone()))).collect()
    }

    pub fn list(&self) -> Vec<GuestInfo> {
        // The viewer count as it is now (a viewer that just started playing is counted at once, not
        // at the next once-a-second refresh of the other figures).
        let mut v: Vec<GuestInfo> =
            self.map.lock().unwrap().values().map(|g| GuestInfo { viewers: g.media.viewer_count(), ..g.info.lock().unwrap().clone() }).collect();
        v.sort_by_key(|g| std::cmp::Reverse(g.connected_s));
        v
    }

    /// The guests the grid shows, longest connected first: every one but the host's talkback
    /// whose media flows ("has media" rather than the once-a-second `live` state: a viewer can start
    /// the moment it does).
    pub fn on_grid(&self) -> Vec<Arc<Guest>> {
        let mut v: Vec<_> = self.map.lock().unwrap().values().filter(|g| !g.info.lock().unwrap().host && g.media.ready()).cloned().collect();
        v.sort_by_key(|g| g.since);
        v
    }

    pub fn mute_all(&self) -> usize {
        let all: Vec<_> = self.map.lock().unwrap().values().cloned().collect();
        for g in &all {
            g.set_mute(Some(true), None);
        }
        all.len()
    }

    /// Once a second: refresh each guest's figures; drop the ones whose media stopped.
    pub async fn tick(&self, now: Instant) -> Vec<GuestEvent> {
        let all: Vec<_> = self.map.lock().unwrap().values().cloned().collect();
        let mut events = vec![];
        for g in all {
            let quiet = g.media.quiet(now);
            let started = !g.media.tracks.lock().unwrap().is_empty();
            if (started && quiet > GONE_AFTER) || (!started && now.saturating_duration_since(g.since) > Duration::from_secs(20)) {
                let (id, invite) = {
                    let i = g.info.lock().unwrap();
                    (i.id.clone(), i.invite_id.clone())
                };
                let mut lapsed = self.lapsed.lock().unwrap();
                lapsed.retain(|_, (_, at)| now.saturating_duration_since(*at) < REJOIN_WITHIN);
                lapsed.insert(id.clone(), (invite, now));
                drop(lapsed);
                if let Some(g) = self.remove(&id) {
                    let name = g.info.lock().unwrap().name.clone();
                    events.push(GuestEvent::Left { id, name, reason: "media stopped".into() });
                }
                continue;
            }
            let reaped = g.media.reap_viewers(VIEWER_GONE_AFTER, now);
            if reaped > 0 {
                tracing::info!(guest = %g.info.lock().unwrap().id, reaped, "viewers gone silent removed");
            }
            let (rtt, jitter, loss) = g.media.network_stats().await;
            let c = &g.media.counters;
            let (vb, vf, ab) = (c.video_bytes.load(Ordering::Relaxed), c.video_frames.load(Ordering::Relaxed), c.audio_bytes.load(Ordering::Relaxed));
            let mut p = g.prev.lock().unwrap();
            let dt = now.saturating_duration_since(p.0).as_secs_f64().max(0.1);
            let kbps = (((vb - p.1) + (ab - p.3)) as f64 * 8.0 / 1000.0 / dt) as u32;
            let fps = ((vf - p.2) as f64 / dt * 10.0).round() / 10.0;
            *p = (now, vb, vf, ab);
            drop(p);
            let size = g.media.video_size();
            let mut i = g.info.lock().unwrap();
            let was = i.state;
            i.state = if started { GuestState::Live } else { GuestState::Connecting };
            if was != GuestState::Live && i.state == GuestState::Live {
                events.push(GuestEvent::Joined { id: i.id.clone(), name: i.name.clone() });
            }
            i.kbps = kbps;
            i.fps = fps;
            // webrtcbin 1.22 has no RTT for a receive-only peer; the guest's browser measures it.
            let browser_rtt = g.browser_rtt.lock().unwrap().filter(|(t, _)| now.saturating_duration_since(*t) < Duration::from_secs(5)).map(|(_, r)| r);
            i.rtt_ms = rtt.or(browser_rtt).map(|r| (r * 10.0).round() / 10.0);
            i.jitter_ms = jitter.map(|j| (j * 10.0).round() / 10.0);
            i.loss_pct = loss;
            i.width = size.map(|s| s.0);
            i.height = size.map(|s| s.1);
            i.viewers = g.media.viewer_count();
            i.connected_s = now.saturating_duration_since(g.since).as_secs();
            i.muted_audio = g.media.muted_audio.load(Ordering::Relaxed);
            i.muted_video = g.media.muted_video.load(Ordering::Relaxed);
        }
        events
    }
}

impl Guest {
    /// Takes the browser's report; returns the level to ask for and whether it just changed.
    pub fn report(&self, r: &BrowserReport) -> (quality::Level, Option<GuestEvent>) {
        if let Some(rtt) = r.rtt_ms.filter(|v| v.is_finite() && *v >= 0.0 && *v < 60_000.0) {
            *self.browser_rtt.lock().unwrap() = Some((Instant::now(), rtt));
        }
        let loss = self.info.lock().unwrap().loss_pct;
        let mut a = self.adapt.lock().unwrap();
        // "Bandwidth-limited" counts when the estimate is also under what we allow: a new sender is
        // limited while its congestion control ramps up, and Chrome keeps saying so while it scales
        // back up even with room to spare.
        let cap = a.current().max_bitrate_kbps;
        let limited = r.limited_by.as_deref() == Some("bandwidth") && self.since.elapsed() > RAMP_UP && r.available_kbps.is_none_or(|k| k < cap);
        let changed = a.update(loss, limited);
        if let Some(l) = changed {
            tracing::info!(level = l.name, ?loss, limited, available = ?r.available_kbps, reason = ?r.limited_by, "guest quality changed");
        }
        let level = a.current();
        drop(a);
        let mut i = self.info.lock().unwrap();
        i.available_kbps = r.available_kbps;
        i.quality = level.name;
        i.max_bitrate_kbps = level.max_bitrate_kbps;
        let ev = changed.map(|l| GuestEvent::Quality { id: i.id.clone(), name: i.name.clone(), level: l.name, max_bitrate_kbps: l.max_bitrate_kbps });
        (level, ev)
    }

    pub fn set_mute(&self, audio: Option<bool>, video: Option<bool>) {
        if let Some(a) = audio {
            self.media.muted_audio.store(a, Ordering::Relaxed);
        }
        if let Some(v) = video {
            self.media.muted_video.store(v, Ordering::Relaxed);
        }
        let mut i = self.info.lock().unwrap();
        i.muted_audio = self.media.muted_audio.load(Ordering::Relaxed);
        i.muted_video = self.media.muted_video.load(Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    #[tokio::test]
    async fn a_long_poll_wakes_on_the_notification_not_a_timer() {
        let guests = Guests::new();
        let ready = Arc::new(AtomicBool::new(false));
        let (g, r) = (guests.clone(), ready.clone());
        let waiter = tokio::spawn(async move { g.wait_until(tokio::time::Instant::now() + Duration::from_secs(3600), || r.load(Ordering::SeqCst)).await });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiter.is_finished());
        ready.store(true, Ordering::SeqCst);
        // Nothing told the registry: a waiter that looked again on a timer would be done by now.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiter.is_finished(), "the long-poll woke without a notification");
        guests.changed();
        let woke = tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("the notification woke the long-poll").unwrap();
        assert!(woke);
    }

    /// The API and the dashboard read the state as these words (SPEC: `GET /guests`).
    #[test]
    fn guest_states_are_sent_as_lowercase_words() {
        let json = |state| serde_json::to_value(GuestInfo { state, ..Default::default() }).unwrap()["state"].clone();
        assert_eq!(json(GuestState::Connecting), "connecting");
        assert_eq!(json(GuestState::Live), "live");
    }

    #[tokio::test]
    async fn a_long_poll_ends_at_its_deadline() {
        let guests = Guests::new();
        let t0 = tokio::time::Instant::now();
        assert!(!guests.wait_until(t0 + Duration::from_millis(100), || false).await);
        assert!(t0.elapsed() >= Duration::from_millis(100));
    }

    /// Reaping decides by the time it is given: a guest that never sent a track is dropped 20 s
    /// after it joined, not before, stepped in simulated time.
    #[tokio::test]
    async fn a_guest_that_never_sends_is_reaped_after_20_s() {
        gstreamer::init().unwrap();
        let guests = Guests::new();
        let g = guests.add("Ana", "inv", Media::new(Default::default()).unwrap());
        let since = g.since;
        assert!(guests.tick(since + Duration::from_secs(19)).await.is_empty());
        assert_eq!(guests.list().len(), 1);
        assert_eq!(guests.list()[0].connected_s, 19);
        assert_eq!(guests.list()[0].state, GuestState::Connecting, "no track ever flowed");
        let left = guests.tick(since + Duration::from_secs(21)).await;
        assert!(matches!(&left[..], [GuestEvent::Left { reason, .. }] if reason == "media stopped"), "{left:?}");
        assert!(guests.list().is_empty());
    }
}
