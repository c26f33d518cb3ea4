//! The supervisor: owns the box's state (the show, destinations, guests, OBS, platform accounts)
//! and takes every command, whichever input it came from (HTTP, a button, OBS, a schedule), on one
//! channel (`actor`). What to do is decided in `machine` (sans-IO, time passed in); this file
//! carries the decisions out. Every output (event feed, status, metrics, screen) reads from here.
//! Nothing outside the core changes its state but through a `Command`.
mod actor;
pub mod command;
pub mod event;
pub mod history;
pub mod machine;
mod requests;
mod show;
pub mod storage;

use crate::alert::Level;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc};

use crate::fanout::target::Target;
use crate::fanout::{Fanout, OutEvent, OutState};
use crate::ingest::{Ingest, IngestEvent, Ingests, Proto};
use crate::media::elementary::Codec;
use crate::media::feed::{FeedId, PerFeed};
use crate::media::generator::{Generator, Look, Params};
use crate::media::program::{Program, Source};
use crate::store::{Store, StoreError};

pub use actor::Core;
pub use command::{Command, CoreError, Join, NewDestination, Offer, Reply, Secret};
pub use event::Event;
pub use show::ShowStatus;

use machine::{Effect, Machine, OutputView, Refused, Rules};

fn refused(r: Refused) -> CoreError {
    CoreError::Conflict(r.code(), r.to_string())
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// How long outputs carry the slate after the feed drops before the show ends.
    pub feed_grace: Duration,
    /// A feed with no frames for this long counts as lost (Wi-Fi stall with the socket still open).
    pub feed_stall: Duration,
    pub encoder: crate::media::h264enc::Choice,
    /// The daemon's own binary, to encode the slate's loops in a child process (`None`: in this one).
    pub slate_encoder: Option<std::path::PathBuf>,
    /// The runtime that carries media (ingest and outputs); the caller's runtime when `None`.
    pub media: Option<tokio::runtime::Handle>,
    /// Where the user's slate image lives (`<data dir>/slate.img`), if they uploaded one.
    pub slate_image: Option<std::path::PathBuf>,
    pub platforms: crate::platforms::Settings,
    /// The data dir, for the low-disk alert.
    pub data_dir: Option<std::path::PathBuf>,
    /// How long a linked platform may say "offline" while the box's output to it is live before
    /// that output is restarted.
    pub confirm_live: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            feed_grace: Duration::from_secs(60),
            feed_stall: Duration::from_millis(1500),
            encoder: Default::default(),
            slate_encoder: None,
            media: None,
            slate_image: None,
            platforms: Default::default(),
            data_dir: None,
            confirm_live: Duration::from_secs(90),
        }
    }
}

struct Running {
    /// The live encoder (the test signal); the slate's loop has none.
    _gen: Option<Generator>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the core runs for the show; what it has decided lives in `machine`.
struct Show {
    started_at: Option<chrono::DateTime<chrono::Utc>>,
    test_signal: bool,
    /// Each feed's slate, while it is on air (or about to be).
    slate: PerFeed<Option<Running>>,
    test: Option<Running>,
    /// Each feed's picture and sound as last seen, for its slate.
    last_params: PerFeed<Params>,
    slate_loops: crate::media::slate::Cache,
    test_picture: Option<command::TestPicture>,
}

/// What the core owns; only the core's own code (this folder) touches it.
struct State {
    store: Store,
    obs: Arc<crate::obs::Obs>,
    guests: Arc<crate::guests::Guests>,
    /// The two program feeds' ingests (each with its program bus).
    feeds: Ingests,
    /// Each feed's last still for the dashboard.
    stills: PerFeed<crate::media::preview::Stills>,
    /// Told when the daemon must restart (a settings restore is staged).
    restart: Arc<tokio::sync::Notify>,
    fanout: Fanout,
    platforms: Arc<crate::platforms::Platforms>,
    settings: Settings,
    /// First-run set-up's proof of presence (code on the screen and in the log, or a Go Live press).
    setup: crate::setup::SetupGate,
    show: Mutex<Show>,
    machine: Mutex<Machine>,
    record: Mutex<Option<history::ShowRec>>,
    recorder: crate::recording::Recorder,
    watch: Mutex<history::Watchers>,
    storage: Mutex<storage::Watch>,
    /// Alerts to the channels the user set (webhooks, chat apps): an output of the events.
    notify: Arc<crate::notify::Outbox>,
    events: broadcast::Sender<Event>,
}

/// What notifications ask the core about (names of destinations, the show on air).
struct BoxLookup(std::sync::Weak<State>);

impl crate::notify::kinds::Lookup for BoxLookup {
    fn destination_name(&self, id: i64) -> Option<String> {
        self.0.upgrade()?.store.destination(id).ok().map(|d| d.name)
    }

    fn show_id(&self) -> Option<i64> {
        self.0.upgrade()?.record.lock().unwrap().as_ref().map(|r| r.id)
    }

    fn ended_show(&self) -> Option<crate::store::shows::Show> {
        let s = self.0.upgrade()?.store.list_shows(1).ok()?.into_iter().next()?;
        s.ended_at.is_some_and(|t| crate::store::now() - t < 120).then_some(s)
    }
}

impl State {
    fn new(store: Store, settings: Settings) -> Result<Arc<Self>, StoreError> {
        let (itx, irx) = mpsc::unbounded_channel();
        let (otx, orx) = mpsc::unbounded_channel();
        let key = store.ingest_key().or_else(|e| match e.is_disk_full() {
            // First start on a full disk: a key for this run (shown in the dashboard as usual).
            true => Ok(format!("live_{}", crate::store::secret::random_token(18))),
            false => Err(e),
        })?;
        let second_key = store.feed_key(FeedId::Second).unwrap_or_else(|e| {
            tracing::warn!("the second feed's ingest key cannot be stored ({e}); one for this run");
            format!("live2_{}", crate::store::secret::random_token(18))
        });
        let feeds = Ingests {
            main: Ingest::new(FeedId::Main, Arc::new(Program::new()), key, itx.clone()),
            second: Ingest::new(FeedId::Second, Arc::new(Program::new()), second_key, itx),
        };
        feeds.main.set_srt_passphrase(store.srt_passphrase().unwrap_or_else(|e| {
            // Fail closed: SRT stays encrypted, with a passphrase nobody has, until a new one is set.
            tracing::warn!("the SRT ingest passphrase cannot be opened ({e}); set it again (PUT /api/v1/ingest/srt)");
            crate::store::secret::random_token(24)
        }));
        let media = settings.media.clone().unwrap_or_else(tokio::runtime::Handle::current);
        let programs = PerFeed::new(feeds.main.program().clone(), feeds.second.program().clone());
        let fanout = Fanout::new(media, programs, settings.encoder.clone(), otx);
        let (events, _) = broadcast::channel(1024);
        let params = Params::default();
        let slate_loops = crate::media::slate::Cache::new(settings.encoder.clone(), settings.slate_encoder.clone());
        // A full disk must not stop the box from starting: the shows stay open until the next start.
        if let Err(e) = store.close_unfinished_shows().and_then(|_| store.close_unfinished_recordings()) {
            tracing::warn!("closing unfinished shows and recordings: {e}");
        }
        let obs = crate::obs::Obs::start(store.clone());
        let platforms = crate::platforms::Platforms::start(store.clone(), settings.platforms.clone());
        let core = Arc::new(State {
            platforms,
            machine: Mutex::new(Machine::new(Rules { feed_grace: settings.feed_grace, confirm_live: settings.confirm_live })),
            record: Mutex::default(),
            recorder: crate::recording::Recorder::default(),
            watch: Mutex::default(),
            storage: Mutex::default(),
            obs,
            guests: crate::guests::Guests::new(),
            notify: crate::notify::Outbox::new(store.clone()),
            store,
            feeds,
            stills: PerFeed::default(),
            restart: Arc::default(),
            fanout,
            settings,
            setup: crate::setup::SetupGate::default(),
            show: Mutex::new(Show {
                started_at: None,
                test_signal: false,
                slate: PerFeed::default(),
                test: None,
                last_params: PerFeed::new(params.clone(), params),
                slate_loops,
                test_picture: None,
            }),
            events,
        });
        core.announce_recovery();
        core.notify.start(core.events.subscribe(), Box::new(BoxLookup(Arc::downgrade(&core))));
        tokio::spawn(core.clone().pump(irx, orx));
        tokio::spawn(core.clone().ticker());
        Ok(core)
    }

    /// What start-up did about a damaged database, in the alert log and on the dashboard.
    fn announce_recovery(&self) {
        let Some(r) = self.store.recovery() else { return };
        let what = match (r.outcome, &r.restored_from) {
            ("restored", Some(b)) => format!("restored from the backup {b} of {}", r.backup_at.as_deref().unwrap_or("unknown time")),
            ("memory", _) => "running on a database in memory: changes are lost at the next restart".to_string(),
            ("read_only", _) => "serving it read-only: changes are refused until the card takes writes again and the box restarts".to_string(),
            _ => "no usable backup: started with a fresh database (set the box up again)".to_string(),
        };
        let kept = r.moved_to.as_deref().map(|m| format!("; the damaged files are kept in {m}")).unwrap_or_default();
        let message = match r.outcome {
            "read_only" | "memory" if r.moved_to.is_none() => format!("the database cannot be written ({}): {what}", r.reason),
            _ => format!("the database was damaged ({}): {what}{kept}", r.reason),
        };
        self.emit(Event::Alert { level: Level::Error, message });
    }

    fn emit(&self, e: Event) {
        if let Event::Alert { level, message } = &e {
            if let Err(err) = self.store.add_alert(level.as_str(), message) {
                tracing::warn!("alert not stored: {err}");
            }
        }
        let _ = self.events.send(e);
    }

    async fn stop_live(&self) -> Result<Reply, CoreError> {
        let was_live = self.is_live();
        let effects = self.machine.lock().unwrap().stop();
        // One button ends the whole show: OBS's stream too, after the destinations.
        let obs = was_live && self.obs.autostart() && self.obs.status().streaming;
        let changed = effects.contains(&Effect::ShowChanged);
        self.apply(effects.into_iter().filter(|e| *e != Effect::ShowChanged).collect()).await;
        if obs {
            if let Err(e) = self.obs.stream(false).await {
                self.emit(Event::Alert { level: Level::Warning, message: format!("could not stop OBS's stream: {e}") });
            }
        }
        let more = self.evaluate();
        self.apply(more).await;
        if changed {
            self.emit_show();
        }
        Ok(Reply::Done)
    }

    async fn pause(&self, pause: bool) -> Result<Reply, CoreError> {
        let effects = self.machine.lock().unwrap().pause(pause).map_err(refused)?;
        let more = self.evaluate();
        self.apply(more).await;
        self.apply(effects).await;
        Ok(Reply::Done)
    }

    async fn set_test_signal(&self, on: bool, picture: Option<command::TestPicture>) -> Result<Reply, CoreError> {
        {
            let mut s = self.show.lock().unwrap();
            s.test_signal = on;
            // Off costs nothing (its encoder is gone); a new size starts a new encoder.
            if !on || (picture.is_some() && picture != s.test_picture) {
                s.test = None;
            }
            if on {
                s.test_picture = picture.or(s.test_picture);
            }
        }
        let effects = self.evaluate();
        self.apply(effects).await;
        Ok(Reply::Done)
    }

    async fn go_live(&self) -> Result<Reply, CoreError> {
        let ticket = self.machine.lock().unwrap().begin_go_live().map_err(refused)?;
        let r = self.go_live_once_fed(ticket).await;
        // Whatever failed half-way (OBS, the store), the next Go Live may try again.
        self.machine.lock().unwrap().abandon_go_live(ticket);
        r.map(|_| Reply::Done)
    }

    async fn go_live_once_fed(&self, ticket: u64) -> Result<(), CoreError> {
        if self.feeds.main.publisher_proto().is_none() && self.obs.is_connected() && self.obs.autostart() {
            // One button starts the whole show: OBS streams to the box, then the destinations.
            if !self.obs.status().streaming {
                self.obs.stream(true).await?;
            }
            let t0 = Instant::now();
            while self.feeds.main.publisher_proto().is_none() && t0.elapsed() < Duration::from_secs(15) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let connected = PerFeed::new(self.feeds.main.publisher_proto().is_some(), self.feeds.second.publisher_proto().is_some());
        let ids = if connected.iter().any(|(_, c)| *c) { self.store.live_destination_ids()? } else { vec![] };
        let dests = ids.into_iter().map(|id| (id, self.store.destination(id).map(|d| d.feed).unwrap_or_default())).collect();
        let effects = self.machine.lock().unwrap().go_live(ticket, connected, dests, Instant::now()).map_err(refused)?;
        self.show.lock().unwrap().started_at = Some(chrono::Utc::now());
        self.apply(effects).await;
        Ok(())
    }

    /// Carries out what the machine decided.
    async fn apply(&self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::StartOutputs(ids) => {
                    self.begin_show_record();
                    if self.store.recording_settings().is_ok_and(|s| s.enabled) && self.recorder.current().is_none() {
                        if let Err(e) = self.start_recording(true) {
                            self.emit(Event::Alert { level: Level::Error, message: format!("the show is not being recorded: {e}") });
                        }
                    }
                    for id in ids {
                        if let Err(e) = self.start_destination(id) {
                            self.emit(Event::Alert { level: Level::Error, message: format!("destination {id}: {e}") });
                        }
                    }
                }
                Effect::EndShow(reason) => {
                    self.finish_show_record(reason);
                    if self.recorder.by_show() {
                        for id in self.recorder.stop(crate::recording::End::ShowEnded).await.unwrap_or_default() {
                            self.emit(Event::Recording { id, recording: false });
                        }
                    }
                    self.fanout.stop_all().await;
                    self.show.lock().unwrap().started_at = None;
                }
                // `evaluate` carries this out with the generators it needs.
                Effect::Slate(..) => {}
                Effect::RestartOutput { id, .. } => {
                    self.fanout.stop(id).await;
                    if self.is_live() {
                        if let Err(e) = self.start_destination(id) {
                            self.emit(Event::Alert { level: Level::Error, message: format!("destination {id}: restart failed: {e}") });
                        }
                    }
                }
                Effect::Alert { level, message } => self.emit(Event::Alert { level, message }),
                Effect::ShowChanged => self.emit_show(),
            }
        }
    }

    fn start_destination(&self, id: i64) -> Result<(), CoreError> {
        let d = self.store.destination(id)?;
        let secrets = self.store.stream_key(id).and_then(|k| Ok((k, self.store.destination_passphrase(id)?)));
        let (key, passphrase) = match secrets {
            Ok(s) => s,
            Err(StoreError::Secret(_)) => {
                return Err(CoreError::Conflict("needs_key", format!("{}: its stored stream key cannot be opened; enter it again", d.name)))
            }
            Err(e) => return Err(e.into()),
        };
        let target = Target::parse(&d.url, &key)
            .map_err(|e| CoreError::Invalid(e.to_string()))?
            .with_passphrase(&passphrase)
            .taking(crate::fanout::target::Takes::of(&d.platform))
            .delayed(Duration::from_secs(d.delay_s.into()))
            .transcoded(d.output.clone(), d.transcode_fallback)
            .from_feed(d.feed);
        self.fanout.start(id, target);
        let show = self.record.lock().unwrap().as_ref().map(|r| r.id);
        if let Some(show) = show {
            match self.store.use_key(id, show) {
                Ok(Some(_)) if crate::platforms::presets::preset(&d.platform).is_some_and(|p| p.single_use_key) => {
                    let label = crate::platforms::presets::label(&d.platform);
                    self.emit(Event::Alert {
                        level: Level::Warning,
                        message: format!("{}: this stream key went out in an earlier show, and {label} keys work once: paste a fresh one", d.name),
                    });
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("destination {id}: key use not noted: {e}"),
            }
        }
        Ok(())
    }

    fn emit_show(&self) {
        let (live, paused) = {
            let m = self.machine.lock().unwrap();
            (m.live(), m.paused())
        };
        let on_air = match self.feeds.main.program().active() {
            Some(Source::Slate) => "slate",
            Some(Source::Feed) => "feed",
            None => "none",
        };
        self.emit(Event::Show { live, paused, on_air });
    }

    async fn pump(self: Arc<Self>, mut irx: mpsc::UnboundedReceiver<IngestEvent>, mut orx: mpsc::UnboundedReceiver<OutEvent>) {
        let mut obs = self.obs.subscribe();
        let mut platforms = self.platforms.subscribe();
        loop {
            tokio::select! {
                Ok(e) = platforms.recv() => match e {
                    crate::platforms::PlatformEvent::Chat(m) => self.emit(Event::Chat(m)),
                    crate::platforms::PlatformEvent::Status(s) => self.emit(Event::Platform(s)),
                    crate::platforms::PlatformEvent::Alert { level, message } => self.emit(Event::Alert { level, message }),
                },
                Ok(e) = obs.recv() => {
                    if let crate::obs::ObsEvent::Disconnected { error } = &e {
                        if self.is_live() {
                            self.emit(Event::Alert { level: Level::Warning, message: format!("lost the connection to OBS: {}", error.clone().unwrap_or_default()) });
                        }
                    }
                    self.emit(Event::Obs(e));
                }
                Some(e) = irx.recv() => {
                    match e {
                        IngestEvent::Connected { feed, proto, peer } => {
                            self.emit(Event::Ingest { feed, connected: true, proto: Some(proto), peer: Some(peer) });
                        }
                        IngestEvent::Disconnected { feed, proto, .. } => {
                            self.emit(Event::Ingest { feed, connected: false, proto: Some(proto), peer: None });
                        }
                        IngestEvent::Refused { proto, peer, reason } => self.emit(Event::IngestRefused { proto, peer, reason }),
                    }
                    let effects = self.evaluate();
                    self.apply(effects).await;
                }
                Some(e) = orx.recv() => {
                    if matches!(e.state, OutState::Reconnecting | OutState::Failed) {
                        self.emit(Event::Alert { level: Level::Warning, message: format!("destination {} is {:?}: {}", e.id, e.state, e.error.clone().unwrap_or_default()).to_lowercase() });
                    }
                    self.emit(Event::Destination { id: e.id, state: e.state, error: e.error });
                }
                else => break,
            }
        }
    }

    async fn ticker(self: Arc<Self>) {
        // Ingest events re-evaluate at once; this tick catches stalls (a socket open with no frames).
        let mut t = tokio::time::interval(Duration::from_millis(500));
        let mut n = 0u64;
        loop {
            t.tick().await;
            n += 1;
            if n.is_multiple_of(2) {
                self.confirm_live().await;
                self.watch_alerts();
                self.watch_storage();
                for (id, _, message) in self.recorder.take_ended() {
                    self.emit(Event::Alert { level: Level::Warning, message });
                    self.emit(Event::Recording { id, recording: false });
                }
                if self.is_live() {
                    self.account_show(Duration::from_secs(1));
                }
                let now = Instant::now();
                for f in FeedId::ALL {
                    self.feeds.get(f).sample_rates(now);
                    self.feeds.get(f).kick_stalled(Duration::from_secs(10), now);
                }
                self.fanout.sample_rates();
                for e in self.guests.tick(now).await {
                    if let crate::guests::GuestEvent::Left { name, reason, .. } = &e {
                        self.emit(Event::Alert { level: Level::Warning, message: format!("guest {name} left: {reason}") });
                    }
                    self.emit(Event::Guest(e));
                }
            }
            let on_air = || (self.feeds.main.program().active(), self.feeds.second.program().active());
            let before = on_air();
            let effects = self.evaluate();
            let told = effects.contains(&Effect::ShowChanged);
            self.apply(effects).await;
            if !told && on_air() != before {
                self.emit_show();
            }
        }
    }

    /// The confirmed-live watchdog (decided in `machine`): what the box and the platforms say of
    /// each output, once a second.
    async fn confirm_live(&self) {
        let views: Vec<OutputView> = self
            .store
            .list_destinations()
            .unwrap_or_default()
            .into_iter()
            .map(|d| OutputView {
                id: d.id,
                live: self.fanout.stats(d.id).snapshot().state == OutState::Live,
                platform_offline: self.platforms.confirmed_live(&d.platform) == Some(false),
                name: d.name,
                platform: d.platform,
            })
            .collect();
        let effects = self.machine.lock().unwrap().watchdog(&views, Instant::now());
        self.apply(effects).await;
    }

    /// Watchdog restarts of one destination in this show.
    pub fn watchdog_restarts(&self, id: i64) -> u32 {
        self.machine.lock().unwrap().watchdog_restarts(id)
    }

    /// Whether `feed` has delivered a frame lately.
    fn fresh(&self, feed: FeedId, now: Instant) -> bool {
        self.feeds.get(feed).feed_age(now).is_some_and(|a| a < self.settings.feed_stall)
    }

    /// Runs the generators the show needs and puts each feed's slate or the feed itself on air, as
    /// the machine decides from the feeds' freshness; returns the machine's other effects for
    /// [`Core::apply`].
    fn evaluate(&self) -> Vec<Effect> {
        let now = Instant::now();
        let fresh = PerFeed::new(self.fresh(FeedId::Main, now), self.fresh(FeedId::Second, now));
        let mut effects = self.machine.lock().unwrap().feeds(fresh.clone(), self.fanout.takes(FeedId::Second), now);
        let mut want_slate = PerFeed::new(false, false);
        effects.retain(|e| match e {
            Effect::Slate(f, on) => {
                want_slate[*f] = *on;
                false
            }
            _ => true,
        });
        let live = self.is_live();
        let mut s = self.show.lock().unwrap();
        for f in FeedId::ALL {
            let ingest = self.feeds.get(f);
            if fresh[f] && ingest.publisher_proto() != Some(Proto::TestSignal) {
                follow_feed(&mut s.last_params[f], &ingest.snapshot());
            }
        }
        // Test signal: only while the main feed has no real publisher.
        let proto = self.feeds.main.publisher_proto();
        let want_test = s.test_signal && matches!(proto, None | Some(Proto::TestSignal));
        if want_test && s.test.is_none() {
            let mut p = s.last_params[FeedId::Main].clone();
            if let Some(t) = s.test_picture {
                (p.width, p.height, p.fps) = (t.width, t.height, t.fps);
            }
            s.test = self.start_test_signal(p);
        } else if !want_test && s.test.is_some() {
            s.test = None;
        }
        for f in FeedId::ALL {
            let program = self.feeds.get(f).program();
            if want_slate[f] {
                if s.slate[f].is_none() {
                    s.slate[f] = self.start_slate(f, &s.slate_loops, s.last_params[f].clone());
                }
                program.select(Source::Slate);
            } else {
                program.select(Source::Feed);
                // Keep the slate encoding until the feed is actually back on air (or the show is over).
                if !live || program.active() != Some(Source::Slate) {
                    s.slate[f] = None;
                }
            }
        }
        effects
    }

    /// The slate's picture replaced or removed; a slate on air is restarted with it.
    pub(super) fn set_slate_image(&self, upload: Option<std::path::PathBuf>) -> Result<Reply, CoreError> {
        let Some(dest) = self.settings.slate_image.clone() else {
            return Err(CoreError::Conflict("no_data_dir", "slate images are not enabled".into()));
        };
        match upload {
            Some(tmp) => std::fs::rename(&tmp, &dest).map_err(CoreError::Slate)?,
            None => match std::fs::remove_file(&dest) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(CoreError::Slate(e)),
                _ => {}
            },
        }
        let mut s = self.show.lock().unwrap();
        let on_air: Vec<FeedId> = FeedId::ALL.into_iter().filter(|f| s.slate[*f].is_some()).collect();
        for f in &on_air {
            s.slate[*f] = self.start_slate(*f, &s.slate_loops, s.last_params[*f].clone());
        }
        drop(s);
        if !on_air.is_empty() {
            self.emit(Event::Alert { level: Level::Info, message: "the slate on air now shows the new picture".into() });
        }
        Ok(Reply::Done)
    }

    /// Plays the slate's loop (encoded first, off the core, when its picture or format is new).
    fn start_slate(&self, feed: FeedId, loops: &crate::media::slate::Cache, p: Params) -> Option<Running> {
        let program = self.feeds.get(feed).program();
        program.reset(Source::Slate);
        let look = match &self.settings.slate_image {
            Some(path) if path.exists() => Look::Image(path.clone()),
            _ => Look::Slate,
        };
        let (loops, program, store, events) = (loops.clone(), program.clone(), self.store.clone(), self.events.clone());
        let alert = move |level: Level, message: String| {
            if let Err(err) = store.add_alert(level.as_str(), &message) {
                tracing::warn!("alert not stored: {err}");
            }
            let _ = events.send(Event::Alert { level, message });
        };
        let task = tokio::spawn(async move {
            let encoded = tokio::task::spawn_blocking(move || {
                let mut unusable = None;
                let clip = loops.get(look.clone(), p.clone()).or_else(|e| {
                    if look == Look::Slate {
                        return Err(e);
                    }
                    unusable = Some(e);
                    loops.get(Look::Slate, p)
                });
                (clip, unusable)
            })
            .await;
            let clip = match encoded {
                Ok((clip, unusable)) => {
                    if let Some(e) = unusable {
                        alert(Level::Warning, format!("the slate image cannot be used ({e}); using the built-in slate"));
                    }
                    clip
                }
                Err(e) => return tracing::error!("the slate encoder panicked: {e}"),
            };
            match clip {
                Ok(clip) => crate::media::slate::play(clip, |f| program.push(Source::Slate, f)).await,
                Err(e) => alert(Level::Error, format!("cannot start the slate: {e}")),
            }
        });
        Some(Running { _gen: None, task })
    }

    fn start_test_signal(&self, p: Params) -> Option<Running> {
        let guard = self.feeds.main.claim(Proto::TestSignal, "test-signal", None).ok()?;
        let (tx, mut rx) = mpsc::channel(256);
        match Generator::start(Look::TestSignal, Params { codec: Codec::H264, encoder: self.settings.encoder.name(), ..p }, tx) {
            Ok(g) => {
                let task = tokio::spawn(async move {
                    while let Some(f) = rx.recv().await {
                        if !guard.is_current() {
                            break;
                        }
                        guard.push(f);
                    }
                });
                Some(Running { _gen: Some(g), task })
            }
            Err(e) => {
                self.emit(Event::Alert { level: Level::Error, message: format!("cannot start the test signal: {e}") });
                None
            }
        }
    }
}

/// A slate looks like the feed it stands in for: its size, pace, sound and codec as last seen.
fn follow_feed(p: &mut Params, snap: &crate::ingest::Snapshot) {
    if snap.video.width > 0 {
        p.width = snap.video.width;
        p.height = snap.video.height;
    }
    if snap.video.fps >= 1.0 {
        p.fps = crate::media::slate::steady_fps(p.fps, snap.video.fps);
    }
    if snap.audio.sample_rate > 0 {
        p.sample_rate = snap.audio.sample_rate;
        p.channels = snap.audio.channels.clamp(1, 2);
    }
    // The slate in the feed's codec (HEVC, AV1; VP9 feeds get H.264), or H.264 where the box
    // has no encoder for it (checked when the slate starts: it loads GStreamer).
    if !snap.video.codec.is_empty() {
        p.codec = crate::media::generator::slate_codec(&snap.video.codec);
    }
}
