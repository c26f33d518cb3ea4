//! Test harness: the real `onaird` binary with real peers (nginx-rtmp as a platform's ingest, ffmpeg as
//! OBS, ffprobe to check what arrived). Every process is a child that is killed on drop.
mod daemon;
pub mod fake_platforms;
mod ffmpeg;
pub mod floods;
mod nginx;
mod probe;
pub mod receiver;
pub mod sfu_load;
pub mod soak;
pub mod tls;
pub mod today;
pub mod whip;

pub use daemon::*;
pub use ffmpeg::*;
pub use nginx::*;
pub use probe::*;

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn onaird_bin() -> PathBuf {
    std::env::var_os("ONAIR_BIN").map(PathBuf::from).unwrap_or_else(|| workspace().join("target/debug/onaird"))
}

/// A port free for both TCP and UDP on loopback (SRT is UDP), never handed out twice in this
/// process: tests run in parallel and a port released by one probe could be given to another.
pub fn free_port() -> u16 {
    static ISSUED: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let t = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = t.local_addr().unwrap().port();
        let mut issued = ISSUED.lock().unwrap();
        if !issued.contains(&p) && UdpSocket::bind(("127.0.0.1", p)).is_ok() {
            issued.push(p);
            return p;
        }
    }
}

pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    f()
}

fn kill(child: &mut Child, sig: i32) {
    unsafe {
        libc_kill(child.id() as i32, sig);
    }
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}
pub const SIGKILL: i32 = 9;
pub const SIGTERM: i32 = 15;

pub const PASSWORD: &str = "test-password-123";

/// Flood clients need a socket each, and the daemon its own: more than the usual 1024.
pub fn raise_nofile() {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        r.rlim_cur = r.rlim_max.min(65536);
        libc::setrlimit(libc::RLIMIT_NOFILE, &r);
    }
}
