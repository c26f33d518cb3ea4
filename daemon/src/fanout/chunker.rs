//! Audio and video messages cut into RTMP chunks for one output (RTMP 1.0 §5.3.1): the relay's
//! hot path, so no allocation per message. Every message starts with a full (type 0) header, the
//! rest of it follows in type 3 chunks; commands still go through `rml_rtmp`'s session, on chunk
//! streams this never uses.
use crate::media::{Frame, Kind};

/// Chunk streams of our own (`rml_rtmp` uses 2 to 6), as nginx-rtmp does with its own.
const CSID_VIDEO: u8 = 7;
const CSID_AUDIO: u8 = 8;
const EXTENDED: u32 = 0xff_ffff;

pub struct Chunker {
    chunk_size: usize,
    stream_id: u32,
}

impl Chunker {
    /// `chunk_size` must be what this side announced with Set Chunk Size; `stream_id` is the
    /// message stream the destination gave for publishing.
    pub fn new(chunk_size: usize, stream_id: u32) -> Self {
        Chunker { chunk_size: chunk_size.max(1), stream_id }
    }

    /// Appends `f` as chunks to `out`.
    pub fn write(&self, f: &Frame, out: &mut Vec<u8>) {
        let (csid, type_id) = match f.kind {
            Kind::Video => (CSID_VIDEO, 9u8),
            Kind::Audio => (CSID_AUDIO, 8u8),
        };
        let data = &f.data[..];
        let extended = f.ts >= EXTENDED;
        let chunks = data.len().div_ceil(self.chunk_size).max(1);
        out.reserve(data.len() + 16 + chunks * 5);
        let ts24 = if extended { EXTENDED } else { f.ts };
        out.push(csid); // fmt 0
        out.extend_from_slice(&ts24.to_be_bytes()[1..]);
        out.extend_from_slice(&(data.len() as u32).to_be_bytes()[1..]);
        out.push(type_id);
        out.extend_from_slice(&self.stream_id.to_le_bytes());
        if extended {
            out.extend_from_slice(&f.ts.to_be_bytes());
        }
        for (i, part) in data.chunks(self.chunk_size).enumerate() {
            if i > 0 {
                out.push(0xc0 | csid); // fmt 3: continues the message
                                       // The extended timestamp is repeated on every chunk of the message, as ffmpeg,
                                       // OBS and nginx-rtmp write and read it.
                if extended {
                    out.extend_from_slice(&f.ts.to_be_bytes());
                }
            }
            out.extend_from_slice(part);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use rml_rtmp::chunk_io::ChunkDeserializer;
    use rml_rtmp::messages::MessagePayload;

    fn frame(kind: Kind, ts: u32, len: usize) -> Frame {
        let data = Bytes::from((0..len).map(|i| (i * 7 + ts as usize) as u8).collect::<Vec<u8>>());
        match kind {
            Kind::Video => Frame::video(ts, data),
            Kind::Audio => Frame::audio(ts, data),
        }
    }

    fn frames() -> Vec<Frame> {
        vec![
            frame(Kind::Video, 0, 40),
            frame(Kind::Audio, 0, 7),
            frame(Kind::Video, 33, 4096), // exactly one chunk
            frame(Kind::Video, 66, 4097), // one byte into a second chunk
            frame(Kind::Audio, 70, 300),
            frame(Kind::Video, 100, 25_000), // a keyframe-sized message
            frame(Kind::Video, 133, 0),      // empty (end of sequence markers can be tiny)
            frame(Kind::Video, 0xff_fffe, 5000),
            frame(Kind::Video, 0xff_ffff, 9000), // extended timestamps from here: after 4.6 hours
            frame(Kind::Audio, 0x1234_5678, 4500),
        ]
    }

    /// Another implementation reads what we write: `rml_rtmp`'s deserializer.
    #[test]
    fn rml_rtmp_reads_every_message_back() {
        let mut wire = vec![];
        let c = Chunker::new(4096, 1);
        for f in frames() {
            c.write(&f, &mut wire);
        }
        let mut de = ChunkDeserializer::new();
        de.set_max_chunk_size(4096).unwrap();
        let mut got: Vec<MessagePayload> = vec![];
        let mut input: &[u8] = &wire;
        while let Some(p) = de.get_next_message(input).unwrap() {
            input = &[];
            if p.type_id == 8 || p.type_id == 9 {
                got.push(p);
            }
        }
        let want = frames();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.timestamp.value, w.ts);
            assert_eq!(g.type_id, if w.kind == Kind::Video { 9 } else { 8 });
            assert_eq!(g.message_stream_id, 1);
            assert_eq!(g.data, w.data);
        }
    }

    /// Our own demuxer (what the ingest uses) agrees, byte by byte, with a stream id other than 1.
    #[test]
    fn the_ingest_demuxer_reads_every_message_back() {
        let mut wire = vec![0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0]; // Set Chunk Size 4096
        let c = Chunker::new(4096, 5);
        for f in frames() {
            c.write(&f, &mut wire);
        }
        let mut d = crate::protocols::rtmp::chunks::Demuxer::default();
        let mut got = vec![];
        for b in wire.chunks(1) {
            d.push(b);
            while let Some(m) = d.next().unwrap() {
                got.push(m);
            }
        }
        let want = frames();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.timestamp, g.stream_id, &g.payload), (w.ts, 5, &w.data));
        }
    }

    #[test]
    fn small_chunk_sizes_and_header_bytes() {
        let c = Chunker::new(128, 1);
        let mut out = vec![];
        c.write(&frame(Kind::Audio, 0x010203, 300), &mut out);
        assert_eq!(&out[..12], &[8, 1, 2, 3, 0, 1, 44, 8, 1, 0, 0, 0]);
        // 300 bytes in chunks of 128: two type 3 headers between them.
        assert_eq!(out.len(), 12 + 300 + 2);
        assert_eq!(out[12 + 128], 0xc8);
        assert_eq!(out[12 + 128 + 1 + 128], 0xc8);
    }
}
