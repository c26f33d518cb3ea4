//! The unified chat: messages and viewer events from every platform in one feed, ordered by the
//! time the platform gives them (pollers deliver late; a YouTube message polled after a newer
//! Twitch one still lands before it). `seq` is the arrival number that `?since=` pages on.
use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

const KEEP: usize = 500;

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatMessage {
    pub seq: u64,
    pub platform: &'static str,
    /// `message`, `super_chat`, `follow`, `subscription`, `raid`, `reactions`.
    pub kind: &'static str,
    /// The platform's own id, for de-duplication.
    #[serde(skip)]
    pub platform_id: String,
    pub author: String,
    pub text: String,
    pub amount: Option<String>,
    pub at_ms: i64,
}

impl ChatMessage {
    pub fn new(
        platform: &'static str,
        kind: &'static str,
        platform_id: impl Into<String>,
        author: impl Into<String>,
        text: impl Into<String>,
        at_ms: i64,
    ) -> Self {
        ChatMessage { seq: 0, platform, kind, platform_id: platform_id.into(), author: author.into(), text: text.into(), amount: None, at_ms }
    }
}

#[derive(Default)]
pub struct Feed {
    inner: Mutex<(u64, VecDeque<ChatMessage>)>,
}

impl Feed {
    /// Adds a message in time order; returns it with its `seq`, or `None` for one already seen.
    pub fn push(&self, mut m: ChatMessage) -> Option<ChatMessage> {
        let mut g = self.inner.lock().unwrap();
        let (seq, q) = &mut *g;
        if !m.platform_id.is_empty() && q.iter().any(|o| o.platform == m.platform && o.platform_id == m.platform_id) {
            return None;
        }
        *seq += 1;
        m.seq = *seq;
        let pos = q.iter().rposition(|o| o.at_ms <= m.at_ms).map(|i| i + 1).unwrap_or(0);
        q.insert(pos, m.clone());
        while q.len() > KEEP {
            q.pop_front();
        }
        Some(m)
    }

    /// Messages that arrived after `since` (a `seq`), in time order, and the newest `seq`.
    pub fn since(&self, since: u64) -> (Vec<ChatMessage>, u64) {
        let g = self.inner.lock().unwrap();
        (g.1.iter().filter(|m| m.seq > since).cloned().collect(), g.0)
    }
}

pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis())
}

/// Graph API times look like `2026-11-25T17:00:00+0000` (no colon in the offset).
pub fn parse_graph_time_ms(s: &str) -> Option<i64> {
    parse_rfc3339_ms(s).or_else(|| chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z").ok().map(|t| t.timestamp_millis()))
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_arrivals_land_in_time_order_and_duplicates_are_dropped() {
        let f = Feed::default();
        f.push(ChatMessage::new("twitch", "message", "t1", "a", "second", 2000)).unwrap();
        f.push(ChatMessage::new("youtube", "message", "y1", "b", "first", 1000)).unwrap();
        f.push(ChatMessage::new("twitch", "message", "t2", "a", "third", 3000)).unwrap();
        assert!(f.push(ChatMessage::new("youtube", "message", "y1", "b", "first", 1000)).is_none());
        let (all, last) = f.since(0);
        assert_eq!(all.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["first", "second", "third"]);
        assert_eq!(last, 3);
        let (newer, _) = f.since(2);
        assert_eq!(newer.len(), 1);
        assert_eq!(newer[0].text, "third");
    }

    #[test]
    fn keeps_a_bounded_history() {
        let f = Feed::default();
        for i in 0..(KEEP as i64 + 50) {
            f.push(ChatMessage::new("twitch", "message", i.to_string(), "a", "x", i));
        }
        let (all, last) = f.since(0);
        assert_eq!(all.len(), KEEP);
        assert_eq!(last, KEEP as u64 + 50);
        assert_eq!(all[0].at_ms, 50);
    }

    #[test]
    fn graph_and_rfc3339_times() {
        assert_eq!(parse_graph_time_ms("1970-01-01T00:00:01+0000"), Some(1000));
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:02.5Z"), Some(2500));
        assert_eq!(parse_graph_time_ms("yesterday"), None);
    }
}
