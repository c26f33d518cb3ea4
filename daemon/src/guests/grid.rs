//! The grid as one stream, for an OBS without a Browser Source (its Media Source plays it with
//! ffmpeg): every guest the grid page would show, side by side in one 1280×720 picture, their
//! sound mixed, encoded once with the box's H.264 encoder (a hardware one where the board has it)
//! and Opus, in Matroska. Unlike a guest's own stream this decodes and encodes, so it runs only
//! while someone reads it, one composer shared by every reader, and is torn down with the last.
//!
//! Each guest is tapped where its own stream is (frames as depayloaded, `sfu::TapSink`) and pushed
//! into an `appsrc` of the composer's pipeline, stamped on arrival: the guests' pipelines keep
//! their own clocks, and the composer's `compositor`/`audiomixer` mix what arrived by now.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::sfu::{GuestStream, Media, Reader, TapSink, Track};
use super::{Guest, Guests};
use crate::guests::sfu::rtp::Format;
use crate::media::mkv;

pub const WIDTH: i32 = 1280;
pub const HEIGHT: i32 = 720;
pub const FPS: u32 = 30;
const KBPS: u32 = 2500;
/// x264's preset for the grid (a hardware encoder has its own speed): people talking side by side
/// need little; measured with two 320×180 guests, `veryfast` cost 81 % of a core here.
const SPEED: &str = "superfast";
/// Readers at once (each is only a Matroska writer over the shared encoder's frames).
pub const MAX_READERS: usize = 4;
/// How late a guest's frame may come for the mix: decoders and the hop between pipelines take a
/// few ms; a LAN guest's frames come ±20 ms around their slot.
const LATENCY: u64 = 100_000_000;

#[derive(Debug, thiserror::Error)]
pub enum GridError {
    #[error("the grid stream has {MAX_READERS} readers already")]
    TooManyReaders,
    #[error("the grid stream cannot start: {0}")]
    Gst(String),
}

impl From<gst::glib::BoolError> for GridError {
    fn from(e: gst::glib::BoolError) -> Self {
        GridError::Gst(e.to_string())
    }
}

/// The guests' rectangles in a `w`×`h` picture: as many columns as the square root rounds up to,
/// rows to fit, the last row centred when it is short.
pub fn layout(n: usize, w: i32, h: i32) -> Vec<(i32, i32, i32, i32)> {
    if n == 0 {
        return vec![];
    }
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let (cw, ch) = (w / cols as i32, h / rows as i32);
    (0..n)
        .map(|i| {
            let (row, col) = (i / cols, i % cols);
            let in_row = if row == rows - 1 { n - row * cols } else { cols };
            let left = (w - cw * in_row as i32) / 2;
            (left + col as i32 * cw, row as i32 * ch, cw, ch)
        })
        .collect()
}

/// The running composer, if any (it lives as long as one of its readers).
#[derive(Default)]
pub struct Grid {
    composer: Mutex<Weak<Composer>>,
}

impl Grid {
    /// A new reader of the grid stream, starting the composer if nobody reads it yet. `encoder`:
    /// the box's H.264 encoder element.
    pub fn stream(&self, guests: &Arc<Guests>, encoder: &str) -> Result<GuestStream, GridError> {
        let mut slot = self.composer.lock().unwrap();
        let c = match slot.upgrade() {
            Some(c) => c,
            None => {
                let c = Composer::start(encoder)?;
                tokio::spawn(follow(Arc::downgrade(&c), Arc::downgrade(guests)));
                *slot = Arc::downgrade(&c);
                c
            }
        };
        drop(slot);
        let (id, rx) = c.add_reader()?;
        Ok(GuestStream::new(rx, move || c.remove_reader(&id)))
    }

    pub fn readers(&self) -> usize {
        self.composer.lock().unwrap().upgrade().map_or(0, |c| c.readers.lock().unwrap().len())
    }
}

/// Keeps the composer's cells on the grid's guests until the composer ends: looks again whenever
/// a guest comes, goes or gets its media flowing.
async fn follow(composer: Weak<Composer>, guests: Weak<Guests>) {
    loop {
        let (Some(c), Some(g)) = (composer.upgrade(), guests.upgrade()) else { return };
        let on = g.on_grid();
        let ids: Vec<String> = on.iter().map(|x| x.info.lock().unwrap().id.clone()).collect();
        c.arrange(&on);
        drop((c, on));
        // A second at most, so an ended composer is noticed without a guest changing.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
        g.wait_until(deadline, || g.on_grid().iter().map(|x| x.info.lock().unwrap().id.clone()).ne(ids.iter().cloned())).await;
    }
}

struct Composer {
    pipeline: gst::Pipeline,
    video_mix: gst::Element,
    audio_mix: gst::Element,
    /// Where a keyframe is asked for when a reader joins.
    video_out: gst::Element,
    readers: Mutex<HashMap<String, Arc<Reader>>>,
    cells: Mutex<Vec<Cell>>,
}

/// A guest on the grid: the tap in its pipeline and the inputs in the composer's.
struct Cell {
    guest: String,
    media: Weak<Media>,
    tap: String,
    inputs: Vec<Input>,
}

struct Input {
    elements: Vec<gst::Element>,
    mix_pad: gst::Pad,
    video: bool,
}

fn make(factory: &str) -> Result<gst::Element, GridError> {
    gst::ElementFactory::make(factory).build().map_err(|_| GridError::Gst(format!("element {factory} is missing")))
}

impl Composer {
    fn start(encoder: &str) -> Result<Arc<Composer>, GridError> {
        crate::media::gst_ready().map_err(|e| GridError::Gst(e.to_string()))?;
        let enc = crate::media::h264enc::describe(encoder, KBPS, FPS * 2, SPEED);
        // The test sources are the pace: the picture and the mix go on at the frame rate with no
        // guest at all. The picture's is a 16×16 one drawn with alpha 0 (the compositor skips it;
        // its own background is black), and the compositor writes I420 for the encoder itself.
        let desc = format!(
            "compositor name=vmix background=black ignore-inactive-pads=true latency={LATENCY} sink_0::alpha=0 \
             ! video/x-raw,format=I420,width={WIDTH},height={HEIGHT},framerate={FPS}/1 \
             ! {enc} ! h264parse config-interval=-1 ! video/x-h264,stream-format=avc,alignment=au ! appsink name=vout sync=false \
             videotestsrc is-live=true pattern=black ! video/x-raw,width=16,height=16,framerate={FPS}/1 ! vmix.sink_0 \
             audiomixer name=amix ignore-inactive-pads=true latency={LATENCY} ! audio/x-raw,rate=48000,channels=2 \
             ! opusenc bitrate=96000 frame-size=20 ! appsink name=aout sync=false \
             audiotestsrc is-live=true wave=silence samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=2 ! amix."
        );
        let pipeline = gst::parse::launch(&desc)
            .map_err(|e| GridError::Gst(e.to_string()))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| GridError::Gst("not a pipeline".into()))?;
        let by_name = |n: &str| pipeline.by_name(n).ok_or_else(|| GridError::Gst(format!("no {n}")));
        let (video_mix, audio_mix, video_out, audio_out) = (by_name("vmix")?, by_name("amix")?, by_name("vout")?, by_name("aout")?);
        let c = Arc::new(Composer { pipeline, video_mix, audio_mix, video_out, readers: Mutex::default(), cells: Mutex::default() });
        for (i, sink) in [(0, c.video_out.clone()), (1, audio_out)] {
            let sink = sink.downcast::<gst_app::AppSink>().map_err(|_| GridError::Gst("not an appsink".into()))?;
            let weak = Arc::downgrade(&c);
            sink.set_callbacks(
                gst_app::AppSinkCallbacks::builder()
                    .new_sample(move |s| {
                        if let (Ok(sample), Some(c)) = (s.pull_sample(), weak.upgrade()) {
                            let readers: Vec<_> = c.readers.lock().unwrap().values().cloned().collect();
                            for r in readers {
                                r.frame(i, &sample);
                            }
                        }
                        Ok(gst::FlowSuccess::Ok)
                    })
                    .build(),
            );
        }
        watch_bus(&c.pipeline);
        c.pipeline.set_state(gst::State::Playing).map_err(|e| GridError::Gst(e.to_string()))?;
        tracing::info!(encoder, "the grid stream's composer started");
        Ok(c)
    }

    fn add_reader(&self) -> Result<(String, tokio::sync::mpsc::Receiver<bytes::Bytes>), GridError> {
        let mut readers = self.readers.lock().unwrap();
        readers.retain(|_, r| !r.ended());
        if readers.len() >= MAX_READERS {
            return Err(GridError::TooManyReaders);
        }
        let frame_ns = 1_000_000_000 / FPS as u64;
        let specs = vec![
            mkv::Track { codec: mkv::Codec::H264 { avcc: vec![] }, width: WIDTH as u32, height: HEIGHT as u32, frame_ns },
            mkv::Track { codec: mkv::Codec::Opus { channels: 2 }, width: 0, height: 0, frame_ns: 0 },
        ];
        let (reader, rx) = Reader::new(specs);
        let id = crate::store::secret::random_token(8);
        readers.insert(id.clone(), reader);
        drop(readers);
        // The new reader starts at a keyframe: one now rather than at the end of the GOP (2 s).
        self.video_out.send_event(gst::event::CustomUpstream::new(gst::Structure::builder("GstForceKeyUnit").field("all-headers", true).build()));
        Ok((id, rx))
    }

    fn remove_reader(&self, id: &str) {
        self.readers.lock().unwrap().remove(id);
    }

    /// Puts the cells on `guests` (in their order): new guests tapped, gone ones removed, every
    /// cell moved to its place in the layout.
    fn arrange(&self, guests: &[Arc<Guest>]) {
        let mut cells = self.cells.lock().unwrap();
        let ids: Vec<String> = guests.iter().map(|g| g.info.lock().unwrap().id.clone()).collect();
        let (keep, gone): (Vec<Cell>, Vec<Cell>) = std::mem::take(&mut *cells).into_iter().partition(|c| ids.contains(&c.guest) && c.media.upgrade().is_some());
        for c in gone {
            self.remove_cell(c);
        }
        *cells = keep;
        for (g, id) in guests.iter().zip(&ids) {
            if cells.iter().any(|c| &c.guest == id) {
                continue;
            }
            match self.add_cell(id, &g.media) {
                Ok(c) => cells.push(c),
                Err(e) => tracing::warn!(guest = %id, "a guest not put on the grid stream: {e}"),
            }
        }
        cells.sort_by_key(|c| ids.iter().position(|i| *i == c.guest));
        let places = layout(cells.len(), WIDTH, HEIGHT);
        for (c, (x, y, w, h)) in cells.iter().zip(places) {
            for i in c.inputs.iter().filter(|i| i.video) {
                i.mix_pad.set_property("xpos", x);
                i.mix_pad.set_property("ypos", y);
                i.mix_pad.set_property("width", w);
                i.mix_pad.set_property("height", h);
            }
        }
    }

    fn add_cell(&self, id: &str, media: &Arc<Media>) -> Result<Cell, GridError> {
        let tracks: Vec<Track> = media.tracks.lock().unwrap().clone();
        let mut inputs = vec![];
        let mut srcs = vec![];
        for t in &tracks {
            match self.add_input(t.format) {
                Ok((input, src)) => {
                    inputs.push(input);
                    srcs.push(src);
                }
                Err(e) => {
                    for i in inputs {
                        self.remove_input(i);
                    }
                    return Err(e);
                }
            }
        }
        let feed = Arc::new(CellFeed { srcs, video: tracks.iter().map(|t| t.format.is_video()).collect(), keyed: AtomicBool::new(false) });
        match media.add_tap(&tracks, feed) {
            Ok(tap) => Ok(Cell { guest: id.to_string(), media: Arc::downgrade(media), tap, inputs }),
            Err(e) => {
                for i in inputs {
                    self.remove_input(i);
                }
                Err(GridError::Gst(e.to_string()))
            }
        }
    }

    /// appsrc ! decoder [! audioconvert ! audioresample] → a new pad of the mixer.
    fn add_input(&self, format: Format) -> Result<(Input, gst_app::AppSrc), GridError> {
        let src = gst_app::AppSrc::builder().is_live(true).do_timestamp(true).format(gst::Format::Time).build();
        // Never blocks the guest's streaming thread: a stalled composer drops this guest's frames.
        src.set_property("block", false);
        src.set_property("max-bytes", 4_000_000u64);
        let mut chain: Vec<gst::Element> = vec![src.clone().upcast()];
        let (decoder, mixer, video) = match format {
            Format::Vp8 => ("vp8dec", &self.video_mix, true),
            Format::Vp9 => ("vp9dec", &self.video_mix, true),
            Format::H264 => ("avdec_h264", &self.video_mix, true),
            Format::Opus => ("opusdec", &self.audio_mix, false),
        };
        let dec = make(decoder)?;
        if dec.has_property("max-errors", None) {
            // A frame lost on the way is a glitch in one cell, never the end of the grid.
            dec.set_property("max-errors", -1i32);
        }
        chain.push(dec);
        if !video {
            chain.push(make("audioconvert")?);
            chain.push(make("audioresample")?);
        }
        self.pipeline.add_many(&chain)?;
        gst::Element::link_many(&chain)?;
        let pad = mixer.request_pad_simple("sink_%u").ok_or_else(|| GridError::Gst("no mixer pad".into()))?;
        if video {
            pad.set_property("zorder", 1u32);
            pad.set_property_from_str("sizing-policy", "keep-aspect-ratio");
        }
        chain.last().unwrap().static_pad("src").unwrap().link(&pad).map_err(|e| GridError::Gst(e.to_string()))?;
        for e in &chain {
            let _ = e.sync_state_with_parent();
        }
        Ok((Input { elements: chain, mix_pad: pad, video }, src))
    }

    fn remove_input(&self, input: Input) {
        for e in input.elements.iter() {
            let _ = e.set_state(gst::State::Null);
        }
        let _ = self.pipeline.remove_many(&input.elements);
        if let Some(mixer) = input.mix_pad.parent_element() {
            mixer.release_request_pad(&input.mix_pad);
        }
    }

    fn remove_cell(&self, c: Cell) {
        if let Some(m) = c.media.upgrade() {
            m.remove_stream(&c.tap);
        }
        for i in c.inputs {
            self.remove_input(i);
        }
        tracing::debug!(guest = %c.guest, "a guest off the grid stream");
    }
}

impl Drop for Composer {
    fn drop(&mut self) {
        for c in std::mem::take(&mut *self.cells.lock().unwrap()) {
            if let Some(m) = c.media.upgrade() {
                m.remove_stream(&c.tap);
            }
        }
        let _ = self.pipeline.set_state(gst::State::Null);
        crate::media::give_back_memory();
        tracing::info!("the grid stream's composer ended (no reader left)");
    }
}

/// Logs the composer's errors (a guest's broken frame must not end the grid: decoders are set to
/// take any number of them).
fn watch_bus(pipeline: &gst::Pipeline) {
    let Some(bus) = pipeline.bus() else { return };
    let weak = pipeline.downgrade();
    std::thread::Builder::new()
        .name("grid-bus".into())
        .spawn(move || {
            while weak.upgrade().is_some() {
                let Some(msg) = bus.timed_pop_filtered(gst::ClockTime::from_mseconds(500), &[gst::MessageType::Error, gst::MessageType::Warning]) else {
                    continue;
                };
                match msg.view() {
                    gst::MessageView::Error(e) => tracing::warn!("grid stream: {} ({:?})", e.error(), e.debug()),
                    gst::MessageView::Warning(w) => tracing::debug!("grid stream: {}", w.error()),
                    _ => {}
                }
            }
        })
        .ok();
}

/// A guest's frames into its cell's appsrcs: a video track only from its first keyframe (a
/// decoder given a delta frame first shows garbage until the next).
struct CellFeed {
    srcs: Vec<gst_app::AppSrc>,
    video: Vec<bool>,
    keyed: AtomicBool,
}

impl TapSink for CellFeed {
    fn frame(&self, i: usize, sample: &gst::Sample) {
        let (Some(src), Some(buf)) = (self.srcs.get(i), sample.buffer()) else { return };
        if self.video[i] && !self.keyed.load(Ordering::Relaxed) {
            if buf.flags().contains(gst::BufferFlags::DELTA_UNIT) {
                return;
            }
            self.keyed.store(true, Ordering::Relaxed);
        }
        if src.caps().is_none() {
            if let Some(caps) = sample.caps() {
                src.set_caps(Some(&caps.to_owned()));
            }
        }
        // The guest's times mean nothing in the composer's pipeline: stamped on arrival instead.
        let mut b = buf.copy();
        {
            let b = b.make_mut();
            b.set_pts(gst::ClockTime::NONE);
            b.set_dts(gst::ClockTime::NONE);
        }
        let _ = src.push_buffer(b);
    }

    fn waiting(&self) -> bool {
        self.video.iter().any(|v| *v) && !self.keyed.load(Ordering::Relaxed)
    }

    fn end(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_fills_rows_and_centres_a_short_last_row() {
        assert!(layout(0, 1280, 720).is_empty());
        assert_eq!(layout(1, 1280, 720), vec![(0, 0, 1280, 720)]);
        assert_eq!(layout(2, 1280, 720), vec![(0, 0, 640, 720), (640, 0, 640, 720)]);
        assert_eq!(layout(3, 1280, 720), vec![(0, 0, 640, 360), (640, 0, 640, 360), (320, 360, 640, 360)]);
        let nine = layout(9, 1280, 720);
        assert_eq!((nine.len(), nine[4], nine[8]), (9, (427, 240, 426, 240), (853, 480, 426, 240)));
        let five = layout(5, 1280, 720);
        assert_eq!((five[3], five[4]), ((214, 360, 426, 360), (640, 360, 426, 360)));
    }
}
