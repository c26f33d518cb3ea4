//! `GET /system`: which onaird runs and from which root slot. The slot is what the boot loader said
//! on the kernel command line (`rauc.slot=A`); a PC, or a box without A/B slots, has none.
use axum::response::IntoResponse;

/// The `rauc.slot=` word of a kernel command line.
pub fn slot_of(cmdline: &str) -> Option<String> {
    cmdline
        .split_whitespace()
        .find_map(|w| w.strip_prefix("rauc.slot="))
        .filter(|s| !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .map(str::to_string)
}

pub async fn info() -> impl IntoResponse {
    let slot = std::fs::read_to_string("/proc/cmdline").ok().as_deref().and_then(slot_of);
    // No update engine yet: nothing has been installed by the box itself.
    axum::Json(serde_json::json!({"version": env!("CARGO_PKG_VERSION"), "slot": slot, "last_update": null}))
}

#[cfg(test)]
mod tests {
    use super::slot_of;

    #[test]
    fn the_slot_comes_from_the_kernel_command_line() {
        assert_eq!(slot_of("console=ttyAMA0 root=/dev/mmcblk0p2 rauc.slot=B ro").as_deref(), Some("B"));
        assert_eq!(slot_of("console=ttyAMA0 root=/dev/vda2"), None);
        assert_eq!(slot_of("rauc.slot= quiet"), None);
        assert_eq!(slot_of("rauc.slot=<script>"), None);
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupAsk {
    passphrase: String,
}

/// `POST /system/backup {"passphrase"}`: the settings backup, encrypted with the passphrase.
pub async fn backup(
    axum::extract::State(st): axum::extract::State<super::AppState>,
    super::error::Json(b): super::error::Json<BackupAsk>,
) -> Result<impl IntoResponse, super::error::ApiError> {
    use crate::store::export::{RestoreError, MIN_PASSPHRASE};
    if b.passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(crate::core::CoreError::from(RestoreError::WeakPassphrase).into());
    }
    let store = st.core.store().clone();
    let file = tokio::task::spawn_blocking(move || store.export(&b.passphrase))
        .await
        .map_err(|e| super::error::ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    let name = format!("attachment; filename=\"onair-settings-{}.onairbackup\"", chrono::Utc::now().format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, name),
            (axum::http::header::CACHE_CONTROL, "no-store".into()),
        ],
        file,
    ))
}

/// `POST /system/restore` (multipart: `file`, `passphrase`): checks the backup whole, stages it and
/// restarts the box onto it; a wrong passphrase or a damaged file changes nothing.
pub async fn restore(
    axum::extract::State(st): axum::extract::State<super::AppState>,
    mut form: axum::extract::Multipart,
) -> Result<impl IntoResponse, super::error::ApiError> {
    use super::error::ApiError;
    let (mut file, mut passphrase) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|e| ApiError::bad_request(format!("the form cannot be read: {e}")))? {
        match field.name() {
            Some("file") => file = Some(field.bytes().await.map_err(|e| ApiError::bad_request(format!("the file cannot be read: {e}")))?.to_vec()),
            Some("passphrase") => passphrase = Some(field.text().await.map_err(|e| ApiError::bad_request(format!("the passphrase cannot be read: {e}")))?),
            _ => return Err(ApiError::bad_request("the form takes `file` and `passphrase` only")),
        }
    }
    let (Some(file), Some(passphrase)) = (file, passphrase) else { return Err(ApiError::invalid("the form needs `file` and `passphrase`")) };
    let cmd = crate::core::Command::RestoreSettings { file: crate::core::command::BackupFile(file), passphrase: crate::core::Secret(passphrase) };
    st.core.execute(cmd).await?;
    Ok((axum::http::StatusCode::ACCEPTED, axum::Json(serde_json::json!({"restarting": true}))))
}
