//! The tally light: lit while live, blinking while any destination is reconnecting or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tally {
    Off,
    On,
    Blink,
}

impl Tally {
    pub fn from_show(live: bool, any_trouble: bool) -> Tally {
        match (live, any_trouble) {
            (false, _) => Tally::Off,
            (true, false) => Tally::On,
            (true, true) => Tally::Blink,
        }
    }

    /// The LED level at `now_ms` (blink at 2 Hz).
    pub fn level(self, now_ms: u64) -> bool {
        match self {
            Tally::Off => false,
            Tally::On => true,
            Tally::Blink => (now_ms / 250).is_multiple_of(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_follows_the_show() {
        assert_eq!(Tally::from_show(false, true), Tally::Off);
        assert_eq!(Tally::from_show(true, false), Tally::On);
        assert_eq!(Tally::from_show(true, true), Tally::Blink);
        assert!(Tally::On.level(123) && !Tally::Off.level(0));
        assert_ne!(Tally::Blink.level(0), Tally::Blink.level(250));
    }
}
