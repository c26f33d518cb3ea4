//! Login (HttpOnly session cookie), first-run set-up, API tokens, and the guard for everything else.
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::AppState;
use crate::store::auth::session_ttl;

pub const COOKIE: &str = "onair_session";

pub type LoginLimiter = governor::DefaultKeyedRateLimiter<IpAddr>;

/// Five tries at once per address, then one every six seconds: guessing stays hopeless, and the
/// owner who mistyped is back in within seconds.
pub fn login_limiter() -> LoginLimiter {
    let q = governor::Quota::per_minute(NonZeroU32::new(10).unwrap()).allow_burst(NonZeroU32::new(5).unwrap());
    governor::RateLimiter::keyed(q)
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == COOKIE).then(|| v.to_string())
    })
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

pub fn authenticated(st: &AppState, headers: &HeaderMap) -> bool {
    if let Some(t) = bearer(headers) {
        return st.core.store.api_token_valid(t).unwrap_or(false);
    }
    if let Some(c) = cookie_value(headers) {
        return st.core.store.session_valid(&c).unwrap_or(false);
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

#[derive(Deserialize)]
pub struct Password {
    password: String,
}

fn session_cookie(token: &str, max_age: i64) -> String {
    format!("{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}")
}

pub async fn login(State(st): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, Json(p): Json<Password>) -> Result<Response, ApiError> {
    if let Err(not_until) = st.login_limit.check_key(&peer.ip()) {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
        let secs = wait.as_secs().max(1);
        let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("too many login attempts; try again in {secs} s")).into_response();
        r.headers_mut().insert(header::RETRY_AFTER, secs.into());
        return Ok(r);
    }
    if !st.core.store.has_admin()? {
        return Err(ApiError::new(StatusCode::CONFLICT, "setup_required", "no admin password yet: POST /api/v1/setup"));
    }
    let store = st.core.store.clone();
    let pw = p.password;
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || store.check_admin_password(&pw))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "login failed"))??;
    if !ok {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_password", "wrong password"));
    }
    let token = st.core.store.create_session()?;
    Ok(([(header::SET_COOKIE, session_cookie(&token, session_ttl()))], axum::Json(serde_json::json!({"ok": true}))).into_response())
}

pub async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(c) = cookie_value(&headers) {
        st.core.store.delete_session(&c)?;
    }
    Ok(([(header::SET_COOKIE, session_cookie("", 0))], axum::Json(serde_json::json!({"ok": true}))).into_response())
}

/// First run: set the admin password when none exists.
pub async fn setup(State(st): State<AppState>, Json(p): Json<Password>) -> Result<Response, ApiError> {
    if st.core.store.has_admin()? {
        return Err(ApiError::new(StatusCode::CONFLICT, "already_set_up", "the admin password is already set"));
    }
    if p.password.chars().count() < 8 {
        return Err(ApiError::invalid("the password needs at least 8 characters"));
    }
    let store = st.core.store.clone();
    tokio::task::spawn_blocking(move || store.set_admin_password(&p.password))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "setup failed"))??;
    let token = st.core.store.create_session()?;
    Ok(([(header::SET_COOKIE, session_cookie(&token, session_ttl()))], axum::Json(serde_json::json!({"ok": true}))).into_response())
}

pub async fn session(State(st): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(serde_json::json!({
        "setup_required": !st.core.store.has_admin()?,
        "authenticated": authenticated(&st, &headers),
        // Readable before login: after a recovery with no backup the owner must set the box up
        // again and should know why.
        "recovery": st.core.store.recovery(),
        "disk_full": st.core.disk_full(),
    })))
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
    let (tok, secret) = st.core.store.create_api_token(name)?;
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({"id": tok.id, "name": tok.name, "created_at": tok.created_at, "token": secret}))))
}

pub async fn list_tokens(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store.list_api_tokens()?))
}

pub async fn delete_token(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.store.delete_api_token(super::parse_id(&id)?)?;
    Ok(StatusCode::NO_CONTENT)
}
