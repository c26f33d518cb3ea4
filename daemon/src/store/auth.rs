//! The admin password (argon2id), login sessions and API tokens. Bearer secrets are stored only as
//! keyed hashes.
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::secret::random_token;
use super::{now, Result, Store, StoreError};

pub const SESSION_TTL_S: i64 = 30 * 24 * 3600;

/// Login sessions last 30 days unless `ONAIR_SESSION_TTL_S` says otherwise (short-lived kiosks, tests).
pub fn session_ttl() -> i64 {
    std::env::var("ONAIR_SESSION_TTL_S").ok().and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(SESSION_TTL_S)
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

    pub fn set_admin_password(&self, password: &str) -> Result<()> {
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| StoreError::Secret(e.to_string()))?
            .to_string();
        self.db().execute(
            "INSERT INTO admin (id, password_hash, created_at) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET password_hash = excluded.password_hash",
            params![hash, now()],
        )?;
        Ok(())
    }

    pub fn check_admin_password(&self, password: &str) -> Result<bool> {
        let hash: Option<String> = self.db().query_row("SELECT password_hash FROM admin WHERE id = 1", [], |r| r.get(0)).optional()?;
        let Some(hash) = hash else { return Ok(false) };
        let parsed = PasswordHash::new(&hash).map_err(|e| StoreError::Secret(e.to_string()))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    }

    pub fn create_session(&self) -> Result<String> {
        let token = random_token(32);
        let t = now();
        let db = self.db();
        db.execute("DELETE FROM sessions WHERE expires_at < ?1", [t])?;
        db.execute(
            "INSERT INTO sessions (id_hash, created_at, expires_at) VALUES (?1, ?2, ?3)",
            params![self.secrets.keyed_hash(&token), t, t + session_ttl()],
        )?;
        Ok(token)
    }

    pub fn session_valid(&self, token: &str) -> Result<bool> {
        let n: i64 = self.db().query_row(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = ?1 AND expires_at > ?2",
            params![self.secrets.keyed_hash(token), now()],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    pub fn delete_session(&self, token: &str) -> Result<()> {
        self.db().execute("DELETE FROM sessions WHERE id_hash = ?1", [self.secrets.keyed_hash(token)])?;
        Ok(())
    }

    pub fn create_api_token(&self, name: &str) -> Result<(ApiToken, String)> {
        let token = format!("onair_{}", random_token(32));
        let t = now();
        let id = {
            let db = self.db();
            db.execute(
                "INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?1, ?2, ?3)",
                params![name, self.secrets.keyed_hash(&token), t],
            )?;
            db.last_insert_rowid()
        };
        Ok((ApiToken { id, name: name.to_string(), created_at: t, last_used_at: None }, token))
    }

    pub fn api_token_valid(&self, token: &str) -> Result<bool> {
        let n = self.db().execute(
            "UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1",
            params![self.secrets.keyed_hash(token), now()],
        )?;
        Ok(n > 0)
    }

    pub fn list_api_tokens(&self) -> Result<Vec<ApiToken>> {
        let db = self.db();
        let mut st = db.prepare_cached("SELECT id, name, created_at, last_used_at FROM api_tokens ORDER BY id")?;
        let v = st
            .query_map([], |r| Ok(ApiToken { id: r.get(0)?, name: r.get(1)?, created_at: r.get(2)?, last_used_at: r.get(3)? }))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    pub fn delete_api_token(&self, id: i64) -> Result<()> {
        match self.db().execute("DELETE FROM api_tokens WHERE id = ?1", [id])? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
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
        s.set_admin_password("correct horse").unwrap();
        assert!(s.check_admin_password("correct horse").unwrap());
        assert!(!s.check_admin_password("wrong").unwrap());
        let sess = s.create_session().unwrap();
        assert!(s.session_valid(&sess).unwrap());
        assert!(!s.session_valid("forged").unwrap());
        s.delete_session(&sess).unwrap();
        assert!(!s.session_valid(&sess).unwrap());
        let (t, secret) = s.create_api_token("ci").unwrap();
        assert!(s.api_token_valid(&secret).unwrap());
        s.delete_api_token(t.id).unwrap();
        assert!(!s.api_token_valid(&secret).unwrap());
        let hash: String = s.db().query_row("SELECT password_hash FROM admin", [], |r| r.get(0)).unwrap();
        assert!(hash.starts_with("$argon2id$"));
    }
}
