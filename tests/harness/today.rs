//! Today's programs (ffmpeg 9, OBS 32 from sid; OBS 30.2, ffmpeg 7.1 from trixie), run inside the
//! Debian roots `scripts/debian-root.sh` makes and caches. They share the machine's network: a
//! program inside reaches the box on 127.0.0.1.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use super::*;

pub struct Root {
    pub path: PathBuf,
}

impl Root {
    /// The suite's root, made first if this machine has none (about 40 s and 850 MB).
    pub fn get(suite: &str) -> Root {
        static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let out = Command::new(workspace().join("scripts/debian-root.sh")).arg(suite).stderr(Stdio::inherit()).output().expect("debian-root.sh");
        assert!(out.status.success(), "the {suite} root could not be made");
        Root { path: PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()) }
    }

    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("chroot");
        c.arg(&self.path).arg(program);
        c
    }

    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        self.command(program).args(args).output().expect("chroot")
    }

    pub fn spawn(&self, program: &str, args: &[&str], log: &Path) -> Child {
        let f = std::fs::File::create(log).unwrap();
        self.command(program).args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(f).spawn().expect("chroot")
    }

    /// A fresh directory inside the root, as (path inside, path outside).
    pub fn tmp(&self) -> (String, PathBuf) {
        let inside = format!("/tmp/onair-{}-{}", std::process::id(), rand::random::<u32>());
        let outside = self.path.join(inside.trim_start_matches('/'));
        std::fs::create_dir_all(&outside).unwrap();
        (inside, outside)
    }

    /// The video codec and frame count of a file, read by the root's ffprobe (which reads
    /// Enhanced FLV).
    pub fn probe_video(&self, inside: &str) -> (String, u64) {
        let o = self.run(
            "ffprobe",
            &["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=codec_name,nb_read_packets", "-of", "csv=p=0", inside],
        );
        let s = String::from_utf8_lossy(&o.stdout);
        let mut it = s.trim().split(',');
        let codec = it.next().unwrap_or_default().to_string();
        (codec, it.next().and_then(|n| n.trim().parse().ok()).unwrap_or(0))
    }
}

/// ffmpeg inside a root, ended (SIGTERM, so files are finished) when dropped.
pub struct RootFfmpeg {
    pub child: Child,
    pub log: PathBuf,
}

impl RootFfmpeg {
    pub fn start(root: &Root, args: &[&str], log: PathBuf) -> RootFfmpeg {
        let mut all = vec!["-hide_banner", "-loglevel", "warning", "-nostdin", "-y"];
        all.extend_from_slice(args);
        RootFfmpeg { child: root.spawn("ffmpeg", &all, &log), log }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for it to end by itself.
    pub fn wait(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // `chroot` execs ffmpeg: the pid is ffmpeg's.
            kill(&mut self.child, SIGTERM);
            if self.wait(Duration::from_secs(10)).is_none() {
                kill(&mut self.child, SIGKILL);
                let _ = self.child.wait();
            }
        }
    }
}

impl Drop for RootFfmpeg {
    fn drop(&mut self) {
        self.stop();
    }
}

/// ffmpeg 9 as an Enhanced-RTMP server (the "own server" a destination points at), recording what it
/// gets to `out` (a path inside the root) with its log in `outside`; and the destination URL for `key`.
pub fn enhanced_rtmp_receiver(root: &Root, outside: &std::path::Path, out: &str, key: &str) -> (RootFfmpeg, String) {
    let port = crate::free_port();
    let receiver = RootFfmpeg::start(
        root,
        &["-listen", "1", "-i", &format!("rtmp://127.0.0.1:{port}/app/{key}"), "-c", "copy", "-f", "flv", out],
        outside.join("receiver.log"),
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    (receiver, format!("rtmp://127.0.0.1:{port}/app"))
}
