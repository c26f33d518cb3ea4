//! A flat scan of an RTMP message's AMF0 payload before `rml_rtmp` decodes it. The crate's AMF0
//! decoder recurses once per nesting level: 200,000 nested strict arrays overflow the stack and
//! abort the whole process (a panic handler cannot catch that). This scan keeps its own fixed-size
//! stack, so it costs nothing but a pass over the bytes, and it refuses what the decoder would
//! choke on: nesting past `MAX_DEPTH`, truncated or unknown values, and commands too short for
//! `rml_rtmp`'s `drain(..3)` (which panics on fewer than three values).
//!
//! Types 15 and 17 (AMF3 data and command) are read by `rml_rtmp` as AMF0 (17 after a leading 0),
//! so they are scanned the same way; a real AMF3 value (the 0x11 switch marker) is refused, as is
//! anything the decoder does not know. Shared objects (16, 19) are refused: no encoder sends them.

/// Deepest nesting of objects and arrays accepted. Encoders send 2 at most (an object inside
/// `connect`, or `onMetaData`'s ECMA array holding a strict array).
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmfGuardError {
    #[error("AMF values nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("AMF value truncated at byte {0}")]
    Truncated(usize),
    #[error("AMF0 marker {marker:#04x} at byte {at} is not accepted")]
    Marker { marker: u8, at: usize },
    #[error("AMF string at byte {0} is not UTF-8")]
    NotUtf8(usize),
    #[error("object end marker out of place at byte {0}")]
    StrayEnd(usize),
    #[error("AMF3 values are not accepted")]
    Amf3,
    #[error("a command needs a name, a transaction id and an object")]
    ShortCommand,
    #[error("@setDataFrame needs a name and a value")]
    ShortDataFrame,
    #[error("message type {0} (shared object) is not accepted")]
    SharedObject(u8),
}

/// Checks the payload of one message of type `type_id`; types that carry no AMF pass.
pub fn check(type_id: u8, payload: &[u8]) -> Result<(), AmfGuardError> {
    match type_id {
        20 => command(payload),
        17 => command(payload.strip_prefix(&[0]).unwrap_or(payload)),
        15 | 18 => data(payload),
        16 | 19 => Err(AmfGuardError::SharedObject(type_id)),
        _ => Ok(()),
    }
}

/// `rml_rtmp` indexes past a `@setDataFrame` that is not followed by a name and a value (an
/// unchecked `data[0]`, then `data.remove(1)`): such a message is refused here.
fn data(p: &[u8]) -> Result<(), AmfGuardError> {
    const SET_DATA_FRAME: &[u8] = b"\x02\x00\x0d@setDataFrame";
    let top = scan(p)?;
    if p.starts_with(SET_DATA_FRAME) && top.count < 3 {
        return Err(AmfGuardError::ShortDataFrame);
    }
    Ok(())
}

fn command(p: &[u8]) -> Result<(), AmfGuardError> {
    let top = scan(p)?;
    if top.count < 3 || top.first != Some(STRING) || top.second != Some(NUMBER) {
        return Err(AmfGuardError::ShortCommand);
    }
    Ok(())
}

const NUMBER: u8 = 0x00;
const BOOLEAN: u8 = 0x01;
const STRING: u8 = 0x02;
const OBJECT: u8 = 0x03;
const NULL: u8 = 0x05;
const UNDEFINED: u8 = 0x06;
const ECMA_ARRAY: u8 = 0x08;
const OBJECT_END: u8 = 0x09;
const STRICT_ARRAY: u8 = 0x0a;
const AMF3_SWITCH: u8 = 0x11;

/// The top-level values the decoder will return: how many, and the markers of the first two.
#[derive(Default)]
struct Top {
    count: usize,
    first: Option<u8>,
    second: Option<u8>,
}

#[derive(Clone, Copy)]
enum Open {
    /// Values left in a strict array.
    Array(u32),
    /// An object or ECMA array: key/value pairs until an empty key and the end marker.
    Object,
}

struct Cursor<'a> {
    p: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], AmfGuardError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.p.len()).ok_or(AmfGuardError::Truncated(self.at))?;
        let s = &self.p[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u16(&mut self) -> Result<usize, AmfGuardError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]) as usize)
    }

    fn u32(&mut self) -> Result<u32, AmfGuardError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn utf8(&mut self, len: usize) -> Result<(), AmfGuardError> {
        let at = self.at;
        std::str::from_utf8(self.take(len)?).map_err(|_| AmfGuardError::NotUtf8(at))?;
        Ok(())
    }

    fn left(&self) -> usize {
        self.p.len() - self.at
    }
}

struct Stack {
    open: [Open; MAX_DEPTH],
    len: usize,
}

impl Stack {
    fn push(&mut self, o: Open) -> Result<(), AmfGuardError> {
        if self.len == MAX_DEPTH {
            return Err(AmfGuardError::TooDeep);
        }
        self.open[self.len] = o;
        self.len += 1;
        Ok(())
    }
}

/// One value at the cursor: scalars are skipped, containers opened on `stack`.
fn value(c: &mut Cursor, stack: &mut Stack) -> Result<u8, AmfGuardError> {
    let at = c.at;
    let marker = c.take(1)?[0];
    match marker {
        NUMBER => drop(c.take(8)?),
        BOOLEAN => drop(c.take(1)?),
        STRING => {
            let n = c.u16()?;
            c.utf8(n)?;
        }
        NULL | UNDEFINED => {}
        OBJECT => stack.push(Open::Object)?,
        ECMA_ARRAY => {
            c.u32()?; // a count the decoder ignores: the pairs run to the end marker
            stack.push(Open::Object)?;
        }
        STRICT_ARRAY => {
            let n = c.u32()?;
            // Every value takes at least a byte: a count past the payload is a lie.
            if n as usize > c.left() {
                return Err(AmfGuardError::Truncated(at));
            }
            stack.push(Open::Array(n))?;
        }
        OBJECT_END => return Err(AmfGuardError::StrayEnd(at)),
        AMF3_SWITCH => return Err(AmfGuardError::Amf3),
        _ => return Err(AmfGuardError::Marker { marker, at }),
    }
    Ok(marker)
}

fn scan(p: &[u8]) -> Result<Top, AmfGuardError> {
    let mut c = Cursor { p, at: 0 };
    let mut stack = Stack { open: [Open::Object; MAX_DEPTH], len: 0 };
    let mut top = Top::default();
    loop {
        match stack.len.checked_sub(1).map(|i| &mut stack.open[i]) {
            None => {
                // The decoder stops at the end of the payload or at a top-level end marker.
                if c.left() == 0 || p[c.at] == OBJECT_END {
                    return Ok(top);
                }
                let m = value(&mut c, &mut stack)?;
                match top.count {
                    0 => top.first = Some(m),
                    1 => top.second = Some(m),
                    _ => {}
                }
                top.count += 1;
            }
            Some(Open::Array(0)) => stack.len -= 1,
            Some(Open::Array(n)) => {
                *n -= 1;
                value(&mut c, &mut stack)?;
            }
            Some(Open::Object) => {
                let key = c.u16()?;
                if key == 0 {
                    let at = c.at;
                    if c.take(1)?[0] != OBJECT_END {
                        return Err(AmfGuardError::StrayEnd(at));
                    }
                    stack.len -= 1;
                    continue;
                }
                c.utf8(key)?;
                value(&mut c, &mut stack)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rml_amf0::Amf0Value as V;
    use rml_rtmp::rml_amf0;

    fn amf(values: &[V]) -> Vec<u8> {
        rml_amf0::serialize(&values.to_vec()).unwrap()
    }

    fn connect() -> Vec<u8> {
        let mut o = std::collections::HashMap::new();
        o.insert("app".to_string(), V::Utf8String("live".into()));
        o.insert("tcUrl".to_string(), V::Utf8String("rtmp://h/live".into()));
        amf(&[V::Utf8String("connect".into()), V::Number(1.0), V::Object(o)])
    }

    fn nested(depth: usize) -> Vec<u8> {
        let mut p = amf(&[V::Utf8String("connect".into()), V::Number(1.0)]);
        for _ in 0..depth {
            p.extend_from_slice(&[STRICT_ARRAY, 0, 0, 0, 1]);
        }
        p.push(NULL);
        p
    }

    #[test]
    fn passes_what_encoders_send() {
        assert_eq!(check(20, &connect()), Ok(()));
        let mut with_zero = vec![0];
        with_zero.extend_from_slice(&connect());
        assert_eq!(check(17, &with_zero), Ok(()));
        // onMetaData as ffmpeg writes it: a string, then an ECMA array of numbers and strings.
        let mut meta = amf(&[V::Utf8String("@setDataFrame".into()), V::Utf8String("onMetaData".into())]);
        meta.extend_from_slice(&[ECMA_ARRAY, 0, 0, 0, 2]);
        for (k, v) in [("width", V::Number(1280.0)), ("encoder", V::Utf8String("Lavf".into()))] {
            meta.extend_from_slice(&(k.len() as u16).to_be_bytes());
            meta.extend_from_slice(k.as_bytes());
            meta.extend_from_slice(&amf(&[v]));
        }
        meta.extend_from_slice(&[0, 0, OBJECT_END]);
        assert_eq!(check(18, &meta), Ok(()));
        // Commands with extra arguments, null command objects, nested arrays within the limit.
        assert_eq!(
            check(20, &amf(&[V::Utf8String("publish".into()), V::Number(5.0), V::Null, V::Utf8String("key".into()), V::Utf8String("live".into())])),
            Ok(())
        );
        assert_eq!(check(20, &nested(MAX_DEPTH)), Ok(()));
        // Media and control messages are not AMF.
        assert_eq!(check(9, &[0x17, 0xff, 0xff]), Ok(()));
        assert_eq!(check(1, &[0, 0, 0x10, 0]), Ok(()));
    }

    /// Everything the guard passes, the crate's decoder reads without error.
    #[test]
    fn what_passes_decodes() {
        for p in [connect(), nested(MAX_DEPTH)] {
            let mp = rml_rtmp::messages::MessagePayload {
                timestamp: rml_rtmp::time::RtmpTimestamp::new(0),
                type_id: 20,
                message_stream_id: 0,
                data: bytes::Bytes::from(p),
            };
            assert!(mp.to_rtmp_message().is_ok());
        }
    }

    /// rml_rtmp's server session reads `data[0]` and `data.remove(1)` after `@setDataFrame`
    /// without checking that they are there (a panic before any key check).
    #[test]
    fn refuses_a_set_data_frame_without_name_and_value() {
        let sdf = V::Utf8String("@setDataFrame".into());
        let name = V::Utf8String("onMetaData".into());
        assert_eq!(check(18, &amf(std::slice::from_ref(&sdf))), Err(AmfGuardError::ShortDataFrame));
        assert_eq!(check(18, &amf(&[sdf.clone(), name.clone()])), Err(AmfGuardError::ShortDataFrame));
        assert_eq!(check(15, &amf(&[sdf.clone(), name.clone()])), Err(AmfGuardError::ShortDataFrame));
        assert_eq!(check(18, &amf(&[sdf, name.clone(), V::Null])), Ok(()));
        // Other data messages are not the decoder's business past their scan.
        assert_eq!(check(18, &amf(&[name])), Ok(()));
    }

    #[test]
    fn refuses_deep_nesting_without_recursing() {
        assert_eq!(check(20, &nested(MAX_DEPTH + 1)), Err(AmfGuardError::TooDeep));
        // The attack from the issue: this would overflow the decoder's stack.
        assert_eq!(check(20, &nested(200_000)), Err(AmfGuardError::TooDeep));
        let mut objs = amf(&[V::Utf8String("x".into()), V::Number(1.0)]);
        for _ in 0..100_000 {
            objs.extend_from_slice(&[OBJECT, 0, 1, b'a']);
        }
        assert_eq!(check(20, &objs), Err(AmfGuardError::TooDeep));
        assert_eq!(check(18, &objs), Err(AmfGuardError::TooDeep));
        let mut amf3 = vec![0];
        amf3.extend_from_slice(&objs);
        assert_eq!(check(17, &amf3), Err(AmfGuardError::TooDeep));
    }

    #[test]
    fn refuses_short_and_malformed() {
        // rml_rtmp's `drain(..3)` panics on these.
        assert_eq!(check(20, &[]), Err(AmfGuardError::ShortCommand));
        assert_eq!(check(20, &amf(&[V::Utf8String("connect".into())])), Err(AmfGuardError::ShortCommand));
        assert_eq!(check(20, &amf(&[V::Utf8String("connect".into()), V::Number(1.0)])), Err(AmfGuardError::ShortCommand));
        // A top-level end marker ends the decoder's list early.
        let mut early = amf(&[V::Utf8String("connect".into()), V::Number(1.0)]);
        early.push(OBJECT_END);
        early.push(NULL);
        assert_eq!(check(20, &early), Err(AmfGuardError::ShortCommand));
        assert_eq!(check(20, &amf(&[V::Number(1.0), V::Number(1.0), V::Null])), Err(AmfGuardError::ShortCommand));
        assert_eq!(check(17, &[0]), Err(AmfGuardError::ShortCommand));
        // Truncated values, strings and counts.
        assert_eq!(check(18, &[NUMBER, 1, 2]), Err(AmfGuardError::Truncated(1)));
        assert_eq!(check(18, &[STRING, 0, 5, b'a']), Err(AmfGuardError::Truncated(3)));
        assert_eq!(check(18, &[STRICT_ARRAY, 0xff, 0xff, 0xff, 0xff, NULL]), Err(AmfGuardError::Truncated(0)));
        assert_eq!(check(18, &[OBJECT, 0, 1, b'k']), Err(AmfGuardError::Truncated(4)));
        assert_eq!(check(18, &[OBJECT, 0, 0, NULL]), Err(AmfGuardError::StrayEnd(3)));
        assert_eq!(check(18, &[OBJECT, 0, 1, b'k', OBJECT_END]), Err(AmfGuardError::StrayEnd(4)));
        assert_eq!(check(18, &[STRICT_ARRAY, 0, 0, 0, 1, OBJECT_END]), Err(AmfGuardError::StrayEnd(5)));
        assert_eq!(check(18, &[STRING, 0, 2, 0xc3, 0x28]), Err(AmfGuardError::NotUtf8(3)));
        // Markers the decoder does not know, AMF3, shared objects.
        assert_eq!(check(18, &[0x0c, 0, 0, 0, 0]), Err(AmfGuardError::Marker { marker: 0x0c, at: 0 }));
        assert_eq!(check(18, &[0x07, 0, 0]), Err(AmfGuardError::Marker { marker: 0x07, at: 0 }));
        assert_eq!(check(15, &[AMF3_SWITCH, 0x0a]), Err(AmfGuardError::Amf3));
        assert_eq!(check(19, &[]), Err(AmfGuardError::SharedObject(19)));
        assert_eq!(check(16, &[]), Err(AmfGuardError::SharedObject(16)));
    }

    #[test]
    fn random_bytes_never_panic_and_what_passes_decodes() {
        let mut x = 0x9e37_79b9u32;
        let mut rand = move || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let base = connect();
        for i in 0..20_000 {
            let mut p = if i % 2 == 0 { base.clone() } else { (0..(rand() % 64)).map(|_| rand() as u8 % 12).collect() };
            if !p.is_empty() {
                for _ in 0..(rand() % 4) {
                    let at = rand() as usize % p.len();
                    p[at] = rand() as u8;
                }
            }
            if check(20, &p).is_ok() {
                let mp = rml_rtmp::messages::MessagePayload {
                    timestamp: rml_rtmp::time::RtmpTimestamp::new(0),
                    type_id: 20,
                    message_stream_id: 0,
                    data: bytes::Bytes::from(p),
                };
                assert!(mp.to_rtmp_message().is_ok(), "passed but does not decode: {:02x?}", mp.data);
            }
        }
    }
}
