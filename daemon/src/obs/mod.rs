//! OBS bridge over obs-websocket 5 (`obws`): keeps a connection to the user's OBS, reconnects by
//! itself, reports OBS's own stats, and carries the OBS commands. Every call has a timeout, so an
//! OBS that hangs never holds the box up. Owns the connection; its calls come from the core only
//! (commands and the Go Live autostart), its events go to the core.
mod compat;
pub mod control;
pub mod meters;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::{broadcast, Notify, RwLock};

use crate::backoff::Backoff;
use crate::store::Store;

const CALL: Duration = Duration::from_secs(5);

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ObsStatus {
    pub configured: bool,
    pub connected: bool,
    pub version: Option<String>,
    pub websocket_version: Option<String>,
    pub scene: Option<String>,
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
    SceneChanged {
        scene: String,
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
        muted: bool,
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
    /// OBS answered with an error, or the websocket failed mid-request: obws's own error, kept.
    #[error("OBS refused: {0}")]
    Obs(#[source] Box<obws::Error>),
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
    /// picked in OBS itself). Meanwhile it answers "not ready" (code 207), which obws 0.11 cannot
    /// read: the request then hangs, and a hung poll would end the session mid-switch.
    hold_polls: Mutex<Option<Instant>>,
}

async fn call<T>(f: impl std::future::Future<Output = Result<T, obws::Error>>) -> Result<T, ObsError> {
    call_within(CALL, f).await
}

/// For requests OBS answers only once it has done them: loading a scene collection took OBS 32
/// longer than the 5 s of other requests once, on a loaded 2-core machine.
async fn call_within<T>(limit: Duration, f: impl std::future::Future<Output = Result<T, obws::Error>>) -> Result<T, ObsError> {
    match tokio::time::timeout(limit, f).await {
        Err(_) => Err(ObsError::Timeout(limit.as_secs())),
        Ok(Err(e)) => Err(ObsError::Obs(Box::new(e))),
        Ok(Ok(v)) => Ok(v),
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
            let connected = tokio::time::timeout(Duration::from_secs(5), obws::Client::connect(&conn.host, conn.port, conn.password.as_deref())).await;
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
        let version = match call(client.general().version()).await {
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
            s.version = Some(version.obs_version.to_string());
            s.websocket_version = Some(version.obs_web_socket_version.to_string());
        });
        let profile = call(client.profiles().current()).await.ok();
        let collection = call(client.scene_collections().current()).await.ok();
        self.set(|s| {
            s.profile = profile;
            s.collection = collection;
        });
        self.meters.lock().unwrap().reset();
        // The meters are a high-volume event OBS sends only when asked.
        use obws::requests::EventSubscription as Sub;
        if let Err(e) = call(client.reidentify(Sub::ALL | Sub::INPUT_VOLUME_METERS)).await {
            tracing::warn!("OBS will not send audio meters: {e}");
        }
        tracing::info!(version = %version.obs_version, "OBS connected");
        let _ = self.events.send(ObsEvent::Connected { version: version.obs_version.to_string() });
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
                            ObsEvent::SceneChanged { scene } => self.set(|s| s.scene = Some(scene.clone())),
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
                        // A switch began while this poll waited: OBS said "not ready" to it.
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
        let stats = call(c.general().stats()).await?;
        let stream = call(c.streaming().status()).await?;
        let record = call(c.recording().status()).await?;
        let scene = call(c.scenes().current_program_scene()).await?;
        let kbps = match (*last, stream.active) {
            (Some((b, t)), true) if stream.bytes >= b => ((stream.bytes - b) as f64 * 8.0 / 1000.0 / t.elapsed().as_secs_f64().max(0.1)) as u32,
            _ => 0,
        };
        *last = Some((stream.bytes, Instant::now()));
        self.set(|s| {
            s.scene = Some(scene);
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

    pub async fn scenes(&self) -> Result<(Option<String>, Vec<String>), ObsError> {
        let c = self.client().await?;
        let s = call(c.scenes().list()).await?;
        let mut list: Vec<_> = s.scenes;
        // OBS lists scenes bottom-up; show them as the OBS window does.
        list.sort_by_key(|s| std::cmp::Reverse(s.index));
        Ok((s.current_program_scene_name, list.into_iter().map(|x| x.name).collect()))
    }

    pub async fn set_scene(&self, name: &str) -> Result<(), ObsError> {
        let c = self.client().await?;
        call(c.scenes().set_current_program_scene(name)).await
    }

    pub async fn next_scene(&self) -> Result<String, ObsError> {
        let (cur, list) = self.scenes().await?;
        if list.is_empty() {
            return Err(ObsError::Lacks("it has no scenes"));
        }
        let i = cur.and_then(|c| list.iter().position(|s| *s == c)).map(|i| (i + 1) % list.len()).unwrap_or(0);
        self.set_scene(&list[i]).await?;
        Ok(list[i].clone())
    }

    pub async fn stream(&self, start: bool) -> Result<(), ObsError> {
        let c = self.client().await?;
        if start {
            call(c.streaming().start()).await
        } else {
            call(c.streaming().stop()).await
        }
    }

    pub async fn record(&self, start: bool) -> Result<(), ObsError> {
        let c = self.client().await?;
        if start {
            call(c.recording().start()).await
        } else {
            call(c.recording().stop()).await.map(|_| ())
        }
    }

    /// Points OBS's stream output at the box (custom RTMP service).
    pub async fn setup_stream(&self, server: &str, key: &str) -> Result<(), ObsError> {
        let c = self.client().await?;
        compat::set_custom_service(&c, server, key).await
    }

    pub async fn browser_source(&self, scene: &str, name: &str, url: &str, width: u32, height: u32) -> Result<(), ObsError> {
        let c = self.client().await?;
        compat::upsert_browser_source(&c, scene, name, url, width, height).await
    }

    pub fn is_connected(&self) -> bool {
        self.status.lock().unwrap().connected
    }

    pub fn autostart(&self) -> bool {
        self.store.setting("obs_autostart").ok().flatten().is_none_or(|v| v != "false")
    }
}
