//! Show history (`GET /shows`, `GET /shows/{id}`) and the alert settings (`GET, PUT /settings`).
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::json;

use super::error::{ApiError, Json};
use super::{parse_id, AppState};
use crate::core::history::{DEFAULT_FLOOR_KBPS, DEFAULT_LOW_DISK_MB};

pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().list_shows(100)?))
}

pub async fn one(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let (show, samples) = st.core.store().show(parse_id(&id)?)?;
    let mut v = serde_json::to_value(show).unwrap_or_default();
    v["samples"] = serde_json::to_value(samples).unwrap_or_default();
    Ok(axum::Json(v))
}

fn settings(st: &AppState) -> serde_json::Value {
    json!({
        "bitrate_floor_kbps": st.core.setting_u64("bitrate_floor_kbps", DEFAULT_FLOOR_KBPS),
        "low_disk_mb": st.core.setting_u64("low_disk_mb", DEFAULT_LOW_DISK_MB),
        "silence_alert_s": st.core.setting_u64("silence_alert_s", crate::core::history::DEFAULT_SILENCE_S),
    })
}

pub async fn get_settings(State(st): State<AppState>) -> impl IntoResponse {
    axum::Json(settings(&st))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    bitrate_floor_kbps: Option<u64>,
    low_disk_mb: Option<u64>,
    silence_alert_s: Option<u64>,
}

pub async fn put_settings(State(st): State<AppState>, Json(b): Json<SettingsBody>) -> Result<impl IntoResponse, ApiError> {
    if b.bitrate_floor_kbps.is_some_and(|v| v > 200_000) {
        return Err(ApiError::invalid("bitrate_floor_kbps is 0 (off) to 200000"));
    }
    if b.low_disk_mb.is_some_and(|v| v > 100_000_000) {
        return Err(ApiError::invalid("low_disk_mb is 0 (off) to 100000000"));
    }
    if b.silence_alert_s.is_some_and(|v| v > 3600) {
        return Err(ApiError::invalid("silence_alert_s is 0 (off) to 3600"));
    }
    st.core
        .execute(crate::core::Command::SetAlertSettings {
            bitrate_floor_kbps: b.bitrate_floor_kbps,
            low_disk_mb: b.low_disk_mb,
            silence_alert_s: b.silence_alert_s,
        })
        .await?;
    Ok(axum::Json(settings(&st)))
}
