//! Who may hold an RTMP connection: a global number of slots and a number per address. When
//! either is full, the oldest connection that has not published is closed to make room, so
//! sockets that connect and wait (or trickle bytes) can never keep a real publisher out.
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::Notify;

/// Connections at once. One publishes; the rest are encoders retrying or probing.
pub const MAX_CONNS: usize = 32;
/// Connections from one address (an IPv6 /64 counts as one). Enough for an encoder that
/// reconnects before its old connection is gone, and a second one that is refused as busy.
pub const PER_IP: usize = 4;

struct Conn {
    id: u64,
    key: IpAddr,
    since: Instant,
    published: bool,
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
    #[error("every RTMP slot is held by a publisher")]
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
    /// A slot for a connection from `ip`, closing the oldest unpublished one if that is what it takes.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Full> {
        let key = key(ip);
        let mut g = self.conns.lock().unwrap();
        let (conns, next) = &mut *g;
        if conns.iter().filter(|c| c.key == key).count() >= PER_IP {
            evict_oldest(conns, Some(key)).ok_or(Full::PerIp)?;
        }
        if conns.len() >= MAX_CONNS {
            evict_oldest(conns, None).ok_or(Full::Global)?;
        }
        *next += 1;
        let evict = Arc::new(Notify::new());
        conns.push(Conn { id: *next, key, since: Instant::now(), published: false, evict: evict.clone() });
        Ok(Slot { slots: self.clone(), id: *next, evict })
    }

    pub fn len(&self) -> usize {
        self.conns.lock().unwrap().0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Removes the oldest connection that has not published (from `key` only, if given; otherwise from
/// the address holding the most such connections) and tells it. Taking from the busiest address
/// first means a stranger churning connections from a few addresses evicts their own before the
/// encoder that is just now connecting.
fn evict_oldest(conns: &mut Vec<Conn>, key: Option<IpAddr>) -> Option<()> {
    let unpublished = |k: IpAddr| conns.iter().filter(|c| !c.published && c.key == k).count();
    let (i, _) = conns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.published && key.is_none_or(|k| c.key == k))
        .min_by_key(|(_, c)| (std::cmp::Reverse(if key.is_some() { 0 } else { unpublished(c.key) }), c.since))?;
    let c = conns.swap_remove(i);
    // A stored permit: the connection sees it at its next wait even if it is busy right now.
    c.evict.notify_one();
    Some(())
}

impl Slot {
    /// A publishing connection cannot be evicted; one that stopped publishing can again.
    pub fn set_published(&self, yes: bool) {
        if let Some(c) = self.slots.conns.lock().unwrap().0.iter_mut().find(|c| c.id == self.id) {
            c.published = yes;
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
    use std::time::Duration;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn the_oldest_unpublished_makes_room() {
        let s = Arc::new(Slots::default());
        let mut held = vec![];
        for i in 0..MAX_CONNS {
            held.push(s.admit(ip(&format!("10.0.{}.{}", i / 4, i % 4 + 1))).unwrap());
        }
        held[0].set_published(true);
        // Full: the newcomer takes the place of the oldest that has not published (held[1]).
        let newcomer = s.admit(ip("10.9.9.9")).unwrap();
        assert_eq!(s.len(), MAX_CONNS);
        tokio::time::timeout(Duration::from_secs(1), held[1].evicted()).await.expect("told to go");
        assert!(tokio::time::timeout(Duration::from_millis(50), held[0].evicted()).await.is_err(), "the publisher stays");
        drop(newcomer);
        assert_eq!(s.len(), MAX_CONNS - 1);
        // All publishing (not possible with one publisher, but the rule holds): refused.
        let s = Arc::new(Slots::default());
        let all: Vec<_> = (0..MAX_CONNS).map(|i| s.admit(ip(&format!("10.1.{i}.1"))).unwrap()).collect();
        for h in &all {
            h.set_published(true);
        }
        assert_eq!(s.admit(ip("10.2.0.1")).err(), Some(Full::Global));
    }

    #[tokio::test]
    async fn the_busiest_address_makes_room_first() {
        let s = Arc::new(Slots::default());
        // The encoder connected first and has not published yet; eight addresses fill the rest.
        let obs = s.admit(ip("192.168.1.50")).unwrap();
        let mut flood = vec![];
        for i in 0..MAX_CONNS - 1 {
            flood.push(s.admit(ip(&format!("203.0.113.{}", i / PER_IP + 1))).unwrap());
        }
        for _ in 0..20 {
            flood.remove(0);
            flood.push(s.admit(ip("203.0.113.200")).unwrap());
        }
        let _more: Vec<_> = (0..PER_IP).map(|_| s.admit(ip("198.51.100.9")).unwrap()).collect();
        assert!(tokio::time::timeout(Duration::from_millis(50), obs.evicted()).await.is_err(), "the lone encoder stays while others hold many");
    }

    #[tokio::test]
    async fn per_address_cap_evicts_within_the_address() {
        let s = Arc::new(Slots::default());
        let other = s.admit(ip("192.168.1.7")).unwrap();
        let mine: Vec<_> = (0..PER_IP).map(|_| s.admit(ip("2001:db8::1")).unwrap()).collect();
        // Another host of the same /64 counts as the same address.
        let _fifth = s.admit(ip("2001:db8::ffff:2")).unwrap();
        assert_eq!(s.len(), PER_IP + 1);
        tokio::time::timeout(Duration::from_secs(1), mine[0].evicted()).await.expect("the address's oldest goes");
        assert!(tokio::time::timeout(Duration::from_millis(50), other.evicted()).await.is_err());
        assert_eq!(key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        assert_ne!(key(ip("2001:db8:0:1::1")), key(ip("2001:db8::1")));
    }
}
