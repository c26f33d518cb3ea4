//! Adaptive quality: what the box asks of a guest's sender, from what the network shows. Loss
//! comes from the box's own receiver statistics; "bandwidth-limited" from the guest's browser
//! (`qualityLimitationReason` of its outbound video: its congestion controller is holding it back).
//! The bandwidth estimate itself is not used to decide: a capped sender is application-limited and
//! its estimate stays low, which would keep it capped for ever. Down quickly (two bad reports), up
//! slowly (ten good ones), so a guest on a shaky link does not oscillate.
use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Level {
    pub name: &'static str,
    pub max_bitrate_kbps: u32,
    /// `scaleResolutionDownBy` for the browser's sender.
    pub scale: f64,
    pub max_fps: u32,
}

pub const LEVELS: [Level; 4] = [
    Level { name: "high", max_bitrate_kbps: 2500, scale: 1.0, max_fps: 30 },
    Level { name: "medium", max_bitrate_kbps: 1200, scale: 1.5, max_fps: 30 },
    Level { name: "low", max_bitrate_kbps: 600, scale: 2.0, max_fps: 24 },
    Level { name: "minimal", max_bitrate_kbps: 250, scale: 3.0, max_fps: 15 },
];

const BAD_LOSS_PCT: f64 = 5.0;
const GOOD_LOSS_PCT: f64 = 1.0;
const DOWN_AFTER: u32 = 2;
const UP_AFTER: u32 = 10;

#[derive(Debug, Default)]
pub struct Adapt {
    pub level: usize,
    bad: u32,
    good: u32,
}

impl Adapt {
    pub fn current(&self) -> Level {
        LEVELS[self.level]
    }

    /// One report a second; returns the new level when it changes.
    pub fn update(&mut self, loss_pct: Option<f64>, bandwidth_limited: bool) -> Option<Level> {
        let lossy = loss_pct.is_some_and(|l| l >= BAD_LOSS_PCT);
        if lossy || bandwidth_limited {
            self.good = 0;
            self.bad += 1;
            if self.bad >= DOWN_AFTER && self.level + 1 < LEVELS.len() {
                self.bad = 0;
                self.level += 1;
                return Some(self.current());
            }
            return None;
        }
        self.bad = 0;
        let clean = loss_pct.is_none_or(|l| l < GOOD_LOSS_PCT);
        if clean && self.level > 0 {
            self.good += 1;
            if self.good >= UP_AFTER {
                self.good = 0;
                self.level -= 1;
                return Some(self.current());
            }
        } else {
            self.good = 0;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_steps_down_after_two_reports_and_recovery_steps_up_after_ten() {
        let mut a = Adapt::default();
        assert_eq!(a.update(Some(8.0), false), None);
        assert_eq!(a.update(Some(8.0), false).map(|l| l.name), Some("medium"));
        assert_eq!(a.update(Some(9.0), false), None);
        assert_eq!(a.update(Some(9.0), false).map(|l| l.name), Some("low"));
        for _ in 0..9 {
            assert_eq!(a.update(Some(0.0), false), None);
        }
        assert_eq!(a.update(Some(0.0), false).map(|l| l.name), Some("medium"));
    }

    #[test]
    fn a_bandwidth_limited_sender_steps_down_to_the_floor_and_back() {
        let mut a = Adapt::default();
        for _ in 0..20 {
            a.update(Some(0.0), true);
        }
        assert_eq!(a.current().name, "minimal");
        // Mild loss (between the thresholds) neither lowers nor raises.
        for _ in 0..30 {
            assert_eq!(a.update(Some(2.0), false), None);
        }
        for _ in 0..10 {
            a.update(None, false);
        }
        assert_eq!(a.current().name, "low");
    }

    #[test]
    fn one_bad_report_among_good_ones_changes_nothing() {
        let mut a = Adapt::default();
        for i in 0..50 {
            let loss = if i % 5 == 0 { 10.0 } else { 0.0 };
            assert_eq!(a.update(Some(loss), false), None, "report {i}");
        }
    }
}
