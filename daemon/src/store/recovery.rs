//! Opening the database so that start-up never fails because of it: `quick_check` at open; a
//! corrupt, cut-short or missing-with-backups `onair.db` is moved aside into `corrupt-<UTC time>/`
//! (with its `-wal`/`-shm`: a WAL must never be replayed onto another file) and the newest backup
//! that opens cleanly takes its place; with none, a fresh database. When even that cannot be
//! written (a read-only or full card), the box runs on an in-memory database. The outcome is the
//! [`Recovery`] that the status, the session, the screen and the dashboard show.
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;

use super::backup::{self, sync_dir};
use super::{migrate, SecretBox, StoreError};

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Recovery {
    /// When the box found the damage (RFC 3339).
    pub at: String,
    /// What was wrong with `onair.db`.
    pub reason: String,
    /// `restored` (from a backup), `fresh` (no usable backup: an empty database), `read_only` (the
    /// card refuses writes: the database as it was, changes refused) or `memory` (nothing could be
    /// opened: an empty database whose changes last until the next restart).
    pub outcome: &'static str,
    /// Where the damaged files were put, relative to the data dir.
    pub moved_to: Option<String>,
    /// The backup restored, relative to the data dir, and when it was written (RFC 3339).
    pub restored_from: Option<String>,
    pub backup_at: Option<String>,
}

pub(super) enum OpenError {
    Corrupt(String),
    Other(StoreError),
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code() {
            Some(DatabaseCorrupt | NotADatabase) => OpenError::Corrupt(e.to_string()),
            _ => OpenError::Other(e.into()),
        }
    }
}

pub(super) fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on the card before the API answers. With NORMAL a power cut seconds
    // after the set-up (a box unplugged right after configuring it) lost the admin password in
    // the image boot test; the box writes a few rows a minute, so the fsync costs nothing.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Deleted and overwritten content is zeroed, not left in free space: an old stream key or
    // a value sealed the old way does not linger in the file after it was replaced.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

/// Opens, checks and migrates `path`. `expect_data`: backups exist, so an empty or missing file
/// is damage, not a first boot.
pub(super) fn open_checked(path: &Path, expect_data: bool, secrets: &SecretBox) -> Result<Connection, OpenError> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() < 512 && expect_data => return Err(OpenError::Corrupt(format!("the database file is cut short ({} bytes)", m.len()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && expect_data => return Err(OpenError::Corrupt("the database file is missing".into())),
        _ => {}
    }
    let mut conn = Connection::open(path)?;
    super::check_version(&conn).map_err(|e| match e {
        StoreError::Db(d) => OpenError::from(d),
        e => OpenError::Other(e),
    })?;
    configure(&mut conn)?;
    let problems: Vec<String> = {
        let mut st = conn.prepare("PRAGMA quick_check(5)")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    if problems != ["ok"] {
        return Err(OpenError::Corrupt(format!("quick_check: {}", problems.join("; "))));
    }
    migrate(&mut conn, secrets).map_err(|e| match e {
        StoreError::Db(d) => OpenError::from(d),
        e => OpenError::Other(e),
    })?;
    Ok(conn)
}

/// The database as it is on a card that refuses writes (`immutable`: no lock, no `-shm`; commits
/// still in the WAL are not seen, and are not lost either).
fn open_read_only(path: &Path) -> Result<Connection, OpenError> {
    use rusqlite::OpenFlags;
    let p = path.to_string_lossy().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    let conn = Connection::open_with_flags(
        format!("file:{p}?immutable=1"),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let ok: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(OpenError::Corrupt(ok));
    }
    let have: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if have as usize != super::MIGRATIONS.len() {
        return Err(OpenError::Other(StoreError::Secret(format!("a read-only database at version {have} cannot be migrated"))));
    }
    Ok(conn)
}

pub(super) fn open_in_memory(secrets: &SecretBox) -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrate(&mut conn, secrets)?;
    Ok(conn)
}

fn stamp() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

fn rfc3339(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn relative(data_dir: &Path, p: &Path) -> String {
    p.strip_prefix(data_dir).unwrap_or(p).display().to_string()
}

fn db_files(db: &Path) -> [PathBuf; 3] {
    let s = db.as_os_str().to_owned();
    let with = |suffix: &str| {
        let mut s = s.clone();
        s.push(suffix);
        PathBuf::from(s)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

/// Moves the database and its WAL into a new `corrupt-<time>/` directory.
fn move_aside(data_dir: &Path, db: &Path) -> std::io::Result<PathBuf> {
    let mut to = data_dir.join(format!("corrupt-{}", stamp()));
    let mut n = 1;
    while to.exists() {
        n += 1;
        to = data_dir.join(format!("corrupt-{}-{n}", stamp()));
    }
    std::fs::create_dir(&to)?;
    for f in db_files(db) {
        if f.exists() {
            std::fs::rename(&f, to.join(f.file_name().unwrap_or_default()))?;
        }
    }
    sync_dir(data_dir)?;
    Ok(to)
}

/// Copies a backup into place: aside, made durable, renamed.
fn put_in_place(backup: &Path, db: &Path, data_dir: &Path) -> std::io::Result<()> {
    let tmp = db.with_extension("db.restoring");
    let _ = std::fs::remove_file(&tmp);
    std::fs::copy(backup, &tmp)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, db)?;
    sync_dir(data_dir)
}

fn remove_db(db: &Path) {
    for f in db_files(db) {
        let _ = std::fs::remove_file(f);
    }
}

/// Never fails for a reason inside the database; the error left is an in-memory SQLite that
/// cannot start, which does not happen short of running out of memory.
pub(super) fn open_recovering(data_dir: &Path, secrets: &SecretBox) -> Result<(Connection, Option<Recovery>), StoreError> {
    let db = data_dir.join("onair.db");
    let backups = backup::list(data_dir);
    let memory = |reason: String, moved_to: Option<String>| -> Result<(Connection, Option<Recovery>), StoreError> {
        tracing::error!("{reason}: running on an in-memory database; changes are lost at the next restart");
        let r = Recovery { at: rfc3339(std::time::SystemTime::now()), reason, outcome: "memory", moved_to, restored_from: None, backup_at: None };
        Ok((open_in_memory(secrets)?, Some(r)))
    };
    let reason = match open_checked(&db, !backups.is_empty(), secrets) {
        Ok(c) => return Ok((c, None)),
        // Not damage: nothing is moved, restored or served from memory; the box does not start.
        Err(OpenError::Other(e @ StoreError::TooNew { .. })) => return Err(e),
        Err(OpenError::Other(e)) => {
            let reason = format!("cannot open {} for writing: {e}", db.display());
            return match open_read_only(&db) {
                Ok(c) => {
                    tracing::error!("{reason}: serving the database read-only; changes are refused until the card takes writes and the box restarts");
                    Ok((
                        c,
                        Some(Recovery {
                            at: rfc3339(std::time::SystemTime::now()),
                            reason,
                            outcome: "read_only",
                            moved_to: None,
                            restored_from: None,
                            backup_at: None,
                        }),
                    ))
                }
                Err(_) => memory(reason, None),
            };
        }
        Err(OpenError::Corrupt(reason)) => reason,
    };
    tracing::error!(%reason, "the database is damaged");
    let moved_to = if db.exists() {
        match move_aside(data_dir, &db) {
            Ok(p) => Some(relative(data_dir, &p)),
            Err(e) => return memory(format!("the database is damaged ({reason}) and cannot be moved aside ({e})"), None),
        }
    } else {
        None
    };
    let mut rec = Recovery { at: rfc3339(std::time::SystemTime::now()), reason, outcome: "fresh", moved_to, restored_from: None, backup_at: None };
    for b in &backups {
        if let Err(e) = put_in_place(b, &db, data_dir) {
            tracing::warn!("restoring {}: {e}", b.display());
            remove_db(&db);
            continue;
        }
        match open_checked(&db, true, secrets) {
            Ok(c) => {
                rec.outcome = "restored";
                rec.restored_from = Some(relative(data_dir, b));
                rec.backup_at = std::fs::metadata(b).and_then(|m| m.modified()).ok().map(rfc3339);
                tracing::warn!(backup = %b.display(), "database restored from the newest good backup");
                return Ok((c, Some(rec)));
            }
            Err(_) => {
                tracing::warn!("backup {} does not open cleanly; trying an older one", b.display());
                remove_db(&db);
            }
        }
    }
    match open_checked(&db, false, secrets) {
        Ok(c) => {
            tracing::warn!("no usable backup: starting with a fresh database");
            Ok((c, Some(rec)))
        }
        Err(e) => {
            let e = match e {
                OpenError::Corrupt(s) => s,
                OpenError::Other(e) => e.to_string(),
            };
            memory(format!("{}; a fresh database failed too ({e})", rec.reason), rec.moved_to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use super::*;

    #[test]
    fn a_database_from_a_newer_version_is_refused_and_left_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_recovering(dir.path()).unwrap();
        s.create_destination("kept", "custom", "rtmp://example.invalid/app", "sk_kept_0001", true).unwrap();
        let newer = super::super::MIGRATIONS.len() as i64 + 3;
        s.db().pragma_update(None, "user_version", newer).unwrap();
        s.db().query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
        drop(s);
        let db = dir.path().join("onair.db");
        let before = std::fs::read(&db).unwrap();
        let listing = |d: &Path| {
            let mut v: Vec<String> =
                std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| !n.starts_with("onair.db-")).collect();
            v.sort();
            v
        };
        let files = listing(dir.path());
        for open in [Store::open_recovering, Store::open] {
            match open(dir.path()) {
                Err(StoreError::TooNew { have, known }) => {
                    assert_eq!((have, known), (newer, super::super::MIGRATIONS.len()));
                    let msg = StoreError::TooNew { have, known }.to_string();
                    assert!(msg.contains(&format!("schema version {newer}")) && msg.contains("newer onaird"), "{msg}");
                }
                Err(e) => panic!("{e}"),
                Ok(_) => panic!("a newer database was opened"),
            }
            assert_eq!(std::fs::read(&db).unwrap(), before, "the database is byte for byte as it was");
            assert_eq!(listing(dir.path()), files, "nothing moved aside, restored or made");
        }
    }

    fn damage(db: &Path, how: &str) {
        let mut b = std::fs::read(db).unwrap();
        match how {
            "corrupt" => b[100..].iter_mut().for_each(|x| *x = 0x5a),
            "truncated" => b.truncate(b.len() / 2 + 100),
            "empty" => b.clear(),
            _ => unreachable!(),
        }
        std::fs::write(db, b).unwrap();
    }

    #[test]
    fn a_damaged_database_is_moved_aside_and_the_newest_backup_restored() {
        for how in ["corrupt", "truncated", "empty"] {
            let dir = tempfile::tempdir().unwrap();
            let s = Store::open(dir.path()).unwrap();
            s.set_setting("kept", "old").unwrap();
            s.backup_now().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(5));
            s.set_setting("kept", "newest").unwrap();
            s.backup_now().unwrap();
            // Enough rows for the file to span many pages.
            for i in 0..300 {
                s.add_alert("info", &format!("filler {i} {}", "x".repeat(200))).unwrap();
            }
            drop(s);
            damage(&dir.path().join("onair.db"), how);
            let s = Store::open_recovering(dir.path()).unwrap();
            let r = s.recovery().unwrap_or_else(|| panic!("{how}: not detected"));
            assert_eq!(r.outcome, "restored", "{how}: {r:?}");
            assert_eq!(s.setting("kept").unwrap().as_deref(), Some("newest"), "{how}");
            let moved = dir.path().join(r.moved_to.as_ref().unwrap());
            assert!(moved.join("onair.db").exists(), "{how}: damaged file not kept");
            drop(s);
            // The restored database opens cleanly next time: no recovery.
            assert!(Store::open_recovering(dir.path()).unwrap().recovery().is_none(), "{how}");
        }
    }

    #[test]
    fn without_a_backup_the_box_starts_fresh_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        for i in 0..300 {
            s.add_alert("info", &format!("filler {i} {}", "x".repeat(200))).unwrap();
        }
        drop(s);
        damage(&dir.path().join("onair.db"), "corrupt");
        assert!(Store::open(dir.path()).is_err());
        let s = Store::open_recovering(dir.path()).unwrap();
        let r = s.recovery().unwrap();
        assert_eq!((r.outcome, r.restored_from.as_deref()), ("fresh", None));
        assert!(!s.has_admin().unwrap());
        s.set_setting("works", "yes").unwrap();
    }
}
