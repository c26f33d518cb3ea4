//! Destinations: where the program goes. Stream keys are sealed with the box secret; only a hint
//! (last four characters) is ever readable.
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{now, Place, Result, Store, StoreError};
use crate::media::feed::FeedId;
use crate::media::transcode::Output;

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Destination {
    pub id: i64,
    pub name: String,
    pub platform: String,
    pub url: String,
    pub enabled: bool,
    pub stream_key_set: bool,
    pub stream_key_hint: Option<String>,
    /// SRT: an encryption passphrase is stored (write-only, like the key).
    pub passphrase_set: bool,
    /// A stored secret of this destination cannot be opened (copied from another row, damaged):
    /// the user has to enter its stream key (and passphrase) again.
    pub needs_key: bool,
    /// The stream key has already gone out in a show: a platform whose keys work once (TikTok,
    /// Instagram) needs a fresh one.
    pub key_used: bool,
    /// Seconds this destination runs behind the program (0: none).
    pub delay_s: u32,
    /// Its own picture (a cap, 9:16): `null` sends the feed as it is.
    pub output: Option<Output>,
    /// A feed in a codec this destination does not take goes out transcoded to H.264; when off,
    /// the card says why it cannot go out.
    pub transcode_fallback: bool,
    /// The program feed it takes: the main one or the second ingest key's.
    pub feed: FeedId,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Default, Clone, PartialEq)]
pub struct Change {
    pub name: Option<String>,
    pub platform: Option<String>,
    pub url: Option<String>,
    pub stream_key: Option<String>,
    /// `Some("")` removes it.
    pub passphrase: Option<String>,
    pub enabled: Option<bool>,
    pub delay_s: Option<u32>,
    /// `Some(None)` goes back to the feed as it is.
    pub output: Option<Option<Output>>,
    pub transcode_fallback: Option<bool>,
    pub feed: Option<FeedId>,
}

impl Change {
    /// Whether a running output must restart to follow it (the name alone does not matter to it).
    pub fn touches_output(&self) -> bool {
        self.platform.is_some()
            || self.url.is_some()
            || self.stream_key.is_some()
            || self.passphrase.is_some()
            || self.transcode_fallback.is_some()
            || self.feed.is_some()
    }
}

/// The longest delay a destination may have: what the platforms' own delay features offer
/// (Twitch's stream delay goes to 15 minutes, but 3 minutes is what competitive play asks for).
pub const MAX_DELAY_S: u32 = 180;

/// Secrets stay out of logs: the core logs every command.
impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("Change")
            .field("name", &self.name)
            .field("platform", &self.platform)
            .field("url", &self.url)
            .field("stream_key", &secret(&self.stream_key))
            .field("passphrase", &secret(&self.passphrase))
            .field("enabled", &self.enabled)
            .field("delay_s", &self.delay_s)
            .field("output", &self.output)
            .field("transcode_fallback", &self.transcode_fallback)
            .field("feed", &self.feed)
            .finish()
    }
}

pub fn hint(key: &str) -> Option<String> {
    let n = key.chars().count();
    if n == 0 {
        return None;
    }
    let tail: String = key.chars().skip(n.saturating_sub(4)).collect();
    // Short keys would be shown whole: hide them entirely.
    Some(if n <= 8 { "…".to_string() } else { format!("…{tail}") })
}

const COLS: &str = "id, name, platform, url, enabled, stream_key_enc, stream_key_hint, created_at, updated_at, passphrase_enc, key_used_show, delay_s, output, transcode_fallback, feed";

fn key_at(id: i64) -> Place {
    Place::new("destinations", "stream_key_enc", id)
}

fn passphrase_at(id: i64) -> Place {
    Place::new("destinations", "passphrase_enc", id)
}

impl Store {
    fn row(&self, r: &Row) -> rusqlite::Result<Destination> {
        let id: i64 = r.get(0)?;
        let key: Option<Vec<u8>> = r.get(5)?;
        let pass: Option<Vec<u8>> = r.get(9)?;
        let key_ok = key.as_ref().map(|k| self.secrets.open(&key_at(id), k).is_ok());
        let pass_ok = pass.as_ref().map(|p| self.secrets.open(&passphrase_at(id), p).is_ok());
        Ok(Destination {
            id,
            name: r.get(1)?,
            platform: r.get(2)?,
            url: r.get(3)?,
            enabled: r.get(4)?,
            stream_key_set: key_ok == Some(true),
            stream_key_hint: if key_ok == Some(true) { r.get(6)? } else { None },
            passphrase_set: pass_ok == Some(true),
            needs_key: key_ok == Some(false) || pass_ok == Some(false),
            key_used: r.get::<_, Option<i64>>(10)?.is_some(),
            delay_s: r.get(11)?,
            // Written by this code from a checked `Output`; a row that does not read is passthrough.
            output: r.get::<_, Option<String>>(12)?.and_then(|j| serde_json::from_str(&j).ok()),
            transcode_fallback: r.get(13)?,
            // Written by this code from a `FeedId`; anything else reads as the main feed.
            feed: FeedId::parse(&r.get::<_, String>(14)?).unwrap_or_default(),
            created_at: r.get(7)?,
            updated_at: r.get(8)?,
        })
    }

    pub fn list_destinations(&self) -> Result<Vec<Destination>> {
        if let Some(v) = &*self.dests.lock().unwrap() {
            return Ok(v.clone());
        }
        let db = self.db();
        let mut st = db.prepare_cached(&format!("SELECT {COLS} FROM destinations ORDER BY id"))?;
        let v = st.query_map([], |r| self.row(r))?.collect::<rusqlite::Result<Vec<_>>>()?;
        // Filled under the connection's lock, so a write (which clears it under the same lock)
        // cannot slip in between the read and the fill.
        *self.dests.lock().unwrap() = Some(v.clone());
        Ok(v)
    }

    /// Every write to the destinations table goes through here (under the connection's lock).
    fn changed_destinations(&self) {
        *self.dests.lock().unwrap() = None;
    }

    pub fn destination(&self, id: i64) -> Result<Destination> {
        self.db().query_row(&format!("SELECT {COLS} FROM destinations WHERE id = ?1"), [id], |r| self.row(r)).optional()?.ok_or(StoreError::NotFound)
    }

    pub fn create_destination(&self, name: &str, platform: &str, url: &str, key: &str, enabled: bool) -> Result<Destination> {
        self.create_destination_with(name, platform, url, key, "", enabled)
    }

    /// `url` must hold no secret (see `fanout::url_secrets`); `key` and `passphrase` are sealed,
    /// bound to the new row.
    pub fn create_destination_with(&self, name: &str, platform: &str, url: &str, key: &str, passphrase: &str, enabled: bool) -> Result<Destination> {
        let t = now();
        let id = {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            tx.execute(
                "INSERT INTO destinations (name, platform, url, enabled, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![name, platform, url, enabled, t],
            )?;
            let id = tx.last_insert_rowid();
            self.write_key(&tx, id, key)?;
            self.write_passphrase(&tx, id, passphrase)?;
            tx.commit()?;
            self.changed_destinations();
            id
        };
        self.destination(id)
    }

    fn write_key(&self, db: &rusqlite::Connection, id: i64, key: &str) -> Result<()> {
        let enc = (!key.is_empty()).then(|| self.secrets.seal(&key_at(id), key.as_bytes()));
        db.execute("UPDATE destinations SET stream_key_enc = ?2, stream_key_hint = ?3, key_used_show = NULL WHERE id = ?1", params![id, enc, hint(key)])?;
        Ok(())
    }

    fn write_passphrase(&self, db: &rusqlite::Connection, id: i64, p: &str) -> Result<()> {
        let enc = (!p.is_empty()).then(|| self.secrets.seal(&passphrase_at(id), p.as_bytes()));
        db.execute("UPDATE destinations SET passphrase_enc = ?2 WHERE id = ?1", params![id, enc])?;
        Ok(())
    }

    pub fn update_destination(&self, id: i64, c: Change) -> Result<Destination> {
        let cur = self.destination(id)?;
        {
            let db = self.db();
            let tx = db.unchecked_transaction()?;
            tx.execute(
                "UPDATE destinations SET name = ?2, platform = ?3, url = ?4, enabled = ?5, updated_at = ?6, delay_s = ?7, output = ?8,
                 transcode_fallback = ?9, feed = ?10 WHERE id = ?1",
                params![
                    id,
                    c.name.unwrap_or(cur.name),
                    c.platform.unwrap_or(cur.platform),
                    c.url.unwrap_or(cur.url),
                    c.enabled.unwrap_or(cur.enabled),
                    now(),
                    c.delay_s.unwrap_or(cur.delay_s),
                    c.output.unwrap_or(cur.output).map(|o| serde_json::to_string(&o).expect("an Output always serialises")),
                    c.transcode_fallback.unwrap_or(cur.transcode_fallback),
                    c.feed.unwrap_or(cur.feed).as_str()
                ],
            )?;
            if let Some(k) = c.stream_key {
                self.write_key(&tx, id, &k)?;
            }
            if let Some(p) = c.passphrase {
                self.write_passphrase(&tx, id, &p)?;
            }
            tx.commit()?;
            self.changed_destinations();
        }
        self.destination(id)
    }

    /// Notes that the destination's key goes out in `show`; returns the earlier show it went out
    /// in, if any (the same show again is not earlier: an output restarting within a show).
    pub fn use_key(&self, id: i64, show: i64) -> Result<Option<i64>> {
        let db = self.db();
        let before: Option<i64> =
            db.query_row("SELECT key_used_show FROM destinations WHERE id = ?1", [id], |r| r.get(0)).optional()?.ok_or(StoreError::NotFound)?;
        db.execute("UPDATE destinations SET key_used_show = ?2 WHERE id = ?1", params![id, show])?;
        self.changed_destinations();
        Ok(before.filter(|b| *b != show))
    }

    pub fn delete_destination(&self, id: i64) -> Result<()> {
        let db = self.db();
        let n = db.execute("DELETE FROM destinations WHERE id = ?1", [id])?;
        self.changed_destinations();
        match n {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    fn sealed_column(&self, id: i64, col: &str) -> Result<Option<Vec<u8>>> {
        self.db().query_row(&format!("SELECT {col} FROM destinations WHERE id = ?1"), [id], |r| r.get(0)).optional()?.ok_or(StoreError::NotFound)
    }

    /// The clear stream key, for the output that sends to it. Never for an API response.
    pub fn stream_key(&self, id: i64) -> Result<String> {
        match self.sealed_column(id, "stream_key_enc")? {
            None => Ok(String::new()),
            Some(e) => self.secrets.open_string(&key_at(id), &e),
        }
    }

    /// The clear SRT passphrase (empty: none), for the output. Never for an API response.
    pub fn destination_passphrase(&self, id: i64) -> Result<String> {
        match self.sealed_column(id, "passphrase_enc")? {
            None => Ok(String::new()),
            Some(e) => self.secrets.open_string(&passphrase_at(id), &e),
        }
    }
}

impl Store {
    /// The destinations Go Live starts: the active profile's enabled ones, or every enabled one.
    pub fn live_destination_ids(&self) -> Result<Vec<i64>> {
        let db = self.db();
        let active: Option<i64> = db.query_row("SELECT id FROM profiles WHERE active = 1", [], |r| r.get(0)).optional()?;
        let ids = match active {
            Some(p) => {
                let mut st = db.prepare_cached(
                    "SELECT d.id FROM destinations d JOIN profile_destinations pd ON pd.destination_id = d.id
                     WHERE pd.profile_id = ?1 AND d.enabled = 1 ORDER BY d.id",
                )?;
                let v = st.query_map([p], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
                v
            }
            None => {
                let mut st = db.prepare_cached("SELECT id FROM destinations WHERE enabled = 1 ORDER BY id")?;
                let v = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
                v
            }
        };
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crud_and_key_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let d = s.create_destination("Twitch", "twitch", "rtmp://live.twitch.tv/app", "live_123456789_secretSECRET", true).unwrap();
        assert!(d.stream_key_set);
        assert_eq!(d.stream_key_hint.as_deref(), Some("…CRET"));
        assert_eq!(s.stream_key(d.id).unwrap(), "live_123456789_secretSECRET");
        let d2 = s.update_destination(d.id, Change { enabled: Some(false), ..Default::default() }).unwrap();
        assert!(!d2.enabled && d2.stream_key_set);
        s.delete_destination(d.id).unwrap();
        assert!(matches!(s.destination(d.id), Err(StoreError::NotFound)));
        drop(s);
        let db = std::fs::read(dir.path().join("onair.db")).unwrap();
        assert!(!db.windows(6).any(|w| w == b"SECRET"));
    }

    #[test]
    fn a_key_remembers_the_show_it_went_out_in_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let d = s.create_destination("TikTok", "tiktok", "rtmp://push.tiktokcdn.com/live", "tiktok_key_0001", true).unwrap();
        assert!(!d.key_used);
        assert_eq!(s.use_key(d.id, 1).unwrap(), None, "first show");
        assert_eq!(s.use_key(d.id, 1).unwrap(), None, "an output restarting within the same show");
        assert!(s.destination(d.id).unwrap().key_used);
        assert_eq!(s.use_key(d.id, 2).unwrap(), Some(1), "the next show, same key");
        s.update_destination(d.id, Change { stream_key: Some("tiktok_key_0002".into()), ..Default::default() }).unwrap();
        assert!(!s.destination(d.id).unwrap().key_used);
        assert_eq!(s.use_key(d.id, 3).unwrap(), None, "a fresh key");
        s.update_destination(d.id, Change { name: Some("TT".into()), ..Default::default() }).unwrap();
        assert!(s.destination(d.id).unwrap().key_used, "a rename keeps it");
    }

    /// A sealed blob copied onto another row (or into another column) does not open there: the
    /// destination says it needs its key again, and nothing panics.
    #[test]
    fn a_blob_moved_to_another_row_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let a = s.create_destination_with("A", "custom", "srt://h:1", "sk_row_a_0001", "passphrase-a-0001", true).unwrap();
        let b = s.create_destination("B", "custom", "rtmp://h/app", "sk_row_b_0002", true).unwrap();
        assert!(a.passphrase_set && !a.needs_key && b.stream_key_set && !b.passphrase_set);
        assert_eq!(s.destination_passphrase(a.id).unwrap(), "passphrase-a-0001");
        s.db().execute("UPDATE destinations SET stream_key_enc = (SELECT stream_key_enc FROM destinations WHERE id = ?1) WHERE id = ?2", [a.id, b.id]).unwrap();
        s.changed_destinations();
        assert!(matches!(s.stream_key(b.id), Err(StoreError::Secret(_))));
        let b2 = s.destination(b.id).unwrap();
        assert!(b2.needs_key && !b2.stream_key_set && b2.stream_key_hint.is_none(), "{b2:?}");
        assert!(s.list_destinations().unwrap().iter().any(|d| d.id == b.id && d.needs_key));
        assert_eq!(s.stream_key(a.id).unwrap(), "sk_row_a_0001", "the original still opens");
        // Into the other column of the same row.
        s.db().execute("UPDATE destinations SET passphrase_enc = stream_key_enc WHERE id = ?1", [a.id]).unwrap();
        assert!(s.destination_passphrase(a.id).is_err());
        assert!(s.destination(a.id).unwrap().needs_key);
        // Entering the key again heals it.
        let b3 = s.update_destination(b.id, Change { stream_key: Some("sk_row_b_0003".into()), ..Default::default() }).unwrap();
        assert!(b3.stream_key_set && !b3.needs_key);
    }

    #[test]
    fn hints_never_reveal_short_keys() {
        assert_eq!(hint(""), None);
        assert_eq!(hint("abcd").as_deref(), Some("…"));
        assert_eq!(hint("abcdefghij").as_deref(), Some("…ghij"));
    }
}
