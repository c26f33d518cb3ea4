//! A still of a feed for the dashboard (the crop window is placed over it): the latest keyframe of
//! the program's GOP cache, decoded alone and scaled to a small JPEG. Nothing runs while nobody
//! asks; a still is made at most once per keyframe, whoever asks how often.
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::media::elementary::{self, Codec, Unpacked};
use crate::media::pipeline::{self, PipelineError};
use crate::media::program::Program;

/// A still fits in this square (480×270 for 16:9, 270×480 for 9:16): enough to place a crop window
/// by eye, ~15–30 KB of JPEG.
pub const SIZE: u32 = 480;
/// A keyframe that does not decode within this is given up (a 4K HEVC one takes ~200 ms here).
const DECODE_LIMIT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("no picture on this feed yet")]
    NoPicture,
    #[error("the feed's picture cannot be decoded: {0}")]
    Decode(String),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// The last still made and the keyframe it was made from (its timestamp and size).
#[derive(Default)]
pub struct Stills {
    last: Mutex<Option<((u32, usize), bytes::Bytes)>>,
}

impl Stills {
    /// A JPEG of `program`'s latest keyframe (blocking: decodes; call it off the async threads).
    pub fn jpeg(&self, program: &Program) -> Result<bytes::Bytes, PreviewError> {
        let (config, key) = latest_keyframe(program).ok_or(PreviewError::NoPicture)?;
        let id = (key.ts, key.data.len());
        if let Some((at, jpeg)) = &*self.last.lock().unwrap() {
            if *at == id {
                return Ok(jpeg.clone());
            }
        }
        let jpeg = decode(&config, &key)?;
        *self.last.lock().unwrap() = Some((id, jpeg.clone()));
        Ok(jpeg)
    }
}

/// The sequence header on air and the first frame of the GOP cache, when it is a keyframe.
fn latest_keyframe(program: &Program) -> Option<(crate::media::Frame, crate::media::Frame)> {
    let (_rx, h) = program.subscribe();
    let key = h.gop.into_iter().find(|f| f.is_video() && !f.is_sequence_header())?;
    key.is_keyframe().then_some(())?;
    Some((h.video?, key))
}

fn decode(config: &crate::media::Frame, key: &crate::media::Frame) -> Result<bytes::Bytes, PreviewError> {
    let Unpacked::Config { codec, record } = elementary::unpack(&config.data) else { return Err(PreviewError::NoPicture) };
    let Unpacked::Coded { codec: c, key: true, data, .. } = elementary::unpack(&key.data) else { return Err(PreviewError::NoPicture) };
    if c != codec {
        return Err(PreviewError::NoPicture);
    }
    let desc = format!(
        "appsrc name=src format=time ! {} ! decodebin ! videoconvert ! videoscale ! video/x-raw,width=[16,{SIZE}],height=[16,{SIZE}],pixel-aspect-ratio=1/1 \
         ! jpegenc quality=80 ! appsink name=sink sync=false",
        codec.parser()
    );
    let p = pipeline::launch(&desc)?;
    let src: gst_app::AppSrc = pipeline::element(&p, "src")?;
    let sink: gst_app::AppSink = pipeline::element(&p, "sink")?;
    let mut caps = gst::Caps::from_str(codec.caps_name()).map_err(|e| PreviewError::Decode(e.to_string()))?;
    if !record.is_empty() && codec != Codec::Vp9 {
        caps.make_mut().set("codec_data", gst::Buffer::from_slice(record));
    }
    src.set_caps(Some(&caps));
    let result = (|| {
        p.set_state(gst::State::Playing).map_err(|e| PreviewError::Decode(e.to_string()))?;
        let mut buf = gst::Buffer::from_slice(data);
        buf.get_mut().expect("a new buffer has one owner").set_pts(gst::ClockTime::ZERO);
        src.push_buffer(buf).map_err(|e| PreviewError::Decode(e.to_string()))?;
        let _ = src.end_of_stream();
        let sample = sink.try_pull_sample(gst::ClockTime::from_mseconds(DECODE_LIMIT.as_millis() as u64));
        let sample = sample.ok_or_else(|| PreviewError::Decode(bus_error(&p).unwrap_or_else(|| "no picture came out".into())))?;
        let b = sample.buffer().ok_or_else(|| PreviewError::Decode("an empty picture".into()))?;
        let map = b.map_readable().map_err(|e| PreviewError::Decode(e.to_string()))?;
        Ok(bytes::Bytes::copy_from_slice(map.as_slice()))
    })();
    let _ = p.set_state(gst::State::Null);
    result
}

fn bus_error(p: &gst::Pipeline) -> Option<String> {
    let bus = p.bus()?;
    while let Some(m) = bus.pop() {
        if let gst::MessageView::Error(e) = m.view() {
            return Some(e.error().to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::program::Source;
    use crate::media::Frame;
    use bytes::Bytes;

    #[test]
    fn no_feed_no_still_and_garbage_is_an_error_not_a_crash() {
        let stills = Stills::default();
        let p = Program::new();
        assert!(matches!(stills.jpeg(&p), Err(PreviewError::NoPicture)));
        // A "keyframe" of garbage behind a garbage avcC: refused by the decoder, not a panic.
        p.push(Source::Feed, Frame::video(0, Bytes::from_static(&[0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff])));
        p.push(Source::Feed, Frame::video(0, Bytes::from_static(&[0x17, 1, 0, 0, 0, 0, 0, 0, 4, 0x65, 0x88, 0x84, 0x00])));
        match stills.jpeg(&p) {
            Err(PreviewError::Decode(_)) | Err(PreviewError::Pipeline(_)) => {}
            other => panic!("garbage decoded: {other:?}"),
        }
    }
}
