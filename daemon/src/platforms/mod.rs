//! Platforms: the user's Twitch, YouTube and Facebook accounts, linked through the OAuth device
//! flow (`link.rs`). One task per platform polls the platform's own view of the stream (live,
//! viewers, followers...) and its chat (`poller.rs`); Twitch chat comes over IRC (`irc.rs`). Each
//! platform's API is behind the `Platform` trait (`platform.rs`), picked in `Kind::platform` only. Every call goes through `http`, which
//! times out and honours rate limits, and nothing here is on the media path: a platform that is
//! down only shows as an error on its card. Owns the accounts' tokens (sealed in the store) and
//! their pollers; changed only by the core's commands, its events go to the core.
pub mod chat;
mod facebook;
pub mod http;
pub mod irc;
mod link;
pub mod oauth;
pub mod platform;
mod poller;
pub mod presets;
mod twitch;
mod youtube;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Notify};

use crate::alert::Level;
use crate::store::platforms::Account;
use crate::store::Store;
use chat::{now_ms, ChatMessage, Feed};
pub use http::PlatformError;
use http::{Gate, Result};
pub use oauth::DeviceCode;
pub use platform::Platform;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Twitch,
    Youtube,
    Facebook,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Twitch, Kind::Youtube, Kind::Facebook];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Twitch => "twitch",
            Kind::Youtube => "youtube",
            Kind::Facebook => "facebook",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The one place that picks a platform's code.
    pub fn platform(self) -> &'static dyn Platform {
        match self {
            Kind::Twitch => &twitch::Twitch,
            Kind::Youtube => &youtube::Youtube,
            Kind::Facebook => &facebook::Facebook,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Twitch => "Twitch",
            Kind::Youtube => "YouTube",
            Kind::Facebook => "Facebook",
        }
    }
}

/// Where each platform lives; configurable so tests and staging can point elsewhere.
#[derive(Debug, Clone)]
pub struct Urls {
    pub twitch_auth: String,
    pub twitch_api: String,
    pub twitch_irc: String,
    pub google_auth: String,
    pub youtube_api: String,
    pub facebook_graph: String,
}

impl Default for Urls {
    fn default() -> Self {
        Urls {
            twitch_auth: "https://id.twitch.tv".into(),
            twitch_api: "https://api.twitch.tv".into(),
            twitch_irc: "wss://irc-ws.chat.twitch.tv:443".into(),
            google_auth: "https://oauth2.googleapis.com".into(),
            youtube_api: "https://www.googleapis.com".into(),
            facebook_graph: "https://graph.facebook.com".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub urls: Urls,
    /// How often each platform is asked for its view of the stream and its chat.
    pub poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { urls: Urls::default(), poll: Duration::from_secs(15) }
    }
}

/// What one poll learnt about the platform's side of the stream.
#[derive(Debug, Clone, Default)]
pub struct LiveInfo {
    pub live: bool,
    pub viewers: Option<u64>,
    pub started_at: Option<String>,
    pub title: Option<String>,
    pub category: Option<String>,
    pub followers: Option<u64>,
    pub subscribers: Option<u64>,
    pub reactions: Option<u64>,
    pub recent_followers: Vec<(String, String, String)>,
    pub chat_id: Option<String>,
    pub video_id: Option<String>,
    pub scheduled_start: Option<String>,
}

pub struct Ctx<'a> {
    http: &'a reqwest::Client,
    gate: &'a Gate,
    urls: &'a Urls,
    account: &'a Account,
    token: &'a str,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Default)]
pub struct PlatformStatus {
    pub platform: &'static str,
    /// The platform has a live API the box talks to (TikTok and Instagram do not).
    pub api: bool,
    /// The user's app (client id) is set.
    pub configured: bool,
    pub linked: bool,
    pub account: Option<String>,
    pub live: Option<bool>,
    pub viewers: Option<u64>,
    pub started_at: Option<String>,
    pub title: Option<String>,
    pub category: Option<String>,
    pub followers: Option<u64>,
    pub subscribers: Option<u64>,
    pub reactions: Option<u64>,
    pub error: Option<String>,
    /// The token was refused: the user must link the account again.
    pub needs_relink: bool,
    /// While a device flow runs: the code to enter and where.
    pub linking: Option<DeviceCode>,
    /// `off`, `read-only` (Twitch without an account) or `read-write`.
    pub chat: &'static str,
    pub checked_at: Option<String>,
    pub note: Option<&'static str>,
    #[serde(skip)]
    checked: Option<Instant>,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // as `core::Event`: short-lived, cloned per subscriber
pub enum PlatformEvent {
    Chat(ChatMessage),
    Status(PlatformStatus),
    Alert { level: crate::alert::Level, message: String },
}

struct Slot {
    gate: Gate,
    status: Mutex<PlatformStatus>,
    info: Mutex<LiveInfo>,
    wake: Notify,
    link_task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    chat_page: Mutex<Option<String>>,
    chat_next: Mutex<Option<Instant>>,
    followers_seen: Mutex<Option<HashSet<String>>>,
    reactions_seen: Mutex<Option<u64>>,
}

pub struct Platforms {
    store: Store,
    http: reqwest::Client,
    settings: Settings,
    slots: Vec<Slot>,
    irc_wake: Notify,
    pub chat: Feed,
    events: broadcast::Sender<PlatformEvent>,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("set the {0} app's client id first (PUT /api/v1/platforms/{1}/app)")]
    NoApp(&'static str, &'static str),
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl Platforms {
    pub fn start(store: Store, settings: Settings) -> Arc<Platforms> {
        let slots = Kind::ALL
            .into_iter()
            .map(|kind| Slot {
                gate: Gate::default(),
                status: Mutex::new(PlatformStatus { platform: kind.name(), api: true, chat: "off", ..Default::default() }),
                info: Mutex::default(),
                wake: Notify::new(),
                link_task: Mutex::new(None),
                chat_page: Mutex::new(None),
                chat_next: Mutex::new(None),
                followers_seen: Mutex::new(None),
                reactions_seen: Mutex::new(None),
            })
            .collect();
        let (events, _) = broadcast::channel(256);
        let p = Arc::new(Platforms { store, http: http::client(), settings, slots, irc_wake: Notify::new(), chat: Feed::default(), events });
        for kind in Kind::ALL {
            tokio::spawn(p.clone().run(kind));
        }
        tokio::spawn(p.clone().irc());
        p
    }

    pub fn subscribe(&self) -> broadcast::Receiver<PlatformEvent> {
        self.events.subscribe()
    }

    fn slot(&self, k: Kind) -> &Slot {
        &self.slots[Kind::ALL.iter().position(|x| *x == k).unwrap()]
    }

    fn account(&self, k: Kind) -> Account {
        self.store.platform_account(k.name()).unwrap_or_default()
    }

    pub fn status(&self, k: Kind) -> PlatformStatus {
        self.slot(k).status.lock().unwrap().clone()
    }

    /// Every platform, TikTok and Instagram included (their state is the box's own output).
    pub fn list(&self) -> Vec<PlatformStatus> {
        let mut v: Vec<_> = Kind::ALL.into_iter().map(|k| self.status(k)).collect();
        for p in ["tiktok", "instagram"] {
            v.push(PlatformStatus {
                platform: p,
                api: false,
                chat: "off",
                note: Some("no public live API: the state shown is the box's own output"),
                ..Default::default()
            });
        }
        v
    }

    /// The platform's own word on whether the stream is live, when it is fresh enough to act on.
    pub fn confirmed_live(&self, platform: &str) -> Option<bool> {
        let s = self.status(Kind::parse(platform)?);
        let fresh = s.checked.is_some_and(|t| t.elapsed() < self.settings.poll * 3 + Duration::from_secs(5));
        (s.linked && !s.needs_relink && s.error.is_none() && fresh).then_some(s.live.unwrap_or(false))
    }

    pub fn viewers(&self, platform: &str) -> Option<u64> {
        let s = self.status(Kind::parse(platform)?);
        if s.linked && s.live == Some(true) {
            s.viewers
        } else {
            None
        }
    }

    fn publish(&self, k: Kind, f: impl FnOnce(&mut PlatformStatus)) {
        let s = {
            let mut s = self.slot(k).status.lock().unwrap();
            f(&mut s);
            s.clone()
        };
        let _ = self.events.send(PlatformEvent::Status(s));
    }

    fn push_chat(&self, m: ChatMessage) {
        if let Some(m) = self.chat.push(m) {
            let _ = self.events.send(PlatformEvent::Chat(m));
        }
    }

    fn alert(&self, level: crate::alert::Level, message: String) {
        let _ = self.events.send(PlatformEvent::Alert { level, message });
    }

    fn relink(&self, k: Kind, why: &str) {
        let _ = self.store.set_platform_needs_relink(k.name());
        self.alert(Level::Error, format!("{}: reconnect the account ({why})", k.label()));
        self.publish(k, |s| {
            s.needs_relink = true;
            s.live = None;
            s.viewers = None;
            s.error = Some(format!("reconnect account: {why}"));
        });
    }

    /// A usable access token: refreshed first when it is about to expire. `None` after a refusal
    /// (the card then says "reconnect account" and nothing polls until the user links again).
    async fn token(&self, k: Kind, a: &Account, force: bool) -> Result<Option<String>> {
        let Some(t) = &a.tokens else { return Ok(None) };
        if !force && !oauth::refresh_due(t) {
            return Ok(Some(t.access.clone()));
        }
        match oauth::refresh(&self.http, &self.slot(k).gate, &self.settings.urls, k, a).await {
            Ok(nt) => {
                tracing::info!(platform = k.name(), "access token refreshed");
                if let Err(e) = self.store.set_platform_tokens(k.name(), &nt, None) {
                    tracing::warn!("token not stored: {e}");
                }
                Ok(Some(nt.access))
            }
            Err(PlatformError::Unauthorized(why)) => {
                self.relink(k, &why);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Runs `f` against a linked platform with a usable token.
    async fn with_ctx<T>(&self, k: Kind, f: impl AsyncFnOnce(&Ctx<'_>, LiveInfo) -> Result<T>) -> Result<T> {
        let a = self.account(k);
        if a.needs_relink {
            return Err(PlatformError::NotLinked(format!("{}: reconnect the account first", k.label())));
        }
        let token = self.token(k, &a, false).await?.ok_or_else(|| PlatformError::NotLinked(format!("{} is not linked", k.label())))?;
        let slot = self.slot(k);
        let ctx = Ctx { http: &self.http, gate: &slot.gate, urls: &self.settings.urls, account: &a, token: &token };
        let info = slot.info.lock().unwrap().clone();
        let r = f(&ctx, info).await;
        if let Err(PlatformError::Unauthorized(why)) = &r {
            self.relink(k, why);
        }
        r
    }

    pub fn linked(&self) -> Vec<Kind> {
        Kind::ALL.into_iter().filter(|k| self.account(*k).tokens.is_some()).collect()
    }

    /// Sets the title (and category where the platform has one) on every linked platform.
    pub async fn set_title(&self, title: &str, category: Option<&str>) -> Vec<(Kind, Result<()>)> {
        let jobs = self.linked().into_iter().map(|k| async move {
            let r = self.with_ctx(k, async |c: &Ctx<'_>, info: LiveInfo| k.platform().set_title(c, &info, title, category).await).await;
            if r.is_ok() {
                self.publish(k, |s| s.title = Some(title.to_string()));
            }
            (k, r)
        });
        futures_util::future::join_all(jobs).await
    }

    /// Sends one chat message to every linked platform that takes one.
    pub async fn send_chat(&self, text: &str) -> Vec<(Kind, Result<()>)> {
        let jobs = self.linked().into_iter().map(|k| async move {
            let r = self.with_ctx(k, async |c: &Ctx<'_>, info: LiveInfo| k.platform().send_chat(c, &info, text).await).await;
            if r.is_ok() && !k.platform().echoes_own_chat() {
                let who = self.status(k).account.unwrap_or_else(|| "you".into());
                self.push_chat(ChatMessage::new(k.name(), "message", "", who, text, now_ms()));
            }
            (k, r)
        });
        futures_util::future::join_all(jobs).await
    }

    /// The account's stream key (and ingest URL when the platform names one).
    pub async fn stream_key(&self, k: Kind) -> Result<(Option<String>, String)> {
        self.with_ctx(k, async |c: &Ctx<'_>, _| k.platform().stream_key(c).await).await
    }
}
