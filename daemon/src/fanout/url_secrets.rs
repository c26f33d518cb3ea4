//! Secrets pasted inside a destination URL: `rtmp://host/app/KEY`, `srt://host:port?streamid=KEY`,
//! `?passphrase=...`, `user:password@`. They are taken out of the URL (which the API returns and
//! the database keeps in clear) so the store can seal them as the destination's stream key and
//! passphrase.
use super::target::{Scheme, Target, TargetError};

/// What came out of a URL.
#[derive(Debug, Default, PartialEq)]
pub struct Split {
    /// The URL without any secret.
    pub url: String,
    /// A stream key found in the URL (its last path segment, `streamid`, or the userinfo).
    pub key: Option<String>,
    /// An SRT `passphrase` found in the query.
    pub passphrase: Option<String>,
    /// What was taken out, for the user: `"stream_key"`, `"passphrase"`, `"userinfo"`.
    pub moved: Vec<&'static str>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SplitError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("the URL carries a stream key ({0}) and stream_key is given too: give the key once")]
    TwoKeys(&'static str),
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Takes the secrets out of `raw`. `explicit_key` is the stream key given alongside the URL (empty
/// when none): an RTMP path deeper than `/app` is then an application path (`app/instance`), unless
/// its last segment is that key; an SRT `streamid` that differs from it is an error.
pub fn split(raw: &str, explicit_key: &str) -> Result<Split, SplitError> {
    let t = Target::parse(raw, "")?;
    let mut u = url::Url::parse(raw.trim()).map_err(|e| TargetError::Url(e.to_string()))?;
    let mut out = Split::default();
    let userinfo = match (u.username(), u.password()) {
        ("", None) => None,
        (user, pass) => Some(decode(pass.filter(|p| !p.is_empty()).unwrap_or(user))),
    };
    if userinfo.is_some() {
        let _ = u.set_username("");
        let _ = u.set_password(None);
        out.moved.push("userinfo");
    }
    match t.scheme {
        Scheme::Srt => {
            let mut rest = Vec::new();
            for (k, v) in u.query_pairs() {
                match &*k {
                    "streamid" => out.key = Some(v.into_owned()),
                    "passphrase" => out.passphrase = Some(v.into_owned()),
                    _ => rest.push((k.into_owned(), v.into_owned())),
                }
            }
            if out.key.is_some() || out.passphrase.is_some() {
                if rest.is_empty() {
                    u.set_query(None);
                } else {
                    u.query_pairs_mut().clear().extend_pairs(rest);
                }
            }
            if let Some(k) = &out.key {
                if !explicit_key.is_empty() && explicit_key != k {
                    return Err(SplitError::TwoKeys("streamid"));
                }
                out.moved.push("stream_key");
            }
            if out.passphrase.is_some() {
                out.moved.push("passphrase");
            }
        }
        Scheme::Rtmp | Scheme::Rtmps => {
            let segs: Vec<String> = u.path().split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
            if segs.len() >= 2 {
                let last = decode(&segs[segs.len() - 1]);
                // Some keys carry a query of their own (Facebook's `...?s_bl=1&a=...`).
                let with_query = match u.query() {
                    Some(q) => format!("{last}?{q}"),
                    None => last.clone(),
                };
                if explicit_key.is_empty() || explicit_key == with_query || explicit_key == last {
                    u.set_path(&format!("/{}", segs[..segs.len() - 1].join("/")));
                    // The given key without the query: the query stays (as before, unused by RTMP).
                    let key = if explicit_key == last {
                        last
                    } else {
                        u.set_query(None);
                        with_query
                    };
                    out.key = Some(key);
                    out.moved.push("stream_key");
                }
            }
        }
    }
    if out.key.is_none() && explicit_key.is_empty() {
        out.key = userinfo;
    }
    out.url = if out.moved.is_empty() { raw.trim().trim_end_matches('/').to_string() } else { u.to_string().trim_end_matches('/').to_string() };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(raw: &str, key: &str) -> Split {
        split(raw, key).unwrap()
    }

    #[test]
    fn rtmp_key_in_the_path() {
        let r = s("rtmp://live.twitch.tv/app/live_123_abcDEF", "");
        assert_eq!((r.url.as_str(), r.key.as_deref(), r.moved.as_slice()), ("rtmp://live.twitch.tv/app", Some("live_123_abcDEF"), &["stream_key"][..]));
        // A key with a query of its own (Facebook), and percent-encoding.
        let r = s("rtmps://live-api-s.facebook.com:443/rtmp/FB-1-0-Ab%2Bc?s_bl=1&a=Xy", "");
        assert_eq!(r.url, "rtmps://live-api-s.facebook.com:443/rtmp");
        assert_eq!(r.key.as_deref(), Some("FB-1-0-Ab+c?s_bl=1&a=Xy"));
        // Nothing to move: the URL is kept as written (without a trailing slash).
        let r = s("rtmps://live-api-s.facebook.com:443/rtmp/", "");
        assert_eq!((r.url.as_str(), r.key, r.moved.len()), ("rtmps://live-api-s.facebook.com:443/rtmp", None, 0));
        // With the key given too: the same key in the path is taken out, another segment is an app path.
        let r = s("rtmp://h/app/sk_1234", "sk_1234");
        assert_eq!((r.url.as_str(), r.key.as_deref()), ("rtmp://h/app", Some("sk_1234")));
        let r = s("rtmp://h/app/instance", "sk_1234");
        assert_eq!((r.url.as_str(), r.key, r.moved.len()), ("rtmp://h/app/instance", None, 0));
    }

    #[test]
    fn srt_streamid_and_passphrase() {
        let r = s("srt://1.2.3.4:9000?streamid=sk_srt_1&latency=200&passphrase=pass%20word%2B1", "");
        assert_eq!(r.url, "srt://1.2.3.4:9000?latency=200");
        assert_eq!((r.key.as_deref(), r.passphrase.as_deref()), (Some("sk_srt_1"), Some("pass word+1")));
        assert_eq!(r.moved, ["stream_key", "passphrase"]);
        let r = s("srt://1.2.3.4:9000?passphrase=0123456789", "k");
        assert_eq!((r.url.as_str(), r.key, r.passphrase.as_deref()), ("srt://1.2.3.4:9000", None, Some("0123456789")));
        assert_eq!(split("srt://h:1?streamid=a", "b"), Err(SplitError::TwoKeys("streamid")));
        assert_eq!(s("srt://h:1?streamid=a", "a").key.as_deref(), Some("a"));
        assert_eq!(s("srt://h:1?latency=20", "").moved.len(), 0);
    }

    #[test]
    fn userinfo() {
        let r = s("rtmp://someone:sk_pass%40x@h:1935/app", "");
        assert_eq!((r.url.as_str(), r.key.as_deref(), r.moved.as_slice()), ("rtmp://h:1935/app", Some("sk_pass@x"), &["userinfo"][..]));
        let r = s("srt://onlyuser@h:1", "");
        assert_eq!((r.url.as_str(), r.key.as_deref()), ("srt://h:1", Some("onlyuser")));
        // An explicit key wins; the userinfo is still removed.
        let r = s("rtmp://u:p@h/app", "sk");
        assert_eq!((r.url.as_str(), r.key, r.moved.as_slice()), ("rtmp://h/app", None, &["userinfo"][..]));
        assert!(split("ftp://h/x", "").is_err());
    }
}
