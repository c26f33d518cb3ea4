//! The real `onaird`: started on free ports with its own data dir, logged in, asked over HTTP; killed
//! on drop (its log is printed when a test fails).
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::*;

pub struct Daemon {
    child: Option<Child>,
    pub http: u16,
    pub rtmp: u16,
    pub srt: u16,
    pub dir: tempfile::TempDir,
    pub log: PathBuf,
    extra: Vec<String>,
    env: Vec<(String, String)>,
    starts: usize,
    cookie: Option<String>,
    /// Every API response body, so tests can check no secret ever left the box.
    pub seen: std::sync::Mutex<Vec<String>>,
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
}

impl Daemon {
    pub fn start() -> Daemon {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Daemon {
        Self::start_full(extra, &[])
    }

    pub fn start_full(extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        let mut d = Self::prepare(extra, env);
        d.launch();
        d
    }

    /// A daemon not started yet, for a test that prepares its data dir first (then [`Daemon::launch`]).
    pub fn prepare(extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        let mut d = Daemon {
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            starts: 0,
            child: None,
            http: free_port(),
            rtmp: free_port(),
            srt: free_port(),
            dir: tempfile::tempdir().unwrap(),
            log: PathBuf::new(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            cookie: None,
            seen: Default::default(),
        };
        d.log = d.dir.path().join("onaird.log");
        d
    }

    /// Starts a prepared or stopped daemon on its data dir and ports, and logs in.
    pub fn launch(&mut self) {
        self.spawn();
        self.login();
    }

    /// The session cookie the harness sends (`onair_session=...`).
    pub fn cookie(&self) -> Option<String> {
        self.cookie.clone()
    }

    /// A box nobody has set up yet: no `ONAIR_ADMIN_PASSWORD`, nobody logged in.
    pub fn start_fresh(extra: &[&str]) -> Daemon {
        let mut d = Self::prepare(extra, &[("ONAIR_ADMIN_PASSWORD", "")]);
        d.spawn();
        d
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(onaird_bin())
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--http", &format!("127.0.0.1:{}", self.http)])
            .args(["--rtmp", &format!("127.0.0.1:{}", self.rtmp)])
            .args(if self.extra.iter().any(|a| a == "--srt") { vec![] } else { vec!["--srt".to_string(), format!("127.0.0.1:{}", self.srt)] })
            .args(if self.extra.iter().any(|a| a == "--hw") { vec![] } else { vec!["--hw", "sim"] })
            // Dozens of test daemons must not all announce themselves on the LAN.
            .args(if self.extra.iter().any(|a| a == "--mdns") { vec![] } else { vec!["--mdns", "off"] })
            .args(if self.extra.iter().any(|a| a == "--public-host") { vec![] } else { vec!["--public-host", "127.0.0.1"] })
            .args(&self.extra)
            .env("ONAIR_ADMIN_PASSWORD", PASSWORD)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("onaird runs (build it first: cargo build --bins)");
        self.child = Some(child);
        let port = self.http;
        let log = self.log.clone();
        // Ready means this daemon said so (a port that answers could belong to someone else).
        assert!(
            wait_until(Duration::from_secs(20), || std::fs::read_to_string(&log).is_ok_and(|l| l.matches("onaird ready").count() > self.starts)
                && std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()),
            "onaird did not start; log:\n{}",
            self.log_text()
        );
        self.starts += 1;
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn login(&mut self) {
        let r = self.request("POST", "/api/v1/login", Some(serde_json::json!({"password": PASSWORD})));
        assert_eq!(r.status, 200, "login: {}", r.text);
    }

    /// kill -9, leaving it stopped (start it again with [`Daemon::launch`]).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGKILL);
            let _ = c.wait();
        }
    }

    /// kill -9, then start again on the same data dir and ports.
    pub fn crash_and_restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGKILL);
            let _ = c.wait();
        }
        self.spawn();
        self.login();
    }

    /// kill -9, let `f` change the data dir (put a fixture in place, edit the database), start again.
    pub fn restart_with(&mut self, f: impl FnOnce(&Path)) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGKILL);
            let _ = c.wait();
        }
        f(&self.data_dir());
        self.spawn();
        self.login();
    }

    /// SIGTERM and wait for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut c = self.child.take().expect("running");
        kill(&mut c, SIGTERM);
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = c.try_wait().unwrap() {
                return s;
            }
            if Instant::now() > end {
                kill(&mut c, SIGKILL);
                panic!("onaird ignored SIGTERM for 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{}", self.http, path)
    }

    /// Any request; never panics on 4xx/5xx.
    pub fn request(&mut self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let text_body = body.map(|b| b.to_string());
        self.raw(method, path, text_body.as_deref(), Some("application/json"))
    }

    pub fn raw(&mut self, method: &str, path: &str, body: Option<&str>, ctype: Option<&str>) -> Resp {
        let mut req = ureq::request(method, &self.url(path)).timeout(Duration::from_secs(30)).set("X-Requested-With", "onair");
        if let Some(c) = &self.cookie {
            req = req.set("Cookie", c);
        }
        if let Some(ct) = ctype {
            req = req.set("Content-Type", ct);
        }
        let res = match body {
            Some(b) => req.send_string(b),
            None => req.call(),
        };
        let resp = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = resp.status();
        if let Some(sc) = resp.header("set-cookie") {
            if let Some(kv) = sc.split(';').next() {
                if kv.starts_with("onair_session=") && kv.len() > "onair_session=".len() {
                    self.cookie = Some(kv.to_string());
                }
            }
        }
        let text = resp.into_string().unwrap_or_default();
        self.seen.lock().unwrap().push(text.clone());
        Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
    }

    /// A request whose body the box may refuse before reading it all (413): curl, with
    /// `Expect: 100-continue`, reads that early answer; ureq would keep writing into a closed socket.
    pub fn curl_status(&self, method: &str, path: &str, body: &[u8], ctype: &str) -> (u16, Value) {
        let n = rand::random::<u32>();
        let file = self.dir.path().join(format!("body-{n}"));
        let answer = self.dir.path().join(format!("answer-{n}"));
        std::fs::write(&file, body).unwrap();
        let mut cmd = Command::new("curl");
        cmd.arg("-o").arg(&answer);
        cmd.args(["-s", "-w", "%{http_code}", "-X", method, "-H", "Expect: 100-continue", "-H", "X-Requested-With: onair", "-H"]);
        cmd.arg(format!("Content-Type: {ctype}"));
        if let Some(c) = &self.cookie {
            cmd.arg("-H").arg(format!("Cookie: {c}"));
        }
        let out = cmd.arg("--data-binary").arg(format!("@{}", file.display())).arg(self.url(path)).output().expect("curl");
        let got = std::fs::read_to_string(&answer).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(Value::Null);
        let _ = std::fs::remove_file(&file);
        let _ = std::fs::remove_file(&answer);
        (String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0), got)
    }

    pub fn get(&mut self, path: &str) -> Value {
        let r = self.request("GET", path, None);
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        r.body
    }

    pub fn post(&mut self, path: &str, body: Value) -> Value {
        let r = self.request("POST", path, Some(body));
        assert!(r.status < 300, "POST {path}: {} {}", r.status, r.text);
        r.body
    }

    pub fn ingest_key(&mut self) -> String {
        self.get("/api/v1/ingest")["key"].as_str().unwrap().to_string()
    }

    pub fn ingest_url(&mut self) -> String {
        let key = self.ingest_key();
        format!("rtmp://127.0.0.1:{}/live/{key}", self.rtmp)
    }

    pub fn add_destination(&mut self, name: &str, url: &str, key: &str) -> i64 {
        let r = self.post("/api/v1/destinations", serde_json::json!({"name": name, "platform": "custom", "url": url, "stream_key": key, "enabled": true}));
        r["id"].as_i64().unwrap()
    }

    /// A destination on a platform's default ingest URL.
    pub fn add_destination_platform(&mut self, name: &str, platform: &str, key: &str) -> i64 {
        let r = self.post("/api/v1/destinations", serde_json::json!({"name": name, "platform": platform, "stream_key": key, "enabled": true}));
        r["id"].as_i64().unwrap()
    }

    /// A destination marked as a platform but sent to `url` (a local nginx standing in for its ingest).
    pub fn add_destination_platform_url(&mut self, name: &str, platform: &str, url: &str, key: &str) -> i64 {
        let r = self.post("/api/v1/destinations", serde_json::json!({"name": name, "platform": platform, "url": url, "stream_key": key, "enabled": true}));
        r["id"].as_i64().unwrap()
    }

    pub fn destination_status(&mut self, id: i64) -> Value {
        let s = self.get("/api/v1/status");
        s["destinations"].as_array().unwrap().iter().find(|d| d["id"] == id).cloned().unwrap_or(Value::Null)
    }

    /// The usual start of a show: ffmpeg publishes `clip` to the box over RTMP as OBS would, the
    /// box sees the feed, and Go Live. The publisher is returned (it stops when dropped).
    pub fn go_live_with(&mut self, clip: &Path) -> Ffmpeg {
        let ff = Ffmpeg::publish(clip, &self.ingest_url(), "flv");
        assert!(self.wait_ingest_connected(), "ingest never connected: {}", ff.log_text());
        self.post("/api/v1/live/start", serde_json::json!({}));
        ff
    }

    pub fn wait_ingest_connected(&mut self) -> bool {
        wait_until(Duration::from_secs(15), || self.get("/api/v1/ingest")["connected"] == true)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            kill(&mut c, SIGKILL);
            let _ = c.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- onaird log ----\n{}", self.log_text());
        }
    }
}
