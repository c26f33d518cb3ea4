//! `GET /api/v1/feeds/{main|second}/live` (WebSocket): the program as the box relays it, remuxed to
//! fragmented MP4 for the dashboard's preview (`media::fmp4`; nothing decoded or re-encoded). A text
//! message `{"type": "init", "mime"}` comes before each init segment (binary); then a binary
//! fragment per frame. It starts from the GOP cache, so the picture shows at once; a viewer that
//! falls behind skips to the next keyframe; it runs only while someone watches.
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use tokio::sync::broadcast::error::RecvError;

use super::error::ApiError;
use super::AppState;
use crate::media::feed::FeedId;
use crate::media::fmp4::{Muxer, Out};
use crate::media::program::Program;

/// Previews at once, on every feed together: a phone and a laptop per feed, with room to spare.
pub const MAX_PREVIEWS: usize = 4;
/// A browser that takes no fragment for this long is let go.
const SEND_STALL: Duration = Duration::from_secs(5);

pub async fn live(State(st): State<AppState>, Path(feed): Path<String>, headers: HeaderMap, ws: WebSocketUpgrade) -> Result<impl IntoResponse, ApiError> {
    let feed = FeedId::parse(&feed).ok_or_else(ApiError::not_found)?;
    let permit = st
        .previews
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_previews", format!("{MAX_PREVIEWS} previews are open already")))?;
    let program = st.core.ingests().get(feed).program().clone();
    Ok(ws.on_upgrade(move |sock| async move {
        stream(&st, sock, &program, &headers).await;
        drop(permit);
    }))
}

async fn stream(st: &AppState, mut sock: WebSocket, program: &Arc<Program>, headers: &HeaderMap) {
    let mut revoked = st.core.store().revocations();
    let (mut rx, h) = program.subscribe();
    let mut mux = Muxer::new();
    for f in [h.video, h.audio].into_iter().flatten().chain(h.gop) {
        if send(&mut sock, mux.push(&f)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            r = rx.recv() => match r {
                Ok(f) => if send(&mut sock, mux.push(&f)).await.is_err() { return },
                Err(RecvError::Lagged(_)) => mux.resync(),
                Err(RecvError::Closed) => return,
            },
            _ = revoked.changed() => if !super::auth::authenticated(st, headers) { return },
            m = sock.recv() => match m {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
        }
    }
}

async fn send(sock: &mut WebSocket, outs: Vec<Out>) -> Result<(), ()> {
    for o in outs {
        let msgs = match o {
            Out::Init { mime, data } => vec![Message::Text(serde_json::json!({"type": "init", "mime": mime}).to_string().into()), Message::Binary(data)],
            Out::Fragment(data) => vec![Message::Binary(data)],
        };
        for m in msgs {
            match tokio::time::timeout(SEND_STALL, sock.send(m)).await {
                Ok(Ok(())) => {}
                _ => return Err(()),
            }
        }
    }
    Ok(())
}
