//! The admin password (argon2id), login sessions and API tokens. Bearer secrets are stored only as
//! keyed hashes.
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::collections::HashMap;
use std::sync::Mutex;

use argon2::Argon2;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::secret::random_token;
use super::{now, Result, Store, StoreError};

pub const SESSION_TTL_S: i64 = 30 * 24 * 3600;

/// The labels of the keyed hashes (see `secret::subkey`).
const SESSION: &str = "onair.session";
const API_TOKEN: &str = "onair.api-token";

/// Login sessions last 30 days unless `ONAIR_SESSION_TTL_S` says otherwise (short-lived kiosks, tests).
pub fn session_ttl() -> i64 {
    std::env::var("ONAIR_SESSION_TTL_S").ok().and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(SESSION_TTL_S)
}

/// What authentication needs, in memory: checking a session or a token reads (or writes) nothing
/// on disk. A session is written through at once, best effort; a write the disk refuses is kept
/// here and replayed by [`Store::flush_pending`], so a login on a full disk still works (and is
/// kept if space returns before the next restart). A token's last use is written at most once
/// per [`touch_every`] by the same flush.
pub(super) struct Memo {
    sessions: Mutex<HashMap<String, i64>>,
    unsaved: Mutex<Vec<SessionWrite>>,
    token_used: Mutex<HashMap<String, i64>>,
    /// Tokens of schema 5 seen in use: their digest under `secret.key` itself → the new one, for
    /// the flush to rewrite (once per token).
    token_upgrade: Mutex<HashMap<String, String>>,
}

#[derive(Clone)]
enum SessionWrite {
    Insert { hash: String, created_at: i64, expires_at: i64 },
    Delete { hash: String },
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Memo {
    pub(super) fn load(conn: &Connection) -> Result<Memo> {
        let mut st = conn.prepare("SELECT id_hash, expires_at FROM sessions WHERE expires_at > ?1")?;
        let sessions = st.query_map([now()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?.collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(Memo { sessions: Mutex::new(sessions), unsaved: Mutex::default(), token_used: Mutex::default(), token_upgrade: Mutex::default() })
    }
}

/// How often a token's `last_used_at` reaches the disk: 60 s unless `ONAIR_TOUCH_EVERY_S` says
/// otherwise (tests that count writes).
pub fn touch_every() -> std::time::Duration {
    std::time::Duration::from_secs(std::env::var("ONAIR_TOUCH_EVERY_S").ok().and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(60))
}

fn write_session(db: &Connection, w: &SessionWrite) -> rusqlite::Result<()> {
    match w {
        SessionWrite::Insert { hash, created_at, expires_at } => {
            db.execute("DELETE FROM sessions WHERE expires_at < ?1", [now()])?;
            db.execute("INSERT OR REPLACE INTO sessions (id_hash, created_at, expires_at) VALUES (?1, ?2, ?3)", params![hash, created_at, expires_at])?;
        }
        SessionWrite::Delete { hash } => {
            db.execute("DELETE FROM sessions WHERE id_hash = ?1", [hash])?;
        }
    }
    Ok(())
}

fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| StoreError::Secret(e.to_string()))?.to_string())
}

#[derive(Debug, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl Store {
    pub fn has_admin(&self) -> Result<bool> {
        Ok(self.db().prepare_cached("SELECT COUNT(*) FROM admin")?.query_row([], |r| r.get::<_, i64>(0))? > 0)
    }

    /// Creates the admin; false (and nothing changed) when one exists already: of two set-ups at
    /// once exactly one wins, the other never replaces its password.
    pub fn set_admin_password(&self, password: &str) -> Result<bool> {
        let hash = hash_password(password)?;
        let n = self.db().execute("INSERT INTO admin (id, password_hash, created_at) VALUES (1, ?1, ?2) ON CONFLICT(id) DO NOTHING", params![hash, now()])?;
        Ok(n == 1)
    }

    /// A new admin password; every session but `keep` (the one that changed it) ends.
    pub fn change_admin_password(&self, password: &str, keep: Option<&str>) -> Result<()> {
        let hash = hash_password(password)?;
        if self.db().execute("UPDATE admin SET password_hash = ?1 WHERE id = 1", [&hash])? == 0 {
            return Err(StoreError::NotFound);
        }
        self.delete_other_sessions(keep)
    }

    pub fn check_admin_password(&self, password: &str) -> Result<bool> {
        let hash: Option<String> = self.db().query_row("SELECT password_hash FROM admin WHERE id = 1", [], |r| r.get(0)).optional()?;
        let Some(hash) = hash else { return Ok(false) };
        let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Secret(e.to_string()))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    }

    /// Never fails for want of disk: the session lives in memory and is written when it can be.
    pub fn create_session(&self) -> Result<String> {
        let token = random_token(32);
        let t = now();
        let hash = self.secrets.mac(SESSION, &token);
        lock(&self.memo.sessions).insert(hash.clone(), t + session_ttl());
        self.write_through(SessionWrite::Insert { hash, created_at: t, expires_at: t + session_ttl() });
        Ok(token)
    }

    pub fn session_valid(&self, token: &str) -> Result<bool> {
        let hash = self.secrets.mac(SESSION, token);
        let mut m = lock(&self.memo.sessions);
        match m.get(&hash) {
            Some(exp) if *exp > now() => Ok(true),
            Some(_) => {
                m.remove(&hash);
                Ok(false)
            }
            None => Ok(false),
        }
    }

    pub fn delete_session(&self, token: &str) -> Result<()> {
        let hash = self.secrets.mac(SESSION, token);
        lock(&self.memo.sessions).remove(&hash);
        self.write_through(SessionWrite::Delete { hash });
        self.credential_ended();
        Ok(())
    }

    /// Ends every session but `keep` (a password change).
    pub fn delete_other_sessions(&self, keep: Option<&str>) -> Result<()> {
        let keep = keep.map(|k| self.secrets.mac(SESSION, k));
        let gone: Vec<String> = {
            let mut m = lock(&self.memo.sessions);
            let gone = m.keys().filter(|h| Some(*h) != keep.as_ref()).cloned().collect::<Vec<_>>();
            m.retain(|h, _| Some(h) == keep.as_ref());
            gone
        };
        for hash in gone {
            self.write_through(SessionWrite::Delete { hash });
        }
        self.credential_ended();
        Ok(())
    }

    /// Writes now if nothing is waiting before it (order matters: an insert then its delete), else
    /// queues it for [`Store::flush_pending`]. A failure is logged, never returned.
    fn write_through(&self, w: SessionWrite) {
        let mut q = lock(&self.memo.unsaved);
        if q.is_empty() {
            match write_session(&self.db(), &w).map_err(StoreError::from) {
                Ok(()) => return,
                Err(e) => tracing::warn!("session kept in memory until the disk takes it: {e}"),
            }
        }
        q.push(w);
    }

    pub(super) fn flush_auth(&self, touch: bool) -> Result<()> {
        let t = now();
        lock(&self.memo.sessions).retain(|_, exp| *exp > t);
        {
            let mut q = lock(&self.memo.unsaved);
            while let Some(w) = q.first() {
                write_session(&self.db(), w)?;
                q.remove(0);
            }
        }
        if touch {
            let used: Vec<(String, i64)> = lock(&self.memo.token_used).iter().map(|(h, t)| (h.clone(), *t)).collect();
            if !used.is_empty() {
                let mut db = self.db();
                let tx = db.transaction()?;
                for (h, t) in &used {
                    tx.execute("UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1", params![h, t])?;
                }
                tx.commit()?;
                let mut m = lock(&self.memo.token_used);
                for (h, t) in used {
                    if m.get(&h) == Some(&t) {
                        m.remove(&h);
                    }
                }
            }
        }
        // After the touch above, which still names a token by the digest it had when used.
        let upgrades: Vec<(String, String)> = lock(&self.memo.token_upgrade).iter().map(|(a, b)| (a.clone(), b.clone())).collect();
        for (old, new) in upgrades {
            self.db().execute("UPDATE api_tokens SET token_hash = ?2, digest_v = 2 WHERE token_hash = ?1 AND digest_v = 1", params![old, new])?;
            lock(&self.memo.token_upgrade).remove(&old);
            let mut used = lock(&self.memo.token_used);
            if let Some(t) = used.remove(&old) {
                used.insert(new, t);
            }
        }
        Ok(())
    }

    pub fn create_api_token(&self, name: &str) -> Result<(ApiToken, String)> {
        let token = format!("onair_{}", random_token(32));
        let t = now();
        let id = {
            let db = self.db();
            db.execute(
                "INSERT INTO api_tokens (name, token_hash, created_at, digest_v) VALUES (?1, ?2, ?3, 2)",
                params![name, self.secrets.mac(API_TOKEN, &token), t],
            )?;
            db.last_insert_rowid()
        };
        Ok((ApiToken { id, name: name.to_string(), created_at: t, last_used_at: None }, token))
    }

    /// Reads only: the use is noted in memory and written by [`Store::flush_pending`].
    ///
    /// Tokens made before schema 6 carry a digest under `secret.key` itself (`digest_v` 1): they
    /// keep working (scripts and stream decks hold them), and the flush after their first use
    /// re-digests them under the subkey, so the old derivation fades out with the tokens' use.
    pub fn api_token_valid(&self, token: &str) -> Result<bool> {
        let v2 = self.secrets.mac(API_TOKEN, token);
        let legacy = self.secrets.legacy_mac(token);
        let found: Option<i64> = self
            .db()
            .prepare_cached("SELECT digest_v FROM api_tokens WHERE (token_hash = ?1 AND digest_v = 2) OR (token_hash = ?2 AND digest_v = 1)")?
            .query_row([&v2, &legacy], |r| r.get(0))
            .optional()?;
        let hash = match found {
            None => return Ok(false),
            Some(1) => {
                lock(&self.memo.token_upgrade).insert(legacy.clone(), v2);
                legacy
            }
            Some(_) => v2,
        };
        lock(&self.memo.token_used).insert(hash, now());
        Ok(true)
    }

    pub fn list_api_tokens(&self) -> Result<Vec<ApiToken>> {
        let used = lock(&self.memo.token_used).clone();
        let db = self.db();
        let mut st = db.prepare_cached("SELECT id, name, created_at, last_used_at, token_hash FROM api_tokens ORDER BY id")?;
        let v = st
            .query_map([], |r| {
                let hash: String = r.get(4)?;
                let stored: Option<i64> = r.get(3)?;
                Ok(ApiToken { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, last_used_at: used.get(&hash).copied().or(stored) })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    pub fn delete_api_token(&self, id: i64) -> Result<()> {
        match self.db().execute("DELETE FROM api_tokens WHERE id = ?1", [id])? {
            0 => Err(StoreError::NotFound),
            _ => {
                self.credential_ended();
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_sessions_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert!(!s.has_admin().unwrap());
        assert!(!s.check_admin_password("x").unwrap());
        assert!(s.set_admin_password("correct horse").unwrap());
        assert!(!s.set_admin_password("second set-up").unwrap(), "a second set-up never replaces the first");
        assert!(s.check_admin_password("correct horse").unwrap());
        let (a, b) = (s.create_session().unwrap(), s.create_session().unwrap());
        s.change_admin_password("battery staple", Some(&a)).unwrap();
        assert!(s.session_valid(&a).unwrap() && !s.session_valid(&b).unwrap());
        assert!(s.check_admin_password("battery staple").unwrap());
        s.change_admin_password("correct horse", None).unwrap();
        assert!(!s.session_valid(&a).unwrap());
        assert!(!s.check_admin_password("wrong").unwrap());
        let sess = s.create_session().unwrap();
        assert!(s.session_valid(&sess).unwrap());
        assert!(!s.session_valid("forged").unwrap());
        s.delete_session(&sess).unwrap();
        assert!(!s.session_valid(&sess).unwrap());
        let (t, secret) = s.create_api_token("ci").unwrap();
        assert!(s.api_token_valid(&secret).unwrap());
        let stored = |s: &Store| s.db().query_row("SELECT last_used_at FROM api_tokens WHERE id = ?1", [t.id], |r| r.get::<_, Option<i64>>(0)).unwrap();
        assert_eq!(stored(&s), None, "checking a token wrote to the database");
        assert!(s.list_api_tokens().unwrap()[0].last_used_at.is_some());
        s.flush_pending(true).unwrap();
        assert!(stored(&s).is_some());
        s.delete_api_token(t.id).unwrap();
        assert!(!s.api_token_valid(&secret).unwrap());
        let hash: String = s.db().query_row("SELECT password_hash FROM admin", [], |r| r.get(0)).unwrap();
        assert!(hash.starts_with("$argon2id$"));
    }

    #[test]
    fn sessions_survive_a_restart_and_a_refused_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let kept = s.create_session().unwrap();
        let other = s.create_session().unwrap();
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        assert!(s.session_valid(&kept).unwrap() && s.session_valid(&other).unwrap());
        s.delete_other_sessions(Some(&kept)).unwrap();
        assert!(s.session_valid(&kept).unwrap() && !s.session_valid(&other).unwrap());
        // A database that refuses writes (as a full disk does): the login still works, and is
        // written once writes work again.
        s.db().execute_batch("PRAGMA query_only = ON").unwrap();
        let during = s.create_session().unwrap();
        assert!(s.session_valid(&during).unwrap());
        assert!(s.flush_pending(false).is_err());
        s.db().execute_batch("PRAGMA query_only = OFF").unwrap();
        s.flush_pending(false).unwrap();
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        assert!(s.session_valid(&during).unwrap() && s.session_valid(&kept).unwrap() && !s.session_valid(&other).unwrap());
    }

    /// A token digested the old way (schema 5) still works, and its first use moves it to the
    /// new digest; a forged one matches neither.
    #[test]
    fn old_tokens_work_and_are_upgraded_on_use() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let old = "onair_made_by_schema_5";
        s.db().execute("INSERT INTO api_tokens (name, token_hash, created_at, digest_v) VALUES ('old', ?1, 0, 1)", [s.secrets.legacy_mac(old)]).unwrap();
        // A v1 row's digest is not accepted as a v2 one, nor the reverse.
        assert!(!s.api_token_valid("onair_other").unwrap());
        assert!(s.api_token_valid(old).unwrap());
        s.flush_pending(false).unwrap();
        let (hash, v): (String, i64) =
            s.db().query_row("SELECT token_hash, digest_v FROM api_tokens WHERE name = 'old'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!((hash, v), (s.secrets.mac(API_TOKEN, old), 2));
        assert!(s.api_token_valid(old).unwrap(), "still valid after the upgrade");
        s.db().execute("UPDATE api_tokens SET digest_v = 1 WHERE name = 'old'", []).unwrap();
        assert!(!s.api_token_valid(old).unwrap(), "a new digest marked old matches nothing");
    }
}
