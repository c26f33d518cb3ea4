//! What the box knows about each platform's ingest, so a user only pastes a stream key: the
//! documented primary ingest URL, whether plain RTMP is refused, which video codecs the platform
//! takes, and whether its keys are good for one stream only.
use serde::Serialize;

/// Video codecs as `media::flv::video_codec_name` names them.
pub const ANY_CODEC: &[&str] = &["h264", "hevc", "av1", "vp9"];
const H264: &[&str] = &["h264"];

#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Preset {
    pub platform: &'static str,
    pub label: &'static str,
    /// `None` where the platform hands out a URL per event (LinkedIn) or for `custom`.
    pub url: Option<&'static str>,
    pub requires_tls: bool,
    #[cfg_attr(test, ts(type = "string[]"))]
    pub video_codecs: &'static [&'static str],
    /// The platform issues a new key for every stream (TikTok LIVE Producer, Instagram Live
    /// Producer): a key used once will not work again.
    pub single_use_key: bool,
}

const fn p(platform: &'static str, label: &'static str, url: Option<&'static str>, requires_tls: bool, video_codecs: &'static [&'static str]) -> Preset {
    Preset { platform, label, url, requires_tls, video_codecs, single_use_key: false }
}

/// Twitch takes HEVC and AV1 only through its Enhanced Broadcasting (OBS's multitrack, Twitch's
/// own client); YouTube takes HEVC and AV1 over Enhanced RTMP; every other platform here documents
/// H.264 only. TikTok and Instagram hand out a server URL per broadcast as well: these are their
/// common endpoints, and the user can paste the one they are given instead.
pub const PRESETS: &[Preset] = &[
    p("twitch", "Twitch", Some("rtmp://live.twitch.tv/app"), false, H264),
    p("youtube", "YouTube", Some("rtmp://a.rtmp.youtube.com/live2"), false, &["h264", "hevc", "av1"]),
    p("facebook", "Facebook", Some("rtmps://live-api-s.facebook.com:443/rtmp"), true, H264),
    Preset { single_use_key: true, ..p("tiktok", "TikTok", Some("rtmp://push.tiktokcdn.com/live"), false, H264) },
    Preset { single_use_key: true, ..p("instagram", "Instagram", Some("rtmps://live-upload.instagram.com:443/rtmp"), true, H264) },
    // Kick's ingest is Amazon IVS and takes RTMPS only.
    p("kick", "Kick", Some("rtmps://fa723fc1b171.global-contribute.live-video.net/app"), true, H264),
    p("x", "X", Some("rtmp://ca.pscp.tv:80/x"), false, H264),
    p("linkedin", "LinkedIn", None, true, H264),
    p("rumble", "Rumble", Some("rtmp://rtmp.rumble.com/live"), false, H264),
    p("custom", "Custom", None, false, ANY_CODEC),
];

pub fn preset(platform: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.platform == platform)
}

pub fn platforms() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|p| p.platform)
}

pub fn default_url(platform: &str) -> Option<&'static str> {
    preset(platform)?.url
}

/// Platforms that refuse plain RTMP.
pub fn requires_tls(platform: &str) -> bool {
    preset(platform).is_some_and(|p| p.requires_tls)
}

/// The video codecs a destination on `platform` takes (any, for a platform the box does not know).
pub fn video_codecs(platform: &str) -> &'static [&'static str] {
    preset(platform).map_or(ANY_CODEC, |p| p.video_codecs)
}

pub fn label(platform: &str) -> &str {
    preset(platform).map_or(platform, |p| p.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_sound() {
        for p in PRESETS {
            assert!(!p.video_codecs.is_empty() && p.video_codecs.iter().all(|c| ANY_CODEC.contains(c)), "{}", p.platform);
            if let Some(u) = p.url {
                let t = crate::fanout::target::Target::parse(u, "k").unwrap_or_else(|e| panic!("{}: {e}", p.platform));
                assert_eq!(t.scheme == crate::fanout::target::Scheme::Rtmps, p.requires_tls, "{}", p.platform);
            }
        }
        assert_eq!(platforms().filter(|p| *p == "kick").count(), 1);
        assert!(requires_tls("kick") && requires_tls("facebook") && !requires_tls("twitch"));
        assert_eq!(video_codecs("twitch"), ["h264"]);
        assert!(video_codecs("youtube").contains(&"hevc") && video_codecs("youtube").contains(&"av1"));
        assert_eq!(video_codecs("custom"), ANY_CODEC);
        assert!(preset("tiktok").unwrap().single_use_key && !preset("youtube").unwrap().single_use_key);
    }
}
