//! The box takes two program feeds: the main one (OBS's program) and a second one on its own
//! ingest key (OBS's second canvas, Aitum Vertical). Each has its own program bus, slate and
//! stats; a destination takes one of them.
use serde::{Deserialize, Serialize};

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedId {
    #[default]
    Main,
    Second,
}

impl FeedId {
    pub const ALL: [FeedId; 2] = [FeedId::Main, FeedId::Second];

    /// The same word as in the JSON (and the database).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedId::Main => "main",
            FeedId::Second => "second",
        }
    }

    pub fn parse(s: &str) -> Option<FeedId> {
        match s {
            "main" => Some(FeedId::Main),
            "second" => Some(FeedId::Second),
            _ => None,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One `T` per feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerFeed<T>(pub [T; 2]);

impl<T> PerFeed<T> {
    pub fn new(main: T, second: T) -> Self {
        PerFeed([main, second])
    }

    pub fn iter(&self) -> impl Iterator<Item = (FeedId, &T)> {
        FeedId::ALL.into_iter().zip(self.0.iter())
    }
}

impl<T> std::ops::Index<FeedId> for PerFeed<T> {
    type Output = T;
    fn index(&self, f: FeedId) -> &T {
        &self.0[f.index()]
    }
}

impl<T> std::ops::IndexMut<FeedId> for PerFeed<T> {
    fn index_mut(&mut self, f: FeedId) -> &mut T {
        &mut self.0[f.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in FeedId::ALL {
            assert_eq!(FeedId::parse(f.as_str()), Some(f));
            assert_eq!(serde_json::to_string(&f).unwrap(), format!("\"{}\"", f.as_str()));
        }
        assert_eq!(FeedId::parse("Main"), None);
        let mut p = PerFeed::new(1, 2);
        p[FeedId::Second] += 10;
        assert_eq!((p[FeedId::Main], p[FeedId::Second]), (1, 12));
    }
}
