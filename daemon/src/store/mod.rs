//! SQLite storage (WAL) with versioned migrations. One connection behind a mutex: the box writes
//! rarely and small, and SQLite serialises writers anyway. Owns the data dir's database, its
//! backups and the box secret; knows nothing of the show. Writers are the core and the login.
pub mod auth;
pub mod backup;
pub mod destinations;
pub mod export;
pub mod health;
pub mod invites;
pub mod lock;
pub mod notify;
pub mod platforms;
pub mod profiles;
pub mod recordings;
pub mod recovery;
pub mod secret;
pub mod shows;
mod upgrade;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::media::feed::FeedId;
use rusqlite::{params, Connection, OptionalExtension};

pub use recovery::Recovery;
pub use secret::{Place, SecretBox};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(rusqlite::Error),
    #[error("secret key: {0}")]
    Secret(String),
    #[error("not found")]
    NotFound,
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database was written by a newer onaird (schema version {have}; this onaird knows up to {known}): run that version or a newer one; the database is left as it is")]
    TooNew { have: i64, known: usize },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        health::note(&e);
        StoreError::Db(e)
    }
}

impl StoreError {
    /// The write failed because the data disk is full or read-only (the caller may keep it in
    /// memory and retry).
    pub fn is_disk_full(&self) -> bool {
        use rusqlite::ErrorCode::*;
        matches!(self, StoreError::Db(e) if matches!(e.sqlite_error_code(), Some(DiskFull | ReadOnly | SystemIoFailure)))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Each entry runs once, in order, inside a transaction; `user_version` records how far we got.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: settings, admin, sessions, tokens, destinations, profiles
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE admin (id INTEGER PRIMARY KEY CHECK (id = 1), password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
     CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
     CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL, last_used_at INTEGER);
     CREATE TABLE destinations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, platform TEXT NOT NULL, url TEXT NOT NULL,
        stream_key_enc BLOB, stream_key_hint TEXT, enabled INTEGER NOT NULL DEFAULT 1,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
     CREATE TABLE profiles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 0);
     CREATE TABLE profile_destinations (profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        destination_id INTEGER NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
        PRIMARY KEY (profile_id, destination_id));",
    // 2: guest invites (the token itself is signed, never stored)
    "CREATE TABLE invites (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        max_uses INTEGER NOT NULL, uses INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0,
        audio INTEGER NOT NULL, video INTEGER NOT NULL, screen INTEGER NOT NULL);",
    // 3: alerts, kept with their time
    "CREATE TABLE alerts (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, level TEXT NOT NULL, message TEXT NOT NULL);",
    // 4: linked platform accounts (app credentials and tokens sealed with the box secret)
    "CREATE TABLE platform_accounts (platform TEXT PRIMARY KEY, client_id TEXT NOT NULL DEFAULT '',
        client_secret_enc BLOB, channel TEXT NOT NULL DEFAULT '', access_enc BLOB, refresh_enc BLOB,
        expires_at INTEGER, account_id TEXT, account_name TEXT, needs_relink INTEGER NOT NULL DEFAULT 0);",
    // 5: show history: each show, its destinations' totals, and a coarse timeline for the chart
    "CREATE TABLE shows (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER, end_reason TEXT);
     CREATE TABLE show_destinations (show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE,
        destination_id INTEGER NOT NULL, name TEXT NOT NULL, platform TEXT NOT NULL, bytes INTEGER NOT NULL,
        avg_kbps INTEGER NOT NULL, reconnects INTEGER NOT NULL, peak_viewers INTEGER, live_s INTEGER NOT NULL,
        PRIMARY KEY (show_id, destination_id));
     CREATE TABLE show_samples (show_id INTEGER NOT NULL REFERENCES shows(id) ON DELETE CASCADE, t_s INTEGER NOT NULL,
        ingest_kbps INTEGER NOT NULL, out_kbps INTEGER NOT NULL, viewers INTEGER, PRIMARY KEY (show_id, t_s));",
    // 6: secrets bound to their place and sealed under an HKDF subkey (see `upgrade::secrets_v6`, run
    // right after): SRT passphrases of destinations; which derivation made each API token's and
    // invite's digest (1: HMAC under secret.key itself, 2: under its own subkey). Login sessions
    // end: a browser logs in again, and the old derivation need not live on for their 30 days.
    "ALTER TABLE destinations ADD COLUMN passphrase_enc BLOB;
     ALTER TABLE api_tokens ADD COLUMN digest_v INTEGER NOT NULL DEFAULT 1;
     ALTER TABLE invites ADD COLUMN mac_v INTEGER NOT NULL DEFAULT 1;
     DELETE FROM sessions;",
    // 7: the show a destination's current stream key last went out in (single-use keys: TikTok,
    // Instagram); cleared when the key changes.
    "ALTER TABLE destinations ADD COLUMN key_used_show INTEGER;",
    // 8: a per-destination delay in seconds (0-180)
    "ALTER TABLE destinations ADD COLUMN delay_s INTEGER NOT NULL DEFAULT 0;",
    // 9: a destination's own picture (JSON of `media::transcode::Output`, NULL: the feed as it
    // is) and whether a feed codec it does not take is transcoded to H.264
    "ALTER TABLE destinations ADD COLUMN output TEXT;
     ALTER TABLE destinations ADD COLUMN transcode_fallback INTEGER NOT NULL DEFAULT 1;",
    // 10: recordings of the program on the box (the file is a name inside the recordings folder)
    "CREATE TABLE recordings (id INTEGER PRIMARY KEY, show_id INTEGER, feed TEXT NOT NULL, started_at INTEGER NOT NULL,
        file TEXT NOT NULL, ended_at INTEGER, duration_ms INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,
        end_reason TEXT);",
    // 11: which program feed a destination takes ('main' or 'second')
    "ALTER TABLE destinations ADD COLUMN feed TEXT NOT NULL DEFAULT 'main';",
    // 12: notification channels (their secret sealed), the rules routing alert kinds to them, and the
    // outbox every message is written to before it is sent
    "CREATE TABLE notify_channels (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, settings TEXT NOT NULL,
        secret_enc BLOB, enabled INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL);
     CREATE TABLE notify_rules (id INTEGER PRIMARY KEY, kinds TEXT NOT NULL, channels TEXT NOT NULL);
     CREATE TABLE notify_queue (id INTEGER PRIMARY KEY, channel_id INTEGER NOT NULL, notice TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, created_at INTEGER NOT NULL, last_error TEXT,
        sent_at INTEGER, given_up INTEGER NOT NULL DEFAULT 0);
     CREATE INDEX notify_queue_due ON notify_queue (next_at) WHERE sent_at IS NULL AND given_up = 0;",
];

/// Migrations that need code (the box secret) after their SQL, by the `user_version` they make.
type Upgrade = fn(&rusqlite::Transaction, &SecretBox) -> Result<()>;
const CODE: &[(usize, Upgrade)] = &[(6, upgrade::secrets_v6)];

#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    pub secrets: Arc<SecretBox>,
    /// The destination list, read every second (status screen, watchdog) and changed rarely.
    dests: Arc<Mutex<Option<Vec<destinations::Destination>>>>,
    /// The data dir (backups go there); `None` for a database in memory.
    dir: Option<PathBuf>,
    /// Sessions, token uses and alerts, so that authentication reads memory only and a full disk
    /// delays their writes instead of refusing logins (see `auth`).
    memo: Arc<auth::Memo>,
    pending_alerts: Arc<Mutex<Vec<(i64, String, String)>>>,
    recovery: Arc<Option<Recovery>>,
    /// Bumped when a credential ends (a session logged out or ended by a password change, an API
    /// token deleted): whatever holds a connection open on one (an event feed) checks it again.
    revoked: Arc<tokio::sync::watch::Sender<u64>>,
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Store {
    /// Opens the data dir's database, refusing a damaged one (tools and tests; the daemon uses
    /// [`Store::open_recovering`]).
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        export::take_staged(data_dir)?;
        let secrets = SecretBox::load_or_create(&data_dir.join("secret.key"))?;
        let conn = recovery::open_checked(&data_dir.join("onair.db"), false, &secrets).map_err(|e| match e {
            recovery::OpenError::Corrupt(m) => StoreError::Secret(format!("the database is damaged: {m}")),
            recovery::OpenError::Other(e) => e,
        })?;
        Self::with(conn, secrets, Some(data_dir.to_path_buf()), None)
    }

    /// Opens the database whatever state it is in: a damaged one is moved aside and replaced by
    /// the newest good backup (or a fresh database); [`Store::recovery`] says what happened.
    /// Errors only for the data dir itself or `secret.key`.
    pub fn open_recovering(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        export::take_staged(data_dir)?;
        let secrets = SecretBox::load_or_create(&data_dir.join("secret.key"))?;
        let (conn, rec) = recovery::open_recovering(data_dir, &secrets)?;
        let dir = rec.as_ref().is_none_or(|r| !matches!(r.outcome, "memory" | "read_only")).then(|| data_dir.to_path_buf());
        Self::with(conn, secrets, dir, rec)
    }

    fn with(conn: Connection, secrets: SecretBox, dir: Option<PathBuf>, recovery: Option<Recovery>) -> Result<Self> {
        let memo = auth::Memo::load(&conn)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            secrets: Arc::new(secrets),
            dests: Arc::default(),
            dir,
            memo: Arc::new(memo),
            pending_alerts: Arc::default(),
            recovery: Arc::new(recovery),
            revoked: Arc::new(tokio::sync::watch::channel(0).0),
        })
    }

    /// Changes whenever a credential ends (see `revoked`).
    pub fn revocations(&self) -> tokio::sync::watch::Receiver<u64> {
        self.revoked.subscribe()
    }

    fn credential_ended(&self) {
        self.revoked.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// What start-up had to do about a damaged database, if anything.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.recovery.as_ref().as_ref()
    }

    pub fn db(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.db().prepare_cached("SELECT value FROM settings WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
    }

    /// Keeps the newest 1000 alerts. One the disk refuses is kept in memory (and listed) until it
    /// can be written: the alert that says the disk is full has to reach someone.
    pub fn add_alert(&self, level: &str, message: &str) -> Result<()> {
        let r = self.insert_alert(now(), level, message);
        if let Err(e) = &r {
            if e.is_disk_full() {
                let mut p = self.pending_alerts.lock().unwrap_or_else(|e| e.into_inner());
                if p.len() >= 100 {
                    p.remove(0);
                }
                p.push((now(), level.to_string(), message.to_string()));
            }
        }
        r
    }

    fn insert_alert(&self, at: i64, level: &str, message: &str) -> Result<()> {
        let db = self.db();
        db.execute("INSERT INTO alerts (at, level, message) VALUES (?1, ?2, ?3)", params![at, level, message])?;
        db.execute("DELETE FROM alerts WHERE id <= (SELECT MAX(id) - 1000 FROM alerts)", [])?;
        Ok(())
    }

    /// Newest first; alerts not yet written (id `null`) come first.
    pub fn alerts(&self, limit: i64) -> Result<Vec<serde_json::Value>> {
        let mut v: Vec<serde_json::Value> = self
            .pending_alerts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .rev()
            .map(|(at, level, message)| serde_json::json!({"id": null, "at": at, "level": level, "message": message}))
            .collect();
        let db = self.db();
        let mut st = db.prepare_cached("SELECT id, at, level, message FROM alerts ORDER BY id DESC LIMIT ?1")?;
        v.extend(
            st.query_map([limit], |r| {
                Ok(serde_json::json!({"id": r.get::<_, i64>(0)?, "at": r.get::<_, i64>(1)?, "level": r.get::<_, String>(2)?, "message": r.get::<_, String>(3)?}))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?,
        );
        v.truncate(limit.max(0) as usize);
        Ok(v)
    }

    /// Writes what the disk refused earlier (alerts, sessions) and, with `touch`, the tokens' last
    /// use. Called on the core's clock; a failure leaves everything held for the next try.
    pub fn flush_pending(&self, touch: bool) -> Result<()> {
        let alerts: Vec<_> = std::mem::take(&mut *self.pending_alerts.lock().unwrap_or_else(|e| e.into_inner()));
        for (i, (at, level, message)) in alerts.iter().enumerate() {
            if let Err(e) = self.insert_alert(*at, level, message) {
                self.pending_alerts.lock().unwrap_or_else(|e| e.into_inner()).splice(0..0, alerts[i..].iter().cloned());
                return Err(e);
            }
        }
        self.flush_auth(touch)?;
        if health::writes_failing_since().is_some() {
            // Nothing was waiting, so nothing proved that writes work again: try one.
            self.set_setting("disk_probe_at", &now().to_string())?;
        }
        health::note_ok();
        Ok(())
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.db().execute("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", params![key, value])?;
        Ok(())
    }

    /// A setting kept sealed (base64), bound to its name. `None` when unset or empty.
    pub fn sealed_setting(&self, key: &str) -> Result<Option<String>> {
        match self.setting(key)? {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => self.secrets.open_text(&Place::setting(key), &v).map(Some),
        }
    }

    /// Seals and stores a setting; `None` or empty clears it.
    pub fn set_sealed_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        let v = value.filter(|v| !v.is_empty()).map(|v| self.secrets.seal_text(&Place::setting(key), v));
        self.set_setting(key, v.as_deref().unwrap_or(""))
    }

    /// The ingest key (sealed at rest), created on first use. One that cannot be opened (a
    /// damaged value, another secret.key) is replaced, with a warning: the box must still start.
    pub fn ingest_key(&self) -> Result<String> {
        self.feed_key(FeedId::Main)
    }

    /// The ingest key of `feed` (made on first use).
    pub fn feed_key(&self, feed: FeedId) -> Result<String> {
        match self.sealed_setting(key_setting(feed)) {
            Ok(Some(k)) => return Ok(k),
            Ok(None) => {}
            Err(e) => tracing::warn!("the stored {} ingest key cannot be opened ({e}); making a new one", feed.as_str()),
        }
        self.rotate_feed_key(feed)
    }

    pub fn rotate_ingest_key(&self) -> Result<String> {
        self.rotate_feed_key(FeedId::Main)
    }

    pub fn rotate_feed_key(&self, feed: FeedId) -> Result<String> {
        let prefix = match feed {
            FeedId::Main => "live_",
            FeedId::Second => "live2_",
        };
        let k = format!("{prefix}{}", secret::random_token(18));
        self.set_sealed_setting(key_setting(feed), Some(&k))?;
        Ok(k)
    }

    /// The SRT ingest's passphrase (sealed at rest); empty when SRT ingest is unencrypted.
    pub fn srt_passphrase(&self) -> Result<String> {
        Ok(self.sealed_setting("srt_passphrase")?.unwrap_or_default())
    }

    pub fn set_srt_passphrase(&self, p: Option<&str>) -> Result<()> {
        self.set_sealed_setting("srt_passphrase", p)
    }
}

fn key_setting(feed: FeedId) -> &'static str {
    match feed {
        FeedId::Main => "ingest_key",
        FeedId::Second => "ingest_key_second",
    }
}

/// A database from a newer onaird (an update rolled back, or a data card moved to an older box) is
/// refused before anything writes to it: this version cannot know what the newer one changed.
pub(crate) fn check_version(conn: &Connection) -> Result<i64> {
    let have: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if have > MIGRATIONS.len() as i64 {
        return Err(StoreError::TooNew { have, known: MIGRATIONS.len() });
    }
    Ok(have)
}

pub(crate) fn migrate(conn: &mut Connection, secrets: &SecretBox) -> Result<()> {
    let have = check_version(conn)?;
    let mut resealed = false;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(have as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if let Some((_, code)) = CODE.iter().find(|(v, _)| *v == i + 1) {
            code(&tx, secrets)?;
            resealed = have > 0;
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    if resealed {
        // What the old values were may still sit in free pages and in the WAL's old frames: the
        // file is rebuilt and the WAL emptied. Small (the box's database is a few hundred KiB).
        conn.execute_batch("VACUUM")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_idempotent_and_settings_persist() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let k = s.ingest_key().unwrap();
        assert!(k.starts_with("live_") && k.len() > 20);
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.ingest_key().unwrap(), k);
        let v: i64 = s.db().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
        let mode: String = s.db().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        assert_ne!(s.rotate_ingest_key().unwrap(), k);
        let second = s.feed_key(FeedId::Second).unwrap();
        assert!(second.starts_with("live2_") && second != s.ingest_key().unwrap());
        assert_eq!(s.feed_key(FeedId::Second).unwrap(), second, "kept");
    }
}
