//! Recordings of the program on the box: one row per recording (its file, its show if any), with
//! duration and size kept up to date as it grows, so a recording cut by a crash is listed right.
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{now, Result, Store, StoreError};

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recording {
    pub id: i64,
    pub show_id: Option<i64>,
    pub feed: String,
    /// RFC 3339.
    pub started_at: String,
    pub ended_at: Option<String>,
    pub duration_s: f64,
    pub bytes: u64,
    /// File names inside the recordings folder.
    pub files: Vec<String>,
    /// Why it ended: `stopped`, `show_ended`, `disk_full`, `interrupted` (the box stopped under it),
    /// `error`; `null` while it runs.
    pub end_reason: Option<String>,
}

/// `PUT /recording/settings`.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecordingSettings {
    /// Record every show.
    #[serde(default)]
    pub enabled: bool,
    /// The folder recordings go to; `null`: `recordings/` in the data dir.
    #[serde(default)]
    pub path: Option<String>,
    /// Recordings older than this are deleted (0: kept until deleted by hand).
    #[serde(default)]
    pub retention_days: u32,
    #[serde(default = "main_feed")]
    pub feeds: Vec<String>,
    /// Recording stops when the disk has less than this free (the stream goes on).
    #[serde(default = "reserve")]
    pub reserve_mb: u64,
}

fn main_feed() -> Vec<String> {
    vec!["main".into()]
}

/// Room left for the database, its backups and the logs when a recording stops.
fn reserve() -> u64 {
    500
}

impl Default for RecordingSettings {
    fn default() -> Self {
        RecordingSettings { enabled: false, path: None, retention_days: 0, feeds: main_feed(), reserve_mb: reserve() }
    }
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap_or_default().to_rfc3339()
}

fn row(r: &Row) -> rusqlite::Result<Recording> {
    let file: String = r.get(4)?;
    let file = std::path::Path::new(&file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(file);
    Ok(Recording {
        id: r.get(0)?,
        show_id: r.get(1)?,
        feed: r.get(2)?,
        started_at: rfc3339(r.get(3)?),
        files: vec![file],
        ended_at: r.get::<_, Option<i64>>(5)?.map(rfc3339),
        duration_s: r.get::<_, i64>(6)? as f64 / 1000.0,
        bytes: r.get::<_, i64>(7)? as u64,
        end_reason: r.get(8)?,
    })
}

const COLS: &str = "id, show_id, feed, started_at, file, ended_at, duration_ms, bytes, end_reason";

impl Store {
    pub fn recording_settings(&self) -> Result<RecordingSettings> {
        Ok(self.setting("recording")?.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
    }

    pub fn set_recording_settings(&self, s: &RecordingSettings) -> Result<()> {
        self.set_setting("recording", &serde_json::to_string(s).expect("settings serialise"))
    }

    pub fn create_recording(&self, show_id: Option<i64>, feed: &str, file: &str) -> Result<Recording> {
        let id = {
            let db = self.db();
            db.execute("INSERT INTO recordings (show_id, feed, started_at, file) VALUES (?1, ?2, ?3, ?4)", params![show_id, feed, now(), file])?;
            db.last_insert_rowid()
        };
        self.recording(id)
    }

    pub fn recording_progress(&self, id: i64, duration_ms: u64, bytes: u64) -> Result<()> {
        self.db().execute("UPDATE recordings SET duration_ms = ?2, bytes = ?3 WHERE id = ?1", params![id, duration_ms as i64, bytes as i64])?;
        Ok(())
    }

    pub fn finish_recording(&self, id: i64, duration_ms: u64, bytes: u64, reason: &str) -> Result<()> {
        self.db().execute(
            "UPDATE recordings SET duration_ms = ?2, bytes = ?3, ended_at = ?4, end_reason = ?5 WHERE id = ?1",
            params![id, duration_ms as i64, bytes as i64, now(), reason],
        )?;
        Ok(())
    }

    pub fn recording(&self, id: i64) -> Result<Recording> {
        self.db().prepare_cached(&format!("SELECT {COLS} FROM recordings WHERE id = ?1"))?.query_row([id], row).optional()?.ok_or(StoreError::NotFound)
    }

    /// Where the recording's file is (the folder it was recorded into).
    pub fn recording_path(&self, id: i64) -> Result<std::path::PathBuf> {
        let p: Option<String> = self.db().prepare_cached("SELECT file FROM recordings WHERE id = ?1")?.query_row([id], |r| r.get(0)).optional()?;
        p.map(std::path::PathBuf::from).ok_or(StoreError::NotFound)
    }

    pub fn list_recordings(&self) -> Result<Vec<Recording>> {
        let db = self.db();
        let mut st = db.prepare_cached(&format!("SELECT {COLS} FROM recordings ORDER BY id DESC"))?;
        let v = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    pub fn delete_recording(&self, id: i64) -> Result<()> {
        match self.db().execute("DELETE FROM recordings WHERE id = ?1", [id])? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    /// Recordings that ended before `before` (unix seconds), oldest first.
    pub fn recordings_ended_before(&self, before: i64) -> Result<Vec<Recording>> {
        let db = self.db();
        let mut st = db.prepare_cached(&format!("SELECT {COLS} FROM recordings WHERE ended_at IS NOT NULL AND ended_at < ?1 ORDER BY id"))?;
        let v = st.query_map([before], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    /// At start-up: a recording still open was cut by a crash or a power cut; what its last
    /// progress said stands.
    pub fn close_unfinished_recordings(&self) -> Result<()> {
        self.db().execute("UPDATE recordings SET end_reason = 'interrupted', ended_at = started_at + duration_ms / 1000 WHERE ended_at IS NULL", [])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_grows_ends_and_an_unfinished_one_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.recording_settings().unwrap(), RecordingSettings::default());
        let a = s.create_recording(Some(3), "main", "/data/recordings/a.flv").unwrap();
        assert_eq!(s.recording_path(a.id).unwrap(), std::path::PathBuf::from("/data/recordings/a.flv"));
        assert_eq!((a.show_id, a.files.clone(), a.end_reason.clone()), (Some(3), vec!["a.flv".to_string()], None));
        s.recording_progress(a.id, 12_500, 1_000_000).unwrap();
        let b = s.create_recording(None, "main", "b.flv").unwrap();
        s.finish_recording(b.id, 2_000, 10, "stopped").unwrap();
        s.close_unfinished_recordings().unwrap();
        let a = s.recording(a.id).unwrap();
        assert_eq!((a.duration_s, a.bytes, a.end_reason.as_deref()), (12.5, 1_000_000, Some("interrupted")));
        assert_eq!(s.list_recordings().unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), vec![b.id, a.id]);
        s.delete_recording(b.id).unwrap();
        assert!(matches!(s.delete_recording(b.id), Err(StoreError::NotFound)));
        let set = RecordingSettings { enabled: true, retention_days: 7, ..Default::default() };
        s.set_recording_settings(&set).unwrap();
        assert_eq!(s.recording_settings().unwrap(), set);
    }
}
