//! Destinations: where the program goes. Stream keys are sealed with the box secret; only a hint
//! (last four characters) is ever readable.
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{now, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Destination {
    pub id: i64,
    pub name: String,
    pub platform: String,
    pub url: String,
    pub enabled: bool,
    pub stream_key_set: bool,
    pub stream_key_hint: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Default)]
pub struct Change {
    pub name: Option<String>,
    pub platform: Option<String>,
    pub url: Option<String>,
    pub stream_key: Option<String>,
    pub enabled: Option<bool>,
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

const COLS: &str = "id, name, platform, url, enabled, stream_key_enc IS NOT NULL, stream_key_hint, created_at, updated_at";

fn row(r: &Row) -> rusqlite::Result<Destination> {
    Ok(Destination {
        id: r.get(0)?,
        name: r.get(1)?,
        platform: r.get(2)?,
        url: r.get(3)?,
        enabled: r.get(4)?,
        stream_key_set: r.get(5)?,
        stream_key_hint: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

impl Store {
    pub fn list_destinations(&self) -> Result<Vec<Destination>> {
        if let Some(v) = &*self.dests.lock().unwrap() {
            return Ok(v.clone());
        }
        let db = self.db();
        let mut st = db.prepare_cached(&format!("SELECT {COLS} FROM destinations ORDER BY id"))?;
        let v = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
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
        self.db()
            .query_row(&format!("SELECT {COLS} FROM destinations WHERE id = ?1"), [id], row)
            .optional()?
            .ok_or(StoreError::NotFound)
    }

    pub fn create_destination(&self, name: &str, platform: &str, url: &str, key: &str, enabled: bool) -> Result<Destination> {
        let (enc, h) = self.seal_key(key);
        let t = now();
        let id = {
            let db = self.db();
            db.execute(
                "INSERT INTO destinations (name, platform, url, stream_key_enc, stream_key_hint, enabled, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![name, platform, url, enc, h, enabled, t],
            )?;
            self.changed_destinations();
            db.last_insert_rowid()
        };
        self.destination(id)
    }

    pub fn update_destination(&self, id: i64, c: Change) -> Result<Destination> {
        let cur = self.destination(id)?;
        {
            let db = self.db();
            db.execute(
                "UPDATE destinations SET name = ?2, platform = ?3, url = ?4, enabled = ?5, updated_at = ?6 WHERE id = ?1",
                params![
                    id,
                    c.name.unwrap_or(cur.name),
                    c.platform.unwrap_or(cur.platform),
                    c.url.unwrap_or(cur.url),
                    c.enabled.unwrap_or(cur.enabled),
                    now()
                ],
            )?;
            if let Some(k) = c.stream_key {
                let (enc, h) = self.seal_key(&k);
                db.execute(
                    "UPDATE destinations SET stream_key_enc = ?2, stream_key_hint = ?3 WHERE id = ?1",
                    params![id, enc, h],
                )?;
            }
            self.changed_destinations();
        }
        self.destination(id)
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

    /// The clear stream key, for the output that sends to it. Never for an API response.
    pub fn stream_key(&self, id: i64) -> Result<String> {
        let enc: Option<Vec<u8>> =
            self.db().query_row("SELECT stream_key_enc FROM destinations WHERE id = ?1", [id], |r| r.get(0)).optional()?.ok_or(StoreError::NotFound)?;
        match enc {
            None => Ok(String::new()),
            Some(e) => String::from_utf8(self.secrets.open(&e)?).map_err(|_| StoreError::Secret("stream key is not UTF-8".into())),
        }
    }

    fn seal_key(&self, key: &str) -> (Option<Vec<u8>>, Option<String>) {
        if key.is_empty() {
            (None, None)
        } else {
            (Some(self.secrets.seal(key.as_bytes())), hint(key))
        }
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
    fn hints_never_reveal_short_keys() {
        assert_eq!(hint(""), None);
        assert_eq!(hint("abcd").as_deref(), Some("…"));
        assert_eq!(hint("abcdefghij").as_deref(), Some("…ghij"));
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
