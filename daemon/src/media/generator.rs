//! Locally generated program material, encoded once with GStreamer: the test signal (moving
//! pattern + tone) and the "be right back" slate, each as H.264 + AAC FLV tags.
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::mpsc;

use super::pipeline::{self, PipelineError};
use super::Frame;
use super::{elementary, flv};

#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub sample_rate: u32,
    pub channels: u32,
    pub kbps: u32,
    pub encoder: String,
    /// Encode in HEVC (x265), for a feed in HEVC: the destinations that take the feed stay in one
    /// codec through the slate.
    pub hevc: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params { width: 1280, height: 720, fps: 30, sample_rate: 48000, channels: 2, kbps: 2500, encoder: "x264enc".into(), hevc: false }
    }
}

/// Whether this box can encode the slate in HEVC.
pub fn can_hevc() -> bool {
    gstreamer::ElementFactory::find("x265enc").is_some()
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
}

pub struct Generator {
    pipeline: gst::Pipeline,
    pub params: Params,
}

fn encoder_desc(p: &Params) -> String {
    super::h264enc::describe(&p.encoder, p.kbps, p.fps * 2, "ultrafast")
}

fn pipeline_desc(look: &Look, p: &Params, has_text: bool) -> String {
    let (pattern, label, wave) = match look {
        Look::TestSignal => ("smpte horizontal-speed=4", "onair test signal", "sine freq=1000 volume=0.1"),
        Look::Slate => ("solid-color foreground-color=0xff202830", "BE RIGHT BACK", "silence"),
        Look::Image(_) => ("", "", "silence"),
    };
    let source = match look {
        Look::Image(path) => format!(
            "filesrc location=\"{}\" ! decodebin ! videoconvert ! imagefreeze is-live=true ! videoscale add-borders=true \
             ! videorate ! video/x-raw,width={w},height={h},framerate={fps}/1,pixel-aspect-ratio=1/1 ",
            path.display().to_string().replace('"', ""),
            w = p.width,
            h = p.height,
            fps = p.fps
        ),
        _ => {
            format!("videotestsrc is-live=true pattern={pattern} ! video/x-raw,width={w},height={h},framerate={fps}/1 ", w = p.width, h = p.height, fps = p.fps)
        }
    };
    let has_text = has_text && !matches!(look, Look::Image(_));
    let text = if has_text {
        format!("! textoverlay text=\"{label}\" valignment=center halignment=center font-desc=\"Sans Bold {}\" ", (p.height / 14).max(12))
    } else {
        String::new()
    };
    let time = if has_text && *look == Look::TestSignal { "! clockoverlay valignment=bottom halignment=right time-format=\"%H:%M:%S\" " } else { "" };
    if p.hevc {
        // flvmux (GStreamer 1.22) has no HEVC: the box packs Enhanced RTMP tags itself.
        return format!(
            "{source}{text}{time}! videoconvert ! video/x-raw,format=I420 \
             ! x265enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={gop} ! h265parse config-interval=-1 \
             ! video/x-h265,stream-format=hvc1,alignment=au ! appsink name=vsink sync=false max-buffers=64 drop=false \
             audiotestsrc is-live=true wave={wave} samplesperbuffer=1024 ! audio/x-raw,rate={rate},channels={ch} \
             ! audioconvert ! avenc_aac bitrate=128000 ! aacparse ! audio/mpeg,stream-format=raw ! appsink name=asink sync=false max-buffers=64 drop=false",
            kbps = p.kbps,
            gop = p.fps * 2,
            rate = p.sample_rate,
            ch = p.channels,
        );
    }
    format!(
        "{source}{text}{time}! videoconvert ! video/x-raw,format=I420 ! {enc} ! h264parse config-interval=-1 \
         ! video/x-h264,stream-format=avc,alignment=au ! queue ! mux. \
         audiotestsrc is-live=true wave={wave} samplesperbuffer=1024 ! audio/x-raw,rate={rate},channels={ch} \
         ! audioconvert ! avenc_aac bitrate=128000 ! aacparse ! queue ! mux. \
         flvmux name=mux streamable=true latency=100000000 ! appsink name=sink sync=false max-buffers=64 drop=false",
        enc = encoder_desc(p),
        rate = p.sample_rate,
        ch = p.channels,
    )
}

impl Generator {
    /// Starts encoding; frames arrive on `tx` (dropped if the receiver falls behind).
    pub fn start(look: Look, params: Params, tx: mpsc::Sender<Frame>) -> Result<Self, GenError> {
        let has_text = gst::ElementFactory::find("textoverlay").is_some();
        let desc = pipeline_desc(&look, &params, has_text);
        let pipeline = pipeline::launch(&desc)?;
        if params.hevc {
            let video: gst_app::AppSink = pipeline::element(&pipeline, "vsink")?;
            let audio: gst_app::AppSink = pipeline::element(&pipeline, "asink")?;
            video.set_callbacks(pipeline::tag_callbacks(tx.clone(), elementary::hevc_config, elementary::hevc_picture));
            audio.set_callbacks(pipeline::tag_callbacks(tx, elementary::aac_config, |ts, _, _, raw| elementary::aac_frame(ts, raw)));
            super::drain_bus(&pipeline, "slate encoder");
            pipeline.set_state(gst::State::Playing)?;
            return Ok(Generator { pipeline, params });
        }
        let sink: gst_app::AppSink = pipeline::element(&pipeline, "sink")?;
        let mut reader = flv::Reader::default();
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |s| {
                    let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let buf = sample.buffer().ok_or(gst::FlowError::Error)?;
                    let map = buf.map_readable().map_err(|_| gst::FlowError::Error)?;
                    reader.push(map.as_slice());
                    loop {
                        match reader.next_frame() {
                            Ok(Some(f)) => {
                                if let Err(mpsc::error::TrySendError::Closed(_)) = tx.try_send(f) {
                                    return Err(gst::FlowError::Eos);
                                }
                            }
                            Ok(None) => break,
                            Err(_) => return Err(gst::FlowError::Error),
                        }
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        super::drain_bus(&pipeline, "test signal / slate encoder");
        pipeline.set_state(gst::State::Playing)?;
        Ok(Generator { pipeline, params })
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_signal_produces_h264_and_aac() {
        gst::init().unwrap();
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

    #[test]
    fn an_hevc_slate_is_packed_as_enhanced_rtmp() {
        gst::init().unwrap();
        assert!(can_hevc(), "x265enc (gstreamer1.0-plugins-bad) is missing: scripts/install-deps.sh installs it");
        let (tx, mut rx) = mpsc::channel(512);
        let p = Params { width: 320, height: 180, fps: 15, hevc: true, ..Params::default() };
        let g = Generator::start(Look::Slate, p, tx).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let (mut vseq, mut aseq, mut key, mut audio) = (false, false, false, 0);
        while std::time::Instant::now() < deadline && !(vseq && aseq && key && audio > 5) {
            match rx.try_recv() {
                Ok(f) => {
                    if f.is_video() {
                        assert_eq!(flv::video_codec_name(&f.data), "hevc");
                    }
                    vseq |= f.is_video() && f.is_sequence_header();
                    aseq |= !f.is_video() && flv::aac_config(&f.data).is_some();
                    key |= f.is_keyframe();
                    audio += (!f.is_video() && !f.is_sequence_header()) as u32;
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
        drop(g);
        assert!(vseq && aseq && key && audio > 5, "vseq={vseq} aseq={aseq} key={key} audio={audio}");
    }

    #[test]
    fn a_user_image_becomes_a_slate_of_the_feed_size() {
        gst::init().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("slate.png");
        let st = std::process::Command::new("gst-launch-1.0")
            .args(["-q", "videotestsrc", "num-buffers=1", "pattern=ball", "!", "video/x-raw,width=400,height=300", "!", "pngenc", "!", "filesink"])
            .arg(format!("location={}", img.display()))
            .status()
            .unwrap();
        assert!(st.success());
        let (tx, mut rx) = mpsc::channel(512);
        let p = Params { width: 320, height: 180, fps: 10, ..Params::default() };
        let g = Generator::start(Look::Image(img), p, tx).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut size = None;
        let mut frames = 0;
        while std::time::Instant::now() < deadline && (size.is_none() || frames < 5) {
            match rx.try_recv() {
                Ok(f) if f.is_video() && f.is_sequence_header() => size = crate::media::avc::sps_info(&f.data).map(|x| (x.0, x.1)),
                Ok(f) if f.is_video() => frames += 1,
                Ok(_) => {}
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
        drop(g);
        assert_eq!(size, Some((320, 180)));
        assert!(frames >= 5);
    }
}
