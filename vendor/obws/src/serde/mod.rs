#![allow(clippy::wildcard_imports)]
#![expect(clippy::ref_option, clippy::trivially_copy_pass_by_ref)]

pub mod audio_tracks;
pub mod duration_millis;
pub mod duration_timecode;
pub mod json_string;
pub mod rgba8_inverse;
