//! A notification channel as a client sends it to `POST`/`PATCH /notify/channels`: whatever the
//! JSON, each kind's check refuses it with a reason or gives settings that make a request, and the
//! request to a webhook is always signed; nothing panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::notify::channels::{check, request};
use onair::notify::kinds::{Kind, Notice};

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Object(body)) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let notice = Notice {
        kind: Kind::Test,
        level: onair::alert::Level::Info,
        message: "m".into(),
        at: String::new(),
        show_id: None,
        destination: None,
        key: String::new(),
    };
    for kind in ["webhook", "discord", "slack", "telegram", "ntfy", "email", "sms", "nope"] {
        for creating in [true, false] {
            let Ok(c) = check(kind, &body, body.get("current"), creating) else { continue };
            if let Ok(out) = request(kind, &c.settings, c.secret.as_deref(), &notice) {
                if kind == "webhook" {
                    assert!(out.headers.iter().any(|(k, v)| k == "X-Onair-Signature" && v.starts_with("sha256=")));
                }
            }
        }
    }
});
