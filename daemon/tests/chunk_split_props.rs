//! Property: whatever chunk size another implementation's serializer (rml_rtmp's ChunkSerializer)
//! uses, changed at any point, and however TCP splits its output, our demuxer reads back exactly
//! the messages that went in.
use bytes::Bytes;
use onair::protocols::rtmp::chunks::{Demuxer, Message, MAX_CONTROL};
use proptest::prelude::*;
use rml_rtmp::chunk_io::ChunkSerializer;
use rml_rtmp::messages::MessagePayload;
use rml_rtmp::time::RtmpTimestamp;

#[derive(Debug, Clone)]
struct Sent {
    type_id: u8,
    stream_id: u32,
    /// Added to the previous message's timestamp; large steps cross into extended timestamps.
    ts_step: u32,
    len: usize,
    uncompressed: bool,
    droppable: bool,
    /// Switch to this chunk size before the message.
    new_chunk_size: Option<u32>,
}

fn chunk_size() -> impl Strategy<Value = u32> {
    prop_oneof![1u32..=256, 257u32..=70_000, Just(0xff_ffff)]
}

fn sent() -> impl Strategy<Value = Sent> {
    (
        prop_oneof![Just(8u8), Just(9), Just(15), Just(18), Just(20), Just(4)],
        0u32..3,
        prop_oneof![0u32..100, 0xff_fff0u32..0x100_0010, 0u32..0x0200_0000],
        // The serializer writes nothing at all for an empty message, so there is nothing to read.
        prop_oneof![4 => 1usize..600, 1 => 600usize..70_000],
        any::<bool>(),
        any::<bool>(),
        proptest::option::weighted(0.15, chunk_size()),
    )
        // Anything but audio and video is capped at MAX_CONTROL by design (refused at its header).
        .prop_map(|(type_id, stream_id, ts_step, len, uncompressed, droppable, new_chunk_size)| {
            let len = if matches!(type_id, 8 | 9) { len } else { len.min(MAX_CONTROL) };
            Sent { type_id, stream_id, ts_step, len, uncompressed, droppable, new_chunk_size }
        })
}

/// The wire bytes and the messages they carry.
fn serialize(first_chunk_size: u32, msgs: &[Sent]) -> (Vec<u8>, Vec<Message>) {
    let mut ser = ChunkSerializer::new();
    let mut wire = ser.set_max_chunk_size(first_chunk_size, RtmpTimestamp::new(0)).unwrap().bytes;
    let mut want = vec![];
    let mut ts = 0u32;
    for (i, m) in msgs.iter().enumerate() {
        if let Some(cs) = m.new_chunk_size {
            wire.extend_from_slice(&ser.set_max_chunk_size(cs, RtmpTimestamp::new(ts)).unwrap().bytes);
        }
        ts = ts.wrapping_add(m.ts_step);
        let data = Bytes::from((0..m.len).map(|j| (j as u8).wrapping_mul(31).wrapping_add(i as u8)).collect::<Vec<u8>>());
        let p = MessagePayload { timestamp: RtmpTimestamp::new(ts), type_id: m.type_id, message_stream_id: m.stream_id, data: data.clone() };
        wire.extend_from_slice(&ser.serialize(&p, m.uncompressed, m.droppable).unwrap().bytes);
        want.push(Message { type_id: m.type_id, stream_id: m.stream_id, timestamp: ts, payload: data });
    }
    (wire, want)
}

fn read_back(wire: &[u8], cuts: &[usize]) -> Vec<Message> {
    let mut d = Demuxer::default();
    let mut got = vec![];
    let mut at = 0;
    let mut cut = cuts.iter().cycle();
    while at < wire.len() {
        let n = (*cut.next().unwrap()).min(wire.len() - at);
        d.push(&wire[at..at + n]);
        at += n;
        while let Some(m) = d.next().expect("a valid stream reads without error") {
            got.push(m);
        }
    }
    assert_eq!(d.received(), wire.len() as u64);
    got
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_chunk_size_and_any_split_reads_back_the_same_messages(
        first in chunk_size(),
        msgs in proptest::collection::vec(sent(), 1..24),
        cuts in proptest::collection::vec(prop_oneof![1usize..8, 8usize..5000, 5000usize..100_000], 1..16),
    ) {
        let (wire, want) = serialize(first, &msgs);
        let got = read_back(&wire, &cuts);
        prop_assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            prop_assert_eq!(g, w);
        }
    }
}

/// The same stream byte by byte, for chunk sizes around the edges.
#[test]
fn byte_by_byte_at_edge_chunk_sizes() {
    let msgs: Vec<Sent> = (0..12)
        .map(|i| Sent {
            type_id: [8, 9, 20][i % 3],
            stream_id: 1,
            ts_step: if i == 6 { 0x0100_0000 } else { 33 },
            len: 1 + i * 301,
            uncompressed: i % 4 == 0,
            droppable: i % 5 == 1,
            new_chunk_size: None,
        })
        .collect();
    for cs in [1, 2, 127, 128, 129, 4096, 65_536, 0xff_ffff] {
        let (wire, want) = serialize(cs, &msgs);
        assert_eq!(read_back(&wire, &[1]), want, "chunk size {cs}");
    }
}
