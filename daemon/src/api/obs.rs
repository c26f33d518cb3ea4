//! OBS over HTTP: where OBS is, scenes, stream/record, one-click stream set-up, browser sources and
//! guests as sources.
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::AppState;
use crate::core::Command;
use crate::obs::compat::{GuestSource, SourceChoice};
use crate::obs::Connection;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnBody {
    host: String,
    port: u16,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    autostart: Option<bool>,
}

pub async fn set_connection(State(st): State<AppState>, Json(b): Json<ConnBody>) -> Result<impl IntoResponse, ApiError> {
    let host = b.host.trim();
    if host.is_empty() || host.len() > 253 || host.contains(['/', ' ', '?', '#']) {
        return Err(ApiError::invalid("host must be a host name or an IP address"));
    }
    if b.port == 0 {
        return Err(ApiError::invalid("port must be 1 to 65535"));
    }
    let connection = Connection { host: host.into(), port: b.port, password: b.password };
    st.core.execute(Command::ConnectObs { connection, autostart: b.autostart }).await?;
    Ok(axum::Json(serde_json::json!({"host": host, "port": b.port, "password_set": true, "autostart": st.core.obs().autostart()})))
}

/// `current` and `scenes` are names (SPEC); `current_uuid` and `uuids` (in the order of `scenes`)
/// are OBS 30+'s UUIDs, `null` from an older OBS.
pub async fn scenes(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let (current, scenes) = st.core.obs().scenes().await?;
    Ok(axum::Json(serde_json::json!({
        "current": current.as_ref().map(|c| &c.name),
        "scenes": scenes.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "current_uuid": current.as_ref().and_then(|c| c.uuid_string()),
        "uuids": scenes.iter().map(|s| s.uuid_string()).collect::<Vec<_>>(),
    })))
}

/// A profile's or a scene collection's name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneBody {
    name: String,
}

/// `{"name"}` (SPEC) or `{"uuid"}` (OBS 30+: still right after the scene is renamed in OBS).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetSceneBody {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    uuid: Option<String>,
}

pub async fn set_scene(State(st): State<AppState>, Json(b): Json<SetSceneBody>) -> Result<impl IntoResponse, ApiError> {
    let which = match (&b.name, &b.uuid) {
        (Some(n), None) => n.clone(),
        (None, Some(u)) => u.clone(),
        _ => return Err(ApiError::invalid("give name or uuid")),
    };
    st.core.execute(Command::ObsScene(which)).await?;
    Ok(axum::Json(match b.name {
        Some(n) => serde_json::json!({"current": n}),
        None => serde_json::json!({"current_uuid": b.uuid}),
    }))
}

pub async fn output(State(st): State<AppState>, Path((what, action)): Path<(String, String)>) -> Result<impl IntoResponse, ApiError> {
    let start = match action.as_str() {
        "start" => true,
        "stop" => false,
        _ => return Err(ApiError::not_found()),
    };
    match what.as_str() {
        "stream" => st.core.execute(Command::ObsStream(start)).await?,
        "record" => st.core.execute(Command::ObsRecord(start)).await?,
        _ => return Err(ApiError::not_found()),
    };
    Ok(axum::Json(serde_json::json!({"ok": true})))
}

/// Writes the box's own ingest URL and key into OBS: the user never types the key.
pub async fn setup_stream(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let obs_host = st.core.obs().connection().map(|c| c.host).unwrap_or_default();
    // An OBS on this machine reaches the box on loopback; one elsewhere by the box's public name.
    let host = if matches!(obs_host.as_str(), "127.0.0.1" | "localhost" | "::1") { "127.0.0.1".to_string() } else { st.cfg.public_host.clone() };
    let server = format!("rtmp://{host}:{}/live", st.cfg.rtmp.port());
    st.core.execute(Command::ObsSetupStream { server: server.clone() }).await?;
    Ok(axum::Json(serde_json::json!({"server": server, "key_set": true})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserSource {
    scene: String,
    name: String,
    url: String,
    #[serde(default = "w")]
    width: u32,
    #[serde(default = "h")]
    height: u32,
}
fn w() -> u32 {
    1280
}
fn h() -> u32 {
    720
}

pub async fn browser_source(State(st): State<AppState>, Json(b): Json<BrowserSource>) -> Result<impl IntoResponse, ApiError> {
    if !(b.url.starts_with("http://") || b.url.starts_with("https://")) {
        return Err(ApiError::invalid("url must be http:// or https://"));
    }
    if b.width == 0 || b.height == 0 || b.width > 7680 || b.height > 4320 {
        return Err(ApiError::invalid("width and height must be 1 to 7680×4320"));
    }
    st.core.execute(Command::ObsBrowserSource { scene: b.scene.clone(), name: b.name.clone(), url: b.url, width: b.width, height: b.height }).await?;
    Ok(axum::Json(serde_json::json!({"scene": b.scene, "name": b.name})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuestSourceBody {
    scene: String,
    /// A guest's id, or `grid`.
    guest: String,
    name: Option<String>,
    #[serde(default = "w")]
    width: u32,
    #[serde(default = "h")]
    height: u32,
    #[serde(default)]
    kind: SourceChoice,
}

/// "Add to scene": a guest (or the grid) as whichever source the connected OBS can show: a
/// Browser Source on its view page, else a Media Source on its Matroska stream.
pub async fn guest_source(State(st): State<AppState>, headers: HeaderMap, Json(b): Json<GuestSourceBody>) -> Result<impl IntoResponse, ApiError> {
    if b.width == 0 || b.height == 0 || b.width > 7680 || b.height > 4320 {
        return Err(ApiError::invalid("width and height must be 1 to 7680×4320"));
    }
    let base = super::guests::base_url(&st, &headers);
    let g = st.core.guests();
    let (browser_url, media_url, default_name) = if b.guest == "grid" {
        let k = g.box_view_token(st.core.store())?;
        (format!("{base}/guests/grid/view?k={k}"), Some(format!("{base}/guests/grid/stream.mkv?k={k}")), "onair guests".to_string())
    } else {
        let info = g.list().into_iter().find(|x| x.id == b.guest).ok_or_else(ApiError::not_found)?;
        let k = g.guest_view_token(st.core.store(), &info.id)?;
        (format!("{base}/guest/{}/view?k={k}", info.id), Some(format!("{base}/guest/{}/stream.mkv?k={k}", info.id)), format!("onair: {}", info.name))
    };
    let name = b.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or(default_name);
    if name.chars().count() > 100 {
        return Err(ApiError::invalid("name must be at most 100 characters"));
    }
    let source = GuestSource { browser_url, media_url, width: b.width, height: b.height, choice: b.kind };
    let kind =
        st.core.execute(Command::ObsGuestSource { scene: b.scene.clone(), name: name.clone(), source: Box::new(source.clone()) }).await?.source_kind()?;
    let url = if kind == "browser_source" { source.browser_url } else { source.media_url.unwrap_or_default() };
    Ok(axum::Json(serde_json::json!({"scene": b.scene, "name": name, "kind": kind, "url": url})))
}

pub async fn profiles(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let p = st.core.obs().profiles().await?;
    Ok(axum::Json(serde_json::json!({"current": p.current, "profiles": p.names})))
}

pub async fn set_profile(State(st): State<AppState>, Json(b): Json<SceneBody>) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::ObsProfile(b.name.clone())).await?;
    Ok(axum::Json(serde_json::json!({"current": b.name})))
}

pub async fn collections(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let c = st.core.obs().collections().await?;
    Ok(axum::Json(serde_json::json!({"current": c.current, "collections": c.names})))
}

pub async fn set_collection(State(st): State<AppState>, Json(b): Json<SceneBody>) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::ObsCollection(b.name.clone())).await?;
    Ok(axum::Json(serde_json::json!({"current": b.name})))
}

pub async fn scene_items(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.obs().scene_items().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemBody {
    enabled: bool,
}

pub async fn set_scene_item(State(st): State<AppState>, Path(id): Path<String>, Json(b): Json<ItemBody>) -> Result<impl IntoResponse, ApiError> {
    let id = super::parse_id(&id)?;
    st.core.execute(Command::ObsSceneItem { id, enabled: b.enabled }).await?;
    Ok(axum::Json(serde_json::json!({"id": id, "enabled": b.enabled})))
}

pub async fn inputs(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.obs().audio_inputs().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputBody {
    #[serde(default)]
    muted: Option<bool>,
    #[serde(default)]
    volume_db: Option<f64>,
}

pub async fn set_input(State(st): State<AppState>, Path(name): Path<String>, Json(b): Json<InputBody>) -> Result<impl IntoResponse, ApiError> {
    use crate::obs::control::VOLUME_DB;
    if b.volume_db.is_some_and(|v| !VOLUME_DB.contains(&v)) {
        return Err(ApiError::invalid(format!("volume_db must be {} to {}", VOLUME_DB.start(), VOLUME_DB.end())));
    }
    if b.muted.is_none() && b.volume_db.is_none() {
        return Err(ApiError::invalid("give muted, volume_db or both"));
    }
    st.core.execute(Command::ObsInput { name: name.clone(), muted: b.muted, volume_db: b.volume_db }).await?;
    Ok(axum::Json(serde_json::json!({"name": name})))
}

pub async fn save_replay(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let file = st.core.execute(Command::ObsReplaySave).await?.file()?;
    Ok(axum::Json(serde_json::json!({"file": file})))
}
