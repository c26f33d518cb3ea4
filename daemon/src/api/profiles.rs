//! Profiles API: `GET, POST /profiles`, `PATCH, DELETE /profiles/{id}`, `POST /profiles/{id}/activate`,
//! `POST /profiles/deactivate`.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::error::{ApiError, Json};
use super::{parse_id, AppState};
use crate::core::Command;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    name: Option<String>,
    destination_ids: Option<Vec<i64>>,
}

fn check(b: &Body) -> Result<(), ApiError> {
    if let Some(n) = &b.name {
        if n.trim().is_empty() || n.chars().count() > 100 {
            return Err(ApiError::invalid("name must be 1 to 100 characters"));
        }
    }
    Ok(())
}

async fn save(st: &AppState, id: Option<i64>, b: Body) -> Result<crate::store::profiles::Profile, ApiError> {
    check(&b)?;
    let name = b.name.map(|n| n.trim().to_string());
    Ok(st.core.execute(Command::SaveProfile { id, name, destination_ids: b.destination_ids }).await?.profile()?)
}

pub async fn list(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(st.core.store().list_profiles()?))
}

pub async fn create(State(st): State<AppState>, Json(b): Json<Body>) -> Result<impl IntoResponse, ApiError> {
    if b.name.is_none() {
        return Err(ApiError::invalid("name is required"));
    }
    let b = Body { destination_ids: Some(b.destination_ids.unwrap_or_default()), ..b };
    Ok((StatusCode::CREATED, axum::Json(save(&st, None, b).await?)))
}

pub async fn update(State(st): State<AppState>, Path(id): Path<String>, Json(b): Json<Body>) -> Result<impl IntoResponse, ApiError> {
    Ok(axum::Json(save(&st, Some(parse_id(&id)?), b).await?))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    st.core.execute(Command::DeleteProfile(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn activate(State(st): State<AppState>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::ActivateProfile(Some(parse_id(&id)?))).await?;
    Ok(axum::Json(st.core.store().list_profiles()?))
}

pub async fn deactivate(State(st): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    st.core.execute(Command::ActivateProfile(None)).await?;
    Ok(axum::Json(st.core.store().list_profiles()?))
}
