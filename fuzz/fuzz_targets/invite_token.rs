//! Guest invite tokens as a guest's link brings them, checked against a real store. Anything
//! appended to a valid token must make it invalid.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use onair::store::invites::{InviteRefusal, Permissions};
use onair::store::Store;

struct Fixture {
    store: Store,
    token: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("onair-fuzz-invite-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).expect("store");
        let p = Permissions { audio: true, video: true, screen: false };
        let (_, token) = store.create_invite("fuzz", 3600, i64::MAX, p).unwrap();
        Fixture { store, token }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Ok(text) = std::str::from_utf8(data) else { return };
    let r = f.store.check_invite(text, false).expect("store");
    assert!(text == f.token || r.is_err(), "a token the box never issued was accepted");
    if !text.is_empty() {
        let longer = format!("{}{text}", f.token);
        assert_eq!(f.store.check_invite(&longer, false).unwrap(), Err(InviteRefusal::Forged));
    }
});
