//! The "be right back" slate image: upload (PNG/JPEG, checked by decoding it), fetch, remove.
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gstreamer as gst;
use gstreamer::prelude::*;

use super::error::ApiError;
use super::AppState;
use crate::core::Command;
use crate::media::pipeline::{self, PipelineError};

pub const MAX_IMAGE: usize = 8 << 20;

fn path(st: &AppState) -> Result<std::path::PathBuf, ApiError> {
    st.core.settings().slate_image.clone().ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "no_data_dir", "slate images are not enabled"))
}

#[derive(Debug, thiserror::Error)]
enum DecodeError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("not an image")]
    NotAnImage,
    #[error("{0}")]
    Decoder(#[source] gst::glib::Error),
    #[error("timed out decoding the image")]
    TimedOut,
    #[error("the check stopped: {0}")]
    Stopped(#[from] tokio::task::JoinError),
}

/// Decodes the file once: only a picture GStreamer can read becomes the slate.
fn decodes(file: &std::path::Path) -> Result<(), DecodeError> {
    let desc = format!("filesrc location=\"{}\" ! decodebin ! videoconvert ! fakesink name=sink", file.display().to_string().replace('"', ""));
    let p = pipeline::launch(&desc)?;
    let bus = pipeline::bus(&p)?;
    p.set_state(gst::State::Paused).map_err(|_| DecodeError::NotAnImage)?;
    let r = match bus.timed_pop_filtered(gst::ClockTime::from_seconds(5), &[gst::MessageType::AsyncDone, gst::MessageType::Error]) {
        Some(m) => match m.view() {
            gst::MessageView::AsyncDone(_) => Ok(()),
            gst::MessageView::Error(e) => Err(DecodeError::Decoder(e.error())),
            _ => Err(DecodeError::NotAnImage),
        },
        None => Err(DecodeError::TimedOut),
    };
    let _ = p.set_state(gst::State::Null);
    r
}

pub async fn put(State(st): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<impl IntoResponse, ApiError> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let magic_ok = body.starts_with(&[0x89, b'P', b'N', b'G']) || body.starts_with(&[0xff, 0xd8, 0xff]);
    if !(ct == "image/png" || ct == "image/jpeg") || !magic_ok {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send a PNG or JPEG image with its Content-Type"));
    }
    let dest = path(&st)?;
    let tmp = dest.with_extension("upload");
    std::fs::write(&tmp, &body).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let t2 = tmp.clone();
    let checked = tokio::task::spawn_blocking(move || decodes(&t2)).await.map_err(DecodeError::from).and_then(|r| r);
    if let Err(e) = checked {
        let _ = std::fs::remove_file(&tmp);
        return Err(ApiError::invalid(format!("the image cannot be decoded: {e}")));
    }
    if let Err(e) = st.core.execute(Command::SetSlateImage(Some(tmp.clone()))).await {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    Ok(axum::Json(serde_json::json!({"slate": "image", "bytes": body.len()})))
}

pub async fn get(State(st): State<AppState>) -> Result<Response, ApiError> {
    let p = path(&st)?;
    let data = std::fs::read(&p).map_err(|_| ApiError::not_found())?;
    let ct = if data.starts_with(&[0x89, b'P']) { "image/png" } else { "image/jpeg" };
    Ok(([(header::CONTENT_TYPE, ct)], data).into_response())
}

pub async fn delete(State(st): State<AppState>) -> Result<StatusCode, ApiError> {
    path(&st)?;
    st.core.execute(Command::SetSlateImage(None)).await?;
    Ok(StatusCode::NO_CONTENT)
}
