//! ffmpeg as OBS: pre-encoded clips, and publishers that can be frozen, stopped or killed.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::*;

/// A pre-encoded clip (H.264 + AAC in FLV), made once per target dir so tests relay without encoding.
pub fn clip(secs: u32, w: u32, h: u32, fps: u32) -> PathBuf {
    clip_kbps(secs, w, h, fps, 3000)
}

pub fn clip_kbps(secs: u32, w: u32, h: u32, fps: u32, kbps: u32) -> PathBuf {
    let dir = workspace().join("target/test-media");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("clip_{secs}s_{w}x{h}_{fps}_{kbps}k.flv"));
    if path.exists() {
        return path;
    }
    let tmp = dir.join(format!("tmp_{}_{}.flv", std::process::id(), rand::random::<u32>()));
    let st = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(["-f", "lavfi", "-i", &format!("testsrc2=size={w}x{h}:rate={fps}")])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"])
        .args(["-t", &secs.to_string(), "-c:v", "libx264", "-preset", "veryfast", "-g", &(fps * 2).to_string()])
        .args(["-b:v", &format!("{kbps}k"), "-maxrate", &format!("{kbps}k"), "-bufsize", &format!("{}k", kbps * 2)])
        .args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "flv"])
        .arg(&tmp)
        .status()
        .expect("ffmpeg is installed");
    assert!(st.success(), "ffmpeg could not make the test clip");
    std::fs::rename(&tmp, &path).unwrap();
    path
}

/// ffmpeg arguments for a live feed with two video tracks (640×360 and 320×180, H.264) and AAC, for
/// `secs` seconds in `format` to `url`: what a multitrack encoder sends.
pub fn two_track_args(secs: u32, format: &str, url: &str) -> Vec<String> {
    let t = secs.to_string();
    [
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x360:rate=30",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        &t,
        "-filter_complex",
        "[0:v]split[a][b];[b]scale=320:180[c]",
        "-map",
        "[a]",
        "-map",
        "[c]",
        "-map",
        "1:a",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "30",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-f",
        format,
        url,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

pub struct Ffmpeg {
    child: Option<Child>,
    pub log: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Ffmpeg {
    /// Publishes `clip` in real time (`-re`, no re-encode) to `url` with container `format`.
    pub fn publish(clip: &Path, url: &str, format: &str) -> Ffmpeg {
        Self::publish_args(clip, url, format, &[])
    }

    pub fn publish_args(clip: &Path, url: &str, format: &str, extra: &[&str]) -> Ffmpeg {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("ffmpeg.log");
        let f = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-i"]).arg(clip).args(["-c", "copy"]).args(extra);
        if format == "mpegts" {
            cmd.args(["-bsf:v", "h264_mp4toannexb"]);
        }
        let child = cmd.args(["-f", format, url]).stdout(Stdio::null()).stderr(f).spawn().expect("ffmpeg");
        Ffmpeg { child: Some(child), log, _tmp: tmp }
    }

    /// Runs an arbitrary ffmpeg command line as a child (e.g. an SRT listener that records).
    pub fn run(args: &[&str]) -> Ffmpeg {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("ffmpeg.log");
        let f = std::fs::File::create(&log).unwrap();
        let child = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "warning", "-nostdin"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(f)
            .spawn()
            .expect("ffmpeg");
        Ffmpeg { child: Some(child), log, _tmp: tmp }
    }

    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + timeout;
        let c = self.child.as_mut()?;
        loop {
            if let Some(s) = c.try_wait().unwrap() {
                return Some(s);
            }
            if Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGKILL);
            let _ = c.wait();
        }
    }

    /// Freezes the process (SIGSTOP): its sockets stay open and silent, like a hung encoder.
    pub fn freeze(&mut self) {
        if let Some(c) = self.child.as_mut() {
            kill(c, 19);
        }
    }

    /// SIGTERM lets ffmpeg finalise what it writes.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGTERM);
            let _ = c.wait();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Ffmpeg {
    fn drop(&mut self) {
        self.kill();
    }
}
