//! One HTTP client for every platform call: a timeout on each, 429/Retry-After honoured per
//! platform (no call goes out before the platform said it may), and errors sorted into what the
//! caller must do (relink, wait, or just report).
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

pub const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, thiserror::Error)]
pub enum PlatformError {
    /// The token is not accepted (revoked, expired, wrong scope): the user must link again.
    #[error("the platform refused the account's token: {0}")]
    Unauthorized(String),
    #[error("rate limited by the platform: next try in {} s", .0.as_secs())]
    RateLimited(Duration),
    #[error("{0}")]
    Api(String),
    #[error("no answer from the platform: {0}")]
    Network(String),
    #[error("{0}")]
    NotLinked(String),
}

pub type Result<T> = std::result::Result<T, PlatformError>;

/// Rate-limit memory for one platform.
#[derive(Default)]
pub struct Gate {
    not_before: Mutex<Option<Instant>>,
}

impl Gate {
    pub fn check(&self) -> Result<()> {
        match *self.not_before.lock().unwrap() {
            Some(t) if t > Instant::now() => Err(PlatformError::RateLimited(t - Instant::now() + Duration::from_millis(999))),
            _ => Ok(()),
        }
    }

    pub fn hold(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut nb = self.not_before.lock().unwrap();
        if nb.is_none_or(|t| t < until) {
            *nb = Some(until);
        }
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("onair/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("HTTP client")
}

/// How long the platform asked us to wait: `Retry-After` (seconds) or Twitch's `Ratelimit-Reset`
/// (a Unix time), at least 1 s, at most 15 min.
fn retry_after(h: &reqwest::header::HeaderMap) -> Duration {
    let secs = h
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or_else(|| {
            let reset = h.get("ratelimit-reset")?.to_str().ok()?.trim().parse::<i64>().ok()?;
            Some((reset - crate::store::now()).max(1) as u64)
        })
        .unwrap_or(30);
    Duration::from_secs(secs.clamp(1, 900))
}

/// Pulls a readable message out of the platforms' error bodies (Twitch `message`, Google
/// `error.message` or `error_description`, Graph `error.message`).
pub fn error_message(v: &Value) -> Option<String> {
    let e = &v["error"];
    e["message"].as_str().or(v["message"].as_str()).or(v["error_description"].as_str()).or(e.as_str()).map(str::to_string)
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

/// Sends a request through the platform's gate. 429 holds the gate and fails; 401 is
/// `Unauthorized`; other statuses come back for the caller to read (OAuth endpoints answer 400/428
/// for "pending").
pub async fn send(gate: &Gate, req: RequestBuilder) -> Result<Reply> {
    gate.check()?;
    let r = req.send().await.map_err(|e| PlatformError::Network(e.without_url().to_string()))?;
    let status = r.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let d = retry_after(r.headers());
        gate.hold(d);
        return Err(PlatformError::RateLimited(d));
    }
    let text = r.text().await.map_err(|e| PlatformError::Network(e.without_url().to_string()))?;
    let body = if text.trim().is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    if status == StatusCode::UNAUTHORIZED {
        return Err(PlatformError::Unauthorized(error_message(&body).unwrap_or_else(|| "401".into())));
    }
    Ok(Reply { status, body })
}

/// `send`, then anything but 2xx is an error.
pub async fn call(gate: &Gate, req: RequestBuilder) -> Result<Value> {
    let r = send(gate, req).await?;
    if r.status.is_success() {
        Ok(r.body)
    } else {
        Err(PlatformError::Api(format!("{}: {}", r.status.as_u16(), error_message(&r.body).unwrap_or_default())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_holds_until_the_time_the_platform_gave() {
        let g = Gate::default();
        assert!(g.check().is_ok());
        g.hold(Duration::from_secs(5));
        match g.check() {
            Err(PlatformError::RateLimited(d)) => assert!(d > Duration::from_secs(3) && d <= Duration::from_secs(6), "{d:?}"),
            other => panic!("{other:?}"),
        }
        // A shorter hold never shortens a longer one.
        g.hold(Duration::from_millis(1));
        assert!(g.check().is_err());
    }

    #[test]
    fn retry_after_from_either_header() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Duration::from_secs(7));
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("ratelimit-reset", (crate::store::now() + 20).to_string().parse().unwrap());
        let d = retry_after(&h).as_secs();
        assert!((19..=21).contains(&d), "{d}");
        assert_eq!(retry_after(&reqwest::header::HeaderMap::new()), Duration::from_secs(30));
    }

    #[test]
    fn error_messages_from_each_platform_shape() {
        let twitch = serde_json::json!({"error": "Unauthorized", "status": 401, "message": "Invalid OAuth token"});
        assert_eq!(error_message(&twitch).as_deref(), Some("Invalid OAuth token"));
        let google = serde_json::json!({"error": {"code": 403, "message": "quota", "errors": []}});
        assert_eq!(error_message(&google).as_deref(), Some("quota"));
        let oauth = serde_json::json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."});
        assert_eq!(error_message(&oauth).as_deref(), Some("Token has been expired or revoked."));
        let graph = serde_json::json!({"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}});
        assert_eq!(error_message(&graph).as_deref(), Some("Error validating access token"));
    }
}
