//! Linked platform accounts: the user's app credentials and the OAuth tokens, sealed with the box
//! secret like stream keys. Nothing here is ever returned or logged in clear.
use rusqlite::{params, OptionalExtension};

use super::{Place, Result, Store};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    /// Unix seconds; `None` when the platform did not say.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Twitch: the channel whose chat is read even without a linked account.
    pub channel: String,
    pub tokens: Option<Tokens>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub needs_relink: bool,
}

impl Store {
    fn seal_opt(&self, platform: &str, col: &str, v: Option<&str>) -> Option<Vec<u8>> {
        v.filter(|s| !s.is_empty()).map(|s| self.secrets.seal(&Place::new("platform_accounts", col, platform), s.as_bytes()))
    }

    fn open_opt(&self, platform: &str, col: &str, v: Option<Vec<u8>>) -> Option<String> {
        v.and_then(|b| self.secrets.open_string(&Place::new("platform_accounts", col, platform), &b).ok())
    }

    pub fn platform_account(&self, platform: &str) -> Result<Account> {
        type Row = (String, Option<Vec<u8>>, String, Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>, Option<String>, Option<String>, bool);
        let row: Option<Row> = self
            .db()
            .query_row(
                "SELECT client_id, client_secret_enc, channel, access_enc, refresh_enc, expires_at, account_id, account_name, needs_relink
                 FROM platform_accounts WHERE platform = ?1",
                params![platform],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)),
            )
            .optional()?;
        let Some((client_id, secret, channel, access, refresh, expires_at, account_id, account_name, needs_relink)) = row else {
            return Ok(Account::default());
        };
        let tokens =
            self.open_opt(platform, "access_enc", access).map(|access| Tokens { access, refresh: self.open_opt(platform, "refresh_enc", refresh), expires_at });
        Ok(Account { client_id, client_secret: self.open_opt(platform, "client_secret_enc", secret), channel, tokens, account_id, account_name, needs_relink })
    }

    /// The user's own app for this platform. `client_secret: None` keeps the stored one.
    pub fn set_platform_app(&self, platform: &str, client_id: &str, client_secret: Option<&str>, channel: &str) -> Result<()> {
        let db = self.db();
        db.execute(
            "INSERT INTO platform_accounts (platform, client_id, channel) VALUES (?1, ?2, ?3)
             ON CONFLICT(platform) DO UPDATE SET client_id = excluded.client_id, channel = excluded.channel",
            params![platform, client_id, channel],
        )?;
        if let Some(s) = client_secret {
            db.execute(
                "UPDATE platform_accounts SET client_secret_enc = ?2 WHERE platform = ?1",
                params![platform, self.seal_opt(platform, "client_secret_enc", Some(s))],
            )?;
        }
        Ok(())
    }

    pub fn set_platform_tokens(&self, platform: &str, t: &Tokens, account: Option<(&str, &str)>) -> Result<()> {
        let db = self.db();
        db.execute("INSERT INTO platform_accounts (platform) VALUES (?1) ON CONFLICT(platform) DO NOTHING", params![platform])?;
        db.execute(
            "UPDATE platform_accounts SET access_enc = ?2, refresh_enc = COALESCE(?3, refresh_enc), expires_at = ?4, needs_relink = 0
             WHERE platform = ?1",
            params![
                platform,
                self.seal_opt(platform, "access_enc", Some(&t.access)),
                self.seal_opt(platform, "refresh_enc", t.refresh.as_deref()),
                t.expires_at
            ],
        )?;
        if let Some((id, name)) = account {
            db.execute("UPDATE platform_accounts SET account_id = ?2, account_name = ?3 WHERE platform = ?1", params![platform, id, name])?;
        }
        Ok(())
    }

    pub fn set_platform_needs_relink(&self, platform: &str) -> Result<()> {
        self.db().execute("UPDATE platform_accounts SET needs_relink = 1 WHERE platform = ?1", params![platform])?;
        Ok(())
    }

    /// Forgets the account and its tokens; the app credentials stay for the next link.
    pub fn unlink_platform(&self, platform: &str) -> Result<()> {
        self.db().execute(
            "UPDATE platform_accounts SET access_enc = NULL, refresh_enc = NULL, expires_at = NULL, account_id = NULL,
             account_name = NULL, needs_relink = 0 WHERE platform = ?1",
            params![platform],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_sealed_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.platform_account("twitch").unwrap(), Account::default());
        s.set_platform_app("twitch", "cid", Some("app-secret-xyz"), "somechannel").unwrap();
        let t = Tokens { access: "access-token-abcdef".into(), refresh: Some("refresh-token-ghijk".into()), expires_at: Some(123) };
        s.set_platform_tokens("twitch", &t, Some(("42", "Streamer"))).unwrap();
        let a = s.platform_account("twitch").unwrap();
        assert_eq!(a.tokens.as_ref(), Some(&t));
        assert_eq!(a.client_secret.as_deref(), Some("app-secret-xyz"));
        assert_eq!(a.account_name.as_deref(), Some("Streamer"));
        // A refresh without a new refresh token keeps the old one.
        s.set_platform_tokens("twitch", &Tokens { access: "new".into(), refresh: None, expires_at: None }, None).unwrap();
        assert_eq!(s.platform_account("twitch").unwrap().tokens.unwrap().refresh.as_deref(), Some("refresh-token-ghijk"));
        drop(s);
        let raw = std::fs::read(dir.path().join("onair.db")).unwrap();
        let wal = std::fs::read(dir.path().join("onair.db-wal")).unwrap_or_default();
        for needle in ["access-token-abcdef", "refresh-token-ghijk", "app-secret-xyz"] {
            let n = needle.as_bytes();
            assert!(!raw.windows(n.len()).any(|w| w == n) && !wal.windows(n.len()).any(|w| w == n), "{needle} in clear");
        }
        let s = Store::open(dir.path()).unwrap();
        s.set_platform_needs_relink("twitch").unwrap();
        assert!(s.platform_account("twitch").unwrap().needs_relink);
        s.unlink_platform("twitch").unwrap();
        let a = s.platform_account("twitch").unwrap();
        assert!(a.tokens.is_none() && !a.needs_relink && a.client_id == "cid");
    }
}
