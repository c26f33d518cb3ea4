//! ffprobe: what arrived at a destination.
use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[derive(Debug, Default)]
pub struct Probe {
    pub vcodec: String,
    pub acodec: String,
    pub width: u64,
    pub height: u64,
    pub duration: f64,
    pub vframes: u64,
}

/// What ffprobe finds in a file, counting every video frame.
pub fn probe(file: &Path) -> Probe {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_packets", "-show_entries", "stream=codec_type,codec_name,width,height,nb_read_packets:format=duration", "-of", "json"])
        .arg(file)
        .output()
        .expect("ffprobe");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let mut p = Probe { duration: v["format"]["duration"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0.0), ..Default::default() };
    for s in v["streams"].as_array().cloned().unwrap_or_default() {
        match s["codec_type"].as_str() {
            Some("video") => {
                p.vcodec = s["codec_name"].as_str().unwrap_or("").into();
                p.width = s["width"].as_u64().unwrap_or(0);
                p.height = s["height"].as_u64().unwrap_or(0);
                p.vframes = s["nb_read_packets"].as_str().and_then(|x| x.parse().ok()).unwrap_or(0);
            }
            Some("audio") => p.acodec = s["codec_name"].as_str().unwrap_or("").into(),
            _ => {}
        }
    }
    p
}

/// Video packets in a clip (the "pushed" count).
pub fn frames_in(file: &Path) -> u64 {
    probe(file).vframes
}
