//! The kinds of channel and what each sends, as their services document it: a generic webhook
//! (the notice as JSON, signed with HMAC-SHA256), Discord and Slack incoming webhooks, a Telegram
//! bot's `sendMessage`, and ntfy. Sans-IO: settings are checked here and a notice becomes the HTTP
//! request to make; `deliver` makes it.
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::kinds::Notice;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ChannelError {
    #[error("unknown channel kind {0:?}: webhook, discord, slack, telegram, ntfy, email or sms")]
    UnknownKind(String),
    #[error("{0} channels are not supported by this version of the box yet")]
    NotYet(&'static str),
    #[error("{0}")]
    Invalid(String),
}

/// The settings a kind keeps in the clear, and the one field that is its secret.
fn shape(kind: &str) -> Result<(&'static [&'static str], Option<&'static str>), ChannelError> {
    Ok(match kind {
        "webhook" => (&["url"], Some("secret")),
        "discord" | "slack" => (&[], Some("webhook_url")),
        "telegram" => (&["chat_id"], Some("bot_token")),
        "ntfy" => (&["server", "topic"], Some("token")),
        "email" => (&["host", "port", "security", "username", "from", "to"], Some("password")),
        "sms" => (&["provider", "account_sid", "from", "to"], Some("auth_token")),
        k => return Err(ChannelError::UnknownKind(k.to_string())),
    })
}

/// A channel as the API gives it: its kind's settings, and its secret (if this request sets one).
#[derive(Debug, PartialEq)]
pub struct Checked {
    pub settings: Value,
    pub secret: Option<String>,
}

fn http_url(field: &str, u: &str) -> Result<(), ChannelError> {
    let ok = url::Url::parse(u).ok().is_some_and(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some());
    if ok && u.len() <= 2000 {
        Ok(())
    } else {
        Err(ChannelError::Invalid(format!("{field} must be an http:// or https:// URL")))
    }
}

/// Checks the fields `body` gives for a channel of `kind` (all of them when `creating`; on an edit
/// only those present, laid over `current`).
pub fn check(kind: &str, body: &serde_json::Map<String, Value>, current: Option<&Value>, creating: bool) -> Result<Checked, ChannelError> {
    let (fields, secret_field) = shape(kind)?;
    let mut settings = current.cloned().filter(Value::is_object).unwrap_or_else(|| json!({}));
    for (k, v) in body {
        if matches!(k.as_str(), "kind" | "name" | "enabled") || Some(k.as_str()) == secret_field {
            continue;
        }
        if !fields.contains(&k.as_str()) {
            return Err(ChannelError::Invalid(format!("a {kind} channel has no field {k:?}")));
        }
        // A port may come as a number.
        let num = v.as_u64().filter(|_| k == "port").map(|n| n.to_string());
        let s = num.as_deref().or(v.as_str()).map(str::trim).filter(|s| !s.is_empty() && s.len() <= 2000);
        let Some(s) = s else { return Err(ChannelError::Invalid(format!("{k} must be a non-empty string"))) };
        settings[k.as_str()] = json!(s);
    }
    let secret = match secret_field.and_then(|f| body.get(f).map(|v| (f, v))) {
        Some((f, v)) => Some(
            v.as_str()
                .map(str::trim)
                .filter(|s| !s.is_empty() && s.len() <= 2000)
                .ok_or_else(|| ChannelError::Invalid(format!("{f} must be a non-empty string")))?
                .to_string(),
        ),
        None => None,
    };
    if kind == "ntfy" && settings.get("server").is_none() {
        settings["server"] = json!("https://ntfy.sh");
    }
    let get = |k: &str| settings.get(k).and_then(Value::as_str).map(str::to_string);
    match kind {
        "webhook" => {
            http_url("url", &get("url").ok_or_else(|| ChannelError::Invalid("a webhook needs a url".into()))?)?;
            if creating && secret.as_ref().is_none_or(|s| s.len() < 16) {
                return Err(ChannelError::Invalid("a webhook needs a secret of at least 16 characters (its messages are signed with it)".into()));
            }
        }
        "discord" | "slack" => match &secret {
            Some(u) => http_url("webhook_url", u)?,
            None if creating => return Err(ChannelError::Invalid(format!("a {kind} channel needs its webhook_url"))),
            None => {}
        },
        "telegram" => {
            let chat = get("chat_id").ok_or_else(|| ChannelError::Invalid("a telegram channel needs a chat_id".into()))?;
            if !chat.strip_prefix('-').unwrap_or(&chat).chars().all(|c| c.is_ascii_digit()) && !chat.starts_with('@') {
                return Err(ChannelError::Invalid("chat_id is a number (or @channelname)".into()));
            }
            if let Some(t) = &secret {
                if !t.split_once(':').is_some_and(|(id, rest)| id.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty()) {
                    return Err(ChannelError::Invalid("bot_token looks like 123456:ABC-DEF… (from @BotFather)".into()));
                }
            } else if creating {
                return Err(ChannelError::Invalid("a telegram channel needs the bot_token".into()));
            }
        }
        "ntfy" => {
            let topic = get("topic").ok_or_else(|| ChannelError::Invalid("an ntfy channel needs a topic".into()))?;
            if topic.len() > 64 || !topic.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(ChannelError::Invalid("topic is up to 64 letters, digits, - and _".into()));
            }
            http_url("server", &get("server").unwrap_or_default())?;
        }
        "email" => {
            email_settings(&settings)?;
        }
        "sms" => {
            if get("provider").is_some_and(|p| p != "twilio") {
                return Err(ChannelError::NotYet("SMS providers other than Twilio"));
            }
            let sid = get("account_sid").unwrap_or_default();
            if !(sid.len() == 34 && sid.starts_with("AC") && sid[2..].chars().all(|c| c.is_ascii_hexdigit())) {
                return Err(ChannelError::Invalid("account_sid is Twilio's account SID (AC and 32 hex digits)".into()));
            }
            for f in ["from", "to"] {
                let n = get(f).unwrap_or_default();
                if !(n.starts_with('+') && (8..=16).contains(&n.len()) && n[1..].chars().all(|c| c.is_ascii_digit())) {
                    return Err(ChannelError::Invalid(format!("{f} is a phone number in international form (+5511…)")));
                }
            }
            if creating && secret.is_none() {
                return Err(ChannelError::Invalid("an SMS channel needs the account's auth_token".into()));
            }
        }
        _ => {}
    }
    Ok(Checked { settings, secret })
}

/// How an e-mail channel reaches its server: STARTTLS on the submission port, or TLS from the first
/// byte (SMTPS); never in the clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
}

/// An e-mail channel's server and addresses, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub from: String,
    pub to: Vec<String>,
}

fn address(field: &str, a: &str) -> Result<String, ChannelError> {
    a.parse::<lettre::message::Mailbox>().map(|m| m.to_string()).map_err(|_| ChannelError::Invalid(format!("{field} must be an e-mail address, not {a:?}")))
}

/// Reads an e-mail channel's settings (what `check` keeps) into where and to whom to send.
pub fn email_settings(settings: &Value) -> Result<Mail, ChannelError> {
    let get = |k: &str| settings.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let host = get("host").ok_or_else(|| ChannelError::Invalid("an e-mail channel needs the SMTP server's host".into()))?;
    if host.len() > 253 || !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')) {
        return Err(ChannelError::Invalid("host must be a host name or an IP address".into()));
    }
    let security = match get("security").unwrap_or("starttls") {
        "starttls" => Security::StartTls,
        "tls" => Security::Tls,
        _ => return Err(ChannelError::Invalid("security is starttls (port 587) or tls (port 465): never in the clear".into())),
    };
    let port = match get("port") {
        None => {
            if security == Security::Tls {
                465
            } else {
                587
            }
        }
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| ChannelError::Invalid("port must be 1 to 65535".into()))?,
    };
    let from = address("from", get("from").ok_or_else(|| ChannelError::Invalid("an e-mail channel needs a from address".into()))?)?;
    let to: Vec<String> =
        get("to").unwrap_or_default().split(',').map(str::trim).filter(|a| !a.is_empty()).map(|a| address("to", a)).collect::<Result<_, _>>()?;
    if to.is_empty() || to.len() > 10 {
        return Err(ChannelError::Invalid("to is 1 to 10 addresses, separated by commas".into()));
    }
    Ok(Mail { host: host.to_string(), port, security, username: get("username").map(str::to_string), from, to })
}

/// An alert's e-mail: (subject, plain-text body).
pub fn email_text(n: &Notice) -> (String, String) {
    let subject = format!("onair: {}", n.message.chars().take(120).collect::<String>());
    let mut body = format!("{}\n\n{} · {}", n.message, n.kind.as_str(), n.at);
    if let Some(d) = &n.destination {
        body.push_str(&format!(" · {d}"));
    }
    body.push_str("\n\n-- \nYour onair box. Which alerts come here is set on its dashboard (Alerts to your phone).\n");
    (subject, body)
}

/// One HTTP request to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The generic webhook's signature header value: `sha256=<hex HMAC-SHA256 of the body>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    m.update(body);
    format!("sha256={}", hex(&m.finalize().into_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn text(n: &Notice) -> String {
    let mark = match n.level {
        crate::alert::Level::Error => "🔴",
        crate::alert::Level::Warning => "🟠",
        crate::alert::Level::Info => "🟢",
    };
    format!("{mark} onair: {}", n.message)
}

/// Where Twilio's REST API is (a test points it at a local server).
pub fn twilio_api() -> String {
    std::env::var("ONAIR_TWILIO_API_URL").unwrap_or_else(|_| "https://api.twilio.com".into())
}

/// Where Telegram's Bot API is (a test points it at a local server).
pub fn telegram_api() -> String {
    std::env::var("ONAIR_TELEGRAM_API_URL").unwrap_or_else(|_| "https://api.telegram.org".into())
}

/// The request that tells `n` on a channel of `kind` with `settings` and `secret`.
pub fn request(kind: &str, settings: &Value, secret: Option<&str>, n: &Notice) -> Result<Outgoing, ChannelError> {
    let get = |k: &str| settings.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let json_body = |v: Value| (vec![("Content-Type".to_string(), "application/json".to_string())], v.to_string().into_bytes());
    let missing = || ChannelError::Invalid(format!("the {kind} channel has no secret set"));
    let (url, headers, body) = match kind {
        "webhook" => {
            let body = serde_json::to_vec(n).unwrap_or_default();
            let sig = signature(secret.ok_or_else(missing)?, &body);
            (get("url"), vec![("Content-Type".into(), "application/json".into()), ("X-Onair-Signature".into(), sig)], body)
        }
        "discord" => {
            let (h, b) = json_body(json!({"content": text(n), "username": "onair", "allowed_mentions": {"parse": []}}));
            (secret.ok_or_else(missing)?.to_string(), h, b)
        }
        "slack" => {
            let (h, b) = json_body(json!({"text": text(n)}));
            (secret.ok_or_else(missing)?.to_string(), h, b)
        }
        "telegram" => {
            let (h, b) = json_body(json!({"chat_id": get("chat_id"), "text": text(n), "disable_web_page_preview": true}));
            (format!("{}/bot{}/sendMessage", telegram_api(), secret.ok_or_else(missing)?), h, b)
        }
        "ntfy" => {
            let priority = match n.level {
                crate::alert::Level::Error => "5",
                crate::alert::Level::Warning => "4",
                crate::alert::Level::Info => "3",
            };
            let mut h = vec![("Title".to_string(), "onair".to_string()), ("Priority".into(), priority.into()), ("Tags".into(), n.kind.as_str().into())];
            if let Some(t) = secret {
                h.push(("Authorization".into(), format!("Bearer {t}")));
            }
            (format!("{}/{}", get("server").trim_end_matches('/'), get("topic")), h, n.message.clone().into_bytes())
        }
        "sms" => {
            use base64::Engine;
            let sid = get("account_sid");
            let auth = base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{}", secret.ok_or_else(missing)?));
            // One SMS is 160 GSM characters (70 with accents); two segments at most.
            let text: String = text(n).chars().take(140).collect();
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("To", &get("to"))
                .append_pair("From", &get("from"))
                .append_pair("Body", &text)
                .finish();
            let h = vec![("Authorization".to_string(), format!("Basic {auth}")), ("Content-Type".into(), "application/x-www-form-urlencoded".into())];
            (format!("{}/2010-04-01/Accounts/{sid}/Messages.json", twilio_api()), h, body.into_bytes())
        }
        k => {
            shape(k)?;
            return Err(ChannelError::UnknownKind(k.to_string()));
        }
    };
    Ok(Outgoing { url, headers, body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Level;
    use crate::notify::kinds::Kind;

    fn obj(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn notice() -> Notice {
        Notice {
            kind: Kind::FeedLost,
            level: Level::Error,
            message: "the main feed was lost".into(),
            at: "2026-12-07T15:00:00Z".into(),
            show_id: Some(3),
            destination: None,
            key: "feed".into(),
        }
    }

    #[test]
    fn settings_are_checked_and_the_secret_kept_apart() {
        let c = check("webhook", &obj(json!({"kind": "webhook", "name": "x", "url": "https://example.org/hook", "secret": "0123456789abcdef"})), None, true)
            .unwrap();
        assert_eq!(c, Checked { settings: json!({"url": "https://example.org/hook"}), secret: Some("0123456789abcdef".into()) });
        for (kind, body) in [
            ("webhook", json!({"url": "ftp://x/y", "secret": "0123456789abcdef"})),
            ("webhook", json!({"url": "https://x/y", "secret": "short"})),
            ("webhook", json!({"url": "https://x/y"})),
            ("webhook", json!({"url": "https://x/y", "secret": "0123456789abcdef", "extra": "1"})),
            ("discord", json!({})),
            ("discord", json!({"webhook_url": "javascript:alert(1)"})),
            ("telegram", json!({"chat_id": "12; DROP", "bot_token": "1:a"})),
            ("telegram", json!({"chat_id": "12", "bot_token": "nocolon"})),
            ("ntfy", json!({"topic": "../admin"})),
            ("ntfy", json!({"topic": 5})),
        ] {
            assert!(matches!(check(kind, &obj(body.clone()), None, true), Err(ChannelError::Invalid(_))), "{kind} {body}");
        }
        assert_eq!(check("pigeon", &obj(json!({})), None, true), Err(ChannelError::UnknownKind("pigeon".into())));
        // SMS through Twilio: its account SID, numbers in international form, the token kept apart.
        let sid = "AC0123456789abcdef0123456789abcdef";
        let sms = check("sms", &obj(json!({"account_sid": sid, "from": "+15005550006", "to": "+5511987654321", "auth_token": "tok"})), None, true).unwrap();
        assert_eq!(sms.secret.as_deref(), Some("tok"));
        let out = request("sms", &sms.settings, Some("tok"), &notice()).unwrap();
        assert!(out.url.ends_with(&format!("/2010-04-01/Accounts/{sid}/Messages.json")), "{}", out.url);
        assert!(String::from_utf8(out.body).unwrap().starts_with("To=%2B5511987654321&From=%2B15005550006&Body="));
        for bad in [
            json!({"account_sid": "AC12", "from": "+15005550006", "to": "+5511987654321", "auth_token": "t"}),
            json!({"account_sid": sid, "from": "5550006", "to": "+5511987654321", "auth_token": "t"}),
            json!({"account_sid": sid, "from": "+15005550006", "to": "+5511987654321"}),
        ] {
            assert!(matches!(check("sms", &obj(bad.clone()), None, true), Err(ChannelError::Invalid(_))), "{bad}");
        }
        assert_eq!(check("sms", &obj(json!({"provider": "carrier-pigeon"})), None, true), Err(ChannelError::NotYet("SMS providers other than Twilio")));
        // E-mail: the server, STARTTLS by default on 587, TLS on 465, never plain; real addresses.
        let m = check(
            "email",
            &obj(json!({"host": "smtp.example.org", "from": "box@example.org", "to": "me@example.org, crew@example.org", "password": "pw"})),
            None,
            true,
        )
        .unwrap();
        assert_eq!(m.secret.as_deref(), Some("pw"));
        let mail = email_settings(&m.settings).unwrap();
        assert_eq!((mail.port, mail.security, mail.to.len()), (587, Security::StartTls, 2));
        let tls =
            check("email", &obj(json!({"host": "smtp.example.org", "security": "tls", "port": 2465, "from": "a@b.org", "to": "c@d.org"})), None, true).unwrap();
        assert_eq!(email_settings(&tls.settings).unwrap().port, 2465, "a port given as a number");
        for bad in [
            json!({"host": "smtp.example.org", "security": "none", "from": "a@b.org", "to": "c@d.org"}),
            json!({"host": "smtp.example.org", "from": "not an address", "to": "c@d.org"}),
            json!({"host": "smtp.example.org", "from": "a@b.org", "to": "c@d.org\r\nBcc: x@y.org"}),
            json!({"host": "smtp example.org", "from": "a@b.org", "to": "c@d.org"}),
            json!({"host": "smtp.example.org", "from": "a@b.org"}),
            json!({"host": "smtp.example.org", "port": "99999", "from": "a@b.org", "to": "c@d.org"}),
        ] {
            assert!(matches!(check("email", &obj(bad.clone()), None, true), Err(ChannelError::Invalid(_))), "{bad}");
        }
        let n = check("ntfy", &obj(json!({"topic": "my-show"})), None, true).unwrap();
        assert_eq!(n.settings, json!({"topic": "my-show", "server": "https://ntfy.sh"}), "ntfy.sh unless another server is given");
        // An edit changes what it names, keeps the rest, and may leave the secret as it is.
        let e = check("telegram", &obj(json!({"chat_id": "-100123"})), Some(&json!({"chat_id": "42"})), false).unwrap();
        assert_eq!(e, Checked { settings: json!({"chat_id": "-100123"}), secret: None });
    }

    #[test]
    fn each_kind_says_it_as_its_service_documents() {
        let n = notice();
        let w = request("webhook", &json!({"url": "http://127.0.0.1:9/h"}), Some("0123456789abcdef"), &n).unwrap();
        let body: Value = serde_json::from_slice(&w.body).unwrap();
        assert_eq!(body, json!({"kind": "feed_lost", "level": "error", "message": "the main feed was lost", "at": "2026-12-07T15:00:00Z", "show_id": 3}));
        let sig = w.headers.iter().find(|(k, _)| k == "X-Onair-Signature").unwrap().1.clone();
        assert_eq!(sig, signature("0123456789abcdef", &w.body));
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64);
        // RFC 4231 test case 2.
        let mut m = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        assert_eq!(hex(&m.finalize().into_bytes()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let d = request("discord", &json!({}), Some("https://discord.com/api/webhooks/1/x"), &n).unwrap();
        assert_eq!(d.url, "https://discord.com/api/webhooks/1/x");
        assert!(serde_json::from_slice::<Value>(&d.body).unwrap()["content"].as_str().unwrap().contains("the main feed was lost"));
        let s = request("slack", &json!({}), Some("https://hooks.slack.com/services/T/B/x"), &n).unwrap();
        assert!(serde_json::from_slice::<Value>(&s.body).unwrap()["text"].is_string());
        let t = request("telegram", &json!({"chat_id": "42"}), Some("123:abc"), &n).unwrap();
        assert!(t.url.ends_with("/bot123:abc/sendMessage"), "{}", t.url);
        assert_eq!(serde_json::from_slice::<Value>(&t.body).unwrap()["chat_id"], "42");
        let f = request("ntfy", &json!({"server": "https://ntfy.sh/", "topic": "show"}), None, &n).unwrap();
        assert_eq!((f.url.as_str(), f.body.as_slice()), ("https://ntfy.sh/show", b"the main feed was lost".as_slice()));
        assert!(f.headers.contains(&("Priority".into(), "5".into())));
        assert!(request("webhook", &json!({"url": "http://x"}), None, &n).is_err(), "no secret, no signature, no message");
    }
}
