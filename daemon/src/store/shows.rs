//! Show history: one row per show, each destination's totals at the end, and a sample every few
//! seconds (ingest and output bitrate, viewers) for the chart.
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{now, Result, Store};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShowDest {
    pub destination_id: i64,
    pub name: String,
    pub platform: String,
    pub bytes: u64,
    pub avg_kbps: u64,
    pub reconnects: u64,
    pub peak_viewers: Option<u64>,
    pub live_s: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Show {
    pub id: i64,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    pub duration_s: i64,
    pub bytes: u64,
    pub destinations: Vec<ShowDest>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sample {
    pub t_s: i64,
    pub ingest_kbps: u64,
    pub out_kbps: u64,
    pub viewers: Option<u64>,
}

/// Shows kept; older ones are dropped when a new show starts.
const KEEP: i64 = 500;

impl Store {
    pub fn start_show(&self) -> Result<i64> {
        let db = self.db();
        db.execute("INSERT INTO shows (started_at) VALUES (?1)", params![now()])?;
        let id = db.last_insert_rowid();
        db.execute("DELETE FROM shows WHERE id <= ?1", params![id - KEEP])?;
        Ok(id)
    }

    pub fn add_show_sample(&self, show: i64, s: &Sample) -> Result<()> {
        self.db()
            .prepare_cached("INSERT OR REPLACE INTO show_samples (show_id, t_s, ingest_kbps, out_kbps, viewers) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![show, s.t_s, s.ingest_kbps as i64, s.out_kbps as i64, s.viewers.map(|v| v as i64)])?;
        Ok(())
    }

    pub fn end_show(&self, show: i64, reason: &str, dests: &[ShowDest]) -> Result<()> {
        let mut db = self.db();
        let tx = db.transaction()?;
        tx.execute("UPDATE shows SET ended_at = ?2, end_reason = ?3 WHERE id = ?1", params![show, now(), reason])?;
        for d in dests {
            tx.execute(
                "INSERT OR REPLACE INTO show_destinations (show_id, destination_id, name, platform, bytes, avg_kbps, reconnects, peak_viewers, live_s)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    show,
                    d.destination_id,
                    d.name,
                    d.platform,
                    d.bytes as i64,
                    d.avg_kbps as i64,
                    d.reconnects as i64,
                    d.peak_viewers.map(|v| v as i64),
                    d.live_s as i64
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn show_dests(&self, show: i64) -> Result<Vec<ShowDest>> {
        let db = self.db();
        let mut st = db.prepare_cached(
            "SELECT destination_id, name, platform, bytes, avg_kbps, reconnects, peak_viewers, live_s FROM show_destinations WHERE show_id = ?1 ORDER BY destination_id",
        )?;
        let v = st
            .query_map(params![show], |r| {
                Ok(ShowDest {
                    destination_id: r.get(0)?,
                    name: r.get(1)?,
                    platform: r.get(2)?,
                    bytes: r.get::<_, i64>(3)? as u64,
                    avg_kbps: r.get::<_, i64>(4)? as u64,
                    reconnects: r.get::<_, i64>(5)? as u64,
                    peak_viewers: r.get::<_, Option<i64>>(6)?.map(|v| v as u64),
                    live_s: r.get::<_, i64>(7)? as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(v)
    }

    fn show_row(&self, id: i64, started_at: i64, ended_at: Option<i64>, end_reason: Option<String>) -> Result<Show> {
        let destinations = self.show_dests(id)?;
        Ok(Show {
            id,
            started_at,
            ended_at,
            end_reason,
            duration_s: ended_at.unwrap_or_else(now) - started_at,
            bytes: destinations.iter().map(|d| d.bytes).sum(),
            destinations,
        })
    }

    /// Newest first.
    pub fn list_shows(&self, limit: i64) -> Result<Vec<Show>> {
        let rows: Vec<(i64, i64, Option<i64>, Option<String>)> = {
            let db = self.db();
            let mut st = db.prepare_cached("SELECT id, started_at, ended_at, end_reason FROM shows ORDER BY id DESC LIMIT ?1")?;
            let v = st.query_map(params![limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
            v
        };
        rows.into_iter().map(|(id, s, e, r)| self.show_row(id, s, e, r)).collect()
    }

    pub fn show(&self, id: i64) -> Result<(Show, Vec<Sample>)> {
        let row: Option<(i64, Option<i64>, Option<String>)> = self
            .db()
            .query_row("SELECT started_at, ended_at, end_reason FROM shows WHERE id = ?1", params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let (s, e, r) = row.ok_or(super::StoreError::NotFound)?;
        let show = self.show_row(id, s, e, r)?;
        let samples = {
            let db = self.db();
            let mut st = db.prepare_cached("SELECT t_s, ingest_kbps, out_kbps, viewers FROM show_samples WHERE show_id = ?1 ORDER BY t_s")?;
            let v = st
                .query_map(params![id], |r| {
                    Ok(Sample {
                        t_s: r.get(0)?,
                        ingest_kbps: r.get::<_, i64>(1)? as u64,
                        out_kbps: r.get::<_, i64>(2)? as u64,
                        viewers: r.get::<_, Option<i64>>(3)?.map(|v| v as u64),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            v
        };
        Ok((show, samples))
    }

    /// Shows the box was killed during (power cut): closed at their last sample.
    pub fn close_unfinished_shows(&self) -> Result<()> {
        self.db().execute(
            "UPDATE shows SET end_reason = 'interrupted', ended_at = COALESCE((SELECT started_at + MAX(t_s) FROM show_samples WHERE show_id = shows.id), started_at)
             WHERE ended_at IS NULL",
            [],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_show_round_trips_and_an_unfinished_one_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let id = s.start_show().unwrap();
        s.add_show_sample(id, &Sample { t_s: 5, ingest_kbps: 6000, out_kbps: 12000, viewers: Some(3) }).unwrap();
        let d = ShowDest {
            destination_id: 1,
            name: "A".into(),
            platform: "twitch".into(),
            bytes: 1000,
            avg_kbps: 6000,
            reconnects: 1,
            peak_viewers: Some(9),
            live_s: 5,
        };
        s.end_show(id, "stopped", std::slice::from_ref(&d)).unwrap();
        let (show, samples) = s.show(id).unwrap();
        assert_eq!(show.destinations, vec![d]);
        assert_eq!(show.end_reason.as_deref(), Some("stopped"));
        assert_eq!(samples.len(), 1);
        let open = s.start_show().unwrap();
        s.add_show_sample(open, &Sample { t_s: 10, ingest_kbps: 1, out_kbps: 1, viewers: None }).unwrap();
        s.close_unfinished_shows().unwrap();
        let l = s.list_shows(10).unwrap();
        assert_eq!(l[0].id, open);
        assert_eq!(l[0].end_reason.as_deref(), Some("interrupted"));
        assert_eq!(l[0].duration_s, 10);
        assert!(matches!(s.show(999), Err(crate::store::StoreError::NotFound)));
    }
}
