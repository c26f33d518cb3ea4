//! A destination's URL and stream key as the user (or a platform's API) gives them: the first line
//! is the URL, the rest the key.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::fanout::target::{Scheme, Target};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (url, key) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(t) = Target::parse(url, key) else { return };
    assert!(!t.host.is_empty());
    if t.scheme == Scheme::Srt {
        let _ = t.srt_uri();
    }
    // `base` is what tcUrl and the SRT URI are made from: it must read as the same place.
    let again = Target::parse(&t.base, key).expect("base parses again");
    assert_eq!((again.scheme, &again.host, again.port, &again.app), (t.scheme, &t.host, t.port, &t.app));
});
