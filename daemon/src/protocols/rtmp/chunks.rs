//! The RTMP chunk stream of a publisher, split into messages (RTMP 1.0 §5.3). This is the ingest's
//! hot path: a message that arrives in one chunk is handed on as a slice of the read buffer (no
//! copy), a longer one is gathered once. Everything but audio and video goes to `rml_rtmp`'s session
//! (connect, publish, metadata), re-chunked by its own serializer.
//!
//! Limits against a hostile peer: a message that is not audio or video is refused at its chunk
//! header past `MAX_CONTROL`, and what a connection holds (the unread chunk plus every partial
//! message) stays within a byte budget; partial messages grow with the data that has arrived,
//! never to the length a header merely claims.
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Largest audio or video message (a 4K keyframe at a high bitrate is a few MB).
pub const MAX_MESSAGE: usize = 8 * 1024 * 1024;
/// Largest message of any other type (commands, metadata, control). OBS's and ffmpeg's largest,
/// `connect` and `onMetaData`, are under 1 KiB; nginx-rtmp allows 1 MiB for everything.
pub const MAX_CONTROL: usize = 64 * 1024;
/// What one connection may hold by default (partial messages and the chunk being read): two of
/// the largest media messages.
pub const DEFAULT_BUDGET: usize = 2 * MAX_MESSAGE;
/// Chunk sizes above this are refused (the spec allows 2^31-1; encoders use 4096 to 65536).
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// Chunk streams one connection may use (OBS and ffmpeg use 4 or 5).
const MAX_STREAMS: usize = 64;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ChunkError {
    #[error("chunk size {0} is out of range")]
    ChunkSize(u32),
    #[error("message of {0} bytes is too large")]
    TooLarge(usize),
    #[error("message of type {type_id} and {len} bytes is too large (limit {MAX_CONTROL} bytes)")]
    ControlTooLarge { type_id: u8, len: usize },
    #[error("peer holds more than {0} bytes in unfinished messages")]
    OverBudget(usize),
    #[error("chunk stream {0} continues a message it never started")]
    NoHeader(u32),
    #[error("too many chunk streams")]
    TooManyStreams,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub type_id: u8,
    pub stream_id: u32,
    pub timestamp: u32,
    pub payload: Bytes,
}

#[derive(Default)]
struct Stream {
    csid: u32,
    timestamp: u32,
    delta: u32,
    length: usize,
    type_id: u8,
    stream_id: u32,
    extended: bool,
    /// Never more capacity than the message's length; counted in the connection's budget.
    partial: Vec<u8>,
    /// A header has been seen, so type 1-3 chunks have something to continue.
    started: bool,
}

pub struct Demuxer {
    buf: BytesMut,
    chunk_size: usize,
    /// A handful in practice, so a list beats a map.
    streams: Vec<Stream>,
    received: u64,
    budget: usize,
    /// Capacity of all partial messages.
    held: usize,
}

/// A partial message's first buffer: most video frames of a 1080p stream (6 Mbit/s: ~25 KB,
/// keyframes ~200 KB) are gathered in one allocation, as when the full length was reserved.
const FIRST_STEP: usize = 64 * 1024;

/// Reads go straight into the buffer that messages are sliced from.
const READ_SIZE: usize = 64 * 1024;

impl Default for Demuxer {
    fn default() -> Self {
        Demuxer::with_budget(DEFAULT_BUDGET)
    }
}

fn be24(b: &[u8]) -> u32 {
    (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32
}

impl Demuxer {
    /// A demuxer whose connection may hold at most `budget` bytes (see `set_budget`).
    pub fn with_budget(budget: usize) -> Self {
        Demuxer { buf: BytesMut::with_capacity(READ_SIZE), chunk_size: 128, streams: Vec::new(), received: 0, budget, held: 0 }
    }

    /// Changes the budget (the ingest raises it once a publisher is accepted); what is held
    /// already is checked against it at the next `next`.
    pub fn set_budget(&mut self, budget: usize) {
        self.budget = budget;
    }

    /// Bytes held now: the unread part of the input and the partial messages' buffers.
    pub fn held(&self) -> usize {
        self.buf.len() + self.held
    }

    /// Bytes taken in so far (for acknowledgements).
    pub fn received(&self) -> u64 {
        self.received
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.received += bytes.len() as u64;
        self.buf.extend_from_slice(bytes);
    }

    /// One read from `r` into the buffer (no copy in between); 0 when the peer has closed.
    pub async fn fill<R: AsyncRead + Unpin>(&mut self, r: &mut R) -> std::io::Result<usize> {
        if self.buf.capacity() - self.buf.len() < READ_SIZE / 4 {
            self.buf.reserve(READ_SIZE);
        }
        let n = r.read_buf(&mut self.buf).await?;
        self.received += n as u64;
        Ok(n)
    }

    /// The next chunk is not all here yet: fine while the connection is within its budget.
    fn wait(&self) -> Result<Option<Message>, ChunkError> {
        if self.buf.len() + self.held > self.budget {
            return Err(ChunkError::OverBudget(self.budget));
        }
        Ok(None)
    }

    /// The next complete message, if the buffer holds one. Set Chunk Size and Abort are applied
    /// here and not returned.
    #[allow(clippy::should_implement_trait)] // fallible: not an Iterator
    pub fn next(&mut self) -> Result<Option<Message>, ChunkError> {
        loop {
            let Some(m) = self.next_chunk()? else { return Ok(None) };
            match m.type_id {
                1 if m.payload.len() >= 4 => {
                    let size = u32::from_be_bytes([m.payload[0], m.payload[1], m.payload[2], m.payload[3]]) & 0x7fff_ffff;
                    if size == 0 || size > MAX_CHUNK_SIZE {
                        return Err(ChunkError::ChunkSize(size));
                    }
                    self.chunk_size = size as usize;
                }
                2 if m.payload.len() >= 4 => {
                    let csid = u32::from_be_bytes([m.payload[0], m.payload[1], m.payload[2], m.payload[3]]);
                    if let Some(s) = self.streams.iter_mut().find(|s| s.csid == csid) {
                        self.held -= s.partial.capacity();
                        s.partial = Vec::new();
                    }
                }
                _ => return Ok(Some(m)),
            }
        }
    }

    /// Reads one chunk if it is all buffered; returns a message when the chunk completes one.
    fn next_chunk(&mut self) -> Result<Option<Message>, ChunkError> {
        loop {
            let b = &self.buf[..];
            if b.is_empty() {
                return Ok(None);
            }
            let fmt = b[0] >> 6;
            let (csid, basic) = match b[0] & 0x3f {
                0 if b.len() >= 2 => (64 + b[1] as u32, 2),
                1 if b.len() >= 3 => (64 + b[1] as u32 + 256 * b[2] as u32, 3),
                0 | 1 => return self.wait(),
                c => (c as u32, 1),
            };
            let header = [11, 7, 3, 0][fmt as usize];
            if b.len() < basic + header {
                return self.wait();
            }
            let i = match self.streams.iter().position(|s| s.csid == csid) {
                Some(i) => i,
                None if self.streams.len() >= MAX_STREAMS => return Err(ChunkError::TooManyStreams),
                None => {
                    self.streams.push(Stream { csid, ..Default::default() });
                    self.streams.len() - 1
                }
            };
            let s = &mut self.streams[i];
            if fmt != 0 && !s.started {
                return Err(ChunkError::NoHeader(csid));
            }
            let h = &b[basic..basic + header];
            let ts_field = if fmt < 3 { be24(h) } else { 0 };
            let extended = if fmt < 3 { ts_field == 0xff_ffff } else { s.extended };
            let ext_len = if extended { 4 } else { 0 };
            if b.len() < basic + header + ext_len {
                return self.wait();
            }
            let ts =
                if extended { u32::from_be_bytes([b[basic + header], b[basic + header + 1], b[basic + header + 2], b[basic + header + 3]]) } else { ts_field };
            // What this chunk would make of the stream's state; applied once its payload is here.
            let (mut length, mut type_id, mut stream_id) = (s.length, s.type_id, s.stream_id);
            if fmt <= 1 {
                length = be24(&h[3..6]) as usize;
                type_id = h[6];
                if length > MAX_MESSAGE {
                    return Err(ChunkError::TooLarge(length));
                }
                if length > MAX_CONTROL && type_id != 8 && type_id != 9 {
                    return Err(ChunkError::ControlTooLarge { type_id, len: length });
                }
            }
            if fmt == 0 {
                stream_id = u32::from_le_bytes([h[7], h[8], h[9], h[10]]);
            }
            // Mid-message, a header naming another length or type starts a new message (the
            // unfinished one is dropped, as after an Abort); one that repeats them continues it, as
            // some senders (rml_rtmp's uncompressed mode) put a full header on every chunk.
            let starting = s.partial.is_empty() || length != s.length || type_id != s.type_id;
            let have = if starting { 0 } else { s.partial.len() };
            let take = (length - have).min(self.chunk_size);
            let total = basic + header + ext_len + take;
            if b.len() < total {
                return self.wait();
            }
            if starting {
                self.held -= s.partial.capacity();
                s.partial = Vec::new();
                match fmt {
                    0 => (s.timestamp, s.delta) = (ts, 0),
                    1 | 2 => (s.timestamp, s.delta) = (s.timestamp.wrapping_add(ts), ts),
                    _ => s.timestamp = s.timestamp.wrapping_add(s.delta),
                }
            }
            if fmt < 3 {
                s.extended = extended;
            }
            (s.length, s.type_id, s.stream_id, s.started) = (length, type_id, stream_id, true);
            self.buf.advance(basic + header + ext_len);
            let payload = self.buf.split_to(take);
            let done = if starting && take == length {
                // Copied out, not sliced: a slice would keep the whole read buffer alive for as
                // long as the frame lives (the GOP cache holds 2 s of audio, each frame pinning
                // a 64 KB read with the video chunks in it: 8 MB of arena relaying 1080p).
                Some(Bytes::copy_from_slice(&payload))
            } else {
                let need = s.partial.len() + take;
                let cap = s.partial.capacity();
                if need > cap {
                    // Double what there was (copies stay linear), from a first step that holds
                    // most frames whole; never past the message's length.
                    let grow = (cap * 2).max(need).max(FIRST_STEP).min(length);
                    s.partial.reserve_exact(grow - s.partial.len());
                    self.held += s.partial.capacity() - cap;
                    if self.buf.len() + self.held > self.budget {
                        return Err(ChunkError::OverBudget(self.budget));
                    }
                }
                s.partial.extend_from_slice(&payload);
                (s.partial.len() == length).then(|| {
                    self.held -= s.partial.capacity();
                    Bytes::from(std::mem::take(&mut s.partial))
                })
            };
            if let Some(payload) = done {
                return Ok(Some(Message { type_id, stream_id, timestamp: s.timestamp, payload }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rml_rtmp::chunk_io::ChunkSerializer;
    use rml_rtmp::messages::MessagePayload;
    use rml_rtmp::time::RtmpTimestamp;

    fn payload(ts: u32, type_id: u8, stream: u32, len: usize, seed: u8) -> MessagePayload {
        MessagePayload {
            timestamp: RtmpTimestamp::new(ts),
            type_id,
            message_stream_id: stream,
            data: Bytes::from((0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect::<Vec<u8>>()),
        }
    }

    /// Another implementation's chunking (rml_rtmp's serializer: compressed headers, extended
    /// timestamps, a chunk size change mid-stream), read back byte by byte and all at once.
    #[test]
    fn reads_what_another_serializer_writes() {
        let mut ser = ChunkSerializer::new();
        let mut wire = vec![];
        let mut want = vec![];
        let mut ts = 0u32;
        for i in 0..60u32 {
            if i == 20 {
                wire.extend_from_slice(&ser.set_max_chunk_size(4096, RtmpTimestamp::new(0)).unwrap().bytes);
            }
            // Video every 33 ms, audio in between, a jump past the 24-bit timestamp at i = 40.
            ts = if i == 40 { 0x0100_0000 + 5 } else { ts + 33 };
            let (t, len) = if i % 3 == 0 { (9, 5000 + i as usize * 97) } else { (8, 200 + i as usize) };
            let p = payload(ts, t, 1, len, i as u8);
            wire.extend_from_slice(&ser.serialize(&p, false, false).unwrap().bytes);
            want.push(Message { type_id: t, stream_id: 1, timestamp: ts, payload: p.data });
        }
        let mut whole = Demuxer::default();
        whole.push(&wire);
        let mut got = vec![];
        while let Some(m) = whole.next().unwrap() {
            got.push(m);
        }
        assert_eq!(got, want);
        let mut trickle = Demuxer::default();
        let mut got = vec![];
        for b in &wire {
            trickle.push(&[*b]);
            while let Some(m) = trickle.next().unwrap() {
                got.push(m);
            }
        }
        assert_eq!(got, want);
        assert_eq!(trickle.received(), wire.len() as u64);
    }

    #[test]
    fn round_trips_through_the_session_format() {
        let m = Message { type_id: 20, stream_id: 0, timestamp: 0x0123_4567, payload: Bytes::from(vec![7u8; 300]) };
        let p = MessagePayload { timestamp: RtmpTimestamp::new(m.timestamp), type_id: m.type_id, message_stream_id: m.stream_id, data: m.payload.clone() };
        let wire = ChunkSerializer::new().serialize(&p, true, false).unwrap().bytes;
        let mut d = Demuxer::default();
        d.push(&wire);
        assert_eq!(d.next().unwrap(), Some(m));
        assert_eq!(d.next().unwrap(), None);
    }

    /// A full message header (fmt 0) on chunk stream `csid`.
    fn header(csid: u8, type_id: u8, len: usize) -> Vec<u8> {
        let l = (len as u32).to_be_bytes();
        vec![csid, 0, 0, 0, l[1], l[2], l[3], type_id, 1, 0, 0, 0]
    }

    #[test]
    fn refuses_large_control_messages_at_the_header() {
        for t in [20u8, 18, 17, 15, 4, 1] {
            let mut d = Demuxer::default();
            // Only the header has arrived: refused before a byte of the payload is gathered.
            d.push(&header(3, t, MAX_CONTROL + 1));
            assert_eq!(d.next(), Err(ChunkError::ControlTooLarge { type_id: t, len: MAX_CONTROL + 1 }));
        }
        let mut d = Demuxer::default();
        d.push(&header(3, 20, MAX_CONTROL));
        assert_eq!(d.next(), Ok(None), "64 KiB is still a command");
        // Audio and video keep their own limit.
        let mut d = Demuxer::default();
        d.push(&header(4, 9, MAX_CONTROL * 4));
        assert_eq!(d.next(), Ok(None));
    }

    #[test]
    fn partial_messages_grow_with_the_data_and_stay_within_the_budget() {
        // 64 chunk streams each start an 8 MiB video message with one 128-byte chunk: what is held
        // is what arrived (rounded up to the first step), not 64 x 8 MiB.
        let mut d = Demuxer::with_budget(DEFAULT_BUDGET);
        for c in 0..60u8 {
            d.push(&header(4 + c, 9, MAX_MESSAGE));
            d.push(&[0u8; 128]);
            assert_eq!(d.next(), Ok(None));
        }
        assert_eq!(d.held(), 60 * FIRST_STEP);
        // Continuing one of them past the budget ends the connection.
        let mut d = Demuxer::with_budget(1024 * 1024);
        d.push(&[0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0x10, 0]); // chunk size 4096
        d.push(&header(4, 9, MAX_MESSAGE));
        let mut r = Ok(None);
        for _ in 0..300 {
            d.push(&[0u8; 4096]);
            r = d.next();
            if r.is_err() {
                break;
            }
            d.push(&[0xc4]);
        }
        assert_eq!(r, Err(ChunkError::OverBudget(1024 * 1024)));
        // One big chunk that waits in the read buffer counts as well.
        let mut d = Demuxer::with_budget(256 * 1024);
        d.push(&[0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0x80, 0, 0]); // chunk size 8 MiB
        d.push(&header(4, 9, MAX_MESSAGE));
        d.push(&vec![0u8; 200 * 1024]);
        assert_eq!(d.next(), Ok(None));
        d.push(&vec![0u8; 100 * 1024]);
        assert_eq!(d.next(), Err(ChunkError::OverBudget(256 * 1024)));
        // A finished message gives its room back; an abandoned one too.
        let mut d = Demuxer::with_budget(DEFAULT_BUDGET);
        d.push(&header(4, 9, 300));
        d.push(&[1u8; 128]);
        d.push(&[0xc4]);
        d.push(&[2u8; 128]);
        assert_eq!(d.next(), Ok(None));
        assert!(d.held() > 0);
        d.push(&[0xc4]);
        d.push(&[3u8; 44]);
        let m = d.next().unwrap().unwrap();
        assert_eq!((m.payload.len(), m.payload[0], m.payload[299]), (300, 1, 3));
        assert_eq!(d.held(), 0);
        d.push(&header(4, 9, 300));
        d.push(&[1u8; 128]);
        assert_eq!(d.next(), Ok(None));
        d.push(&[0x02, 0, 0, 0, 0, 0, 4, 2, 0, 0, 0, 0, 0, 0, 0, 4]); // Abort on chunk stream 4
        assert_eq!(d.next(), Ok(None));
        assert_eq!(d.held(), 0);
    }

    #[test]
    fn refuses_bad_input_without_panicking() {
        // A continuation on a stream that never had a header.
        let mut d = Demuxer::default();
        d.push(&[0xc5, 1, 2, 3]);
        assert_eq!(d.next(), Err(ChunkError::NoHeader(5)));
        // A message longer than allowed.
        let mut d = Demuxer::default();
        d.push(&[0x03, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0]);
        assert_eq!(d.next(), Err(ChunkError::TooLarge(0xff_ffff)));
        // Set Chunk Size 0.
        let mut d = Demuxer::default();
        d.push(&[0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(d.next(), Err(ChunkError::ChunkSize(0)));
        // Every chunk stream id in turn: the table stays bounded.
        let mut d = Demuxer::default();
        for c in 0..100u8 {
            d.push(&[0x00, c, 0, 0, 0, 0, 0, 1, 9, 1, 0, 0, 0, 0xaa]);
        }
        let mut r = Ok(None);
        for _ in 0..100 {
            r = d.next();
            if r.is_err() {
                break;
            }
        }
        assert_eq!(r, Err(ChunkError::TooManyStreams));
        // A new header in the middle of a message: the unfinished one is dropped, the new one read
        // (its length is below what was already gathered: no underflow, no endless gathering).
        let mut d = Demuxer::default();
        let mut wire = vec![0x04, 0, 0, 0, 0, 0x03, 0xe8, 9, 1, 0, 0, 0];
        wire.extend_from_slice(&[0u8; 128]);
        wire.extend_from_slice(&[0x04, 0, 0, 40, 0, 0, 10, 8, 1, 0, 0, 0]);
        wire.extend_from_slice(&[5u8; 10]);
        d.push(&wire);
        let m = d.next().unwrap().unwrap();
        assert_eq!((m.type_id, m.timestamp, m.payload.len()), (8, 40, 10));
        assert_eq!(d.next(), Ok(None));
        // Random bytes: errors or waits, never a panic.
        let mut x = 0x1234_5678u32;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..200 {
            let mut d = Demuxer::default();
            let noise: Vec<u8> = (0..4096).map(|_| rand() as u8).collect();
            d.push(&noise);
            while let Ok(Some(_)) = d.next() {}
        }
        // A real stream with bytes flipped: deeper states than noise reaches.
        let mut ser = ChunkSerializer::new();
        let mut wire = ser.set_max_chunk_size(300, RtmpTimestamp::new(0)).unwrap().bytes;
        for i in 0..20u32 {
            wire.extend_from_slice(&ser.serialize(&payload(i * 40, 8 + (i % 2) as u8, 1, 50 + i as usize * 70, i as u8), false, false).unwrap().bytes);
        }
        for _ in 0..2000 {
            let mut w = wire.clone();
            for _ in 0..3 {
                let r = rand();
                let at = r as usize % w.len();
                w[at] ^= (r >> 8) as u8 | 1;
            }
            let mut d = Demuxer::default();
            d.push(&w);
            while let Ok(Some(_)) = d.next() {}
        }
    }
}
