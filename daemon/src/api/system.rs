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
