//! AMF0 as it arrives in RTMP messages (first byte: the message type, the rest: its payload). The
//! guard runs first, as in the ingest and the outputs; whatever it lets through must decode in
//! rml_rtmp (its recursive AMF0 decoder, and the message parser that drains a command's values)
//! without a panic or a stack overflow.
#![no_main]
use std::io::Cursor;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use onair::protocols::rtmp::amf_guard;
use rml_rtmp::messages::MessagePayload;
use rml_rtmp::time::RtmpTimestamp;

fuzz_target!(|data: &[u8]| {
    let Some((&type_id, payload)) = data.split_first() else { return };
    if amf_guard::check(type_id, payload).is_err() || !matches!(type_id, 15 | 17 | 18 | 20) {
        return;
    }
    let amf = if type_id == 17 { payload.strip_prefix(&[0]).unwrap_or(payload) } else { payload };
    let _ = rml_rtmp::rml_amf0::deserialize(&mut Cursor::new(amf));
    let m = MessagePayload { timestamp: RtmpTimestamp::new(0), type_id, message_stream_id: 0, data: Bytes::copy_from_slice(payload) };
    let _ = m.to_rtmp_message();
});
