//! What keeps a flapping output from sending a hundred messages: per channel, the first notice of a
//! key (one destination, one feed) goes at once, and so does the first "back" after it and anything
//! more serious than what went (a reconnect, then a failure); the other repeats within that minute
//! are counted into one summary at its end. No channel gets more than a few messages a minute, the
//! rest summed up likewise. Sans-IO: seconds passed in.
use std::collections::HashMap;

use super::kinds::Notice;

/// Repeats of a key within this many seconds are counted, not sent.
pub const KEY_WINDOW_S: i64 = 60;
/// At most this many messages a minute to one channel (Discord allows 30, Telegram 20 to one chat).
pub const PER_MINUTE: usize = 6;

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Send,
    Held,
}

struct KeyState {
    /// When this key's minute began (its first message).
    sent_at: i64,
    /// The most serious level sent in that minute.
    level: crate::alert::Level,
    /// Whether a "back" (an info after a problem) went in that minute.
    back_sent: bool,
    held: u32,
    last: Option<Notice>,
}

struct ChannelState {
    sent: Vec<i64>,
    held: u32,
    since: i64,
    last: Option<Notice>,
}

#[derive(Default)]
pub struct Gate {
    keys: HashMap<(i64, String), KeyState>,
    channels: HashMap<i64, ChannelState>,
}

fn rank(l: crate::alert::Level) -> u8 {
    match l {
        crate::alert::Level::Info => 0,
        crate::alert::Level::Warning => 1,
        crate::alert::Level::Error => 2,
    }
}

impl Gate {
    /// Whether `n` goes to `channel` now (the caller then sends it) or is held for a summary.
    pub fn admit(&mut self, channel: i64, n: &Notice, now: i64) -> Verdict {
        let k = self.keys.entry((channel, n.key.clone())).or_insert(KeyState { sent_at: i64::MIN / 2, level: n.level, back_sent: false, held: 0, last: None });
        let within = now - k.sent_at < KEY_WINDOW_S;
        let worse = rank(n.level) > rank(k.level);
        let first_back = rank(n.level) == 0 && rank(k.level) > 0 && !k.back_sent;
        if within && !worse && !first_back {
            k.held += 1;
            k.last = Some(n.clone());
            return Verdict::Held;
        }
        let c = self.channels.entry(channel).or_insert(ChannelState { sent: vec![], held: 0, since: now, last: None });
        c.sent.retain(|t| now - t < 60);
        if c.sent.len() >= PER_MINUTE {
            if c.held == 0 {
                c.since = now;
            }
            c.held += 1;
            c.last = Some(n.clone());
            return Verdict::Held;
        }
        c.sent.push(now);
        if within {
            k.level = if worse { n.level } else { k.level };
            k.back_sent |= first_back;
        } else {
            *k = KeyState { sent_at: now, level: n.level, back_sent: false, held: 0, last: None };
        }
        Verdict::Send
    }

    /// Summaries due at `now`: per key whose minute is over with repeats held, and per channel
    /// whose rate limit held some back. Each is (channel, notice).
    pub fn summaries(&mut self, now: i64) -> Vec<(i64, Notice)> {
        let mut out = vec![];
        for ((channel, _), k) in self.keys.iter_mut() {
            if k.held > 0 && now - k.sent_at >= KEY_WINDOW_S {
                if let Some(mut last) = k.last.take() {
                    last.message = format!("{} ({} more change{} in the last minute)", last.message, k.held, if k.held == 1 { "" } else { "s" });
                    out.push((*channel, last));
                }
                k.held = 0;
                k.sent_at = now;
            }
        }
        for (channel, c) in self.channels.iter_mut() {
            c.sent.retain(|t| now - t < 60);
            if c.held > 0 && now - c.since >= 60 {
                if let Some(mut last) = c.last.take() {
                    last.message =
                        format!("{} more alert{} held back by the rate limit; the last: {}", c.held, if c.held == 1 { "" } else { "s" }, last.message);
                    out.push((*channel, last));
                }
                c.held = 0;
                c.sent.push(now);
            }
        }
        self.keys.retain(|_, k| k.held > 0 || now - k.sent_at < KEY_WINDOW_S * 10);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Level;
    use crate::notify::kinds::Kind;

    fn notice(kind: Kind, level: Level, key: &str) -> Notice {
        Notice { kind, level, message: format!("{} {key}", kind.as_str()), at: String::new(), show_id: None, destination: None, key: key.into() }
    }

    #[test]
    fn a_flapping_output_sends_one_message_and_a_summary() {
        let mut g = Gate::default();
        let flap = |i: i64| {
            if i % 2 == 0 {
                notice(Kind::DestinationReconnecting, Level::Warning, "d1")
            } else {
                notice(Kind::DestinationRecovered, Level::Info, "d1")
            }
        };
        let verdicts: Vec<_> = (0..40).map(|i| g.admit(1, &flap(i), 100 + i)).collect();
        let sent: Vec<usize> = verdicts.iter().enumerate().filter(|(_, v)| **v == Verdict::Send).map(|(i, _)| i).collect();
        assert_eq!(sent, [0, 1], "the first reconnect and the first 'back' go at once, the rest is held: {verdicts:?}");
        assert!(g.summaries(150).is_empty(), "the minute is not over");
        let s = g.summaries(160);
        assert_eq!(s.len(), 1);
        assert!(s[0].1.message.contains("38 more changes"), "{}", s[0].1.message);
        assert!(g.summaries(161).is_empty(), "said once");
        // Another channel, and another key, are counted on their own.
        assert_eq!(g.admit(2, &flap(0), 101), Verdict::Send);
        assert_eq!(g.admit(1, &notice(Kind::FeedLost, Level::Error, "feed"), 101), Verdict::Send);
    }

    #[test]
    fn something_worse_goes_at_once_and_so_does_the_first_back() {
        let mut g = Gate::default();
        assert_eq!(g.admit(1, &notice(Kind::DestinationReconnecting, Level::Warning, "d1"), 0), Verdict::Send);
        assert_eq!(g.admit(1, &notice(Kind::DestinationFailed, Level::Error, "d1"), 5), Verdict::Send);
        assert_eq!(g.admit(1, &notice(Kind::DestinationReconnecting, Level::Warning, "d1"), 6), Verdict::Held, "less than what went");
        assert_eq!(g.admit(1, &notice(Kind::DestinationRecovered, Level::Info, "d1"), 7), Verdict::Send);
        assert_eq!(g.admit(1, &notice(Kind::DestinationRecovered, Level::Info, "d1"), 8), Verdict::Held);
        // A show that starts is news once; one "back" with nothing wrong before is no "back".
        assert_eq!(g.admit(1, &notice(Kind::ShowStarted, Level::Info, "show:started"), 0), Verdict::Send);
        assert_eq!(g.admit(1, &notice(Kind::ShowStarted, Level::Info, "show:started"), 1), Verdict::Held);
    }

    #[test]
    fn a_channel_gets_a_few_messages_a_minute_and_a_summary_of_the_rest() {
        let mut g = Gate::default();
        let sent = (0..20).filter(|i| g.admit(1, &notice(Kind::GuestJoined, Level::Info, &format!("guest{i}")), 10) == Verdict::Send).count();
        assert_eq!(sent, PER_MINUTE);
        let s = g.summaries(70);
        assert_eq!(s.len(), 1, "{s:?}");
        assert!(s[0].1.message.starts_with("14 more alerts held back"), "{}", s[0].1.message);
        assert_eq!(g.admit(1, &notice(Kind::GuestJoined, Level::Info, "later"), 140), Verdict::Send, "a new minute");
    }
}
