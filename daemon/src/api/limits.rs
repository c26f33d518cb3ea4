//! What the network may hold of the box: connections (box-wide and per address), requests in flight,
//! long-polls and event feeds. Over a limit a client gets 429 (its own address holds too much) or
//! 503 (the box is full), with `Retry-After`, in the SPEC's error shape.
//!
//! A connection with no request in flight (still sending its headers, or idle between requests) is
//! cheap to lose, so when a cap is reached the oldest such connection makes room: a flood of
//! connections that never finish their headers cannot keep a real client out.
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// The numbers (see `Caps::for_fd_limit` for why).
#[derive(Debug, Clone)]
pub struct Caps {
    /// Open HTTP and HTTPS connections together, WebSocket feeds included.
    pub connections: usize,
    /// Open connections from one address (an IPv6 client counts by its /64).
    pub per_ip: usize,
    /// Requests being answered at once, box-wide.
    pub requests: usize,
    /// Requests being answered at once for one address (an HTTP/2 connection carries several).
    pub requests_per_ip: usize,
    /// Long-polls (WHEP waiting for a guest's media, the grid's list) waiting at once.
    pub long_polls: usize,
    /// `/api/v1/events` WebSockets at once.
    pub event_feeds: usize,
    /// Refused connections being answered at once (the rest are closed straight away).
    pub refusals: usize,
    /// From the connection's start, or the end of its previous request, to the end of the next
    /// request's headers; also how long an idle keep-alive connection is kept.
    pub header_timeout: Duration,
    /// A request in flight that moves no byte either way for this long is dropped (a client
    /// that stops reading its answer).
    pub stall_timeout: Duration,
    /// A request's body may take this long before `body_min_rate` applies.
    pub body_grace: Duration,
    /// After `body_grace`, a body must have arrived at this many bytes a second on average, or the
    /// request ends (413-free: a 408 `slow_body`). A byte every minute kept the stall timer alive.
    pub body_min_rate: u64,
}

/// File descriptors kept for everything that is not an HTTP connection: 32 RTMP slots, SRT, each
/// output's and each guest's GStreamer sockets and pipes (a guest's webrtcbin holds about 20), the
/// database, logs and the listeners.
const RESERVED_FDS: u64 = 384;

impl Caps {
    /// Half of what the file-descriptor limit leaves after `RESERVED_FDS`, at most 512 (each
    /// connection can hold up to `MAX_HEADER_BUF` of headers: 512 of them are 16 MiB at worst on a
    /// 4 GB Pi) and at least 32.
    pub fn for_fd_limit(nofile: u64) -> Caps {
        let connections = (nofile.saturating_sub(RESERVED_FDS) / 2).clamp(32, 512) as usize;
        Caps {
            connections,
            // A venue's NAT or a tunnel puts many people behind one address; a browser opens at
            // most 6 connections to a host, an OBS with a dozen guest sources a few more.
            per_ip: (connections / 4).min(64),
            requests: (connections / 2).min(256),
            // As many as its connections: over TLS one HTTP/2 connection carries up to 32, and
            // without this an address could hold the box's every request slot. (Lower would refuse
            // the browser tests' and OBS's bursts from one address: 30 WHEP offers at once.)
            requests_per_ip: (connections / 4).min(64),
            long_polls: 64,
            event_feeds: 16,
            refusals: 64,
            header_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(60),
            // Bodies are JSON and SDP of a few KiB, or a backup or update file; 8 KiB/s is a
            // 64 kbit/s uplink, far under any venue's, and costs a flood 8 KiB/s per request held.
            body_grace: Duration::from_secs(5),
            body_min_rate: 8 * 1024,
        }
    }
}

/// Connections told to close to make room that may still hold their sockets.
pub const MAX_CLOSING: usize = 16;

/// The most header bytes a connection may hold before its request is complete (hyper's smallest
/// buffer cap is 8 KiB; browsers send 1–2 KiB, with cookies rarely more than 8).
pub const MAX_HEADER_BUF: usize = 32 * 1024;

/// Raises this process's soft limit on open files to its hard limit (systemd's default hard limit
/// is 524288, the soft one 1024), at most 65536. Returns the soft limit now in force.
pub fn raise_fd_limit() -> u64 {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 1024;
        }
        let want = r.rlim_max.min(65536);
        if want > r.rlim_cur {
            let n = libc::rlimit { rlim_cur: want, rlim_max: r.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &n) == 0 {
                return want;
            }
        }
    }
    r.rlim_cur
}

/// Who a connection counts against: an IPv4 address, or an IPv6 address's /64 (one home or
/// phone gets a whole /64).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

/// Why a connection was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its address already holds `per_ip` connections, all of them busy: 429.
    PerClient,
    /// The box holds `connections` connections, all of them busy: 503.
    Full,
}

impl Refusal {
    pub fn error(self) -> ApiError {
        match self {
            Refusal::PerClient => ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_connections", "this address has too many connections open to the box"),
            Refusal::Full => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "connections_full", "the box has as many connections open as it takes"),
        }
    }
}

/// One open connection, as the limits see it.
pub struct ConnState {
    key: IpAddr,
    /// Requests in flight (more than one on HTTP/2).
    busy: AtomicUsize,
    /// Milliseconds since `Limits::epoch` at the last sign of life: a request starting or ending,
    /// a body frame in either direction.
    last_progress: AtomicU64,
    /// Held open by an event feed (a WebSocket): never made room with.
    pinned: AtomicBool,
    /// Told to close to make room; still counted until it has.
    evicted: AtomicBool,
    /// Tells the connection's task to close it.
    pub kill: Notify,
}

impl ConnState {
    /// The address (or IPv6 /64) this connection counts against.
    pub fn key(&self) -> IpAddr {
        self.key
    }

    fn evictable(&self) -> bool {
        self.busy.load(Ordering::Acquire) == 0 && !self.pinned.load(Ordering::Acquire) && !self.evicted.load(Ordering::Acquire)
    }
}

/// A connection's place in the table; freed when the last clone is dropped (the connection's task,
/// or the event feed its WebSocket became).
pub struct Conn {
    limits: Arc<Limits>,
    id: u64,
    pub state: Arc<ConnState>,
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.limits.forget(self.id);
    }
}

impl Conn {
    pub fn limits(&self) -> &Arc<Limits> {
        &self.limits
    }

    /// Marks a sign of life on this connection.
    pub fn progress(&self) {
        self.state.last_progress.store(self.limits.now_ms(), Ordering::Relaxed);
    }

    /// A request starts; the guard ends it.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.state.busy.fetch_add(1, Ordering::AcqRel);
        self.progress();
        InFlight(self.clone())
    }

    /// This connection is an event feed now: it stays counted until the feed ends, and is not
    /// closed to make room.
    pub fn pin(&self) {
        self.state.pinned.store(true, Ordering::Release);
    }

    /// Resolves when the connection should be closed for inactivity: no request in flight for
    /// `header_timeout`, or one in flight that moved nothing for `stall_timeout`.
    pub async fn expired(&self) {
        let caps = &self.limits.caps;
        loop {
            let quiet = Duration::from_millis(self.limits.now_ms().saturating_sub(self.state.last_progress.load(Ordering::Relaxed)));
            let allowed = if self.state.busy.load(Ordering::Acquire) == 0 { caps.header_timeout } else { caps.stall_timeout };
            if quiet >= allowed {
                return;
            }
            tokio::time::sleep(allowed - quiet).await;
        }
    }
}

/// One event feed's place; `ended` completes when a newer feed took it.
pub struct FeedSlot {
    limits: Arc<Limits>,
    id: u64,
    end: Arc<Notify>,
    _permit: OwnedSemaphorePermit,
}

impl FeedSlot {
    pub async fn ended(&self) {
        self.end.notified().await
    }
}

impl Drop for FeedSlot {
    fn drop(&mut self) {
        self.limits.feeds.lock().unwrap().remove(&self.id);
    }
}

/// One request's place in the box's and its address's request caps.
pub struct RequestSlot {
    limits: Arc<Limits>,
    key: IpAddr,
    _permit: OwnedSemaphorePermit,
}

impl Drop for RequestSlot {
    fn drop(&mut self) {
        let mut m = self.limits.in_flight.lock().unwrap();
        if let Some(n) = m.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.key);
            }
        }
    }
}

/// A request in flight on a connection.
pub struct InFlight(Arc<Conn>);

impl InFlight {
    pub fn progress(&self) {
        self.0.progress();
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.progress();
        self.0.state.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Default)]
struct Table {
    next: u64,
    /// By id, that is by age: the first evictable one is the oldest.
    conns: BTreeMap<u64, Arc<ConnState>>,
    per_key: HashMap<IpAddr, usize>,
    /// Connections told to close that have not yet.
    closing: usize,
}

impl Table {
    fn remove(&mut self, id: u64) -> Option<Arc<ConnState>> {
        let s = self.conns.remove(&id)?;
        if s.evicted.load(Ordering::Acquire) {
            self.closing -= 1;
        }
        if let Some(n) = self.per_key.get_mut(&s.key) {
            *n -= 1;
            if *n == 0 {
                self.per_key.remove(&s.key);
            }
        }
        Some(s)
    }

    /// Closes the oldest connection with nothing in flight (of `key` only, if given).
    fn evict_oldest(&mut self, key: Option<IpAddr>) -> bool {
        match self.conns.values().find(|s| key.is_none_or(|k| s.key == k) && s.evictable()) {
            Some(s) => {
                s.evicted.store(true, Ordering::Release);
                s.kill.notify_one();
                self.closing += 1;
                true
            }
            None => false,
        }
    }
}

pub struct Limits {
    pub caps: Caps,
    epoch: Instant,
    table: Mutex<Table>,
    requests: Arc<Semaphore>,
    /// Requests in flight per address.
    in_flight: Mutex<HashMap<IpAddr, usize>>,
    long_polls: Arc<Semaphore>,
    event_feeds: Arc<Semaphore>,
    /// The open feeds by age, each with the signal that ends it.
    feeds: Mutex<BTreeMap<u64, Arc<Notify>>>,
    refusals: Arc<Semaphore>,
    /// Signalled when a connection told to close has.
    closed: Notify,
    /// Connections closed to make room, and refused (for `/metrics` and the logs).
    pub evicted: AtomicU64,
    pub refused: AtomicU64,
}

impl Limits {
    pub fn new(caps: Caps) -> Arc<Limits> {
        Arc::new(Limits {
            epoch: Instant::now(),
            table: Mutex::default(),
            requests: Arc::new(Semaphore::new(caps.requests)),
            in_flight: Mutex::default(),
            long_polls: Arc::new(Semaphore::new(caps.long_polls)),
            event_feeds: Arc::new(Semaphore::new(caps.event_feeds)),
            feeds: Mutex::default(),
            refusals: Arc::new(Semaphore::new(caps.refusals)),
            closed: Notify::new(),
            evicted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            caps,
        })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn forget(&self, id: u64) {
        let was_closing = self.table.lock().unwrap().remove(id).is_some_and(|s| s.evicted.load(Ordering::Acquire));
        if was_closing {
            self.closed.notify_waiters();
        }
    }

    /// Waits while too many connections told to close still hold their sockets: the listeners
    /// stop accepting (the kernel's backlog holds the rest) until they have, so open files stay
    /// under `connections` + `MAX_CLOSING`.
    pub async fn room_to_accept(&self) {
        loop {
            let n = self.closed.notified();
            tokio::pin!(n);
            n.as_mut().enable();
            if self.table.lock().unwrap().closing < MAX_CLOSING {
                return;
            }
            n.await;
        }
    }

    /// Takes a new connection from `peer`, closing an idle one to make room if a cap is reached.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Arc<Conn>, Refusal> {
        let key = client_key(peer);
        let mut t = self.table.lock().unwrap();
        let closing_here = t.conns.values().filter(|s| s.key == key && s.evicted.load(Ordering::Acquire)).count();
        if t.per_key.get(&key).copied().unwrap_or(0) - closing_here >= self.caps.per_ip {
            if !t.evict_oldest(Some(key)) {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return Err(Refusal::PerClient);
            }
            self.evicted.fetch_add(1, Ordering::Relaxed);
        }
        if t.conns.len() - t.closing >= self.caps.connections {
            if !t.evict_oldest(None) {
                self.refused.fetch_add(1, Ordering::Relaxed);
                return Err(Refusal::Full);
            }
            self.evicted.fetch_add(1, Ordering::Relaxed);
        }
        let id = t.next;
        t.next += 1;
        let state = Arc::new(ConnState {
            key,
            busy: AtomicUsize::new(0),
            last_progress: AtomicU64::new(self.now_ms()),
            pinned: AtomicBool::new(false),
            evicted: AtomicBool::new(false),
            kill: Notify::new(),
        });
        t.conns.insert(id, state.clone());
        *t.per_key.entry(key).or_insert(0) += 1;
        Ok(Arc::new(Conn { limits: self.clone(), id, state }))
    }

    /// The soft limit on open files in force now.
    pub fn fd_limit() -> u64 {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit only writes the struct given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
            return 1024;
        }
        r.rlim_cur
    }

    /// Open connections now (those told to close and not yet closed included).
    pub fn connections(&self) -> usize {
        self.table.lock().unwrap().conns.len()
    }

    /// Connections with a request in flight now.
    pub fn busy_connections(&self) -> usize {
        self.table.lock().unwrap().conns.values().filter(|s| s.busy.load(Ordering::Acquire) > 0).count()
    }

    /// Closes every connection with nothing in flight (at shut-down).
    pub fn close_idle(&self) {
        let mut t = self.table.lock().unwrap();
        while t.evict_oldest(None) {}
    }

    /// A slot for answering one request from `key` (a [`ConnState::key`]): 429 when that address
    /// holds `requests_per_ip` already, 503 when the box is full.
    pub fn request(self: &Arc<Self>, key: IpAddr) -> Result<RequestSlot, ApiError> {
        let mut m = self.in_flight.lock().unwrap();
        let n = m.entry(key).or_insert(0);
        if *n >= self.caps.requests_per_ip {
            return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "this address has too many requests in flight on the box"));
        }
        let permit = self.requests.clone().try_acquire_owned();
        let Ok(permit) = permit else {
            if *n == 0 {
                m.remove(&key);
            }
            return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "requests_full", "the box is answering as many requests as it takes"));
        };
        *n += 1;
        Ok(RequestSlot { limits: self.clone(), key, _permit: permit })
    }

    /// Requests in flight from `key` now.
    pub fn requests_from(&self, key: IpAddr) -> usize {
        self.in_flight.lock().unwrap().get(&key).copied().unwrap_or(0)
    }

    /// A slot for one long-poll, or 503.
    pub fn long_poll(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.long_polls
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "long_polls_full", "too many requests are waiting on the box; try again shortly"))
    }

    /// A place for one `/api/v1/events` feed. When every place is taken the oldest feed is told to
    /// end and its place goes to this one (every feed is a signed-in dashboard; the newest is the
    /// one someone is looking at, and forgotten tabs must not lock the owner out); 503 only if
    /// none lets go within a second.
    pub async fn event_feed(self: &Arc<Self>) -> Result<FeedSlot, ApiError> {
        let permit = match self.event_feeds.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                if let Some((_, oldest)) = self.feeds.lock().unwrap().first_key_value() {
                    oldest.notify_one();
                }
                match tokio::time::timeout(Duration::from_secs(1), self.event_feeds.clone().acquire_owned()).await {
                    Ok(Ok(p)) => p,
                    _ => {
                        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "event_feeds_full", "too many event feeds are open; close a dashboard tab"))
                    }
                }
            }
        };
        let end = Arc::new(Notify::new());
        let mut f = self.feeds.lock().unwrap();
        let id = f.last_key_value().map_or(0, |(k, _)| k + 1);
        f.insert(id, end.clone());
        Ok(FeedSlot { limits: self.clone(), id, end, _permit: permit })
    }

    /// A slot for answering a refused connection, if one is free.
    pub fn refusal(&self) -> Option<OwnedSemaphorePermit> {
        self.refusals.clone().try_acquire_owned().ok()
    }
}

impl Default for Caps {
    fn default() -> Self {
        Caps::for_fd_limit(1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(connections: usize, per_ip: usize) -> Caps {
        Caps { connections, per_ip, ..Caps::default() }
    }

    #[test]
    fn numbers_fit_the_fd_limit() {
        let c = Caps::for_fd_limit(1024);
        assert_eq!(c.connections, 320);
        assert!(c.connections as u64 + c.refusals as u64 + RESERVED_FDS <= 1024);
        assert_eq!(Caps::for_fd_limit(65536).connections, 512);
        assert_eq!(Caps::for_fd_limit(256).connections, 32);
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        assert_eq!(client_key("::ffff:10.0.0.1".parse().unwrap()), "10.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn idle_connections_make_room_busy_ones_do_not() {
        let l = Limits::new(caps(3, 2));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = l.admit(ip).unwrap();
        let _busy = a.begin();
        let b = l.admit(ip).unwrap();
        // The address is at its cap: its idle `b` is told to close, its busy `a` stays.
        let c = l.admit(ip).unwrap();
        assert!(b.state.evicted.load(Ordering::Acquire) && !a.state.evicted.load(Ordering::Acquire));
        assert_eq!(l.connections(), 3);
        drop(b);
        assert_eq!(l.connections(), 2);
        let _c_busy = c.begin();
        assert_eq!(l.admit(ip).err(), Some(Refusal::PerClient));
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let d = l.admit(other).unwrap();
        let _d_busy = d.begin();
        assert_eq!(l.admit("10.0.0.3".parse().unwrap()).err(), Some(Refusal::Full));
        drop(_d_busy);
        assert!(l.admit("10.0.0.3".parse().unwrap()).is_ok());
    }

    #[test]
    fn one_address_holds_only_its_share_of_the_requests() {
        let l = Limits::new(Caps { requests: 10, requests_per_ip: 3, ..Caps::default() });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..3).map(|_| l.request(a).unwrap()).collect();
        let e = l.request(a).err().unwrap();
        assert_eq!((e.status, e.code), (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"));
        // Others are not held back by it.
        let b: Vec<_> = (0..3).map(|i| l.request(format!("10.0.1.{i}").parse().unwrap()).unwrap()).collect();
        drop(held);
        assert_eq!(l.requests_from(a), 0);
        let again: Vec<_> = (0..3).map(|_| l.request(a).unwrap()).collect();
        // The box-wide cap: 3 + 3 held, 4 more from elsewhere, then 503.
        let more: Vec<_> = (0..4).map(|i| l.request(format!("10.0.2.{i}").parse().unwrap()).unwrap()).collect();
        let e = l.request("10.0.3.1".parse().unwrap()).err().unwrap();
        assert_eq!((e.status, e.code), (StatusCode::SERVICE_UNAVAILABLE, "requests_full"));
        // A refusal for a full box gives back the address's count too.
        assert_eq!(l.requests_from("10.0.3.1".parse().unwrap()), 0);
        drop((b, again, more));
    }

    #[tokio::test]
    async fn a_new_feed_ends_the_oldest_when_all_are_taken() {
        let l = Limits::new(Caps { event_feeds: 2, ..Caps::default() });
        let a = l.event_feed().await.unwrap();
        let b = l.event_feed().await.unwrap();
        // The oldest (`a`) is told; its task ends and lets go, and the newcomer gets the place.
        let waiter = tokio::spawn(async move {
            a.ended().await;
            drop(a);
        });
        let c = l.event_feed().await.expect("the oldest feed made room");
        waiter.await.unwrap();
        // A feed that does not let go: 503 after the wait.
        let e = match l.event_feed().await {
            Err(e) => e,
            Ok(_) => panic!("b was told to end but still holds its place"),
        };
        assert_eq!(e.code, "event_feeds_full");
        drop((b, c));
        assert!(l.event_feed().await.is_ok());
    }

    #[test]
    fn a_dropped_connection_frees_its_place() {
        let l = Limits::new(caps(2, 2));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = l.admit(ip).unwrap();
        a.pin();
        let b = l.admit(ip).unwrap();
        let _g = b.begin();
        assert!(l.admit(ip).is_err());
        drop(a);
        assert!(l.admit(ip).is_ok());
    }
}
