//! Guest invites. The link's token is `<invite id>.<HMAC-SHA256(box secret, id)>`: unforgeable
//! without the box secret, and revocable, expiring and counted through the row it names.
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::{now, secret::random_token, Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Invite {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub max_uses: i64,
    pub uses: i64,
    pub revoked: bool,
    pub permissions: Permissions,
}

#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq)]
pub struct Permissions {
    #[serde(default = "yes")]
    pub audio: bool,
    #[serde(default = "yes")]
    pub video: bool,
    #[serde(default)]
    pub screen: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InviteRefusal {
    #[error("this invite link is not valid")]
    Forged,
    #[error("this invite was revoked")]
    Revoked,
    #[error("this invite has expired")]
    Expired,
    #[error("this invite has been used up")]
    UsedUp,
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Invite> {
    Ok(Invite {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        max_uses: r.get(4)?,
        uses: r.get(5)?,
        revoked: r.get(6)?,
        permissions: Permissions { audio: r.get(7)?, video: r.get(8)?, screen: r.get(9)? },
    })
}

const COLS: &str = "id, name, created_at, expires_at, max_uses, uses, revoked, audio, video, screen";

/// The label of the invite signature's key (see `secret::subkey`).
const INVITE: &str = "onair.invite";

impl Store {
    pub fn create_invite(&self, name: &str, expires_in_s: i64, max_uses: i64, p: Permissions) -> Result<(Invite, String)> {
        let id = random_token(9);
        let t = now();
        self.db().execute(
            "INSERT INTO invites (id, name, created_at, expires_at, max_uses, audio, video, screen, mac_v) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 2)",
            params![id, name, t, t + expires_in_s, max_uses, p.audio, p.video, p.screen],
        )?;
        let token = format!("{id}.{}", self.secrets.mac(INVITE, &id));
        Ok((self.invite(&id)?.expect("just inserted"), token))
    }

    pub fn invite(&self, id: &str) -> Result<Option<Invite>> {
        Ok(self.db().query_row(&format!("SELECT {COLS} FROM invites WHERE id = ?1"), [id], row).optional()?)
    }

    pub fn list_invites(&self) -> Result<Vec<Invite>> {
        let db = self.db();
        let mut st = db.prepare_cached(&format!("SELECT {COLS} FROM invites ORDER BY created_at DESC"))?;
        let v = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    pub fn revoke_invite(&self, id: &str) -> Result<bool> {
        Ok(self.db().execute("UPDATE invites SET revoked = 1 WHERE id = ?1", [id])? > 0)
    }

    /// The invite a genuine token names, as long as it is not revoked: used up or expired, it still
    /// owns the sessions it made (one of them may reconnect).
    pub fn invite_of(&self, token: &str) -> Result<std::result::Result<Invite, InviteRefusal>> {
        let Some((id, mac)) = token.split_once('.') else { return Ok(Err(InviteRefusal::Forged)) };
        let mac_v: Option<i64> = self.db().query_row("SELECT mac_v FROM invites WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        // Links sent before schema 6 were signed under `secret.key` itself; they stay valid.
        let want = match mac_v {
            None => return Ok(Err(InviteRefusal::Forged)),
            Some(1) => self.secrets.legacy_mac(&format!("invite:{id}")),
            Some(_) => self.secrets.mac(INVITE, id),
        };
        if want.len() != mac.len() || !bool::from(want.as_bytes().ct_eq(mac.as_bytes())) {
            return Ok(Err(InviteRefusal::Forged));
        }
        let Some(inv) = self.invite(id)? else { return Ok(Err(InviteRefusal::Forged)) };
        if inv.revoked {
            return Ok(Err(InviteRefusal::Revoked));
        }
        Ok(Ok(inv))
    }

    /// Checks a token; with `consume`, counts a use (a guest joining).
    pub fn check_invite(&self, token: &str, consume: bool) -> Result<std::result::Result<Invite, InviteRefusal>> {
        self.check_invite_at(token, consume, now())
    }

    /// `check_invite` at `at` (Unix seconds): the clock comes from the caller.
    pub fn check_invite_at(&self, token: &str, consume: bool, at: i64) -> Result<std::result::Result<Invite, InviteRefusal>> {
        let inv = match self.invite_of(token)? {
            Ok(inv) => inv,
            Err(r) => return Ok(Err(r)),
        };
        let id = inv.id.as_str();
        if at >= inv.expires_at {
            return Ok(Err(InviteRefusal::Expired));
        }
        if inv.uses >= inv.max_uses {
            return Ok(Err(InviteRefusal::UsedUp));
        }
        // Counted in the same statement that checks it: of two guests racing for the last use, one wins.
        if consume && self.db().execute("UPDATE invites SET uses = uses + 1 WHERE id = ?1 AND uses < max_uses", [id])? == 0 {
            return Ok(Err(InviteRefusal::UsedUp));
        }
        Ok(Ok(inv))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_signed_counted_expire_and_revoke() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let p = Permissions { audio: true, video: true, screen: false };
        let (inv, tok) = s.create_invite("Alice", 3600, 2, p).unwrap();
        assert!(s.check_invite(&tok, true).unwrap().is_ok());
        assert!(s.check_invite(&tok, true).unwrap().is_ok());
        assert_eq!(s.check_invite(&tok, false).unwrap(), Err(InviteRefusal::UsedUp));
        let forged = format!("{}.{}", inv.id, "A".repeat(43));
        assert_eq!(s.check_invite(&forged, false).unwrap(), Err(InviteRefusal::Forged));
        assert_eq!(s.check_invite("garbage", false).unwrap(), Err(InviteRefusal::Forged));
        let (inv2, tok2) = s.create_invite("Bob", 3600, 5, p).unwrap();
        s.revoke_invite(&inv2.id).unwrap();
        assert_eq!(s.check_invite(&tok2, false).unwrap(), Err(InviteRefusal::Revoked));
        let (_, tok3) = s.create_invite("Late", -1, 5, p).unwrap();
        assert_eq!(s.check_invite(&tok3, false).unwrap(), Err(InviteRefusal::Expired));
        // In simulated time: good up to the last second of its life, refused from its end on.
        let (i5, tok5) = s.create_invite("Hour", 3600, 5, p).unwrap();
        assert!(s.check_invite_at(&tok5, false, i5.expires_at - 1).unwrap().is_ok());
        assert_eq!(s.check_invite_at(&tok5, false, i5.expires_at).unwrap(), Err(InviteRefusal::Expired));
        assert_eq!(s.check_invite_at(&tok5, true, i5.expires_at + 86_400).unwrap(), Err(InviteRefusal::Expired));
        assert_eq!(s.invite(&i5.id).unwrap().unwrap().uses, 0, "a refused join uses nothing");
        // A link signed the old way works only for an invite made the old way.
        let (inv4, _) = s.create_invite("Old", 3600, 5, p).unwrap();
        let old = format!("{}.{}", inv4.id, s.secrets.legacy_mac(&format!("invite:{}", inv4.id)));
        assert_eq!(s.check_invite(&old, false).unwrap(), Err(InviteRefusal::Forged));
        s.db().execute("UPDATE invites SET mac_v = 1 WHERE id = ?1", [&inv4.id]).unwrap();
        assert!(s.check_invite(&old, false).unwrap().is_ok());
    }
}
