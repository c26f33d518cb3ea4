//! Profiles: named sets of destinations ("Weekend: Twitch + YouTube"); the active one decides what
//! Go Live starts.
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{Result, Store, StoreError};

#[derive(Debug, Serialize, PartialEq)]
pub struct Profile {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub destination_ids: Vec<i64>,
}

impl Store {
    pub fn list_profiles(&self) -> Result<Vec<Profile>> {
        let ids: Vec<i64> = {
            let db = self.db();
            let mut st = db.prepare_cached("SELECT id FROM profiles ORDER BY id")?;
            let v = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
            v
        };
        ids.into_iter().map(|id| self.profile(id)).collect()
    }

    pub fn profile(&self, id: i64) -> Result<Profile> {
        let db = self.db();
        let (name, active): (String, bool) =
            db.query_row("SELECT name, active FROM profiles WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?.ok_or(StoreError::NotFound)?;
        let mut st = db.prepare_cached("SELECT destination_id FROM profile_destinations WHERE profile_id = ?1 ORDER BY destination_id")?;
        let destination_ids = st.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(Profile { id, name, active, destination_ids })
    }

    /// Creates or rewrites a profile; unknown destination ids are an error, not silently dropped.
    pub fn save_profile(&self, id: Option<i64>, name: Option<&str>, dests: Option<&[i64]>) -> Result<Profile> {
        let id = {
            let mut db = self.db();
            let tx = db.transaction()?;
            let id = match id {
                Some(id) => {
                    if let Some(n) = name {
                        if tx.execute("UPDATE profiles SET name = ?2 WHERE id = ?1", params![id, n])? == 0 {
                            return Err(StoreError::NotFound);
                        }
                    } else if tx.query_row("SELECT COUNT(*) FROM profiles WHERE id = ?1", [id], |r| r.get::<_, i64>(0))? == 0 {
                        return Err(StoreError::NotFound);
                    }
                    id
                }
                None => {
                    tx.execute("INSERT INTO profiles (name) VALUES (?1)", [name.unwrap_or("")])?;
                    tx.last_insert_rowid()
                }
            };
            if let Some(ds) = dests {
                tx.execute("DELETE FROM profile_destinations WHERE profile_id = ?1", [id])?;
                for d in ds {
                    tx.execute("INSERT OR IGNORE INTO profile_destinations (profile_id, destination_id) VALUES (?1, ?2)", params![id, d])?;
                }
            }
            tx.commit()?;
            id
        };
        self.profile(id)
    }

    pub fn delete_profile(&self, id: i64) -> Result<()> {
        match self.db().execute("DELETE FROM profiles WHERE id = ?1", [id])? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// `None` deactivates every profile: Go Live then starts every enabled destination.
    pub fn activate_profile(&self, id: Option<i64>) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute("UPDATE profiles SET active = 0", [])?;
        if let Some(id) = id {
            if tx.execute("UPDATE profiles SET active = 1 WHERE id = ?1", [id])? == 0 {
                return Err(StoreError::NotFound);
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_profile_decides_go_live() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let a = s.create_destination("a", "custom", "rtmp://h/app", "", true).unwrap().id;
        let b = s.create_destination("b", "custom", "rtmp://h/app", "", true).unwrap().id;
        assert_eq!(s.live_destination_ids().unwrap(), vec![a, b]);
        let p = s.save_profile(None, Some("only b"), Some(&[b])).unwrap();
        s.activate_profile(Some(p.id)).unwrap();
        assert_eq!(s.live_destination_ids().unwrap(), vec![b]);
        assert!(s.profile(p.id).unwrap().active);
        s.delete_destination(b).unwrap();
        assert!(s.profile(p.id).unwrap().destination_ids.is_empty(), "deleting a destination leaves its profiles");
        s.activate_profile(None).unwrap();
        assert_eq!(s.live_destination_ids().unwrap(), vec![a]);
        assert!(matches!(s.activate_profile(Some(999)), Err(StoreError::NotFound)));
    }
}
