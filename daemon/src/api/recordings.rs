//! Recordings on the box: settings, start/stop, the list, downloads (with HTTP range requests, so
//! a player can seek and a broken download can resume) and deletion.
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::error::{ApiError, Json};
use super::{parse_id, AppState};
use crate::core::Command;
use crate::store::recordings::RecordingSettings;

pub async fn get_settings(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().recording_settings()?))
}

pub async fn put_settings(State(st): State<AppState>, Json(s): Json<RecordingSettings>) -> Result<impl IntoResponse, ApiError> {
    if s.retention_days > 3650 {
        return Err(ApiError::invalid("retention_days is 0 (keep) to 3650"));
    }
    if s.path.as_ref().is_some_and(|p| p.len() > 1024 || p.contains('\0')) {
        return Err(ApiError::invalid("path must be an absolute folder of at most 1024 characters"));
    }
    st.core.execute(Command::SetRecordingSettings(Box::new(s))).await?;
    Ok(axum::Json(st.core.store().recording_settings()?))
}

pub async fn start(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let r = st.core.execute(Command::StartRecording).await?.recording()?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

pub async fn stop(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.execute(Command::StopRecording).await?.recording()?))
}

pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().list_recordings()?))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.execute(Command::DeleteRecording(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The byte range a `Range` header asks of a file of `len` bytes: `Ok(None)` for the whole file,
/// `Err(())` for a range it cannot satisfy (416). One range only; a list of ranges gets the whole.
pub fn range(h: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = h.and_then(|v| v.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = match (a.is_empty(), b.is_empty()) {
        // The last `b` bytes.
        (true, false) => {
            let n: u64 = b.parse().map_err(|_| ())?;
            if n == 0 {
                return Err(());
            }
            (len.saturating_sub(n), len.checked_sub(1).ok_or(())?)
        }
        (false, _) => {
            let s: u64 = a.parse().map_err(|_| ())?;
            let e: u64 = if b.is_empty() { len.saturating_sub(1) } else { b.parse::<u64>().map_err(|_| ())?.min(len.saturating_sub(1)) };
            (s, e)
        }
        (true, true) => return Err(()),
    };
    if start >= len || start > end {
        return Err(());
    }
    Ok(Some((start, end)))
}

pub async fn file(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let path = st.core.store().recording_path(id)?;
    let mut f =
        tokio::fs::File::open(&path).await.map_err(|_| ApiError::new(StatusCode::GONE, "file_missing", "the recording's file is no longer on the disk"))?;
    let len = f.metadata().await.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "io", e.to_string()))?.len();
    let asked = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| format!("recording-{id}.flv"));
    let mut res = Response::builder()
        .header(header::CONTENT_TYPE, "video/x-flv")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", name.replace(['"', '\\'], "")));
    let (start, end) = match range(asked, len) {
        Ok(None) => {
            res = res.status(StatusCode::OK);
            (0, len.saturating_sub(1))
        }
        Ok(Some((s, e))) => {
            res = res.status(StatusCode::PARTIAL_CONTENT).header(header::CONTENT_RANGE, format!("bytes {s}-{e}/{len}"));
            (s, e)
        }
        Err(()) => {
            return Ok(Response::builder()
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, HeaderValue::from_str(&format!("bytes */{len}")).expect("ascii"))
                .body(Body::empty())
                .expect("a valid response"));
        }
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    f.seek(std::io::SeekFrom::Start(start)).await.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "io", e.to_string()))?;
    let body = futures_util::stream::unfold((f, count), |(mut f, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; (left as usize).min(64 * 1024)];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buf)), (f, left - n as u64)))
            }
            Err(e) => Some((Err(e), (f, 0))),
        }
    });
    Ok(res.header(header::CONTENT_LENGTH, count).body(Body::from_stream(body)).expect("a valid response"))
}

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn ranges() {
        assert_eq!(range(None, 100), Ok(None));
        assert_eq!(range(Some("bytes=0-9"), 100), Ok(Some((0, 9))));
        assert_eq!(range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(range(Some("bytes=-1000"), 100), Ok(Some((0, 99))));
        assert_eq!(range(Some("bytes=50-5000"), 100), Ok(Some((50, 99))));
        assert_eq!(range(Some("bytes=0-1,5-6"), 100), Ok(None), "several ranges: the whole file");
        assert_eq!(range(Some("items=0-1"), 100), Ok(None));
        for bad in ["bytes=100-", "bytes=9-3", "bytes=-0", "bytes=-", "bytes=a-b", "bytes=5", "bytes=18446744073709551616-"] {
            assert_eq!(range(Some(bad), 100), Err(()), "{bad}");
        }
        assert_eq!(range(Some("bytes=0-"), 0), Err(()), "nothing to send from an empty file");
    }
}
