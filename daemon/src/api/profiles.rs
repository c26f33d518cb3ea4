//! Profiles API: `GET, POST /profiles`, `PATCH, DELETE /profiles/{id}`, `POST /profiles/{id}/activate`,
//! `POST /profiles/deactivate`.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::{parse_id, AppState};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    name: Option<String>,
    destination_ids: Option<Vec<i64>>,
}

fn check(st: &AppState, b: &Body) -> Result<(), ApiError> {
    if let Some(n) = &b.name {
        if n.trim().is_empty() || n.chars().count() > 100 {
            return Err(ApiError::invalid("name must be 1 to 100 characters"));
        }
    }
    if let Some(ids) = &b.destination_ids {
        for id in ids {
            if st.core.store.destination(*id).is_err() {
                return Err(ApiError::invalid(format!("no destination {id}")));
            }
        }
    }
    Ok(())
}

fn conflict(e: crate::store::StoreError) -> ApiError {
    match e {
        crate::store::StoreError::Db(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            ApiError::new(StatusCode::CONFLICT, "name_taken", "a profile with that name exists")
        }
        e => e.into(),
    }
}

pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store.list_profiles()?))
}

pub async fn create(State(st): State<AppState>, Json(b): Json<Body>) -> Result<impl IntoResponse, ApiError> {
    check(&st, &b)?;
    let name = b.name.as_deref().map(str::trim).ok_or_else(|| ApiError::invalid("name is required"))?;
    let p = st.core.store.save_profile(None, Some(name), Some(b.destination_ids.as_deref().unwrap_or(&[]))).map_err(conflict)?;
    Ok((StatusCode::CREATED, axum::Json(p)))
}

pub async fn update(State(st): State<AppState>, Path(id): Path<String>, Json(b): Json<Body>) -> Result<impl IntoResponse, ApiError> {
    check(&st, &b)?;
    let p = st.core.store.save_profile(Some(parse_id(&id)?), b.name.as_deref().map(str::trim), b.destination_ids.as_deref()).map_err(conflict)?;
    Ok(axum::Json(p))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.store.delete_profile(parse_id(&id)?)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn activate(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    st.core.store.activate_profile(Some(parse_id(&id)?))?;
    Ok(axum::Json(st.core.store.list_profiles()?))
}

pub async fn deactivate(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    st.core.store.activate_profile(None)?;
    Ok(axum::Json(st.core.store.list_profiles()?))
}
