//! A guest joining with an invite (WHIP): the invite and what it allows are checked against the
//! offer, the offer is answered by a new publisher pipeline, and only a negotiated session uses
//! the invite up. The core runs this for `Command::JoinGuest`; the API only carries the bytes.
use std::sync::atomic::Ordering;

use super::sfu::{Media, SfuError};
use super::{ice::IceConfig, sdp, Guests};
use crate::store::invites::InviteRefusal;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error(transparent)]
    Refused(#[from] InviteRefusal),
    #[error(transparent)]
    Sdp(#[from] sdp::SdpError),
    /// The offer sends what the invite does not allow ("a microphone", "a camera or a shared screen").
    #[error("this invite does not allow {0}")]
    NotAllowed(&'static str),
    #[error(transparent)]
    Media(#[from] SfuError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The new guest's id and the box's SDP answer. `replaces`: the session a reconnecting page had
/// (its network dropped); the new one takes its place and no use of the invite is counted, so a
/// guest on a one-use invite can come back. `now`: the caller's clock, as an instant and in Unix
/// seconds (the invite's expiry).
pub async fn join(
    store: &Store,
    guests: &Guests,
    token: &str,
    name: Option<&str>,
    offer: &[u8],
    replaces: Option<&str>,
    now: (std::time::Instant, i64),
) -> Result<(String, String), JoinError> {
    let invite_id = token.split_once('.').map(|(i, _)| i).unwrap_or_default();
    let replaces = replaces.filter(|old| guests.may_rejoin(old, invite_id, now.0));
    let inv = match replaces {
        Some(_) => store.invite_of(token)??,
        None => store.check_invite_at(token, false, now.1)??,
    };
    let offer = sdp::parse(offer)?;
    let name = name.map(|s| s.chars().take(60).collect::<String>()).filter(|s| !s.trim().is_empty()).unwrap_or_else(|| inv.name.clone());
    let sending: Vec<&str> = offer
        .medias()
        .filter(|m| m.port() != 0 && !m.attributes().any(|a| matches!(a.key(), "inactive" | "recvonly")))
        .filter_map(|m| m.media().filter(|k| matches!(*k, "audio" | "video")))
        .collect();
    let p = inv.permissions;
    if sending.contains(&"audio") && !p.audio {
        return Err(JoinError::NotAllowed("a microphone"));
    }
    if sending.contains(&"video") && !(p.video || p.screen) {
        return Err(JoinError::NotAllowed("a camera or a shared screen"));
    }
    let media = Media::new(IceConfig::load(store))?;
    media.expected_tracks.store(sending.len(), Ordering::Relaxed);
    let answer = match super::sfu::answer(&media.publisher, offer).await {
        Ok(a) => a,
        Err(e) => {
            media.close();
            return Err(e.into());
        }
    };
    media.watch_guest();
    // Only a negotiated session uses up the invite (two guests racing for its last use: one wins).
    if replaces.is_none() {
        if let Err(e) = store.check_invite_at(token, true, now.1).map_err(JoinError::from).and_then(|r| r.map_err(JoinError::from)) {
            media.close();
            return Err(e);
        }
    }
    let g = guests.add(&name, &inv.id, media);
    if let Some(old) = replaces {
        tracing::info!(old, "a guest's page reconnected: its new session replaces the old one");
        guests.replaced(old);
    }
    let id = g.info.lock().unwrap().id.clone();
    tracing::info!(guest = %id, "guest publishing over WHIP");
    Ok((id, answer))
}
