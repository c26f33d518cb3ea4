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
