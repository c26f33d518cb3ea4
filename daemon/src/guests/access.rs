//! Who may watch a guest: view tokens, and how many viewers the box takes.
//!
//! A view token is an HMAC under the box secret's view-token subkey over the box's view
//! generation and what it opens: one guest session (`/guest/{id}/view`, WHEP on that id) or the whole box (the
//! OBS grid, and with it every guest). Nothing is stored per token; a new generation voids every
//! token handed out. Tokens are compared in constant time.
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
pub const TOTAL: usize = 32;

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
    #[error("the box already serves {TOTAL} guest viewers")]
    Total,
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

    /// Voids every view token handed out (sessions already playing go on).
    pub fn rotate_view_tokens(&self, store: &Store) -> Result<(), StoreError> {
        let v = random_token(12);
        store.set_setting(GENERATION, &v)?;
        *self.view_generation.lock().unwrap_or_else(|e| e.into_inner()) = Some(v);
        Ok(())
    }

    /// Whether `k` opens guest `id` (its own token or the box's), or with `id` `None` the grid
    /// (the box's token only).
    pub fn may_view(&self, store: &Store, k: Option<&str>, id: Option<&str>) -> Result<bool, StoreError> {
        let Some(k) = k else { return Ok(false) };
        let box_ok = same(k, &self.box_view_token(store)?);
        let guest_ok = match id {
            Some(id) => same(k, &self.guest_view_token(store, id)?),
            None => false,
        };
        Ok(box_ok | guest_ok)
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
        if total >= TOTAL {
            return Err(Full::Total);
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
                    assert_eq!(e, Full::Total);
                    break;
                }
            }
        }
        assert_eq!(seats.len() + others.len(), TOTAL);
        drop(others);
        drop(seats);
        assert!(g.pending.lock().unwrap().is_empty());
    }
}
