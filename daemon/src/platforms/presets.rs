//! Default ingest URLs, so a user only pastes a stream key. RTMPS where the platform requires it.
pub const PLATFORMS: &[&str] = &["twitch", "youtube", "facebook", "tiktok", "instagram", "custom"];

/// The documented primary ingest for each platform. TikTok and Instagram hand out a server URL
/// per broadcast (TikTok LIVE Producer, Instagram Live Producer); these are their common
/// endpoints and the user can paste the one they are given instead.
pub fn default_url(platform: &str) -> Option<&'static str> {
    Some(match platform {
        "twitch" => "rtmp://live.twitch.tv/app",
        "youtube" => "rtmp://a.rtmp.youtube.com/live2",
        "facebook" => "rtmps://live-api-s.facebook.com:443/rtmp",
        "tiktok" => "rtmp://push.tiktokcdn.com/live",
        "instagram" => "rtmps://live-upload.instagram.com:443/rtmp",
        _ => return None,
    })
}

/// Platforms that refuse plain RTMP.
pub fn requires_tls(platform: &str) -> bool {
    matches!(platform, "facebook" | "instagram")
}
