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
    /// The URL as the user gave it (no key), for tcUrl and SRT.
    pub base: String,
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
}

impl Target {
    pub fn parse(raw: &str, key: &str) -> Result<Target, TargetError> {
        let u = url::Url::parse(raw.trim()).map_err(|e| TargetError::Url(e.to_string()))?;
        let scheme = match u.scheme() {
            "rtmp" => Scheme::Rtmp,
            "rtmps" => Scheme::Rtmps,
            "srt" => Scheme::Srt,
            s => return Err(TargetError::Scheme(s.into())),
        };
        let host = u.host_str().filter(|h| !h.is_empty()).ok_or(TargetError::NoHost)?.to_string();
        let port = u.port().unwrap_or(match scheme {
            Scheme::Rtmp => 1935,
            Scheme::Rtmps => 443,
            Scheme::Srt => 9000,
        });
        let app = u.path().trim_matches('/').to_string();
        if scheme != Scheme::Srt && app.is_empty() {
            return Err(TargetError::NoApp);
        }
        Ok(Target { scheme, host, port, app, key: key.to_string(), base: raw.trim().trim_end_matches('/').to_string() })
    }

    /// The SRT URI with the key as `streamid` (unless the URL already carries one).
    pub fn srt_uri(&self) -> String {
        let mut u = url::Url::parse(&self.base).expect("parsed before");
        if !self.key.is_empty() && !u.query_pairs().any(|(k, _)| k == "streamid") {
            u.query_pairs_mut().append_pair("streamid", &self.key);
        }
        if !u.query_pairs().any(|(k, _)| k == "mode") {
            u.query_pairs_mut().append_pair("mode", "caller");
        }
        u.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_platform_urls() {
        let t = Target::parse("rtmps://live-api-s.facebook.com:443/rtmp/", "FB-123").unwrap();
        assert_eq!((t.scheme, t.host.as_str(), t.port, t.app.as_str()), (Scheme::Rtmps, "live-api-s.facebook.com", 443, "rtmp"));
        let t = Target::parse("rtmp://a.rtmp.youtube.com/live2", "k").unwrap();
        assert_eq!((t.port, t.app.as_str()), (1935, "live2"));
        assert!(!format!("{t:?}").contains('k') || !format!("{t:?}").contains("\"k\""));
        let t = Target::parse("srt://127.0.0.1:9999", "abc").unwrap();
        assert!(t.srt_uri().contains("streamid=abc") && t.srt_uri().contains("mode=caller"));
        assert_eq!(Target::parse("http://x/app", "").unwrap_err(), TargetError::Scheme("http".into()));
        assert_eq!(Target::parse("rtmp://host", "").unwrap_err(), TargetError::NoApp);
        assert!(Target::parse("not a url", "").is_err());
        let secret = Target::parse("rtmp://h/app", "sk_live_SECRET").unwrap();
        assert!(!format!("{secret:?}").contains("SECRET"));
    }
}
