//! The box's own copies of its database: `VACUUM INTO` a file aside, made durable, renamed into
//! `backups/onair-<UTC time>.db`; the newest [`KEEP`] are kept. A corrupt database at start-up is
//! replaced by the newest of them that passes `quick_check` (see `recovery`).
use std::path::{Path, PathBuf};

use super::{Result, Store};

/// Three generations: an hour apart while running, so a backup taken moments before the damage
/// still leaves older ones; each is small (a few hundred KB with a long show history).
pub const KEEP: usize = 3;

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// Newest first.
pub fn list(data_dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir(data_dir))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("onair-") && n.ends_with(".db")))
        .collect();
    v.sort();
    v.reverse();
    v
}

/// How long ago the newest backup was written.
pub fn newest_age(data_dir: &Path) -> Option<std::time::Duration> {
    let p = list(data_dir).into_iter().next()?;
    std::fs::metadata(p).ok()?.modified().ok()?.elapsed().ok()
}

pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Backups older than this `user_version` hold secrets sealed the old way (possibly keys still in
/// their URLs): once the live database is past it they are replaced, not left for the hourly
/// rotation to push out three hours later.
const RESEALED_AT: i64 = 6;

fn version_of(p: &Path) -> Option<i64> {
    let c = rusqlite::Connection::open_with_flags(p, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    c.pragma_query_value(None, "user_version", |r| r.get(0)).ok()
}

impl Store {
    /// Drops backups made before the secrets were re-sealed, after writing a current one (so a
    /// damaged database still has a generation to come back from). Run once at start-up.
    pub fn retire_old_backups(&self) -> Result<usize> {
        let Some(data) = &self.dir else { return Ok(0) };
        let old: Vec<PathBuf> = list(data).into_iter().filter(|p| version_of(p).is_some_and(|v| v < RESEALED_AT)).collect();
        if old.is_empty() {
            return Ok(0);
        }
        self.backup_now()?;
        for p in &old {
            let _ = std::fs::remove_file(p);
        }
        sync_dir(&dir(data))?;
        Ok(old.len())
    }

    /// Writes a new generation and drops the oldest beyond [`KEEP`]. `None` for a store with no
    /// data dir (in memory). A failure (a full disk) leaves the existing generations as they were.
    pub fn backup_now(&self) -> Result<Option<PathBuf>> {
        let Some(data) = &self.dir else { return Ok(None) };
        let bdir = dir(data);
        std::fs::create_dir_all(&bdir)?;
        let name = format!("onair-{}.db", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ"));
        let target = bdir.join(&name);
        let tmp = bdir.join(format!("{name}.tmp"));
        let _ = std::fs::remove_file(&tmp);
        let written = (|| -> Result<()> {
            self.db().execute("VACUUM INTO ?1", [tmp.to_string_lossy()])?;
            std::fs::File::open(&tmp)?.sync_all()?;
            std::fs::rename(&tmp, &target)?;
            sync_dir(&bdir)?;
            Ok(())
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        for old in list(data).into_iter().skip(KEEP) {
            let _ = std::fs::remove_file(old);
        }
        Ok(Some(target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_are_kept_newest_first_and_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let mut made = vec![];
        for i in 0..5 {
            s.set_setting("n", &i.to_string()).unwrap();
            made.push(s.backup_now().unwrap().unwrap());
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let kept = list(dir.path());
        assert_eq!(kept.len(), KEEP);
        assert_eq!(kept[0], made[4]);
        let c = rusqlite::Connection::open(&kept[0]).unwrap();
        let n: String = c.query_row("SELECT value FROM settings WHERE key = 'n'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, "4");
        assert!(std::fs::read_dir(super::dir(dir.path())).unwrap().all(|e| !e.unwrap().path().to_string_lossy().ends_with(".tmp")));
    }

    #[test]
    fn backups_from_before_the_reseal_are_replaced_by_a_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let old = s.backup_now().unwrap().unwrap();
        rusqlite::Connection::open(&old).unwrap().pragma_update(None, "user_version", 5).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let current = s.backup_now().unwrap().unwrap();
        assert_eq!(s.retire_old_backups().unwrap(), 1);
        let kept = list(dir.path());
        assert!(!old.exists(), "the old-format generation is gone");
        assert!(kept.contains(&current) && kept.len() == 2, "{kept:?}");
        assert!(kept.iter().all(|p| version_of(p) == Some(super::super::MIGRATIONS.len() as i64)));
        assert_eq!(s.retire_old_backups().unwrap(), 0, "nothing more to do");
    }
}
