//! The event feed (`/api/v1/events`) against the real daemon: a feed ends when the credential it
//! was opened with does (logout, a password change, a deleted API token), and when every place is
//! taken a new dashboard takes the oldest feed's place instead of being refused.
use std::net::TcpStream;
use std::time::{Duration, Instant};

use onair_e2e::*;
use serde_json::json;
use tungstenite::client::IntoClientRequest;
use tungstenite::{Message, WebSocket};

type Feed = WebSocket<TcpStream>;

/// A feed opened with one header (`Cookie: ...` or `Authorization: Bearer ...`).
fn open(d: &Daemon, header: (&'static str, &str)) -> Feed {
    let mut req = format!("ws://127.0.0.1:{}/api/v1/events", d.http).into_client_request().unwrap();
    req.headers_mut().insert(header.0, header.1.parse().unwrap());
    let tcp = TcpStream::connect(("127.0.0.1", d.http)).unwrap();
    let (ws, resp) = tungstenite::client(req, tcp).expect("the event feed opens");
    assert_eq!(resp.status(), 101);
    ws.get_ref().set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    ws
}

/// Reads until the box closes the feed (its close code) or `within` passes (`None`: still open,
/// and it sent something meanwhile).
fn close_code(ws: &mut Feed, within: Duration) -> Option<u16> {
    let end = Instant::now() + within;
    let mut heard = false;
    while Instant::now() < end {
        match ws.read() {
            Ok(Message::Close(f)) => return Some(f.map(|f| u16::from(f.code)).unwrap_or(0)),
            Ok(_) => heard = true,
            Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => panic!("the feed failed without a close frame: {e}"),
        }
    }
    assert!(heard, "an open feed sends the status every second");
    None
}

/// A fresh session cookie (`onair_session=...`).
fn session(d: &Daemon) -> String {
    let r = ureq::post(&d.url("/api/v1/login")).send_json(json!({"password": PASSWORD})).expect("login");
    r.header("set-cookie").unwrap().split(';').next().unwrap().to_string()
}

const SIGNED_OUT: u16 = 4401;
const REPLACED: u16 = 4409;

#[test]
fn a_feed_ends_with_its_session_or_token() {
    let mut d = Daemon::start();
    let (a, b, c) = (session(&d), session(&d), session(&d));
    let (mut fa, mut fb, mut fc) = (open(&d, ("Cookie", &a)), open(&d, ("Cookie", &b)), open(&d, ("Cookie", &c)));
    let token = d.post("/api/v1/tokens", json!({"name": "feed"}));
    let bearer = format!("Bearer {}", token["token"].as_str().unwrap());
    let mut ft = open(&d, ("Authorization", &bearer));

    // Logging out session a ends its feed, and only its feed.
    let r = ureq::post(&d.url("/api/v1/logout")).set("Cookie", &a).set("X-Requested-With", "onair").send_json(json!({})).unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(close_code(&mut fa, Duration::from_secs(3)), Some(SIGNED_OUT));
    assert_eq!(close_code(&mut fb, Duration::from_millis(1500)), None);

    // Deleting the API token ends the feed opened with it.
    let id = token["id"].as_i64().unwrap();
    assert_eq!(d.request("DELETE", &format!("/api/v1/tokens/{id}"), None).status, 204);
    assert_eq!(close_code(&mut ft, Duration::from_secs(3)), Some(SIGNED_OUT));

    // A password change from session b ends every other session's feed; b's goes on.
    let r = ureq::post(&d.url("/api/v1/password"))
        .set("Cookie", &b)
        .set("X-Requested-With", "onair")
        .send_json(json!({"current": PASSWORD, "new": "another-password-1"}))
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(close_code(&mut fc, Duration::from_secs(3)), Some(SIGNED_OUT));
    assert_eq!(close_code(&mut fb, Duration::from_millis(1500)), None);
    // And the old sessions cannot open a new one.
    let mut req = format!("ws://127.0.0.1:{}/api/v1/events", d.http).into_client_request().unwrap();
    req.headers_mut().insert("Cookie", c.parse().unwrap());
    match tungstenite::connect(req) {
        Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("a feed with an ended session: {:?}", other.map(|(_, r)| r.status())),
    }
}

#[test]
fn a_new_dashboard_takes_the_oldest_feed_s_place() {
    let d = Daemon::start();
    let cookie = session(&d);
    let log = d.log_text();
    let cap: usize = log[log.find("event_feeds: ").expect("the caps are logged") + 13..].split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap();
    let mut feeds: Vec<Feed> = (0..cap).map(|_| open(&d, ("Cookie", &cookie))).collect();
    // One more: the oldest is closed as replaced, the newcomer is served.
    let mut newest = open(&d, ("Cookie", &cookie));
    assert_eq!(close_code(&mut feeds[0], Duration::from_secs(3)), Some(REPLACED));
    assert_eq!(close_code(&mut newest, Duration::from_millis(1500)), None);
    // The others are untouched.
    for f in feeds.iter_mut().skip(1).take(3) {
        assert_eq!(close_code(f, Duration::from_millis(1200)), None);
    }
}
