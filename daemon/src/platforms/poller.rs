//! The poller: one task per platform asks it for its view of the stream (live, viewers,
//! followers, title) and its polled chat, turns what changed into chat-feed events and cards, and
//! waits as long as the platform asks (rate limits, YouTube's chat pacing).
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::chat::{self, now_ms, ChatMessage};
use super::{Ctx, Kind, LiveInfo, PlatformError, Platforms};
use crate::store::platforms::Account;

impl Platforms {
    pub(super) async fn run(self: Arc<Self>, k: Kind) {
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
            let r = k.platform().status(&ctx).await;
            match r {
                // A 401 with a token we thought good: refresh once, then give up on it.
                Err(PlatformError::Unauthorized(why)) => {
                    if retried || !k.platform().refresh_after_refusal() {
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
    pub(super) fn sync_account(&self, k: Kind, a: &Account) {
        let linked = a.tokens.is_some();
        let configured = !a.client_id.is_empty();
        let chat_mode = if linked && !a.needs_relink {
            "read-write"
        } else if k.platform().anonymous_chat() && !a.channel.is_empty() {
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
        if info.followers.is_some() {
            let mut seen = slot.followers_seen.lock().unwrap();
            let first = seen.is_none();
            let set = seen.get_or_insert_with(HashSet::new);
            for (id, name, at) in info.recent_followers.iter().rev() {
                if set.insert(id.clone()) && !first {
                    let ms = chat::parse_rfc3339_ms(at).unwrap_or_else(now_ms);
                    self.push_chat(ChatMessage::new(k.name(), "follow", format!("follow-{id}"), name.clone(), "followed", ms));
                }
            }
        }
        if let Some(total) = info.reactions {
            let mut prev = slot.reactions_seen.lock().unwrap();
            if let Some(p) = *prev {
                if total > p {
                    let mut m = ChatMessage::new(k.name(), "reactions", format!("reactions-{total}"), "viewers", format!("+{} reactions", total - p), now_ms());
                    m.amount = Some(format!("{total} total"));
                    self.push_chat(m);
                }
            }
            *prev = Some(total);
        }
    }

    /// Chat the platform is polled for (YouTube's, Facebook's); returns the wait the platform asks
    /// for when it names one.
    async fn poll_chat(&self, k: Kind, ctx: &Ctx<'_>, info: &LiveInfo) -> Option<Duration> {
        let slot = self.slot(k);
        if slot.chat_next.lock().unwrap().is_some_and(|t| t > Instant::now()) {
            return None;
        }
        let page = slot.chat_page.lock().unwrap().clone();
        match k.platform().poll_chat(ctx, info, page.as_deref()).await {
            Ok(None) => None,
            Ok(Some(p)) => {
                for m in p.messages {
                    self.push_chat(m);
                }
                *slot.chat_page.lock().unwrap() = p.next_page;
                *slot.chat_next.lock().unwrap() = p.wait.map(|w| Instant::now() + w);
                p.wait
            }
            Err(e) => {
                tracing::debug!(platform = k.name(), "chat: {e}");
                None
            }
        }
    }
}
