//! Guests: invites, WHIP (guest publishes) and WHEP (viewer plays), host controls, and the pages.
use std::sync::LazyLock;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::headers::{escape_html, script_data, Page};
use super::AppState;
use crate::core::{Command, Join, Offer, Secret};
use crate::guests::{sdp, GuestState};
use crate::store::invites::{InviteRefusal, Permissions};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    name: String,
    #[serde(default = "day")]
    expires_in_s: i64,
    #[serde(default = "one")]
    max_uses: i64,
    #[serde(default = "perms")]
    permissions: Permissions,
}
fn day() -> i64 {
    86_400
}
fn one() -> i64 {
    1
}
fn perms() -> Permissions {
    Permissions { audio: true, video: true, screen: false }
}

pub(super) fn base_url(st: &AppState, headers: &HeaderMap) -> String {
    // The link works from where the host is looking at the dashboard.
    let host =
        headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string).unwrap_or_else(|| format!("{}:{}", st.cfg.public_host, st.cfg.http.port()));
    format!("http://{host}")
}

pub async fn create_invite(State(st): State<AppState>, headers: HeaderMap, Json(b): Json<NewInvite>) -> Result<impl IntoResponse, ApiError> {
    let name = b.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::invalid("name must be 1 to 60 characters"));
    }
    if !(60..=30 * 86_400).contains(&b.expires_in_s) || !(1..=100).contains(&b.max_uses) {
        return Err(ApiError::invalid("expires_in_s must be 60 s to 30 days; max_uses 1 to 100"));
    }
    let cmd = Command::CreateInvite { name: name.to_string(), expires_in_s: b.expires_in_s, max_uses: b.max_uses, permissions: b.permissions };
    let (inv, token) = st.core.execute(cmd).await?.invite()?;
    let url = format!("{}/join/{token}", base_url(&st, &headers));
    let expires = chrono::DateTime::from_timestamp(inv.expires_at, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({"id": inv.id, "url": url, "token": token, "expires_at": expires, "name": inv.name}))))
}

pub async fn list_invites(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().list_invites()?))
}

/// Revoking an invite also ends the sessions it made: their pipelines go, viewers with them.
pub async fn revoke_invite(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.execute(Command::RevokeInvite(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A view link's token (`?k=`).
#[derive(Deserialize)]
pub struct ViewQuery {
    k: Option<String>,
}

fn view_refused() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "this view link is not valid: take a new one from the box's dashboard")
}

/// Whether `k` opens guest `id` (or, with `None`, the grid).
fn check_view(st: &AppState, k: &Option<String>, id: Option<&str>) -> Result<(), ApiError> {
    if st.core.guests().may_view(st.core.store(), k.as_deref(), id)? {
        Ok(())
    } else {
        Err(view_refused())
    }
}

/// The view links the box gives out (OBS browser sources, the dashboard's copy buttons).
pub async fn view_links(State(st): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    let base = base_url(&st, &headers);
    let g = st.core.guests();
    let k = g.box_view_token(st.core.store())?;
    let mut guests = vec![];
    for x in g.list() {
        let gk = g.guest_view_token(st.core.store(), &x.id)?;
        guests.push(serde_json::json!({
            "id": x.id, "name": x.name, "host": x.host, "token": gk,
            "url": format!("{base}/guest/{}/view?k={gk}", x.id),
            "stream_url": format!("{base}/guest/{}/stream.mkv?k={gk}", x.id),
        }));
    }
    Ok(axum::Json(serde_json::json!({
        "grid": {"token": k, "url": format!("{base}/guests/grid/view?k={k}"), "stream_url": format!("{base}/guests/grid/stream.mkv?k={k}")},
        "guests": guests
    })))
}

/// New view tokens: every link given out before stops opening (players already playing go on).
pub async fn rotate_view_links(State(st): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::RotateViewTokens).await?;
    view_links(State(st), headers).await
}

pub async fn list(State(st): State<AppState>) -> impl IntoResponse {
    axum::Json(st.core.guests().list())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mute {
    audio: Option<bool>,
    video: Option<bool>,
}

pub async fn mute(State(st): State<AppState>, Path(id): Path<String>, Json(m): Json<Mute>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.execute(Command::MuteGuest { id, audio: m.audio, video: m.video }).await?.guest()?))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.execute(Command::RemoveGuest { id, reason: "removed by the host" }).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn refusal(r: InviteRefusal) -> ApiError {
    r.into()
}

fn sdp_response(status: StatusCode, location: String, sdp: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/sdp".to_string()), (header::LOCATION, location)], sdp).into_response()
}

fn check_sdp_type(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(ct) if ct.starts_with("application/sdp") => Ok(()),
        _ => Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "send the SDP offer as application/sdp")),
    }
}

/// WHIP (RFC 9725): the guest's offer in, the box's answer out.
pub async fn whip(State(st): State<AppState>, Path(token): Path<String>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let replaces = headers.get("x-replaces").and_then(|v| v.to_str().ok()).filter(|s| s.len() <= 64).map(str::to_string);
    // A forged or spent invite is told so before its content type is looked at (a spent one may
    // still reconnect one of its own sessions: `guests::join` decides that).
    match replaces {
        Some(_) => st.core.store().invite_of(&token)?.map_err(refusal)?,
        None => st.core.store().check_invite(&token, false)?.map_err(refusal)?,
    };
    check_sdp_type(&headers)?;
    let name = headers.get("x-guest-name").and_then(|v| v.to_str().ok()).map(str::to_string);
    let join = Join { token: Secret(token.clone()), name, offer: body.to_vec(), replaces };
    let (id, answer) = st.core.execute(Command::JoinGuest(Box::new(join))).await?.joined()?;
    Ok(sdp_response(StatusCode::CREATED, format!("/whip/{token}/{id}"), answer))
}

/// The guest session `id`, if `token` is the (genuine, unrevoked) invite that made it. A used-up or
/// expired invite still owns the sessions it made.
fn own_session(st: &AppState, token: &str, id: &str) -> Result<std::sync::Arc<crate::guests::Guest>, ApiError> {
    let (inv_id, _) = token.split_once('.').ok_or_else(ApiError::not_found)?;
    // A revoked invite's page is told so (its session was ended with the revocation).
    let genuine = match st.core.store().check_invite(token, false)? {
        Ok(_) | Err(InviteRefusal::UsedUp) | Err(InviteRefusal::Expired) => true,
        Err(InviteRefusal::Revoked) => return Err(refusal(InviteRefusal::Revoked)),
        Err(InviteRefusal::Forged) => false,
    };
    let g = st.core.guests().get(id).ok_or_else(ApiError::not_found)?;
    if !genuine || g.info.lock().unwrap().invite_id != inv_id {
        return Err(ApiError::not_found());
    }
    Ok(g)
}

/// The guest page's report from its own `getStats()` (RTT, bandwidth estimate). The answer says
/// what to send (adaptive quality) and who else is on (guests see each other).
pub async fn guest_stats(
    State(st): State<AppState>,
    Path((token, id)): Path<(String, String)>,
    Json(r): Json<crate::guests::BrowserReport>,
) -> Result<impl IntoResponse, ApiError> {
    own_session(&st, &token, &id)?;
    let level = st.core.execute(Command::GuestReport { id: id.clone(), report: r }).await?.quality()?;
    // Each other participant with a view token bound to this guest's session: a guest may watch
    // the others while it is on, and not after.
    let mut others = vec![];
    for o in st.core.guests().list().into_iter().filter(|o| o.id != id && o.state == GuestState::Live) {
        let k = st.core.guests().peer_view_token(st.core.store(), &id, &o.id)?;
        others.push(serde_json::json!({"id": o.id, "name": o.name, "host": o.host, "k": k}));
    }
    Ok(axum::Json(serde_json::json!({"quality": level, "others": others})))
}

pub async fn whip_delete(State(st): State<AppState>, Path((token, id)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    // Only the holder of the invite that made this session may end it.
    own_session(&st, &token, &id)?;
    st.core.execute(Command::RemoveGuest { id, reason: "left" }).await?;
    Ok(StatusCode::OK)
}

/// How long a WHEP request waits for a connecting guest's media before a 409.
const WHEP_WAIT: Duration = Duration::from_secs(10);

/// WHEP: a viewer (an OBS Browser Source on the LAN) plays one guest.
pub async fn whep(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let by = st.core.guests().viewer(st.core.store(), q.k.as_deref(), Some(&id))?.ok_or_else(view_refused)?;
    check_sdp_type(&headers)?;
    let offer = sdp::parse(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    // A wait for a connecting guest holds one of the HTTP layer's long-poll places.
    let _slot = match st.core.guests().get(&id) {
        None => return Err(ApiError::not_found()),
        Some(g) if !g.media.ready() => Some(st.limits.long_poll()?),
        Some(_) => None,
    };
    let watch = Command::WatchGuest { id: id.clone(), by, offer: Box::new(Offer(offer)), wait: WHEP_WAIT };
    let (viewer, answer) = st.core.execute(watch).await?.watching()?;
    let k = q.k.unwrap_or_default();
    Ok(sdp_response(StatusCode::CREATED, format!("/whep/guests/{id}/{viewer}?k={k}"), answer))
}

/// How long a media source's request waits for a connecting guest's media before a 409.
const STREAM_WAIT: Duration = Duration::from_secs(10);

/// The guest as a live Matroska stream, for an OBS Media Source (an OBS without a Browser Source):
/// its tracks as they arrive, nothing re-encoded, from a keyframe; ends when the guest leaves.
pub async fn stream(State(st): State<AppState>, Path(id): Path<String>, Query(q): Query<ViewQuery>) -> Result<Response, ApiError> {
    check_view(&st, &q.k, Some(&id))?;
    let _slot = match st.core.guests().get(&id) {
        None => return Err(ApiError::not_found()),
        Some(g) if !g.media.ready() => Some(st.limits.long_poll()?),
        Some(_) => None,
    };
    let s = st.core.execute(Command::StreamGuest { id, wait: STREAM_WAIT }).await?.stream()?;
    Ok(matroska(s))
}

/// A live Matroska body. The stream (and with it its branch in the guest's pipeline, or its share
/// of the grid's composer) lives as long as the body.
fn matroska(s: crate::guests::sfu::GuestStream) -> Response {
    let body = futures_util::stream::unfold(s, |mut s| async move { s.bytes.recv().await.map(|b| (Ok::<_, std::io::Error>(b), s)) });
    Response::builder()
        .header(header::CONTENT_TYPE, "video/x-matroska")
        .header(header::CACHE_CONTROL, "no-store")
        .body(axum::body::Body::from_stream(body))
        .expect("a valid response")
}

/// The grid as one live Matroska stream (every guest on the grid in one picture, their sound
/// mixed), for an OBS Media Source; the box's view token. Unlike a guest's own stream this is
/// decoded and encoded, while someone reads it.
pub async fn grid_stream(State(st): State<AppState>, Query(q): Query<ViewQuery>) -> Result<Response, ApiError> {
    check_view(&st, &q.k, None)?;
    Ok(matroska(st.core.execute(Command::StreamGrid).await?.stream()?))
}

pub async fn whep_delete(State(st): State<AppState>, Path((id, viewer)): Path<(String, String)>, Query(q): Query<ViewQuery>) -> Result<StatusCode, ApiError> {
    check_view(&st, &q.k, Some(&id))?;
    st.core.execute(Command::StopWatching { id, viewer }).await?;
    Ok(StatusCode::OK)
}

/// The join page as Vite built it (`web/dist/guest/join.html`, its script a bundle under `assets/`). A
/// checkout whose web is not built has the source page instead, saying so where its script would be.
static JOIN: LazyLock<Page> = LazyLock::new(|| {
    Page::new(super::web::built("guest/join.html").unwrap_or_else(|| {
        let src = include_str!("../../../web/guest/join.html");
        let unbuilt = src.replacen(JOIN_SCRIPT, "<p>The guest page is not built: run <code>scripts/build-web.sh</code>.</p>", 1);
        Box::leak(unbuilt.into_boxed_str())
    }))
});
/// The source page's script, which Vite replaces with its bundle.
const JOIN_SCRIPT: &str = r#"<script type="module" src="/src/guest/join.ts"></script>"#;
static VIEW: Page = Page::new(include_str!("../../../web/guest/view.html"));
static GRID: Page = Page::new(include_str!("../../../web/guest/grid.html"));
/// The join page's data block as the template has it; filled in per invite.
const JOIN_CONFIG: &str = r#"{"iceServers": [], "permissions": {"audio": true, "video": true, "screen": false}}"#;

/// The language of a page the box writes itself (a refusal): the browser's first choice, Brazilian
/// Portuguese for any `pt`, else English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageLang {
    En,
    Pt,
}

impl PageLang {
    fn of(headers: &HeaderMap) -> PageLang {
        let first = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).unwrap_or("");
        if first.trim().to_ascii_lowercase().starts_with("pt") {
            PageLang::Pt
        } else {
            PageLang::En
        }
    }

    fn tag(self) -> &'static str {
        match self {
            PageLang::En => "en",
            PageLang::Pt => "pt-BR",
        }
    }

    /// (English, Portuguese) → this language's.
    fn pick(self, en: &'static str, pt: &'static str) -> &'static str {
        match self {
            PageLang::En => en,
            PageLang::Pt => pt,
        }
    }
}

fn invite_refusal(r: InviteRefusal, l: PageLang) -> &'static str {
    match r {
        InviteRefusal::Forged => l.pick("this invite link is not valid", "este link de convite não é válido"),
        InviteRefusal::Revoked => l.pick("this invite was revoked", "este convite foi revogado"),
        InviteRefusal::Expired => l.pick("this invite has expired", "este convite expirou"),
        InviteRefusal::UsedUp => l.pick("this invite has been used up", "este convite já foi usado todas as vezes que podia"),
    }
}

fn refused_page(status: StatusCode, l: PageLang, why: &str) -> Response {
    refusal_page(status, l, l.pick("This invite can't be used", "Este convite não pode ser usado"), why)
}

fn refusal_page(status: StatusCode, l: PageLang, title: &str, why: &str) -> Response {
    let (title, why) = (escape_html(title), escape_html(why));
    let (lang, ask) = (l.tag(), l.pick("Ask the host for a new link.", "Peça um novo link a quem convidou você."));
    let html = format!(
        "<!doctype html><html lang={lang}><meta charset=utf-8><meta name=viewport content='width=device-width'><title>onair</title>\
         <body style='font-family:system-ui;background:#0d1117;color:#e6edf3;display:grid;place-items:center;height:90vh'>\
         <div><h1>{title}</h1><p data-testid=refusal>{why}</p><p>{ask}</p></div>"
    );
    (status, Html(html)).into_response()
}

/// The join page with the box's ICE servers (STUN/TURN for guests outside the LAN) and what the
/// invite allows in its data block; its script is the template's.
fn join_html(ice: serde_json::Value, perms: &Permissions) -> String {
    let config = serde_json::json!({"iceServers": ice, "permissions": perms}).to_string();
    JOIN.template().replacen(JOIN_CONFIG, &script_data(&config), 1)
}

pub async fn join_page(State(st): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let l = PageLang::of(&headers);
    match st.core.store().check_invite(&token, false) {
        Ok(Ok(inv)) => JOIN.respond(StatusCode::OK, join_html(crate::guests::ice::IceConfig::load(st.core.store()).browser(), &inv.permissions)),
        Ok(Err(r)) => {
            let s = if r == InviteRefusal::Forged { StatusCode::UNAUTHORIZED } else { StatusCode::FORBIDDEN };
            refused_page(s, l, invite_refusal(r, l))
        }
        Err(_) => {
            refused_page(StatusCode::INTERNAL_SERVER_ERROR, l, l.pick("the box could not check this invite", "a caixa não conseguiu verificar este convite"))
        }
    }
}

/// A view page answers only with its token; without, a short refusal (an OBS source shows it).
fn view_or_refusal(st: &AppState, headers: &HeaderMap, k: &Option<String>, id: Option<&str>, page: &'static Page) -> Response {
    let l = PageLang::of(headers);
    match check_view(st, k, id) {
        Ok(()) => page.respond(StatusCode::OK, page.template()),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            let why = match l {
                PageLang::En => e.message.clone(),
                PageLang::Pt => "este link de exibição não é válido: pegue um novo no painel da caixa".to_string(),
            };
            refusal_page(e.status, l, l.pick("This view link can't be used", "Este link de exibição não pode ser usado"), &why)
        }
        Err(e) => e.into_response(),
    }
}

pub async fn view_page(State(st): State<AppState>, Path(id): Path<String>, Query(q): Query<ViewQuery>, headers: HeaderMap) -> Response {
    view_or_refusal(&st, &headers, &q.k, Some(&id), &VIEW)
}

pub async fn grid_page(State(st): State<AppState>, Query(q): Query<ViewQuery>, headers: HeaderMap) -> Response {
    view_or_refusal(&st, &headers, &q.k, None, &GRID)
}

/// How long the grid's long-poll waits for its list to change.
const GRID_WAIT: Duration = Duration::from_secs(20);

/// The grid page's list of guests (ids and names only; it is meant for an OBS Browser Source on the LAN).
#[derive(serde::Deserialize)]
pub struct GridQuery {
    /// The ids the page shows now, comma-separated: the answer waits (up to 20 s) until that changes.
    known: Option<String>,
    /// The box's view token.
    k: Option<String>,
}

/// The guests an OBS grid page should show. A page that says what it shows gets a long poll, so a
/// guest whose media starts flowing is on the grid at once instead of at the next refresh.
pub async fn grid_list(State(st): State<AppState>, axum::extract::Query(q): axum::extract::Query<GridQuery>) -> Result<impl IntoResponse, ApiError> {
    check_view(&st, &q.k, None)?;
    let list = || -> Vec<(String, String)> {
        st.core
            .guests()
            .on_grid()
            .into_iter()
            .map(|g| {
                let i = g.info.lock().unwrap();
                (i.id.clone(), i.name.clone())
            })
            .collect()
    };
    let mut v = list();
    let shows = |v: &[(String, String)]| v.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(",");
    if let Some(known) = q.known.filter(|k| *k == shows(&v)) {
        let _slot = st.limits.long_poll()?;
        let deadline = tokio::time::Instant::now() + GRID_WAIT;
        st.core
            .guests()
            .wait_until(deadline, || {
                v = list();
                shows(&v) != known
            })
            .await;
    }
    Ok(axum::Json(v.into_iter().map(|(id, name)| serde_json::json!({"id": id, "name": name})).collect::<Vec<_>>()))
}

pub async fn get_ice(State(st): State<AppState>) -> impl IntoResponse {
    let c = crate::guests::ice::IceConfig::load(st.core.store());
    let mut v = serde_json::to_value(&c).unwrap_or_default();
    v["turn_password_set"] = serde_json::json!(c.turn_password.is_some());
    axum::Json(v)
}

pub async fn put_ice(State(st): State<AppState>, Json(mut c): Json<crate::guests::ice::IceConfig>) -> Result<impl IntoResponse, ApiError> {
    for f in [&mut c.stun_url, &mut c.turn_url, &mut c.turn_username, &mut c.turn_password] {
        *f = f.take().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    }
    if c.turn_url.is_some() && c.turn_password.is_none() {
        c.turn_password = crate::guests::ice::IceConfig::load(st.core.store()).turn_password;
    }
    c.validate().map_err(ApiError::invalid)?;
    st.core.execute(Command::SetIce(Box::new(c))).await?;
    Ok(get_ice(State(st)).await)
}

/// The host's talkback: an invite the dashboard itself publishes with (camera/mic), so guests see
/// and hear the host. Not offered to OBS as a guest.
pub async fn talkback(State(st): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    let (_, token) = st.core.execute(Command::Talkback).await?.invite()?;
    Ok(axum::Json(serde_json::json!({"token": token, "whip_url": format!("{}/whip/{token}", base_url(&st, &headers))})))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::headers::script_hashes;

    #[test]
    fn the_join_page_fills_its_data_block_and_keeps_its_script() {
        assert_eq!(JOIN.template().matches(JOIN_CONFIG).count(), 1, "the template carries the data block the box fills in");
        let hostile = serde_json::json!([{"urls": "turn:x</script><script>alert(1)</script>", "username": "u<!--", "credential": "&"}]);
        let html = join_html(hostile, &Permissions { audio: true, video: false, screen: true });
        assert_eq!(script_hashes(&html), script_hashes(JOIN.template()), "the scripts that run are the template's");
        let policy = JOIN.policy().to_str().unwrap().to_string();
        for h in script_hashes(&html) {
            assert!(policy.contains(&h), "{policy}");
        }
        let data = html.split(r#"id="join-config">"#).nth(1).and_then(|s| s.split("</script>").next()).unwrap();
        let v: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(v["iceServers"][0]["urls"], "turn:x</script><script>alert(1)</script>");
        assert_eq!(v["permissions"], serde_json::json!({"audio": true, "video": false, "screen": true}));
        assert_eq!(html.matches("<script").count(), JOIN.template().matches("<script").count());
    }

    #[test]
    fn the_join_page_runs_no_inline_script() {
        assert!(script_hashes(JOIN.template()).is_empty(), "its script is a file under the box's own origin");
        assert!(!JOIN.policy().to_str().unwrap().contains("'sha256-"));
        assert!(include_str!("../../../web/guest/join.html").contains(JOIN_SCRIPT), "what Vite (or an unbuilt box) replaces");
        assert!(!JOIN.template().contains(JOIN_SCRIPT), "the source's script is the bundle's (or the note that it is not built)");
        if super::super::web::built("guest/join.html").is_some() {
            assert!(JOIN.template().contains(r#"src="/assets/join-"#), "{}", JOIN.template());
        }
    }

    #[tokio::test]
    async fn refusal_pages_speak_the_browsers_language() {
        let mut h = HeaderMap::new();
        assert_eq!(PageLang::of(&h), PageLang::En);
        h.insert(header::ACCEPT_LANGUAGE, "pt-BR,pt;q=0.9,en;q=0.8".parse().unwrap());
        assert_eq!(PageLang::of(&h), PageLang::Pt);
        h.insert(header::ACCEPT_LANGUAGE, "en-US,pt-BR;q=0.5".parse().unwrap());
        assert_eq!(PageLang::of(&h), PageLang::En, "the first choice decides");
        let res = refused_page(StatusCode::FORBIDDEN, PageLang::Pt, invite_refusal(InviteRefusal::Expired, PageLang::Pt));
        let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("lang=pt-BR") && body.contains("Este convite não pode ser usado") && body.contains("este convite expirou"), "{body}");
    }

    #[tokio::test]
    async fn refusal_pages_escape_what_they_say() {
        let res = refusal_page(StatusCode::FORBIDDEN, PageLang::En, "<b>t</b>", "<script>alert(1)</script>");
        let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("<script") && !body.contains("<b>"), "{body}");
        assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && body.contains("&lt;b&gt;t&lt;/b&gt;"), "{body}");
    }
}
