//! Who may hold an RTMP connection: a global number of slots and a number per address. When
//! either is full, a connection that has not published is closed to make room, so sockets that
//! connect and wait (or trickle bytes) can never keep a real publisher out. Which one: first those
//! that have not even sent `connect` (past their grace), then those that have; a connection in its
//! grace is not taken by another address, and when nothing may be taken the newcomer is refused.
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

/// Connections at once. One publishes; the rest are encoders retrying or probing.
pub const MAX_CONNS: usize = 32;
/// Connections from one address (an IPv6 /64 counts as one). Enough for an encoder that
/// reconnects before its old connection is gone, and a second one that is refused as busy.
pub const PER_IP: usize = 4;
/// From accept to an accepted `connect`, a connection is not evicted by other addresses. An
/// encoder needs the handshake (C0+C1 out, S0+S1+S2 back, C2) and `connect`: two to three round
/// trips, about a second on a slow or far uplink. Without a grace, a stranger with many addresses
/// (IPv6 gives a /64 for free) opening connections quickly evicts the encoder in that second; a
/// longer one would let such a stranger keep newcomers refused for longer.
pub const GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Accepted; no `connect` to the ingest's app yet.
    Fresh,
    /// Handshake done and `connect` to the ingest's app accepted: an encoder a few round trips from
    /// publishing.
    Connected,
    /// Publishing: never evicted.
    Published,
}

struct Conn {
    id: u64,
    key: IpAddr,
    since: Instant,
    stage: Stage,
    /// What the stage was before publishing (an unpublish returns to it).
    connected: bool,
    evict: Arc<Notify>,
}

#[derive(Default)]
pub struct Slots {
    conns: Mutex<(Vec<Conn>, u64)>,
}

/// Held by a connection for its lifetime.
pub struct Slot {
    slots: Arc<Slots>,
    id: u64,
    evict: Arc<Notify>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Full {
    #[error("every RTMP slot is held by a publisher or a connection still in its grace")]
    Global,
    #[error("every RTMP slot of this address is held by a publisher")]
    PerIp,
}

/// Addresses as the limits see them: IPv6 by /64 (one host picks freely inside its /64).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & (!0u128 << 64)).into()),
        },
        v4 => v4,
    }
}

impl Slots {
    /// A slot for a connection from `ip`, closing an unpublished one if that is what it takes.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Full> {
        self.admit_at(ip, Instant::now())
    }

    /// `admit` as of `now`.
    pub fn admit_at(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Result<Slot, Full> {
        let key = key(ip);
        let mut g = self.conns.lock().unwrap();
        let (conns, next) = &mut *g;
        if conns.iter().filter(|c| c.key == key).count() >= PER_IP {
            evict(conns, victim(conns, key, true, now).ok_or(Full::PerIp)?);
        }
        if conns.len() >= MAX_CONNS {
            evict(conns, victim(conns, key, false, now).ok_or(Full::Global)?);
        }
        *next += 1;
        let evict = Arc::new(Notify::new());
        conns.push(Conn { id: *next, key, since: now, stage: Stage::Fresh, connected: false, evict: evict.clone() });
        Ok(Slot { slots: self.clone(), id: *next, evict })
    }

    pub fn len(&self) -> usize {
        self.conns.lock().unwrap().0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which connection makes room for a newcomer from `key` (only among `key`'s own if `own`).
///
/// Connections that have not sent `connect` go first: past their grace (or from the newcomer's own
/// address, or from one holding several), from the address holding the most of them, oldest there. Those that have sent it are
/// taken only when no connection is still before `connect` at all: while one is in its grace the
/// newcomer is refused instead, so a quick flood of fresh connections cannot push out an encoder
/// that is between `connect` and `publish`. Among those, again the busiest address, oldest there.
fn victim(conns: &[Conn], key: IpAddr, own: bool, now: Instant) -> Option<usize> {
    let count = |k: IpAddr, stage: Stage| conns.iter().filter(|c| c.stage == stage && c.key == k).count();
    let pick = |stage: Stage, ok: &dyn Fn(&Conn) -> bool| {
        conns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.stage == stage && (!own || c.key == key) && ok(c))
            .min_by_key(|(_, c)| (std::cmp::Reverse(if own { 0 } else { count(c.key, stage) }), c.since))
            .map(|(i, _)| i)
    };
    // The grace shields an address's only connection before `connect` (an encoder makes one at a
    // time); an address holding several is making room with its own.
    let takeable = |c: &Conn| c.key == key || now.saturating_duration_since(c.since) >= GRACE || count(c.key, Stage::Fresh) > 1;
    if let Some(i) = pick(Stage::Fresh, &takeable) {
        return Some(i);
    }
    if conns.iter().any(|c| c.stage == Stage::Fresh && (!own || c.key == key)) {
        return None;
    }
    pick(Stage::Connected, &|_| true)
}

fn evict(conns: &mut Vec<Conn>, i: usize) {
    let c = conns.swap_remove(i);
    // A stored permit: the connection sees it at its next wait even if it is busy right now.
    c.evict.notify_one();
}

impl Slot {
    /// The peer completed the handshake and its `connect` to the ingest's app was accepted.
    pub fn set_connected(&self) {
        self.update(|c| {
            c.connected = true;
            if c.stage == Stage::Fresh {
                c.stage = Stage::Connected;
            }
        });
    }

    /// A publishing connection cannot be evicted; one that stopped publishing can again.
    pub fn set_published(&self, yes: bool) {
        self.update(|c| {
            c.stage = match (yes, c.connected) {
                (true, _) => Stage::Published,
                (false, true) => Stage::Connected,
                (false, false) => Stage::Fresh,
            }
        });
    }

    fn update(&self, f: impl FnOnce(&mut Conn)) {
        if let Some(c) = self.slots.conns.lock().unwrap().0.iter_mut().find(|c| c.id == self.id) {
            f(c);
        }
    }

    /// Completes when another connection took this one's place.
    pub async fn evicted(&self) {
        self.evict.notified().await
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut g = self.slots.conns.lock().unwrap();
        g.0.retain(|c| c.id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Whether `s` lost its place (its task is told through `evicted`).
    fn gone(s: &Slot) -> bool {
        !s.slots.conns.lock().unwrap().0.iter().any(|c| c.id == s.id)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A distinct address per `n`, as a stranger with many networks has.
    fn nth(n: usize) -> IpAddr {
        ip(&format!("2001:db8:{:x}:{:x}::1", n / 0x10000, n % 0x10000))
    }

    #[tokio::test]
    async fn the_oldest_unpublished_makes_room() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        let mut held = vec![];
        for i in 0..MAX_CONNS {
            held.push(s.admit_at(ip(&format!("10.0.{}.{}", i / 4, i % 4 + 1)), t0 + ms(i as u64)).unwrap());
        }
        held[0].set_published(true);
        // Full, every one past its grace: the newcomer takes the place of the oldest that has not
        // published (held[1]).
        let newcomer = s.admit_at(ip("10.9.9.9"), t0 + GRACE + ms(100)).unwrap();
        assert_eq!(s.len(), MAX_CONNS);
        tokio::time::timeout(Duration::from_secs(1), held[1].evicted()).await.expect("told to go");
        assert!(tokio::time::timeout(ms(50), held[0].evicted()).await.is_err(), "the publisher stays");
        drop(newcomer);
        assert_eq!(s.len(), MAX_CONNS - 1);
        // All publishing (not possible with one publisher, but the rule holds): refused.
        let s = Arc::new(Slots::default());
        let all: Vec<_> = (0..MAX_CONNS).map(|i| s.admit_at(ip(&format!("10.1.{i}.1")), t0).unwrap()).collect();
        for h in &all {
            h.set_published(true);
        }
        assert_eq!(s.admit_at(ip("10.2.0.1"), t0 + GRACE * 10).err(), Some(Full::Global));
    }

    #[test]
    fn the_busiest_address_makes_room_first() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        // The encoder connected first and has not sent `connect` yet; eight addresses fill the rest.
        let obs = s.admit_at(ip("192.168.1.50"), t0).unwrap();
        let mut flood = vec![];
        for i in 0..MAX_CONNS - 1 {
            flood.push(s.admit_at(ip(&format!("203.0.113.{}", i / PER_IP + 1)), t0).unwrap());
        }
        let mut t = t0 + GRACE;
        for _ in 0..20 {
            t += ms(10);
            flood.remove(0);
            flood.push(s.admit_at(ip("203.0.113.200"), t).unwrap());
        }
        let _more: Vec<_> = (0..PER_IP).map(|_| s.admit_at(ip("198.51.100.9"), t).unwrap()).collect();
        assert!(!gone(&obs), "the lone encoder stays while others hold many");
    }

    #[test]
    fn per_address_cap_evicts_within_the_address() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        let other = s.admit_at(ip("192.168.1.7"), t0).unwrap();
        let mine: Vec<_> = (0..PER_IP).map(|i| s.admit_at(ip("2001:db8::1"), t0 + ms(i as u64)).unwrap()).collect();
        // Another host of the same /64 counts as the same address, and the grace does not protect
        // a connection from its own address (an encoder reconnecting replaces its stale attempt).
        let _fifth = s.admit_at(ip("2001:db8::ffff:2"), t0 + ms(10)).unwrap();
        assert_eq!(s.len(), PER_IP + 1);
        assert!(gone(&mine[0]), "the address's oldest goes");
        assert!(!gone(&other));
        // Within the address too, one that has sent `connect` goes after those that have not.
        mine[2].set_connected();
        let _sixth = s.admit_at(ip("2001:db8::3"), t0 + ms(11)).unwrap();
        assert!(gone(&mine[1]));
        let _seventh = s.admit_at(ip("2001:db8::3"), t0 + ms(12)).unwrap();
        assert!(gone(&mine[3]));
        assert!(!gone(&mine[2]));
        assert_eq!(key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        assert_ne!(key(ip("2001:db8:0:1::1")), key(ip("2001:db8::1")));
    }

    /// The review's attack: a stranger with a new address per connection, opening them quickly
    /// (a thousand a second here), while the encoder connects on a slow uplink.
    #[test]
    fn a_churn_from_many_addresses_cannot_evict_an_encoder_that_is_connecting() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        // The box is full of the stranger's idle connections, past their grace.
        let mut held: std::collections::VecDeque<Slot> = (0..MAX_CONNS).map(|i| s.admit_at(nth(i), t0).unwrap()).collect();
        let enc_at = t0 + ms(5000);
        let encoder = s.admit_at(ip("192.168.1.50"), enc_at).unwrap();
        let (mut admitted, mut refused) = (0, 0);
        for n in 0..5000 {
            let t = enc_at + ms(1 + n as u64);
            // Handshake and `connect` take the encoder 1.5 s; `publish` comes 1.5 s later.
            if t == enc_at + ms(1500) {
                encoder.set_connected();
            }
            if t == enc_at + ms(3000) {
                encoder.set_published(true);
            }
            assert!(!gone(&encoder), "the encoder was evicted {} ms after its accept", n + 1);
            match s.admit_at(nth(MAX_CONNS + n), t) {
                Ok(slot) => {
                    admitted += 1;
                    held.push_back(slot);
                }
                Err(e) => {
                    assert_eq!(e, Full::Global);
                    refused += 1;
                }
            }
            // The stranger's evicted sockets close, as a real connection's task ends.
            held.retain(|h| !gone(h));
        }
        assert!(admitted > MAX_CONNS && refused > 1000, "the churn went on: {admitted} in, {refused} refused");
        assert!(!gone(&encoder));
    }

    #[test]
    fn connected_ones_go_only_when_no_connection_is_before_connect() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        let all: Vec<_> = (0..MAX_CONNS).map(|i| s.admit_at(nth(i), t0 + ms(i as u64)).unwrap()).collect();
        for h in &all[..MAX_CONNS - 1] {
            h.set_connected();
        }
        // One still before `connect`, past its grace: it goes, though every other is older.
        let a = s.admit_at(nth(100), t0 + GRACE + ms(100)).unwrap();
        assert!(gone(&all[MAX_CONNS - 1]));
        assert!(all[..MAX_CONNS - 1].iter().all(|h| !gone(h)));
        // The newcomer is in its grace: nobody from another address is evicted for a while...
        assert_eq!(s.admit_at(nth(101), t0 + GRACE + ms(200)).err(), Some(Full::Global));
        assert!(all[..MAX_CONNS - 1].iter().all(|h| !gone(h)));
        // ...and once it has connected too, the oldest connected one makes room.
        a.set_connected();
        let _b = s.admit_at(nth(102), t0 + GRACE + ms(300)).unwrap();
        assert!(gone(&all[0]));
        assert!(all[1..MAX_CONNS - 1].iter().all(|h| !gone(h)));
        assert!(!gone(&a));
    }

    #[test]
    fn a_fresh_connection_has_its_grace_then_not() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        let encoder = s.admit_at(ip("192.168.1.50"), t0).unwrap();
        let _rest: Vec<_> = (0..MAX_CONNS - 1).map(|i| s.admit_at(nth(i), t0 + ms(10)).unwrap()).collect();
        // All in their grace: a newcomer from elsewhere is refused rather than evicting anyone.
        assert_eq!(s.admit_at(nth(500), t0 + GRACE - ms(1)).err(), Some(Full::Global));
        assert!(!gone(&encoder));
        // A connection that never sends `connect` is just an idle socket once its grace is over.
        let _n = s.admit_at(nth(501), t0 + GRACE).unwrap();
        assert!(gone(&encoder));
    }

    #[test]
    fn the_grace_does_not_cover_an_address_holding_several() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        let lone = s.admit_at(ip("192.168.1.50"), t0).unwrap();
        let many: Vec<_> = (0..MAX_CONNS - 1).map(|i| s.admit_at(ip(&format!("203.0.113.{}", i / PER_IP + 1)), t0 + ms(i as u64)).unwrap()).collect();
        // A burst from eight addresses, all in their grace: a newcomer takes the place of the oldest
        // at an address holding four, never the lone connection.
        let _n = s.admit_at(ip("198.51.100.9"), t0 + ms(100)).unwrap();
        assert!(gone(&many[0]));
        assert!(!gone(&lone));
        let _m = s.admit_at(ip("198.51.100.10"), t0 + ms(101)).unwrap();
        assert!(gone(&many[4]), "the next busiest address, oldest there");
        assert!(!gone(&lone));
    }

    #[test]
    fn an_unpublished_connection_is_again_what_it_was() {
        let s = Arc::new(Slots::default());
        let t0 = Instant::now();
        let enc = s.admit_at(ip("192.168.1.50"), t0).unwrap();
        enc.set_connected();
        enc.set_published(true);
        enc.set_published(false);
        let others: Vec<_> = (0..MAX_CONNS - 1).map(|i| s.admit_at(nth(i), t0).unwrap()).collect();
        let _n = s.admit_at(nth(600), t0 + GRACE).unwrap();
        assert!(!gone(&enc), "still counts as connected");
        assert_eq!(others.iter().filter(|h| gone(h)).count(), 1);
    }
}
