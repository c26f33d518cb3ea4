//! Linked platform accounts over HTTP: app credentials, the device flow, unlink, title on all,
//! stream keys from the account, and the unified chat (plus the overlay page for OBS).
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::error::{ApiError, Json};
use super::AppState;
use crate::core::{Command, Secret};
use crate::platforms::{Kind, LinkError, PlatformError};

fn kind(p: &str) -> Result<Kind, ApiError> {
    Kind::parse(p).ok_or_else(|| match p {
        "tiktok" | "instagram" => ApiError::invalid(format!("{p} has no public live API: add it as a stream-key destination")),
        _ => ApiError::not_found(),
    })
}

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            e @ LinkError::NoApp(..) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_app", e.to_string()),
            LinkError::Platform(e) => e.into(),
            LinkError::Store(e) => e.into(),
        }
    }
}

impl From<PlatformError> for ApiError {
    fn from(e: PlatformError) -> Self {
        match e {
            PlatformError::RateLimited(_) => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.to_string()),
            PlatformError::NotLinked(_) | PlatformError::Unauthorized(_) => ApiError::new(StatusCode::CONFLICT, "not_linked", e.to_string()),
            PlatformError::Api(_) | PlatformError::Network(_) => ApiError::new(StatusCode::BAD_GATEWAY, "platform_error", e.to_string()),
        }
    }
}

pub async fn list(State(st): State<AppState>) -> impl IntoResponse {
    axum::Json(st.core.platforms().list())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppBody {
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    /// Twitch: a channel whose chat to read without linking an account.
    #[serde(default)]
    channel: Option<String>,
}

pub async fn set_app(State(st): State<AppState>, Path(p): Path<String>, Json(b): Json<AppBody>) -> Result<impl IntoResponse, ApiError> {
    let k = kind(&p)?;
    let ok = |s: &str, max: usize| s.len() <= max && !s.chars().any(|c| c.is_control() || c.is_whitespace());
    if !ok(b.client_id.trim(), 256) || b.client_secret.as_deref().is_some_and(|s| !ok(s, 512)) {
        return Err(ApiError::invalid("client_id and client_secret are single words (no spaces), at most 256/512 characters"));
    }
    let channel = b.channel.unwrap_or_default();
    if !channel.is_empty() && (channel.len() > 64 || !channel.trim_start_matches('#').chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
        return Err(ApiError::invalid("channel is a Twitch login: letters, digits and _"));
    }
    let cmd = Command::SetPlatformApp { platform: k, client_id: b.client_id, client_secret: b.client_secret.map(Secret), channel };
    st.core.execute(cmd).await?;
    Ok(axum::Json(st.core.platforms().status(k)))
}

pub async fn link(State(st): State<AppState>, Path(p): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let k = kind(&p)?;
    Ok(axum::Json(st.core.execute(Command::LinkPlatform(k)).await?.device_code()?))
}

pub async fn unlink(State(st): State<AppState>, Path(p): Path<String>) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::UnlinkPlatform(kind(&p)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TitleBody {
    title: String,
    #[serde(default)]
    category: Option<String>,
}

fn results(r: Vec<(Kind, Result<(), PlatformError>)>) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (k, r) in r {
        out.insert(
            k.name().into(),
            match r {
                Ok(()) => json!({"ok": true}),
                Err(e) => json!({"ok": false, "error": e.to_string()}),
            },
        );
    }
    json!({ "results": out })
}

pub async fn set_title(State(st): State<AppState>, Json(b): Json<TitleBody>) -> Result<impl IntoResponse, ApiError> {
    let title = b.title.trim();
    if title.is_empty() || title.chars().count() > 140 {
        return Err(ApiError::invalid("title must be 1 to 140 characters"));
    }
    let cmd = Command::SetTitle { title: title.to_string(), category: b.category.map(|c| c.trim().to_string()) };
    Ok(axum::Json(results(st.core.execute(cmd).await?.results()?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    /// Put the key on this destination; without it, a new destination is made.
    #[serde(default)]
    destination_id: Option<i64>,
}

/// Fetches the account's stream key into a destination; the key itself never comes back.
pub async fn import_key(State(st): State<AppState>, Path(p): Path<String>, body: axum::body::Bytes) -> Result<impl IntoResponse, ApiError> {
    let k = kind(&p)?;
    let body: Option<KeyBody> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?)
    };
    let into = body.and_then(|b| b.destination_id);
    let d = st.core.execute(Command::ImportStreamKey { platform: k, into }).await?.destination()?;
    Ok((StatusCode::OK, axum::Json(d)))
}

#[derive(Deserialize)]
pub struct Since {
    #[serde(default)]
    since: Option<String>,
}

fn chat_since(st: &AppState, q: &Since) -> Result<serde_json::Value, ApiError> {
    let since = match q.since.as_deref() {
        None | Some("") => 0,
        Some(s) => s.parse().map_err(|_| ApiError::bad_request("since is the `last` number of a previous answer"))?,
    };
    let (messages, last) = st.core.platforms().chat.since(since);
    Ok(json!({ "messages": messages, "last": last }))
}

pub async fn chat(State(st): State<AppState>, Query(q): Query<Since>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(chat_since(&st, &q)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    text: String,
}

pub async fn send_chat(State(st): State<AppState>, Json(b): Json<SendBody>) -> Result<impl IntoResponse, ApiError> {
    let text = b.text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(ApiError::invalid("a chat message is 1 to 200 characters"));
    }
    Ok(axum::Json(results(st.core.execute(Command::SendChat(text.to_string())).await?.results()?)))
}

/// The overlay's feed: public on the LAN like the guest view pages (OBS's browser source has no
/// login), read-only, and carrying nothing but what viewers already saw in public chat.
pub async fn overlay_feed(State(st): State<AppState>, Query(q): Query<Since>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(chat_since(&st, &q)?))
}

static OVERLAY: super::headers::Page = super::headers::Page::new(include_str!("../../../web/overlay/chat.html"));

pub async fn overlay_page() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], OVERLAY.respond(StatusCode::OK, OVERLAY.template()))
}

static ALERTS: super::headers::Page = super::headers::Page::new(include_str!("../../../web/overlay/alerts.html"));

/// The alerts overlay (follows, subs, raids, tips, one at a time): the chat overlay's feed, public
/// on the LAN for the same reason.
pub async fn alerts_page() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], ALERTS.respond(StatusCode::OK, ALERTS.template()))
}
