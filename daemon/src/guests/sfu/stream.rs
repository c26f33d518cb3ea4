//! A guest as a live Matroska stream over HTTP, for an OBS without a Browser Source (its Media Source
//! plays it with ffmpeg). Each stream is a branch off the guest's tees: per track a leaky queue (its
//! own thread: a reader that stalls drops its own frames, never the guest's other viewers), the
//! depayloader, and an appsink whose frames the `mkv` writer puts in blocks. Nothing is decoded.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::mpsc;

use super::rtp::Format;
use super::viewer::{FeedState, Feeds};
use super::{make, Media, SfuError, Track};
use crate::media::mkv;

/// What a reader may fall behind by before the stream drops frames up to the next keyframe: about
/// 2 s of a 2.5 Mb/s guest in blocks of one frame.
const BACKLOG: usize = 256;
/// How often a stream that waits for a keyframe asks the guest again (browsers send VP8 keyframes
/// only when asked).
const ASK_EVERY: Duration = Duration::from_millis(500);
/// Keyframes asked again this long after the stream's first: a reader that drops what it read while
/// probing the stream (ffmpeg with `-fflags nobuffer`) would otherwise decode nothing until the
/// guest's next keyframe, and Chromium sends one only when asked (seen: no picture at all).
const AGAIN_AFTER: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

/// One reader's stream: the bytes to send, and what ends its branch (or its share of the grid)
/// when this is dropped.
pub struct GuestStream {
    pub bytes: mpsc::Receiver<Bytes>,
    end: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl std::fmt::Debug for GuestStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestStream").finish_non_exhaustive()
    }
}

impl GuestStream {
    pub(crate) fn new(bytes: mpsc::Receiver<Bytes>, end: impl FnOnce() + Send + Sync + 'static) -> GuestStream {
        GuestStream { bytes, end: Some(Box::new(end)) }
    }
}

impl Drop for GuestStream {
    fn drop(&mut self) {
        if let Some(end) = self.end.take() {
            end();
        }
    }
}

/// What a tap on the guest's tracks feeds: frames as the depayloaders give them, on the guest's
/// streaming threads (so never blocking).
pub trait TapSink: Send + Sync + 'static {
    /// A frame of track `i` (in the order of the tracks the tap was made with).
    fn frame(&self, i: usize, sample: &gst::Sample);
    /// Still waiting for a keyframe: the guest is asked for one every [`ASK_EVERY`] while so.
    fn waiting(&self) -> bool;
    /// The guest has left: no more frames will come.
    fn end(&self);
}

/// A tap's branches in the guest's pipeline.
pub(super) struct Stream {
    elements: Vec<gst::Element>,
    feeds: Arc<Feeds>,
    sink: Arc<dyn TapSink>,
}

impl Media {
    /// A new stream of the guest's tracks as they flow now; `fps`: the guest's frame rate as measured.
    pub fn add_stream(self: &Arc<Self>, fps: f64) -> Result<GuestStream, SfuError> {
        if !self.ready() {
            return Err(SfuError::NoMedia);
        }
        let tracks = self.tracks.lock().unwrap().clone();
        let (w, h) = self.video_size().map(|(w, h)| (w as u32, h as u32)).unwrap_or((1280, 720));
        let frame_ns = if (1.0..=120.0).contains(&fps) { (1e9 / fps.round()) as u64 } else { 0 };
        let specs = tracks
            .iter()
            .map(|t| {
                let codec = match t.format {
                    Format::Vp8 => mkv::Codec::Vp8,
                    Format::Vp9 => mkv::Codec::Vp9,
                    // The record comes with the depayloader's caps; the writer is made once it has them.
                    Format::H264 => mkv::Codec::H264 { avcc: vec![] },
                    Format::Opus => mkv::Codec::Opus { channels: 2 },
                };
                mkv::Track { codec, width: w, height: h, frame_ns }
            })
            .collect();
        let (reader, rx) = Reader::new(specs);
        let id = self.add_tap(&tracks, reader)?;
        tracing::debug!(stream = %id, "a guest stream for a media source");
        let media = Arc::downgrade(self);
        Ok(GuestStream::new(rx, move || {
            if let Some(m) = media.upgrade() {
                m.remove_stream(&id);
            }
        }))
    }

    /// A branch per track in `tracks` (the guest's, as they flow now) feeding `sink` with frames,
    /// never decoded; asks the guest for keyframes while the sink waits for one, and again
    /// [`AGAIN_AFTER`] its first. Ended by [`Media::remove_stream`] with the returned id.
    pub(crate) fn add_tap(self: &Arc<Self>, tracks: &[Track], sink: Arc<dyn TapSink>) -> Result<String, SfuError> {
        if tracks.is_empty() {
            return Err(SfuError::NoMedia);
        }
        let mut elements = vec![];
        let mut pads = vec![];
        for (i, t) in tracks.iter().enumerate() {
            match self.stream_track(i, t, &sink) {
                Ok((els, pair)) => {
                    elements.extend(els);
                    pads.push(pair);
                }
                Err(e) => {
                    self.remove_elements(&elements, &Feeds::new(pads, FeedState::Waiting));
                    return Err(e);
                }
            }
        }
        let feeds = Arc::new(Feeds::new(pads, FeedState::Waiting));
        feeds.link();
        let id = crate::store::secret::random_token(8);
        self.streams.lock().unwrap().insert(id.clone(), Stream { elements, feeds: feeds.clone(), sink: sink.clone() });
        // Asks for a keyframe until the sink has one (and again whenever it resyncs).
        let video: Vec<_> = feeds.pads.iter().zip(tracks).filter(|(_, t)| t.format.is_video()).map(|(p, _)| p.clone()).collect();
        let keyframes = Arc::new(Feeds::new(video, FeedState::Linked));
        tokio::spawn(async move {
            // When the sink had its first keyframe, and how many of `AGAIN_AFTER` were asked since.
            let (mut first_key, mut again) = (None, 0);
            loop {
                if *feeds.state.lock().unwrap() == FeedState::Closed {
                    return;
                }
                if sink.waiting() {
                    (first_key, again) = (None, 0);
                    keyframes.ask_for_keyframe();
                } else {
                    let t: tokio::time::Instant = *first_key.get_or_insert_with(tokio::time::Instant::now);
                    if again < AGAIN_AFTER.len() && t.elapsed() >= AGAIN_AFTER[again] {
                        again += 1;
                        keyframes.ask_for_keyframe();
                    }
                }
                tokio::time::sleep(ASK_EVERY).await;
            }
        });
        Ok(id)
    }

    /// queue ! depayloader ! appsink for track `i`, fed from a new pad of its tee.
    fn stream_track(&self, i: usize, t: &Track, sink: &Arc<dyn TapSink>) -> Result<(Vec<gst::Element>, (gst::Pad, gst::Pad)), SfuError> {
        let q = make("queue")?;
        q.set_property_from_str("leaky", "downstream");
        q.set_property("max-size-buffers", 0u32);
        q.set_property("max-size-bytes", 0u32);
        q.set_property("max-size-time", 1_000_000_000u64);
        let mut chain = vec![q];
        let depay = match t.format {
            Format::Vp8 => "rtpvp8depay",
            Format::Vp9 => "rtpvp9depay",
            Format::H264 => "rtph264depay",
            Format::Opus => "rtpopusdepay",
        };
        chain.push(make(depay)?);
        if t.format == Format::H264 {
            chain.push(make("h264parse")?);
            let f = make("capsfilter")?;
            f.set_property("caps", gst::Caps::builder("video/x-h264").field("stream-format", "avc").field("alignment", "au").build());
            chain.push(f);
        }
        let appsink = gstreamer_app::AppSink::builder().sync(false).build();
        // Added to a playing pipeline: without this a sink waits to preroll, and the pipeline with
        // it, so one whose track never flows (a muted guest's sound) stalls the next stream's picture.
        appsink.set_property("async", false);
        let sink = sink.clone();
        appsink.set_callbacks(
            gstreamer_app::AppSinkCallbacks::builder()
                .new_sample(move |s| {
                    // Never an error: one flowing back would stop the guest's tee for everyone.
                    if let Ok(sample) = s.pull_sample() {
                        sink.frame(i, &sample);
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        chain.push(appsink.upcast());
        self.pipeline.add_many(&chain)?;
        gst::Element::link_many(&chain)?;
        for e in &chain {
            let _ = e.sync_state_with_parent();
        }
        let tee_src = t.tee.request_pad_simple("src_%u").ok_or_else(|| SfuError::Gst(gst::glib::bool_error!("no tee pad")))?;
        let sink_pad = chain[0].static_pad("sink").unwrap();
        Ok((chain, (tee_src, sink_pad)))
    }

    pub fn remove_stream(&self, id: &str) -> bool {
        let s = self.streams.lock().unwrap().remove(id);
        match s {
            Some(s) => {
                s.sink.end();
                self.remove_elements(&s.elements, &s.feeds);
                true
            }
            None => false,
        }
    }

    /// Ends every stream's body (the guest has left).
    pub(super) fn end_streams(&self) {
        for s in self.streams.lock().unwrap().values() {
            s.sink.end();
        }
    }

    pub fn stream_count(&self) -> usize {
        self.streams.lock().unwrap().len()
    }
}

/// A 20 ms Opus frame of silence (TOC: CELT-only, fullband, 20 ms, one frame; RFC 6716 §3.1).
const OPUS_SILENCE: [u8; 3] = [0xF8, 0xFF, 0xFE];
const OPUS_FRAME_NS: u64 = 20_000_000;
/// Sound missing for this long while pictures come (the host muted the guest) is filled with
/// silence: ffmpeg, and OBS with it, waits for every track's first frame before it shows any, and a
/// player that starts on a muted guest would otherwise wait until the probe's 5 MB were read.
const FILL_AFTER_NS: u64 = 200_000_000;

/// The writer, made once every track's codec is known (H.264's record comes with its first caps).
struct Pending {
    specs: Vec<mkv::Track>,
    writer: Option<mkv::Writer>,
    /// Per track: the time of the last sound frame written (audio tracks only).
    last_sound: Vec<Option<u64>>,
}

impl Pending {
    fn waiting(&self) -> bool {
        self.writer.as_ref().is_none_or(mkv::Writer::waiting)
    }

    /// Frame `data` of track `i`, with silence first on sound tracks that fell quiet: the bytes.
    fn write(&mut self, i: usize, pts: u64, key: bool, data: &[u8]) -> Vec<u8> {
        let Some(w) = self.writer.as_mut() else { return vec![] };
        let sound = matches!(self.specs[i].codec, mkv::Codec::Opus { .. });
        if sound {
            if self.last_sound[i].is_some_and(|l| pts <= l) {
                return vec![];
            }
            let out = w.frame(i, pts, key, data);
            if !out.is_empty() {
                self.last_sound[i] = Some(pts);
            }
            return out;
        }
        let mut out = w.frame(i, pts, key, data);
        if out.is_empty() {
            return out;
        }
        for (j, spec) in self.specs.iter().enumerate() {
            if !matches!(spec.codec, mkv::Codec::Opus { .. }) {
                continue;
            }
            let last = self.last_sound[j].get_or_insert(pts.saturating_sub(OPUS_FRAME_NS));
            if pts < *last + FILL_AFTER_NS {
                continue;
            }
            while *last + OPUS_FRAME_NS <= pts {
                *last += OPUS_FRAME_NS;
                out.extend(w.frame(j, *last, true, &OPUS_SILENCE));
            }
        }
        out
    }
}

/// One reader of a Matroska stream: its writer, and where its bytes go (taken when it ends).
pub(crate) struct Reader {
    pending: Mutex<Pending>,
    out: Mutex<Option<mpsc::Sender<Bytes>>>,
}

impl Reader {
    pub(crate) fn new(specs: Vec<mkv::Track>) -> (Arc<Reader>, mpsc::Receiver<Bytes>) {
        let (tx, rx) = mpsc::channel(BACKLOG);
        let pending = Pending { last_sound: vec![None; specs.len()], specs, writer: None };
        (Arc::new(Reader { pending: Mutex::new(pending), out: Mutex::new(Some(tx)) }), rx)
    }

    pub(crate) fn ended(&self) -> bool {
        self.out.lock().unwrap().is_none()
    }
}

impl TapSink for Reader {
    fn frame(&self, i: usize, sample: &gst::Sample) {
        let Some(buf) = sample.buffer() else { return };
        let Some(pts) = buf.pts().or(buf.dts()) else { return };
        let Ok(map) = buf.map_readable() else { return };
        let mut p = self.pending.lock().unwrap();
        if p.writer.is_none() {
            if let mkv::Codec::H264 { avcc } = &mut p.specs[i].codec {
                if avcc.is_empty() {
                    let record = sample.caps().and_then(|c| c.structure(0)).and_then(|s| s.get::<gst::Buffer>("codec_data").ok());
                    match record.and_then(|r| r.map_readable().ok().map(|m| m.to_vec())) {
                        Some(r) => *avcc = r,
                        None => return,
                    }
                }
            }
            let ready = p.specs.iter().all(|s| !matches!(&s.codec, mkv::Codec::H264 { avcc } if avcc.is_empty()));
            if !ready {
                return;
            }
            p.writer = Some(mkv::Writer::new(p.specs.clone()));
        }
        let key = !buf.flags().contains(gst::BufferFlags::DELTA_UNIT);
        let pts = pts.nseconds();
        let bytes = p.write(i, pts, key, map.as_slice());
        if bytes.is_empty() {
            return;
        }
        let mut out = self.out.lock().unwrap();
        let Some(tx) = out.as_ref() else { return };
        match tx.try_send(Bytes::from(bytes)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::debug!("a guest stream's reader fell behind: frames dropped up to the next keyframe");
                if let Some(w) = p.writer.as_mut() {
                    w.resync();
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                out.take();
            }
        }
    }

    fn waiting(&self) -> bool {
        self.pending.lock().unwrap().waiting()
    }

    fn end(&self) {
        self.out.lock().unwrap().take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_sound_track_is_filled_with_silence_and_late_sound_dropped() {
        let specs = vec![
            mkv::Track { codec: mkv::Codec::Opus { channels: 2 }, width: 0, height: 0, frame_ns: 0 },
            mkv::Track { codec: mkv::Codec::Vp8, width: 320, height: 240, frame_ns: 0 },
        ];
        let mut p = Pending { last_sound: vec![None; 2], writer: Some(mkv::Writer::new(specs.clone())), specs };
        let silences = |b: &[u8]| b.windows(3).filter(|w| *w == OPUS_SILENCE).count();
        let ms = 1_000_000u64;
        let first = p.write(1, 1000 * ms, true, b"KEY");
        assert!(!first.is_empty() && silences(&first) == 0, "nothing to fill at the first picture");
        assert_eq!(silences(&p.write(1, 1100 * ms, false, b"d")), 0, "not yet quiet for long");
        // 300 ms of pictures with no sound: 20 ms frames of silence from the first picture's time to this one's.
        assert_eq!(silences(&p.write(1, 1300 * ms, false, b"d")), 16);
        assert!(p.write(0, 1290 * ms, false, b"late").is_empty(), "sound behind the silence already written");
        assert!(!p.write(0, 1320 * ms, false, b"real").is_empty());
        assert_eq!(silences(&p.write(1, 1333 * ms, false, b"d")), 0, "sound flows again");
    }
}
