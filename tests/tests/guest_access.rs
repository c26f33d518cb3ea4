//! Guests' media is private: view pages, the grid and WHEP need a view token; viewers are capped
//! per guest and in total; revoking an invite ends its guest's session. No browser: the guests
//! here are real WHIP sessions negotiated from a hand-written offer (its ICE never connects, so
//! each stays "connecting" and WHEP offers for it wait for media, holding their place in the caps).
use std::time::{Duration, Instant};

use onair_e2e::Daemon;
use serde_json::Value;

fn anon(d: &Daemon, method: &str, path: &str, body: Option<&str>, ctype: Option<&str>) -> (u16, String) {
    let mut req = ureq::request(method, &d.url(path)).timeout(Duration::from_secs(30));
    if let Some(ct) = ctype {
        req = req.set("Content-Type", ct);
    }
    let res = match body {
        Some(b) => req.send_string(b),
        None => req.call(),
    };
    match res {
        Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
        Err(ureq::Error::Status(s, r)) => (s, r.into_string().unwrap_or_default()),
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

fn code(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("not the error shape: {text}"))
}

/// A browser-like offer: `dir` is "sendonly" (a guest publishing) or "recvonly" (a viewer).
fn offer(dir: &str) -> String {
    let fp: Vec<String> = (0..32).map(|i| format!("{:02X}", (i * 7 + 3) % 256)).collect();
    let common = format!(
        "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:e2eu\r\na=ice-pwd:e2epasswordpasswordpass\r\na=fingerprint:sha-256 {}\r\na=setup:actpass\r\n",
        fp.join(":")
    );
    format!(
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=msid-semantic: WMS s\r\n\
         m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n{common}a=mid:0\r\na={dir}\r\na=msid:s a\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:1111 cname:e2e\r\n\
         m=video 9 UDP/TLS/RTP/SAVPF 96\r\n{common}a=mid:1\r\na={dir}\r\na=msid:s v\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=ssrc:2222 cname:e2e\r\n"
    )
}

/// A WHIP session on `token`; returns the guest id (from the `Location` header).
fn publish(d: &Daemon, token: &str, name: &str) -> String {
    let r = ureq::post(&d.url(&format!("/whip/{token}")))
        .set("Content-Type", "application/sdp")
        .set("X-Guest-Name", name)
        .timeout(Duration::from_secs(30))
        .send_string(&offer("sendonly"));
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(s, r)) => panic!("WHIP {s}: {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("WHIP: {e}"),
    };
    assert_eq!(r.status(), 201);
    r.header("Location").unwrap().rsplit('/').next().unwrap().to_string()
}

#[test]
fn guest_views_need_their_token_and_view_links_need_the_owner() {
    let mut d = Daemon::start();
    let sdp = Some("application/sdp");
    let v = offer("recvonly");
    // Nothing opens without a token, or with a wrong one, whether or not the guest exists.
    for k in ["", "?k=", "?k=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "?k=%ff%fe"] {
        for page in [format!("/guest/nobody/view{k}"), format!("/guests/grid/view{k}")] {
            let (s, text) = anon(&d, "GET", &page, None, None);
            assert_eq!(s, 401, "{page}: {text}");
            assert!(text.contains("data-testid=refusal") && text.contains("not valid"), "{page}: a short refusal page, got {text}");
            assert!(!text.contains("RTCPeerConnection"), "{page}: no player without a token");
        }
        for (m, path, body) in [
            ("GET", format!("/guests/grid/list{k}"), None),
            ("POST", format!("/whep/guests/nobody{k}"), Some(v.as_str())),
            ("DELETE", format!("/whep/guests/nobody/x{k}"), None),
        ] {
            let (s, text) = anon(&d, m, &path, body, sdp);
            assert_eq!((s, code(&text)), (401, "unauthorized".to_string()), "{m} {path}: {text}");
        }
    }
    // The view links are the owner's.
    let (s, text) = anon(&d, "GET", "/api/v1/guests/view-links", None, None);
    assert_eq!((s, code(&text)), (401, "unauthorized".to_string()), "{text}");
    let (s, _) = anon(&d, "POST", "/api/v1/guests/view-links/rotate", None, None);
    assert_eq!(s, 401);

    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Ana", "max_uses": 5}));
    let token = inv["token"].as_str().unwrap().to_string();
    let ana = publish(&d, &token, "Ana");
    let bia = publish(&d, &token, "Bia");
    let links = d.get("/api/v1/guests/view-links");
    let grid = links["grid"]["token"].as_str().unwrap().to_string();
    assert!(links["grid"]["url"].as_str().unwrap().ends_with(&format!("/guests/grid/view?k={grid}")), "{links}");
    let gk = |id: &str| {
        links["guests"].as_array().unwrap().iter().find(|g| g["id"] == id).map(|g| g["token"].as_str().unwrap().to_string()).expect("a link per guest")
    };
    let (ka, kb) = (gk(&ana), gk(&bia));
    let ana_url = links["guests"].as_array().unwrap().iter().find(|g| g["id"] == ana.as_str()).unwrap()["url"].as_str().unwrap().to_string();
    assert!(ana_url.ends_with(&format!("/guest/{ana}/view?k={ka}")), "{ana_url}");

    // With its token the page plays (it is the player, and it passes k on to WHEP).
    let (s, page) = anon(&d, "GET", &format!("/guest/{ana}/view?k={ka}"), None, None);
    assert_eq!(s, 200);
    assert!(page.contains("RTCPeerConnection") && page.contains("/whep/guests/${id}?k="), "the player passes its token on");
    // The box's token opens every guest and the grid; a guest's token opens only that guest.
    assert_eq!(anon(&d, "GET", &format!("/guest/{bia}/view?k={grid}"), None, None).0, 200);
    assert_eq!(anon(&d, "GET", &format!("/guest/{bia}/view?k={ka}"), None, None).0, 401, "Ana's token does not open Bia");
    assert_eq!(anon(&d, "GET", &format!("/guests/grid/view?k={ka}"), None, None).0, 401, "a guest's token does not open the grid");
    let (s, gpage) = anon(&d, "GET", &format!("/guests/grid/view?k={grid}"), None, None);
    assert_eq!(s, 200);
    assert!(gpage.contains("/guests/grid/list?k="), "the grid passes its token on");
    let (s, list) = anon(&d, "GET", &format!("/guests/grid/list?k={grid}"), None, None);
    assert_eq!(s, 200, "{list}");
    assert_eq!(serde_json::from_str::<Value>(&list).unwrap(), serde_json::json!([]), "connecting guests (no media yet) are not on the grid");
    assert_eq!(anon(&d, "GET", &format!("/guests/grid/list?k={ka}"), None, None).0, 401);
    // WHEP with Bia's token on Ana: refused before anything else; with Ana's own token it gets as
    // far as her media (still connecting: 409 once the wait is over).
    let (s, text) = anon(&d, "POST", &format!("/whep/guests/{ana}?k={kb}"), Some(&v), sdp);
    assert_eq!((s, code(&text)), (401, "unauthorized".to_string()));
    let t0 = Instant::now();
    let (s, text) = anon(&d, "POST", &format!("/whep/guests/{ana}?k={ka}"), Some(&v), sdp);
    assert_eq!((s, code(&text)), (409, "no_media".to_string()), "{text} after {:?}", t0.elapsed());

    // A new generation voids every link given out.
    let fresh = d.post("/api/v1/guests/view-links/rotate", serde_json::json!({}));
    assert_ne!(fresh["grid"]["token"].as_str().unwrap(), grid);
    assert_eq!(anon(&d, "GET", &format!("/guests/grid/view?k={grid}"), None, None).0, 401);
    assert_eq!(anon(&d, "GET", &format!("/guest/{ana}/view?k={ka}"), None, None).0, 401);
    let k2 = fresh["grid"]["token"].as_str().unwrap();
    assert_eq!(anon(&d, "GET", &format!("/guests/grid/view?k={k2}"), None, None).0, 200);
}

#[test]
fn viewers_are_capped_per_guest_and_in_total_before_any_webrtcbin() {
    // The caps the daemon uses (daemon/src/guests/access.rs).
    const PER_GUEST: usize = 8;
    const TOTAL: usize = 32;
    let mut d = Daemon::start();
    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Panel", "max_uses": 10}));
    let token = inv["token"].as_str().unwrap().to_string();
    let ids: Vec<String> = (0..TOTAL / PER_GUEST + 1).map(|i| publish(&d, &token, &format!("G{i}"))).collect();
    let grid = d.get("/api/v1/guests/view-links")["grid"]["token"].as_str().unwrap().to_string();
    let threads = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("Threads:").map(|v| v.trim().parse::<usize>().unwrap()))
            .unwrap()
    };
    let before = threads(d.pid());
    let url = d.url("");
    let whep = move |id: String| {
        let url = url.clone();
        let k = grid.clone();
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let r = ureq::post(&format!("{url}/whep/guests/{id}?k={k}"))
                .set("Content-Type", "application/sdp")
                .timeout(Duration::from_secs(30))
                .send_string(&offer("recvonly"));
            let (s, text) = match r {
                Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
                Err(ureq::Error::Status(s, r)) => (s, r.into_string().unwrap_or_default()),
                Err(e) => (0, e.to_string()),
            };
            (s, code(&text), t0.elapsed())
        })
    };
    // Fill the first guests up to the per-guest cap: TOTAL offers in all, each waiting for media.
    let mut held = vec![];
    for id in &ids[..TOTAL / PER_GUEST] {
        for _ in 0..PER_GUEST {
            held.push(whep(id.clone()));
        }
    }
    // Wait until they are all in (the box counts an offer from its arrival).
    std::thread::sleep(Duration::from_secs(2));
    // One more on a full guest, and one on the last guest (the box is full): both 503 at once.
    let over_guest = whep(ids[0].clone()).join().unwrap();
    let over_total = whep(ids[TOTAL / PER_GUEST].clone()).join().unwrap();
    assert_eq!((over_guest.0, over_guest.1.as_str()), (503, "too_many_viewers"), "{over_guest:?}");
    assert_eq!((over_total.0, over_total.1.as_str()), (503, "too_many_viewers"), "{over_total:?}");
    assert!(over_guest.2 < Duration::from_secs(3) && over_total.2 < Duration::from_secs(3), "refused without waiting: {over_guest:?} {over_total:?}");
    let health = d.request("GET", "/api/v1/health", None);
    assert_eq!(health.status, 200, "the box answers while full");
    // No webrtcbin was built for any of them (a webrtcbin starts threads of its own).
    assert!(threads(d.pid()) <= before + 2, "threads {before} → {}", threads(d.pid()));
    // The held ones end as the connecting guests never send media: 409, and their places free up.
    let results: Vec<_> = held.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(results.iter().all(|r| r.0 == 409 && r.1 == "no_media"), "{results:?}");
    // Places are free again: an offer waits (409 after the wait), it is not turned away. (On a new
    // guest: a guest whose media never flows is dropped 20 s after it joined.)
    let fresh = publish(&d, &token, "Late");
    let again = whep(fresh).join().unwrap();
    assert_eq!((again.0, again.1.as_str()), (409, "no_media"), "{again:?}");
}

#[test]
fn revoking_an_invite_ends_its_guests_sessions() {
    let mut d = Daemon::start();
    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Ana", "max_uses": 3}));
    let other = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Bia", "max_uses": 1}));
    let token = inv["token"].as_str().unwrap().to_string();
    let ana = publish(&d, &token, "Ana");
    let bia = publish(&d, other["token"].as_str().unwrap(), "Bia");
    let ids = |d: &mut Daemon| d.get("/api/v1/guests").as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(ids(&mut d).contains(&ana));
    let r = d.request("DELETE", &format!("/api/v1/guests/invites/{}", inv["id"].as_str().unwrap()), None);
    assert_eq!(r.status, 204, "{}", r.text);
    // At once (a guest with no media would otherwise go only after 20 s), and only that invite's.
    assert_eq!(ids(&mut d), vec![bia.clone()]);
    // The guest's page hears it on its next report: the invite was revoked.
    let (s, text) = anon(&d, "POST", &format!("/whip/{token}/{ana}/stats"), Some("{}"), Some("application/json"));
    assert_eq!((s, code(&text)), (403, "invite_refused".to_string()), "{text}");
    assert!(text.contains("revoked"), "{text}");
    assert!(d.log_text().contains("invite revoked: guest session ended"));
    assert_eq!(d.request("DELETE", &format!("/api/v1/guests/invites/{}", inv["id"].as_str().unwrap()), None).status, 204, "revoking again is harmless");
}

#[test]
fn a_guests_tokens_for_the_others_end_with_its_session() {
    let mut d = Daemon::start();
    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Panel", "max_uses": 5}));
    let token = inv["token"].as_str().unwrap().to_string();
    // The guest the others watch: a real WebRTC peer, so its media flows and it is live.
    let cam = onair_e2e::whip::WhipGuest::join(&d.url(""), &token, "Cam");
    let guest = |d: &mut Daemon, id: &str| d.get("/api/v1/guests").as_array().unwrap().iter().find(|g| g["id"] == id).cloned();
    assert!(
        onair_e2e::wait_until(Duration::from_secs(20), || guest(&mut d, &cam.id).is_some_and(|g| g["state"] == "live")),
        "the publisher went live: {:?}",
        guest(&mut d, &cam.id)
    );
    // The viewing guests (their own media never connects; they are sessions all the same).
    let ana = publish(&d, &token, "Ana");
    let bia = publish(&d, &token, "Bia");
    let token_for = |who: &str| {
        let (s, text) = anon(&d, "POST", &format!("/whip/{token}/{who}/stats"), Some("{}"), Some("application/json"));
        assert_eq!(s, 200, "{text}");
        let a: Value = serde_json::from_str(&text).unwrap();
        a["others"].as_array().unwrap().iter().find(|o| o["id"] == cam.id.as_str()).unwrap_or_else(|| panic!("{who} is told of Cam: {a}"))["k"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (ka, kb) = (token_for(&ana), token_for(&bia));
    assert_ne!(ka, kb, "each guest's token is its own");
    let v = offer("recvonly");
    let sdp = Some("application/sdp");
    let whep = |d: &Daemon, k: &str| {
        let (s, text) = anon(d, "POST", &format!("/whep/guests/{}?k={k}", cam.id), Some(&v), sdp);
        (s, if s == 201 { String::new() } else { code(&text) })
    };
    // While both are in the call, each one's token plays Cam (and opens its view page).
    let t0 = Instant::now();
    assert_eq!(whep(&d, &ka).0, 201);
    assert_eq!(whep(&d, &kb).0, 201);
    assert_eq!(anon(&d, "GET", &format!("/guest/{}/view?k={ka}", cam.id), None, None).0, 200);
    assert!(onair_e2e::wait_until(Duration::from_secs(5), || guest(&mut d, &cam.id).is_some_and(|g| g["viewers"] == 2)), "{:?}", guest(&mut d, &cam.id));
    // Ana's token opens Cam only, and only for Ana: with Bia's id on it, it is nobody's.
    let mac = ka.split_once('.').expect("the viewer's id in the token").1;
    assert_eq!(whep(&d, &format!("{bia}.{mac}")), (401, "unauthorized".to_string()), "Ana's token used as Bia's");
    assert_eq!(anon(&d, "GET", &format!("/guest/{bia}/view?k={ka}"), None, None).0, 401, "Ana's token for Cam does not open Bia");
    assert_eq!(anon(&d, "GET", &format!("/guests/grid/view?k={ka}"), None, None).0, 401, "nor the grid");
    // The host removes Ana: what she collected opens nothing, and what she watched ends.
    assert_eq!(d.request("DELETE", &format!("/api/v1/guests/{ana}"), None).status, 204);
    assert_eq!(whep(&d, &ka), (401, "unauthorized".to_string()), "a removed guest's token");
    assert_eq!(anon(&d, "GET", &format!("/guest/{}/view?k={ka}", cam.id), None, None).0, 401);
    assert!(
        onair_e2e::wait_until(Duration::from_secs(5), || guest(&mut d, &cam.id).is_some_and(|g| g["viewers"] == 1)),
        "Ana's viewer ended with her: {:?}",
        guest(&mut d, &cam.id)
    );
    assert!(t0.elapsed() < Duration::from_secs(12), "checked before silent viewers are reaped (15 s): {:?}", t0.elapsed());
    // Bia is still in the call: hers goes on; the owner's link for Cam is untouched.
    assert_eq!(whep(&d, &kb).0, 201);
    let links = d.get("/api/v1/guests/view-links");
    let owner = links["guests"].as_array().unwrap().iter().find(|g| g["id"] == cam.id.as_str()).unwrap()["token"].as_str().unwrap().to_string();
    assert_eq!(whep(&d, &owner).0, 201);
}

/// A WHIP offer on `token`, as a reconnecting page sends it when `replaces` is given: the status,
/// and the new session's id (201) or the error code.
fn rejoin(d: &Daemon, token: &str, replaces: Option<&str>) -> (u16, String) {
    let mut req = ureq::post(&d.url(&format!("/whip/{token}"))).set("Content-Type", "application/sdp").timeout(Duration::from_secs(30));
    if let Some(r) = replaces {
        req = req.set("X-Replaces", r);
    }
    match req.send_string(&offer("sendonly")) {
        Ok(r) => (r.status(), r.header("Location").unwrap().rsplit('/').next().unwrap().to_string()),
        Err(ureq::Error::Status(s, r)) => (s, code(&r.into_string().unwrap_or_default())),
        Err(e) => panic!("WHIP: {e}"),
    }
}

#[test]
fn a_reconnecting_guest_page_takes_its_own_place_without_using_the_invite_again() {
    let mut d = Daemon::start();
    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Ana", "max_uses": 1}));
    let other = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Bia", "max_uses": 1}));
    let token = inv["token"].as_str().unwrap().to_string();
    let ana = publish(&d, &token, "Ana");
    let bia = publish(&d, other["token"].as_str().unwrap(), "Bia");
    assert_eq!(rejoin(&d, &token, None), (403, "invite_refused".to_string()), "a one-use invite takes one guest");
    // Ana's network dropped: her page comes back in her session's place.
    let (s, ana2) = rejoin(&d, &token, Some(&ana));
    assert_eq!(s, 201, "{ana2}");
    assert_ne!(ana2, ana);
    let ids = |d: &mut Daemon| {
        let mut v = d.get("/api/v1/guests").as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        v.sort();
        v
    };
    let mut want = vec![ana2.clone(), bia.clone()];
    want.sort();
    assert_eq!(ids(&mut d), want, "the old session went, the new one took its place");
    // Not twice, not a made-up session, not another invite's.
    for r in [ana.as_str(), "made-up", bia.as_str()] {
        assert_eq!(rejoin(&d, &token, Some(r)), (403, "invite_refused".to_string()), "X-Replaces: {r}");
    }
    let uses = d.get("/api/v1/guests/invites").as_array().unwrap().iter().find(|i| i["id"] == inv["id"]).unwrap()["uses"].clone();
    assert_eq!(uses, 1);
    // A session dropped because its media stopped (this offer's ICE never connects: 20 s) may come
    // back too; one the host removed may not.
    let t0 = Instant::now();
    while ids(&mut d).contains(&ana2) {
        assert!(t0.elapsed() < Duration::from_secs(40), "the silent session was never dropped");
        std::thread::sleep(Duration::from_millis(500));
    }
    let (s, ana3) = rejoin(&d, &token, Some(&ana2));
    assert_eq!(s, 201, "{ana3}");
    assert_eq!(d.request("DELETE", &format!("/api/v1/guests/{ana3}"), None).status, 204);
    assert_eq!(rejoin(&d, &token, Some(&ana3)), (403, "invite_refused".to_string()), "removed by the host: no way back");
}

/// Reads `url` with ffmpeg (as OBS's Media Source does) for `secs` into a Matroska file: the
/// file, how long ffmpeg took from start to end, and its output.
/// ffmpeg decodes all of `file` without a single error (the stream started at a keyframe).
fn every_frame_decodes(file: &std::path::Path) {
    let dec = std::process::Command::new("ffmpeg").args(["-v", "error", "-xerror", "-i"]).arg(file).args(["-f", "null", "-"]).output().unwrap();
    assert!(dec.status.success() && dec.stderr.is_empty(), "every frame decodes: {}", String::from_utf8_lossy(&dec.stderr));
}

fn read_stream(url: &str, secs: u32, dir: &std::path::Path, name: &str) -> (std::path::PathBuf, Duration, std::process::Output) {
    let out = dir.join(name);
    let t0 = Instant::now();
    let o = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-v", "error", "-y", "-i", url, "-t", &secs.to_string(), "-c", "copy"])
        .arg(&out)
        .output()
        .expect("ffmpeg");
    (out, t0.elapsed(), o)
}

/// A guest as a live Matroska stream, for an OBS without a Browser Source: its VP8 and Opus as
/// sent, decodable, from a keyframe; under the view token and the viewer caps; a muted track does
/// not stall the other; a reader that hangs up leaves the guest's viewer count; the guest leaving
/// ends the reader's stream.
#[test]
fn a_guest_plays_as_a_matroska_stream_for_obs_media_sources() {
    let mut d = Daemon::start();
    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Cam", "max_uses": 5}));
    let token = inv["token"].as_str().unwrap().to_string();
    let cam = onair_e2e::whip::WhipGuest::join(&d.url(""), &token, "Cam");
    let guest = |d: &mut Daemon, id: &str| d.get("/api/v1/guests").as_array().unwrap().iter().find(|g| g["id"] == id).cloned();
    assert!(onair_e2e::wait_until(Duration::from_secs(20), || guest(&mut d, &cam.id).is_some_and(|g| g["state"] == "live")), "{:?}", guest(&mut d, &cam.id));
    let links = d.get("/api/v1/guests/view-links");
    let link = links["guests"].as_array().unwrap().iter().find(|g| g["id"] == cam.id.as_str()).unwrap().clone();
    let url = link["stream_url"].as_str().unwrap().to_string();
    let k = link["token"].as_str().unwrap();
    assert!(url.ends_with(&format!("/guest/{}/stream.mkv?k={k}", cam.id)), "{url}");
    // Without the token, or with another guest's, nothing.
    let other = publish(&d, &token, "Other");
    let other_k = d.get("/api/v1/guests/view-links")["guests"].as_array().unwrap().iter().find(|g| g["id"] == other.as_str()).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(anon(&d, "GET", &format!("/guest/{}/stream.mkv", cam.id), None, None).0, 401);
    assert_eq!(anon(&d, "GET", &format!("/guest/{}/stream.mkv?k={other_k}", cam.id), None, None).0, 401);
    assert_eq!(anon(&d, "GET", &format!("/guest/nobody/stream.mkv?k={k}"), None, None).0, 401, "a token names its guest");

    let dir = tempfile::tempdir().unwrap();
    let reader = {
        let url = url.clone();
        let dir = dir.path().to_path_buf();
        std::thread::spawn(move || read_stream(&url, 4, &dir, "a.mkv"))
    };
    assert!(onair_e2e::wait_until(Duration::from_secs(5), || guest(&mut d, &cam.id).is_some_and(|g| g["viewers"] == 1)), "a reader counts as a viewer");
    let (file, took, o) = reader.join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    eprintln!("ffmpeg read 4 s of the guest's stream in {took:?}");
    let p = onair_e2e::probe(&file);
    assert_eq!((p.vcodec.as_str(), p.acodec.as_str(), p.width, p.height), ("vp8", "opus", 320, 240), "{p:?}");
    assert!(p.vframes >= 40, "about 60 frames at 15 fps in 4 s: {p:?}");
    // Every frame decodes: it started at a keyframe.
    every_frame_decodes(&file);
    assert!(onair_e2e::wait_until(Duration::from_secs(5), || guest(&mut d, &cam.id).is_some_and(|g| g["viewers"] == 0)), "the reader hung up");

    // The host mutes the guest's sound: the picture goes on (nothing waits for audio).
    d.post(&format!("/api/v1/guests/{}/mute", cam.id), serde_json::json!({"audio": true}));
    let (file, _, o) = read_stream(&url, 3, dir.path(), "muted.mkv");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = onair_e2e::probe(&file);
    assert!(p.vcodec == "vp8" && p.vframes >= 30, "{p:?}");

    // The guest leaves: the reader's stream ends (OBS's source then tries again every second).
    let reader = {
        let url = url.clone();
        let dir = dir.path().to_path_buf();
        std::thread::spawn(move || read_stream(&url, 60, &dir, "left.mkv"))
    };
    assert!(onair_e2e::wait_until(Duration::from_secs(5), || guest(&mut d, &cam.id).is_some_and(|g| g["viewers"] == 1)));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(d.request("DELETE", &format!("/api/v1/guests/{}", cam.id), None).status, 204);
    let t0 = Instant::now();
    while !reader.is_finished() && t0.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(reader.is_finished(), "the stream ended with its guest");
    let (file, took, _) = reader.join().unwrap();
    assert!(took < Duration::from_secs(30) && onair_e2e::probe(&file).vframes > 0, "{took:?}");
    assert_eq!(anon(&d, "GET", &url.replacen(&d.url(""), "", 1), None, None).0, 404, "gone");
}

/// The last picture of `file` as 8-bit luma, `w` wide: the brightness at (x, y).
fn last_picture(file: &std::path::Path, w: usize) -> impl Fn(usize, usize) -> u8 {
    let o = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-sseof", "-0.5", "-i"])
        .arg(file)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .expect("ffmpeg");
    assert!(o.status.success() && !o.stdout.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));
    let px = o.stdout;
    // The mean of a 9×9 patch: one pixel could sit on an edge of the test pattern.
    move |x, y| {
        let mut sum = 0u32;
        for dy in 0..9 {
            for dx in 0..9 {
                sum += px[(y + dy - 4) * w + x + dx - 4] as u32;
            }
        }
        (sum / 81) as u8
    }
}

/// The grid as one stream for an OBS without a Browser Source: every guest in one 1280×720
/// picture (H.264) with the sound mixed (Opus), under the box's view token; two readers share
/// one composer and a fifth reader is refused; a guest who leaves gives its place to the others.
#[test]
fn the_grid_plays_as_one_stream_for_obs_media_sources() {
    let mut d = Daemon::start();
    let inv = d.post("/api/v1/guests/invites", serde_json::json!({"name": "Cams", "max_uses": 5}));
    let token = inv["token"].as_str().unwrap().to_string();
    let a = onair_e2e::whip::WhipGuest::join_showing(&d.url(""), &token, "A", "white");
    let b = onair_e2e::whip::WhipGuest::join_showing(&d.url(""), &token, "B", "white");
    let live = |d: &mut Daemon| d.get("/api/v1/guests").as_array().unwrap().iter().filter(|g| g["state"] == "live").count();
    assert!(onair_e2e::wait_until(Duration::from_secs(20), || live(&mut d) == 2));
    let links = d.get("/api/v1/guests/view-links");
    let url = links["grid"]["stream_url"].as_str().unwrap().to_string();
    assert!(url.ends_with(&format!("/guests/grid/stream.mkv?k={}", links["grid"]["token"].as_str().unwrap())), "{url}");
    let guest_k = links["guests"][0]["token"].as_str().unwrap();
    assert_eq!(anon(&d, "GET", "/guests/grid/stream.mkv", None, None).0, 401);
    assert_eq!(anon(&d, "GET", &format!("/guests/grid/stream.mkv?k={guest_k}"), None, None).0, 401, "a guest's token does not open the grid");

    let dir = tempfile::tempdir().unwrap();
    let read = |secs: u32, name: &str| {
        let (url, dir, name) = (url.clone(), dir.path().to_path_buf(), name.to_string());
        std::thread::spawn(move || read_stream(&url, secs, &dir, &name))
    };
    let (first, second) = (read(4, "two.mkv"), read(4, "two-b.mkv"));
    for r in [first, second] {
        let (file, took, o) = r.join().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        eprintln!("ffmpeg read 4 s of the grid in {took:?}");
        let p = onair_e2e::probe(&file);
        assert_eq!((p.vcodec.as_str(), p.acodec.as_str(), p.width, p.height), ("h264", "opus", 1280, 720), "{p:?}");
        assert!(p.vframes >= 90, "about 120 frames at 30 fps in 4 s: {p:?}");
        every_frame_decodes(&file);
        // Side by side: each 320×240 guest fits a 640×720 half as 640×480, black above and below.
        let at = last_picture(&file, 1280);
        assert!(at(320, 360) > 200 && at(960, 360) > 200, "both guests: {} {}", at(320, 360), at(960, 360));
        assert!(at(320, 60) < 30 && at(960, 660) < 30, "bands: {} {}", at(320, 60), at(960, 660));
    }

    // Four readers at most.
    let four: Vec<_> = (0..4).map(|i| read(6, &format!("r{i}.mkv"))).collect();
    std::thread::sleep(Duration::from_secs(3));
    let fifth = std::process::Command::new("curl").args(["-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}", &url]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&fifth.stdout), "503");
    for r in four {
        assert!(r.join().unwrap().2.status.success());
    }

    // B leaves: A alone fills the height (960×720 in the middle).
    assert_eq!(d.request("DELETE", &format!("/api/v1/guests/{}", b.id), None).status, 204);
    let (file, _, o) = read(3, "one.mkv").join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let at = last_picture(&file, 1280);
    assert!(at(640, 40) > 200 && at(640, 680) > 200, "A fills the height: {} {}", at(640, 40), at(640, 680));
    assert!(at(80, 360) < 30 && at(1200, 360) < 30, "pillars: {} {}", at(80, 360), at(1200, 360));
    drop(a);
}
