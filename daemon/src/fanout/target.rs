//! Where one output sends: parsed from the destination's URL and its stream key.
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Rtmp,
    Rtmps,
    Srt,
}

#[derive(Clone, PartialEq)]
pub struct Target {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
    /// RTMP application path (everything after the host), e.g. `app` or `live2`.
    pub app: String,
    pub key: String,
    /// SRT only: the encryption passphrase (from the destination's sealed secrets).
    pub passphrase: String,
    /// The URL as the user gave it (no key), for tcUrl and SRT.
    pub base: String,
    /// What the destination takes: its platform's name and video codecs.
    pub takes: Takes,
    /// How far behind the program this destination runs.
    pub delay: std::time::Duration,
    /// Its own picture (`None`: the feed as it is).
    pub output: Option<crate::media::transcode::Output>,
    /// A feed in a codec it does not take is transcoded to H.264 (otherwise the card says why
    /// it cannot go out).
    pub transcode_fallback: bool,
    /// The program feed it takes.
    pub feed: crate::media::feed::FeedId,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Takes {
    pub label: String,
    pub video_codecs: &'static [&'static str],
}

impl Default for Takes {
    fn default() -> Self {
        Takes { label: "the destination".into(), video_codecs: crate::platforms::presets::ANY_CODEC }
    }
}

impl Takes {
    pub fn of(platform: &str) -> Takes {
        use crate::platforms::presets;
        Takes { label: presets::label(platform).to_string(), video_codecs: presets::video_codecs(platform) }
    }

    /// Why the feed's `codec` cannot go to this destination as it is; `None` when it can.
    pub fn refuses(&self, codec: &str) -> Option<super::OutError> {
        let names = |c: &str| match c {
            "h264" => "H.264".to_string(),
            "hevc" => "HEVC".to_string(),
            "av1" => "AV1".to_string(),
            "vp9" => "VP9".to_string(),
            other => other.to_string(),
        };
        (!self.video_codecs.contains(&codec)).then(|| super::OutError::Codec {
            label: self.label.clone(),
            takes: self.video_codecs.iter().map(|c| names(c)).collect::<Vec<_>>().join("/"),
            feed: names(codec),
        })
    }
}

// The stream key is a secret: it must never reach a log line through `{:?}`.
impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({})", self.base)
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TargetError {
    #[error("invalid URL: {0}")]
    Url(String),
    #[error("unsupported scheme {0:?}: use rtmp://, rtmps:// or srt://")]
    Scheme(String),
    #[error("URL has no host")]
    NoHost,
    #[error("an RTMP URL needs an application path, e.g. rtmp://host/app")]
    NoApp,
    #[error("the host must be a name or an IP address")]
    BadHost,
}

/// A DNS name (letters, digits, `-`, `_`, `.`) or an IP literal: nothing else can be a host we
/// connect to, and nothing else reaches a GStreamer element or a log line as one.
fn host_of(u: &url::Url) -> Result<String, TargetError> {
    match u.host() {
        None => Err(TargetError::NoHost),
        Some(url::Host::Ipv4(a)) => Ok(a.to_string()),
        Some(url::Host::Ipv6(a)) => Ok(a.to_string()),
        Some(url::Host::Domain("")) => Err(TargetError::NoHost),
        Some(url::Host::Domain(d)) => {
            if let Some(inner) = d.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
                return inner.parse::<std::net::Ipv6Addr>().map(|a| a.to_string()).map_err(|_| TargetError::BadHost);
            }
            if d.len() <= 253 && d.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                Ok(d.to_string())
            } else {
                Err(TargetError::BadHost)
            }
        }
    }
}

impl Target {
    pub fn parse(raw: &str, key: &str) -> Result<Target, TargetError> {
        // `base` (tcUrl, the SRT URI) is what gets parsed, so it names the same place: the URL
        // parser drops trailing control characters, which a trailing '/' had hidden (found by
        // fuzz/fuzz_targets/destination_url.rs).
        let base = raw.trim().trim_end_matches(|c: char| c == '/' || c.is_ascii_control() || c.is_whitespace());
        let u = url::Url::parse(base).map_err(|e| TargetError::Url(e.to_string()))?;
        let scheme = match u.scheme() {
            "rtmp" => Scheme::Rtmp,
            "rtmps" => Scheme::Rtmps,
            "srt" => Scheme::Srt,
            s => return Err(TargetError::Scheme(s.into())),
        };
        let host = host_of(&u)?;
        let port = u.port().unwrap_or(match scheme {
            Scheme::Rtmp => 1935,
            Scheme::Rtmps => 443,
            Scheme::Srt => 9000,
        });
        let app = u.path().trim_matches('/').to_string();
        if scheme != Scheme::Srt && app.is_empty() {
            return Err(TargetError::NoApp);
        }
        Ok(Target {
            scheme,
            host,
            port,
            app,
            key: key.to_string(),
            passphrase: String::new(),
            base: base.to_string(),
            takes: Takes::default(),
            delay: std::time::Duration::ZERO,
            output: None,
            transcode_fallback: false,
            feed: Default::default(),
        })
    }

    pub fn with_passphrase(mut self, p: &str) -> Self {
        self.passphrase = p.to_string();
        self
    }

    pub fn from_feed(mut self, feed: crate::media::feed::FeedId) -> Self {
        self.feed = feed;
        self
    }

    pub fn delayed(mut self, delay: std::time::Duration) -> Self {
        self.delay = delay;
        self
    }

    pub fn transcoded(mut self, output: Option<crate::media::transcode::Output>, fallback: bool) -> Self {
        self.output = output;
        self.transcode_fallback = fallback;
        self
    }

    pub fn taking(mut self, takes: Takes) -> Self {
        self.takes = takes;
        self
    }

    /// The SRT URI for `srtsink`, without secrets: the stream key (`streamid`) and the passphrase
    /// are set as the element's own properties, so no error message that names the URI carries
    /// them. A `streamid` or `passphrase` left in an old URL is dropped here.
    pub fn srt_uri(&self) -> String {
        let mut u = url::Url::parse(&self.base).expect("parsed before");
        let keep: Vec<(String, String)> =
            u.query_pairs().filter(|(k, _)| k != "streamid" && k != "passphrase").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let _ = u.set_username("");
        let _ = u.set_password(None);
        u.set_query(None);
        if !keep.is_empty() {
            u.query_pairs_mut().extend_pairs(&keep);
        }
        if !keep.iter().any(|(k, _)| k == "mode") {
            u.query_pairs_mut().append_pair("mode", "caller");
        }
        u.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs the destination_url fuzz target found: `base` named another app than the target.
    #[test]
    fn base_names_the_same_place_as_the_target() {
        for raw in ["RTMP://LIWIV://LIWIVC\x05\0\0\0\0\0\0\0C\x05\0\0\0\0\0\0\0/", "srt://,2rrt://:/\x01\0/", "rtmp://h/app\0/\0/"] {
            let Ok(t) = Target::parse(raw, "k") else { continue };
            let again = Target::parse(&t.base, "k").unwrap();
            assert_eq!((again.scheme, &again.host, again.port, &again.app), (t.scheme, &t.host, t.port, &t.app), "{raw:?}");
        }
    }

    #[test]
    fn parses_platform_urls() {
        let t = Target::parse("rtmps://live-api-s.facebook.com:443/rtmp/", "FB-123").unwrap();
        assert_eq!((t.scheme, t.host.as_str(), t.port, t.app.as_str()), (Scheme::Rtmps, "live-api-s.facebook.com", 443, "rtmp"));
        let t = Target::parse("rtmp://a.rtmp.youtube.com/live2", "k").unwrap();
        assert_eq!((t.port, t.app.as_str()), (1935, "live2"));
        assert!(!format!("{t:?}").contains('k') || !format!("{t:?}").contains("\"k\""));
        let t = Target::parse("srt://127.0.0.1:9999?latency=200&streamid=old&passphrase=oldpassphrase", "abc").unwrap();
        assert_eq!(t.srt_uri(), "srt://127.0.0.1:9999?latency=200&mode=caller", "no secret in the URI");
        let t = Target::parse("rtmp://[::1]:1936/app", "").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 1936));
        for bad in ["srt://x\"!filesink\"location=/tmp/evil:9000", "srt://a'b!c:9000", "rtmp://h%20x/app"] {
            assert!(Target::parse(bad, "").is_err(), "{bad}");
        }
        assert_eq!(Target::parse("http://x/app", "").unwrap_err(), TargetError::Scheme("http".into()));
        assert_eq!(Target::parse("rtmp://host", "").unwrap_err(), TargetError::NoApp);
        assert!(Target::parse("not a url", "").is_err());
        let secret = Target::parse("rtmp://h/app", "sk_live_SECRET").unwrap();
        assert!(!format!("{secret:?}").contains("SECRET"));
    }
}
