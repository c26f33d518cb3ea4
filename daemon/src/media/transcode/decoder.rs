//! The feed decoded once for every transcoded destination: the program's video goes into one
//! GStreamer decoder (a hardware one where `decodebin` finds it), and the raw pictures go out on a
//! broadcast ring. A transcoded output that falls behind loses its own pictures (the ring lags for
//! it alone); the decoder never waits for one. It runs while some output holds it.
use std::sync::Arc;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use tokio::sync::{broadcast, watch};

use crate::media::elementary::{self, Codec, Unpacked};
use crate::media::pipeline::{self, PipelineError};
use crate::media::program::Program;
use crate::media::Frame;

/// Raw pictures kept for the slowest output: a 1080p I420 picture is 3 MB, so 4 hold 12 MB.
const RAW_RING: usize = 4;
/// Coded pictures waiting in the decoder's input before the box calls it overloaded and skips to
/// the next keyframe (2 s at 30 fps): better a jump than a transcode that drifts ever later.
const MAX_QUEUED: u64 = 60;

pub struct Decoded {
    tx: broadcast::Sender<gst::Sample>,
    stop: watch::Sender<bool>,
}

impl Decoded {
    /// Starts decoding `program`'s video on `rt`.
    pub fn start(rt: &tokio::runtime::Handle, program: &Arc<Program>) -> Arc<Decoded> {
        let (tx, _) = broadcast::channel(RAW_RING);
        let (stop, stop_rx) = watch::channel(false);
        rt.spawn(run(program.clone(), tx.clone(), stop_rx));
        Arc::new(Decoded { tx, stop })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<gst::Sample> {
        self.tx.subscribe()
    }
}

impl Drop for Decoded {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

struct Pipe {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    config: (Codec, bytes::Bytes),
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("GStreamer cannot start the decoder: {0}")]
    Start(#[from] gst::StateChangeError),
    #[error("bad caps: {0}")]
    Caps(#[from] gst::glib::BoolError),
}

impl Pipe {
    fn start(codec: Codec, record: bytes::Bytes, tx: broadcast::Sender<gst::Sample>) -> Result<Pipe, DecodeError> {
        let desc = format!(
            "appsrc name=src is-live=true format=time max-bytes=0 ! {} ! decodebin ! videoconvert ! video/x-raw,format=I420 \
             ! appsink name=sink sync=false max-buffers=2 drop=true",
            codec.parser()
        );
        let pipeline = pipeline::launch(&desc)?;
        let src: gst_app::AppSrc = pipeline::element(&pipeline, "src")?;
        let mut caps = gst::Caps::from_str(codec.caps_name())?;
        if !record.is_empty() && codec != Codec::Vp9 {
            caps.make_mut().set("codec_data", gst::Buffer::from_slice(record.clone()));
        }
        src.set_caps(Some(&caps));
        let sink: gst_app::AppSink = pipeline::element(&pipeline, "sink")?;
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |s| {
                    let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let _ = tx.send(sample);
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        crate::media::drain_bus(&pipeline, "transcode decoder");
        pipeline.set_state(gst::State::Playing)?;
        Ok(Pipe { pipeline, src, config: (codec, record) })
    }
}

use std::str::FromStr;

#[derive(Default)]
struct State {
    pipe: Option<Pipe>,
    /// The configuration on air, kept to start a decoder again after one failed.
    config: Option<(Codec, bytes::Bytes)>,
    need_key: bool,
}

impl State {
    fn take(&mut self, f: &Frame, tx: &broadcast::Sender<gst::Sample>) {
        if !f.is_video() {
            return;
        }
        match elementary::unpack(&f.data) {
            Unpacked::Config { codec, record } => {
                if self.config.as_ref() != Some(&(codec, record.clone())) {
                    self.pipe = None;
                    self.config = Some((codec, record));
                    self.need_key = true;
                }
            }
            Unpacked::Coded { codec, key, cts, data } => {
                if self.need_key && !key {
                    return;
                }
                if self.pipe.is_none() {
                    let Some((c, record)) = self.config.clone().filter(|(c, _)| *c == codec) else { return };
                    match Pipe::start(c, record, tx.clone()) {
                        Ok(p) => self.pipe = Some(p),
                        Err(e) => {
                            tracing::warn!("transcode: cannot decode {c:?}: {e}");
                            // Tried again at the next keyframe.
                            self.need_key = true;
                            return;
                        }
                    }
                }
                let Some(pipe) = &self.pipe else { return };
                if pipe.config.0 != codec {
                    return;
                }
                if pipe.src.current_level_buffers() > MAX_QUEUED {
                    tracing::warn!("transcode: the decoder is {MAX_QUEUED} pictures behind; skipping to the next keyframe");
                    self.need_key = true;
                    return;
                }
                self.need_key = false;
                let mut buf = gst::Buffer::from_slice(data);
                {
                    let b = buf.get_mut().expect("a new buffer has one owner");
                    let dts = f.ts as u64;
                    b.set_dts(gst::ClockTime::from_mseconds(dts));
                    b.set_pts(gst::ClockTime::from_mseconds((dts as i64 + cts as i64).max(0) as u64));
                    if !key {
                        b.set_flags(gst::BufferFlags::DELTA_UNIT);
                    }
                }
                if pipe.src.push_buffer(buf).is_err() {
                    tracing::warn!("transcode: the decoder stopped; starting it again at the next keyframe");
                    self.pipe = None;
                    self.need_key = true;
                }
            }
            Unpacked::Other => {}
        }
    }
}

async fn run(program: Arc<Program>, tx: broadcast::Sender<gst::Sample>, mut stop: watch::Receiver<bool>) {
    let (mut rx, headers) = program.subscribe();
    let mut st = State { need_key: true, ..State::default() };
    for f in headers.video.iter().chain(headers.gop.iter()) {
        st.take(f, &tx);
    }
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            r = rx.recv() => match r {
                Ok(f) => st.take(&f, &tx),
                Err(broadcast::error::RecvError::Lagged(_)) => st.need_key = true,
                Err(broadcast::error::RecvError::Closed) => break,
            },
        }
    }
}
