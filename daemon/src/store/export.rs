//! Settings backup the owner downloads and restores on another box: the database (destinations and
//! their keys, profiles, platform links, invites, settings, history) and the box secret that seals
//! the keys inside it, encrypted together with a key derived from a passphrase the owner gives
//! (argon2id, then XChaCha20-Poly1305). Nothing of it is readable, or changeable unseen, without
//! the passphrase.
//!
//! The file: `ONAIRBK1` · argon2 salt (16) · nonce (24) · ciphertext of [secret key (32) · database];
//! the 48-byte header is the AEAD's associated data.
//!
//! A restore is checked whole first (passphrase, structure, SQLite's `quick_check`, a schema this
//! onaird knows) and only then staged in `restore/` of the data dir; the box restarts, and the store
//! swaps it in before it opens the database (`take_staged`). The database being replaced is kept
//! in `replaced-<time>/`.
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::{Result, Store, StoreError};

const MAGIC: &[u8; 8] = b"ONAIRBK1";
const HEADER: usize = 8 + 16 + 24;
/// Shorter passphrases are refused: the file leaves the box, and its keys are the owner's channels.
pub const MIN_PASSPHRASE: usize = 10;
/// A backup larger than this is not one the box made (its database is a few MB with years of shows; the file is held in memory twice while it is checked).
pub const MAX_BACKUP: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RestoreError {
    #[error("not an onair backup file")]
    NotABackup,
    #[error("wrong passphrase, or the file was changed")]
    WrongPassphrase,
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error("the backup was made by a newer onaird (schema version {have}; this one knows up to {known})")]
    TooNew { have: i64, known: usize },
    #[error("the passphrase must be at least {MIN_PASSPHRASE} characters")]
    WeakPassphrase,
}

fn key_of(passphrase: &str, salt: &[u8]) -> std::result::Result<chacha20poly1305::Key, RestoreError> {
    let mut key = [0u8; 32];
    argon2::Argon2::default().hash_password_into(passphrase.as_bytes(), salt, &mut key).map_err(|_| RestoreError::WeakPassphrase)?;
    Ok(key.into())
}

/// Encrypts a box secret and a database image with `passphrase`.
pub fn seal(passphrase: &str, secret: &[u8; 32], db: &[u8]) -> std::result::Result<Vec<u8>, RestoreError> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(RestoreError::WeakPassphrase);
    }
    let mut header = [0u8; HEADER];
    header[..8].copy_from_slice(MAGIC);
    rand::thread_rng().fill_bytes(&mut header[8..]);
    let cipher = XChaCha20Poly1305::new(&key_of(passphrase, &header[8..24])?);
    let plain = [&secret[..], db].concat();
    let sealed = cipher
        .encrypt(XNonce::from_slice(&header[24..48]), Payload { msg: &plain, aad: &header })
        .map_err(|_| RestoreError::Damaged("cannot encrypt".into()))?;
    Ok([&header[..], &sealed].concat())
}

/// A backup's box secret and database image, when `passphrase` opens it.
pub fn open(file: &[u8], passphrase: &str) -> std::result::Result<([u8; 32], Vec<u8>), RestoreError> {
    if file.len() < HEADER + 16 || &file[..8] != MAGIC {
        return Err(RestoreError::NotABackup);
    }
    let (header, sealed) = file.split_at(HEADER);
    let cipher = XChaCha20Poly1305::new(&key_of(passphrase, &header[8..24])?);
    let plain = cipher.decrypt(XNonce::from_slice(&header[24..48]), Payload { msg: sealed, aad: header }).map_err(|_| RestoreError::WrongPassphrase)?;
    if plain.len() < 32 + 512 {
        return Err(RestoreError::Damaged("too short to hold a database".into()));
    }
    let mut secret = [0u8; 32];
    secret.copy_from_slice(&plain[..32]);
    Ok((secret, plain[32..].to_vec()))
}

fn staged(data_dir: &Path) -> PathBuf {
    data_dir.join("restore")
}

impl Store {
    /// The settings backup of this box, encrypted with `passphrase`.
    pub fn export(&self, passphrase: &str) -> Result<Vec<u8>> {
        let data = self.dir.as_ref().ok_or_else(|| StoreError::Secret("this box runs without a data dir: nothing to back up".into()))?;
        let tmp = data.join(format!(".export-{}.db", super::secret::random_token(8)));
        let copied = self.db().execute("VACUUM INTO ?1", [tmp.to_string_lossy()]).map_err(StoreError::from).and_then(|_| Ok(std::fs::read(&tmp)?));
        let _ = std::fs::remove_file(&tmp);
        let db = copied?;
        seal(passphrase, self.secrets.master(), &db).map_err(|e| StoreError::Secret(e.to_string()))
    }
}

/// Checks a backup whole and stages it for the next start. Changes nothing of the running box.
pub fn stage(data_dir: &Path, file: &[u8], passphrase: &str) -> std::result::Result<(), StageError> {
    let (secret, db) = open(file, passphrase)?;
    let work = data_dir.join(format!(".restore-{}", super::secret::random_token(8)));
    std::fs::create_dir_all(&work)?;
    let r = check_and_stage(data_dir, &work, &secret, &db);
    let _ = std::fs::remove_dir_all(&work);
    r
}

fn check_and_stage(data_dir: &Path, work: &Path, secret: &[u8; 32], db: &[u8]) -> std::result::Result<(), StageError> {
    let db_path = work.join("onair.db");
    std::fs::write(&db_path, db)?;
    {
        let c =
            rusqlite::Connection::open_with_flags(&db_path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| RestoreError::Damaged(e.to_string()))?;
        let ok: String = c.query_row("PRAGMA quick_check(1)", [], |r| r.get(0)).map_err(|e| RestoreError::Damaged(e.to_string()))?;
        if ok != "ok" {
            return Err(RestoreError::Damaged(ok).into());
        }
        let have: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| RestoreError::Damaged(e.to_string()))?;
        let known = super::MIGRATIONS.len();
        if have > known as i64 {
            return Err(RestoreError::TooNew { have, known }.into());
        }
        if have < 1 {
            return Err(RestoreError::Damaged("no onair schema in it".into()).into());
        }
    }
    std::fs::write(work.join("secret.key"), secret)?;
    std::fs::File::open(&db_path)?.sync_all()?;
    let dest = staged(data_dir);
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::rename(work, &dest)?;
    super::backup::sync_dir(data_dir)?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum StageError {
    #[error(transparent)]
    Refused(#[from] RestoreError),
    #[error("cannot stage the restore: {0}")]
    Io(#[from] std::io::Error),
}

/// At start, before the database is opened: a staged restore replaces the database and the box
/// secret (the ones replaced are kept in `replaced-<time>/`). Sessions of the old box end.
pub(super) fn take_staged(data_dir: &Path) -> Result<bool> {
    let st = staged(data_dir);
    if !st.join("onair.db").exists() || !st.join("secret.key").exists() {
        return Ok(false);
    }
    let aside = data_dir.join(format!("replaced-{}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ")));
    std::fs::create_dir_all(&aside)?;
    // The old box's own backups go with its database: they are sealed with the secret replaced.
    for name in ["onair.db", "onair.db-wal", "onair.db-shm", "secret.key", "backups"] {
        let p = data_dir.join(name);
        if p.exists() {
            std::fs::rename(&p, aside.join(name))?;
        }
    }
    std::fs::rename(st.join("secret.key"), data_dir.join("secret.key"))?;
    std::fs::rename(st.join("onair.db"), data_dir.join("onair.db"))?;
    let _ = std::fs::remove_dir_all(&st);
    super::backup::sync_dir(data_dir)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir.join("secret.key"), std::fs::Permissions::from_mode(0o600))?;
    }
    // Logged-in browsers of the box the backup came from have no business here.
    rusqlite::Connection::open(data_dir.join("onair.db"))?.execute("DELETE FROM sessions", [])?;
    tracing::warn!(replaced = %aside.display(), "settings restored from a backup");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_opens_with_its_passphrase_only_and_any_change_is_caught() {
        let secret = [7u8; 32];
        let db = vec![0x5au8; 4096];
        assert_eq!(seal("short", &secret, &db), Err(RestoreError::WeakPassphrase));
        let file = seal("a long passphrase", &secret, &db).unwrap();
        assert_eq!(open(&file, "a long passphrase").unwrap(), (secret, db.clone()));
        assert_eq!(open(&file, "a long passphrasE"), Err(RestoreError::WrongPassphrase));
        for at in [0usize, 9, 30, HEADER + 3, file.len() - 1] {
            let mut bad = file.clone();
            bad[at] ^= 1;
            assert!(open(&bad, "a long passphrase").is_err(), "a flipped bit at {at} went unseen");
        }
        assert_eq!(open(&file[..HEADER + 10], "a long passphrase"), Err(RestoreError::NotABackup));
        assert_eq!(open(b"PK\x03\x04 a zip file", "x"), Err(RestoreError::NotABackup));
        // Two backups of the same data differ (fresh salt and nonce).
        assert_ne!(seal("a long passphrase", &secret, &db).unwrap(), file);
    }

    #[test]
    fn a_restore_is_checked_staged_and_swapped_in_at_the_next_start() {
        let a = tempfile::tempdir().unwrap();
        let s = Store::open_recovering(a.path()).unwrap();
        let d = s.create_destination("Kept", "custom", "rtmp://example.invalid/app", "sk_restore_0001", true).unwrap();
        let file = s.export("restore passphrase 1").unwrap();
        drop(s);
        let b = tempfile::tempdir().unwrap();
        let fresh = Store::open_recovering(b.path()).unwrap();
        fresh.create_destination("Other box", "custom", "rtmp://example.invalid/app", "k", true).unwrap();
        drop(fresh);
        let before = std::fs::read(b.path().join("onair.db")).unwrap();
        // Refusals change nothing.
        assert!(matches!(stage(b.path(), &file, "wrong passphrase"), Err(StageError::Refused(RestoreError::WrongPassphrase))));
        let mut cut = file.clone();
        cut.truncate(file.len() - 100);
        assert!(matches!(stage(b.path(), &cut, "restore passphrase 1"), Err(StageError::Refused(RestoreError::WrongPassphrase))));
        // A database of garbage behind the right passphrase: damaged.
        let junk = seal("restore passphrase 1", &[1; 32], &vec![0x11; 8192]).unwrap();
        assert!(matches!(stage(b.path(), &junk, "restore passphrase 1"), Err(StageError::Refused(RestoreError::Damaged(_)))));
        assert!(!b.path().join("restore").exists());
        assert_eq!(std::fs::read(b.path().join("onair.db")).unwrap(), before);
        // The real one: staged, then taken at the next start, keys opening with the restored secret.
        stage(b.path(), &file, "restore passphrase 1").unwrap();
        let s = Store::open_recovering(b.path()).unwrap();
        let names: Vec<String> = s.list_destinations().unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["Kept"]);
        assert_eq!(s.stream_key(d.id).unwrap(), "sk_restore_0001");
        assert!(!b.path().join("restore").exists());
        assert!(std::fs::read_dir(b.path()).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with("replaced-")));
    }
}
