//! The SPEC's error shape: `{"error": {"code": "...", "message": "..."}}` with a fitting status.
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::core::CoreError;
use crate::guests::{join::JoinError, sfu::SfuError};
use crate::store::invites::InviteRefusal;
use crate::store::StoreError;

/// Seconds a client over a limit is told to wait (`Retry-After`) unless the handler says better.
pub const RETRY_AFTER_S: u64 = 2;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "log in or send an API token")
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": { "code": self.code, "message": self.message } });
        let mut r = (self.status, axum::Json(body)).into_response();
        // Over a limit: say when to come back (a handler with a better figure sets its own).
        if matches!(self.status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE) {
            r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(RETRY_AFTER_S));
        }
        r
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            e if e.is_disk_full() => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "disk_full",
                "the data disk is full or read-only: the change was not saved; free some space and try again",
            ),
            e => {
                tracing::error!("store: {e}");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "storage error")
            }
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Restore(r) => {
                use crate::store::export::RestoreError as R;
                let code = match r {
                    R::NotABackup => "not_a_backup",
                    R::WrongPassphrase => "wrong_passphrase",
                    R::Damaged(_) => "damaged_backup",
                    R::TooNew { .. } => "backup_too_new",
                    R::WeakPassphrase => "weak_passphrase",
                };
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, r.to_string())
            }
            CoreError::Conflict(code, m) => ApiError::new(StatusCode::CONFLICT, code, m),
            CoreError::NotFound => ApiError::not_found(),
            CoreError::Invalid(m) => ApiError::invalid(m),
            CoreError::Missing(code, m) => ApiError::new(StatusCode::NOT_FOUND, code, m),
            CoreError::Store(s) => s.into(),
            CoreError::Obs(e) => e.into(),
            CoreError::Platform(e) => e.into(),
            CoreError::Link(e) => e.into(),
            CoreError::Join(e) => e.into(),
            CoreError::Record(e) => {
                use crate::recording::RecordError as R;
                let m = e.to_string();
                match e {
                    R::Running => ApiError::new(StatusCode::CONFLICT, "already_recording", m),
                    R::NotRunning => ApiError::new(StatusCode::CONFLICT, "not_recording", m),
                    R::DiskFull { .. } => ApiError::new(StatusCode::CONFLICT, "low_disk", m),
                    R::Folder(..) => ApiError::new(StatusCode::CONFLICT, "recording_folder", m),
                    R::Store(e) => CoreError::Store(e).into(),
                }
            }
            CoreError::Watch(e) => {
                use crate::guests::watch::WatchError as W;
                let m = e.to_string();
                match e {
                    W::NoGuest => ApiError::not_found(),
                    W::Full(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too_many_viewers", m),
                    W::WatcherLeft => {
                        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "this view link is not valid: take a new one from the box's dashboard")
                    }
                    W::Sfu(e) => e.into(),
                    W::Grid(crate::guests::grid::GridError::TooManyReaders) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "too_many_viewers", m),
                    W::Grid(e) => {
                        tracing::warn!("{e}");
                        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", m)
                    }
                }
            }
            CoreError::Stopped => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shutting_down", "the box is shutting down"),
            CoreError::Slate(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the slate image could not be saved: {e}")),
            CoreError::Unexpected(m) => {
                tracing::error!("core: unexpected reply {m}");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
        }
    }
}

impl From<InviteRefusal> for ApiError {
    fn from(r: InviteRefusal) -> Self {
        let code = match r {
            InviteRefusal::Forged => StatusCode::UNAUTHORIZED,
            _ => StatusCode::FORBIDDEN,
        };
        ApiError::new(code, "invite_refused", r.to_string())
    }
}

impl From<crate::media::preview::PreviewError> for ApiError {
    fn from(e: crate::media::preview::PreviewError) -> Self {
        use crate::media::preview::PreviewError as P;
        match &e {
            P::NoPicture => ApiError::new(StatusCode::CONFLICT, "no_picture", e.to_string()),
            P::Decode(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "undecodable", e.to_string()),
            P::Pipeline(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_decoder", e.to_string()),
        }
    }
}

impl From<SfuError> for ApiError {
    fn from(e: SfuError) -> Self {
        match e {
            SfuError::NoMedia => ApiError::new(StatusCode::CONFLICT, "no_media", e.to_string()),
            SfuError::Negotiation(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "negotiation_failed", e.to_string()),
            SfuError::MissingElement(_) | SfuError::Gst(_) | SfuError::Link(_) | SfuError::State(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            }
        }
    }
}

impl From<JoinError> for ApiError {
    fn from(e: JoinError) -> Self {
        match e {
            JoinError::Refused(r) => r.into(),
            JoinError::Sdp(e) => ApiError::bad_request(e.to_string()),
            e @ JoinError::NotAllowed(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            JoinError::Media(e) => e.into(),
            JoinError::Store(e) => e.into(),
        }
    }
}

/// `Json` whose rejections use the SPEC's error shape: broken JSON 400, wrong types 422,
/// oversized 413, wrong content type 415.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(r) => Err(match &r {
                JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(format!("malformed JSON: {}", r.body_text())),
                JsonRejection::JsonDataError(_) => ApiError::invalid(r.body_text()),
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send Content-Type: application/json")
                }
                _ if slow_body(&r) => ApiError::new(StatusCode::REQUEST_TIMEOUT, "slow_body", "the request body arrived too slowly"),
                _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "request body is too large")
                }
                _ => ApiError::bad_request(r.body_text()),
            }),
        }
    }
}

/// Whether `e` came from a body too slow for the listener (`listen::SlowBody`).
fn slow_body(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut at = Some(e);
    while let Some(e) = at {
        if e.downcast_ref::<super::listen::SlowBody>().is_some() {
            return true;
        }
        at = e.source();
    }
    false
}

impl From<crate::obs::ObsError> for ApiError {
    fn from(e: crate::obs::ObsError) -> Self {
        use crate::obs::ObsError as O;
        use obws::error::Error as ObwsError;
        let m = e.to_string();
        match e {
            O::NotConfigured | O::NotConnected(_) => ApiError::new(StatusCode::CONFLICT, "obs_not_connected", m),
            O::Timeout(_) => ApiError::new(StatusCode::GATEWAY_TIMEOUT, "obs_timeout", m),
            // Still loading after the bridge's retries: come back later (503 carries Retry-After).
            O::NotReady(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "obs_not_ready", m),
            // The link dropped under the request: OBS is gone, not refusing.
            O::Obs(e) if matches!(*e, ObwsError::Disconnected | ObwsError::Send(_) | ObwsError::ReceiveMessage(_)) => {
                ApiError::new(StatusCode::CONFLICT, "obs_not_connected", m)
            }
            O::Obs(_) | O::Lacks(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "obs_refused", m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obs::ObsError;

    #[test]
    fn obs_errors_keep_their_kind_up_to_the_http_code() {
        let gone = ApiError::from(ObsError::Obs(Box::new(obws::error::Error::Disconnected)));
        assert_eq!((gone.status, gone.code), (StatusCode::CONFLICT, "obs_not_connected"));
        let lacks = ApiError::from(ObsError::Lacks("it has no scenes"));
        assert_eq!((lacks.status, lacks.code), (StatusCode::UNPROCESSABLE_ENTITY, "obs_refused"));
        assert_eq!(lacks.message, "OBS cannot: it has no scenes");
        let slow = ApiError::from(ObsError::Timeout(5));
        assert_eq!((slow.status, slow.code), (StatusCode::GATEWAY_TIMEOUT, "obs_timeout"));
        let loading = ApiError::from(ObsError::NotReady(30));
        assert_eq!((loading.status, loading.code), (StatusCode::SERVICE_UNAVAILABLE, "obs_not_ready"));
        let r = loading.into_response();
        assert!(r.headers().contains_key(axum::http::header::RETRY_AFTER), "a client is told when to come back");
        // An error OBS answered (here: no such input) is a refusal, not a lost link.
        let refused = obws::error::Error::Api { code: obws::responses::StatusCode::ResourceNotFound, message: Some("no input".into()) };
        let refused = ApiError::from(ObsError::Obs(Box::new(refused)));
        assert_eq!((refused.status, refused.code), (StatusCode::UNPROCESSABLE_ENTITY, "obs_refused"));
        // The source stays reachable for logs and callers that need the detail.
        let e = ObsError::Obs(Box::new(obws::error::Error::Disconnected));
        assert!(std::error::Error::source(&e).is_some());
    }
}
