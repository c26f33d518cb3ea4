//! Streaming platforms. For now: their documented ingest endpoints (see `presets`).
pub mod presets;
