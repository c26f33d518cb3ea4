//! Reconnect delays: 1 s doubling to 30 s; reset after a minute of health.
use std::time::Duration;

pub const HEALTHY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: Duration::from_secs(1) }
    }
}

impl Backoff {
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(Duration::from_secs(30));
        d
    }

    /// Called when a connection ends: a long healthy run earns a fresh start.
    pub fn connection_lasted(&mut self, up: Duration) {
        if up >= HEALTHY_AFTER {
            self.next = Duration::from_secs(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_resets() {
        let mut b = Backoff::default();
        let v: Vec<u64> = (0..7).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(v, vec![1, 2, 4, 8, 16, 30, 30]);
        b.connection_lasted(Duration::from_secs(59));
        assert_eq!(b.next_delay().as_secs(), 30);
        b.connection_lasted(Duration::from_secs(61));
        assert_eq!(b.next_delay().as_secs(), 1);
    }
}
