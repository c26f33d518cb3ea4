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

fn obs_home(home: &Path, server: &str, key: &str) {
    let cfg = home.join(".config/obs-studio");
    write(
        &cfg.join("global.ini"),
        "[General]\nFirstRun=true\nLastVersion=486539264\n[Basic]\nProfile=onair\nProfileDir=onair\nSceneCollection=onair\nSceneCollectionFile=onair\nConfigOnNewProfile=false\n\
         [BasicWindow]\nWarnBeforeStartingStream=false\nWarnBeforeStoppingStream=false\nSysTrayEnabled=false\n[OBSWebSocket]\nFirstLoad=false\nServerEnabled=false\n",
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
            "scene_order": [{"name": "Scene"}],
            "sources": [
                {"id": "scene", "versioned_id": "scene", "name": "Scene", "settings": {"items": [
                    {"name": "Bars", "id": 1, "visible": true, "pos": {"x": 0.0, "y": 0.0}, "scale": {"x": 1.0, "y": 1.0}, "bounds": {"x": 0.0, "y": 0.0}}
                ]}},
                {"id": "color_source", "versioned_id": "color_source_v3", "name": "Bars", "settings": {"color": 4278255360u32, "width": 640, "height": 360}}
            ]
        })
        .to_string(),
    );
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
    obs_home(home.path(), &format!("rtmp://127.0.0.1:{}/live", d.rtmp), &key);
    let display = format!(":{}", 90 + (std::process::id() % 500));
    let _x = Kill(Command::new("Xvfb").args([display.as_str(), "-screen", "0", "1280x720x24", "-nolisten", "tcp"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("Xvfb"));
    std::thread::sleep(Duration::from_secs(1));
    let log = std::fs::File::create(home.path().join("obs.log")).unwrap();
    let _obs = Kill(
        Command::new("obs")
            .args(["--startstreaming", "--disable-shutdown-check", "--minimize-to-tray", "--multi"])
            .env("HOME", home.path())
            .env("DISPLAY", &display)
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("obs"),
    );
    let obs_log = || std::fs::read_to_string(home.path().join("obs.log")).unwrap_or_default();
    assert!(wait_until(Duration::from_secs(60), || d.get("/api/v1/ingest")["connected"] == true), "OBS never published:\n{}", obs_log());
    assert!(wait_until(Duration::from_secs(15), || { let i = d.get("/api/v1/ingest"); i["video"]["codec"] == "h264" && i["audio"]["codec"] == "aac" && i["video"]["kbps"].as_u64() > Some(0) }), "{}", d.get("/api/v1/ingest"));
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
