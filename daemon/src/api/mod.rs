//! HTTP API under `/api/v1` (see SPEC.md), the event feed, and the dashboard's static files.
//! Owns the listeners' limits, authentication and the mapping of errors to HTTP. A handler checks
//! its input, sends a `core::Command` and reads state; it never changes the store, the outputs,
//! guests, OBS or platforms itself (logins, sessions and API tokens excepted: they are the door's lock).
pub mod auth;
mod destinations;
pub mod error;
mod guests;
mod headers;
mod history;
mod hosts;
pub mod https;
mod hw;
mod limiter;
pub mod limits;
pub mod listen;
mod live;
mod metrics;
mod notify;
mod obs;
mod platforms;
mod preview;
mod profiles;
mod recordings;
mod slate;
mod system;
mod web;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, post};
use axum::Router;

use crate::config::Config;
use crate::core::Core;
use error::ApiError;

pub const MAX_BODY: usize = 64 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub cfg: Arc<Config>,
    pub login_limit: Arc<limiter::LoginGuard>,
    pub hw: Option<Arc<crate::hwbridge::HwBridge>>,
    pub limits: Arc<limits::Limits>,
    /// The names and addresses the box answers to.
    pub hosts: Arc<hosts::Hosts>,
    /// Places for the dashboard's live previews (`preview::MAX_PREVIEWS`).
    pub previews: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(core: Arc<Core>, cfg: Arc<Config>, hw: Option<Arc<crate::hwbridge::HwBridge>>) -> Self {
        let limits = limits::Limits::new(limits::Caps::for_fd_limit(limits::Limits::fd_limit()));
        let login_limit = Arc::new(limiter::LoginGuard::default());
        if tokio::runtime::Handle::try_current().is_ok() {
            login_limit.spawn_pruner();
        }
        let hosts = Arc::new(hosts::Hosts::new(&cfg.public_host, &cfg.allowed_hosts));
        let previews = Arc::new(tokio::sync::Semaphore::new(preview::MAX_PREVIEWS));
        AppState { core, cfg, login_limit, hw, limits, hosts, previews }
    }
}

pub fn parse_id(s: &str) -> Result<i64, ApiError> {
    s.parse().map_err(|_| ApiError::bad_request(format!("{s:?} is not a valid id")))
}

pub fn router(state: AppState) -> Router {
    let open = Router::new()
        .route("/health", get(live::health))
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/setup", post(auth::setup))
        .route("/setup/request", post(auth::setup_request))
        .route("/session", get(auth::session));
    let guarded = Router::new()
        .route("/password", post(auth::change_password))
        .route("/tokens", get(auth::list_tokens).post(auth::create_token))
        .route("/tokens/{id}", delete(auth::delete_token))
        .route("/ingest", get(live::ingest))
        .route("/ingest/rotate-key", post(live::rotate_key))
        .route("/ingest/second/rotate-key", post(live::rotate_second_key))
        .route("/feeds/{feed}/preview.jpg", get(live::preview))
        .route("/feeds/{feed}/live", get(preview::live))
        .route("/ingest/srt", axum::routing::put(live::set_srt))
        .route("/ingest/test-signal", post(live::test_signal))
        .route("/destinations", get(destinations::list).post(destinations::create))
        .route("/destinations/{id}", get(destinations::get_one).patch(destinations::update).delete(destinations::remove))
        .route("/destinations/{id}/start", post(destinations::start))
        .route("/destinations/{id}/stop", post(destinations::stop))
        .route("/platforms/presets", get(destinations::presets))
        .route("/destinations/presets", get(destinations::presets))
        .route("/platforms", get(platforms::list))
        .route("/platforms/title", post(platforms::set_title))
        .route("/platforms/{p}", delete(platforms::unlink))
        .route("/platforms/{p}/app", axum::routing::put(platforms::set_app))
        .route("/platforms/{p}/link", post(platforms::link))
        .route("/platforms/{p}/stream-key", post(platforms::import_key))
        .route("/chat", get(platforms::chat).post(platforms::send_chat))
        .route("/profiles", get(profiles::list).post(profiles::create))
        .route("/profiles/deactivate", post(profiles::deactivate))
        .route("/profiles/{id}", axum::routing::patch(profiles::update).delete(profiles::remove))
        .route("/profiles/{id}/activate", post(profiles::activate))
        .route("/live/start", post(live::start))
        .route("/live/stop", post(live::stop))
        .route("/live/pause", post(live::pause))
        .route("/live/resume", post(live::resume))
        .route("/status", get(live::status))
        .route("/alerts", get(live::alerts))
        .route("/shows", get(history::list))
        .route("/shows/export", get(history::export))
        .route("/shows/{id}", get(history::one))
        .route("/settings", get(history::get_settings).put(history::put_settings))
        .route("/recording/settings", get(recordings::get_settings).put(recordings::put_settings))
        .route("/recording/start", post(recordings::start))
        .route("/recording/stop", post(recordings::stop))
        .route("/recordings", get(recordings::list))
        .route("/notify/channels", get(notify::list).post(notify::create))
        .route("/notify/channels/{id}", axum::routing::patch(notify::update).delete(notify::remove))
        .route("/notify/channels/{id}/test", post(notify::test))
        .route("/notify/rules", get(notify::rules).put(notify::set_rules))
        .route("/recordings/{id}", delete(recordings::remove))
        .route("/recordings/{id}/file", get(recordings::file))
        .route("/obs/connection", axum::routing::put(obs::set_connection))
        .route("/obs/scenes", get(obs::scenes))
        .route("/obs/scene", post(obs::set_scene))
        .route("/obs/setup-stream", post(obs::setup_stream))
        .route("/obs/browser-source", post(obs::browser_source))
        .route("/obs/guest-source", post(obs::guest_source))
        .route("/obs/profiles", get(obs::profiles))
        .route("/obs/profile", post(obs::set_profile))
        .route("/obs/collections", get(obs::collections))
        .route("/obs/collection", post(obs::set_collection))
        .route("/obs/scene-items", get(obs::scene_items))
        .route("/obs/scene-items/{id}", post(obs::set_scene_item))
        .route("/obs/inputs", get(obs::inputs))
        .route("/obs/inputs/{name}", post(obs::set_input))
        .route("/obs/replay/save", post(obs::save_replay))
        .route("/obs/{what}/{action}", post(obs::output))
        .route("/guests", get(guests::list))
        .route("/guests/invites", get(guests::list_invites).post(guests::create_invite))
        .route("/guests/invites/{id}", delete(guests::revoke_invite))
        .route("/guests/ice", get(guests::get_ice).put(guests::put_ice))
        .route("/guests/talkback", post(guests::talkback))
        .route("/guests/view-links", get(guests::view_links))
        .route("/guests/view-links/rotate", post(guests::rotate_view_links))
        .route("/guests/{id}/mute", post(guests::mute))
        .route("/guests/{id}", delete(guests::remove))
        .route("/hw", get(hw::info))
        .route("/system", get(system::info))
        .route("/system/backup", post(system::backup))
        .route("/system/restore", post(system::restore).layer(DefaultBodyLimit::max(crate::store::export::MAX_BACKUP + 64 * 1024)))
        .route("/hw/screen.png", get(hw::screen))
        .route("/hw/buttons/{name}/press", post(hw::press))
        .route("/metrics", get(metrics::metrics))
        .route("/events", get(live::events))
        .route("/slate", get(slate::get).put(slate::put).delete(slate::delete).layer(DefaultBodyLimit::max(slate::MAX_IMAGE)))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::require_auth));
    let api = open.merge(guarded).fallback(|| async { ApiError::not_found() });
    // Guest-facing routes: authorised by the invite token (WHIP) or by a view token (`?k=`: WHEP, view pages, grid).
    let guest = Router::new()
        .route("/whip/{token}", post(guests::whip))
        .route("/whip/{token}/{id}", delete(guests::whip_delete))
        .route("/whip/{token}/{id}/stats", post(guests::guest_stats))
        .route("/whep/guests/{id}", post(guests::whep))
        .route("/whep/guests/{id}/{viewer}", delete(guests::whep_delete))
        .route("/join/{token}", get(guests::join_page))
        .route("/guest/{id}/view", get(guests::view_page))
        .route("/guest/{id}/stream.mkv", get(guests::stream))
        .route("/guests/grid/view", get(guests::grid_page))
        .route("/guests/grid/list", get(guests::grid_list))
        .route("/guests/grid/stream.mkv", get(guests::grid_stream))
        .route("/overlay/chat", get(platforms::overlay_page))
        .route("/overlay/chat/feed", get(platforms::overlay_feed))
        .route("/overlay/alerts", get(platforms::alerts_page));
    Router::new()
        .nest("/api/v1", api)
        .merge(guest)
        .merge(web::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(state.clone(), hosts::guard))
        .layer(middleware::from_fn(headers::security_headers))
        .with_state(state)
}
