//! nginx with `libnginx-mod-rtmp`: a platform's ingest that records what it receives.
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::*;

/// nginx with the RTMP module: stands in for a platform's ingest and records what it receives.
pub struct Nginx {
    child: Option<Child>,
    pub port: u16,
    pub dir: PathBuf,
    pub rec: PathBuf,
    _tmp: tempfile::TempDir,
}

impl Nginx {
    pub fn start() -> Nginx {
        Self::start_with("")
    }

    /// `extra` goes into the `application app { }` block.
    pub fn start_with(extra: &str) -> Nginx {
        Self::start_app(&format!("record all; record_unique on; {extra}"))
    }

    /// An `application app { live on; <block> }` server; `record_path` points at `self.rec`.
    pub fn start_app(block: &str) -> Nginx {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let rec = dir.join("rec");
        std::fs::create_dir_all(&rec).unwrap();
        let port = free_port();
        let conf = format!(
            "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n\
             daemon off; master_process off; worker_processes 1;\n\
             error_log {d}/error.log info; pid {d}/nginx.pid;\n\
             events {{ worker_connections 64; }}\n\
             rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
               application app {{ live on; record_path {r}; {block} }} }} }}\n",
            d = dir.display(),
            r = rec.display()
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let mut n = Nginx { child: None, port, dir, rec, _tmp: tmp };
        n.spawn();
        n
    }

    fn spawn(&mut self) {
        let child = Command::new("nginx")
            .args(["-p", self.dir.to_str().unwrap(), "-c", self.dir.join("nginx.conf").to_str().unwrap(), "-e", self.dir.join("error.log").to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx (libnginx-mod-rtmp) is installed: scripts/install-deps.sh test");
        self.child = Some(child);
        let port = self.port;
        assert!(wait_until(Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()), "nginx did not start");
    }

    pub fn url(&self) -> String {
        format!("rtmp://127.0.0.1:{}/app", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGKILL);
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Graceful stop so that recordings are finalised.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGTERM);
            let _ = c.wait();
        }
    }

    pub fn recordings(&self) -> Vec<PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(&self.rec).unwrap().flatten().map(|e| e.path()).collect();
        v.sort();
        v
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.kill();
    }
}
