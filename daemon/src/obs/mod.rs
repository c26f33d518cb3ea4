//! OBS bridge over obs-websocket 5 (`obws`): keeps a connection to the user's OBS, reconnects by
//! itself, reports OBS's own stats, and carries the OBS commands. Every request goes through
//! [`call`]: it has a timeout, so an OBS that hangs never holds the box up, and it is sent again
//! while OBS answers "not ready". Owns the connection; its calls come from the core only (commands
//! and the Go Live autostart), its events go to the core.
pub mod compat;
pub mod control;
#[cfg(test)]
mod fake;
pub mod meters;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{broadcast, Notify, RwLock};

use obws::error::Error as ObwsError;
use obws::responses::StatusCode;

use crate::backoff::Backoff;
use crate::store::Store;

pub use compat::Named;

const CALL: Duration = Duration::from_secs(5);

/// How long a request is sent again while obs-websocket answers "not ready" (207: OBS is starting,
/// or loading a scene collection or a profile).
pub const NOT_READY_FOR: Duration = Duration::from_secs(30);

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ObsStatus {
    pub configured: bool,
    pub connected: bool,
    pub version: Option<String>,
    pub websocket_version: Option<String>,
    pub scene: Option<String>,
    /// The current program scene's UUID (obs-websocket 5.3+, OBS 30+; `null` before): it stays
    /// the same when the scene is renamed in OBS.
    pub scene_uuid: Option<String>,
    pub streaming: bool,
    pub recording: bool,
    pub kbps: u32,
    pub dropped_frames: u32,
    pub total_frames: u32,
    pub render_skipped_frames: u32,
    pub cpu_pct: f64,
    pub render_ms: f64,
    pub error: Option<String>,
    /// OBS's profile and scene collection, as last seen (at connect and on every switch).
    pub profile: Option<String>,
    pub collection: Option<String>,
    /// The file OBS's last recording went to.
    pub last_recording: Option<String>,
    /// Seconds every audio input has been silent (below −60 dB after its fader); `null` until
    /// OBS has sent meters.
    pub silent_s: Option<u64>,
}

/// What OBS tells the box, for the event feed.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "obs_event", rename_all = "snake_case")]
pub enum ObsEvent {
    Connected {
        version: String,
    },
    Disconnected {
        error: Option<String>,
    },
    /// `uuid`: the scene's UUID (OBS 30+), `null` from an older OBS.
    SceneChanged {
        scene: String,
        uuid: Option<String>,
    },
    /// A scene renamed in OBS: `old` is what it was called.
    SceneRenamed {
        scene: String,
        old: String,
        uuid: Option<String>,
    },
    StreamChanged {
        active: bool,
    },
    /// `path`: the file OBS wrote, when a recording stops (OBS 28+ says it).
    RecordChanged {
        active: bool,
        path: Option<String>,
    },
    ProfileChanged {
        profile: String,
    },
    CollectionChanged {
        collection: String,
    },
    /// A source of a scene shown or hidden (from the box or in OBS).
    SceneItemChanged {
        scene: String,
        id: i64,
        enabled: bool,
    },
    InputMuted {
        input: String,
        uuid: Option<String>,
        muted: bool,
    },
    /// An input renamed in OBS.
    InputRenamed {
        input: String,
        old: String,
        uuid: Option<String>,
    },
    /// Audio levels, at most 5 a second while OBS sends meters.
    Levels {
        levels: Vec<meters::AudioLevel>,
    },
    Exiting,
}

#[derive(Debug, thiserror::Error)]
pub enum ObsError {
    #[error("OBS is not configured: PUT /api/v1/obs/connection first")]
    NotConfigured,
    #[error("OBS is not connected: {0}")]
    NotConnected(String),
    #[error("OBS did not answer within {0} s")]
    Timeout(u64),
    /// OBS kept answering "not ready" (207) for this many seconds.
    #[error("OBS was not ready for {0} s (it is starting, or loading a scene collection or a profile)")]
    NotReady(u64),
    /// OBS answered with an error, or the websocket failed mid-request: obws's own error, kept.
    #[error("OBS refused: {0}")]
    Obs(#[source] Box<ObwsError>),
    /// OBS lacks what the request needs (a plugin, any scene at all).
    #[error("OBS cannot: {0}")]
    Lacks(&'static str),
}

#[derive(Clone, PartialEq)]
pub struct Connection {
    pub host: String,
    pub port: u16,
    pub password: Option<String>,
}

pub struct Obs {
    store: Store,
    events: broadcast::Sender<ObsEvent>,
    status: Mutex<ObsStatus>,
    client: RwLock<Option<Arc<obws::Client>>>,
    changed: Notify,
    meters: Mutex<meters::Meters>,
    /// The polls hold off until then: OBS is loading a scene collection or a profile (ours, or one
    /// picked in OBS itself), and answers "not ready" meanwhile; a poll would only wait it out.
    hold_polls: Mutex<Option<Instant>>,
}

/// Every request the bridge sends: `f` makes it (again, when OBS was not ready).
async fn call<T, F: std::future::Future<Output = Result<T, ObwsError>>>(f: impl FnMut() -> F) -> Result<T, ObsError> {
    call_within(CALL, f).await
}

/// Whether OBS answered "not ready" (207): it did not carry the request out.
fn not_ready(e: &ObwsError) -> bool {
    matches!(e, ObwsError::Api { code: StatusCode::NotReady, .. })
}

/// The retry policy: how long to wait before sending a request again after `e`, its `attempt`th
/// answer (from 1), `waited` after it was first sent; `None`: the answer stands. Only "not ready"
/// is retried: 100 ms after the first, then every 250 ms, for [`NOT_READY_FOR`] in all.
fn retry_in(e: &ObwsError, attempt: u32, waited: Duration) -> Option<Duration> {
    if !not_ready(e) {
        return None;
    }
    let wait = if attempt <= 1 { Duration::from_millis(100) } else { Duration::from_millis(250) };
    (waited + wait <= NOT_READY_FOR).then_some(wait)
}

/// `limit` for each answer. Longer for requests OBS answers only once it has done them: loading
/// a scene collection took OBS 32 longer than the 5 s of other requests once, on a loaded 2-core
/// machine.
async fn call_within<T, F: std::future::Future<Output = Result<T, ObwsError>>>(limit: Duration, mut f: impl FnMut() -> F) -> Result<T, ObsError> {
    let first = tokio::time::Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let e = match tokio::time::timeout(limit, f()).await {
            Err(_) => return Err(ObsError::Timeout(limit.as_secs())),
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => e,
        };
        match retry_in(&e, attempt, first.elapsed()) {
            Some(wait) => {
                if attempt == 1 {
                    tracing::info!("OBS is not ready (starting, or loading a scene collection or a profile): asking again");
                }
                tokio::time::sleep(wait).await;
            }
            None if not_ready(&e) => return Err(ObsError::NotReady(first.elapsed().as_secs())),
            None => return Err(ObsError::Obs(Box::new(e))),
        }
    }
}

/// The password stays out of the log (the core logs every command).
impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Obs {
    pub fn start(store: Store) -> Arc<Obs> {
        let (events, _) = broadcast::channel(64);
        let obs = Arc::new(Obs {
            store,
            events,
            status: Mutex::default(),
            client: RwLock::new(None),
            changed: Notify::new(),
            meters: Mutex::default(),
            hold_polls: Mutex::default(),
        });
        tokio::spawn(obs.clone().run());
        obs
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ObsEvent> {
        self.events.subscribe()
    }

    pub fn status(&self) -> ObsStatus {
        let mut s = self.status.lock().unwrap().clone();
        s.silent_s = if s.connected { self.silent_for().map(|d| d.as_secs()) } else { None };
        s
    }

    /// How long every OBS audio input has been below the silence level (`None`: no meters yet).
    pub fn silent_for(&self) -> Option<Duration> {
        self.meters.lock().unwrap().silent_for(Instant::now())
    }

    /// An input's last peak level after its fader, in dB.
    pub fn level(&self, input: &str) -> Option<f64> {
        self.meters.lock().unwrap().level(input)
    }

    pub fn connection(&self) -> Option<Connection> {
        let host = self.store.setting("obs_host").ok().flatten()?;
        let port = self.store.setting("obs_port").ok().flatten()?.parse().ok()?;
        let password = self.store.sealed_setting("obs_password").ok().flatten();
        Some(Connection { host, port, password })
    }

    /// Stores where OBS is (the password sealed with the box secret) and reconnects.
    pub fn configure(&self, c: Connection) -> Result<(), crate::store::StoreError> {
        self.store.set_setting("obs_host", &c.host)?;
        self.store.set_setting("obs_port", &c.port.to_string())?;
        self.store.set_sealed_setting("obs_password", c.password.as_deref())?;
        self.changed.notify_one();
        Ok(())
    }

    pub async fn client(&self) -> Result<Arc<obws::Client>, ObsError> {
        if let Some(c) = self.client.read().await.clone() {
            return Ok(c);
        }
        let st = self.status();
        if !st.configured {
            return Err(ObsError::NotConfigured);
        }
        Err(ObsError::NotConnected(st.error.unwrap_or_else(|| "connecting".into())))
    }

    fn set(&self, f: impl FnOnce(&mut ObsStatus)) {
        f(&mut self.status.lock().unwrap());
    }

    async fn run(self: Arc<Self>) {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        loop {
            let Some(conn) = self.connection() else {
                self.set(|s| *s = ObsStatus::default());
                self.changed.notified().await;
                continue;
            };
            self.set(|s| s.configured = true);
            let connected = tokio::time::timeout(Duration::from_secs(10), compat::connect(&conn)).await;
            match connected {
                Ok(Ok(client)) => {
                    backoff.reset();
                    let client = Arc::new(client);
                    let err = self.session(client.clone()).await;
                    *self.client.write().await = None;
                    if let Ok(mut c) = Arc::try_unwrap(client) {
                        let _ = tokio::time::timeout(Duration::from_secs(2), c.disconnect()).await;
                    }
                    tracing::warn!("OBS connection ended: {err}");
                    self.set(|s| {
                        *s = ObsStatus { configured: true, error: Some(err.clone()), ..Default::default() };
                    });
                    let _ = self.events.send(ObsEvent::Disconnected { error: Some(err) });
                }
                Ok(Err(e)) => {
                    let msg = compat::describe_connect_error(&e, &conn);
                    self.set(|s| {
                        *s = ObsStatus { configured: true, error: Some(msg.clone()), ..Default::default() };
                    });
                }
                Err(_) => self.set(|s| {
                    *s = ObsStatus { configured: true, error: Some(format!("OBS at {}:{} did not answer", conn.host, conn.port)), ..Default::default() };
                }),
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff.next_delay()) => {}
                _ = self.changed.notified() => {}
            }
        }
    }

    /// One connected session: events and stats until OBS goes away or the settings change.
    async fn session(&self, client: Arc<obws::Client>) -> String {
        let c: &obws::Client = &client;
        let version = match call(|| async move { c.general().version().await }).await {
            Ok(v) => v,
            Err(e) => return e.to_string(),
        };
        let events = match client.events() {
            Ok(e) => e,
            Err(e) => return e.to_string(),
        };
        tokio::pin!(events);
        *self.client.write().await = Some(client.clone());
        self.set(|s| {
            s.connected = true;
            s.error = None;
            s.version = Some(version.obs_studio_version.to_string());
            s.websocket_version = Some(version.obs_web_socket_version.to_string());
        });
        let profile = call(|| async move { c.profiles().current().await }).await.ok();
        let collection = call(|| async move { c.scene_collections().current().await }).await.ok();
        self.set(|s| {
            s.profile = profile;
            s.collection = collection;
        });
        self.meters.lock().unwrap().reset();
        // The meters are a high-volume event OBS sends only when asked.
        use obws::requests::EventSubscription as Sub;
        if let Err(e) = call(|| async move { c.reidentify(Sub::ALL | Sub::INPUT_VOLUME_METERS).await }).await {
            tracing::warn!("OBS will not send audio meters: {e}");
        }
        tracing::info!(version = %version.obs_studio_version, websocket = %version.obs_web_socket_version, "OBS connected");
        let _ = self.events.send(ObsEvent::Connected { version: version.obs_studio_version.to_string() });
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        let mut last_bytes: Option<(u64, Instant)> = None;
        loop {
            tokio::select! {
                _ = self.changed.notified() => return "connection settings changed".into(),
                e = events.next() => match e {
                    None => return "OBS closed the connection".into(),
                    Some(obws::events::Event::InputVolumeMeters { inputs }) => {
                        let inputs: Vec<(String, Vec<[f32; 3]>)> = inputs.into_iter().map(|i| (i.name, i.levels)).collect();
                        if let Some(levels) = self.meters.lock().unwrap().report(&inputs, Instant::now()) {
                            let _ = self.events.send(ObsEvent::Levels { levels });
                        }
                    }
                    Some(ev) => {
                        match &ev {
                            obws::events::Event::CurrentSceneCollectionChanging { .. } | obws::events::Event::CurrentProfileChanging { .. } => self.hold_polls_for(control::SWITCH),
                            obws::events::Event::CurrentSceneCollectionChanged { .. } | obws::events::Event::CurrentProfileChanged { .. } => self.hold_polls_for(Duration::from_secs(1)),
                            _ => {}
                        }
                        if let Some(ev) = compat::event(ev) {
                        match &ev {
                            ObsEvent::SceneChanged { scene, uuid } => self.set(|s| {
                                s.scene = Some(scene.clone());
                                s.scene_uuid = uuid.clone();
                            }),
                            ObsEvent::SceneRenamed { scene, old, uuid } => self.set(|s| {
                                if compat::same(s.scene.as_deref(), s.scene_uuid.as_deref(), old, uuid.as_deref()) {
                                    s.scene = Some(scene.clone());
                                }
                            }),
                            ObsEvent::StreamChanged { active } => self.set(|s| s.streaming = *active),
                            ObsEvent::RecordChanged { active, path } => self.set(|s| {
                                s.recording = *active;
                                if path.is_some() && !*active {
                                    s.last_recording = path.clone();
                                }
                            }),
                            ObsEvent::ProfileChanged { profile } => self.set(|s| s.profile = Some(profile.clone())),
                            ObsEvent::CollectionChanged { collection } => self.set(|s| s.collection = Some(collection.clone())),
                            _ => {}
                        }
                        let exiting = matches!(ev, ObsEvent::Exiting);
                        let _ = self.events.send(ev);
                        if exiting {
                            return "OBS is exiting".into();
                        }
                    }
                    }
                },
                _ = tick.tick(), if !self.polls_held() => {
                    match self.poll(&client, &mut last_bytes).await {
                        Ok(()) => {}
                        // OBS said "not ready" for longer than a poll waits (a long load), or a
                        // switch began while this poll waited: the session goes on.
                        Err(e @ ObsError::NotReady(_)) => tracing::info!("OBS poll: {e}"),
                        Err(e) if self.polls_held() => tracing::debug!("OBS poll during a switch: {e}"),
                        Err(e) => return e.to_string(),
                    }
                }
            }
        }
    }

    /// No poll for `d` from now (a switch began: up to its limit; it ended: a second's grace).
    fn hold_polls_for(&self, d: Duration) {
        *self.hold_polls.lock().unwrap() = Some(Instant::now() + d);
    }

    fn polls_held(&self) -> bool {
        self.hold_polls.lock().unwrap().is_some_and(|t| Instant::now() < t)
    }

    async fn poll(&self, c: &obws::Client, last: &mut Option<(u64, Instant)>) -> Result<(), ObsError> {
        let stats = call(|| async move { c.general().stats().await }).await?;
        let stream = call(|| async move { c.streaming().status().await }).await?;
        let record = call(|| async move { c.recording().status().await }).await?;
        let scene = compat::program_scene(c).await?;
        let kbps = match (*last, stream.active) {
            (Some((b, t)), true) if stream.bytes >= b => ((stream.bytes - b) as f64 * 8.0 / 1000.0 / t.elapsed().as_secs_f64().max(0.1)) as u32,
            _ => 0,
        };
        *last = Some((stream.bytes, Instant::now()));
        self.set(|s| {
            s.scene = Some(scene.name);
            s.scene_uuid = scene.uuid.map(|u| u.to_string());
            s.streaming = stream.active;
            s.recording = record.active;
            s.kbps = kbps;
            s.dropped_frames = stream.skipped_frames;
            s.total_frames = stream.total_frames;
            s.render_skipped_frames = stats.render_skipped_frames;
            s.cpu_pct = (stats.cpu_usage * 10.0).round() / 10.0;
            s.render_ms = (stats.average_frame_render_time * 100.0).round() / 100.0;
        });
        Ok(())
    }

    /// The current program scene and every scene, top of the list first (as OBS shows them).
    pub async fn scenes(&self) -> Result<(Option<Named>, Vec<Named>), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        compat::scenes(c).await
    }

    /// Switches the program scene: by its UUID where OBS gave one, so a rename in between does
    /// not matter.
    pub async fn set_scene(&self, scene: &Named) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        call(|| async move { c.scenes().set_current_program_scene(scene.scene_id()).await }).await
    }

    pub async fn next_scene(&self) -> Result<String, ObsError> {
        let (cur, list) = self.scenes().await?;
        if list.is_empty() {
            return Err(ObsError::Lacks("it has no scenes"));
        }
        let i = cur.and_then(|c| list.iter().position(|s| s.is(&c))).map(|i| (i + 1) % list.len()).unwrap_or(0);
        self.set_scene(&list[i]).await?;
        Ok(list[i].name.clone())
    }

    pub async fn stream(&self, start: bool) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        if start {
            call(|| async move { c.streaming().start().await }).await
        } else {
            call(|| async move { c.streaming().stop().await }).await
        }
    }

    pub async fn record(&self, start: bool) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        if start {
            call(|| async move { c.recording().start().await }).await
        } else {
            call(|| async move { c.recording().stop().await }).await.map(|_| ())
        }
    }

    /// Points OBS's stream output at the box (custom RTMP service).
    pub async fn setup_stream(&self, server: &str, key: &str) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        compat::set_custom_service(c, server, key).await
    }

    pub async fn browser_source(&self, scene: &str, name: &str, url: &str, width: u32, height: u32) -> Result<(), ObsError> {
        let c = self.client().await?;
        let c = &*c;
        compat::upsert_browser_source(c, scene, name, url, width, height).await
    }

    /// A guest as a source in `scene`: see [`compat::upsert_guest_source`].
    pub async fn guest_source(&self, scene: &str, name: &str, g: &compat::GuestSource) -> Result<&'static str, ObsError> {
        let c = self.client().await?;
        compat::upsert_guest_source(&c, scene, name, g).await
    }

    pub fn is_connected(&self) -> bool {
        self.status.lock().unwrap().connected
    }

    pub fn autostart(&self) -> bool {
        self.store.setting("obs_autostart").ok().flatten().is_none_or(|v| v != "false")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api(code: StatusCode) -> ObwsError {
        ObwsError::Api { code, message: None }
    }

    #[test]
    fn only_not_ready_is_retried_briefly_and_for_30_s_at_most() {
        let nr = api(StatusCode::NotReady);
        assert_eq!(retry_in(&nr, 1, Duration::ZERO), Some(Duration::from_millis(100)));
        assert_eq!(retry_in(&nr, 2, Duration::from_millis(100)), Some(Duration::from_millis(250)));
        assert_eq!(retry_in(&nr, 50, Duration::from_millis(29_750)), Some(Duration::from_millis(250)));
        assert_eq!(retry_in(&nr, 51, Duration::from_millis(29_800)), None, "30 s in all");
        for e in [api(StatusCode::ResourceNotFound), api(StatusCode::GenericError), ObwsError::Disconnected] {
            assert_eq!(retry_in(&e, 1, Duration::ZERO), None, "{e:?} is an answer");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_is_sent_again_until_obs_is_ready() {
        let mut tries = 0;
        let t0 = tokio::time::Instant::now();
        let r = call(|| {
            tries += 1;
            let n = tries;
            async move {
                if n <= 3 {
                    Err(api(StatusCode::NotReady))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 4);
        assert_eq!(t0.elapsed(), Duration::from_millis(600), "100 + 250 + 250 ms");
        // Another error is the answer at once.
        let mut tries = 0;
        let r: Result<(), _> = call(|| {
            tries += 1;
            async { Err(api(StatusCode::ResourceNotFound)) }
        })
        .await;
        assert!(matches!(r, Err(ObsError::Obs(_))) && tries == 1);
        // Never ready: given up after 30 s, said as such (not as OBS refusing).
        let t0 = tokio::time::Instant::now();
        let mut tries = 0;
        let r: Result<(), _> = call(|| {
            tries += 1;
            async { Err(api(StatusCode::NotReady)) }
        })
        .await;
        assert!(matches!(r, Err(ObsError::NotReady(29 | 30))), "{r:?}");
        assert!(t0.elapsed() <= NOT_READY_FOR && t0.elapsed() > Duration::from_secs(29), "{:?}", t0.elapsed());
        assert_eq!(tries, 1 + 1 + (NOT_READY_FOR.as_millis() as usize - 100) / 250, "every 250 ms");
    }

    #[tokio::test]
    async fn obs_29_is_spoken_to_and_a_not_ready_scene_list_is_asked_again() {
        let fake = fake::serve(|ty, n| (ty == "GetSceneList" && n < 2).then(|| (207, json!({})))).await;
        let conn = Connection { host: "127.0.0.1".into(), port: fake.port, password: None };
        let c = compat::connect(&conn).await.expect("obws accepts OBS 29 (obs-websocket 5.1)");
        let (current, list) = compat::scenes(&c).await.unwrap();
        assert_eq!(fake.count("GetSceneList"), 3, "two 'not ready', then the list");
        assert_eq!(current, Some(Named { name: "Scene".into(), uuid: None }));
        assert_eq!(list.iter().map(|s| (s.name.as_str(), s.uuid)).collect::<Vec<_>>(), [("Scene", None), ("Second", None)], "top first, no UUIDs");
        assert_eq!(compat::program_scene(&c).await.unwrap().name, "Scene");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_session_lives_through_not_ready_polls_and_follows_a_rename() {
        // The first stats polls are told "not ready" for about 1.6 s (OBS loading a collection).
        let uuid = "0b3c3a4e-8f51-4c1b-a2a4-6f1d2b9e7c55";
        let fake = fake::serve(move |ty, n| match ty {
            "GetStats" if n < 7 => Some((207, json!({}))),
            "GetSceneList" => Some((100, json!({"currentProgramSceneName": "Scene", "currentProgramSceneUuid": uuid, "scenes": [{"sceneIndex": 0, "sceneName": "Scene", "sceneUuid": uuid}]}))),
            _ => None,
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let obs = Obs::start(Store::open(dir.path()).unwrap());
        let mut events = obs.subscribe();
        // The bridge waits for settings first (told before it waits, it would reconnect once).
        tokio::time::sleep(Duration::from_millis(100)).await;
        obs.configure(Connection { host: "127.0.0.1".into(), port: fake.port, password: None }).unwrap();
        let until = |what: &'static str, f: &dyn Fn(&ObsStatus) -> bool| {
            let t0 = Instant::now();
            while !f(&obs.status()) {
                assert!(t0.elapsed() < Duration::from_secs(10), "{what}: {:?}", obs.status());
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        until("connects", &|s| s.connected);
        tokio::time::sleep(Duration::from_millis(100)).await;
        until("polls once OBS is ready", &|s| s.scene.is_some());
        let st = obs.status();
        assert!(st.connected && st.error.is_none(), "{st:?}");
        assert_eq!((st.scene.as_deref(), st.scene_uuid.as_deref(), st.cpu_pct), (Some("Scene"), Some(uuid), 1.5));
        assert_eq!(fake.count("GetStats"), 8, "7 'not ready', then the stats");
        // Renamed in OBS: the same UUID, a new name.
        fake.events
            .send(json!({"eventType": "SceneNameChanged", "eventIntent": 4, "eventData": {"sceneUuid": uuid, "oldSceneName": "Scene", "sceneName": "Main"}}))
            .unwrap();
        until("follows the rename", &|s| s.scene.as_deref() == Some("Main"));
        let mut seen = vec![];
        while let Ok(e) = events.try_recv() {
            seen.push(e);
        }
        assert!(seen.iter().all(|e| !matches!(e, ObsEvent::Disconnected { .. })), "{seen:?}");
        assert!(
            seen.iter().any(|e| matches!(e, ObsEvent::SceneRenamed { scene, old, uuid: Some(u) } if scene == "Main" && old == "Scene" && u == uuid)),
            "{seen:?}"
        );
    }

    #[test]
    fn events_without_uuids_read_as_names() {
        // obs-websocket 5.1's shapes (OBS 29): no sceneUuid / inputUuid.
        let ev =
            |ty: &str, data: serde_json::Value| compat::event(serde_json::from_value(json!({"eventType": ty, "eventIntent": 4, "eventData": data})).unwrap());
        assert!(
            matches!(ev("CurrentProgramSceneChanged", json!({"sceneName": "Second"})), Some(ObsEvent::SceneChanged { scene, uuid: None }) if scene == "Second")
        );
        assert!(
            matches!(ev("InputMuteStateChanged", json!({"inputName": "Mic", "inputMuted": true})), Some(ObsEvent::InputMuted { input, uuid: None, muted: true }) if input == "Mic")
        );
        assert!(
            matches!(ev("SceneNameChanged", json!({"oldSceneName": "A", "sceneName": "B"})), Some(ObsEvent::SceneRenamed { scene, old, uuid: None }) if scene == "B" && old == "A")
        );
        assert!(matches!(
            ev("SceneItemEnableStateChanged", json!({"sceneName": "Scene", "sceneItemId": 2, "sceneItemEnabled": false})),
            Some(ObsEvent::SceneItemChanged { id: 2, enabled: false, .. })
        ));
        // 5.3+ (OBS 30+): the UUIDs come along.
        let u = "6f9a1f6e-2c1b-4d37-9a5e-0c8d2f1b7a11";
        assert!(
            matches!(ev("InputNameChanged", json!({"inputUuid": u, "oldInputName": "Mic", "inputName": "Voice"})), Some(ObsEvent::InputRenamed { uuid: Some(x), .. }) if x == u)
        );
    }
}
