//! Notification channels and the rules that route alert kinds to them. Settings are checked here
//! (`notify::channels::check`); secrets are write-only like stream keys.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Map, Value};

use super::error::{ApiError, Json};
use super::{parse_id, AppState};
use crate::core::{Command, Secret};
use crate::notify::channels::{self, ChannelError};
use crate::notify::kinds::Kind;
use crate::store::notify::{Channel, Rule};

impl From<ChannelError> for ApiError {
    fn from(e: ChannelError) -> Self {
        let code = match e {
            ChannelError::UnknownKind(_) => "unknown_kind",
            ChannelError::NotYet(_) => "unsupported_kind",
            ChannelError::Invalid(_) => "invalid",
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string())
    }
}

/// A channel as the API shows it: what it is, and how its outbox stands.
fn shown(st: &AppState, c: Channel) -> Result<Value, ApiError> {
    let (pending, last_error, last_sent) = st.core.store().channel_outbox(c.id)?;
    let mut v = serde_json::to_value(&c).unwrap_or_default();
    v["pending"] = pending.into();
    v["last_error"] = last_error.into();
    v["last_sent_at"] = last_sent.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| t.to_rfc3339()).into();
    Ok(v)
}

fn name_of(body: &Map<String, Value>, required: bool) -> Result<Option<String>, ApiError> {
    match body.get("name") {
        None if required => Err(ApiError::invalid("name is required")),
        None => Ok(None),
        Some(v) => {
            let n = v.as_str().map(str::trim).filter(|n| !n.is_empty() && n.chars().count() <= 60);
            n.map(|n| Some(n.to_string())).ok_or_else(|| ApiError::invalid("name must be 1 to 60 characters"))
        }
    }
}

fn enabled_of(body: &Map<String, Value>) -> Result<Option<bool>, ApiError> {
    body.get("enabled").map(|v| v.as_bool().ok_or_else(|| ApiError::invalid("enabled must be true or false"))).transpose()
}

pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let list = st.core.store().list_channels()?;
    Ok(axum::Json(list.into_iter().map(|c| shown(&st, c)).collect::<Result<Vec<_>, _>>()?))
}

pub async fn create(State(st): State<AppState>, Json(body): Json<Map<String, Value>>) -> Result<impl IntoResponse, ApiError> {
    let kind = body.get("kind").and_then(Value::as_str).ok_or_else(|| ApiError::invalid("kind is required"))?.to_string();
    let name = name_of(&body, true)?.unwrap_or_default();
    let checked = channels::check(&kind, &body, None, true)?;
    let cmd =
        Command::CreateChannel { kind, name, settings: checked.settings, secret: checked.secret.map(Secret), enabled: enabled_of(&body)?.unwrap_or(true) };
    let c = st.core.execute(cmd).await?.channel()?;
    Ok((StatusCode::CREATED, axum::Json(shown(&st, c)?)))
}

pub async fn update(State(st): State<AppState>, Path(id): Path<String>, Json(body): Json<Map<String, Value>>) -> Result<impl IntoResponse, ApiError> {
    let id = parse_id(&id)?;
    let cur = st.core.store().channel(id)?.ok_or_else(ApiError::not_found)?;
    if body.get("kind").is_some_and(|k| k.as_str() != Some(cur.kind.as_str())) {
        return Err(ApiError::invalid("a channel's kind cannot change: make a new channel"));
    }
    let checked = channels::check(&cur.kind, &body, Some(&cur.settings), false)?;
    let cmd = Command::UpdateChannel {
        id,
        name: name_of(&body, false)?,
        settings: Some(checked.settings),
        secret: checked.secret.map(Secret),
        enabled: enabled_of(&body)?,
    };
    let c = st.core.execute(cmd).await?.channel()?;
    Ok(axum::Json(shown(&st, c)?))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.execute(Command::DeleteChannel(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn test(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    match st.core.execute(Command::TestChannel(parse_id(&id)?)).await {
        Ok(_) => Ok((StatusCode::ACCEPTED, axum::Json(serde_json::json!({"queued": true})))),
        Err(e) => {
            let e = ApiError::from(e);
            Err(if e.code == "rate_limited" { ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", e.message) } else { e })
        }
    }
}

pub async fn rules(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().notify_rules()?))
}

pub async fn set_rules(State(st): State<AppState>, Json(rules): Json<Vec<Rule>>) -> Result<impl IntoResponse, ApiError> {
    if rules.len() > 50 {
        return Err(ApiError::invalid("at most 50 rules"));
    }
    let known: Vec<i64> = st.core.store().list_channels()?.iter().map(|c| c.id).collect();
    for r in &rules {
        if let Some(k) = r.kinds.iter().find(|k| Kind::parse(k).is_none()) {
            return Err(ApiError::invalid(format!("unknown alert kind {k:?}")));
        }
        if let Some(c) = r.channels.iter().find(|c| !known.contains(c)) {
            return Err(ApiError::invalid(format!("no channel {c}")));
        }
        if r.kinds.is_empty() || r.channels.is_empty() || r.kinds.len() > 32 || r.channels.len() > 32 {
            return Err(ApiError::invalid("a rule names 1 to 32 kinds and 1 to 32 channels"));
        }
    }
    st.core.execute(Command::SetNotifyRules(rules)).await?;
    Ok(axum::Json(st.core.store().notify_rules()?))
}
