//! The parts that depend on the obs-websocket/obws version. obws 0.11 speaks to OBS 28–29
//! (obs-websocket 5.0–5.2, which Debian ships); OBS 30.2+ (websocket 5.5) needs obws 0.13+, whose
//! scene and input types carry UUIDs. Keep every version-specific call here.
use obws::events::Event;
use obws::requests::inputs::{Create, SetSettings};

use super::{call, Connection, ObsError, ObsEvent};

pub fn event(e: Event) -> Option<ObsEvent> {
    Some(match e {
        Event::CurrentProgramSceneChanged { name } => ObsEvent::SceneChanged { scene: name },
        Event::StreamStateChanged { active, .. } => ObsEvent::StreamChanged { active },
        Event::RecordStateChanged { active, path, .. } => ObsEvent::RecordChanged { active, path },
        Event::CurrentProfileChanged { name } => ObsEvent::ProfileChanged { profile: name },
        Event::CurrentSceneCollectionChanged { name } => ObsEvent::CollectionChanged { collection: name },
        Event::SceneItemEnableStateChanged { scene, item_id, enabled } => ObsEvent::SceneItemChanged { scene, id: item_id as i64, enabled },
        Event::InputMuteStateChanged { name, muted } => ObsEvent::InputMuted { input: name, muted },
        Event::ExitStarted => ObsEvent::Exiting,
        _ => return None,
    })
}

pub fn describe_connect_error(e: &obws::Error, c: &Connection) -> String {
    let text = e.to_string();
    let lower = format!("{e:?} {text}").to_lowercase();
    if lower.contains("auth") || lower.contains("4009") || lower.contains("password") {
        "OBS refused the password (Tools → WebSocket Server Settings)".into()
    } else if lower.contains("refused") || lower.contains("connect") {
        format!("OBS is not reachable at {}:{} (is OBS running with its WebSocket server on?)", c.host, c.port)
    } else {
        format!("cannot connect to OBS: {text}")
    }
}

pub async fn set_custom_service(c: &obws::Client, server: &str, key: &str) -> Result<(), ObsError> {
    let settings = serde_json::json!({"server": server, "key": key, "use_auth": false, "bwtest": false});
    call(c.config().set_stream_service_settings("rtmp_custom", &settings)).await
}

pub async fn upsert_browser_source(c: &obws::Client, scene: &str, name: &str, url: &str, width: u32, height: u32) -> Result<(), ObsError> {
    let kinds = call(c.inputs().list_kinds(false)).await?;
    if !kinds.iter().any(|k| k == "browser_source") {
        return Err(ObsError::Lacks("this OBS has no Browser Source (the obs-browser plugin; Debian's obs-studio package leaves it out)"));
    }
    let settings = serde_json::json!({"url": url, "width": width, "height": height, "reroute_audio": true});
    let existing = call(c.inputs().list(Some("browser_source"))).await?;
    if existing.iter().any(|i| i.name == name) {
        call(c.inputs().set_settings(SetSettings { input: name, settings: &settings, overlay: Some(true) })).await
    } else {
        call(c.inputs().create(Create { scene, input: name, kind: "browser_source", settings: Some(settings), enabled: Some(true) })).await.map(|_| ())
    }
}
