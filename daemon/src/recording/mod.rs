//! Recording the program on the box, as it goes out: the program's FLV tags appended to a file,
//! no re-encode. FLV needs no index, so a file cut by a crash or a power cut plays up to its last
//! whole tag; the data is pushed to the disk every 2 s (`fdatasync`), so at most that much is lost.
//! A recording stops by itself before the disk fills (`reserve_mb`); the stream never does.
pub mod file;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use crate::media::feed::FeedId;
use crate::media::program::Program;
use crate::store::recordings::{Recording, RecordingSettings};
use crate::store::{Store, StoreError};
use file::FlvFile;

/// How often the file is synced, the disk's free space read and the row's progress saved.
const SYNC_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("a recording is already running")]
    Running,
    #[error("no recording is running")]
    NotRunning,
    #[error("the recordings folder {0} cannot be used: {1}")]
    Folder(String, std::io::Error),
    #[error("only {free} MB free where recordings go; recording needs more than {reserve} MB")]
    DiskFull { free: u64, reserve: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a recording ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Stopped,
    ShowEnded,
    DiskFull,
    Error,
}

impl End {
    pub fn as_str(self) -> &'static str {
        match self {
            End::Stopped => "stopped",
            End::ShowEnded => "show_ended",
            End::DiskFull => "disk_full",
            End::Error => "error",
        }
    }
}

struct Running {
    id: i64,
    feed: FeedId,
    /// Started by a show (ends with it) rather than by hand.
    by_show: bool,
    stop: watch::Sender<Option<End>>,
    task: tokio::task::JoinHandle<()>,
}

/// The recordings running (at most one per feed), and those that ended by themselves since asked.
#[derive(Default)]
pub struct Recorder {
    running: Mutex<Vec<Running>>,
    ended: Arc<Mutex<Vec<(i64, End, String)>>>,
}

/// Where recordings go: the user's folder, or `recordings/` in the data dir.
pub fn folder(settings: &RecordingSettings, data_dir: Option<&Path>) -> Option<PathBuf> {
    settings.path.as_ref().map(PathBuf::from).or_else(|| data_dir.map(|d| d.join("recordings")))
}

pub fn free_mb(dir: &Path) -> u64 {
    onair_hw::sysinfo::read(dir).disk_free_mb
}

impl Recorder {
    /// The recording running now: the main feed's, else the second's.
    pub fn current(&self) -> Option<i64> {
        let g = self.running.lock().unwrap();
        let live = || g.iter().filter(|r| !r.task.is_finished());
        live().find(|r| r.feed == FeedId::Main).or_else(|| live().next()).map(|r| r.id)
    }

    pub fn is_running(&self, id: i64) -> bool {
        self.running.lock().unwrap().iter().any(|r| r.id == id && !r.task.is_finished())
    }

    pub fn by_show(&self) -> bool {
        self.running.lock().unwrap().iter().any(|r| r.by_show && !r.task.is_finished())
    }

    /// Recordings that stopped on their own (a full disk, a write error) since the last call.
    pub fn take_ended(&self) -> Vec<(i64, End, String)> {
        std::mem::take(&mut *self.ended.lock().unwrap())
    }

    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &self,
        rt: &tokio::runtime::Handle,
        store: &Store,
        feed: FeedId,
        program: &Arc<Program>,
        dir: &Path,
        reserve_mb: u64,
        show_id: Option<i64>,
        by_show: bool,
    ) -> Result<Recording, RecordError> {
        let mut g = self.running.lock().unwrap();
        g.retain(|r| !r.task.is_finished());
        if g.iter().any(|r| r.feed == feed) {
            return Err(RecordError::Running);
        }
        std::fs::create_dir_all(dir).map_err(|e| RecordError::Folder(dir.display().to_string(), e))?;
        let free = free_mb(dir);
        if free < reserve_mb {
            return Err(RecordError::DiskFull { free, reserve: reserve_mb });
        }
        let (path, file) = FlvFile::create_in(dir, feed, chrono::Local::now()).map_err(|e| RecordError::Folder(dir.display().to_string(), e))?;
        let rec = store.create_recording(show_id, feed.as_str(), &path.display().to_string())?;
        let (stop, stop_rx) = watch::channel(None);
        let job = Job { id: rec.id, store: store.clone(), dir: dir.to_path_buf(), reserve_mb, ended: self.ended.clone() };
        let task = rt.spawn(job.run(program.subscribe(), file, stop_rx));
        tracing::info!(id = rec.id, feed = feed.as_str(), file = %path.display(), "recording started");
        g.push(Running { id: rec.id, feed, by_show, stop, task });
        Ok(rec)
    }

    /// Ends every running recording: the files are synced and their rows closed before this
    /// returns. Their ids, the main feed's first.
    pub async fn stop(&self, why: End) -> Result<Vec<i64>, RecordError> {
        let mut all = std::mem::take(&mut *self.running.lock().unwrap());
        if all.is_empty() {
            return Err(RecordError::NotRunning);
        }
        all.sort_by_key(|r| r.feed != FeedId::Main);
        let mut ids = vec![];
        for r in all {
            let _ = r.stop.send(Some(why));
            let _ = r.task.await;
            ids.push(r.id);
        }
        Ok(ids)
    }
}

struct Job {
    id: i64,
    store: Store,
    dir: PathBuf,
    reserve_mb: u64,
    ended: Arc<Mutex<Vec<(i64, End, String)>>>,
}

impl Job {
    async fn run(
        self,
        (mut rx, headers): (broadcast::Receiver<crate::media::Frame>, crate::media::program::Headers),
        mut file: FlvFile,
        mut stop: watch::Receiver<Option<End>>,
    ) {
        let mut tick = tokio::time::interval(SYNC_EVERY);
        tick.tick().await;
        let mut failed: Option<(End, String)> = None;
        for f in [headers.video, headers.audio].into_iter().flatten().chain(headers.gop) {
            if let Err(e) = file.write(&f) {
                failed = Some(write_end(&e));
                break;
            }
        }
        let why = loop {
            if let Some((end, msg)) = failed.take() {
                self.ended.lock().unwrap().push((self.id, end, msg));
                break end;
            }
            tokio::select! {
                biased;
                _ = stop.changed() => break stop.borrow().unwrap_or(End::Stopped),
                _ = tick.tick() => {
                    let synced = file.sync();
                    let free = free_mb(&self.dir);
                    if let Err(e) = synced {
                        failed = Some(write_end(&e));
                    } else if free < self.reserve_mb {
                        failed = Some((End::DiskFull, format!("recording stopped: only {free} MB left where recordings go (it keeps {} MB free); the stream goes on", self.reserve_mb)));
                    } else if let Err(e) = self.store.recording_progress(self.id, file.duration_ms(), file.bytes()) {
                        tracing::warn!(id = self.id, "recording progress not saved: {e}");
                    }
                }
                r = rx.recv() => match r {
                    Ok(f) => if let Err(e) = file.write(&f) { failed = Some(write_end(&e)) },
                    // The disk was too slow for a moment: the file skips ahead to a keyframe.
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(id = self.id, "recording missed {n} frames");
                        file.resync();
                    }
                    Err(broadcast::error::RecvError::Closed) => break End::Stopped,
                },
            }
        };
        let _ = file.sync();
        if let Err(e) = self.store.finish_recording(self.id, file.duration_ms(), file.bytes(), why.as_str()) {
            tracing::warn!(id = self.id, "recording end not saved: {e}");
        }
        tracing::info!(id = self.id, reason = why.as_str(), bytes = file.bytes(), "recording ended");
    }
}

fn write_end(e: &std::io::Error) -> (End, String) {
    if e.raw_os_error() == Some(libc::ENOSPC) {
        (End::DiskFull, "recording stopped: the disk where recordings go is full; the stream goes on".into())
    } else {
        (End::Error, format!("recording stopped: cannot write the file ({e}); the stream goes on"))
    }
}
