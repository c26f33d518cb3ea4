//! OBS's audio level meters (`InputVolumeMeters`, 20 a second): the loudest level of each input,
//! how long every input has been silent, and a throttled copy for the dashboard's meters.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Below this an input counts as silent: OBS's own meter shows nothing under −60 dB.
pub const SILENCE_DB: f64 = -60.0;
/// The dashboard gets levels at most this often (5 a second: a phone keeps up, a meter still moves).
pub const EVERY: Duration = Duration::from_millis(200);

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AudioLevel {
    pub input: String,
    /// Peak after the fader and mute, in dB (−100: nothing).
    pub db: f64,
}

#[derive(Default)]
pub struct Meters {
    levels: HashMap<String, f64>,
    last_sound: Option<Instant>,
    first_seen: Option<Instant>,
    last_sent: Option<Instant>,
}

/// dB of a linear level (OBS's "mul"), −100 for silence.
pub fn db(mul: f32) -> f64 {
    if mul <= 0.0 {
        -100.0
    } else {
        (20.0 * (mul as f64).log10()).clamp(-100.0, 26.0)
    }
}

impl Meters {
    /// One meter report: per input, per channel `[magnitude, peak, input peak]`. Returns the
    /// levels when it is time to tell the dashboard.
    pub fn report(&mut self, inputs: &[(String, Vec<[f32; 3]>)], now: Instant) -> Option<Vec<AudioLevel>> {
        self.first_seen.get_or_insert(now);
        self.levels.clear();
        for (name, chans) in inputs {
            let peak = chans.iter().map(|c| c[1]).fold(0.0f32, f32::max);
            let d = db(peak);
            if d > SILENCE_DB {
                self.last_sound = Some(now);
            }
            self.levels.insert(name.clone(), (d * 10.0).round() / 10.0);
        }
        if self.last_sent.is_some_and(|t| now.duration_since(t) < EVERY) {
            return None;
        }
        self.last_sent = Some(now);
        let mut v: Vec<AudioLevel> = self.levels.iter().map(|(k, v)| AudioLevel { input: k.clone(), db: *v }).collect();
        v.sort_by(|a, b| a.input.cmp(&b.input));
        Some(v)
    }

    pub fn level(&self, input: &str) -> Option<f64> {
        self.levels.get(input).copied()
    }

    /// How long no input has been above the silence level (since meters started, if never).
    pub fn silent_for(&self, now: Instant) -> Option<Duration> {
        let since = self.last_sound.or(self.first_seen)?;
        Some(now.saturating_duration_since(since))
    }

    pub fn reset(&mut self) {
        *self = Meters::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_throttled_and_silence_is_timed_in_simulated_time() {
        let t0 = Instant::now();
        let mut m = Meters::default();
        let tone = vec![("Mic".to_string(), vec![[0.1, 0.5, 0.5], [0.1, 0.25, 0.25]])];
        let quiet = vec![("Mic".to_string(), vec![[0.0, 0.0005, 0.3]])];
        let first = m.report(&tone, t0).unwrap();
        assert_eq!(first, vec![AudioLevel { input: "Mic".into(), db: -6.0 }]);
        assert!(m.report(&tone, t0 + Duration::from_millis(50)).is_none(), "throttled to 5 a second");
        assert!(m.report(&tone, t0 + Duration::from_millis(200)).is_some());
        for i in 1..=200u64 {
            m.report(&quiet, t0 + Duration::from_millis(200 + i * 50));
        }
        // −66 dB after the fader is silence, whatever came in before it.
        assert_eq!(m.silent_for(t0 + Duration::from_millis(10_200)), Some(Duration::from_secs(10)));
        assert_eq!(m.level("Mic"), Some(-66.0));
        assert_eq!(db(0.0), -100.0);
        m.reset();
        assert_eq!(m.silent_for(t0), None, "no meters, no verdict");
    }
}
