//! Which H.264 encoders this machine has, best first: hardware when present, x264 as the fallback.
use gstreamer as gst;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Encoder {
    pub name: &'static str,
    pub hardware: bool,
    pub available: bool,
}

/// In order of preference.
pub const CANDIDATES: [(&str, bool); 4] = [("v4l2h264enc", true), ("nvv4l2h264enc", true), ("vaapih264enc", true), ("x264enc", false)];

/// Looks each candidate up in GStreamer's registry (`gst::init` must have run).
pub fn probe() -> Vec<Encoder> {
    probe_with(|n| gst::ElementFactory::find(n).is_some())
}

pub fn probe_with(has: impl Fn(&str) -> bool) -> Vec<Encoder> {
    CANDIDATES.iter().map(|(name, hw)| Encoder { name, hardware: *hw, available: has(name) }).collect()
}

/// The best available encoder, or the user's choice when it is available.
pub fn pick(found: &[Encoder], wanted: Option<&str>) -> Option<&'static str> {
    if let Some(w) = wanted {
        if let Some(e) = found.iter().find(|e| e.name == w && e.available) {
            return Some(e.name);
        }
    }
    found.iter().find(|e| e.available).map(|e| e.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_has_x264_only() {
        gst::init().unwrap();
        let found = probe();
        assert_eq!(pick(&found, None), Some("x264enc"));
        for e in &found {
            assert_eq!(e.available, e.name == "x264enc", "{e:?}");
        }
    }

    #[test]
    fn hardware_wins_when_present_and_a_choice_is_honoured() {
        let found = probe_with(|n| n == "x264enc" || n == "v4l2h264enc");
        assert_eq!(pick(&found, None), Some("v4l2h264enc"));
        assert_eq!(pick(&found, Some("x264enc")), Some("x264enc"));
        assert_eq!(pick(&found, Some("nvv4l2h264enc")), Some("v4l2h264enc"), "an absent choice falls back");
    }
}
