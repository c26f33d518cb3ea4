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

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

fn csv_field(s: &str) -> String {
    // Quoted when it holds a separator, a quote or a line break; a leading = + - @ is defused so a
    // spreadsheet does not take a destination's name for a formula.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The show history for a spreadsheet or a script: `format=csv` (a row per show and destination)
/// or `json` (the shows as `GET /shows` gives them), as a download.
pub async fn export(State(st): State<AppState>, axum::extract::Query(q): axum::extract::Query<ExportQuery>) -> Result<axum::response::Response, ApiError> {
    let shows = st.core.store().list_shows(500)?;
    let time = |t: Option<i64>| t.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|t| t.to_rfc3339()).unwrap_or_default();
    let (ctype, ext, body) = match q.format.as_deref().unwrap_or("json") {
        "json" => ("application/json", "json", serde_json::to_string_pretty(&shows).unwrap_or_default()),
        "csv" => {
            let mut out =
                String::from("show_id,started_at,ended_at,duration_s,end_reason,destination,platform,bytes,avg_kbps,reconnects,peak_viewers,live_s\r\n");
            for s in &shows {
                let head =
                    format!("{},{},{},{},{}", s.id, time(Some(s.started_at)), time(s.ended_at), s.duration_s, csv_field(s.end_reason.as_deref().unwrap_or("")));
                if s.destinations.is_empty() {
                    out.push_str(&format!("{head},,,,,,,\r\n"));
                }
                for d in &s.destinations {
                    let peak = d.peak_viewers.map(|v| v.to_string()).unwrap_or_default();
                    out.push_str(&format!(
                        "{head},{},{},{},{},{},{peak},{}\r\n",
                        csv_field(&d.name),
                        csv_field(&d.platform),
                        d.bytes,
                        d.avg_kbps,
                        d.reconnects,
                        d.live_s
                    ));
                }
            }
            ("text/csv; charset=utf-8", "csv", out)
        }
        _ => return Err(ApiError::invalid("format is csv or json")),
    };
    let name = format!("onair-shows-{}.{ext}", chrono::Utc::now().format("%Y%m%d"));
    Ok(axum::response::Response::builder()
        .header(axum::http::header::CONTENT_TYPE, ctype)
        .header(axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""))
        .body(axum::body::Body::from(body))
        .expect("a valid response"))
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

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(super::csv_field("Twitch"), "Twitch");
        assert_eq!(super::csv_field("a, b"), "\"a, b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
