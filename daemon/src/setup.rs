//! First-run set-up needs proof of presence: a code the box draws on its status screen and prints in
//! its log (never served over the network), or a press of the Go Live button, after which set-up is
//! open for a short window (as a Hue bridge's link button).
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

#[derive(Default)]
struct Inner {
    code: Option<String>,
    pressed: Option<Instant>,
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

    /// A Go Live press while set-up is pending; false when there is nothing to approve.
    pub fn press(&self) -> bool {
        let mut g = self.inner.lock().unwrap();
        if g.code.is_none() {
            return false;
        }
        g.pressed = Some(Instant::now());
        true
    }

    pub fn press_open(&self) -> bool {
        let g = self.inner.lock().unwrap();
        g.code.is_some() && g.pressed.is_some_and(|t| t.elapsed() < PRESS_WINDOW)
    }

    /// Whether `given` proves presence: the code (case, spaces and dashes ignored, compared in constant
    /// time), or no code while a press window is open.
    pub fn check(&self, given: Option<&str>) -> Option<Presence> {
        let g = self.inner.lock().unwrap();
        let want = g.code.as_ref()?;
        let given: String = given.unwrap_or("").chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
        if given.is_empty() {
            return g.pressed.is_some_and(|t| t.elapsed() < PRESS_WINDOW).then_some(Presence::Press);
        }
        use subtle::ConstantTimeEq;
        (given.len() == want.len() && bool::from(given.as_bytes().ct_eq(want.as_bytes()))).then_some(Presence::Code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_or_press() {
        let g = SetupGate::default();
        assert_eq!(g.check(Some("anything")), None, "nothing pending: nothing proves presence");
        assert!(!g.press());
        let code = g.arm();
        assert_eq!(code.len(), 8);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)));
        let shown = g.display_code().unwrap();
        assert_eq!(shown.replace('-', ""), code);
        assert_eq!(g.check(Some(&shown.to_lowercase())), Some(Presence::Code));
        assert_eq!(g.check(Some(&code)), Some(Presence::Code));
        assert_eq!(g.check(Some("ABCD-EFGH")), None);
        assert_eq!(g.check(None), None);
        assert_eq!(g.check(Some("")), None);
        assert!(!g.press_open());
        assert!(g.press());
        assert!(g.press_open());
        assert_eq!(g.check(None), Some(Presence::Press));
        // A wrong code is still wrong while the window is open.
        assert_eq!(g.check(Some("ABCD-EFGH")), None);
        g.disarm();
        assert_eq!(g.check(None), None);
        assert_eq!(g.check(Some(&code)), None);
        assert_eq!(g.display_code(), None);
    }
}
