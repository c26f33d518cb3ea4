//! One transcoded destination's encoder: raw pictures from the shared decoder are cropped or
//! scaled to the destination's shape, limited in rate, encoded to H.264 and handed back as FLV
//! video tags. Its input is a leaky queue: a slow encoder drops its own pictures, nobody else's.
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::mpsc;

use super::{crop_window, Fit, Output};
use crate::media::elementary;
use crate::media::pipeline::{self, PipelineError};
use crate::media::Frame;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("GStreamer cannot start the encoder: {0}")]
    Start(#[from] gst::StateChangeError),
    #[error("the decoder's pictures have no size")]
    NoSize,
}

/// The size and rate of the pictures coming in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Input {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

impl Input {
    pub fn of(caps: &gst::CapsRef) -> Option<Input> {
        let s = caps.structure(0)?;
        let width = s.get::<i32>("width").ok()? as u32;
        let height = s.get::<i32>("height").ok()? as u32;
        let fps =
            s.get::<gst::Fraction>("framerate").ok().filter(|f| f.numer() > 0 && f.denom() > 0).map(|f| (f.numer() as f64 / f.denom() as f64).round() as u32);
        Some(Input { width, height, fps: fps.filter(|f| (1..=120).contains(f)).unwrap_or(30) })
    }
}

pub struct Encoder {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    crop: Option<gst::Element>,
    spec: Output,
    pub input: Input,
    /// What goes out: size, rate and bitrate, for the stream's metadata.
    pub out: (u32, u32, u32, u32),
}

fn describe(spec: &Output, input: Input, encoder: &str) -> (String, (u32, u32, u32, u32)) {
    let (w, h) = spec.size_for(input.width, input.height);
    let fps = spec.fps.map_or(input.fps, |f| f.min(input.fps));
    let kbps = spec.kbps_for(w, h, fps);
    let rate = if fps < input.fps { format!("! videorate drop-only=true max-rate={fps} ") } else { String::new() };
    let size = format!("video/x-raw,width={w},height={h},pixel-aspect-ratio=1/1");
    let shape = match spec.fit {
        Fit::Crop => format!("! videocrop name=crop ! videoscale ! {size} "),
        Fit::Scale => format!("! videoscale add-borders=true ! {size} "),
        // The blurred fill: the same picture cut to the output's shape, brought down to a few
        // pixels and back up (a cheap, strong blur), under the whole picture scaled to fit.
        Fit::Blur => {
            let (bw, bh) = ((w / 24).max(2) & !1, (h / 24).max(2) & !1);
            let (fw, fh) = fit_inside(input.width, input.height, w, h);
            format!(
                "! tee name=t t. ! queue max-size-buffers=2 ! videocrop name=crop ! videoscale ! video/x-raw,width={bw},height={bh} \
                 ! videoscale method=bilinear ! {size} ! comp.sink_0 \
                 t. ! queue max-size-buffers=2 ! videoscale ! video/x-raw,width={fw},height={fh},pixel-aspect-ratio=1/1 ! comp.sink_1 \
                 compositor name=comp background=black sink_1::xpos={x} sink_1::ypos={y} ! {size} ",
                x = (w - fw) / 2,
                y = (h - fh) / 2,
            )
        }
    };
    let gop = fps * 2;
    let desc = format!(
        "appsrc name=src is-live=true format=time ! queue leaky=downstream max-size-buffers=3 max-size-bytes=0 max-size-time=0 \
         {rate}! videoconvert {shape}! videoconvert ! video/x-raw,format=I420 ! {enc} ! h264parse \
         ! video/x-h264,stream-format=avc,alignment=au ! appsink name=sink sync=false max-buffers=64 drop=false",
        enc = crate::media::h264enc::describe(encoder, kbps, gop, "veryfast"),
    );
    (desc, (w, h, fps, kbps))
}

/// The largest even size of a `w`×`h` picture's shape that fits inside `ow`×`oh`.
fn fit_inside(w: u32, h: u32, ow: u32, oh: u32) -> (u32, u32) {
    if w == 0 || h == 0 {
        return (ow, oh);
    }
    if w as u64 * oh as u64 > h as u64 * ow as u64 {
        (ow, ((h as u64 * ow as u64 / w as u64) as u32).max(2) & !1)
    } else {
        (((w as u64 * oh as u64 / h as u64) as u32).max(2) & !1, oh)
    }
}

impl Encoder {
    /// Starts encoding pictures of `input`'s size; tags arrive on `tx` (dropped if it falls behind).
    pub fn start(spec: &Output, input: Input, encoder: &str, tx: mpsc::Sender<Frame>) -> Result<Encoder, EncodeError> {
        if input.width == 0 || input.height == 0 {
            return Err(EncodeError::NoSize);
        }
        let (desc, out) = describe(spec, input, encoder);
        let pipeline = pipeline::launch(&desc)?;
        let src: gst_app::AppSrc = pipeline::element(&pipeline, "src")?;
        let crop = pipeline.by_name("crop");
        let sink: gst_app::AppSink = pipeline::element(&pipeline, "sink")?;
        sink.set_callbacks(pipeline::tag_callbacks(tx, elementary::avc_config, elementary::avc_picture));
        crate::media::drain_bus(&pipeline, "transcode encoder");
        let e = Encoder { pipeline, src, crop, spec: spec.clone(), input, out };
        e.place_crop();
        e.pipeline.set_state(gst::State::Playing)?;
        Ok(e)
    }

    fn place_crop(&self) {
        let Some(crop) = &self.crop else { return };
        let (w, h) = self.spec.size_for(self.input.width, self.input.height);
        let (l, r, t, b) = crop_window(self.input.width, self.input.height, w, h, self.spec.crop_x);
        crop.set_property("left", l as i32);
        crop.set_property("right", r as i32);
        crop.set_property("top", t as i32);
        crop.set_property("bottom", b as i32);
    }

    /// Moves the crop window while the output runs (the user dragging it over the preview).
    pub fn set_crop_x(&mut self, x: f64) {
        self.spec.crop_x = x.clamp(0.0, 1.0);
        self.place_crop();
    }

    /// The pictures changed size (the slate, another OBS canvas): the crop follows, scaling
    /// renegotiates by itself. A blurred fit placed its picture for the old size: `false` says
    /// this encoder must be started again.
    pub fn set_input(&mut self, input: Input) -> bool {
        let same_shape = (input.width, input.height) == (self.input.width, self.input.height);
        self.input = input;
        self.place_crop();
        same_shape || self.spec.fit != Fit::Blur
    }

    /// Never waits: the queue behind `src` drops what the encoder cannot take.
    pub fn push(&self, sample: &gst::Sample) -> bool {
        self.src.push_sample(sample).is_ok()
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelines_for_each_fit_parse() {
        gst::init().unwrap();
        let input = Input { width: 1920, height: 1080, fps: 60 };
        for fit in [Fit::Scale, Fit::Crop, Fit::Blur] {
            let spec = Output { width: Some(720), height: Some(1280), fps: Some(30), fit, ..Output::default() };
            let (desc, out) = describe(&spec, input, "x264enc");
            assert_eq!(out, (720, 1280, 30, 2764));
            assert!(desc.contains("max-rate=30"), "{desc}");
            pipeline::launch(&desc).unwrap_or_else(|e| panic!("{fit:?}: {e}\n{desc}"));
        }
        let (desc, out) = describe(&Output::h264_as_is(), Input { width: 1280, height: 720, fps: 30 }, "x264enc");
        assert_eq!(out, (1280, 720, 30, 2764));
        assert!(!desc.contains("videorate"));
        assert_eq!(fit_inside(1920, 1080, 720, 1280), (720, 404));
        assert_eq!(fit_inside(1080, 1920, 1280, 720), (404, 720));
    }

    /// Raw pictures in, H.264 of the output's size out, for each way of filling it.
    #[test]
    fn every_fit_encodes_pictures_of_the_output_size() {
        gst::init().unwrap();
        let p = pipeline::launch("videotestsrc num-buffers=20 ! video/x-raw,format=I420,width=320,height=180,framerate=30/1 ! appsink name=sink sync=false")
            .unwrap();
        let sink: gst_app::AppSink = pipeline::element(&p, "sink").unwrap();
        p.set_state(gst::State::Playing).unwrap();
        let samples: Vec<gst::Sample> = std::iter::from_fn(|| sink.pull_sample().ok()).collect();
        p.set_state(gst::State::Null).unwrap();
        assert_eq!(samples.len(), 20);
        let input = Input::of(samples[0].caps().unwrap()).unwrap();
        assert_eq!(input, Input { width: 320, height: 180, fps: 30 });
        for fit in [Fit::Scale, Fit::Crop, Fit::Blur] {
            let (tx, mut rx) = mpsc::channel(256);
            let spec = Output { width: Some(180), height: Some(320), fit, ..Output::default() };
            let e = Encoder::start(&spec, input, "x264enc", tx).unwrap();
            let (mut size, mut pictures) = (None, 0);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            let mut pushed = 0;
            while std::time::Instant::now() < deadline && (size.is_none() || pictures < 10) {
                if pushed < samples.len() {
                    assert!(e.push(&samples[pushed]));
                    pushed += 1;
                }
                match rx.try_recv() {
                    Ok(f) if f.is_sequence_header() => size = crate::media::avc::sps_info(&f.data).map(|x| (x.0, x.1)),
                    Ok(_) => pictures += 1,
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
                }
            }
            assert_eq!(size, Some((180, 320)), "{fit:?}");
            assert!(pictures >= 10, "{fit:?}: {pictures} pictures");
        }
    }
}
