//! Destinations CRUD and per-destination start/stop. The stream key is write-only.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::{parse_id, AppState};
use crate::core::Command;
use crate::fanout::target::Target;
use crate::platforms::presets;
use crate::store::destinations::Change;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDestination {
    name: String,
    platform: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    stream_key: String,
    #[serde(default = "yes")]
    enabled: bool,
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
    enabled: Option<bool>,
}

fn check_name(n: &str) -> Result<String, ApiError> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(ApiError::invalid("name must be 1 to 100 characters"));
    }
    Ok(n.to_string())
}

fn check_platform(p: &str) -> Result<String, ApiError> {
    if !presets::PLATFORMS.contains(&p) {
        return Err(ApiError::invalid(format!("platform must be one of {}", presets::PLATFORMS.join(", "))));
    }
    Ok(p.to_string())
}

fn check_url(platform: &str, url: &str) -> Result<String, ApiError> {
    let t = Target::parse(url, "").map_err(|e| ApiError::invalid(e.to_string()))?;
    if presets::requires_tls(platform) && t.scheme != crate::fanout::target::Scheme::Rtmps {
        return Err(ApiError::invalid(format!("{platform} accepts only rtmps:// ingest")));
    }
    Ok(t.base)
}

fn check_key(k: &str) -> Result<(), ApiError> {
    if k.len() > 512 || k.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::invalid("stream_key must be at most 512 printable characters without spaces"));
    }
    Ok(())
}

pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store.list_destinations()?))
}

pub async fn get_one(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store.destination(parse_id(&id)?)?))
}

pub async fn create(State(st): State<AppState>, Json(d): Json<NewDestination>) -> Result<impl IntoResponse, ApiError> {
    let name = check_name(&d.name)?;
    let platform = check_platform(&d.platform)?;
    let url = match d.url.filter(|u| !u.trim().is_empty()) {
        Some(u) => u,
        None => presets::default_url(&platform)
            .ok_or_else(|| ApiError::invalid("a custom destination needs a url (rtmp://, rtmps:// or srt://)"))?
            .to_string(),
    };
    let url = check_url(&platform, &url)?;
    check_key(&d.stream_key)?;
    let created = st.core.store.create_destination(&name, &platform, &url, &d.stream_key, d.enabled)?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

pub async fn update(State(st): State<AppState>, Path(id): Path<String>, Json(p): Json<Patch>) -> Result<impl IntoResponse, ApiError> {
    let id = parse_id(&id)?;
    let cur = st.core.store.destination(id)?;
    let platform = p.platform.as_deref().map(check_platform).transpose()?;
    let plat = platform.clone().unwrap_or(cur.platform.clone());
    let url = match p.url {
        Some(u) => Some(check_url(&plat, &u)?),
        None if platform.is_some() => Some(check_url(&plat, &cur.url)?),
        None => None,
    };
    if let Some(k) = &p.stream_key {
        check_key(k)?;
    }
    let c = Change { name: p.name.as_deref().map(check_name).transpose()?, platform, url, stream_key: p.stream_key, enabled: p.enabled };
    Ok(axum::Json(st.core.store.update_destination(id, c)?))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    st.core.store.destination(id)?;
    st.core.execute(Command::DestinationRemoved(id)).await?;
    st.core.store.delete_destination(id)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn start(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let id = parse_id(&id)?;
    st.core.execute(Command::StartDestination(id)).await?;
    Ok(axum::Json(serde_json::json!({"ok": true})))
}

pub async fn stop(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let id = parse_id(&id)?;
    st.core.store.destination(id)?;
    st.core.execute(Command::StopDestination(id)).await?;
    Ok(axum::Json(serde_json::json!({"ok": true})))
}

pub async fn presets() -> impl IntoResponse {
    let v: Vec<_> = presets::PLATFORMS
        .iter()
        .map(|p| serde_json::json!({"platform": p, "url": presets::default_url(p), "requires_tls": presets::requires_tls(p)}))
        .collect();
    axum::Json(v)
}
