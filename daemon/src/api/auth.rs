//! Login (HttpOnly session cookie), first-run set-up, password change, API tokens, and the guard for
//! everything else.
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, Request, State};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::limiter::Refusal;
use super::AppState;
use crate::store::auth::session_ttl;

pub const COOKIE: &str = "onair_session";
/// The name on HTTPS: a `__Host-` cookie is `Secure`, host-only and `Path=/`, so nothing on another
/// subdomain or on plain HTTP can plant or overwrite it.
pub const SECURE_COOKIE: &str = "__Host-onair_session";
/// A browser that logged in before (OWASP "device cookies"): its login tries have a budget of their own.
pub const DEVICE_COOKIE: &str = "onair_device";
pub const SECURE_DEVICE_COOKIE: &str = "__Host-onair_device";
const DEVICE_TTL_S: i64 = 365 * 24 * 3600;

/// Whether the request came over the HTTPS listener.
pub struct Tls(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for Tls {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Tls(parts.extensions.get::<super::https::Secure>().is_some()))
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name && !v.is_empty()).then(|| v.to_string())
    })
}

/// A browser sends the `__Host-` cookie only over HTTPS; either name holds a session token.
pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SECURE_COOKIE).or_else(|| cookie(headers, COOKIE))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

pub fn authenticated(st: &AppState, headers: &HeaderMap) -> bool {
    if let Some(t) = bearer(headers) {
        return st.core.store().api_token_valid(t).unwrap_or(false);
    }
    if let Some(c) = cookie_value(headers) {
        return st.core.store().session_valid(&c).unwrap_or(false);
    }
    false
}

pub async fn require_auth(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if !authenticated(&st, req.headers()) {
        return ApiError::unauthorized().into_response();
    }
    // CSRF: a cross-site form or fetch cannot set a custom header without a CORS preflight, which
    // the box never grants. Cookie sessions must send it on state changes; bearer tokens are not
    // sent by browsers on their own, so they are exempt.
    let safe = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    if !safe && bearer(req.headers()).is_none() && req.headers().get("x-requested-with").is_none() {
        return ApiError::new(StatusCode::FORBIDDEN, "csrf", "state-changing requests need the X-Requested-With header").into_response();
    }
    next.run(req).await
}

fn set_cookie(tls: bool, name: (&str, &str), value: &str, max_age: i64) -> (header::HeaderName, String) {
    let (name, secure) = if tls { (name.1, "; Secure") } else { (name.0, "") };
    (header::SET_COOKIE, format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"))
}

fn session_cookie(tls: bool, token: &str, max_age: i64) -> (header::HeaderName, String) {
    set_cookie(tls, (COOKIE, SECURE_COOKIE), token, max_age)
}

/// The id of a device cookie this box signed, if the request carries one.
fn device_id(st: &AppState, headers: &HeaderMap) -> Option<String> {
    let v = cookie(headers, SECURE_DEVICE_COOKIE).or_else(|| cookie(headers, DEVICE_COOKIE))?;
    let (id, sig) = v.split_once('.')?;
    let want = device_sig(st, id);
    use subtle::ConstantTimeEq;
    (id.len() <= 64 && bool::from(sig.as_bytes().ct_eq(want.as_bytes()))).then(|| id.to_string())
}

fn device_sig(st: &AppState, id: &str) -> String {
    st.core.store().secrets.mac("onair.device", id)
}

/// Session cookie first (clients that read only the first `Set-Cookie` get the session), then the
/// device cookie (kept if the browser has a valid one).
fn logged_in(st: &AppState, tls: bool, device: Option<String>) -> Result<Response, ApiError> {
    let token = st.core.store().create_session()?;
    let id = device.unwrap_or_else(|| crate::store::secret::random_token(16));
    let dev = format!("{id}.{}", device_sig(st, &id));
    let mut r = axum::Json(serde_json::json!({"ok": true})).into_response();
    for (k, v) in [session_cookie(tls, &token, session_ttl()), set_cookie(tls, (DEVICE_COOKIE, SECURE_DEVICE_COOKIE), &dev, DEVICE_TTL_S)] {
        if let Ok(v) = v.parse() {
            r.headers_mut().append(k, v);
        }
    }
    Ok(r)
}

fn refused(r: Refusal) -> Response {
    let (status, code, secs, msg) = match r {
        Refusal::Limited(wait) => {
            let secs = wait.as_secs().max(1);
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited", secs, format!("too many login attempts; try again in {secs} s"))
        }
        Refusal::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy", 1, "too many logins at once; try again in a second".to_string()),
    };
    let mut resp = ApiError::new(status, code, msg).into_response();
    resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
    resp
}

fn internal(what: &str) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("{what} failed"))
}

#[derive(Deserialize)]
pub struct Password {
    password: String,
}

pub async fn login(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Tls(tls): Tls,
    headers: HeaderMap,
    Json(p): Json<Password>,
) -> Result<Response, ApiError> {
    let device = device_id(&st, &headers);
    if let Err(r) = st.login_limit.attempt(peer.ip(), device.as_deref()) {
        return Ok(refused(r));
    }
    if !st.core.store().has_admin()? {
        return Err(ApiError::new(StatusCode::CONFLICT, "setup_required", "no admin password yet: POST /api/v1/setup"));
    }
    let permit = match st.login_limit.hash_permit().await {
        Ok(p) => p,
        Err(r) => return Ok(refused(r)),
    };
    let store = st.core.store().clone();
    let pw = p.password;
    // argon2 is deliberately slow: keep it off the async workers.
    // The permit goes with the hash: a client that leaves mid-hash does not free a place while
    // argon2 still runs.
    let ok = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        store.check_admin_password(&pw)
    })
    .await
    .map_err(|_| internal("login"))??;
    if !ok {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_password", "wrong password"));
    }
    logged_in(&st, tls, device)
}

pub async fn logout(State(st): State<AppState>, Tls(tls): Tls, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(c) = cookie_value(&headers) {
        st.core.store().delete_session(&c)?;
    }
    Ok(([session_cookie(tls, "", 0)], axum::Json(serde_json::json!({"ok": true}))).into_response())
}

#[derive(Deserialize)]
pub struct SetupBody {
    password: String,
    /// The set-up code from the box's screen or log; may be left out for a request a Go Live
    /// press approved.
    #[serde(default)]
    code: Option<String>,
    /// The id from `POST /setup/request`, once a press approved it.
    #[serde(default)]
    request: Option<String>,
}

fn already_set_up() -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "already_set_up", "the admin password is already set")
}

/// First run: set the admin password when none exists, with proof of presence (the set-up code, or
/// a Go Live press within the last 30 s). Exactly one set-up wins; the others get 409.
pub async fn setup(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Tls(tls): Tls,
    Json(p): Json<SetupBody>,
) -> Result<Response, ApiError> {
    if st.core.store().has_admin()? {
        return Err(already_set_up());
    }
    if p.password.chars().count() < 8 {
        return Err(ApiError::invalid("the password needs at least 8 characters"));
    }
    let guess = p.code.as_deref().is_some_and(|c| !c.trim().is_empty());
    // A code is a guess: counted per network only. The box-wide budget is left out, so strangers
    // elsewhere cannot use it up and lock the owner out of a fresh box (40 bits of code under a
    // per-network limit stay out of reach). A press is not a guess, and only counts from the LAN:
    // an internet client (a forwarded port) must not win the 30 s after the owner's press.
    if guess {
        if let Err(r) = st.login_limit.attempt_network(peer.ip()) {
            return Ok(refused(r));
        }
    }
    let presence =
        st.core.setup().check(p.code.as_deref(), p.request.as_deref()).filter(|pr| guess || *pr != crate::setup::Presence::Press || on_lan(peer.ip()));
    let Some(presence) = presence else {
        let why = if p.code.as_deref().is_some_and(|c| !c.trim().is_empty()) { "wrong set-up code" } else { "set-up needs the code" };
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "setup_code",
            format!("{why}: enter the code shown on the box's screen (and printed in its log), or ask for a press (POST /api/v1/setup/request) and press Go Live on the box"),
        ));
    };
    let _one = st.core.setup().running.lock().await;
    if st.core.store().has_admin()? {
        return Err(already_set_up());
    }
    let permit = match st.login_limit.hash_permit().await {
        Ok(p) => p,
        Err(r) => return Ok(refused(r)),
    };
    let store = st.core.store().clone();
    let created = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        store.set_admin_password(&p.password)
    })
    .await
    .map_err(|_| internal("setup"))??;
    if !created {
        return Err(already_set_up());
    }
    st.core.setup().disarm();
    tracing::info!(?presence, "admin password set");
    logged_in(&st, tls, None)
}

/// Loopback, private IPv4, link-local and unique-local IPv6: the box's own network.
pub fn on_lan(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => on_lan(IpAddr::V4(v4)),
            None => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80,
        },
    }
}

#[derive(Deserialize)]
pub struct SessionQuery {
    /// A set-up request's id (`POST /setup/request`): `setup_press` says whether a press approved it.
    request: Option<String>,
}

pub async fn session(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<SessionQuery>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let setup_required = !st.core.store().has_admin()?;
    Ok(axum::Json(serde_json::json!({
        "setup_required": setup_required,
        // A Go Live press approved this browser's set-up request: it may set up without the code
        // now (told only on the LAN, where a press counts).
        "setup_press": setup_required && on_lan(peer.ip()) && q.request.as_deref().is_some_and(|id| st.core.setup().press_open(id)),
        "authenticated": authenticated(&st, &headers),
        // Readable before login: after a recovery with no backup the owner must set the box up
        // again and should know why.
        "recovery": st.core.store().recovery(),
        "disk_full": st.core.disk_full(),
    })))
}

/// `POST /setup/request`: a set-up to approve with a Go Live press. The page shows `label`, the
/// box's screen shows the label of the request waiting; the press approves that one only.
pub async fn setup_request(State(st): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Result<impl IntoResponse, ApiError> {
    if st.core.store().has_admin()? {
        return Err(already_set_up());
    }
    // A press counts only from the LAN; asking from elsewhere would only take the screen's place.
    if !on_lan(peer.ip()) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "setup_code", "a Go Live press approves set-ups from the box's own network only: enter the code"));
    }
    // Each request replaces the one on screen: counted per network, as codes are.
    if let Err(r) = st.login_limit.attempt_network(peer.ip()) {
        return Ok(refused(r));
    }
    let (request, label) = st.core.setup().request().ok_or_else(already_set_up)?;
    tracing::info!(%label, "set-up request waiting for a Go Live press");
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({"request": request, "label": label, "window_s": crate::setup::PRESS_WINDOW.as_secs()})))
        .into_response())
}

#[derive(Deserialize)]
pub struct NewPassword {
    current: String,
    new: String,
}

/// A new admin password; every other session ends (API tokens stay: they are scripts' credentials,
/// revoked one by one).
pub async fn change_password(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(p): Json<NewPassword>,
) -> Result<Response, ApiError> {
    if p.new.chars().count() < 8 {
        return Err(ApiError::invalid("the new password needs at least 8 characters"));
    }
    let device = device_id(&st, &headers);
    if let Err(r) = st.login_limit.attempt(peer.ip(), device.as_deref()) {
        return Ok(refused(r));
    }
    let permit = match st.login_limit.hash_permit().await {
        Ok(p) => p,
        Err(r) => return Ok(refused(r)),
    };
    let store = st.core.store().clone();
    let keep = if bearer(&headers).is_some() { None } else { cookie_value(&headers) };
    let changed = tokio::task::spawn_blocking(move || -> crate::store::Result<bool> {
        let _permit = permit;
        if !store.check_admin_password(&p.current)? {
            return Ok(false);
        }
        store.change_admin_password(&p.new, keep.as_deref())?;
        Ok(true)
    })
    .await
    .map_err(|_| internal("password change"))??;
    if !changed {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "bad_password", "the current password is wrong"));
    }
    tracing::info!("admin password changed; other sessions ended");
    Ok(axum::Json(serde_json::json!({"ok": true})).into_response())
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
}

pub async fn create_token(State(st): State<AppState>, Json(t): Json<NewToken>) -> Result<impl IntoResponse, ApiError> {
    let name = t.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::invalid("name must be 1 to 100 characters"));
    }
    let (tok, secret) = st.core.store().create_api_token(name)?;
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({"id": tok.id, "name": tok.name, "created_at": tok.created_at, "token": secret}))))
}

pub async fn list_tokens(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().list_api_tokens()?))
}

pub async fn delete_token(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.store().delete_api_token(super::parse_id(&id)?)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod lan_tests {
    use super::on_lan;

    #[test]
    fn the_box_s_own_network_only() {
        for a in ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.20", "169.254.1.1", "::1", "fd00::1", "fe80::1", "::ffff:192.168.0.2"] {
            assert!(on_lan(a.parse().unwrap()), "{a}");
        }
        for a in ["8.8.8.8", "100.64.0.1", "2001:db8::1", "2a00::1", "::ffff:1.1.1.1"] {
            assert!(!on_lan(a.parse().unwrap()), "{a}");
        }
    }
}
