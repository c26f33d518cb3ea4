//! Notification channels (where alerts go: a webhook, Discord, ...), the rules that route alert kinds
//! to them, and the outbox: every message is a row before anything is sent, so a reboot loses none.
//! A channel's secret (a webhook's signing key, a bot token, a webhook URL that is itself the
//! credential) is sealed like a stream key and never read back out through the API.
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::secret::Place;
use super::{now, Result, Store, StoreError};

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Channel {
    pub id: i64,
    pub kind: String,
    pub name: String,
    /// The kind's settings without its secret (see `notify::channels`).
    #[cfg_attr(test, ts(type = "Record<string, unknown>"))]
    pub settings: serde_json::Value,
    pub secret_set: bool,
    pub enabled: bool,
    pub created_at: i64,
}

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub kinds: Vec<String>,
    pub channels: Vec<i64>,
}

/// One message waiting in the outbox.
#[derive(Debug, Clone)]
pub struct Queued {
    pub id: i64,
    pub channel_id: i64,
    pub notice: String,
    pub attempts: i64,
}

fn place(id: i64) -> Place {
    Place::new("notify_channels", "secret_enc", id)
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Channel> {
    let settings: String = r.get(3)?;
    Ok(Channel {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        settings: serde_json::from_str(&settings).unwrap_or(serde_json::Value::Null),
        secret_set: r.get::<_, Option<Vec<u8>>>(4)?.is_some(),
        enabled: r.get::<_, i64>(5)? != 0,
        created_at: r.get(6)?,
    })
}

const COLUMNS: &str = "id, kind, name, settings, secret_enc, enabled, created_at";

impl Store {
    pub fn list_channels(&self) -> Result<Vec<Channel>> {
        let db = self.db();
        let mut st = db.prepare(&format!("SELECT {COLUMNS} FROM notify_channels ORDER BY id"))?;
        let v = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    pub fn channel(&self, id: i64) -> Result<Option<Channel>> {
        Ok(self.db().query_row(&format!("SELECT {COLUMNS} FROM notify_channels WHERE id = ?1"), [id], row).optional()?)
    }

    /// The channel's secret, unsealed (for sending only).
    pub fn channel_secret(&self, id: i64) -> Result<Option<String>> {
        let sealed: Option<Option<Vec<u8>>> = self.db().query_row("SELECT secret_enc FROM notify_channels WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        match sealed.flatten() {
            Some(s) => Ok(Some(self.secrets.open_string(&place(id), &s)?)),
            None => Ok(None),
        }
    }

    pub fn create_channel(&self, kind: &str, name: &str, settings: &serde_json::Value, secret: Option<&str>, enabled: bool) -> Result<Channel> {
        let id = {
            let db = self.db();
            db.execute(
                "INSERT INTO notify_channels (kind, name, settings, enabled, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind, name, settings.to_string(), enabled as i64, now()],
            )?;
            db.last_insert_rowid()
        };
        if let Some(s) = secret {
            self.set_channel_secret(id, s)?;
        }
        self.channel(id)?.ok_or(StoreError::NotFound)
    }

    fn set_channel_secret(&self, id: i64, secret: &str) -> Result<()> {
        let sealed = self.secrets.seal(&place(id), secret.as_bytes());
        self.db().execute("UPDATE notify_channels SET secret_enc = ?2 WHERE id = ?1", params![id, sealed])?;
        Ok(())
    }

    pub fn update_channel(
        &self,
        id: i64,
        name: Option<&str>,
        settings: Option<&serde_json::Value>,
        secret: Option<&str>,
        enabled: Option<bool>,
    ) -> Result<Channel> {
        let cur = self.channel(id)?.ok_or(StoreError::NotFound)?;
        self.db().execute(
            "UPDATE notify_channels SET name = ?2, settings = ?3, enabled = ?4 WHERE id = ?1",
            params![id, name.unwrap_or(&cur.name), settings.unwrap_or(&cur.settings).to_string(), enabled.unwrap_or(cur.enabled) as i64],
        )?;
        if let Some(s) = secret {
            self.set_channel_secret(id, s)?;
        }
        self.channel(id)?.ok_or(StoreError::NotFound)
    }

    /// Removes the channel, what waits for it in the outbox, and it from every rule.
    pub fn delete_channel(&self, id: i64) -> Result<bool> {
        let mut rules = self.notify_rules()?;
        let n = {
            let db = self.db();
            db.execute("DELETE FROM notify_queue WHERE channel_id = ?1", [id])?;
            db.execute("DELETE FROM notify_channels WHERE id = ?1", [id])?
        };
        for r in &mut rules {
            r.channels.retain(|c| *c != id);
        }
        self.set_notify_rules(&rules)?;
        Ok(n > 0)
    }

    pub fn notify_rules(&self) -> Result<Vec<Rule>> {
        let db = self.db();
        let mut st = db.prepare("SELECT kinds, channels FROM notify_rules ORDER BY id")?;
        let v = st
            .query_map([], |r| {
                let (k, c): (String, String) = (r.get(0)?, r.get(1)?);
                Ok(Rule { kinds: serde_json::from_str(&k).unwrap_or_default(), channels: serde_json::from_str(&c).unwrap_or_default() })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    pub fn set_notify_rules(&self, rules: &[Rule]) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute("DELETE FROM notify_rules", [])?;
        for r in rules {
            tx.execute(
                "INSERT INTO notify_rules (kinds, channels) VALUES (?1, ?2)",
                params![serde_json::to_string(&r.kinds).unwrap_or_default(), serde_json::to_string(&r.channels).unwrap_or_default()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Puts a message in the outbox for `channel`, to go at once.
    pub fn enqueue_notice(&self, channel: i64, notice: &str) -> Result<i64> {
        let db = self.db();
        let t = now();
        db.execute("INSERT INTO notify_queue (channel_id, notice, next_at, created_at) VALUES (?1, ?2, ?3, ?3)", params![channel, notice, t])?;
        Ok(db.last_insert_rowid())
    }

    /// Messages whose time has come, oldest first.
    pub fn due_notices(&self, at: i64, limit: usize) -> Result<Vec<Queued>> {
        let db = self.db();
        let mut st = db.prepare(
            "SELECT id, channel_id, notice, attempts FROM notify_queue WHERE sent_at IS NULL AND given_up = 0 AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
        )?;
        let v = st
            .query_map(params![at, limit as i64], |r| Ok(Queued { id: r.get(0)?, channel_id: r.get(1)?, notice: r.get(2)?, attempts: r.get(3)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    /// When the next waiting message is due, if any.
    pub fn next_notice_at(&self) -> Result<Option<i64>> {
        Ok(self.db().query_row("SELECT MIN(next_at) FROM notify_queue WHERE sent_at IS NULL AND given_up = 0", [], |r| r.get(0))?)
    }

    pub fn notice_sent(&self, id: i64) -> Result<()> {
        self.db().execute("UPDATE notify_queue SET sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1", params![id, now()])?;
        // The outbox keeps a day of what went out (for the dashboard's "last sent"), no more.
        self.db().execute("DELETE FROM notify_queue WHERE sent_at IS NOT NULL AND sent_at < ?1", [now() - 86_400])?;
        Ok(())
    }

    /// A failed attempt: tried again at `next_at`, or given up (`next_at` is `None`).
    pub fn notice_failed(&self, id: i64, error: &str, next_at: Option<i64>) -> Result<()> {
        match next_at {
            Some(t) => {
                self.db().execute("UPDATE notify_queue SET attempts = attempts + 1, last_error = ?2, next_at = ?3 WHERE id = ?1", params![id, error, t])?
            }
            None => self.db().execute("UPDATE notify_queue SET attempts = attempts + 1, last_error = ?2, given_up = 1 WHERE id = ?1", params![id, error])?,
        };
        Ok(())
    }

    /// What waits for `channel` goes at once (it was switched back on, or edited).
    pub fn retry_channel_now(&self, channel: i64) -> Result<()> {
        self.db().execute("UPDATE notify_queue SET next_at = ?2 WHERE channel_id = ?1 AND sent_at IS NULL AND given_up = 0", params![channel, now()])?;
        Ok(())
    }

    /// Per channel: (messages waiting, the last error, when the last one went out).
    pub fn channel_outbox(&self, channel: i64) -> Result<(i64, Option<String>, Option<i64>)> {
        Ok(self.db().query_row(
            "SELECT (SELECT COUNT(*) FROM notify_queue WHERE channel_id = ?1 AND sent_at IS NULL AND given_up = 0),
                    (SELECT last_error FROM notify_queue WHERE channel_id = ?1 AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1),
                    (SELECT MAX(sent_at) FROM notify_queue WHERE channel_id = ?1)",
            [channel],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_keep_their_secret_sealed_and_the_outbox_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let c = s.create_channel("webhook", "ops", &serde_json::json!({"url": "http://x/hook"}), Some("hmac-secret-123"), true).unwrap();
        assert!(c.secret_set && c.enabled);
        let raw: Vec<u8> = s.db().query_row("SELECT secret_enc FROM notify_channels WHERE id = ?1", [c.id], |r| r.get(0)).unwrap();
        assert!(!raw.windows(6).any(|w| w == b"hmac-s"), "sealed, not stored in the clear");
        assert_eq!(s.channel_secret(c.id).unwrap().as_deref(), Some("hmac-secret-123"));
        s.set_notify_rules(&[Rule { kinds: vec!["feed_lost".into()], channels: vec![c.id] }]).unwrap();
        let q = s.enqueue_notice(c.id, "{\"kind\":\"feed_lost\"}").unwrap();
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        let due = s.due_notices(now(), 10).unwrap();
        assert_eq!((due.len(), due[0].id), (1, q), "a restart loses nothing");
        s.notice_failed(q, "HTTP 500", Some(now() + 60)).unwrap();
        assert!(s.due_notices(now(), 10).unwrap().is_empty());
        assert_eq!(s.next_notice_at().unwrap(), Some(now() + 60));
        assert_eq!(s.channel_outbox(c.id).unwrap().0, 1);
        s.notice_sent(q).unwrap();
        assert_eq!(s.channel_outbox(c.id).unwrap().0, 0);
        // Deleting the channel takes it out of the rules too.
        assert!(s.delete_channel(c.id).unwrap());
        assert_eq!(s.notify_rules().unwrap()[0].channels, Vec::<i64>::new());
    }
}
