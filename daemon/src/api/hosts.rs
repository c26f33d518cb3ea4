//! The box answers only to its own names and addresses (DNS rebinding: a page on a stranger's name
//! that resolves to the box must not talk to it as same-origin), and state changes and WebSockets
//! only from its own pages' origin.
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::AppState;

/// The interfaces' addresses are read again at most this often (DHCP may renew while the box runs).
const ADDRS_FRESH: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostName {
    Name(String),
    Ip(IpAddr),
}

/// `Host`-style authority → (host, port): case folded, one trailing dot dropped, IPv6 literals in
/// brackets (a zone id is dropped). None for anything malformed.
pub fn split_authority(a: &str) -> Option<(HostName, Option<u16>)> {
    let a = a.trim();
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        let inside = inside.split('%').next()?;
        return Some((HostName::Ip(IpAddr::V6(inside.parse().ok()?)), port));
    } else if a.matches(':').count() > 1 {
        // A bare IPv6 literal (not valid in Host, but unambiguous).
        return Some((HostName::Ip(a.parse().ok()?), None));
    } else {
        match a.split_once(':') {
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (a, None),
        }
    };
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
        return None;
    }
    Some(match host.parse::<IpAddr>() {
        Ok(ip) => (HostName::Ip(ip), port),
        Err(_) => (HostName::Name(host), port),
    })
}

pub struct Hosts {
    /// Names and addresses the user configured (`--public-host`, `allowed_hosts`): also accepted as
    /// an Origin on another port (a reverse proxy in front of the box).
    configured: Vec<HostName>,
    /// The box's own names.
    names: Vec<String>,
    addrs: Mutex<(Option<Instant>, Vec<IpAddr>)>,
}

impl Hosts {
    pub fn new(public_host: &str, allowed: &[String]) -> Hosts {
        let configured: Vec<HostName> =
            std::iter::once(public_host).chain(allowed.iter().map(String::as_str)).filter_map(|h| split_authority(h).map(|(h, _)| h)).collect();
        let mut names = vec!["localhost".to_string(), "onair.local".to_string()];
        for h in [hostname(), std::fs::read_to_string("/etc/hostname").ok()].into_iter().flatten() {
            let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
            if !h.is_empty() {
                names.push(format!("{h}.local"));
                names.push(h);
            }
        }
        names.sort();
        names.dedup();
        Hosts { configured, names, addrs: Mutex::new((None, vec![])) }
    }

    fn is_own_addr(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        if ip.is_loopback() || self.configured.contains(&HostName::Ip(ip)) {
            return true;
        }
        let mut g = self.addrs.lock().unwrap_or_else(|e| e.into_inner());
        if g.0.is_none_or(|t| t.elapsed() > ADDRS_FRESH) || (!g.1.contains(&ip) && g.0.is_some_and(|t| t.elapsed() > Duration::from_secs(1))) {
            *g = (Some(Instant::now()), interface_addrs());
        }
        g.1.contains(&ip)
    }

    pub fn allowed(&self, h: &HostName) -> bool {
        match h {
            HostName::Ip(ip) => self.is_own_addr(*ip),
            HostName::Name(n) => self.names.iter().any(|x| x == n) || self.configured.contains(h),
        }
    }

    /// A state change or a WebSocket from a page: its Origin must be the box itself, as the request's
    /// own Host names it (or a configured name, which a proxy may serve on another port).
    pub fn origin_ok(&self, origin: &str, host: Option<&str>) -> bool {
        let Some((scheme, authority)) = origin.split_once("://") else { return false };
        let default = match scheme.to_ascii_lowercase().as_str() {
            "http" => 80,
            "https" => 443,
            _ => return false,
        };
        let Some((oh, op)) = split_authority(authority) else { return false };
        if !self.allowed(&oh) {
            return false;
        }
        let Some((hh, hp)) = host.and_then(split_authority) else { return false };
        if oh == hh {
            op.unwrap_or(default) == hp.unwrap_or(default)
        } else {
            // A proxy that rewrote Host: the page's origin must be a name the user configured.
            self.configured.contains(&oh)
        }
    }
}

fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return None;
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8(buf[..end].to_vec()).ok()
}

/// Every address on the box's interfaces.
fn interface_addrs() -> Vec<IpAddr> {
    let mut out = vec![];
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we only read, then free with freeifaddrs.
    unsafe {
        if libc::getifaddrs(&mut head) != 0 {
            return out;
        }
        let mut p = head;
        while !p.is_null() {
            let a = (*p).ifa_addr;
            if !a.is_null() {
                match i32::from((*a).sa_family) {
                    libc::AF_INET => {
                        let s = &*(a as *const libc::sockaddr_in);
                        out.push(IpAddr::V4(u32::from_be(s.sin_addr.s_addr).into()));
                    }
                    libc::AF_INET6 => {
                        let s = &*(a as *const libc::sockaddr_in6);
                        out.push(IpAddr::V6(s.sin6_addr.s6_addr.into()));
                    }
                    _ => {}
                }
            }
            p = (*p).ifa_next;
        }
        libc::freeifaddrs(head);
    }
    out
}

fn host_of(req: &Request) -> Option<String> {
    match req.headers().get(header::HOST) {
        Some(h) => h.to_str().ok().map(str::to_string),
        // HTTP/2 carries it as the :authority pseudo-header, which ends up in the URI.
        None => req.uri().authority().map(|a| a.to_string()),
    }
}

fn is_websocket(h: &HeaderMap) -> bool {
    h.get(header::UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Every route of both listeners: a foreign Host is 421; a foreign Origin on a state change or a
/// WebSocket is 403.
pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let host = host_of(&req);
    let ok = host.as_deref().and_then(split_authority).is_some_and(|(h, _)| st.hosts.allowed(&h));
    if !ok {
        let shown: String = host.as_deref().unwrap_or("(none)").chars().take(100).collect();
        tracing::debug!(host = %shown, "refused: not one of the box's names");
        return ApiError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "wrong_host",
            format!("this box does not answer to {shown:?}; open it by its own name or address, or add the name to allowed_hosts"),
        )
        .into_response();
    }
    let checks_origin = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || is_websocket(req.headers());
    if checks_origin {
        if let Some(o) = req.headers().get(header::ORIGIN) {
            if !o.to_str().is_ok_and(|o| st.hosts.origin_ok(o, host.as_deref())) {
                return ApiError::new(StatusCode::FORBIDDEN, "foreign_origin", "this request comes from a page that is not the box's own").into_response();
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> HostName {
        HostName::Name(s.into())
    }

    #[test]
    fn authorities() {
        assert_eq!(split_authority("OnAir.Local.:8080"), Some((n("onair.local"), Some(8080))));
        assert_eq!(split_authority("[::1]:8080"), Some((HostName::Ip("::1".parse().unwrap()), Some(8080))));
        assert_eq!(split_authority("[fe80::1%25eth0]"), Some((HostName::Ip("fe80::1".parse().unwrap()), None)));
        assert_eq!(split_authority("127.0.0.1"), Some((HostName::Ip("127.0.0.1".parse().unwrap()), None)));
        for bad in ["", ":80", "a b", "[::1", "[::1]x", "host:port", "evil.example/x", "[nothex]:1"] {
            assert_eq!(split_authority(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn allow_list() {
        let h = Hosts::new("box.example.com", &["Studio.Lan".into(), "203.0.113.9".into()]);
        for ok in ["localhost:8080", "onair.local", "ONAIR.LOCAL.", "127.0.0.1:1", "[::1]:8080", "box.example.com", "studio.lan", "203.0.113.9:8443"] {
            assert!(h.allowed(&split_authority(ok).unwrap().0), "{ok}");
        }
        for bad in ["evil.example", "onair.local.evil.example", "localhost.evil.example", "203.0.113.10", "[2001:db8::1]"] {
            assert!(!h.allowed(&split_authority(bad).unwrap().0), "{bad}");
        }
        let addrs = interface_addrs();
        assert!(addrs.iter().any(|a| a.is_loopback()), "{addrs:?}");
    }

    #[test]
    fn origins() {
        let h = Hosts::new("box.example.com", &[]);
        assert!(h.origin_ok("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(h.origin_ok("http://localhost", Some("localhost:80")));
        assert!(h.origin_ok("https://box.example.com", Some("127.0.0.1:8080")), "a configured name behind a proxy");
        assert!(!h.origin_ok("http://127.0.0.1:3000", Some("127.0.0.1:8080")), "another port on the same host");
        assert!(!h.origin_ok("http://evil.example", Some("127.0.0.1:8080")));
        assert!(!h.origin_ok("null", Some("127.0.0.1:8080")));
        assert!(!h.origin_ok("file://", Some("127.0.0.1:8080")));
        assert!(!h.origin_ok("http://localhost:8080", Some("127.0.0.1:8080")), "another name is another origin");
        assert!(!h.origin_ok("https://box.example.com:8443", Some("box.example.com:8080")), "a configured name on another port");
    }
}
