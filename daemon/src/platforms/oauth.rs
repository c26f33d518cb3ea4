//! OAuth 2.0 device authorization (RFC 8628) and token refresh: the steps and the answers are the
//! same everywhere; each platform builds its own requests (`Platform::device_code` and the rest).
use std::time::Duration;

use serde_json::Value;

use super::http::{self, error_message, Gate, PlatformError, Result};
use super::{Kind, Urls};
use crate::store::platforms::{Account, Tokens};

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The standard refresh-token grant (RFC 6749 section 6), as Twitch and Google take it.
pub fn refresh_grant(http: &reqwest::Client, token_url: String, a: &Account, t: &Tokens) -> Result<reqwest::RequestBuilder> {
    let rt = t.refresh.as_deref().ok_or_else(|| PlatformError::Unauthorized("no refresh token".into()))?;
    let secret = a.client_secret.as_deref().unwrap_or_default();
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", a.client_id.as_str())];
    if !secret.is_empty() {
        form.push(("client_secret", secret));
    }
    Ok(http.post(token_url).form(&form))
}

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

fn tokens_from(v: &Value) -> Option<Tokens> {
    let access = v["access_token"].as_str()?.to_string();
    Some(Tokens {
        access,
        refresh: v["refresh_token"].as_str().map(str::to_string),
        expires_at: v["expires_in"].as_i64().filter(|s| *s > 0).map(|s| crate::store::now() + s),
    })
}

pub async fn start(c: &reqwest::Client, gate: &Gate, urls: &Urls, kind: Kind, a: &Account) -> Result<DeviceCode> {
    let req = kind.platform().device_code(c, urls, a);
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
    let req = kind.platform().device_token(c, urls, a, &dc.device_code);
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
    let req = kind.platform().refresh(c, urls, a, t)?;
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
