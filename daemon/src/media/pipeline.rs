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
}

/// Builds the pipeline `desc` describes; a description of one element alone is not a pipeline.
pub fn launch(desc: &str) -> Result<gst::Pipeline, PipelineError> {
    gst::parse::launch(desc)?.downcast::<gst::Pipeline>().map_err(|e| PipelineError::NotAPipeline(e.type_().name().to_string()))
}

/// The element called `name` in `p`, as a `T` (an `AppSink`, an `AppSrc`, or any `gst::Element`).
pub fn element<T: IsA<gst::Element>>(p: &gst::Pipeline, name: &'static str) -> Result<T, PipelineError> {
    p.by_name(name).and_then(|e| e.downcast::<T>().ok()).ok_or(PipelineError::NoElement(T::static_type().name(), name))
}

pub fn bus(p: &gst::Pipeline) -> Result<gst::Bus, PipelineError> {
    p.bus().ok_or(PipelineError::NoBus)
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
