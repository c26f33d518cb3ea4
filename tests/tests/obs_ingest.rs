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

/// A second obs-websocket client (as a Stream Deck or OBS's own window would be), running `f`.
fn with_obs<T>(port: u16, password: &str, f: impl AsyncFnOnce(&obws::Client) -> T) -> Option<T> {
    use obws::client::{ConnectConfig, DangerousConnectConfig, DEFAULT_BROADCAST_CAPACITY};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let c = obws::Client::connect_with_config(ConnectConfig {
            host: "127.0.0.1",
            port,
            password: Some(password),
            event_subscriptions: Some(obws::requests::EventSubscription::NONE),
            broadcast_capacity: DEFAULT_BROADCAST_CAPACITY,
            connect_timeout: Duration::from_secs(10),
            // OBS 29 too (obws checks for 30.2+).
            dangerous: Some(DangerousConnectConfig { skip_studio_version_check: true, skip_websocket_version_check: true }),
        })
        .await
        .ok()?;
        Some(f(&c).await)
    })
}

/// Renames a scene in OBS, as another remote (a Stream Deck, OBS's own window) would.
fn rename_scene_in_obs(port: u16, password: &str, old: &str, new: &str) {
    use obws::requests::scenes::SceneId;
    with_obs(port, password, async |c| c.scenes().set_name(SceneId::Name(old), new).await.expect("SetSceneName")).expect("a second obs-websocket client");
}

/// A screenshot of source `name` through obs-websocket (`GetSourceScreenshot`), as grey levels
/// (decoded by ffmpeg): `None` if OBS has none to give yet.
fn screenshot_in_obs(port: u16, password: &str, name: &str, dir: &Path) -> Option<Vec<u8>> {
    use base64::Engine;
    use obws::requests::sources::{SourceId, TakeScreenshot};
    let shot = TakeScreenshot { source: SourceId::Name(name), format: "png", width: Some(320), height: None, compression_quality: None };
    let data = with_obs(port, password, async |c| c.sources().take_screenshot(shot).await.ok())??;
    let png = base64::engine::general_purpose::STANDARD.decode(data.split_once(',')?.1).ok()?;
    let file = dir.join("shot.png");
    std::fs::write(&file, png).ok()?;
    let o = Command::new("ffmpeg").args(["-v", "error", "-i"]).arg(&file).args(["-f", "rawvideo", "-pix_fmt", "gray", "-"]).output().ok()?;
    (o.status.success() && !o.stdout.is_empty()).then_some(o.stdout)
}

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

/// `ws`: the WebSocket server's port and password, or off.
/// `modern`: OBS 31 and later, which read user.ini (a global.ini with user settings in it makes
/// OBS 32 stop at a migration question, with no window to answer it under Xvfb); 29 and 30.2 read
/// global.ini.
/// `tone`: where OBS finds a looping 440 Hz tone for its media source (the path as OBS sees it).
fn obs_home(home: &Path, server: &str, key: &str, ws: Option<(u16, &str)>, modern: bool, tone: &str) {
    let st = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=10", "-ac", "2"])
        .arg(home.join("tone.wav"))
        .status()
        .unwrap();
    assert!(st.success());
    let cfg = home.join(".config/obs-studio");
    let websocket = match ws {
        Some((port, pw)) => {
            format!("[OBSWebSocket]\nFirstLoad=false\nServerEnabled=true\nServerPort={port}\nAlertsEnabled=false\nAuthRequired=true\nServerPassword={pw}\n")
        }
        None => "[OBSWebSocket]\nFirstLoad=false\nServerEnabled=false\n".to_string(),
    };
    // obs-websocket 5.x in OBS 30+ reads its own config.json; 29's reads global.ini's section.
    let ws_json = match ws {
        Some((port, pw)) => {
            serde_json::json!({"alerts_enabled": false, "auth_required": true, "first_load": false, "server_enabled": true, "server_password": pw, "server_port": port})
        }
        None => serde_json::json!({"first_load": false, "server_enabled": false}),
    };
    write(&cfg.join("plugin_config/obs-websocket/config.json"), &ws_json.to_string());
    let general = format!("[General]\nFirstRun=true\nLastVersion=486539264\n[Basic]\nProfile=onair\nProfileDir=onair\nSceneCollection=onair\nSceneCollectionFile=onair\nConfigOnNewProfile=false\n\
         [BasicWindow]\nWarnBeforeStartingStream=false\nWarnBeforeStoppingStream=false\nSysTrayEnabled=false\n{websocket}");
    write(&cfg.join(if modern { "user.ini" } else { "global.ini" }), &general);
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
    // A second profile and a second scene collection, to switch to.
    write(&cfg.join("basic/profiles/backup/basic.ini"), "[General]\nName=backup\n[Video]\nBaseCX=640\nBaseCY=360\nOutputCX=640\nOutputCY=360\n");
    write(
        &cfg.join("basic/scenes/other.json"),
        &serde_json::json!({
            "name": "other", "current_scene": "Other", "current_program_scene": "Other", "scene_order": [{"name": "Other"}],
            "sources": [{"id": "scene", "versioned_id": "scene", "name": "Other", "settings": {"items": []}}]
        })
        .to_string(),
    );
    write(
        &cfg.join("basic/scenes/onair.json"),
        &serde_json::json!({
            "name": "onair", "current_scene": "Scene", "current_program_scene": "Scene",
            "scene_order": [{"name": "Scene"}, {"name": "Second"}],
            "sources": [
                {"id": "scene", "versioned_id": "scene", "name": "Second", "settings": {"items": []}},
                {"id": "scene", "versioned_id": "scene", "name": "Scene", "settings": {"items": [
                    {"name": "Bars", "id": 1, "visible": true, "pos": {"x": 0.0, "y": 0.0}, "scale": {"x": 1.0, "y": 1.0}, "bounds": {"x": 0.0, "y": 0.0}},
                    {"name": "Music", "id": 2, "visible": true, "pos": {"x": 0.0, "y": 0.0}, "scale": {"x": 1.0, "y": 1.0}, "bounds": {"x": 0.0, "y": 0.0}}
                ]}},
                {"id": "color_source", "versioned_id": "color_source_v3", "name": "Bars", "settings": {"color": 4278255360u32, "width": 640, "height": 360}},
                // An input with audio (a media source with no file yet), for mute and volume.
                {"id": "ffmpeg_source", "versioned_id": "ffmpeg_source", "name": "Music", "mixers": 255, "volume": 1.0, "muted": false, "settings": {"is_local_file": true, "local_file": tone, "looping": true}}
            ]
        })
        .to_string(),
    );
}

/// Where OBS runs: the machine's own (Debian bookworm's 29), or a newer Debian root's.
enum Place {
    Host,
    Root(onair_e2e::today::Root),
}

impl Place {
    fn command(&self, program: &str) -> Command {
        match self {
            Place::Host => Command::new(program),
            Place::Root(r) => r.command(program),
        }
    }

    /// A home for OBS, as (the path OBS sees, the directory here, kept alive by the guard).
    fn home(&self) -> (String, std::path::PathBuf, Option<tempfile::TempDir>) {
        match self {
            Place::Host => {
                let t = tempfile::tempdir().unwrap();
                (t.path().display().to_string(), t.path().to_path_buf(), Some(t))
            }
            Place::Root(r) => {
                let (inside, outside) = r.tmp();
                (inside, outside, None)
            }
        }
    }

    fn x11_dir(&self) -> std::path::PathBuf {
        match self {
            Place::Host => "/tmp/.X11-unix".into(),
            Place::Root(r) => r.path.join("tmp/.X11-unix"),
        }
    }
}

fn xvfb(place: &Place) -> (Kill, String) {
    for _ in 0..20 {
        let n = 100 + rand::random::<u32>() % 800;
        if place.x11_dir().join(format!("X{n}")).exists() || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let x = Kill(
            place
                .command("Xvfb")
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

fn start_obs(place: &Place, home: &str, here: &Path, display: &str, args: &[&str]) -> Kill {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(here.join("obs.log")).unwrap();
    Kill(
        place
            .command("obs")
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
    let tone = home.path().join("tone.wav").display().to_string();
    obs_home(home.path(), &format!("rtmp://127.0.0.1:{}/live", d.rtmp), &key, None, false, &tone);
    let (_x, display) = xvfb(&Place::Host);
    let h = home.path().display().to_string();
    let _obs = start_obs(&Place::Host, &h, home.path(), &display, &["--startstreaming"]);
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
    bridge_drives(Place::Host, "29.", false);
}

/// The same against OBS 30.2 (obs-websocket 5.5) from Debian trixie.
#[test]
fn obs_bridge_drives_obs_30() {
    bridge_drives(Place::Root(onair_e2e::today::Root::get("trixie")), "30.", false);
}

/// The same against OBS 32 (obs-websocket 5.7) from Debian sid.
#[test]
fn obs_bridge_drives_obs_32() {
    bridge_drives(Place::Root(onair_e2e::today::Root::get("sid")), "32.", true);
}

/// A guest into an OBS with no Browser Source (Debian's OBS 32): "Add to scene" makes it a Media
/// Source on the guest's Matroska stream, and OBS's own screenshot of that source shows the
/// guest's colour bars. Prints how long from the click to the first picture in OBS.
#[test]
fn a_guest_gets_into_obs_32_as_a_media_source() {
    let place = Place::Root(onair_e2e::today::Root::get("sid"));
    let mut d = Daemon::start();
    let port = free_port();
    let (home_in, home, _guard) = place.home();
    let home = home.as_path();
    obs_home(home, "rtmp://127.0.0.1:1/nowhere", "not-the-key", Some((port, "obs-secret-pw")), true, &format!("{home_in}/tone.wav"));
    let (_x, display) = xvfb(&place);
    let _obs = start_obs(&place, &home_in, home, &display, &[]);
    let obs_log = || std::fs::read_to_string(home.join("obs.log")).unwrap_or_default();
    d.request("PUT", "/api/v1/obs/connection", Some(serde_json::json!({"host": "127.0.0.1", "port": port, "password": "obs-secret-pw"})));
    assert!(wait_until(Duration::from_secs(60), || d.get("/api/v1/status")["obs"]["connected"] == true), "{}\n{}", d.get("/api/v1/status")["obs"], obs_log());
    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Cam", "max_uses": 2}));
    let cam = onair_e2e::whip::WhipGuest::join_showing(&d.url(""), inv["token"].as_str().unwrap(), "Cam", "smpte");
    let guest = |d: &mut Daemon| d.get("/api/v1/guests").as_array().unwrap().iter().find(|g| g["id"] == cam.id.as_str()).cloned();
    assert!(wait_until(Duration::from_secs(20), || guest(&mut d).is_some_and(|g| g["state"] == "live")), "{:?}", guest(&mut d));
    // This OBS has no Browser Source: asked for one, the box says so.
    let r = d.request("POST", "/api/v1/obs/guest-source", Some(serde_json::json!({"scene": "Scene", "guest": cam.id, "kind": "browser"})));
    assert!(r.status == 422 && r.text.contains("Browser Source"), "{} {}", r.status, r.text);
    let r = d.request("POST", "/api/v1/obs/guest-source", Some(serde_json::json!({"scene": "Scene", "guest": "grid", "kind": "browser"})));
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(d.request("POST", "/api/v1/obs/guest-source", Some(serde_json::json!({"scene": "Scene", "guest": "nobody"}))).status, 404);
    // "Add to scene": whichever this OBS can show.
    let t0 = std::time::Instant::now();
    let added = d.post("/api/v1/obs/guest-source", serde_json::json!({"scene": "Scene", "guest": cam.id}));
    assert_eq!((added["kind"].as_str(), added["name"].as_str()), (Some("ffmpeg_source"), Some("onair: Cam")), "{added}");
    assert!(added["url"].as_str().unwrap().contains(&format!("/guest/{}/stream.mkv?k=", cam.id)), "{added}");
    assert!(
        wait_until(Duration::from_secs(15), || guest(&mut d).is_some_and(|g| g["viewers"] == 1)),
        "OBS's media source reads the stream: {:?}\n{}",
        guest(&mut d),
        obs_log()
    );
    let shots = tempfile::tempdir().unwrap();
    let shows_bars = |source: &str| {
        let mut last = None;
        let pictured = wait_until(Duration::from_secs(30), || {
            last = screenshot_in_obs(port, "obs-secret-pw", source, shots.path());
            // Colour bars: bright on average, and many grey levels (black is one level near 16).
            last.as_ref().is_some_and(|g| {
                let mean = g.iter().map(|v| *v as u64).sum::<u64>() / g.len() as u64;
                let mut levels = g.iter().map(|v| v / 16).collect::<Vec<_>>();
                levels.sort_unstable();
                levels.dedup();
                mean > 60 && levels.len() >= 5
            })
        });
        let mean = last.as_ref().map(|g| g.iter().map(|v| *v as u64).sum::<u64>() / g.len().max(1) as u64);
        assert!(pictured, "OBS's screenshot of {source} never showed the guest (mean grey {mean:?})\n{}", obs_log());
        mean
    };
    let mean = shows_bars("onair: Cam");
    let took = t0.elapsed();
    eprintln!("guest → OBS 32 Media Source: first picture in OBS {took:?} after \"Add to scene\" (mean grey {mean:?})");
    // The grid too, as one stream (composed and encoded by the box) in a Media Source.
    let t0 = std::time::Instant::now();
    let grid = d.post("/api/v1/obs/guest-source", serde_json::json!({"scene": "Scene", "guest": "grid"}));
    assert_eq!((grid["kind"].as_str(), grid["name"].as_str()), (Some("ffmpeg_source"), Some("onair guests")), "{grid}");
    assert!(grid["url"].as_str().unwrap().contains("/guests/grid/stream.mkv?k="), "{grid}");
    let mean = shows_bars("onair guests");
    eprintln!("the grid → OBS 32 Media Source: first picture in OBS {:?} after \"Add to scene\" (mean grey {mean:?})", t0.elapsed());
    // Added again: the same source, pointed again (no second one).
    let again = d.post("/api/v1/obs/guest-source", serde_json::json!({"scene": "Scene", "guest": cam.id}));
    assert_eq!(again["kind"], "ffmpeg_source");
    let items = d.get("/api/v1/obs/scene-items");
    assert_eq!(items.as_array().unwrap().iter().filter(|i| i["name"] == "onair: Cam").count(), 1, "{items}");
}

fn bridge_drives(place: Place, version: &str, user_ini: bool) {
    let mut d = Daemon::start();
    let port = free_port();
    let (home_in, home, _guard) = place.home();
    let home = home.as_path();
    obs_home(home, "rtmp://127.0.0.1:1/nowhere", "not-the-key", Some((port, "obs-secret-pw")), user_ini, &format!("{home_in}/tone.wav"));
    // Unreachable first: nothing listens there yet.
    d.request("PUT", "/api/v1/obs/connection", Some(serde_json::json!({"host": "127.0.0.1", "port": port, "password": "obs-secret-pw"})));
    assert!(
        wait_until(Duration::from_secs(10), || d.get("/api/v1/status")["obs"]["error"].as_str().is_some_and(|e| e.contains("not reachable"))),
        "{}",
        d.get("/api/v1/status")["obs"]
    );
    let r = d.request("GET", "/api/v1/obs/scenes", None);
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (409, Some("obs_not_connected")));
    let (_x, display) = xvfb(&place);
    let mut obs = start_obs(&place, &home_in, home, &display, &[]);
    let obs_log = || std::fs::read_to_string(home.join("obs.log")).unwrap_or_default();
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
    assert!(st["version"].as_str().unwrap().starts_with(version), "{st}");
    // Scenes, and switching one in OBS.
    let sc = d.get("/api/v1/obs/scenes");
    let names: Vec<&str> = sc["scenes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(names.contains(&"Scene") && names.contains(&"Second"), "{sc}");
    d.post("/api/v1/obs/scene", serde_json::json!({"name": "Second"}));
    assert_eq!(d.get("/api/v1/obs/scenes")["current"], "Second");
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["obs"]["scene"] == "Second"));
    assert_eq!(d.request("POST", "/api/v1/obs/scene", Some(serde_json::json!({"name": "Nope"}))).status, 404);
    // A scene renamed in OBS: the box follows it. OBS 30+ gives UUIDs, so a client that holds one
    // still switches to it by that; OBS 29 gives none (null), and names are all there is.
    let sc = d.get("/api/v1/obs/scenes");
    let at = sc["scenes"].as_array().unwrap().iter().position(|s| s == "Second").unwrap();
    let uuid = sc["uuids"][at].clone();
    assert_eq!(d.get("/api/v1/status")["obs"]["scene_uuid"], uuid, "{sc}");
    assert_eq!(uuid.is_null(), version == "29.", "UUIDs from OBS 30 on: {sc}");
    rename_scene_in_obs(port, "obs-secret-pw", "Second", "Second (renamed)");
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["obs"]["scene"] == "Second (renamed)"), "{}", d.get("/api/v1/status")["obs"]);
    let sc = d.get("/api/v1/obs/scenes");
    assert!(sc["scenes"].as_array().unwrap().iter().all(|s| s != "Second") && sc["uuids"][at] == uuid, "{sc}");
    if let Some(u) = uuid.as_str() {
        d.post("/api/v1/obs/scene", serde_json::json!({"name": "Scene"}));
        d.post("/api/v1/obs/scene", serde_json::json!({"uuid": u}));
        assert_eq!(d.get("/api/v1/obs/scenes")["current"], "Second (renamed)");
    }
    rename_scene_in_obs(port, "obs-secret-pw", "Second (renamed)", "Second");
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["obs"]["scene"] == "Second"));
    // Profiles and scene collections, switched from the box and seen in OBS (its own answer).
    assert_eq!(d.get("/api/v1/status")["obs"]["profile"], "onair");
    let p = d.get("/api/v1/obs/profiles");
    assert!(p["current"] == "onair" && p["profiles"].as_array().unwrap().iter().any(|x| x == "backup"), "{p}");
    d.post("/api/v1/obs/profile", serde_json::json!({"name": "backup"}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/obs/profiles")["current"] == "backup"), "{}", d.get("/api/v1/obs/profiles"));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["obs"]["profile"] == "backup"), "the box noticed the switch");
    d.post("/api/v1/obs/profile", serde_json::json!({"name": "onair"}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/obs/profiles")["current"] == "onair"));
    assert_eq!(d.request("POST", "/api/v1/obs/profile", Some(serde_json::json!({"name": "nope"}))).body["error"]["code"], "no_such_profile");
    let c = d.get("/api/v1/obs/collections");
    assert!(c["current"] == "onair" && c["collections"].as_array().unwrap().iter().any(|x| x == "other"), "{c}");
    // While OBS loads a collection it answers other requests "not ready" (207): the box asks
    // again until it is, so a request sent meanwhile completes (obws 0.11 could not read 207: such
    // a request hung for 5 s, then 504 obs_timeout).
    let switch = {
        let (url, cookie) = (d.url("/api/v1/obs/collection"), d.cookie().unwrap());
        std::thread::spawn(move || {
            let t = std::time::Instant::now();
            let r = ureq::post(&url)
                .timeout(Duration::from_secs(60))
                .set("Cookie", &cookie)
                .set("X-Requested-With", "onair")
                .set("Content-Type", "application/json")
                .send_string(r#"{"name": "other"}"#);
            (
                r.map(|r| r.status()).unwrap_or_else(|e| match e {
                    ureq::Error::Status(s, _) => s,
                    e => panic!("{e}"),
                }),
                t.elapsed(),
            )
        })
    };
    let mut during = vec![];
    while !switch.is_finished() {
        let t = std::time::Instant::now();
        let r = d.request("GET", "/api/v1/obs/scenes", None);
        let done = switch.is_finished();
        during.push((r.status, t.elapsed(), done, r.text));
    }
    let (switched, took) = switch.join().unwrap();
    assert_eq!(switched, 200, "the switch itself");
    let not_ready = std::fs::read_to_string(&d.log).unwrap_or_default().matches("OBS is not ready").count();
    eprintln!(
        "OBS {version}: collection switch {took:?}; {} scene lists asked meanwhile, slowest {:?}; the box saw 'not ready' {not_ready} times",
        during.len(),
        during.iter().map(|r| r.1).max()
    );
    assert!(during.iter().any(|r| !r.2), "a request went while the switch ran");
    for (status, _, _, text) in &during {
        assert_eq!(*status, 200, "a request during the switch: {text}");
    }
    assert!(
        wait_until(Duration::from_secs(20), || d.get("/api/v1/obs/scenes")["scenes"].as_array().is_some_and(|a| a.iter().any(|x| x == "Other"))),
        "{}",
        d.get("/api/v1/obs/scenes")
    );
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["obs"]["collection"] == "other"));
    d.post("/api/v1/obs/collection", serde_json::json!({"name": "onair"}));
    assert!(
        wait_until(Duration::from_secs(20), || d.get("/api/v1/obs/scenes")["scenes"].as_array().is_some_and(|a| a.iter().any(|x| x == "Scene"))),
        "{}",
        d.get("/api/v1/obs/scenes")
    );
    d.post("/api/v1/obs/scene", serde_json::json!({"name": "Scene"}));
    // The current scene's sources: hidden and shown from the box, as OBS reports them.
    let items = d.get("/api/v1/obs/scene-items");
    let bars = items.as_array().unwrap().iter().find(|i| i["name"] == "Bars").unwrap_or_else(|| panic!("{items}")).clone();
    assert_eq!(bars["enabled"], true);
    let path = format!("/api/v1/obs/scene-items/{}", bars["id"]);
    d.post(&path, serde_json::json!({"enabled": false}));
    let hidden = d.get("/api/v1/obs/scene-items");
    assert_eq!(hidden.as_array().unwrap().iter().find(|i| i["id"] == bars["id"]).unwrap()["enabled"], false, "{hidden}");
    d.post(&path, serde_json::json!({"enabled": true}));
    assert_eq!(d.request("POST", "/api/v1/obs/scene-items/999999", Some(serde_json::json!({"enabled": true}))).status, 404);
    // Audio: the media source's mute and fader.
    let inputs = d.get("/api/v1/obs/inputs");
    assert!(inputs.as_array().unwrap().iter().any(|i| i["name"] == "Music"), "{inputs}");
    assert!(inputs.as_array().unwrap().iter().all(|i| i["name"] != "Bars"), "a colour source has no audio: {inputs}");
    // Its meter moves while the tone plays, and falls silent once it is muted.
    let music = |d: &mut Daemon| d.get("/api/v1/obs/inputs").as_array().unwrap().iter().find(|i| i["name"] == "Music").cloned().unwrap();
    assert!(wait_until(Duration::from_secs(15), || music(&mut d)["level_db"].as_f64().is_some_and(|l| l > -40.0)), "{}", music(&mut d));
    assert_eq!(d.get("/api/v1/status")["obs"]["silent_s"], 0, "sound is playing");
    d.post("/api/v1/obs/inputs/Music", serde_json::json!({"muted": true, "volume_db": -12.0}));
    assert!(wait_until(Duration::from_secs(5), || music(&mut d)["level_db"].as_f64().is_some_and(|l| l <= -60.0)), "{}", music(&mut d));
    assert!(wait_until(Duration::from_secs(5), || d.get("/api/v1/status")["obs"]["silent_s"].as_u64().is_some_and(|s| s >= 2)));
    let m = d.get("/api/v1/obs/inputs").as_array().unwrap().iter().find(|i| i["name"] == "Music").unwrap().clone();
    assert!(m["muted"] == true && (m["volume_db"].as_f64().unwrap() + 12.0).abs() < 0.1, "{m}");
    assert_eq!(d.request("POST", "/api/v1/obs/inputs/Music", Some(serde_json::json!({"volume_db": 40.0}))).status, 422);
    // The replay buffer is off in this OBS: said so, not a failure of the box.
    let r = d.request("POST", "/api/v1/obs/replay/save", None);
    assert!(r.status == 422 && r.text.contains("replay buffer"), "{} {}", r.status, r.text);
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
    obs = start_obs(&place, &home_in, home, &display, &[]);
    assert!(wait_until(Duration::from_secs(40), || d.get("/api/v1/status")["obs"]["connected"] == true), "{}", obs_log());
    // Go Live starts OBS's stream, then the destinations; Stop ends both. With the tone muted, the
    // show's silence is said within the alert's 3 s.
    d.request("PUT", "/api/v1/settings", Some(serde_json::json!({"silence_alert_s": 3})));
    d.post("/api/v1/obs/inputs/Music", serde_json::json!({"muted": true}));
    let n = Nginx::start();
    let id = d.add_destination("n", &n.url(), "sk_obs_bridge_01");
    d.post("/api/v1/obs/setup-stream", serde_json::json!({}));
    let r = d.request("POST", "/api/v1/live/start", Some(serde_json::json!({})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(wait_until(Duration::from_secs(15), || d.destination_status(id)["state"] == "live"));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/alerts").to_string().contains("program audio silent")), "{}", d.get("/api/v1/alerts"));
    d.post("/api/v1/live/stop", serde_json::json!({}));
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/ingest")["connected"] == false), "Stop also stops OBS's stream");
    drop(obs);
}
