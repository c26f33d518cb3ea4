//! Buttons and the tally light as pins: read every button's level, drive the tally output.
use crate::buttons::Button;

pub trait Pins: Send {
    /// Each wired button and whether it is pressed now.
    fn buttons(&mut self) -> Vec<(Button, bool)>;
    /// Lights (or darkens) the tally light.
    fn set_tally(&mut self, lit: bool);
}

/// Remembers the last level of each button and reports only changes, which is what
/// [`crate::ButtonLogic::input`] wants.
#[derive(Debug, Default)]
pub struct EdgeFilter {
    last: Vec<(Button, bool)>,
}

impl EdgeFilter {
    pub fn changes(&mut self, now: &[(Button, bool)]) -> Vec<(Button, bool)> {
        let mut out = vec![];
        for &(b, level) in now {
            match self.last.iter_mut().find(|(x, _)| *x == b) {
                Some((_, l)) if *l == level => {}
                Some((_, l)) => {
                    *l = level;
                    out.push((b, level));
                }
                None => {
                    self.last.push((b, level));
                    out.push((b, level));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changes_pass() {
        let mut f = EdgeFilter::default();
        assert_eq!(f.changes(&[(Button::GoLive, false), (Button::User, true)]), vec![(Button::GoLive, false), (Button::User, true)]);
        assert_eq!(f.changes(&[(Button::GoLive, false), (Button::User, true)]), vec![]);
        assert_eq!(f.changes(&[(Button::GoLive, true), (Button::User, true)]), vec![(Button::GoLive, true)]);
    }
}
