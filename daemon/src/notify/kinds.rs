//! What is worth telling someone who is not looking at the dashboard, read from the core's events.
//! Sans-IO: events and the time go in, notices come out; it keeps only what it needs to tell a
//! change from a repeat (the show's state, each destination's last state, which feeds were lost).
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::alert::Level;
use crate::core::Event;
use crate::fanout::OutState;
use crate::guests::GuestEvent;
use crate::obs::ObsEvent;

/// The alert kinds rules route (the names `PUT /notify/rules` takes).
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    DestinationFailed,
    DestinationReconnecting,
    DestinationRecovered,
    FeedLost,
    FeedBack,
    PlatformOffline,
    LowDisk,
    ObsLost,
    GuestJoined,
    GuestLeft,
    Follower,
    Sub,
    Raid,
    Tip,
    ShowStarted,
    ShowEnded,
    /// A channel's "send a test" (never routed by rules).
    Test,
}

impl Kind {
    pub const ROUTABLE: [Kind; 16] = [
        Kind::DestinationFailed,
        Kind::DestinationReconnecting,
        Kind::DestinationRecovered,
        Kind::FeedLost,
        Kind::FeedBack,
        Kind::PlatformOffline,
        Kind::LowDisk,
        Kind::ObsLost,
        Kind::GuestJoined,
        Kind::GuestLeft,
        Kind::Follower,
        Kind::Sub,
        Kind::Raid,
        Kind::Tip,
        Kind::ShowStarted,
        Kind::ShowEnded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DestinationFailed => "destination_failed",
            Kind::DestinationReconnecting => "destination_reconnecting",
            Kind::DestinationRecovered => "destination_recovered",
            Kind::FeedLost => "feed_lost",
            Kind::FeedBack => "feed_back",
            Kind::PlatformOffline => "platform_offline",
            Kind::LowDisk => "low_disk",
            Kind::ObsLost => "obs_lost",
            Kind::GuestJoined => "guest_joined",
            Kind::GuestLeft => "guest_left",
            Kind::Follower => "follower",
            Kind::Sub => "sub",
            Kind::Raid => "raid",
            Kind::Tip => "tip",
            Kind::ShowStarted => "show_started",
            Kind::ShowEnded => "show_ended",
            Kind::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ROUTABLE.into_iter().find(|k| k.as_str() == s)
    }
}

/// One message, as the outbox keeps it and a generic webhook receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: Kind,
    pub level: Level,
    pub message: String,
    /// RFC 3339.
    pub at: String,
    pub show_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// What repeats of it are counted under (a flapping destination is one key).
    #[serde(skip)]
    pub key: String,
}

/// What the classifier needs to know about the box besides the events.
pub trait Lookup {
    fn destination_name(&self, id: i64) -> Option<String>;
    fn show_id(&self) -> Option<i64>;
    /// The show that just ended, as the history wrote it.
    fn ended_show(&self) -> Option<crate::store::shows::Show> {
        None
    }
}

fn span(s: i64) -> String {
    match s {
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

/// The after-show report, in one message: how long, and per destination its average bitrate,
/// reconnects and peak viewers.
pub fn report(show: &crate::store::shows::Show) -> String {
    let mut out = format!("the show has ended after {}", span(show.duration_s));
    let dests: Vec<String> = show
        .destinations
        .iter()
        .map(|d| {
            let mut s = format!(
                "{}: {:.1} Mb/s on average, {} reconnect{}",
                d.name,
                d.avg_kbps as f64 / 1000.0,
                d.reconnects,
                if d.reconnects == 1 { "" } else { "s" }
            );
            if let Some(v) = d.peak_viewers {
                s.push_str(&format!(", peak {v} viewer{}", if v == 1 { "" } else { "s" }));
            }
            s
        })
        .collect();
    if !dests.is_empty() {
        out.push_str(": ");
        out.push_str(&dests.join("; "));
    }
    out
}

#[derive(Default)]
pub struct Classifier {
    live: bool,
    dests: HashMap<i64, OutState>,
    feeds_lost: HashMap<&'static str, bool>,
    obs_connected: bool,
    platforms_live: HashMap<&'static str, bool>,
}

impl Classifier {
    /// The notices `e` makes, at `at` (RFC 3339).
    pub fn handle(&mut self, e: &Event, at: &str, look: &dyn Lookup) -> Vec<Notice> {
        let n = |kind: Kind, level: Level, message: String, destination: Option<String>, key: String| Notice {
            kind,
            level,
            message,
            at: at.to_string(),
            show_id: look.show_id(),
            destination,
            key,
        };
        let mut out = vec![];
        match e {
            Event::Show { live, .. } if *live != self.live => {
                self.live = *live;
                if *live {
                    out.push(n(Kind::ShowStarted, Level::Info, "the show is live".into(), None, "show:started".into()));
                } else {
                    let mut e = n(Kind::ShowEnded, Level::Info, "the show has ended".into(), None, "show:ended".into());
                    if let Some(show) = look.ended_show() {
                        e.message = report(&show);
                        e.show_id = Some(show.id);
                    }
                    out.push(e);
                    self.dests.clear();
                    self.feeds_lost.clear();
                }
            }
            Event::Destination { id, state, error } => {
                let before = self.dests.insert(*id, *state);
                let name = look.destination_name(*id).unwrap_or_else(|| format!("destination {id}"));
                let why = error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                let key = format!("destination:{id}");
                match state {
                    OutState::Failed if before != Some(OutState::Failed) => {
                        out.push(n(Kind::DestinationFailed, Level::Error, format!("{name} failed{why}"), Some(name), key))
                    }
                    OutState::Reconnecting if before != Some(OutState::Reconnecting) => {
                        out.push(n(Kind::DestinationReconnecting, Level::Warning, format!("{name} is reconnecting{why}"), Some(name), key))
                    }
                    OutState::Live if matches!(before, Some(OutState::Reconnecting | OutState::Failed)) => {
                        out.push(n(Kind::DestinationRecovered, Level::Info, format!("{name} is live again"), Some(name), key))
                    }
                    _ => {}
                }
            }
            Event::Ingest { feed, connected, .. } => {
                let f = feed.as_str();
                let lost = self.feeds_lost.get(f).copied().unwrap_or(false);
                let key = format!("feed:{f}");
                if !connected && self.live && !lost {
                    self.feeds_lost.insert(f, true);
                    out.push(n(Kind::FeedLost, Level::Error, format!("the {f} feed was lost while live: the slate is on air"), None, key));
                } else if *connected && lost {
                    self.feeds_lost.insert(f, false);
                    out.push(n(Kind::FeedBack, Level::Info, format!("the {f} feed is back"), None, key));
                }
            }
            Event::Obs(ObsEvent::Connected { .. }) => self.obs_connected = true,
            Event::Obs(ObsEvent::Disconnected { error }) if self.obs_connected => {
                self.obs_connected = false;
                let why = error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                out.push(n(Kind::ObsLost, Level::Warning, format!("lost the connection to OBS{why}"), None, "obs".into()));
            }
            Event::Guest(GuestEvent::Joined { name, .. }) => {
                out.push(n(Kind::GuestJoined, Level::Info, format!("guest {name} joined"), None, format!("guest:{name}")))
            }
            Event::Guest(GuestEvent::Left { name, reason, .. }) => {
                out.push(n(Kind::GuestLeft, Level::Info, format!("guest {name} left: {reason}"), None, format!("guest:{name}")))
            }
            Event::Platform(p) => {
                let was = self.platforms_live.insert(p.platform, p.live == Some(true)).unwrap_or(false);
                if was && p.live == Some(false) && self.live {
                    out.push(n(
                        Kind::PlatformOffline,
                        Level::Warning,
                        format!("{} says the stream is offline", p.platform),
                        None,
                        format!("platform:{}", p.platform),
                    ));
                }
            }
            // The audience's events, as the unified chat carries them (Twitch IRC notices, YouTube).
            Event::Chat(m) => {
                let kind = match m.kind {
                    "follow" => Some(Kind::Follower),
                    "subscription" => Some(Kind::Sub),
                    "raid" => Some(Kind::Raid),
                    "super_chat" => Some(Kind::Tip),
                    _ => None,
                };
                if let Some(kind) = kind {
                    let amount = m.amount.as_deref().map(|a| format!(" ({a})")).unwrap_or_default();
                    let text = if m.text.is_empty() { String::new() } else { format!(": {}", m.text) };
                    let message = format!("{} on {}{amount}{text}", m.author, m.platform);
                    out.push(n(kind, Level::Info, message, None, format!("chat:{}:{}", m.platform, m.platform_id)));
                }
            }
            // Emitted on changes only (low, full, fine again); the gate holds repeats.
            Event::Disk { low: true, full, message } => {
                out.push(n(Kind::LowDisk, if *full { Level::Error } else { Level::Warning }, message.clone(), None, "disk".into()));
            }
            _ => {}
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::feed::FeedId;

    struct Box1;
    impl Lookup for Box1 {
        fn destination_name(&self, id: i64) -> Option<String> {
            (id == 1).then(|| "Twitch".to_string())
        }
        fn show_id(&self) -> Option<i64> {
            Some(7)
        }
    }

    fn kinds(c: &mut Classifier, e: Event) -> Vec<&'static str> {
        c.handle(&e, "2026-12-07T15:00:00Z", &Box1).iter().map(|n| n.kind.as_str()).collect()
    }

    fn dest(state: OutState) -> Event {
        Event::Destination { id: 1, state, error: Some("connection refused".into()) }
    }

    #[test]
    fn changes_are_told_once_and_repeats_not_at_all() {
        let mut c = Classifier::default();
        let show = |live| Event::Show { live, paused: false, on_air: "feed" };
        assert_eq!(kinds(&mut c, show(true)), ["show_started"]);
        assert!(kinds(&mut c, show(true)).is_empty(), "the same state again");
        assert!(kinds(&mut c, dest(OutState::Connecting)).is_empty());
        assert!(kinds(&mut c, dest(OutState::Live)).is_empty(), "a first connection is no recovery");
        assert_eq!(kinds(&mut c, dest(OutState::Reconnecting)), ["destination_reconnecting"]);
        assert!(kinds(&mut c, dest(OutState::Reconnecting)).is_empty());
        assert_eq!(kinds(&mut c, dest(OutState::Failed)), ["destination_failed"]);
        assert_eq!(kinds(&mut c, dest(OutState::Live)), ["destination_recovered"]);
        let n = c.handle(&dest(OutState::Failed), "t", &Box1).remove(0);
        assert_eq!(
            (n.message.as_str(), n.destination.as_deref(), n.show_id, n.level),
            ("Twitch failed: connection refused", Some("Twitch"), Some(7), Level::Error)
        );
        let ingest = |connected| Event::Ingest { feed: FeedId::Main, connected, proto: None, peer: None };
        assert_eq!(kinds(&mut c, ingest(false)), ["feed_lost"]);
        assert!(kinds(&mut c, ingest(false)).is_empty());
        assert_eq!(kinds(&mut c, ingest(true)), ["feed_back"]);
        assert!(kinds(&mut c, ingest(true)).is_empty());
        assert_eq!(kinds(&mut c, show(false)), ["show_ended"]);
        assert!(kinds(&mut c, ingest(false)).is_empty(), "a feed that ends after the show is no alert");
    }

    #[test]
    fn obs_guests_and_the_disk() {
        let mut c = Classifier::default();
        assert!(kinds(&mut c, Event::Obs(ObsEvent::Disconnected { error: None })).is_empty(), "never connected: nothing lost");
        kinds(&mut c, Event::Obs(ObsEvent::Connected { version: "32.0.2".into() }));
        assert_eq!(kinds(&mut c, Event::Obs(ObsEvent::Disconnected { error: Some("closed".into()) })), ["obs_lost"]);
        assert!(kinds(&mut c, Event::Obs(ObsEvent::Disconnected { error: None })).is_empty());
        assert_eq!(kinds(&mut c, Event::Guest(GuestEvent::Joined { id: "a".into(), name: "Ana".into() })), ["guest_joined"]);
        assert_eq!(kinds(&mut c, Event::Guest(GuestEvent::Left { id: "a".into(), name: "Ana".into(), reason: "left".into() })), ["guest_left"]);
        let disk = |low| Event::Disk { low, full: low, message: "the data disk is full".into() };
        assert_eq!(kinds(&mut c, disk(true)), ["low_disk"]);
        assert!(kinds(&mut c, disk(false)).is_empty(), "space again is no alert");
        let low = c.handle(&Event::Disk { low: true, full: false, message: "low disk: 90 MB free".into() }, "t", &Box1).remove(0);
        assert_eq!(low.level, Level::Warning, "low is a warning, full an error");
    }

    #[test]
    fn the_audience_s_events_from_the_chat() {
        let mut c = Classifier::default();
        let chat = |kind: &'static str, amount: Option<&str>| {
            let mut m = crate::platforms::chat::ChatMessage::new("twitch", kind, "id1", "Raider", "15 raiders from Raider", 0);
            m.amount = amount.map(str::to_string);
            Event::Chat(m)
        };
        assert_eq!(kinds(&mut c, chat("raid", Some("15 viewers"))), ["raid"]);
        assert_eq!(kinds(&mut c, chat("follow", None)), ["follower"]);
        assert_eq!(kinds(&mut c, chat("subscription", None)), ["sub"]);
        assert_eq!(kinds(&mut c, chat("super_chat", Some("R$ 10,00"))), ["tip"]);
        assert!(kinds(&mut c, chat("message", None)).is_empty(), "plain chat is no alert");
        let n = c.handle(&chat("raid", Some("15 viewers")), "t", &Box1).remove(0);
        assert_eq!(n.message, "Raider on twitch (15 viewers): 15 raiders from Raider");
    }

    #[test]
    fn the_report_says_how_the_show_went() {
        use crate::store::shows::{Show, ShowDest};
        let d = |name: &str, kbps, reconnects, peak| ShowDest {
            destination_id: 1,
            name: name.into(),
            platform: "twitch".into(),
            bytes: 0,
            avg_kbps: kbps,
            reconnects,
            peak_viewers: peak,
            live_s: 0,
        };
        let show = Show {
            id: 4,
            started_at: 0,
            ended_at: Some(3725),
            end_reason: None,
            duration_s: 3725,
            bytes: 0,
            destinations: vec![d("Twitch", 5800, 2, Some(120)), d("Friend", 2500, 1, None)],
        };
        assert_eq!(
            report(&show),
            "the show has ended after 1 h 02 min: Twitch: 5.8 Mb/s on average, 2 reconnects, peak 120 viewers; Friend: 2.5 Mb/s on average, 1 reconnect"
        );
        assert_eq!(report(&Show { destinations: vec![], duration_s: 75, ..show }), "the show has ended after 1 min 15 s");
    }

    #[test]
    fn kinds_have_the_names_rules_use() {
        for k in Kind::ROUTABLE {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(Kind::parse("test"), None, "a test is not routed");
        assert_eq!(Kind::parse("nope"), None);
    }
}
