//! Destinations CRUD and per-destination start/stop. The stream key is write-only.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::{parse_id, AppState};
use crate::core::{Command, NewDestination as Create, Secret};
use crate::fanout::target::{Scheme, Target};
use crate::fanout::url_secrets::{split, Split};
use crate::media::feed::FeedId;
use crate::media::transcode::Output;
use crate::platforms::presets;
use crate::store::destinations::{Change, Destination, MAX_DELAY_S};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDestination {
    name: String,
    platform: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    stream_key: String,
    /// SRT only: the encryption passphrase (write-only).
    #[serde(default)]
    passphrase: Option<String>,
    #[serde(default = "yes")]
    enabled: bool,
    #[serde(default)]
    delay_s: u32,
    #[serde(default)]
    output: Option<Output>,
    #[serde(default = "yes")]
    transcode_fallback: bool,
    /// `"main"` (default) or `"second"`.
    #[serde(default)]
    feed: FeedId,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    name: Option<String>,
    platform: Option<String>,
    url: Option<String>,
    stream_key: Option<String>,
    /// SRT only; `""` removes it.
    passphrase: Option<String>,
    enabled: Option<bool>,
    delay_s: Option<u32>,
    /// `null` goes back to the feed as it is; left out, unchanged.
    #[serde(default, deserialize_with = "present")]
    output: Option<Option<Output>>,
    transcode_fallback: Option<bool>,
    feed: Option<FeedId>,
}

/// A field given as `null` is `Some(None)`, apart from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Output>>, D::Error> {
    Option::<Output>::deserialize(d).map(Some)
}

fn check_output(o: Option<Output>) -> Result<Option<Output>, ApiError> {
    if let Some(o) = &o {
        o.check().map_err(|e| ApiError::invalid(e.to_string()))?;
    }
    Ok(o)
}

fn check_delay(s: u32) -> Result<u32, ApiError> {
    if s > MAX_DELAY_S {
        return Err(ApiError::invalid(format!("delay_s must be 0 to {MAX_DELAY_S}")));
    }
    Ok(s)
}

fn check_name(n: &str) -> Result<String, ApiError> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(ApiError::invalid("name must be 1 to 100 characters"));
    }
    Ok(n.to_string())
}

fn check_platform(p: &str) -> Result<String, ApiError> {
    if presets::preset(p).is_none() {
        return Err(ApiError::invalid(format!("platform must be one of {}", presets::platforms().collect::<Vec<_>>().join(", "))));
    }
    Ok(p.to_string())
}

/// The URL without the secrets pasted inside it, and those secrets (see `fanout::url_secrets`).
fn check_url(platform: &str, url: &str, explicit_key: &str) -> Result<Split, ApiError> {
    let parts = split(url, explicit_key).map_err(|e| ApiError::invalid(e.to_string()))?;
    let t = Target::parse(&parts.url, "").map_err(|e| ApiError::invalid(e.to_string()))?;
    if presets::requires_tls(platform) && t.scheme != Scheme::Rtmps {
        return Err(ApiError::invalid(format!("{platform} accepts only rtmps:// ingest")));
    }
    if let Some(k) = &parts.key {
        check_key(k).map_err(|_| ApiError::invalid("the stream key inside the URL must be at most 512 printable characters without spaces"))?;
    }
    if let Some(p) = &parts.passphrase {
        check_passphrase(p)?;
    }
    Ok(parts)
}

fn check_key(k: &str) -> Result<(), ApiError> {
    if k.len() > 512 || k.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::invalid("stream_key must be at most 512 printable characters without spaces"));
    }
    Ok(())
}

/// libsrt takes 10 to 79 bytes.
pub fn check_passphrase(p: &str) -> Result<(), ApiError> {
    if !p.is_empty() && (!(10..=79).contains(&p.len()) || p.chars().any(|c| c.is_control())) {
        return Err(ApiError::invalid("an SRT passphrase is 10 to 79 printable characters"));
    }
    Ok(())
}

/// The saved destination, and what was moved out of its URL (`moved_from_url`, `notice`).
fn answer(d: Destination, moved: &[&str]) -> serde_json::Value {
    let mut v = serde_json::to_value(&d).unwrap_or_default();
    if !moved.is_empty() {
        let what: Vec<&str> = moved
            .iter()
            .map(|m| match *m {
                "stream_key" => "the stream key",
                "passphrase" => "the SRT passphrase",
                _ => "the user:password part",
            })
            .collect();
        let notice = format!(
            "The URL carried {}: moved out of the URL and stored sealed like a stream key{}. The URL is now {}.",
            what.join(" and "),
            d.stream_key_hint.as_deref().map(|h| format!(" (key {h})")).unwrap_or_default(),
            d.url
        );
        v["moved_from_url"] = serde_json::json!(moved);
        v["notice"] = serde_json::json!(notice);
    }
    v
}

pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().list_destinations()?))
}

pub async fn get_one(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().destination(parse_id(&id)?)?))
}

pub async fn create(State(st): State<AppState>, Json(d): Json<NewDestination>) -> Result<impl IntoResponse, ApiError> {
    let name = check_name(&d.name)?;
    let platform = check_platform(&d.platform)?;
    let url = match d.url.filter(|u| !u.trim().is_empty()) {
        Some(u) => u,
        None => presets::default_url(&platform).ok_or_else(|| ApiError::invalid("a custom destination needs a url (rtmp://, rtmps:// or srt://)"))?.to_string(),
    };
    check_key(&d.stream_key)?;
    let parts = check_url(&platform, &url, &d.stream_key)?;
    if let Some(p) = &d.passphrase {
        check_passphrase(p)?;
    }
    let key = parts.key.clone().filter(|k| !k.is_empty()).unwrap_or(d.stream_key);
    let pass = d.passphrase.or(parts.passphrase.clone()).unwrap_or_default();
    let new = Create {
        name,
        platform,
        url: parts.url.clone(),
        stream_key: Secret(key),
        passphrase: Secret(pass),
        enabled: d.enabled,
        delay_s: check_delay(d.delay_s)?,
        output: check_output(d.output)?,
        transcode_fallback: d.transcode_fallback,
        feed: d.feed,
    };
    let created = st.core.execute(Command::CreateDestination(Box::new(new))).await?.destination()?;
    Ok((StatusCode::CREATED, axum::Json(answer(created, &parts.moved))))
}

pub async fn update(State(st): State<AppState>, Path(id): Path<String>, Json(p): Json<Patch>) -> Result<impl IntoResponse, ApiError> {
    let id = parse_id(&id)?;
    let cur = st.core.store().destination(id)?;
    let platform = p.platform.as_deref().map(check_platform).transpose()?;
    let plat = platform.clone().unwrap_or(cur.platform.clone());
    if let Some(k) = &p.stream_key {
        check_key(k)?;
    }
    if let Some(pp) = &p.passphrase {
        check_passphrase(pp)?;
    }
    let explicit = p.stream_key.as_deref().unwrap_or("");
    let parts = match p.url {
        Some(u) => Some(check_url(&plat, &u, explicit)?),
        None if platform.is_some() => Some(check_url(&plat, &cur.url, explicit)?),
        None => None,
    };
    let moved = parts.as_ref().map(|s| s.moved.clone()).unwrap_or_default();
    // A key inside the new URL replaces the stored one (the user pasted a new full URL).
    let (url, url_key, url_pass) = match parts {
        Some(s) => (Some(s.url), s.key.filter(|k| !k.is_empty()), s.passphrase),
        None => (None, None, None),
    };
    let c = Change {
        name: p.name.as_deref().map(check_name).transpose()?,
        platform,
        url,
        stream_key: url_key.or(p.stream_key),
        passphrase: p.passphrase.or(url_pass),
        enabled: p.enabled,
        delay_s: p.delay_s.map(check_delay).transpose()?,
        output: p.output.map(check_output).transpose()?,
        transcode_fallback: p.transcode_fallback,
        feed: p.feed,
    };
    let d = st.core.execute(Command::UpdateDestination(id, Box::new(c))).await?.destination()?;
    Ok(axum::Json(answer(d, &moved)))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.execute(Command::DeleteDestination(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn start(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::StartDestination(parse_id(&id)?)).await?;
    Ok(axum::Json(serde_json::json!({"ok": true})))
}

pub async fn stop(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::StopDestination(parse_id(&id)?)).await?;
    Ok(axum::Json(serde_json::json!({"ok": true})))
}

pub async fn presets() -> impl IntoResponse {
    axum::Json(presets::PRESETS)
}
