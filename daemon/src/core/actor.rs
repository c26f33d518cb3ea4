//! The core as an actor: one task takes the commands from every input, in order, on a channel
//! with a reply each (as each MediaMTX server or xiu's stream hub does). A command that waits on
//! something outside the box (OBS, a platform, a destination closing its stream, a guest's offer)
//! runs on a task of its own, so the next command is not held up behind it; the machine's tickets
//! keep such a command from undoing a later one (a Stop during a Go Live voids the Go Live).
//! Everything else about the box is read through the accessors here, never written.
use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, oneshot};

use super::command::{Command, CoreError, Reply};
use super::{Event, Settings, ShowStatus, State};
use crate::store::{Store, StoreError};

type Envelope = (Command, oneshot::Sender<Result<Reply, CoreError>>);

/// How many commands may wait for the actor before senders wait too.
const QUEUE: usize = 64;

/// The door to the core: what inputs hold (HTTP handlers, the button adapter, the daemon's own
/// shutdown). Cheap to share behind an `Arc`.
pub struct Core {
    tx: mpsc::Sender<Envelope>,
    state: Arc<State>,
}

impl Core {
    pub fn new(store: Store, settings: Settings) -> Result<Arc<Self>, StoreError> {
        let state = State::new(store, settings)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(serve(state.clone(), rx));
        Ok(Arc::new(Core { tx, state }))
    }

    /// The one way in for every input: the command, carried out by the core, and its answer.
    pub async fn execute(&self, cmd: Command) -> Result<Reply, CoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send((cmd, reply)).await.map_err(|_| CoreError::Stopped)?;
        answer.await.map_err(|_| CoreError::Stopped)?
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.state.events.subscribe()
    }

    pub fn status(&self) -> ShowStatus {
        self.state.status()
    }

    pub fn is_live(&self) -> bool {
        self.state.is_live()
    }

    /// For reads (destinations, profiles, shows, invites) and the login's own records (sessions,
    /// API tokens, the admin password), which are the door's lock, not the box's state.
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn guests(&self) -> &Arc<crate::guests::Guests> {
        &self.state.guests
    }

    pub fn obs(&self) -> &crate::obs::Obs {
        &self.state.obs
    }

    pub fn platforms(&self) -> &crate::platforms::Platforms {
        &self.state.platforms
    }

    /// The ingest, for its listeners (RTMP, SRT), which hand it the connections they accept.
    pub fn ingest(&self) -> &Arc<crate::ingest::Ingest> {
        &self.state.ingest
    }

    pub fn settings(&self) -> &Settings {
        &self.state.settings
    }

    /// First-run set-up's proof of presence (code on the screen and in the log, or a Go Live press).
    pub fn setup(&self) -> &crate::setup::SetupGate {
        &self.state.setup
    }

    /// Whether the data disk is full or refuses writes (as of the last check, every 5 s).
    pub fn disk_full(&self) -> bool {
        self.state.disk_full()
    }

    pub fn setting_u64(&self, key: &str, default: u64) -> u64 {
        self.state.setting_u64(key, default)
    }

    /// A backup generation now (a clean shutdown). Blocking; false when it failed.
    pub fn backup(&self) -> bool {
        self.state.backup()
    }
}

async fn serve(state: Arc<State>, mut rx: mpsc::Receiver<Envelope>) {
    while let Some((cmd, reply)) = rx.recv().await {
        if cmd.waits_outside() {
            let state = state.clone();
            tokio::spawn(async move {
                let _ = reply.send(state.run(cmd).await);
            });
        } else {
            let _ = reply.send(state.run(cmd).await);
        }
    }
}
