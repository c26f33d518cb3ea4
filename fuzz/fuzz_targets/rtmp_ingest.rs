//! What a publisher sends after the handshake, through the ingest's own path: the chunk demuxer,
//! then every non-media message through `session_input` (AMF guard, re-chunking, rml_rtmp's server
//! session). Requests are accepted as a valid key would be, so publish and metadata are reached.
//! The bytes arrive in two reads split where the input says, as TCP may split them.
#![no_main]
use libfuzzer_sys::fuzz_target;
use onair::ingest::rtmp::session_input;
use onair::protocols::rtmp::chunks::Demuxer;
use rml_rtmp::chunk_io::ChunkSerializer;
use rml_rtmp::sessions::{ServerSession, ServerSessionConfig, ServerSessionEvent as Ev, ServerSessionResult};

fuzz_target!(|data: &[u8]| {
    let mut cfg = ServerSessionConfig::new();
    cfg.chunk_size = 4096;
    let (mut session, _) = ServerSession::new(cfg).expect("session");
    let mut demux = Demuxer::default();
    let mut rechunk = ChunkSerializer::new();
    let cut = data.first().map_or(0, |b| data.len() * *b as usize / 256);
    for piece in [&data[..cut], &data[cut..]] {
        demux.push(piece);
        loop {
            let m = match demux.next() {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(_) => return,
            };
            if matches!(m.type_id, 3 | 5 | 8 | 9) {
                continue;
            }
            let Ok(results) = session_input(&mut rechunk, &mut session, m) else { return };
            for r in results {
                if let ServerSessionResult::RaisedEvent(Ev::ConnectionRequested { request_id, .. } | Ev::PublishStreamRequested { request_id, .. }) = r {
                    let _ = session.accept_request(request_id);
                }
            }
        }
    }
});
