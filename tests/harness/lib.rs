//! Test harness: the real `onaird` binary with real peers (nginx-rtmp as a platform's ingest, ffmpeg as
//! OBS, ffprobe to check what arrived). Every process is a child that is killed on drop.
pub mod fake_platforms;
pub mod floods;
pub mod whip;

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

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

/// Flood clients need a socket each, and the daemon its own: more than the usual 1024.
pub fn raise_nofile() {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut r);
        r.rlim_cur = r.rlim_max.min(65536);
        libc::setrlimit(libc::RLIMIT_NOFILE, &r);
    }
}
