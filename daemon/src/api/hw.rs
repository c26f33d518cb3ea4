//! The box's hardware over HTTP: what it has, the screen as it is now, and simulated button presses
//! that take the same path as a GPIO edge.
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::ApiError;
use super::AppState;
use onair_hw::Button;

fn bridge(st: &AppState) -> Result<&std::sync::Arc<crate::hwbridge::HwBridge>, ApiError> {
    st.hw.as_ref().ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "no_hardware", "the box runs with --hw none"))
}

#[derive(Deserialize)]
pub struct InfoQuery {
    #[serde(default)]
    probe: bool,
}

/// The encoders are the ones found so far (null until something encoded): looking them up loads
/// GStreamer's registry, which a dashboard polling the tally must not cause. `?probe=true` looks now.
pub async fn info(State(st): State<AppState>, axum::extract::Query(q): axum::extract::Query<InfoQuery>) -> Result<impl IntoResponse, ApiError> {
    let hw = bridge(&st)?;
    if q.probe {
        let choice = hw.encoder.clone();
        tokio::task::spawn_blocking(move || choice.name()).await.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    }
    let found = hw.encoder.known();
    Ok(axum::Json(serde_json::json!({
        "backend": hw.backend,
        "encoders": found.as_ref().map(|f| &f.1),
        "encoder": found.as_ref().map(|f| &f.0),
        "system": onair_hw::sysinfo::read(&st.cfg.data_dir),
        "tally": hw.tally(),
        "screen": {"kind": hw.kind, "page": hw.page()},
    })))
}

pub async fn screen(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let hw = bridge(&st)?;
    hw.redraw();
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], hw.png()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PressBody {
    #[serde(default = "default_ms")]
    ms: u64,
}

fn default_ms() -> u64 {
    100
}

pub async fn press(State(st): State<AppState>, Path(name): Path<String>, body: axum::body::Bytes) -> Result<impl IntoResponse, ApiError> {
    let hw = bridge(&st)?.clone();
    let b = Button::parse(&name).ok_or_else(ApiError::not_found)?;
    let ms = if body.iter().all(|c| c.is_ascii_whitespace()) {
        default_ms()
    } else {
        serde_json::from_slice::<PressBody>(&body).map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?.ms
    };
    if !(1..=10_000).contains(&ms) {
        return Err(ApiError::invalid("ms must be 1 to 10000"));
    }
    // Contact closes, stays closed for `ms`, opens: the same edges a GPIO pin would give.
    let mut fired = hw.edge(b, true);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    fired = fired.or(hw.edge(b, false));
    Ok(axum::Json(serde_json::json!({"button": b, "ms": ms, "press": fired})))
}
