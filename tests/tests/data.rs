//! The box's data against damage and a full card: a corrupt or cut-short `onair.db` is replaced by
//! the newest backup (and says so), a full data partition (a real loop-mounted ext4) does not lock
//! the owner out, one daemon per data dir, and authentication writes nothing.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use onair_e2e::{onaird_bin, wait_until, Daemon, PASSWORD};
use serde_json::{json, Value};

const KEY: &str = "live_sealed_before_the_damage_9f3k";

fn bearer(d: &Daemon, token: &str, path: &str) -> (u16, Value) {
    match ureq::get(&d.url(path)).set("Authorization", &format!("Bearer {token}")).timeout(Duration::from_secs(10)).call() {
        Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(s, r)) => (s, r.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("GET {path}: {e}"),
    }
}

/// A fresh login over HTTP: the status and the session cookie it set.
fn login(d: &Daemon) -> (u16, Option<String>) {
    let r = match ureq::post(&d.url("/api/v1/login")).send_json(json!({"password": PASSWORD})) {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("login: {e}"),
    };
    let cookie = r.header("set-cookie").and_then(|c| c.split(';').next()).map(str::to_string);
    (r.status(), cookie)
}

fn with_cookie(d: &Daemon, cookie: &str, path: &str) -> u16 {
    match ureq::get(&d.url(path)).set("Cookie", cookie).call() {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(s, _)) => s,
        Err(e) => panic!("GET {path}: {e}"),
    }
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect()
}

fn alerts_text(d: &Daemon, token: &str) -> String {
    bearer(d, token, "/api/v1/alerts").1.to_string()
}

fn damage(db: &Path, how: &str) {
    let mut b = std::fs::read(db).unwrap();
    assert!(b.len() >= 4 * 4096, "{how}: the database is only {} bytes", b.len());
    match how {
        // Everything after SQLite's 100-byte header overwritten: what a dying card returns.
        "corrupt" => b[100..].iter_mut().for_each(|x| *x = 0xa5),
        // Cut at a page boundary, as a lost write at the end of the file leaves it.
        "truncated" => b.truncate(b.len() / 2 / 4096 * 4096),
        _ => unreachable!(),
    }
    std::fs::write(db, b).unwrap();
}

/// Rows enough for a database of many pages, so that damage lands inside the tables.
fn fill_db(d: &mut Daemon) {
    for i in 0..150 {
        d.post("/api/v1/destinations", json!({"name": format!("filler {i} {}", "x".repeat(85)), "platform": "custom", "url": "rtmp://127.0.0.1:1/app", "stream_key": "k", "enabled": false}));
    }
}

fn backups(data: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data.join("backups")).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "db"));
    v
}

#[test]
fn a_corrupt_or_truncated_database_is_restored_from_the_last_backup() {
    for how in ["corrupt", "truncated"] {
        let mut d = Daemon::start();
        let data = d.data_dir();
        let id = d.add_destination("Kept", "rtmp://127.0.0.1:1/app", KEY);
        let token = d.post("/api/v1/tokens", json!({"name": "ci"}))["token"].as_str().unwrap().to_string();
        fill_db(&mut d);
        assert!(d.terminate().success());
        // The clean shutdown wrote a backup generation.
        assert!(!backups(&data).is_empty(), "{how}: no backup after a clean shutdown");
        let secret = std::fs::read(data.join("secret.key")).unwrap();
        // Written after the last backup and lost with the damage: proves the restore is the backup.
        d.launch();
        d.add_destination("After the backup", "rtmp://127.0.0.1:1/app", "k2");
        d.kill();
        let newest = backups(&data).into_iter().max().unwrap();
        let lost_one_exists = names(&serde_json::to_value(onair::store::Store::open(&data).unwrap().list_destinations().unwrap()).unwrap())
            .contains(&"After the backup".to_string());
        assert!(lost_one_exists);
        damage(&data.join("onair.db"), how);

        d.launch();
        let session = d.get("/api/v1/session");
        let rec = &session["recovery"];
        assert_eq!(rec["outcome"], "restored", "{how}: {session}");
        let restored_from = rec["restored_from"].as_str().unwrap();
        assert_eq!(data.join(restored_from), newest, "{how}: not the newest backup: {rec}");
        assert!(rec["reason"].as_str().is_some_and(|r| !r.is_empty()) && rec["backup_at"].is_string(), "{how}: {rec}");
        // The damaged file is kept, in a directory named with the time.
        let moved = data.join(rec["moved_to"].as_str().unwrap());
        assert!(moved.file_name().unwrap().to_string_lossy().starts_with("corrupt-2"), "{how}: {rec}");
        assert!(moved.join("onair.db").exists(), "{how}: the damaged database was not kept");
        let status = d.get("/api/v1/status");
        assert_eq!(status["recovery"], *rec, "{how}: the status does not say it");
        let (code, dests) = bearer(&d, &token, "/api/v1/destinations");
        assert_eq!(code, 200, "{how}: the API token from the backup is refused");
        let n = names(&dests);
        assert!(n.contains(&"Kept".to_string()), "{how}: {n:?}");
        assert!(!n.contains(&"After the backup".to_string()), "{how}: {n:?}");
        assert!(alerts_text(&d, &token).contains("database was damaged"), "{how}: no alert");
        assert!(d.terminate().success());
        // Same secret.key, and the key sealed before the damage still opens.
        assert_eq!(std::fs::read(data.join("secret.key")).unwrap(), secret, "{how}: secret.key changed");
        assert_eq!(onair::store::Store::open(&data).unwrap().stream_key(id).unwrap(), KEY, "{how}");
        // The next start opens cleanly: the recovery state is gone.
        d.launch();
        assert_eq!(d.get("/api/v1/session")["recovery"], Value::Null);
    }
}

#[test]
fn a_damaged_database_without_a_backup_starts_fresh_and_says_so() {
    let mut d = Daemon::start();
    let data = d.data_dir();
    fill_db(&mut d);
    assert!(d.terminate().success());
    std::fs::remove_dir_all(data.join("backups")).unwrap();
    damage(&data.join("onair.db"), "corrupt");
    // Starts (it would exit 1 on every boot before), in the recovery state.
    d.launch();
    let rec = d.get("/api/v1/status")["recovery"].clone();
    assert_eq!(rec["outcome"], "fresh", "{rec}");
    assert_eq!(rec["restored_from"], Value::Null);
    assert!(d.get("/api/v1/destinations").as_array().unwrap().is_empty());
    assert!(data.join(rec["moved_to"].as_str().unwrap()).join("onair.db").exists());
}

/// A small ext4 on a loop device, mounted on the daemon's data dir; unmounted (lazily) on drop.
struct LoopFs {
    mnt: PathBuf,
}

impl LoopFs {
    fn mount(image: &Path, mnt: &Path, size: &str) -> Option<LoopFs> {
        let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
        if !Command::new("losetup").arg("-f").output().is_ok_and(|o| o.status.success()) {
            return None;
        }
        assert!(ok(Command::new("truncate").args(["-s", size]).arg(image)));
        assert!(ok(Command::new("mkfs.ext4").args(["-q", "-F"]).arg(image)), "mkfs.ext4");
        std::fs::create_dir_all(mnt).unwrap();
        assert!(ok(Command::new("mount").args(["-o", "loop"]).arg(image).arg(mnt)), "mount -o loop");
        Some(LoopFs { mnt: mnt.to_path_buf() })
    }

    /// Writes until the file system has no block left (as root, the reserved blocks too).
    fn fill(&self) {
        let n = std::fs::read_dir(&self.mnt).unwrap().count();
        for bs in ["1M", "4k", "1k"] {
            let _ = Command::new("dd")
                .args(["if=/dev/zero", &format!("bs={bs}")])
                .arg(format!("of={}", self.mnt.join(format!("fill-{n}-{bs}")).display()))
                .output();
        }
        let _ = Command::new("sync").status();
    }

    fn free_space(&self) {
        for e in std::fs::read_dir(&self.mnt).unwrap().flatten() {
            if e.file_name().to_string_lossy().starts_with("fill-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let _ = Command::new("sync").status();
    }
}

impl Drop for LoopFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
    }
}

#[test]
fn with_the_data_partition_full_login_and_tokens_work_and_nothing_committed_is_lost() {
    let mut d = Daemon::prepare(&[], &[]);
    let image = d.dir.path().join("data.img");
    let Some(fs) = LoopFs::mount(&image, &d.data_dir(), "24M") else {
        eprintln!("skip - full data partition: no loop devices on this machine (losetup -f fails)");
        return;
    };
    d.launch();
    let token = d.post("/api/v1/tokens", json!({"name": "ci"}))["token"].as_str().unwrap().to_string();
    d.add_destination("Committed before", "rtmp://127.0.0.1:1/app", KEY);
    assert_eq!(d.get("/api/v1/status")["disk_full"], false);
    assert!(!alerts_text(&d, &token).contains("full"));

    fs.fill();
    assert!(wait_until(Duration::from_secs(20), || alerts_text(&d, &token).contains("data disk is full")), "no disk-full alert: {}", alerts_text(&d, &token));
    assert_eq!(bearer(&d, &token, "/api/v1/status").1["disk_full"], true);
    // The token still authenticates, many times over.
    for _ in 0..20 {
        let (code, dests) = bearer(&d, &token, "/api/v1/destinations");
        assert_eq!(code, 200);
        assert!(names(&dests).contains(&"Committed before".to_string()));
    }
    // A new login works, and its session is good for the API.
    let (code, cookie) = login(&d);
    assert_eq!(code, 200, "login on a full disk");
    let during = cookie.expect("a session cookie");
    assert_eq!(with_cookie(&d, &during, "/api/v1/status"), 200);
    // A change either fits in space SQLite already holds or is refused in the SPEC's shape; never a 500.
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "During", "platform": "custom", "url": "rtmp://127.0.0.1:1/app", "stream_key": "k", "enabled": true})),
    );
    assert!(r.status == 201 || (r.status == 503 && r.body["error"]["code"] == "disk_full"), "{} {}", r.status, r.text);
    let during_saved = r.status == 201;

    // A restart on the full disk: the box comes up (the harness logs in), with its data.
    assert!(d.terminate().success());
    d.launch();
    let (code, dests) = bearer(&d, &token, "/api/v1/destinations");
    assert_eq!(code, 200, "the token after a restart on the full disk");
    assert!(names(&dests).contains(&"Committed before".to_string()));
    // (A session made on the full disk lives in memory until the disk takes it: this restart
    // came first, so it is gone; the harness's fresh login above is the one that counts.)
    let (code, after_restart) = login(&d);
    assert_eq!(code, 200);
    let after_restart = after_restart.unwrap();
    assert_eq!(d.get("/api/v1/session")["recovery"], Value::Null, "a full disk is not a damaged database");
    // The clean stop gave back what the WAL held: fill that too.
    fs.fill();
    assert!(wait_until(Duration::from_secs(20), || bearer(&d, &token, "/api/v1/status").1["disk_full"] == true), "disk_full after the restart");

    fs.free_space();
    assert!(wait_until(Duration::from_secs(20), || alerts_text(&d, &token).contains("takes writes again")), "no all-clear alert: {}", alerts_text(&d, &token));
    assert_eq!(bearer(&d, &token, "/api/v1/status").1["disk_full"], false);
    // Restarted with space: what was committed is there, the session made on the full disk too,
    // and the disk-full alert was kept.
    assert!(d.terminate().success());
    d.launch();
    let (code, dests) = bearer(&d, &token, "/api/v1/destinations");
    assert_eq!(code, 200);
    let n = names(&dests);
    assert!(n.contains(&"Committed before".to_string()), "{n:?}");
    assert_eq!(n.contains(&"During".to_string()), during_saved, "{n:?}");
    assert_eq!(with_cookie(&d, &after_restart, "/api/v1/status"), 200, "the login made on the full disk was not kept");
    assert!(alerts_text(&d, &token).contains("data disk is full"));
    assert_eq!(d.get("/api/v1/session")["recovery"], Value::Null);
}

#[test]
fn a_second_daemon_on_the_same_data_dir_is_refused() {
    let mut d = Daemon::start();
    let out = Command::new(onaird_bin())
        .arg("--data-dir")
        .arg(d.data_dir())
        .args(["--http", "127.0.0.1:0", "--rtmp", "127.0.0.1:0", "--hw", "sim", "--mdns", "off"])
        .env("ONAIR_ADMIN_PASSWORD", "another-password-456")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a second onaird ran: {err}");
    assert!(err.contains("already using the data dir") && err.contains(&d.pid().to_string()), "{err}");
    // The first one is untouched.
    assert_eq!(d.request("GET", "/api/v1/status", None).status, 200);
    d.login();
}

#[test]
fn authentication_writes_nothing() {
    // The token's last use is written on the minute clock; here once an hour, so that only the
    // requests themselves could write in the window measured.
    let mut d = Daemon::start_full(&[], &[("ONAIR_TOUCH_EVERY_S", "3600")]);
    let data = d.data_dir();
    let token = d.post("/api/v1/tokens", json!({"name": "ci"}))["token"].as_str().unwrap().to_string();
    let cookie = d.cookie().unwrap();
    // Let the start-up writes (alerts, the first storage check) settle.
    std::thread::sleep(Duration::from_secs(6));
    let files = |data: &Path| -> Vec<(u64, std::time::SystemTime)> {
        ["onair.db", "onair.db-wal"]
            .iter()
            .map(|f| std::fs::metadata(data.join(f)).map(|m| (m.len(), m.modified().unwrap())).unwrap_or((0, std::time::UNIX_EPOCH)))
            .collect()
    };
    let before = files(&data);
    let t0 = Instant::now();
    for _ in 0..100 {
        assert_eq!(bearer(&d, &token, "/api/v1/destinations").0, 200);
        assert_eq!(with_cookie(&d, &cookie, "/api/v1/destinations"), 200);
    }
    assert_eq!(bearer(&d, "onair_forged", "/api/v1/destinations").0, 401);
    assert_eq!(files(&data), before, "200 authenticated requests in {:?} wrote to the database", t0.elapsed());
    // The use is still recorded: listed at once, written at shutdown.
    let listed = d.get("/api/v1/tokens");
    assert!(listed[0]["last_used_at"].is_i64(), "{listed}");
    assert!(d.terminate().success());
    let stored = onair::store::Store::open(&data).unwrap().list_api_tokens().unwrap();
    assert!(stored[0].last_used_at.is_some(), "last_used_at never reached the disk");
}

#[test]
fn on_a_read_only_data_partition_the_box_starts_and_serves_what_it_has() {
    let mut d = Daemon::prepare(&[], &[]);
    let image = d.dir.path().join("data.img");
    let Some(fs) = LoopFs::mount(&image, &d.data_dir(), "24M") else {
        eprintln!("skip - read-only data partition: no loop devices on this machine (losetup -f fails)");
        return;
    };
    d.launch();
    let token = d.post("/api/v1/tokens", json!({"name": "ci"}))["token"].as_str().unwrap().to_string();
    d.add_destination("Committed before", "rtmp://127.0.0.1:1/app", KEY);
    assert!(d.terminate().success());
    // What the kernel does to a card after I/O errors.
    assert!(Command::new("mount").args(["-o", "remount,ro"]).arg(&fs.mnt).status().unwrap().success());
    d.launch();
    let (code, dests) = bearer(&d, &token, "/api/v1/destinations");
    assert_eq!(code, 200);
    assert!(names(&dests).contains(&"Committed before".to_string()));
    let rec = d.get("/api/v1/session")["recovery"].clone();
    assert_eq!(rec["outcome"], "read_only", "{rec}");
    assert!(wait_until(Duration::from_secs(15), || bearer(&d, &token, "/api/v1/status").1["disk_full"] == true), "disk_full never said");
    let r = d.request(
        "POST",
        "/api/v1/destinations",
        Some(json!({"name": "During", "platform": "custom", "url": "rtmp://127.0.0.1:1/app", "stream_key": "k", "enabled": true})),
    );
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (503, Some("disk_full")), "{}", r.text);
    assert!(alerts_text(&d, &token).contains("cannot be written"), "{}", alerts_text(&d, &token));
    d.kill();
    assert!(Command::new("mount").args(["-o", "remount,rw"]).arg(&fs.mnt).status().unwrap().success());
    d.launch();
    assert_eq!(d.get("/api/v1/session")["recovery"], Value::Null);
    assert!(names(&d.get("/api/v1/destinations")).contains(&"Committed before".to_string()));
}

/// An older onaird given a database a newer one wrote (an update rolled back, a data card moved to
/// an older box): it does not start, says why, and leaves the database byte for byte as it was —
/// no backup restored over it, nothing moved aside.
#[test]
fn an_older_onaird_refuses_a_newer_database_and_leaves_it_as_it_is() {
    let mut d = Daemon::start();
    let data = d.data_dir();
    d.add_destination("Kept", "rtmp://127.0.0.1:1/app", KEY);
    assert!(d.terminate().success());
    let db = data.join("onair.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        c.pragma_update(None, "user_version", v + 5).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let backups_before = backups(&data);
    let out = std::process::Command::new(onaird_bin())
        .args(["--data-dir"])
        .arg(&data)
        .args([
            "--http",
            &format!("127.0.0.1:{}", onair_e2e::free_port()),
            "--rtmp",
            &format!("127.0.0.1:{}", onair_e2e::free_port()),
            "--srt",
            "off",
            "--mdns",
            "off",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "onaird started on a newer database: {err}");
    assert!(err.contains("written by a newer onaird") && err.contains("schema version"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database is untouched");
    assert_eq!(backups(&data), backups_before, "no backup made or restored");
    assert!(!std::fs::read_dir(&data).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains("damaged")), "nothing moved aside");
}

/// The owner's settings backup, restored on a fresh box: refused with a wrong passphrase or a damaged
/// file (nothing changes), then taken: the box restarts onto it and relays to the restored
/// destination with its restored key.
#[test]
fn a_settings_backup_restored_on_a_fresh_box_keeps_destinations_and_their_keys_working() {
    let clip = onair_e2e::clip(10, 640, 360, 30);
    let mut n = onair_e2e::Nginx::start();
    let mut a = Daemon::start();
    a.add_destination("Restored", &n.url(), "sk_backup_restore_0001");
    a.post("/api/v1/profiles", json!({"name": "Weekly", "destination_ids": []}));
    let weak = a.request("POST", "/api/v1/system/backup", Some(json!({"passphrase": "short"})));
    assert_eq!((weak.status, weak.body["error"]["code"].as_str()), (422, Some("weak_passphrase")), "{}", weak.text);
    let file = a.dir.path().join("settings.onairbackup");
    let out = std::process::Command::new("curl")
        .args(["-s", "-o"])
        .arg(&file)
        .args(["-w", "%{http_code}", "-H", "Content-Type: application/json", "-H", "X-Requested-With: onair", "-b", &a.cookie().unwrap()])
        .args(["--data", r#"{"passphrase": "correct horse battery"}"#])
        .arg(a.url("/api/v1/system/backup"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"ONAIRBK1") && !bytes.windows(22).any(|w| w == b"sk_backup_restore_0001"), "the key is not in the file in the clear");

    let mut b = Daemon::start();
    let upload = |b: &Daemon, file: &std::path::Path, pass: &str| -> (String, String) {
        let out = std::process::Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}", "-H", "X-Requested-With: onair", "-b", &b.cookie().unwrap()])
            .arg("-F")
            .arg(format!("file=@{}", file.display()))
            .arg("-F")
            .arg(format!("passphrase={pass}"))
            .arg(b.url("/api/v1/system/restore"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap();
        (code.to_string(), body.to_string())
    };
    let (code, body) = upload(&b, &file, "wrong horse battery");
    assert_eq!(code, "422", "{body}");
    assert!(body.contains("wrong_passphrase"), "{body}");
    let mut damaged = bytes.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x40;
    let bad = b.dir.path().join("damaged.onairbackup");
    std::fs::write(&bad, &damaged).unwrap();
    let (code, body) = upload(&b, &bad, "correct horse battery");
    assert_eq!(code, "422", "{body}");
    std::fs::write(&bad, b"not a backup at all").unwrap();
    let (code, body) = upload(&b, &bad, "correct horse battery");
    assert!(code == "422" && body.contains("not_a_backup"), "{code} {body}");
    assert_eq!(b.get("/api/v1/destinations").as_array().unwrap().len(), 0, "refusals change nothing");

    let (code, body) = upload(&b, &file, "correct horse battery");
    assert_eq!(code, "202", "{body}");
    // The box restarts onto the backup (same process, same ports) and its sessions are gone.
    std::thread::sleep(Duration::from_secs(1));
    assert!(wait_until(Duration::from_secs(20), || std::net::TcpStream::connect(("127.0.0.1", b.http)).is_ok()));
    b.login();
    let dests = b.get("/api/v1/destinations");
    assert_eq!(dests[0]["name"], "Restored", "{dests}");
    assert_eq!(dests[0]["stream_key_set"], true, "{dests}");
    assert_eq!(b.get("/api/v1/profiles")[0]["name"], "Weekly");
    let _ff = b.go_live_with(&clip);
    let id = dests[0]["id"].as_i64().unwrap();
    assert!(wait_until(Duration::from_secs(15), || b.destination_status(id)["state"] == "live"), "{}", b.destination_status(id));
    std::thread::sleep(Duration::from_secs(3));
    b.post("/api/v1/live/stop", json!({}));
    n.stop();
    let recs = n.recordings();
    assert!(recs.iter().any(|r| r.to_string_lossy().contains("sk_backup_restore_0001")), "the restored key reached the platform: {recs:?}");
}
