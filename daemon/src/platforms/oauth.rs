//! OAuth 2.0 device authorization (RFC 8628) as Twitch and Google run it, Facebook's own variant
//! (device/login + device/login_status), and token refresh.
use std::time::Duration;

use serde_json::Value;

use super::http::{self, error_message, Gate, PlatformError, Result};
use super::{Kind, Urls};
use crate::store::platforms::{Account, Tokens};

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceCode {
    #[serde(skip)]
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: u64,
    #[serde(skip)]
    pub interval: u64,
}

#[derive(Debug)]
pub enum Poll {
    Pending,
    SlowDown,
    Done(Tokens),
    Failed(String),
}

pub fn scopes(kind: Kind) -> &'static str {
    match kind {
        // Title/category, stream key, followers, subscribers, chat read + send.
        Kind::Twitch => {
            "channel:manage:broadcast channel:read:stream_key moderator:read:followers channel:read:subscriptions user:read:chat user:write:chat chat:read"
        }
        Kind::Youtube => "https://www.googleapis.com/auth/youtube",
        Kind::Facebook => "public_profile,publish_video",
    }
}

fn tokens_from(v: &Value) -> Option<Tokens> {
    let access = v["access_token"].as_str()?.to_string();
    Some(Tokens {
        access,
        refresh: v["refresh_token"].as_str().map(str::to_string),
        expires_at: v["expires_in"].as_i64().filter(|s| *s > 0).map(|s| crate::store::now() + s),
    })
}

/// Facebook identifies the app as `<app id>|<client token>`.
fn fb_app_token(a: &Account) -> String {
    format!("{}|{}", a.client_id, a.client_secret.clone().unwrap_or_default())
}

pub async fn start(c: &reqwest::Client, gate: &Gate, urls: &Urls, kind: Kind, a: &Account) -> Result<DeviceCode> {
    let req = match kind {
        Kind::Twitch => c.post(format!("{}/oauth2/device", urls.twitch_auth)).form(&[("client_id", a.client_id.as_str()), ("scopes", scopes(kind))]),
        Kind::Youtube => c.post(format!("{}/device/code", urls.google_auth)).form(&[("client_id", a.client_id.as_str()), ("scope", scopes(kind))]),
        Kind::Facebook => {
            c.post(format!("{}/v19.0/device/login", urls.facebook_graph)).form(&[("access_token", fb_app_token(a).as_str()), ("scope", scopes(kind))])
        }
    };
    let v = http::call(gate, req).await?;
    let s = |k: &str| v[k].as_str().map(str::to_string);
    let device_code = s("device_code").or_else(|| s("code"));
    let user_code = s("user_code");
    // Google names it verification_url.
    let verification_uri = s("verification_uri").or_else(|| s("verification_url"));
    match (device_code, user_code, verification_uri) {
        (Some(device_code), Some(user_code), Some(verification_uri)) => Ok(DeviceCode {
            device_code,
            user_code,
            verification_uri,
            expires_in: v["expires_in"].as_u64().unwrap_or(600),
            interval: v["interval"].as_u64().unwrap_or(5).max(1),
        }),
        _ => Err(PlatformError::Api(format!("unexpected device-code answer: {v}"))),
    }
}

pub async fn poll(c: &reqwest::Client, gate: &Gate, urls: &Urls, kind: Kind, a: &Account, dc: &DeviceCode) -> Result<Poll> {
    const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
    let secret = a.client_secret.clone().unwrap_or_default();
    let req = match kind {
        Kind::Twitch => c.post(format!("{}/oauth2/token", urls.twitch_auth)).form(&[
            ("client_id", a.client_id.as_str()),
            ("scopes", scopes(kind)),
            ("device_code", dc.device_code.as_str()),
            ("grant_type", GRANT),
        ]),
        Kind::Youtube => c.post(format!("{}/token", urls.google_auth)).form(&[
            ("client_id", a.client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("device_code", dc.device_code.as_str()),
            ("grant_type", GRANT),
        ]),
        Kind::Facebook => c
            .post(format!("{}/v19.0/device/login_status", urls.facebook_graph))
            .form(&[("access_token", fb_app_token(a).as_str()), ("code", dc.device_code.as_str())]),
    };
    let r = http::send(gate, req).await?;
    if r.status.is_success() {
        return Ok(tokens_from(&r.body).map(Poll::Done).unwrap_or_else(|| Poll::Failed(format!("no access_token in {}", r.body))));
    }
    // RFC 8628 errors: Twitch puts them in `message`, Google in `error`; Graph uses subcodes.
    let code = r.body["error"].as_str().or(r.body["message"].as_str()).unwrap_or_default();
    let sub = r.body["error"]["error_subcode"].as_i64();
    Ok(match (code, sub) {
        ("authorization_pending", _) | (_, Some(1349174)) => Poll::Pending,
        ("slow_down", _) | (_, Some(1349172)) => Poll::SlowDown,
        _ => Poll::Failed(error_message(&r.body).unwrap_or_else(|| format!("{}", r.status))),
    })
}

/// A fresh access token from the refresh token. `Unauthorized` when the platform no longer
/// honours it (revoked, expired): only a new link helps then.
pub async fn refresh(c: &reqwest::Client, gate: &Gate, urls: &Urls, kind: Kind, a: &Account) -> Result<Tokens> {
    let t = a.tokens.as_ref().ok_or_else(|| PlatformError::NotLinked("not linked".into()))?;
    let secret = a.client_secret.clone().unwrap_or_default();
    let req = match kind {
        Kind::Facebook => {
            // Graph has no refresh token; a long-lived token is renewed by exchanging it.
            c.get(format!("{}/v19.0/oauth/access_token", urls.facebook_graph)).query(&[
                ("grant_type", "fb_exchange_token"),
                ("client_id", a.client_id.as_str()),
                ("client_secret", secret.as_str()),
                ("fb_exchange_token", t.access.as_str()),
            ])
        }
        _ => {
            let rt = t.refresh.as_deref().ok_or_else(|| PlatformError::Unauthorized("no refresh token".into()))?;
            let url = if kind == Kind::Twitch { format!("{}/oauth2/token", urls.twitch_auth) } else { format!("{}/token", urls.google_auth) };
            let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", a.client_id.as_str())];
            if !secret.is_empty() {
                form.push(("client_secret", secret.as_str()));
            }
            c.post(url).form(&form)
        }
    };
    let r = http::send(gate, req).await?;
    if r.status.is_success() {
        return tokens_from(&r.body).ok_or_else(|| PlatformError::Api(format!("no access_token in {}", r.body)));
    }
    let msg = error_message(&r.body).unwrap_or_else(|| r.status.to_string());
    if r.status.is_client_error() {
        Err(PlatformError::Unauthorized(msg))
    } else {
        Err(PlatformError::Api(msg))
    }
}

/// Refresh five minutes before the platform's expiry (Twitch ~4 h, Google 1 h tokens).
pub fn refresh_due(t: &Tokens) -> bool {
    t.expires_at.is_some_and(|at| at - crate::store::now() < 300)
}

pub fn poll_interval(dc: &DeviceCode, slow: u64) -> Duration {
    Duration::from_secs(dc.interval + slow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_is_due_before_expiry() {
        let now = crate::store::now();
        assert!(!refresh_due(&Tokens { access: "a".into(), refresh: None, expires_at: None }));
        assert!(!refresh_due(&Tokens { access: "a".into(), refresh: None, expires_at: Some(now + 14_000) }));
        assert!(refresh_due(&Tokens { access: "a".into(), refresh: None, expires_at: Some(now + 100) }));
        assert!(refresh_due(&Tokens { access: "a".into(), refresh: None, expires_at: Some(now - 5) }));
    }
}
