//! Pipelines built from a text description (`gst-launch` syntax), and their named elements.
use gstreamer as gst;
use gstreamer::prelude::*;

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("GStreamer cannot build the pipeline: {0}")]
    Parse(#[from] gst::glib::Error),
    #[error("the description makes a {0}, not a pipeline")]
    NotAPipeline(String),
    #[error("the pipeline has no {0} element named {1:?}")]
    NoElement(&'static str, &'static str),
    #[error("the pipeline has no bus")]
    NoBus,
    #[error("GStreamer failed to initialise (is gstreamer1.0-plugins-base installed?): {0}")]
    Init(#[source] gst::glib::Error),
}

/// Builds the pipeline `desc` describes; a description of one element alone is not a pipeline.
pub fn launch(desc: &str) -> Result<gst::Pipeline, PipelineError> {
    super::gst_ready().map_err(PipelineError::Init)?;
    gst::parse::launch(desc)?.downcast::<gst::Pipeline>().map_err(|e| PipelineError::NotAPipeline(e.type_().name().to_string()))
}

/// The element called `name` in `p`, as a `T` (an `AppSink`, an `AppSrc`, or any `gst::Element`).
pub fn element<T: IsA<gst::Element>>(p: &gst::Pipeline, name: &'static str) -> Result<T, PipelineError> {
    p.by_name(name).and_then(|e| e.downcast::<T>().ok()).ok_or(PipelineError::NoElement(T::static_type().name(), name))
}

pub fn bus(p: &gst::Pipeline) -> Result<gst::Bus, PipelineError> {
    p.bus().ok_or(PipelineError::NoBus)
}

/// An appsink's callbacks that turn its encoded buffers into FLV tags (the slate, a transcode): the caps' `codec_data` (each time it
/// changes) through `config`, each buffer through `picture(ts, key, cts, data)`; the tags go to `tx`
/// (dropped when it is full).
pub fn tag_callbacks(
    tx: tokio::sync::mpsc::Sender<super::Frame>,
    config: impl Fn(u32, &[u8]) -> super::Frame + Send + 'static,
    picture: impl Fn(u32, bool, i32, &[u8]) -> super::Frame + Send + 'static,
) -> gstreamer_app::AppSinkCallbacks {
    tag_callbacks_to(move |f| !matches!(tx.try_send(f), Err(tokio::sync::mpsc::error::TrySendError::Closed(_))), config, picture)
}

/// [`tag_callbacks`] with the tags handed to `emit`, which says `false` when nobody takes them any more.
/// Timestamps are the buffers' running time (an MPEG-TS feed's start anywhere on its clock reads as 0).
pub fn tag_callbacks_to(
    mut emit: impl FnMut(super::Frame) -> bool + Send + 'static,
    config: impl Fn(u32, &[u8]) -> super::Frame + Send + 'static,
    picture: impl Fn(u32, bool, i32, &[u8]) -> super::Frame + Send + 'static,
) -> gstreamer_app::AppSinkCallbacks {
    let mut sent: Option<Vec<u8>> = None;
    gstreamer_app::AppSinkCallbacks::builder()
        .new_sample(move |s| {
            let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
            let buf = sample.buffer().ok_or(gst::FlowError::Error)?;
            let segment = sample.segment().and_then(|s| s.downcast_ref::<gst::ClockTime>().cloned());
            let running = |t: Option<gst::ClockTime>| match &segment {
                Some(seg) => t.and_then(|t| seg.to_running_time(t)),
                None => t,
            };
            let Some(pts) = running(buf.pts()).or(running(buf.dts())) else { return Ok(gst::FlowSuccess::Ok) };
            let dts = running(buf.dts()).unwrap_or(pts);
            let ts = dts.mseconds() as u32;
            let record = sample.caps().and_then(|c| c.structure(0)).and_then(|s| s.get::<gst::Buffer>("codec_data").ok());
            let mut out = vec![];
            if let Some(r) = record {
                let m = r.map_readable().map_err(|_| gst::FlowError::Error)?;
                if sent.as_deref() != Some(m.as_slice()) {
                    out.push(config(ts, m.as_slice()));
                    sent = Some(m.to_vec());
                }
            }
            let map = buf.map_readable().map_err(|_| gst::FlowError::Error)?;
            let key = !buf.flags().contains(gst::BufferFlags::DELTA_UNIT);
            out.push(picture(ts, key, (pts.mseconds() as i64 - dts.mseconds() as i64) as i32, map.as_slice()));
            for f in out {
                if !emit(f) {
                    return Err(gst::FlowError::Eos);
                }
            }
            Ok(gst::FlowSuccess::Ok)
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launches_pipelines_and_finds_their_elements_by_name_and_type() {
        gst::init().unwrap();
        let p = launch("fakesrc name=src ! fakesink name=sink").unwrap();
        assert!(element::<gst::Element>(&p, "src").is_ok());
        assert!(bus(&p).is_ok());
        assert!(matches!(element::<gst::Bin>(&p, "sink"), Err(PipelineError::NoElement("GstBin", "sink"))));
        assert!(matches!(element::<gst::Element>(&p, "nope"), Err(PipelineError::NoElement(_, "nope"))));
        assert!(matches!(launch("fakesink"), Err(PipelineError::NotAPipeline(t)) if t == "GstFakeSink"));
        let e = launch("nosuchelement ! fakesink").unwrap_err();
        assert!(matches!(e, PipelineError::Parse(_)), "{e}");
        assert!(std::error::Error::source(&e).is_some(), "the GStreamer error is kept as the source");
    }
}
