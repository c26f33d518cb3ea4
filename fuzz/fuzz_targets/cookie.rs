//! Cookie headers as a browser (or anyone) sends them: one header per line, the session cookie
//! picked out and checked against a real store.
#![no_main]
use std::sync::OnceLock;

use http::{header, HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use onair::api::auth;
use onair::store::Store;

fn store() -> &'static Store {
    static S: OnceLock<Store> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("onair-fuzz-cookie-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let s = Store::open(&dir).expect("store");
        s.create_session().unwrap();
        s
    })
}

fuzz_target!(|data: &[u8]| {
    let mut h = HeaderMap::new();
    for line in data.split(|b| *b == b'\n') {
        if let Ok(v) = HeaderValue::from_bytes(line) {
            h.append(header::COOKIE, v);
        }
    }
    if let Some(c) = auth::cookie_value(&h) {
        assert!(!store().session_valid(&c).expect("store"), "a session the box never issued was accepted");
    }
});
