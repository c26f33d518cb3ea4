//! The parts that depend on the obs-websocket version. obws 0.15 speaks obs-websocket 5.0-5.7
//! (OBS 28-32); it checks for OBS 30.2+ at connect and reads UUIDs, which obs-websocket 5.3+
//! (OBS 30+) gives for scenes and inputs. OBS 29 (obs-websocket 5.1, Debian bookworm's) gives none:
//! our obws (vendor/obws) reads a missing UUID as the nil UUID, which here is "none", and the box
//! names things by their names then. Keep every version-specific call here.
use obws::client::{ConnectConfig, DangerousConnectConfig, DEFAULT_BROADCAST_CAPACITY};
use obws::error::Error;
use obws::events::Event;
use obws::requests::inputs::{Create, InputId, SetSettings};
use obws::requests::scenes::SceneId;
use uuid::Uuid;

use super::{call, Connection, ObsError, ObsEvent};

/// A scene or an input as the bridge holds it: OBS's name for it and, from OBS 30 on, its UUID,
/// which stays the same when it is renamed in OBS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub name: String,
    pub uuid: Option<Uuid>,
}

impl Named {
    pub fn new(name: String, uuid: Uuid) -> Named {
        Named { name, uuid: known(uuid) }
    }

    /// How a request names it: by UUID where OBS gave one, else by name.
    pub fn scene_id(&self) -> SceneId<'_> {
        self.uuid.map_or(SceneId::Name(&self.name), SceneId::Uuid)
    }

    pub fn input_id(&self) -> InputId<'_> {
        self.uuid.map_or(InputId::Name(&self.name), InputId::Uuid)
    }

    /// The same scene or input: the same UUID, or the same name when either has none.
    pub fn is(&self, other: &Named) -> bool {
        match (self.uuid, other.uuid) {
            (Some(a), Some(b)) => a == b,
            _ => self.name == other.name,
        }
    }

    /// What a client may name it by: its name, or its UUID.
    pub fn answers_to(&self, name_or_uuid: &str) -> bool {
        self.name == name_or_uuid || self.uuid.is_some_and(|u| Uuid::parse_str(name_or_uuid) == Ok(u))
    }

    pub fn uuid_string(&self) -> Option<String> {
        self.uuid.map(|u| u.to_string())
    }
}

/// The nil UUID is what an OBS before 30 left out.
fn known(u: Uuid) -> Option<Uuid> {
    (!u.is_nil()).then_some(u)
}

fn known_string(u: Uuid) -> Option<String> {
    known(u).map(|u| u.to_string())
}

/// Whether a renamed thing (`old`, `uuid` from the rename event) is the one held as `name`/`held`.
pub fn same(name: Option<&str>, held: Option<&str>, old: &str, uuid: Option<&str>) -> bool {
    match (held, uuid) {
        (Some(a), Some(b)) => a == b,
        _ => name == Some(old),
    }
}

/// Connects: obws refuses an OBS before 30.2 (obs-websocket 5.5), yet speaks the requests the box
/// sends to OBS 28+ (obs-websocket 5.0), so an older OBS is connected to again with obws's version
/// checks off (asked for only then: obws warns of it on every connect). The same events as obws's
/// default (all but the high-volume ones; the session asks for the meters itself). No TLS:
/// obs-websocket has none.
pub async fn connect(c: &Connection) -> Result<obws::Client, Error> {
    let config = |older: bool| ConnectConfig {
        host: c.host.as_str(),
        port: c.port,
        password: c.password.as_deref(),
        event_subscriptions: None,
        broadcast_capacity: DEFAULT_BROADCAST_CAPACITY,
        connect_timeout: std::time::Duration::from_secs(5),
        dangerous: older.then_some(DangerousConnectConfig { skip_studio_version_check: true, skip_websocket_version_check: true }),
    };
    match obws::Client::connect_with_config(config(false)).await {
        Err(e @ (Error::ObsStudioVersion(..) | Error::ObsWebsocketVersion(..))) => {
            tracing::debug!("{e}: connecting without obws's version check");
            obws::Client::connect_with_config(config(true)).await
        }
        r => r,
    }
}

pub fn event(e: Event) -> Option<ObsEvent> {
    Some(match e {
        Event::CurrentProgramSceneChanged { id } => ObsEvent::SceneChanged { uuid: known_string(id.uuid), scene: id.name },
        Event::SceneNameChanged { uuid, old_name, new_name } => ObsEvent::SceneRenamed { scene: new_name, old: old_name, uuid: known_string(uuid) },
        Event::StreamStateChanged { active, .. } => ObsEvent::StreamChanged { active },
        Event::RecordStateChanged { active, path, .. } => ObsEvent::RecordChanged { active, path },
        Event::CurrentProfileChanged { name } => ObsEvent::ProfileChanged { profile: name },
        Event::CurrentSceneCollectionChanged { name } => ObsEvent::CollectionChanged { collection: name },
        Event::SceneItemEnableStateChanged { scene, item_id, enabled } => ObsEvent::SceneItemChanged { scene: scene.name, id: item_id as i64, enabled },
        Event::InputMuteStateChanged { id, muted } => ObsEvent::InputMuted { uuid: known_string(id.uuid), input: id.name, muted },
        Event::InputNameChanged { uuid, old_name, new_name } => ObsEvent::InputRenamed { input: new_name, old: old_name, uuid: known_string(uuid) },
        Event::ExitStarted => ObsEvent::Exiting,
        _ => return None,
    })
}

pub fn describe_connect_error(e: &Error, c: &Connection) -> String {
    let text = e.to_string();
    let lower = format!("{e:?} {text}").to_lowercase();
    if matches!(e, Error::Api { code: obws::responses::StatusCode::NotReady, .. }) {
        "OBS is starting (it answers \"not ready\")".into()
    } else if lower.contains("auth") || lower.contains("4009") || lower.contains("password") {
        "OBS refused the password (Tools → WebSocket Server Settings)".into()
    } else if lower.contains("refused") || lower.contains("connect") {
        format!("OBS is not reachable at {}:{} (is OBS running with its WebSocket server on?)", c.host, c.port)
    } else {
        format!("cannot connect to OBS: {text}")
    }
}

/// From the scene list: obws reads GetCurrentProgramScene's `sceneName`, which obs-websocket
/// 5.3 added (5.1 says `currentProgramSceneName`); the list has that name in every 5.x.
pub async fn program_scene(c: &obws::Client) -> Result<Named, ObsError> {
    scenes(c).await?.0.ok_or(ObsError::Lacks("it has no program scene"))
}

/// The current program scene and every scene, top of the list first (OBS lists them bottom-up).
pub async fn scenes(c: &obws::Client) -> Result<(Option<Named>, Vec<Named>), ObsError> {
    let s = call(|| async move { c.scenes().list().await }).await?;
    let mut list = s.scenes;
    list.sort_by_key(|s| std::cmp::Reverse(s.index));
    let current = s.current_program_scene.filter(|c| !c.name.is_empty()).map(|c| Named::new(c.name, c.uuid));
    Ok((current, list.into_iter().map(|x| Named::new(x.id.name, x.id.uuid)).collect()))
}

/// Every input (of `kind`, if given).
pub async fn inputs(c: &obws::Client, kind: Option<&str>) -> Result<Vec<(Named, String)>, ObsError> {
    let list = call(|| async move { c.inputs().list(kind).await }).await?;
    Ok(list.into_iter().map(|i| (Named::new(i.id.name, i.id.uuid), i.kind)).collect())
}

pub async fn set_custom_service(c: &obws::Client, server: &str, key: &str) -> Result<(), ObsError> {
    let settings = &serde_json::json!({"server": server, "key": key, "use_auth": false, "bwtest": false});
    call(|| async move { c.config().set_stream_service_settings("rtmp_custom", settings).await }).await
}

pub async fn upsert_browser_source(c: &obws::Client, scene: &str, name: &str, url: &str, width: u32, height: u32) -> Result<(), ObsError> {
    if !has_kind(c, "browser_source").await? {
        return Err(ObsError::Lacks("this OBS has no Browser Source (the obs-browser plugin; Debian's obs-studio package leaves it out)"));
    }
    upsert_input(c, scene, name, "browser_source", &browser_settings(url, width, height)).await
}

fn browser_settings(url: &str, width: u32, height: u32) -> serde_json::Value {
    serde_json::json!({"url": url, "width": width, "height": height, "reroute_audio": true})
}

/// A Media Source (ffmpeg) playing the box's live Matroska stream of a guest: as soon as it can
/// (no network buffer), reconnecting a second after the stream ends. Not `fflags=nobuffer`: ffmpeg
/// then drops the keyframe it read while probing, and waits for the next one.
fn media_settings(url: &str) -> serde_json::Value {
    serde_json::json!({
        "is_local_file": false, "input": url, "input_format": "matroska", "buffering_mb": 0,
        "reconnect_delay_sec": 1, "restart_on_activate": false, "close_when_inactive": false,
        "clear_on_media_end": false, "hw_decode": false
    })
}

async fn has_kind(c: &obws::Client, kind: &str) -> Result<bool, ObsError> {
    let kinds = call(|| async move { c.inputs().list_kinds(false).await }).await?;
    Ok(kinds.iter().any(|k| k == kind))
}

/// Which source a guest becomes in OBS.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceChoice {
    /// A Browser Source where OBS has one (WebRTC, the lowest delay), else a Media Source.
    #[default]
    Auto,
    Browser,
    Media,
}

/// Where a guest's (or the grid's) picture comes from: its view page (a Browser Source), its
/// Matroska stream (a Media Source).
#[derive(Debug, Clone)]
pub struct GuestSource {
    pub browser_url: String,
    pub media_url: Option<String>,
    pub width: u32,
    pub height: u32,
    pub choice: SourceChoice,
}

/// Adds (or points again) the source `name` in `scene` at a guest; returns the input kind used.
pub async fn upsert_guest_source(c: &obws::Client, scene: &str, name: &str, g: &GuestSource) -> Result<&'static str, ObsError> {
    let browser = g.choice != SourceChoice::Media && has_kind(c, "browser_source").await?;
    if g.choice == SourceChoice::Browser && !browser {
        return Err(ObsError::Lacks("this OBS has no Browser Source (the obs-browser plugin; Debian's obs-studio package leaves it out)"));
    }
    if browser {
        upsert_input(c, scene, name, "browser_source", &browser_settings(&g.browser_url, g.width, g.height)).await?;
        return Ok("browser_source");
    }
    let Some(url) = &g.media_url else {
        return Err(ObsError::Lacks("this source needs a Browser Source"));
    };
    upsert_input(c, scene, name, "ffmpeg_source", &media_settings(url)).await?;
    Ok("ffmpeg_source")
}

/// Creates input `name` of `kind` in `scene`, or sets the settings of the one already there.
async fn upsert_input(c: &obws::Client, scene: &str, name: &str, kind: &str, settings: &serde_json::Value) -> Result<(), ObsError> {
    let existing = inputs(c, Some(kind)).await?;
    if let Some((input, _)) = existing.iter().find(|(i, _)| i.name == name) {
        call(|| async move { c.inputs().set_settings(SetSettings { input: input.input_id(), settings, overlay: Some(true) }).await }).await
    } else {
        call(
            || async move { c.inputs().create(Create { scene: SceneId::Name(scene), input: name, kind, settings: Some(settings), enabled: Some(true) }).await },
        )
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_uuid_falls_back_to_the_name() {
        let old = Named::new("Scene".into(), Uuid::nil());
        assert_eq!(old.uuid, None, "OBS 29 sends no UUID: obws reads nil");
        assert_eq!(old.scene_id(), SceneId::Name("Scene"));
        let u = Uuid::parse_str("6f9a1f6e-2c1b-4d37-9a5e-0c8d2f1b7a11").unwrap();
        let new = Named::new("Scene".into(), u);
        assert_eq!(new.scene_id(), SceneId::Uuid(u));
        assert_eq!(new.input_id(), InputId::Uuid(u));
        // Renamed in OBS: the UUID still says it is the same scene; without UUIDs, the name decides.
        let renamed = Named::new("Main".into(), u);
        assert!(renamed.is(&new) && !renamed.is(&Named::new("Main".into(), Uuid::from_u128(7))));
        assert!(old.is(&Named::new("Scene".into(), u)) && !old.is(&renamed));
        assert!(new.answers_to("Scene") && new.answers_to("6F9A1F6E-2C1B-4D37-9A5E-0C8D2F1B7A11") && !old.answers_to(&u.to_string()));
        // A rename event against what the bridge holds.
        let held = u.to_string();
        assert!(same(Some("Scene"), Some(&held), "Scene", Some(&held)));
        assert!(!same(Some("Scene"), Some(&held), "Scene", Some("00000000-0000-0000-0000-000000000001")), "another scene once called that");
        assert!(same(Some("Scene"), None, "Scene", None) && !same(Some("Scene"), None, "Other", None));
    }
}
