//! The real OBS Studio (Debian's obs-studio, headless under Xvfb) streams to the box with its
//! "Custom" service: the ingest must speak OBS's RTMP dialect (releaseStream, FCPublish, ...).
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use onair_e2e::*;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

/// `ws`: the WebSocket server's port and password, or off.
fn obs_home(home: &Path, server: &str, key: &str, ws: Option<(u16, &str)>) {
    let cfg = home.join(".config/obs-studio");
    let websocket = match ws {
        Some((port, pw)) => {
            format!("[OBSWebSocket]\nFirstLoad=false\nServerEnabled=true\nServerPort={port}\nAlertsEnabled=false\nAuthRequired=true\nServerPassword={pw}\n")
        }
        None => "[OBSWebSocket]\nFirstLoad=false\nServerEnabled=false\n".to_string(),
    };
    write(
        &cfg.join("global.ini"),
        &format!("[General]\nFirstRun=true\nLastVersion=486539264\n[Basic]\nProfile=onair\nProfileDir=onair\nSceneCollection=onair\nSceneCollectionFile=onair\nConfigOnNewProfile=false\n\
         [BasicWindow]\nWarnBeforeStartingStream=false\nWarnBeforeStoppingStream=false\nSysTrayEnabled=false\n{websocket}"),
    );
    write(
        &cfg.join("basic/profiles/onair/basic.ini"),
        "[General]\nName=onair\n[Video]\nBaseCX=640\nBaseCY=360\nOutputCX=640\nOutputCY=360\nFPSType=0\nFPSCommon=30\n\
         [Output]\nMode=Simple\n[SimpleOutput]\nVBitrate=1000\nABitrate=128\nStreamEncoder=x264\nPreset=ultrafast\n\
         [Audio]\nSampleRate=48000\nChannelSetup=Stereo\n",
    );
    write(
        &cfg.join("basic/profiles/onair/service.json"),
        &serde_json::json!({"type": "rtmp_custom", "settings": {"server": server, "key": key, "use_auth": false, "bwtest": false}}).to_string(),
    );
    write(
        &cfg.join("basic/scenes/onair.json"),
        &serde_json::json!({
            "name": "onair", "current_scene": "Scene", "current_program_scene": "Scene",
            "scene_order": [{"name": "Scene"}, {"name": "Second"}],
            "sources": [
                {"id": "scene", "versioned_id": "scene", "name": "Second", "settings": {"items": []}},
                {"id": "scene", "versioned_id": "scene", "name": "Scene", "settings": {"items": [
                    {"name": "Bars", "id": 1, "visible": true, "pos": {"x": 0.0, "y": 0.0}, "scale": {"x": 1.0, "y": 1.0}, "bounds": {"x": 0.0, "y": 0.0}}
                ]}},
                {"id": "color_source", "versioned_id": "color_source_v3", "name": "Bars", "settings": {"color": 4278255360u32, "width": 640, "height": 360}}
            ]
        })
        .to_string(),
    );
}

fn xvfb() -> (Kill, String) {
    for _ in 0..20 {
        let n = 100 + rand::random::<u32>() % 800;
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let x = Kill(
            Command::new("Xvfb")
                .args([display.as_str(), "-screen", "0", "1280x720x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb"),
        );
        std::thread::sleep(Duration::from_millis(800));
        return (x, display);
    }
    panic!("no free X display");
}

fn start_obs(home: &Path, display: &str, args: &[&str]) -> Kill {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(home.join("obs.log")).unwrap();
    Kill(
        Command::new("obs")
            .args(args)
            .args(["--disable-shutdown-check", "--minimize-to-tray", "--multi"])
            .env("HOME", home)
            .env("DISPLAY", display)
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("obs"),
    )
}

#[test]
fn obs_studio_publishes_to_the_box() {
    if Command::new("obs").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        panic!("obs-studio is not installed: scripts/install-deps.sh test installs it");
    }
    let mut n = Nginx::start();
    let mut d = Daemon::start();
    let id = d.add_destination("n", &n.url(), "sk_obs_ingest_01");
    let key = d.ingest_key();
    let home = tempfile::tempdir().unwrap();
    obs_home(home.path(), &format!("rtmp://127.0.0.1:{}/live", d.rtmp), &key, None);
    let (_x, display) = xvfb();
    let _obs = start_obs(home.path(), &display, &["--startstreaming"]);
    let obs_log = || std::fs::read_to_string(home.path().join("obs.log")).unwrap_or_default();
    assert!(wait_until(Duration::from_secs(60), || d.get("/api/v1/ingest")["connected"] == true), "OBS never published:\n{}", obs_log());
    assert!(
        wait_until(Duration::from_secs(15), || {
            let i = d.get("/api/v1/ingest");
            i["video"]["codec"] == "h264" && i["audio"]["codec"] == "aac" && i["video"]["kbps"].as_u64() > Some(0)
        }),
        "{}",
        d.get("/api/v1/ingest")
    );
    let ing = d.get("/api/v1/ingest");
    assert_eq!(ing["proto"], "rtmp");
    assert_eq!((ing["video"]["codec"].as_str(), ing["video"]["height"].as_u64()), (Some("h264"), Some(360)), "{ing}");
    assert_eq!(ing["audio"]["codec"], "aac", "{ing}");
    d.post("/api/v1/live/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    std::thread::sleep(Duration::from_secs(4));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    n.stop();
    let p = probe(&n.recordings()[0]);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str(), p.width, p.height), ("h264", "aac", 640, 360), "{p:?}");
    assert!(p.vframes >= 60, "{p:?}");
}

/// The bridge against a real OBS: wrong password and unreachable states, scenes, one-click stream
/// set-up, OBS publishing to the box, reconnect after OBS restarts, and Go Live starting OBS.
#[test]
fn obs_bridge_drives_a_real_obs() {
    let mut d = Daemon::start();
    let port = free_port();
    let home = tempfile::tempdir().unwrap();
    obs_home(home.path(), "rtmp://127.0.0.1:1/nowhere", "not-the-key", Some((port, "obs-secret-pw")));
    // Unreachable first: nothing listens there yet.
    d.request("PUT", "/api/v1/obs/connection", Some(serde_json::json!({"host": "127.0.0.1", "port": port, "password": "obs-secret-pw"})));
    assert!(
        wait_until(Duration::from_secs(10), || d.get("/api/v1/status")["obs"]["error"].as_str().is_some_and(|e| e.contains("not reachable"))),
        "{}",
        d.get("/api/v1/status")["obs"]
    );
    let r = d.request("GET", "/api/v1/obs/scenes", None);
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (409, Some("obs_not_connected")));
    let (_x, display) = xvfb();
    let mut obs = start_obs(home.path(), &display, &[]);
    let obs_log = || std::fs::read_to_string(home.path().join("obs.log")).unwrap_or_default();
    // Wrong password: a clear state, no connection.
    d.request("PUT", "/api/v1/obs/connection", Some(serde_json::json!({"host": "127.0.0.1", "port": port, "password": "wrong"})));
    assert!(
        wait_until(Duration::from_secs(40), || d.get("/api/v1/status")["obs"]["error"].as_str().is_some_and(|e| e.contains("password"))),
        "{}\n{}",
        d.get("/api/v1/status")["obs"],
        obs_log()
    );
    d.request("PUT", "/api/v1/obs/connection", Some(serde_json::json!({"host": "127.0.0.1", "port": port, "password": "obs-secret-pw"})));
    assert!(wait_until(Duration::from_secs(20), || d.get("/api/v1/status")["obs"]["connected"] == true), "{}", d.get("/api/v1/status")["obs"]);
    let st = d.get("/api/v1/status")["obs"].clone();
    assert!(st["version"].as_str().unwrap().starts_with("29."), "{st}");
    // Scenes, and switching one in OBS.
    let sc = d.get("/api/v1/obs/scenes");
    let names: Vec<&str> = sc["scenes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(names.contains(&"Scene") && names.contains(&"Second"), "{sc}");
    d.post("/api/v1/obs/scene", serde_json::json!({"name": "Second"}));
    assert_eq!(d.get("/api/v1/obs/scenes")["current"], "Second");
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["obs"]["scene"] == "Second"));
    assert_eq!(d.request("POST", "/api/v1/obs/scene", Some(serde_json::json!({"name": "Nope"}))).status, 404);
    // One click: OBS is pointed at the box, then streams to it.
    d.post("/api/v1/obs/setup-stream", serde_json::json!({}));
    d.post("/api/v1/obs/stream/start", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(30), || d.get("/api/v1/ingest")["connected"] == true), "{}", obs_log());
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["video"]["codec"] == "h264"));
    assert!(wait_until(Duration::from_secs(6), || d.get("/api/v1/status")["obs"]["streaming"] == true));
    d.post("/api/v1/obs/stream/stop", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["connected"] == false));
    // Browser sources for guests: Debian's OBS has no obs-browser plugin, so the box must say so
    // clearly (OBS from obsproject.com / Flatpak / Ubuntu PPA has it).
    let body = serde_json::json!({"scene": "Scene", "name": "Guest 1", "url": "http://127.0.0.1:9/guest/1/view", "width": 640, "height": 360});
    let r = d.request("POST", "/api/v1/obs/browser-source", Some(body));
    if r.status == 200 {
        let again = serde_json::json!({"scene": "Scene", "name": "Guest 1", "url": "http://127.0.0.1:9/guest/1/view?v=2", "width": 640, "height": 360});
        assert_eq!(d.request("POST", "/api/v1/obs/browser-source", Some(again)).status, 200, "update in place");
    } else {
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("Browser Source"), "{}", r.text);
    }
    let bad = serde_json::json!({"scene": "Scene", "name": "x", "url": "file:///etc/passwd"});
    assert_eq!(d.request("POST", "/api/v1/obs/browser-source", Some(bad)).status, 422);
    // OBS restarts: the bridge notices and reconnects by itself.
    drop(obs);
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/status")["obs"]["connected"] == false));
    obs = start_obs(home.path(), &display, &[]);
    assert!(wait_until(Duration::from_secs(40), || d.get("/api/v1/status")["obs"]["connected"] == true), "{}", obs_log());
    // Go Live starts OBS's stream, then the destinations; Stop ends both.
    let n = Nginx::start();
    let id = d.add_destination("n", &n.url(), "sk_obs_bridge_01");
    d.post("/api/v1/obs/setup-stream", serde_json::json!({}));
    let r = d.request("POST", "/api/v1/live/start", Some(serde_json::json!({})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(id)["state"] == "live"));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["connected"] == false), "Stop also stops OBS's stream");
    drop(obs);
}
