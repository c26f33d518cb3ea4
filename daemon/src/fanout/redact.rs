//! Text that comes back from a destination (an RTMP status code or description, a TLS or socket
//! error, a GStreamer message) may quote what it was sent, stream key included. It is redacted of
//! the destination's secrets, in clear and in the URL-encoded forms a server or a library would
//! write them, before anything stores, logs, alerts or shows it.
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

pub const MARK: &str = "[redacted]";

/// Secrets shorter than this are not looked for: they would match ordinary words (and a key this
/// short protects nothing).
const MIN_LEN: usize = 4;

// The sets of the URL standard (query, path segment, userinfo) and of encodeURIComponent.
const QUERY: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>');
const PATH: &AsciiSet = &QUERY.add(b'?').add(b'`').add(b'{').add(b'}').add(b'/').add(b'%');
const USERINFO: &AsciiSet = &PATH.add(b':').add(b';').add(b'=').add(b'@').add(b'[').add(b'\\').add(b']').add(b'^').add(b'|');
const COMPONENT: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'!').remove(b'~').remove(b'*').remove(b'\'').remove(b'(').remove(b')');

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a longer form is replaced whole before a shorter one inside it.
    needles: Vec<String>,
}

fn forms(secret: &str) -> Vec<String> {
    let mut v = vec![secret.to_string()];
    for set in [NON_ALPHANUMERIC, COMPONENT, USERINFO, PATH, QUERY] {
        let e = utf8_percent_encode(secret, set).to_string();
        // Hex digits in either case: `%2F` and `%2f`.
        v.push(lower_hex(&e));
        v.push(e);
    }
    v.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    if let Ok(j) = serde_json::to_string(secret) {
        v.push(j[1..j.len() - 1].to_string());
    }
    v
}

fn lower_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = 0;
    for c in s.chars() {
        if c == '%' {
            rest = 2;
            out.push(c);
        } else if rest > 0 {
            rest -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut needles: Vec<String> = secrets.into_iter().filter(|s| s.len() >= MIN_LEN).flat_map(forms).collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        Redactor { needles }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut t = text.to_string();
        for n in &self.needles {
            if t.contains(n.as_str()) {
                t = t.replace(n.as_str(), MARK);
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_and_encoded_forms_go() {
        let key = "sk_live/Secret+key=1?x y";
        let r = Redactor::new([key, "pass phrase 01"]);
        let texts = [
            format!("publish {key} refused"),
            format!("NetStream.Publish.BadName: {}", utf8_percent_encode(key, NON_ALPHANUMERIC)),
            format!("GET /x?k={}", url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()),
            format!("rtmp://h/app/{}", lower_hex(&utf8_percent_encode(key, PATH).to_string())),
            format!("{{\"key\":{}}}", serde_json::to_string(key).unwrap()),
            "srt: passphrase pass%20phrase%2001 wrong".to_string(),
        ];
        for t in texts {
            let out = r.redact(&t);
            assert!(out.contains(MARK), "{t} -> {out}");
            assert!(!out.contains("Secret") && !out.contains("phrase 01") && !out.contains("phrase%2001"), "{t} -> {out}");
        }
        assert_eq!(r.redact("nothing here"), "nothing here");
        // Short secrets are not hunted for in ordinary words.
        assert_eq!(Redactor::new(["abc", ""]).redact("abcdef"), "abcdef");
    }
}
