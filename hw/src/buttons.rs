//! Button logic, pure and clocked by the caller: debounce, short / long / double press, and a
//! button already held at start-up that must not fire until it has been released once.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Button {
    GoLive,
    NextScene,
    MuteGuests,
    User,
}

impl Button {
    pub const ALL: [Button; 4] = [Button::GoLive, Button::NextScene, Button::MuteGuests, Button::User];

    pub fn parse(s: &str) -> Option<Button> {
        Button::ALL.into_iter().find(|b| b.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Button::GoLive => "go-live",
            Button::NextScene => "next-scene",
            Button::MuteGuests => "mute-guests",
            Button::User => "user",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Press {
    Short,
    Long,
    Double,
}

#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub debounce_ms: u64,
    pub long_ms: u64,
    pub double_ms: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing { debounce_ms: 30, long_ms: 1500, double_ms: 350 }
    }
}

/// One button. Feed it raw levels (`true` = pressed) with a millisecond clock; it returns presses.
#[derive(Debug)]
pub struct ButtonLogic {
    t: Timing,
    raw: bool,
    raw_since: u64,
    stable: bool,
    down_at: Option<u64>,
    long_fired: bool,
    pending_short: Option<u64>,
    armed: bool,
}

impl ButtonLogic {
    /// `level_at_start`: a button held while the daemon starts stays inert until released.
    pub fn new(t: Timing, level_at_start: bool, now: u64) -> Self {
        ButtonLogic {
            t,
            raw: level_at_start,
            raw_since: now,
            stable: level_at_start,
            down_at: None,
            long_fired: false,
            pending_short: None,
            armed: !level_at_start,
        }
    }

    /// A raw edge or level sample from the pin.
    pub fn input(&mut self, level: bool, now: u64) -> Option<Press> {
        // Settle what the old level has already earned first: the clock may not have ticked since
        // the last edge (a busy system), and a held level must still count.
        let before = self.tick(now);
        if level != self.raw {
            self.raw = level;
            self.raw_since = now;
        }
        before.or_else(|| self.tick(now))
    }

    /// Something is under way (a level not yet settled, a button held, a short press that may still
    /// become a double): the caller must keep calling [`ButtonLogic::tick`] every ~10 ms. Otherwise
    /// nothing can happen until the next edge, and the clock may sleep.
    pub fn busy(&self) -> bool {
        self.raw != self.stable || self.stable || self.pending_short.is_some()
    }

    /// Call periodically (every ~10 ms) so long presses and single-vs-double are decided on time.
    pub fn tick(&mut self, now: u64) -> Option<Press> {
        if self.raw != self.stable && now.saturating_sub(self.raw_since) >= self.t.debounce_ms {
            self.stable = self.raw;
            if let Some(p) = self.on_stable_edge(self.stable, self.raw_since) {
                return Some(p);
            }
        }
        if self.stable && self.armed && !self.long_fired {
            if let Some(d) = self.down_at {
                if now.saturating_sub(d) >= self.t.long_ms {
                    self.long_fired = true;
                    self.pending_short = None;
                    return Some(Press::Long);
                }
            }
        }
        if let Some(up) = self.pending_short {
            if !self.stable && now.saturating_sub(up) >= self.t.double_ms {
                self.pending_short = None;
                return Some(Press::Short);
            }
        }
        None
    }

    fn on_stable_edge(&mut self, down: bool, at: u64) -> Option<Press> {
        if down {
            self.down_at = Some(at);
            self.long_fired = false;
            None
        } else {
            let was_armed = self.armed;
            self.armed = true;
            let held = self.down_at.take();
            if !was_armed || self.long_fired || held.is_none() {
                return None;
            }
            if self.pending_short.take().is_some() {
                return Some(Press::Double);
            }
            self.pending_short = Some(at);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(logic: &mut ButtonLogic, edges: &[(u64, bool)], until: u64) -> Vec<(u64, Press)> {
        let mut out = vec![];
        let mut i = 0;
        for now in 0..=until {
            while i < edges.len() && edges[i].0 == now {
                if let Some(p) = logic.input(edges[i].1, now) {
                    out.push((now, p));
                }
                i += 1;
            }
            if let Some(p) = logic.tick(now) {
                out.push((now, p));
            }
        }
        out
    }

    fn bounce(at: u64, to: bool) -> Vec<(u64, bool)> {
        // A mechanical contact chatters for a few ms before it settles.
        vec![(at, to), (at + 2, !to), (at + 3, to), (at + 6, !to), (at + 8, to)]
    }

    #[test]
    fn a_bouncy_short_press_is_one_short_press() {
        let mut b = ButtonLogic::new(Timing::default(), false, 0);
        let mut e = bounce(100, true);
        e.extend(bounce(300, false));
        let got = run(&mut b, &e, 2000);
        assert_eq!(got.iter().map(|x| x.1).collect::<Vec<_>>(), vec![Press::Short]);
        assert!(got[0].0 >= 300 + 350, "short is decided once a double is ruled out");
    }

    #[test]
    fn long_press_fires_while_held_and_not_again_on_release() {
        let mut b = ButtonLogic::new(Timing::default(), false, 0);
        let got = run(&mut b, &[(100, true), (2500, false)], 4000);
        assert_eq!(got, vec![(1600, Press::Long)], "1.5 s after the contact closed");
    }

    #[test]
    fn two_quick_presses_are_a_double() {
        let mut b = ButtonLogic::new(Timing::default(), false, 0);
        let got = run(&mut b, &[(100, true), (200, false), (350, true), (450, false)], 2000);
        assert_eq!(got.iter().map(|x| x.1).collect::<Vec<_>>(), vec![Press::Double]);
    }

    #[test]
    fn glitches_shorter_than_the_debounce_are_ignored() {
        let mut b = ButtonLogic::new(Timing::default(), false, 0);
        let got = run(&mut b, &[(100, true), (110, false), (500, true), (515, false)], 2000);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn a_button_held_across_a_restart_does_not_fire() {
        // The daemon starts with the button already down (someone leaning on it).
        let mut b = ButtonLogic::new(Timing::default(), true, 0);
        let got = run(&mut b, &[(3000, false)], 5000);
        assert!(got.is_empty(), "held at start: nothing, not even a long press: {got:?}");
        // After one release it works normally.
        let mut b2 = ButtonLogic::new(Timing::default(), true, 0);
        let got = run(&mut b2, &[(1000, false), (1200, true), (1300, false)], 3000);
        assert_eq!(got.iter().map(|x| x.1).collect::<Vec<_>>(), vec![Press::Short]);
    }

    #[test]
    fn a_press_is_seen_even_when_nothing_ticks_while_it_is_held() {
        // Only the edges and a late tick: a busy system that did not run the 10 ms clock.
        let mut b = ButtonLogic::new(Timing::default(), false, 0);
        assert_eq!(b.input(true, 1000), None);
        assert_eq!(b.input(false, 1100), None);
        assert_eq!(b.tick(1600), Some(Press::Short));
    }

    #[test]
    fn busy_only_while_something_is_pending() {
        let mut b = ButtonLogic::new(Timing::default(), false, 0);
        assert!(!b.busy());
        b.input(true, 100);
        assert!(b.busy(), "bouncing");
        b.tick(200);
        assert!(b.busy(), "held");
        b.input(false, 300);
        b.tick(400);
        assert!(b.busy(), "a short press that may become a double");
        assert_eq!(b.tick(800), Some(Press::Short));
        assert!(!b.busy());
    }

    #[test]
    fn names_round_trip() {
        for b in Button::ALL {
            assert_eq!(Button::parse(b.name()), Some(b));
        }
        assert_eq!(Button::parse("self-destruct"), None);
    }
}
