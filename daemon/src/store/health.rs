//! Whether the database's writes are failing for want of space (or a read-only file system). Every
//! SQLite error passes through `StoreError::from`, which notes these here; the next successful
//! write (the retry of what was held in memory) clears it. One database per process (the data dir
//! lock), so one process-wide flag.
use std::sync::atomic::{AtomicI64, Ordering};

static FULL_SINCE: AtomicI64 = AtomicI64::new(0);

pub(super) fn note(e: &rusqlite::Error) {
    use rusqlite::ErrorCode::*;
    if let rusqlite::Error::SqliteFailure(f, _) = e {
        if matches!(f.code, DiskFull | ReadOnly | SystemIoFailure) {
            let _ = FULL_SINCE.compare_exchange(0, super::now().max(1), Ordering::Relaxed, Ordering::Relaxed);
        }
    }
}

pub(super) fn note_ok() {
    FULL_SINCE.store(0, Ordering::Relaxed);
}

/// Since when (unix seconds) writes have been failing, if they are.
pub fn writes_failing_since() -> Option<i64> {
    Some(FULL_SINCE.load(Ordering::Relaxed)).filter(|t| *t > 0)
}
