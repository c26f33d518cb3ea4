//! The login limiter: who may try a password how often, and how many argon2 hashes run at once.
//!
//! - Anonymous tries are limited per network (an IPv4 address, an IPv6 /64: one host can hold a whole
//!   /64, so rotating inside it gains nothing) and, all together, by a global budget (rotating across
//!   networks gains nothing either).
//! - A browser that logged in before holds a signed device cookie (OWASP's "device cookies"); its tries
//!   are limited per device, apart from the anonymous budgets, so an attacker behind the same loopback
//!   tunnel or /64 as the owner locks out only the anonymous path, never the owner's browser.
//! - At most [`HASHES`] argon2 hashes run at once; a try waits up to [`HASH_WAIT`] for one, and beyond
//!   [`MAX_WAITING`] waiting tries the answer is 503 at once: nothing piles up.
//! - Entries idle long enough to be full again are forgotten (pruned every [`PRUNE_EVERY`]).
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Per network and per device: five tries at once, then one every six seconds. Guessing stays
/// hopeless and the owner who mistyped is back in within seconds.
const PER_KEY_BURST: u32 = 5;
const PER_KEY_PER_MIN: u32 = 10;
/// Everyone anonymous together: 20 at once, then one every two seconds (43,200 guesses a day against
/// a password of at least 8 characters). Above the per-network burst, so one network meets its own
/// limit first and does not use up everybody's.
const GLOBAL_BURST: u32 = 20;
const GLOBAL_PER_MIN: u32 = 30;
/// argon2id with the crate's defaults (19 MiB, 2 passes) took 0.16–0.31 s a login on the 2-core
/// build machine under load (load average 13), and holds 19 MiB while it runs: two at once leave the
/// other cores, and the memory, to the show. A try waits up to 3 s (about ten hashes) for its turn.
pub const HASHES: usize = 2;
pub const HASH_WAIT: Duration = Duration::from_secs(3);
pub const MAX_WAITING: usize = 8;
/// The shared key of networks that arrive while the table is full (an unspecified address: no
/// client has it).
const OVERFLOW: IpAddr = IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Networks remembered at most; past that (after a prune) unknown networks share the global budget.
const MAX_KEYS: usize = 10_000;

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Too many tries: come back after this long.
    Limited(Duration),
    /// Too many hashes in flight.
    Busy,
}

pub struct LoginGuard {
    by_net: DefaultKeyedRateLimiter<IpAddr>,
    by_device: DefaultKeyedRateLimiter<String>,
    global: DefaultDirectRateLimiter,
    hashes: Arc<Semaphore>,
    waiting: AtomicUsize,
}

/// The key a peer's tries are counted under: IPv4 (and IPv4-mapped IPv6) by address, IPv6 by /64.
pub fn net_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        v4 => v4,
    }
}

fn quota(burst: u32, per_min: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_min).unwrap()).allow_burst(NonZeroU32::new(burst).unwrap())
}

fn wait(not_until: governor::NotUntil<governor::clock::QuantaInstant>) -> Refusal {
    Refusal::Limited(not_until.wait_time_from(DefaultClock::default().now()))
}

impl Default for LoginGuard {
    fn default() -> Self {
        LoginGuard {
            by_net: RateLimiter::keyed(quota(PER_KEY_BURST, PER_KEY_PER_MIN)),
            by_device: RateLimiter::keyed(quota(PER_KEY_BURST, PER_KEY_PER_MIN)),
            global: RateLimiter::direct(quota(GLOBAL_BURST, GLOBAL_PER_MIN)),
            hashes: Arc::new(Semaphore::new(HASHES)),
            waiting: AtomicUsize::new(0),
        }
    }
}

impl LoginGuard {
    /// Counts one try from `peer`, or from the known device `device` (a verified device cookie's id).
    pub fn attempt(&self, peer: IpAddr, device: Option<&str>) -> Result<(), Refusal> {
        if let Some(d) = device {
            return self.by_device.check_key(&d.to_string()).map_err(wait);
        }
        self.attempt_network(peer)?;
        self.global.check().map_err(wait)
    }

    /// Counts one try against `peer`'s network alone. While [`MAX_KEYS`] networks are remembered
    /// and none can be pruned, every network shares one budget: filling the table buys an attacker
    /// no unlimited tries (before, the per-network check was skipped then).
    pub fn attempt_network(&self, peer: IpAddr) -> Result<(), Refusal> {
        if self.by_net.len() >= MAX_KEYS {
            self.prune();
        }
        let key = if self.by_net.len() < MAX_KEYS { net_key(peer) } else { OVERFLOW };
        self.by_net.check_key(&key).map_err(wait)
    }

    /// A permit to run one hash; dropped when the hash is done.
    pub async fn hash_permit(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        if let Ok(p) = self.hashes.clone().try_acquire_owned() {
            return Ok(p);
        }
        // Counted out on drop: a request whose client goes away mid-wait must not keep its place.
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let waiting = Waiting(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            return Err(Refusal::Busy);
        }
        let r = tokio::time::timeout(HASH_WAIT, self.hashes.clone().acquire_owned()).await;
        drop(waiting);
        match r {
            Ok(Ok(p)) => Ok(p),
            _ => Err(Refusal::Busy),
        }
    }

    /// Forgets networks and devices whose budget is full again (they would start afresh anyway).
    pub fn prune(&self) {
        self.by_net.retain_recent();
        self.by_net.shrink_to_fit();
        self.by_device.retain_recent();
        self.by_device.shrink_to_fit();
    }

    pub fn remembered(&self) -> usize {
        self.by_net.len() + self.by_device.len()
    }

    /// Prunes every [`PRUNE_EVERY`] for as long as the guard lives.
    pub fn spawn_pruner(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut t = tokio::time::interval(PRUNE_EVERY);
            t.tick().await;
            loop {
                t.tick().await;
                match weak.upgrade() {
                    Some(g) => g.prune(),
                    None => return,
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_by_64_and_ipv4_mapped_by_address() {
        assert_eq!(net_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(net_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), net_key(ip("2001:db8:1:2::5")));
        assert_ne!(net_key(ip("2001:db8:1:3::1")), net_key(ip("2001:db8:1:2::1")));
        assert_eq!(net_key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        assert_eq!(net_key(ip("192.0.2.7")), ip("192.0.2.7"));
    }

    #[test]
    fn rotation_inside_a_64_and_across_networks_is_held() {
        let g = LoginGuard::default();
        let mut ok = 0;
        for i in 0..50u32 {
            if g.attempt(ip(&format!("2001:db8:0:1::{i:x}")), None).is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, PER_KEY_BURST);
        let g = LoginGuard::default();
        let ok = (0..100u32).filter(|i| g.attempt(ip(&format!("2001:db8:{i:x}::1")), None).is_ok()).count();
        assert_eq!(ok as u32, GLOBAL_BURST, "one try per /64 across 100 networks: the global budget holds");
        // A known device still gets its own budget.
        assert!(g.attempt(ip("2001:db8::1"), Some("dev-a")).is_ok());
        assert_eq!(g.remembered(), 101);
    }

    #[tokio::test]
    async fn hashes_are_bounded() {
        let g = LoginGuard::default();
        let held: Vec<_> = futures_util::future::join_all((0..HASHES).map(|_| g.hash_permit())).await;
        assert!(held.iter().all(|p| p.is_ok()));
        let waiters = futures_util::future::join_all((0..MAX_WAITING + 3).map(|_| g.hash_permit())).await;
        assert!(waiters.iter().all(|p| p.as_ref().err() == Some(&Refusal::Busy)));
        assert_eq!(g.waiting.load(Ordering::Acquire), 0);
        drop(held);
        assert!(g.hash_permit().await.is_ok());
    }

    /// A request dropped while it waits (its client went away) gives its place back.
    #[tokio::test]
    async fn a_waiter_that_goes_away_leaves_no_place_behind() {
        let g = LoginGuard::default();
        let held: Vec<_> = futures_util::future::join_all((0..HASHES).map(|_| g.hash_permit())).await;
        for _ in 0..MAX_WAITING + 2 {
            let gone = tokio::time::timeout(std::time::Duration::from_millis(20), g.hash_permit()).await;
            assert!(gone.is_err(), "still waiting when its client left");
        }
        assert_eq!(g.waiting.load(Ordering::Acquire), 0);
        drop(held);
        assert!(g.hash_permit().await.is_ok(), "not refused as busy by waiters that left");
    }

    #[test]
    fn a_full_table_shares_one_budget_instead_of_none() {
        let g = LoginGuard::default();
        for i in 0..MAX_KEYS as u32 {
            let _ = g.attempt_network(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
        }
        let fresh = (0..50u32).filter(|i| g.attempt_network(ip(&format!("2001:db8:ff:{i:x}::1"))).is_ok()).count();
        assert_eq!(fresh, PER_KEY_BURST as usize, "new networks past the table's size are still limited");
    }
}
