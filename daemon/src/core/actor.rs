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

    /// Completes when the daemon must restart (a settings restore was staged).
    pub async fn restart_requested(&self) {
        self.state.restart.notified().await
    }

    /// The main feed's ingest.
    pub fn ingest(&self) -> &Arc<crate::ingest::Ingest> {
        &self.state.feeds.main
    }

    /// A JPEG still of `feed`'s latest keyframe (blocking: it may decode one).
    pub fn still(&self, feed: crate::media::feed::FeedId) -> Result<bytes::Bytes, crate::media::preview::PreviewError> {
        self.state.stills[feed].jpeg(self.state.feeds.get(feed).program())
    }

    /// Both feeds' ingests, for their listeners (RTMP, SRT), which hand them the connections they
    /// accept.
    pub fn ingests(&self) -> &crate::ingest::Ingests {
        &self.state.feeds
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::platforms::Kind;
    use crate::store::invites::Permissions;

    fn invite(name: &str) -> Command {
        Command::CreateInvite { name: name.into(), expires_in_s: 600, max_uses: 1, permissions: Permissions { audio: true, video: true, screen: false } }
    }

    /// A platform that takes the connection and never answers: linking waits on it (up to the
    /// platform client's own timeout), and the box must go on taking commands meanwhile.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_command_waiting_on_a_platform_does_not_hold_up_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = hang.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = vec![];
            while let Ok((s, _)) = hang.accept().await {
                held.push(s);
            }
        });
        let mut settings = Settings::default();
        settings.platforms.urls.twitch_auth = format!("http://{addr}");
        let core = Core::new(Store::open(dir.path()).unwrap(), settings).unwrap();
        let app = Command::SetPlatformApp { platform: Kind::Twitch, client_id: "abc".into(), client_secret: None, channel: String::new() };
        core.execute(app).await.unwrap();
        let link = tokio::spawn({
            let core = core.clone();
            async move { core.execute(Command::LinkPlatform(Kind::Twitch)).await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!link.is_finished(), "the fake platform never answers");
        let (inv, token) =
            tokio::time::timeout(Duration::from_secs(2), core.execute(invite("Ana"))).await.expect("held up behind the link").unwrap().invite().unwrap();
        assert!(token.starts_with(&inv.id), "{token}");
        assert_eq!(core.store().list_invites().unwrap().len(), 1);
        assert!(!link.is_finished());
        link.abort();
    }

    /// Commands from many inputs at once are each carried out once, and what they change is what
    /// the reads then show.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commands_each_take_effect_once() {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::new(Store::open(dir.path()).unwrap(), Settings::default()).unwrap();
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let core = core.clone();
                tokio::spawn(async move { core.execute(invite(&format!("guest {i}"))).await.map(|r| r.invite().map(|(i, _)| i.id)) })
            })
            .collect();
        let mut ids = vec![];
        for t in tasks {
            ids.push(t.await.unwrap().unwrap().unwrap());
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 40);
        assert_eq!(core.store().list_invites().unwrap().len(), 40);
        // A refusal keeps its structure up to the edge: no such destination is NotFound (404).
        assert!(matches!(core.execute(Command::StartDestination(999)).await, Err(CoreError::NotFound)));
        assert!(matches!(core.execute(Command::GoLive).await, Err(CoreError::Conflict("no_feed", _))), "no feed, no Go Live");
    }
}
