//! Show control, ingest, status and the event feed.
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::AppState;
use crate::core::command::TestPicture;
use crate::core::Command;
use crate::media::feed::FeedId;

pub async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn run(st: &AppState, c: Command) -> Result<axum::Json<serde_json::Value>, ApiError> {
    st.core.execute(c).await?;
    Ok(axum::Json(serde_json::to_value(st.core.status()).unwrap_or_default()))
}

pub async fn start(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    run(&st, Command::GoLive).await
}
pub async fn stop(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    run(&st, Command::StopLive).await
}
pub async fn pause(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    run(&st, Command::Pause).await
}
pub async fn resume(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    run(&st, Command::Resume).await
}

pub async fn status(State(st): State<AppState>) -> impl IntoResponse {
    axum::Json(st.core.status())
}

pub async fn ingest(State(st): State<AppState>) -> impl IntoResponse {
    let feeds = st.core.ingests();
    let host = &st.cfg.public_host;
    let passphrase = feeds.main.srt_passphrase();
    let feed = |ing: &crate::ingest::Ingest| {
        let s = ing.snapshot();
        let key = ing.key();
        serde_json::json!({
            "rtmp_url": format!("rtmp://{host}:{}/live", st.cfg.rtmp.port()),
            "srt_url": st.cfg.srt.map(|a| srt_url(host, a.port(), &key, &passphrase)),
            "key": key,
            "connected": s.connected,
            "proto": s.proto,
            "peer": s.peer,
            "connected_s": s.connected_s,
            "video": s.video,
            "audio": s.audio,
        })
    };
    let mut main = feed(&feeds.main);
    main["srt_passphrase_set"] = (!passphrase.is_empty()).into();
    main["test_signal"] = st.core.status().test_signal.into();
    // The second feed (OBS's second canvas, Aitum Vertical): the same server, its own key.
    main["second"] = feed(&feeds.second);
    axum::Json(main)
}

/// What OBS (or ffmpeg) takes as the SRT server: `srt://HOST:PORT?streamid=KEY`, with
/// `&passphrase=...` when the SRT ingest is encrypted (the key is base64url, the passphrase
/// takes only unreserved characters: neither needs escaping, which encoders decode differently).
fn srt_url(host: &str, port: u16, key: &str, passphrase: &str) -> String {
    let mut u = format!("srt://{host}:{port}?streamid={key}");
    if !passphrase.is_empty() {
        u.push_str(&format!("&passphrase={passphrase}"));
    }
    u
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrtSettings {
    /// 10 to 79 letters, digits, `-._~`; `null` or `""` turns encryption off.
    passphrase: Option<String>,
}

/// `PUT /ingest/srt {"passphrase"}`: the SRT ingest's passphrase, for the next caller.
pub async fn set_srt(State(st): State<AppState>, Json(b): Json<SrtSettings>) -> Result<impl IntoResponse, ApiError> {
    let p = b.passphrase.unwrap_or_default();
    super::destinations::check_passphrase(&p)?;
    // It travels inside `srt_url`, and encoders differ on decoding URL escapes there (ffmpeg 5
    // passes `%20` through as is): only characters that need none.
    if !p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')) {
        return Err(ApiError::invalid("the SRT ingest passphrase takes letters, digits and - . _ ~ (10 to 79)"));
    }
    let set = !p.is_empty();
    st.core.execute(Command::SetSrtPassphrase(crate::core::Secret(p))).await?;
    Ok(axum::Json(serde_json::json!({"passphrase_set": set})))
}

pub async fn rotate_key(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    rotate(&st, FeedId::Main).await
}

/// `POST /ingest/second/rotate-key`: a new key for the second feed (its publisher stays on until
/// it reconnects).
pub async fn rotate_second_key(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    rotate(&st, FeedId::Second).await
}

async fn rotate(st: &AppState, feed: FeedId) -> Result<axum::Json<serde_json::Value>, ApiError> {
    st.core.execute(Command::RotateIngestKey(feed)).await?;
    Ok(axum::Json(serde_json::json!({"key": st.core.ingests().get(feed).key()})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestSignal {
    enabled: bool,
    width: Option<u32>,
    height: Option<u32>,
    fps: Option<u32>,
}

impl TestSignal {
    fn picture(&self) -> Result<Option<TestPicture>, ApiError> {
        let (w, h, fps) = match (self.width, self.height, self.fps) {
            (None, None, None) => return Ok(None),
            (Some(w), Some(h), fps) => (w, h, fps.unwrap_or(30)),
            _ => return Err(ApiError::invalid("width and height come together")),
        };
        if !(160..=3840).contains(&w) || !(90..=2160).contains(&h) || w % 2 == 1 || h % 2 == 1 {
            return Err(ApiError::invalid("the test signal is 160×90 to 3840×2160, in even sizes"));
        }
        if !(1..=60).contains(&fps) {
            return Err(ApiError::invalid("the test signal runs at 1 to 60 fps"));
        }
        Ok(Some(TestPicture { width: w, height: h, fps }))
    }
}

pub async fn test_signal(State(st): State<AppState>, Json(t): Json<TestSignal>) -> Result<impl IntoResponse, ApiError> {
    let picture = t.picture()?;
    st.core.execute(Command::SetTestSignal(t.enabled, picture)).await?;
    Ok(axum::Json(serde_json::json!({"enabled": t.enabled})))
}

pub async fn events(
    State(st): State<AppState>,
    conn: Option<axum::Extension<super::listen::ConnHandle>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<impl IntoResponse, ApiError> {
    // A feed holds its connection open for as long as the dashboard is: it has a cap of its own,
    // and its connection stays counted (and is never closed to make room) until it ends.
    let slot = st.limits.event_feed().await?;
    let conn = conn.map(|c| c.0 .0);
    if let Some(c) = &conn {
        c.pin();
    }
    Ok(ws.on_upgrade(move |sock| async move {
        let why = feed(&st, sock, &headers, &slot).await;
        tracing::debug!(?why, "event feed ended");
        drop((slot, conn));
    }))
}

/// Why a feed ended.
#[derive(Debug, PartialEq, Eq)]
enum FeedEnd {
    /// The client closed it or went away.
    Gone,
    /// Its session or token ended (logout, a password change, the token deleted, expiry).
    SignedOut,
    /// A newer feed needed its place.
    Replaced,
}

/// Close codes in the range for applications (RFC 6455 §7.4.2): the dashboard tells them apart.
const CLOSE_SIGNED_OUT: u16 = 4401;
const CLOSE_REPLACED: u16 = 4409;

async fn close(mut sock: WebSocket, code: u16, reason: &'static str) {
    let frame = axum::extract::ws::CloseFrame { code, reason: reason.into() };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), sock.send(Message::Close(Some(frame)))).await;
}

async fn feed(st: &AppState, sock: WebSocket, headers: &HeaderMap, slot: &crate::api::limits::FeedSlot) -> FeedEnd {
    let mut revoked = st.core.store().revocations();
    let (why, sock) = stream(st, sock, headers, slot, &mut revoked).await;
    match (&why, sock) {
        (FeedEnd::SignedOut, Some(s)) => close(s, CLOSE_SIGNED_OUT, "signed out").await,
        (FeedEnd::Replaced, Some(s)) => close(s, CLOSE_REPLACED, "a newer dashboard took this feed's place").await,
        _ => {}
    }
    why
}

async fn stream(
    st: &AppState,
    mut sock: WebSocket,
    headers: &HeaderMap,
    slot: &crate::api::limits::FeedSlot,
    revoked: &mut tokio::sync::watch::Receiver<u64>,
) -> (FeedEnd, Option<WebSocket>) {
    let mut rx = st.core.subscribe();
    // A client starts from the whole picture, then gets changes.
    let hello = serde_json::json!({"type": "status", "status": st.core.status()});
    if sock.send(Message::Text(hello.to_string().into())).await.is_err() {
        return (FeedEnd::Gone, None);
    }
    // Bitrates and counters change every second without an event: send the whole status as often.
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                // Expiry ends a session without a signal: checked every second, in memory for
                // sessions (one indexed read for an API token).
                if !super::auth::authenticated(st, headers) {
                    return (FeedEnd::SignedOut, Some(sock));
                }
                let s = serde_json::json!({"type": "status", "status": st.core.status()});
                if sock.send(Message::Text(s.to_string().into())).await.is_err() {
                    return (FeedEnd::Gone, None);
                }
            }
            _ = revoked.changed() => {
                if !super::auth::authenticated(st, headers) {
                    return (FeedEnd::SignedOut, Some(sock));
                }
            }
            _ = slot.ended() => return (FeedEnd::Replaced, Some(sock)),
            e = rx.recv() => match e {
                Ok(e) => {
                    // `at_ms`: when the feed took the event off the bus (wall clock), so clients can
                    // see how fresh it is; chat messages keep the platform's own time.
                    let Ok(mut v) = serde_json::to_value(&e) else { continue };
                    let at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
                    if let Some(o) = v.as_object_mut() {
                        o.entry("at_ms").or_insert(at.into());
                    }
                    let txt = v.to_string();
                    if sock.send(Message::Text(txt.into())).await.is_err() {
                        return (FeedEnd::Gone, None);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let s = serde_json::json!({"type": "status", "status": st.core.status()});
                    if sock.send(Message::Text(s.to_string().into())).await.is_err() {
                        return (FeedEnd::Gone, None);
                    }
                }
                Err(_) => return (FeedEnd::Gone, None),
            },
            m = sock.recv() => match m {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return (FeedEnd::Gone, None),
                _ => {}
            }
        }
    }
}

pub async fn alerts(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().alerts(200)?))
}

/// `GET /feeds/{main|second}/preview.jpg`: a still of the feed's latest keyframe (at most one
/// decode per keyframe, whoever asks), for placing a crop window on the dashboard.
pub async fn preview(State(st): State<AppState>, axum::extract::Path(feed): axum::extract::Path<String>) -> Result<impl IntoResponse, ApiError> {
    let feed = FeedId::parse(&feed).ok_or_else(ApiError::not_found)?;
    let core = st.core.clone();
    let jpeg = tokio::task::spawn_blocking(move || core.still(feed))
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/jpeg"), (axum::http::header::CACHE_CONTROL, "no-store")], jpeg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(json: &str) -> Result<Option<TestPicture>, u16> {
        let t: TestSignal = serde_json::from_str(json).map_err(|_| 400u16)?;
        t.picture().map_err(|e| e.status.as_u16())
    }

    #[test]
    fn the_test_signal_size_is_checked() {
        assert_eq!(picture(r#"{"enabled": true}"#), Ok(None));
        assert_eq!(picture(r#"{"enabled": true, "width": 1920, "height": 1080}"#), Ok(Some(TestPicture { width: 1920, height: 1080, fps: 30 })));
        assert_eq!(picture(r#"{"enabled": true, "width": 640, "height": 360, "fps": 15}"#), Ok(Some(TestPicture { width: 640, height: 360, fps: 15 })));
        for bad in [
            r#"{"enabled": true, "width": 1920}"#,
            r#"{"enabled": true, "fps": 30}"#,
            r#"{"enabled": true, "width": 641, "height": 360}"#,
            r#"{"enabled": true, "width": 100000, "height": 100000}"#,
            r#"{"enabled": true, "width": 0, "height": 0}"#,
            r#"{"enabled": true, "width": 640, "height": 360, "fps": 0}"#,
            r#"{"enabled": true, "width": 640, "height": 360, "fps": 1000}"#,
        ] {
            assert_eq!(picture(bad), Err(422), "{bad}");
        }
        for broken in [r#"{"enabled": true, "width": -1, "height": 360}"#, r#"{"enabled": true, "width": 1e30}"#, r#"{"enabled": true, "depth": 8}"#] {
            assert_eq!(picture(broken), Err(400), "{broken}");
        }
    }
}
