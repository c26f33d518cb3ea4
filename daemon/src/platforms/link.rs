//! Linking an account: the user's app (client id), the device flow from the code shown to the
//! user to the tokens stored sealed, and unlinking.
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::oauth::{self, DeviceCode};
use super::platform::Identity;
use super::{Ctx, Kind, LinkError, LiveInfo, PlatformError, Platforms};
use crate::alert::Level;
use crate::store::platforms::Account;

impl Platforms {
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
                match k.platform().me(&ctx).await {
                    Ok(Identity { id, name, login }) => {
                        let saved = self.store.set_platform_tokens(k.name(), &t, Some((&id, &name))).and_then(|_| {
                            if k.platform().anonymous_chat() && a.channel.is_empty() {
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
}
