//! Twitch chat lines (IRC over a WebSocket text frame), split and read as the chat reader does.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::platforms::irc;

fuzz_target!(|data: &[u8]| {
    // A WebSocket text frame is UTF-8 by the time it reaches the reader.
    let text = String::from_utf8_lossy(data);
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        if let Some(l) = irc::parse(line) {
            assert!(!l.command.is_empty());
            let _ = irc::to_chat(&l);
        }
    }
});
