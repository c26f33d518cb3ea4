//! Who may watch a guest: view tokens, and how many viewers the box takes.
//!
//! A view token is an HMAC under the box secret's view-token subkey over the box's view
//! generation and what it opens: one guest session (`/guest/{id}/view`, WHEP on that id) or the whole box (the
//! OBS grid, and with it every guest). Nothing is stored per token; a new generation voids every
//! token handed out. Tokens are compared in constant time.
//!
//! The tokens a guest is given to watch the others (guests see each other) are bound to that
//! guest's own session: `{viewer id}.{HMAC over the generation, the viewer and the target}`. They
//! open the target only while the viewing guest is in the call, so a guest who was removed, or
//! whose invite was revoked, cannot go on watching the others with the tokens it collected.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use subtle::ConstantTimeEq;

use super::Guests;
use crate::store::secret::{random_token, SecretBox};
use crate::store::{Store, StoreError};

/// Viewers (WHEP sessions, plus offers still being answered) of one guest. Each is a `webrtcbin`
/// with its own ICE agent, DTLS and SRTP (a few threads and sockets each). A show needs about one
/// per guest for OBS, one for the grid and one per other guest (guests see each other): 8 covers a
/// panel of six.
pub const PER_GUEST: usize = 8;
/// Viewers of all guests together: six guests seeing each other and OBS (6 × 7 = 42) would be over
/// what a Pi 4 encrypts comfortably; 32 still leaves five guests fully meshed with OBS on each.
/// `ONAIR_GUEST_VIEWERS_TOTAL` (1–512) sets another cap, for a box with cores to spare.
pub const TOTAL: usize = 32;

pub fn total_cap() -> usize {
    static CAP: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CAP.get_or_init(|| cap_from(std::env::var("ONAIR_GUEST_VIEWERS_TOTAL").ok().as_deref()))
}

fn cap_from(v: Option<&str>) -> usize {
    match v.map(|v| v.trim().parse::<usize>()) {
        Some(Ok(n)) if (1..=512).contains(&n) => n,
        Some(_) => {
            tracing::warn!("ONAIR_GUEST_VIEWERS_TOTAL must be a number from 1 to 512; using {TOTAL}");
            TOTAL
        }
        None => TOTAL,
    }
}

const GENERATION: &str = "guest_view_generation";

/// The one place view tokens are derived: an HMAC under the box secret's own subkey for them
/// (`secret::subkey`, label `onair.guest-view`), apart from every other use of the secret.
fn derive(secrets: &SecretBox, what: &str) -> String {
    secrets.mac("onair.guest-view", &format!("v1\n{what}"))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Full {
    #[error("this guest already has {PER_GUEST} viewers")]
    Guest,
    #[error("the box already serves {0} guest viewers")]
    Total(usize),
}

/// A viewer's place in the caps, held from the offer until the viewer is counted by its media
/// (or refused): dropped, it frees the place.
pub struct Seat {
    guests: Arc<Guests>,
    id: String,
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut p = self.guests.pending.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = p.get_mut(&self.id) {
            *n -= 1;
            if *n == 0 {
                p.remove(&self.id);
            }
        }
    }
}

/// Who a view token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// The box's token (the grid, OBS).
    Box,
    /// The guest's own view link (the owner's dashboard, an OBS source).
    Owner,
    /// Another guest in the call, by id.
    Guest(String),
}

/// Offers being answered, per guest id.
pub type Pending = Mutex<HashMap<String, usize>>;

impl Guests {
    fn generation(&self, store: &Store) -> Result<String, StoreError> {
        let mut g = self.view_generation.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = &*g {
            return Ok(v.clone());
        }
        let v = match store.setting(GENERATION)? {
            Some(v) => v,
            None => {
                let v = random_token(12);
                store.set_setting(GENERATION, &v)?;
                v
            }
        };
        *g = Some(v.clone());
        Ok(v)
    }

    /// The box's view token: the grid, and any guest.
    pub fn box_view_token(&self, store: &Store) -> Result<String, StoreError> {
        Ok(derive(&store.secrets, &format!("box\n{}", self.generation(store)?)))
    }

    /// The view token of one guest session.
    pub fn guest_view_token(&self, store: &Store, id: &str) -> Result<String, StoreError> {
        Ok(derive(&store.secrets, &format!("guest\n{}\n{id}", self.generation(store)?)))
    }

    /// The token guest `viewer` is given to watch guest `target` (see the module's comment).
    pub fn peer_view_token(&self, store: &Store, viewer: &str, target: &str) -> Result<String, StoreError> {
        Ok(format!("{viewer}.{}", self.peer_mac(store, viewer, target)?))
    }

    fn peer_mac(&self, store: &Store, viewer: &str, target: &str) -> Result<String, StoreError> {
        Ok(derive(&store.secrets, &format!("peer\n{}\n{viewer}\n{target}", self.generation(store)?)))
    }

    /// Voids every view token handed out (sessions already playing go on).
    pub fn rotate_view_tokens(&self, store: &Store) -> Result<(), StoreError> {
        let v = random_token(12);
        store.set_setting(GENERATION, &v)?;
        *self.view_generation.lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
        Ok(())
    }

    /// Whether `k` opens guest `id` (its own token, the box's, or the token another guest who is
    /// still in the call was given for it), or with `id` `None` the grid (the box's token only).
    pub fn may_view(&self, store: &Store, k: Option<&str>, id: Option<&str>) -> Result<bool, StoreError> {
        Ok(self.viewer(store, k, id)?.is_some())
    }

    /// Who `k` speaks for when it opens guest `id` (or, with `None`, the grid); `None`: it does not.
    pub fn viewer(&self, store: &Store, k: Option<&str>, id: Option<&str>) -> Result<Option<Viewer>, StoreError> {
        let Some(k) = k else { return Ok(None) };
        if same(k, &self.box_view_token(store)?) {
            return Ok(Some(Viewer::Box));
        }
        let Some(id) = id else { return Ok(None) };
        if same(k, &self.guest_view_token(store, id)?) {
            return Ok(Some(Viewer::Owner));
        }
        if let Some((by, mac)) = k.split_once('.') {
            if by != id && same(mac, &self.peer_mac(store, by, id)?) && self.map.lock().unwrap().contains_key(by) {
                return Ok(Some(Viewer::Guest(by.to_string())));
            }
        }
        Ok(None)
    }

    /// Notes that guest `by` watches another guest, `target`, as WHEP viewer `viewer`, so that
    /// viewer ends when `by` leaves. False if `by` has already gone (the caller ends the viewer).
    pub fn note_watching(&self, by: &str, target: &str, viewer: &str) -> bool {
        let map = self.map.lock().unwrap();
        let Some(g) = map.get(by) else { return false };
        let mut w = g.watching.lock().unwrap();
        // Viewers ended meanwhile (hung up, reaped, the target gone) are forgotten.
        w.retain(|(t, v)| map.get(t).is_some_and(|t| t.media.has_viewer(v)));
        w.push((target.to_string(), viewer.to_string()));
        true
    }

    /// Ends the viewers the removed guest `g` had opened on the others.
    pub(super) fn end_watching(&self, g: &super::Guest) {
        let w = std::mem::take(&mut *g.watching.lock().unwrap());
        for (target, viewer) in w {
            if let Some(t) = self.get(&target) {
                t.media.remove_viewer(&viewer);
            }
        }
    }

    /// A place for one more viewer of guest `id`, if both caps allow it. Counts the viewers the
    /// guests' media hold and the offers still being answered (a flood of offers that wait for a
    /// connecting guest is capped too).
    pub fn admit(self: &Arc<Self>, id: &str) -> Result<Seat, Full> {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let counts: Vec<(String, usize)> = self.map.lock().unwrap().iter().map(|(k, g)| (k.clone(), g.media.viewer_count())).collect();
        let of = |gid: &str| counts.iter().find(|(k, _)| k == gid).map_or(0, |(_, n)| *n) + p.get(gid).copied().unwrap_or(0);
        if of(id) >= PER_GUEST {
            return Err(Full::Guest);
        }
        let total = counts.iter().map(|(_, n)| n).sum::<usize>() + p.values().sum::<usize>();
        let cap = total_cap();
        if total >= cap {
            return Err(Full::Total(cap));
        }
        *p.entry(id.to_string()).or_default() += 1;
        Ok(Seat { guests: self.clone(), id: id.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_what_they_name_and_rotate() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let g = Guests::new();
        let b = g.box_view_token(&s).unwrap();
        let a = g.guest_view_token(&s, "alice").unwrap();
        assert!(g.may_view(&s, Some(&b), None).unwrap());
        assert!(g.may_view(&s, Some(&b), Some("alice")).unwrap());
        assert!(g.may_view(&s, Some(&a), Some("alice")).unwrap());
        assert!(!g.may_view(&s, Some(&a), Some("bob")).unwrap(), "a guest's token opens only that guest");
        assert!(!g.may_view(&s, Some(&a), None).unwrap(), "a guest's token does not open the grid");
        assert!(!g.may_view(&s, None, Some("alice")).unwrap());
        assert!(!g.may_view(&s, Some(""), Some("alice")).unwrap());
        let mut forged = b.clone().into_bytes();
        forged[0] = if forged[0] == b'A' { b'B' } else { b'A' };
        assert!(!g.may_view(&s, Some(std::str::from_utf8(&forged).unwrap()), None).unwrap());
        // Tokens survive a restart (same secret, same generation) and die with a rotation.
        let g2 = Guests::new();
        assert_eq!(g2.box_view_token(&s).unwrap(), b);
        g.rotate_view_tokens(&s).unwrap();
        assert!(!g.may_view(&s, Some(&b), None).unwrap());
        assert!(!g.may_view(&s, Some(&a), Some("alice")).unwrap());
        assert_ne!(g.box_view_token(&s).unwrap(), b);
    }

    #[test]
    fn a_guests_tokens_for_the_others_hold_only_while_it_is_in_the_call() {
        gstreamer::init().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let g = Guests::new();
        let join = |name: &str| {
            let m = super::super::sfu::Media::new(super::super::ice::IceConfig::default()).unwrap();
            g.add(name, "inv", m).info.lock().unwrap().id.clone()
        };
        let (a, b, c) = (join("A"), join("B"), join("C"));
        let ka = g.peer_view_token(&s, &a, &c).unwrap();
        let kb = g.peer_view_token(&s, &b, &c).unwrap();
        assert_eq!(g.viewer(&s, Some(&ka), Some(&c)).unwrap(), Some(Viewer::Guest(a.clone())));
        assert_eq!(g.viewer(&s, Some(&kb), Some(&c)).unwrap(), Some(Viewer::Guest(b.clone())));
        assert!(!g.may_view(&s, Some(&ka), Some(&b)).unwrap(), "A's token for C does not open B");
        assert!(!g.may_view(&s, Some(&ka), None).unwrap(), "nor the grid");
        let mac = ka.split_once('.').unwrap().1;
        assert!(!g.may_view(&s, Some(&format!("{b}.{mac}")), Some(&c)).unwrap(), "A's token is not B's");
        assert!(!g.may_view(&s, Some(mac), Some(&c)).unwrap(), "nor anyone's without the viewer");
        assert!(!g.may_view(&s, Some(&g.peer_view_token(&s, &c, &c).unwrap()), Some(&c)).unwrap());
        // A leaves (removed by the host, its invite revoked, its media gone): its tokens die with it.
        g.remove(&a).unwrap();
        assert!(!g.may_view(&s, Some(&ka), Some(&c)).unwrap(), "a removed guest's token opens nothing");
        assert!(g.may_view(&s, Some(&kb), Some(&c)).unwrap(), "the others' go on");
        let owner = g.guest_view_token(&s, &c).unwrap();
        assert_eq!(g.viewer(&s, Some(&owner), Some(&c)).unwrap(), Some(Viewer::Owner));
        assert_eq!(g.viewer(&s, Some(&g.box_view_token(&s).unwrap()), Some(&c)).unwrap(), Some(Viewer::Box));
        // A new generation voids them too.
        g.rotate_view_tokens(&s).unwrap();
        assert!(!g.may_view(&s, Some(&kb), Some(&c)).unwrap());
        for id in [b, c] {
            g.remove(&id);
        }
    }

    #[test]
    fn seats_are_capped_per_guest_and_in_total_and_freed() {
        let g = Guests::new();
        let mut seats: Vec<Seat> = (0..PER_GUEST).map(|_| g.admit("a").unwrap()).collect();
        assert_eq!(g.admit("a").err(), Some(Full::Guest));
        seats.pop();
        assert!(g.admit("a").is_ok(), "a dropped seat frees its place");
        let mut others = vec![];
        for i in 0.. {
            match g.admit(&format!("g{}", i % 7)) {
                Ok(s) => others.push(s),
                Err(e) => {
                    assert_eq!(e, Full::Total(TOTAL));
                    break;
                }
            }
        }
        assert_eq!(seats.len() + others.len(), TOTAL);
        drop(others);
        drop(seats);
        assert!(g.pending.lock().unwrap().is_empty());
    }

    #[test]
    fn the_total_cap_takes_only_a_sane_number() {
        assert_eq!(cap_from(None), TOTAL);
        assert_eq!(cap_from(Some("64")), 64);
        for bad in ["0", "513", "-1", "lots", ""] {
            assert_eq!(cap_from(Some(bad)), TOTAL, "{bad}");
        }
    }
}
