//! The data disk, on the core's clock: what the store held in memory is written when it can be
//! (sessions, alerts, the tokens' last use at most once per `touch_every`), a full or read-only
//! disk raises an alert (and another when it takes writes again), and the database is backed up
//! every `ONAIR_BACKUP_EVERY_S` (an hour by default).
use crate::alert::Level;
use std::time::{Duration, Instant};

use super::{Event, State};
use crate::store::{auth::touch_every, backup, health};

const CHECK_EVERY: Duration = Duration::from_secs(5);

pub fn backup_every() -> Duration {
    Duration::from_secs(std::env::var("ONAIR_BACKUP_EVERY_S").ok().and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(3600))
}

#[derive(Default)]
pub(super) struct Watch {
    checked: Option<Instant>,
    touched: Option<Instant>,
    /// When the next backup is due (set at the first check from the newest backup's age).
    backup_due: Option<Instant>,
    backing_up: bool,
    full: bool,
}

impl State {
    /// Whether the data disk is full or refuses writes (as of the last check, every 5 s).
    pub fn disk_full(&self) -> bool {
        self.storage.lock().unwrap().full
    }

    /// Once a second from the ticker; does its work every [`CHECK_EVERY`].
    pub(super) fn watch_storage(self: &std::sync::Arc<Self>) {
        let mut alert = None;
        {
            let mut w = self.storage.lock().unwrap();
            if w.checked.is_some_and(|t| t.elapsed() < CHECK_EVERY) {
                return;
            }
            w.checked = Some(Instant::now());
            let touch = w.touched.is_none_or(|t| t.elapsed() >= touch_every());
            if self.store.flush_pending(touch).is_ok() && touch {
                w.touched = Some(Instant::now());
            }
            let free = self.settings.data_dir.as_ref().map(|d| onair_hw::sysinfo::read(d).disk_free_mb);
            let refused = health::writes_failing_since().is_some();
            let full = refused || free == Some(0);
            if full && !w.full {
                alert = Some((
                    Level::Error,
                    match free {
                        Some(0) | None => "the data disk is full: new settings, sessions and alerts are kept in memory and not saved until space is freed; login, API tokens and the show keep working".to_string(),
                        Some(mb) => format!("the data disk refuses writes (read-only or full, {mb} MB free): new settings are not saved; login, API tokens and the show keep working"),
                    },
                ));
            } else if !full && w.full {
                alert = Some((Level::Info, "the data disk takes writes again: what was held in memory is saved".to_string()));
            }
            w.full = full;
            let every = backup_every();
            if w.backup_due.is_none() {
                // Counted from the newest backup on disk, so restarts do not add generations.
                let age = self.settings.data_dir.as_deref().and_then(backup::newest_age).unwrap_or(every);
                w.backup_due = Some(Instant::now() + every.saturating_sub(age));
            }
            if !full && !w.backing_up && w.backup_due.is_some_and(|t| Instant::now() >= t) {
                w.backing_up = true;
                let core = self.clone();
                tokio::task::spawn_blocking(move || {
                    let ok = core.backup();
                    let mut w = core.storage.lock().unwrap();
                    w.backing_up = false;
                    // A failed one is tried again in a few minutes.
                    w.backup_due = Some(Instant::now() + if ok { every } else { every.min(Duration::from_secs(300)) });
                });
            }
        }
        if let Some((level, message)) = alert {
            tracing::warn!("{message}");
            self.emit(Event::Disk { low: level == Level::Error, full: level == Level::Error, message: message.clone() });
            self.emit(Event::Alert { level, message });
        }
    }

    /// A backup generation now (also at a clean shutdown). Blocking; false when it failed.
    pub fn backup(&self) -> bool {
        match self.store.backup_now() {
            Ok(Some(p)) => {
                tracing::info!(file = %p.display(), "database backed up");
                true
            }
            Ok(None) => true,
            Err(e) => {
                tracing::warn!("database backup failed: {e}");
                false
            }
        }
    }
}
