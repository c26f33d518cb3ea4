//! Platforms: the user's Twitch, YouTube and Facebook accounts, linked through the OAuth device
//! flow. One task per platform polls the platform's own view of the stream (live, viewers,
//! followers...) and its chat; Twitch chat comes over IRC. Every call goes through `http`, which
//! times out and honours rate limits, and nothing here is on the media path: a platform that is
//! down only shows as an error on its card. Owns the accounts' tokens (sealed in the store) and
//! their pollers; changed only by the core's commands, its events go to the core.
pub mod chat;
mod facebook;
pub mod http;
pub mod oauth;
pub mod presets;
pub mod twitch;
mod youtube;

use crate::alert::Level;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Notify};

use crate::backoff::Backoff;
use crate::store::platforms::Account;
use crate::store::Store;
use chat::{now_ms, ChatMessage, Feed};
pub use http::PlatformError;
use http::{Gate, Result};
pub use oauth::DeviceCode;

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

    pub fn set_app(&self, k: Kind, client_id: &str, client_secret: Option<&str>, channel: &str) -> std::result::Result<(), crate::store::StoreError> {
        self.store.set_platform_app(k.name(), client_id.trim(), client_secret, channel.trim().trim_start_matches('#'))?;
        self.sync_account(k, &self.account(k));
        self.slot(k).wake.notify_one();
        self.irc_wake.notify_one();
        Ok(())
    }

    /// Starts the device flow: the code for the user now, the wait for approval in the background.
    pub async fn link(self: &Arc<Self>, k: Kind) -> std::result::Result<DeviceCode, LinkError> {
        let a = self.account(k);
        if a.client_id.is_empty() {
            return Err(LinkError::NoApp(k.label(), k.name()));
        }
        let slot = self.slot(k);
        let dc = oauth::start(&self.http, &slot.gate, &self.settings.urls, k, &a).await?;
        self.publish(k, |s| {
            s.linking = Some(dc.clone());
            s.error = None;
        });
        let me = self.clone();
        let dc2 = dc.clone();
        let task = tokio::spawn(async move { me.wait_for_approval(k, a, dc2).await });
        if let Some(old) = slot.link_task.lock().unwrap().replace(task) {
            old.abort();
        }
        Ok(dc)
    }

    async fn wait_for_approval(self: Arc<Self>, k: Kind, a: Account, dc: DeviceCode) {
        let slot = self.slot(k);
        let deadline = Instant::now() + Duration::from_secs(dc.expires_in);
        let mut slow = 0;
        let outcome = loop {
            tokio::time::sleep(oauth::poll_interval(&dc, slow)).await;
            if Instant::now() > deadline {
                break Err("the code expired before it was approved; start again".to_string());
            }
            match oauth::poll(&self.http, &slot.gate, &self.settings.urls, k, &a, &dc).await {
                Ok(oauth::Poll::Pending) => {}
                Ok(oauth::Poll::SlowDown) => slow += 5,
                Ok(oauth::Poll::Failed(e)) => break Err(e),
                Ok(oauth::Poll::Done(t)) => break Ok(t),
                Err(PlatformError::RateLimited(d)) => tokio::time::sleep(d).await,
                Err(e) => tracing::warn!(platform = k.name(), "device flow poll: {e}"),
            }
        };
        let result = match outcome {
            Ok(t) => {
                let ctx = Ctx { http: &self.http, gate: &slot.gate, urls: &self.settings.urls, account: &a, token: &t.access };
                match self.me(k, &ctx).await {
                    Ok((id, name, login)) => {
                        let saved = self.store.set_platform_tokens(k.name(), &t, Some((&id, &name))).and_then(|_| {
                            if k == Kind::Twitch && a.channel.is_empty() {
                                self.store.set_platform_app(k.name(), &a.client_id, None, &login)
                            } else {
                                Ok(())
                            }
                        });
                        saved.map(|_| name).map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(e),
        };
        match &result {
            Ok(name) => {
                tracing::info!(platform = k.name(), "account linked");
                self.alert(Level::Info, format!("{} linked as {name}", k.label()));
            }
            Err(e) => self.alert(Level::Warning, format!("{} link failed: {e}", k.label())),
        }
        self.publish(k, |s| {
            s.linking = None;
            s.error = result.err();
        });
        *slot.followers_seen.lock().unwrap() = None;
        slot.wake.notify_one();
        self.irc_wake.notify_one();
    }

    pub fn unlink(&self, k: Kind) -> std::result::Result<(), crate::store::StoreError> {
        self.store.unlink_platform(k.name())?;
        if let Some(t) = self.slot(k).link_task.lock().unwrap().take() {
            t.abort();
        }
        *self.slot(k).info.lock().unwrap() = LiveInfo::default();
        self.sync_account(k, &self.account(k));
        self.slot(k).wake.notify_one();
        self.irc_wake.notify_one();
        Ok(())
    }

    async fn me(&self, k: Kind, c: &Ctx<'_>) -> Result<(String, String, String)> {
        match k {
            Kind::Twitch => twitch::me(c).await,
            Kind::Youtube => youtube::me(c).await,
            Kind::Facebook => facebook::me(c).await,
        }
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

    async fn run(self: Arc<Self>, k: Kind) {
        loop {
            let wait = self.cycle(k).await;
            let slot = self.slot(k);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = slot.wake.notified() => {}
            }
        }
    }

    /// One poll of one platform; returns how long to wait before the next.
    async fn cycle(&self, k: Kind) -> Duration {
        let poll = self.settings.poll;
        let a = self.account(k);
        self.sync_account(k, &a);
        let linked = a.tokens.is_some();
        if !linked || a.needs_relink {
            return Duration::from_secs(3600);
        }
        let mut retried = false;
        loop {
            let token = match self.token(k, &a, retried).await {
                Ok(Some(t)) => t,
                Ok(None) => return Duration::from_secs(3600),
                Err(e) => return self.failed(k, e),
            };
            let slot = self.slot(k);
            let ctx = Ctx { http: &self.http, gate: &slot.gate, urls: &self.settings.urls, account: &a, token: &token };
            let r = match k {
                Kind::Twitch => twitch::status(&ctx).await,
                Kind::Youtube => youtube::status(&ctx).await,
                Kind::Facebook => facebook::status(&ctx).await,
            };
            match r {
                // A 401 with a token we thought good: refresh once, then give up on it.
                Err(PlatformError::Unauthorized(why)) => {
                    if retried || k == Kind::Facebook {
                        self.relink(k, &why);
                        return Duration::from_secs(3600);
                    }
                    retried = true;
                }
                Err(e) => return self.failed(k, e),
                Ok(info) => {
                    self.events_from(k, &info);
                    let next = self.poll_chat(k, &ctx, &info).await;
                    self.publish(k, |s| {
                        s.live = Some(info.live);
                        s.viewers = info.viewers;
                        s.started_at = info.started_at.clone();
                        s.title = info.title.clone();
                        s.category = info.category.clone();
                        s.followers = info.followers;
                        s.subscribers = info.subscribers;
                        s.reactions = info.reactions;
                        s.error = None;
                        s.checked = Some(Instant::now());
                        s.checked_at = Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                    });
                    *slot.info.lock().unwrap() = info;
                    return next.map_or(poll, |n| n.min(poll));
                }
            }
        }
    }

    /// The account's side of the card (app set, linked, chat mode), straight from the store.
    fn sync_account(&self, k: Kind, a: &Account) {
        let linked = a.tokens.is_some();
        let configured = !a.client_id.is_empty();
        let chat_mode = if linked && !a.needs_relink {
            "read-write"
        } else if k == Kind::Twitch && !a.channel.is_empty() {
            "read-only"
        } else {
            "off"
        };
        self.publish(k, |s| {
            s.configured = configured;
            s.linked = linked;
            s.account = a.account_name.clone();
            s.needs_relink = a.needs_relink;
            s.chat = chat_mode;
            if !linked {
                s.live = None;
                s.viewers = None;
                s.started_at = None;
                s.followers = None;
                s.subscribers = None;
                s.reactions = None;
                s.checked = None;
                if s.linking.is_none() {
                    s.error = None;
                }
            }
        });
    }

    fn failed(&self, k: Kind, e: PlatformError) -> Duration {
        let wait = match &e {
            PlatformError::RateLimited(d) => (*d).max(self.settings.poll),
            _ => self.settings.poll,
        };
        tracing::debug!(platform = k.name(), "poll failed: {e}");
        self.publish(k, |s| s.error = Some(e.to_string()));
        wait
    }

    /// New followers and reactions become events (the first poll only sets the baseline).
    fn events_from(&self, k: Kind, info: &LiveInfo) {
        let slot = self.slot(k);
        if k == Kind::Twitch && info.followers.is_some() {
            let mut seen = slot.followers_seen.lock().unwrap();
            let first = seen.is_none();
            let set = seen.get_or_insert_with(HashSet::new);
            for (id, name, at) in info.recent_followers.iter().rev() {
                if set.insert(id.clone()) && !first {
                    let ms = chat::parse_rfc3339_ms(at).unwrap_or_else(now_ms);
                    self.push_chat(ChatMessage::new("twitch", "follow", format!("follow-{id}"), name.clone(), "followed", ms));
                }
            }
        }
        if let Some(total) = info.reactions {
            let mut prev = slot.reactions_seen.lock().unwrap();
            if let Some(p) = *prev {
                if total > p {
                    let mut m =
                        ChatMessage::new("facebook", "reactions", format!("reactions-{total}"), "viewers", format!("+{} reactions", total - p), now_ms());
                    m.amount = Some(format!("{total} total"));
                    self.push_chat(m);
                }
            }
            *prev = Some(total);
        }
    }

    /// YouTube and Facebook chat are polled; returns YouTube's requested wait when shorter.
    async fn poll_chat(&self, k: Kind, ctx: &Ctx<'_>, info: &LiveInfo) -> Option<Duration> {
        let slot = self.slot(k);
        match k {
            Kind::Youtube => {
                let chat_id = info.chat_id.as_deref()?;
                if slot.chat_next.lock().unwrap().is_some_and(|t| t > Instant::now()) {
                    return None;
                }
                let page = slot.chat_page.lock().unwrap().clone();
                match youtube::chat(ctx, chat_id, page.as_deref()).await {
                    Ok((msgs, next, wait_ms)) => {
                        for m in msgs {
                            self.push_chat(m);
                        }
                        *slot.chat_page.lock().unwrap() = next;
                        let wait = Duration::from_millis(wait_ms.max(1000));
                        *slot.chat_next.lock().unwrap() = Some(Instant::now() + wait);
                        Some(wait)
                    }
                    Err(e) => {
                        tracing::debug!("YouTube chat: {e}");
                        None
                    }
                }
            }
            Kind::Facebook => {
                let video = info.video_id.as_deref()?;
                match facebook::comments(ctx, video).await {
                    Ok(msgs) => msgs.into_iter().for_each(|m| self.push_chat(m)),
                    Err(e) => tracing::debug!("Facebook comments: {e}"),
                }
                None
            }
            Kind::Twitch => None,
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
            let r = self
                .with_ctx(k, async |c: &Ctx<'_>, info: LiveInfo| match k {
                    Kind::Twitch => twitch::set_title(c, title, category).await,
                    Kind::Youtube => youtube::set_title(c, &info, title).await,
                    Kind::Facebook => facebook::set_title(c, &info, title).await,
                })
                .await;
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
            let r = self
                .with_ctx(k, async |c: &Ctx<'_>, info: LiveInfo| match k {
                    Kind::Twitch => twitch::send_chat(c, text).await,
                    Kind::Youtube => youtube::send_chat(c, info.chat_id.as_deref(), text).await,
                    Kind::Facebook => facebook::send_chat(c, &info, text).await,
                })
                .await;
            // Twitch's IRC does not echo our own messages back; YouTube and Facebook chat do.
            if r.is_ok() && k == Kind::Twitch {
                let who = self.status(k).account.unwrap_or_else(|| "you".into());
                self.push_chat(ChatMessage::new("twitch", "message", "", who, text, now_ms()));
            }
            (k, r)
        });
        futures_util::future::join_all(jobs).await
    }

    /// The account's stream key (and ingest URL when the platform names one).
    pub async fn stream_key(&self, k: Kind) -> Result<(Option<String>, String)> {
        self.with_ctx(k, async |c: &Ctx<'_>, _| match k {
            Kind::Twitch => twitch::stream_key(c).await,
            Kind::Youtube => youtube::stream_key(c).await,
            Kind::Facebook => Err(PlatformError::Api("Facebook gives a key per live video: paste it from Live Producer".into())),
        })
        .await
    }

    /// Twitch chat over IRC: the linked account's channel, or the configured one anonymously.
    async fn irc(self: Arc<Self>) {
        let mut backoff = Backoff::default();
        loop {
            let a = self.account(Kind::Twitch);
            let usable = a.tokens.as_ref().filter(|_| !a.needs_relink);
            let channel = a.channel.clone();
            if channel.is_empty() {
                self.irc_wake.notified().await;
                continue;
            }
            // IRC logs in as the account (its login is its display name in lower case for ASCII
            // names); otherwise, or for another channel's chat, the anonymous read-only login works.
            let account = usable.and_then(|t| {
                let nick = a.account_name.as_deref()?.to_lowercase();
                nick.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| (t.access.clone(), nick))
            });
            let login = account.as_ref().map(|(t, n)| (t.as_str(), n.as_str()));
            let started = Instant::now();
            let session = twitch::irc_session(&self.settings.urls.twitch_irc, &channel, login, |m| self.push_chat(m));
            let r = tokio::select! {
                r = session => r,
                _ = self.irc_wake.notified() => Ok(()),
            };
            if let Err(e) = r {
                let wait = backoff.next_delay();
                tracing::info!("Twitch chat: {e}; again in {} s", wait.as_secs());
                tokio::time::sleep(wait).await;
                backoff.connection_lasted(started.elapsed());
            } else {
                backoff.reset();
            }
        }
    }
}
