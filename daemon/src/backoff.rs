//! Reconnect delays, doubling from a base to a cap, for every link the box keeps up on its own
//! (outputs, OBS, Twitch chat). A long enough healthy run earns a fresh start.
use std::time::Duration;

/// A connection up this long was healthy: the next failure starts again from the base.
pub const HEALTHY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    next: Duration,
}

impl Default for Backoff {
    /// 1 s doubling to 30 s: outputs and Twitch chat.
    fn default() -> Self {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(30))
    }
}

impl Backoff {
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Backoff { base, cap, next: base }
    }

    /// The delay to wait now; the one after is twice as long, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.cap);
        d
    }

    pub fn reset(&mut self) {
        self.next = self.base;
    }

    /// Called when a connection ends: a long healthy run earns a fresh start.
    pub fn connection_lasted(&mut self, up: Duration) {
        if up >= HEALTHY_AFTER {
            self.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(b: &mut Backoff, n: usize) -> Vec<u64> {
        (0..n).map(|_| b.next_delay().as_secs()).collect()
    }

    #[test]
    fn doubles_caps_and_resets() {
        let mut b = Backoff::default();
        assert_eq!(secs(&mut b, 7), vec![1, 2, 4, 8, 16, 30, 30]);
        b.connection_lasted(Duration::from_secs(59));
        assert_eq!(b.next_delay().as_secs(), 30);
        b.connection_lasted(Duration::from_secs(61));
        assert_eq!(b.next_delay().as_secs(), 1);
    }

    #[test]
    fn base_and_cap_are_the_callers() {
        // OBS: 1 s to 10 s, back to 1 s once a connection is made.
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        assert_eq!(secs(&mut b, 6), vec![1, 2, 4, 8, 10, 10]);
        b.reset();
        assert_eq!(secs(&mut b, 2), vec![1, 2]);
        let mut b = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
        assert_eq!((0..4).map(|_| b.next_delay().as_millis()).collect::<Vec<_>>(), vec![250, 500, 1000, 1000]);
    }

    #[test]
    fn a_healthy_run_after_the_wait_resets_the_one_after() {
        // Twitch chat waits the current delay first, then resets for the next failure.
        let mut b = Backoff::default();
        secs(&mut b, 3);
        let now = b.next_delay();
        b.connection_lasted(Duration::from_secs(120));
        assert_eq!((now.as_secs(), b.next_delay().as_secs()), (8, 1));
    }
}
