//! Program material the box makes itself, encoded with GStreamer into FLV tags: the test signal
//! (a moving pattern and a tone, encoded live) and the pictures of the "be right back" slate (the
//! built-in card or the user's image), which `slate` encodes once into a loop.
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::mpsc;

use super::elementary::{self, Codec};
use super::pipeline::{self, PipelineError};
use super::Frame;

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub sample_rate: u32,
    pub channels: u32,
    pub kbps: u32,
    /// H.264 with `encoder`; HEVC (x265) or AV1 (aom) for a feed in that codec, so the destinations
    /// that take the feed stay in one codec through the slate.
    pub encoder: String,
    pub codec: Codec,
}

impl Default for Params {
    fn default() -> Self {
        Params { width: 1280, height: 720, fps: 30, sample_rate: 48000, channels: 2, kbps: 2500, encoder: "x264enc".into(), codec: Codec::H264 }
    }
}

/// The slate's codec for a feed in `feed` (as `flv::video_codec_name` says it): the feed's own,
/// except VP9 (the box has no VP9 packing), which gets H.264.
pub fn slate_codec(feed: &str) -> Codec {
    match feed {
        "hevc" => Codec::Hevc,
        "av1" => Codec::Av1,
        _ => Codec::H264,
    }
}

/// Whether this box has the encoder for `codec` (loads GStreamer's registry: ask only to encode).
pub fn can_encode(codec: Codec) -> bool {
    let element = match codec {
        Codec::Hevc => "x265enc",
        Codec::Av1 => "av1enc",
        _ => return true,
    };
    super::gst_ready().is_ok() && gstreamer::ElementFactory::find(element).is_some()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Look {
    TestSignal,
    Slate,
    /// The user's own still image (PNG or JPEG), scaled to the feed's size.
    Image(std::path::PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("GStreamer cannot start the encoder: {0}")]
    Start(#[from] gst::StateChangeError),
    #[error("GStreamer failed to initialise: {0}")]
    Init(#[from] gst::glib::Error),
    #[error("the encoder stopped: {0}")]
    Stream(String),
    #[error("the encoder made no picture in {0} s")]
    Timeout(u64),
    #[error("the encoder's output is unusable: {0}")]
    Output(&'static str),
}

/// How the pictures are encoded.
pub(super) enum Rate {
    /// Live at the params' bitrate, for a moving picture.
    Live,
    /// `frames` pictures as fast as the encoder goes, at a constant quality: a still picture gets
    /// the same quality in every frame, so a loop of them does not pulse.
    Still { frames: u32 },
}

fn video_encoder(p: &Params, rate: &Rate) -> String {
    let gop = p.fps * 2;
    match (rate, p.codec) {
        // flvmux (GStreamer 1.22) has no HEVC: the box packs Enhanced RTMP tags itself.
        (Rate::Live, Codec::Hevc) => format!(
            "x265enc tune=zerolatency speed-preset=ultrafast bitrate={} key-int-max={gop} ! h265parse config-interval=-1 \
             ! video/x-h265,stream-format=hvc1,alignment=au",
            p.kbps
        ),
        (Rate::Still { .. }, Codec::Hevc) => {
            format!("x265enc tune=zerolatency speed-preset=faster qp=24 key-int-max={gop} ! h265parse config-interval=-1 ! video/x-h265,stream-format=hvc1,alignment=au")
        }
        // aom at its fastest real-time setting, one quantizer throughout: the loop is encoded once,
        // about a second for a 1080p picture here (there is no real-time AV1 encoder for a live one).
        (_, Codec::Av1) => format!(
            "av1enc usage-profile=realtime cpu-used=8 end-usage=q min-quantizer=28 max-quantizer=28 keyframe-max-dist={gop} threads=2 \
             ! av1parse ! video/x-av1,stream-format=obu-stream,alignment=tu"
        ),
        (Rate::Still { .. }, _) if p.encoder == "x264enc" => format!(
            "x264enc tune=zerolatency speed-preset=faster pass=qual quantizer=20 key-int-max={gop} bframes=0 ! h264parse config-interval=-1 \
             ! video/x-h264,stream-format=avc,alignment=au"
        ),
        _ => format!(
            "{} ! h264parse config-interval=-1 ! video/x-h264,stream-format=avc,alignment=au",
            super::h264enc::describe(&p.encoder, p.kbps, gop, "ultrafast")
        ),
    }
}

fn pipeline_desc(look: &Look, p: &Params, rate: &Rate, has_text: bool) -> String {
    let (pattern, label, wave) = match look {
        Look::TestSignal => ("smpte horizontal-speed=4", "onair test signal", "sine freq=1000 volume=0.1"),
        Look::Slate => ("solid-color foreground-color=0xff202830", "BE RIGHT BACK", "silence"),
        Look::Image(_) => ("", "", "silence"),
    };
    let (live, frames, samples) = match rate {
        Rate::Live => ("is-live=true", String::new(), String::new()),
        // Enough AAC frames for the encoder's priming to be over; the loop repeats one of them.
        Rate::Still { frames } => ("is-live=false", format!("num-buffers={frames}"), "num-buffers=16".to_string()),
    };
    let size = format!("width={w},height={h},framerate={fps}/1", w = p.width, h = p.height, fps = p.fps);
    let source = match look {
        Look::Image(path) => {
            let location = path.display().to_string().replace('"', "");
            let freeze = match rate {
                Rate::Live => format!("imagefreeze {live} ! videoscale add-borders=true ! videorate"),
                Rate::Still { .. } => format!("imagefreeze {frames} ! videoscale add-borders=true"),
            };
            format!("filesrc location=\"{location}\" ! decodebin ! videoconvert ! {freeze} ! video/x-raw,{size},pixel-aspect-ratio=1/1 ")
        }
        _ => format!("videotestsrc {live} {frames} pattern={pattern} ! video/x-raw,{size} "),
    };
    let has_text = has_text && !matches!(look, Look::Image(_));
    let text = if has_text {
        format!("! textoverlay text=\"{label}\" valignment=center halignment=center font-desc=\"Sans Bold {}\" ", (p.height / 14).max(12))
    } else {
        String::new()
    };
    let time = if has_text && *look == Look::TestSignal { "! clockoverlay valignment=bottom halignment=right time-format=\"%H:%M:%S\" " } else { "" };
    format!(
        "{source}{text}{time}! videoconvert ! video/x-raw,format=I420 ! {enc} ! appsink name=vsink sync=false max-buffers=64 drop=false \
         audiotestsrc {live} {samples} wave={wave} samplesperbuffer=1024 ! audio/x-raw,rate={rate},channels={ch} \
         ! audioconvert ! avenc_aac bitrate=128000 ! aacparse ! audio/mpeg,stream-format=raw ! appsink name=asink sync=false max-buffers=64 drop=false",
        enc = video_encoder(p, rate),
        rate = p.sample_rate,
        ch = p.channels,
    )
}

/// The pipeline for `look`, its tags going to `tx` (dropped if the receiver falls behind); not started.
pub(super) fn build(look: &Look, p: &Params, rate: &Rate, tx: mpsc::Sender<Frame>) -> Result<gst::Pipeline, GenError> {
    super::gst_ready()?;
    let has_text = gst::ElementFactory::find("textoverlay").is_some();
    let pipeline = pipeline::launch(&pipeline_desc(look, p, rate, has_text))?;
    let video: gst_app::AppSink = pipeline::element(&pipeline, "vsink")?;
    let audio: gst_app::AppSink = pipeline::element(&pipeline, "asink")?;
    match p.codec {
        Codec::Hevc => video.set_callbacks(pipeline::tag_callbacks(tx.clone(), elementary::hevc_config, elementary::hevc_picture)),
        Codec::Av1 => video.set_callbacks(av1_callbacks(tx.clone())),
        _ => video.set_callbacks(pipeline::tag_callbacks(tx.clone(), elementary::avc_config, elementary::avc_picture)),
    }
    audio.set_callbacks(pipeline::tag_callbacks(tx, elementary::aac_config, |ts, _, _, raw| elementary::aac_frame(ts, raw)));
    Ok(pipeline)
}

/// AV1's configuration travels in the stream (its sequence header), not in the caps: the record
/// goes before the first keyframe that carries one.
fn av1_callbacks(tx: mpsc::Sender<Frame>) -> gst_app::AppSinkCallbacks {
    let mut configured = false;
    gst_app::AppSinkCallbacks::builder()
        .new_sample(move |s| {
            let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
            let buf = sample.buffer().ok_or(gst::FlowError::Error)?;
            let Some(ts) = buf.dts().or(buf.pts()).map(|t| t.mseconds() as u32) else { return Ok(gst::FlowSuccess::Ok) };
            let map = buf.map_readable().map_err(|_| gst::FlowError::Error)?;
            let key = !buf.flags().contains(gst::BufferFlags::DELTA_UNIT);
            let config = if key && !configured { super::av1::config(ts, map.as_slice()) } else { None };
            configured |= config.is_some();
            for f in config.into_iter().chain([super::av1::picture(ts, key, map.as_slice())]) {
                if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(f) {
                    return Err(gst::FlowError::Eos);
                }
            }
            Ok(gst::FlowSuccess::Ok)
        })
        .build()
}

/// A live encoder (the test signal); stops when dropped.
pub struct Generator {
    pipeline: gst::Pipeline,
    pub params: Params,
}

impl Generator {
    /// Starts encoding; frames arrive on `tx` (dropped if the receiver falls behind).
    pub fn start(look: Look, params: Params, tx: mpsc::Sender<Frame>) -> Result<Self, GenError> {
        let pipeline = build(&look, &params, &Rate::Live, tx)?;
        super::drain_bus(&pipeline, "test signal encoder");
        pipeline.set_state(gst::State::Playing)?;
        Ok(Generator { pipeline, params })
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
        super::give_back_memory();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_signal_produces_h264_and_aac_at_the_size_asked_for() {
        let (tx, mut rx) = mpsc::channel(512);
        let p = Params { width: 320, height: 180, fps: 15, ..Params::default() };
        let g = Generator::start(Look::TestSignal, p, tx).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let (mut vseq, mut aseq, mut key, mut audio) = (false, false, false, 0);
        while std::time::Instant::now() < deadline && !(vseq && aseq && key && audio > 5) {
            match rx.try_recv() {
                Ok(f) => {
                    vseq |= f.is_video() && f.is_sequence_header();
                    aseq |= !f.is_video() && f.is_sequence_header();
                    key |= f.is_keyframe();
                    audio += (!f.is_video() && !f.is_sequence_header()) as u32;
                    if f.is_video() && f.is_sequence_header() {
                        assert_eq!(crate::media::avc::sps_info(&f.data).map(|x| (x.0, x.1)), Some((320, 180)));
                    }
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
        drop(g);
        assert!(vseq && aseq && key && audio > 5, "vseq={vseq} aseq={aseq} key={key} audio={audio}");
    }
}
