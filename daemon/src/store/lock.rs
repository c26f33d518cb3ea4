//! One daemon per data dir: `onaird.lock`, held with `flock` for the life of the process. Two daemons
//! on one database would each believe their own in-memory sessions and race on `secret.key`.
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another onaird (pid {pid}) is already using the data dir {dir}; stop it first or pass a different --data-dir")]
    Held { dir: String, pid: String },
    #[error("cannot lock the data dir {dir}: {err}")]
    Io { dir: String, err: std::io::Error },
}

/// Dropping it (or the process ending, however it ends) releases the lock.
pub struct DataDirLock {
    _file: Option<File>,
}

impl DataDirLock {
    pub fn acquire(data_dir: &Path) -> Result<Self, LockError> {
        let io = |err| LockError::Io { dir: data_dir.display().to_string(), err };
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let path = data_dir.join("onaird.lock");
        let mut f = match std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o600).open(&path) {
            Ok(f) => f,
            // A card the kernel remounted read-only after I/O errors: flock works on a file opened
            // for reading, and the box must still start (it serves what it has, read-only).
            Err(e) if e.raw_os_error() == Some(libc::EROFS) => match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(_) => {
                    tracing::warn!("the data dir {} is read-only and has no lock file: running without the one-daemon lock", data_dir.display());
                    return Ok(DataDirLock { _file: None });
                }
            },
            Err(e) => return Err(io(e)),
        };
        // SAFETY: flock on a descriptor we own; no memory is involved.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                let mut pid = String::new();
                let _ = f.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(LockError::Held { dir: data_dir.display().to_string(), pid: if pid.is_empty() { "unknown".into() } else { pid.into() } });
            }
            return Err(io(err));
        }
        // The pid is only for the message above; failing to write it (a full disk) changes nothing.
        let _ = f.set_len(0).and_then(|_| f.rewind()).and_then(|_| writeln!(f, "{}", std::process::id()));
        Ok(DataDirLock { _file: Some(f) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let a = DataDirLock::acquire(dir.path()).unwrap();
        let e = DataDirLock::acquire(dir.path()).err().expect("refused");
        assert!(matches!(e, LockError::Held { .. }), "{e}");
        assert!(e.to_string().contains(&std::process::id().to_string()), "{e}");
        drop(a);
        DataDirLock::acquire(dir.path()).unwrap();
    }
}
