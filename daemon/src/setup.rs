//! First-run set-up needs proof of presence: a code the box draws on its status screen and prints in
//! its log (never served over the network), or a press of the Go Live button that approves one
//! set-up request (as a Hue bridge's link button, but bound): the browser asks first and gets a
//! secret request id and a short label; the box's screen shows the label of the one request
//! waiting, and a press approves that request only, for a short window. Whoever else is on the
//! network (or behind the same tunnel, where everyone is 127.0.0.1) cannot use the owner's press.
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;

/// How long a Go Live press keeps set-up open: the set-up page polls every second, so it notices at
/// once; the window only has to cover walking from the box back to the browser.
pub const PRESS_WINDOW: Duration = Duration::from_secs(30);

/// 32 symbols without 0/O and 1/I, so the code reads unambiguously off a 128×64 OLED.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// 8 symbols: 40 bits. Guesses go through the login limiter (at most ~30 a minute from everyone not
/// yet known), so finding the code online takes longer than any box stays unconfigured.
const LEN: usize = 8;

/// A request waits this long for its press.
pub const REQUEST_TTL: Duration = Duration::from_secs(300);
/// 4 symbols from `ALPHABET`: only to tell requests apart on the screen, not a secret.
const LABEL_LEN: usize = 4;

struct Request {
    id: String,
    label: String,
    since: Instant,
}

#[derive(Default)]
struct Inner {
    code: Option<String>,
    /// The one request the screen shows, waiting for a press.
    waiting: Option<Request>,
    /// The request a press approved, and when.
    approved: Option<(Request, Instant)>,
}

/// What a Go Live press did.
#[derive(Debug, PartialEq, Eq)]
pub enum Pressed {
    /// The box is set up: the press is Go Live's.
    NotPending,
    /// Set-up is pending but no browser asked: nothing approved.
    NoRequest,
    /// The request with this label may set the box up for `PRESS_WINDOW`.
    Approved(String),
}

#[derive(Default)]
pub struct SetupGate {
    inner: Mutex<Inner>,
    /// One set-up at a time: the others wait, then find the admin made and get 409.
    pub running: tokio::sync::Mutex<()>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Presence {
    Code,
    Press,
}

impl SetupGate {
    /// A new code for a box without an admin; returns it so the caller can log it.
    pub fn arm(&self) -> String {
        let mut r = rand::thread_rng();
        let code: String = (0..LEN).map(|_| ALPHABET[r.gen_range(0..ALPHABET.len())] as char).collect();
        self.inner.lock().unwrap().code = Some(code.clone());
        code
    }

    /// Set-up is done: the code and any press are forgotten.
    pub fn disarm(&self) {
        *self.inner.lock().unwrap() = Inner::default();
    }

    /// The code as the screen shows it (`ABCD-EFGH`), while set-up is pending.
    pub fn display_code(&self) -> Option<String> {
        self.inner.lock().unwrap().code.as_ref().map(|c| format!("{}-{}", &c[..LEN / 2], &c[LEN / 2..]))
    }

    /// A browser asks to be approved by a press: its secret id and the label the screen shows.
    /// It replaces a request still waiting (the screen shows one label at a time); `None` when
    /// the box is set up.
    pub fn request(&self) -> Option<(String, String)> {
        let mut g = self.inner.lock().unwrap();
        g.code.as_ref()?;
        let mut r = rand::thread_rng();
        let label: String = (0..LABEL_LEN).map(|_| ALPHABET[r.gen_range(0..ALPHABET.len())] as char).collect();
        let id = crate::store::secret::random_token(16);
        g.waiting = Some(Request { id: id.clone(), label: label.clone(), since: Instant::now() });
        Some((id, label))
    }

    /// The label of the request waiting for a press, if any.
    pub fn waiting_label(&self) -> Option<String> {
        let g = self.inner.lock().unwrap();
        g.waiting.as_ref().filter(|r| r.since.elapsed() < REQUEST_TTL).map(|r| r.label.clone())
    }

    /// The label of the request approved and still in its window, if any.
    pub fn approved_label(&self) -> Option<String> {
        let g = self.inner.lock().unwrap();
        g.approved.as_ref().filter(|(_, t)| t.elapsed() < PRESS_WINDOW).map(|(r, _)| r.label.clone())
    }

    /// A Go Live press: approves the request waiting, if set-up is pending and one is.
    pub fn press(&self) -> Pressed {
        let mut g = self.inner.lock().unwrap();
        if g.code.is_none() {
            return Pressed::NotPending;
        }
        match g.waiting.take().filter(|r| r.since.elapsed() < REQUEST_TTL) {
            Some(r) => {
                let label = r.label.clone();
                g.approved = Some((r, Instant::now()));
                Pressed::Approved(label)
            }
            None => Pressed::NoRequest,
        }
    }

    /// Whether the request `id` was approved by a press and is in its window.
    pub fn press_open(&self, id: &str) -> bool {
        let g = self.inner.lock().unwrap();
        g.code.is_some() && g.approved.as_ref().is_some_and(|(r, t)| t.elapsed() < PRESS_WINDOW && same(&r.id, id))
    }

    /// Whether `given` proves presence: the code (case, spaces and dashes ignored, compared in constant
    /// time), or, with no code, the id of a request a press approved (in its window).
    pub fn check(&self, given: Option<&str>, request: Option<&str>) -> Option<Presence> {
        let given: String = given.unwrap_or("").chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
        if given.is_empty() {
            return request.is_some_and(|id| self.press_open(id)).then_some(Presence::Press);
        }
        let g = self.inner.lock().unwrap();
        let want = g.code.as_ref()?;
        same(&given, want).then_some(Presence::Code)
    }
}

fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_proves_presence() {
        let g = SetupGate::default();
        assert_eq!(g.check(Some("anything"), None), None, "nothing pending: nothing proves presence");
        assert_eq!(g.press(), Pressed::NotPending);
        assert_eq!(g.request(), None);
        let code = g.arm();
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)));
        let shown = g.display_code().unwrap();
        assert_eq!(shown.replace('-', ""), code);
        assert_eq!(g.check(Some(&shown.to_lowercase()), None), Some(Presence::Code));
        assert_eq!(g.check(Some(&code), None), Some(Presence::Code));
        assert_eq!(g.check(Some("ABCD-EFGH"), None), None);
        assert_eq!(g.check(None, None), None);
        assert_eq!(g.check(Some(""), None), None);
        g.disarm();
        assert_eq!(g.check(Some(&code), None), None);
        assert_eq!(g.display_code(), None);
    }

    #[test]
    fn a_press_approves_the_one_request_on_screen() {
        let g = SetupGate::default();
        g.arm();
        // A press with no browser asking approves nothing.
        assert_eq!(g.press(), Pressed::NoRequest);
        let (owner, owner_label) = g.request().unwrap();
        assert_eq!(owner_label.len(), LABEL_LEN);
        assert_eq!(g.waiting_label().as_deref(), Some(owner_label.as_str()));
        assert!(!g.press_open(&owner));
        assert_eq!(g.press(), Pressed::Approved(owner_label.clone()));
        assert_eq!(g.waiting_label(), None);
        assert_eq!(g.approved_label().as_deref(), Some(owner_label.as_str()));
        assert!(g.press_open(&owner));
        assert_eq!(g.check(None, Some(&owner)), Some(Presence::Press));
        // Someone else on the network, during the owner's window: no request id, a made-up one,
        // or a request of their own (which waits for a press of its own) proves nothing.
        assert_eq!(g.check(None, None), None);
        assert_eq!(g.check(None, Some("not-the-id")), None);
        let (stranger, _) = g.request().unwrap();
        assert_eq!(g.check(None, Some(&stranger)), None);
        assert!(g.press_open(&owner), "a later request does not undo the owner's approval");
        // A wrong code is still wrong with an approved request.
        assert_eq!(g.check(Some("ABCD-EFGH"), Some(&owner)), None);
        g.disarm();
        assert_eq!(g.check(None, Some(&owner)), None);
    }

    #[test]
    fn a_newer_request_replaces_the_waiting_one() {
        let g = SetupGate::default();
        g.arm();
        let (first, _) = g.request().unwrap();
        let (second, label) = g.request().unwrap();
        assert_eq!(g.press(), Pressed::Approved(label));
        assert!(!g.press_open(&first) && g.press_open(&second));
    }
}
