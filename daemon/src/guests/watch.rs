//! A viewer (an OBS Browser Source, the grid, another guest) starts or stops watching one guest
//! over WHEP: the seat under the viewer caps, the wait for a connecting guest's media, the answer.
//! The caller has checked the view token and parsed the offer.
use std::sync::Arc;
use std::time::Duration;

use super::access::{Full, Viewer};
use super::sfu::SfuError;
use super::Guests;

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("no such guest")]
    NoGuest,
    #[error("{0}")]
    Full(#[from] Full),
    /// The watching guest left while its view was being set up.
    #[error("the watching guest has left")]
    WatcherLeft,
    #[error(transparent)]
    Sfu(#[from] SfuError),
    #[error(transparent)]
    Grid(#[from] super::grid::GridError),
}

/// Answers `offer` with a new viewer of guest `id`; returns the viewer's id and the answer. A
/// viewer that asks while the guest is still connecting (an OBS source open before the guest joins,
/// or the moment after) is answered as soon as the guest's media flows, up to `wait`: a retry loop
/// would add its own delay to the guest's first frame in OBS.
pub async fn watch(guests: &Arc<Guests>, id: &str, by: Viewer, offer: gstreamer_sdp::SDPMessage, wait: Duration) -> Result<(String, String), WatchError> {
    // Counted from here (before any waiting or any webrtcbin) until the viewer is in the media's count.
    let (g, _seat) = seat_when_ready(guests, id, wait).await?;
    let viewer = crate::store::secret::random_token(8);
    let answer = g.media.add_viewer(&viewer, offer).await?;
    // A guest watching another: the viewer ends when the watching guest leaves (or has meanwhile).
    if let Viewer::Guest(by) = by {
        if !guests.note_watching(&by, id, &viewer) {
            g.media.remove_viewer(&viewer);
            return Err(WatchError::WatcherLeft);
        }
    }
    Ok((viewer, answer))
}

/// A Matroska stream of guest `id` for an OBS Media Source, under the same caps as the viewers and
/// waiting the same way for a guest still connecting.
pub async fn stream(guests: &Arc<Guests>, id: &str, wait: Duration) -> Result<super::sfu::GuestStream, WatchError> {
    let (g, _seat) = seat_when_ready(guests, id, wait).await?;
    let fps = g.info.lock().unwrap().fps;
    Ok(g.media.add_stream(fps)?)
}

/// Guest `id` and a seat under the viewer caps, once its media flows (or `wait` is over: the
/// caller's media then answers "no media yet").
async fn seat_when_ready(guests: &Arc<Guests>, id: &str, wait: Duration) -> Result<(Arc<super::Guest>, super::access::Seat), WatchError> {
    let g = guests.get(id).ok_or(WatchError::NoGuest)?;
    let seat = guests.admit(id)?;
    if !g.media.ready() {
        let deadline = tokio::time::Instant::now() + wait;
        guests.wait_until(deadline, || g.media.ready() || guests.get(id).is_none()).await;
        if guests.get(id).is_none() {
            return Err(WatchError::NoGuest);
        }
    }
    Ok((g, seat))
}

/// Ends one viewer of guest `id`; `false` when there was no such viewer.
pub fn stop_watching(guests: &Guests, id: &str, viewer: &str) -> bool {
    guests.get(id).is_some_and(|g| g.media.remove_viewer(viewer))
}
