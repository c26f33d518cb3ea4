//! The H.264 encoder element for a pipeline description: the box's picked encoder (a hardware
//! one where the board has it, x264 elsewhere) with a bitrate and a keyframe interval.

/// `speed` is x264's preset (hardware encoders have their own fixed speed).
pub fn describe(encoder: &str, kbps: u32, gop: u32, speed: &str) -> String {
    match encoder {
        "x264enc" => format!("x264enc tune=zerolatency speed-preset={speed} bitrate={kbps} key-int-max={gop} bframes=0"),
        // Hardware encoders take bits per second and their own GOP controls.
        "v4l2h264enc" => format!("v4l2h264enc extra-controls=\"controls,video_bitrate={},h264_i_frame_period={gop}\"", kbps * 1000),
        "nvv4l2h264enc" => format!("nvv4l2h264enc bitrate={} iframeinterval={gop}", kbps * 1000),
        "vaapih264enc" => format!("vaapih264enc bitrate={kbps} keyframe-period={gop}"),
        other => other.to_string(),
    }
}

/// The H.264 encoder the box uses: the user's choice where this machine has it, else the best it
/// has. Looked up in GStreamer's registry the first time something encodes (or `/hw` is asked), so
/// a box that only relays never loads the registry.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    wanted: Option<String>,
    found: std::sync::Arc<std::sync::OnceLock<(String, Vec<onair_hw::encoders::Encoder>)>>,
}

impl Choice {
    pub fn new(wanted: Option<String>) -> Self {
        Choice { wanted, found: Default::default() }
    }

    fn found(&self) -> &(String, Vec<onair_hw::encoders::Encoder>) {
        self.found.get_or_init(|| {
            let encoders = match super::gst_ready() {
                Ok(()) => onair_hw::encoders::probe(),
                Err(e) => {
                    tracing::warn!("GStreamer failed to initialise ({e}): nothing can be encoded");
                    vec![]
                }
            };
            let name = onair_hw::encoders::pick(&encoders, self.wanted.as_deref()).unwrap_or("x264enc").to_string();
            if let Some(w) = self.wanted.as_deref().filter(|w| *w != name) {
                tracing::warn!("encoder {w} is not available here; using {name}");
            }
            tracing::info!(encoder = %name, "H.264 encoder for the test signal, the slate and transcodes");
            (name, encoders)
        })
    }

    /// The user's choice, if any.
    pub fn wanted(&self) -> Option<&str> {
        self.wanted.as_deref()
    }

    /// The encoder's element name.
    pub fn name(&self) -> String {
        self.found().0.clone()
    }

    /// The encoder and every candidate (with whether this machine has it), once looked up.
    pub fn known(&self) -> Option<(String, Vec<onair_hw::encoders::Encoder>)> {
        self.found.get().cloned()
    }
}
