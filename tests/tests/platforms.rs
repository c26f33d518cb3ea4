//! Platforms against local fakes of Twitch (OAuth + Helix + IRC WebSocket), YouTube (Google OAuth +
//! Data API v3) and Facebook (device login + Graph): device flow, refresh, revocation, 429, live
//! state and viewers in /status, merged chat, title on all, stream key import, confirmed-live watchdog.
use std::time::{Duration, Instant};

use onair_e2e::fake_platforms::FakePlatforms;
use onair_e2e::*;
use serde_json::{json, Value};

fn daemon(fake: &FakePlatforms, more: &[&str]) -> Daemon {
    let mut args = fake.daemon_args();
    args.extend(more.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Daemon::start_with(&refs)
}

fn platform(d: &mut Daemon, p: &str) -> Value {
    let all = d.get("/api/v1/platforms");
    all.as_array().unwrap().iter().find(|x| x["platform"] == p).cloned().unwrap()
}

fn set_app(d: &mut Daemon, p: &str) {
    let body = match p {
        "twitch" => json!({"client_id": "tw-client-id"}),
        "youtube" => json!({"client_id": "123-abc.apps.googleusercontent.com", "client_secret": "GOCSPX-secret"}),
        _ => json!({"client_id": "1234567890", "client_secret": "fb-client-token"}),
    };
    let r = d.request("PUT", &format!("/api/v1/platforms/{p}/app"), Some(body));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["configured"], true, "{}", r.text);
}

/// App set, device flow started, approved by the fake after one "pending", linked.
fn link(d: &mut Daemon, p: &str) -> Value {
    set_app(d, p);
    let r = d.request("POST", &format!("/api/v1/platforms/{p}/link"), None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["user_code"].as_str().is_some_and(|c| !c.is_empty()), "{}", r.text);
    assert!(r.body["verification_uri"].as_str().is_some_and(|u| u.starts_with("https://")), "{}", r.text);
    assert!(r.body["expires_in"].as_u64().is_some_and(|e| e > 0));
    assert!(r.body.get("device_code").is_none(), "the device code stays in the box");
    assert!(
        wait_until(Duration::from_secs(20), || platform(d, p)["linked"] == true && platform(d, p)["linking"].is_null()),
        "{p} never linked: {}",
        platform(d, p)
    );
    platform(d, p)
}

#[test]
fn device_flow_links_each_platform_and_tokens_stay_sealed() {
    let fake = FakePlatforms::start();
    let mut d = daemon(&fake, &[]);
    // Before an app is set, linking says what to do.
    let r = d.request("POST", "/api/v1/platforms/twitch/link", None);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("client id"));
    assert_eq!(d.request("POST", "/api/v1/platforms/tiktok/link", None).status, 422);
    assert_eq!(d.request("POST", "/api/v1/platforms/myspace/link", None).status, 404);

    assert_eq!(link(&mut d, "twitch")["account"], "TwitchDev");
    assert_eq!(link(&mut d, "youtube")["account"], "Fake Tube");
    assert_eq!(link(&mut d, "facebook")["account"], "Fay Book");
    fake.with(|s| {
        // One "authorization_pending" each, then the approval.
        assert!(s.twitch.device_polls >= 2 && s.youtube.device_polls >= 2 && s.facebook.device_polls >= 2);
    });
    // TikTok and Instagram are listed, marked as the box's own view.
    let all = d.get("/api/v1/platforms");
    let tiktok = all.as_array().unwrap().iter().find(|x| x["platform"] == "tiktok").unwrap();
    assert_eq!(tiktok["api"], false);
    assert!(tiktok["note"].as_str().unwrap().contains("own output"));

    // Linked survives a restart (tokens read back from the store).
    d.crash_and_restart();
    assert!(wait_until(Duration::from_secs(10), || platform(&mut d, "twitch")["linked"] == true && platform(&mut d, "youtube")["account"] == "Fake Tube"));

    // No token or app secret in the database, the log or any API answer.
    let secrets: Vec<String> =
        fake.with(|s| [&s.twitch, &s.youtube, &s.facebook].iter().flat_map(|p| p.access.iter().chain(p.refresh.iter()).cloned()).collect());
    assert!(secrets.len() >= 6);
    let mut haystack = Vec::new();
    for f in ["onair.db", "onair.db-wal"] {
        haystack.extend(std::fs::read(d.data_dir().join(f)).unwrap_or_default());
    }
    haystack.extend(d.log_text().into_bytes());
    haystack.extend(d.seen.lock().unwrap().join("\n").into_bytes());
    for s in secrets.iter().map(String::as_str).chain(["GOCSPX-secret", "fb-client-token"]) {
        assert!(!haystack.windows(s.len()).any(|w| w == s.as_bytes()), "{s} leaked");
    }

    // Unlink forgets the account; the app stays for the next link.
    assert_eq!(d.request("DELETE", "/api/v1/platforms/facebook", None).status, 204);
    assert!(wait_until(Duration::from_secs(5), || platform(&mut d, "facebook")["linked"] == false));
    assert_eq!(platform(&mut d, "facebook")["configured"], true);
}

#[test]
fn tokens_are_refreshed_before_expiry_and_a_revoked_account_asks_to_reconnect() {
    let fake = FakePlatforms::start();
    // Tokens that expire in a little over the 5-minute refresh margin: refreshed a few s after linking.
    fake.with(|s| {
        s.twitch.first_ttl = 303;
        s.youtube.first_ttl = 303;
    });
    let mut d = daemon(&fake, &[]);
    link(&mut d, "twitch");
    link(&mut d, "youtube");
    link(&mut d, "facebook");
    assert!(wait_until(Duration::from_secs(20), || fake.with(|s| s.twitch.refreshes >= 1 && s.youtube.refreshes >= 1)), "no refresh");
    // Still polling happily with the new tokens.
    let before = fake.hits("/twitch/helix/streams").len();
    assert!(wait_until(Duration::from_secs(10), || fake.hits("/twitch/helix/streams").len() > before + 1));
    assert!(platform(&mut d, "twitch")["error"].is_null(), "{}", platform(&mut d, "twitch"));
    assert_eq!(fake.with(|s| s.twitch.refreshes), 1, "a fresh 4-hour token must not be refreshed again");

    // The user revokes the app on Twitch and on Facebook: 401 / OAuthException 190.
    fake.with(|s| {
        s.twitch.revoke();
        s.facebook.revoke();
    });
    for p in ["twitch", "facebook"] {
        assert!(wait_until(Duration::from_secs(15), || platform(&mut d, p)["needs_relink"] == true), "{p}: {}", platform(&mut d, p));
        let st = platform(&mut d, p);
        assert!(st["error"].as_str().unwrap().starts_with("reconnect account"), "{st}");
        assert!(st["live"].is_null());
    }
    // No crash loop: nothing more is asked of Twitch until the user links again.
    std::thread::sleep(Duration::from_secs(1));
    let n = fake.hits("/twitch/").len();
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(fake.hits("/twitch/").len(), n, "the box kept calling Twitch with a revoked token");
    // YouTube is unaffected, and the box answers.
    assert!(platform(&mut d, "youtube")["error"].is_null());
    assert_eq!(d.get("/api/v1/health")["status"], "ok");
    let alerts = d.get("/api/v1/alerts").to_string();
    assert!(alerts.contains("Twitch: reconnect the account"), "{alerts}");
    // Linking again clears it.
    fake.with(|s| s.twitch.pending_polls = 0);
    link(&mut d, "twitch");
    assert!(wait_until(Duration::from_secs(10), || platform(&mut d, "twitch")["needs_relink"] == false && platform(&mut d, "twitch")["live"] == false));
}

#[test]
fn rate_limits_are_honoured() {
    let fake = FakePlatforms::start();
    let mut d = daemon(&fake, &[]);
    link(&mut d, "twitch");
    link(&mut d, "youtube");
    // Twitch says when the bucket refills (Ratelimit-Reset); Google sends Retry-After.
    fake.with(|s| {
        s.twitch.retry_after = 4;
        s.twitch.rate_limit = 1;
        s.youtube.retry_after = 4;
        s.youtube.rate_limit = 1;
    });
    for path in ["/twitch/helix/streams", "/yt/youtube/v3/liveBroadcasts"] {
        assert!(wait_until(Duration::from_secs(15), || fake.hits(path).iter().any(|h| h.status == 429)), "{path}: no 429 served");
        assert!(wait_until(Duration::from_secs(20), || {
            let h = fake.hits(path);
            let i = h.iter().position(|h| h.status == 429).unwrap();
            h.len() > i + 1
        }));
        let h = fake.hits(path);
        let i = h.iter().position(|h| h.status == 429).unwrap();
        let gap = h[i + 1].at - h[i].at;
        // Ratelimit-Reset has whole-second resolution: at least 3 of the 4 s.
        assert!(gap >= Duration::from_secs(3), "{path}: called again after {gap:?}, asked to wait 4 s");
    }
    // Polling goes on after the wait.
    assert!(wait_until(Duration::from_secs(10), || platform(&mut d, "twitch")["error"].is_null() && platform(&mut d, "youtube")["error"].is_null()));
}

#[test]
fn live_state_viewers_and_events_reach_status() {
    let fake = FakePlatforms::start();
    // A follower from before the box was linked: the baseline, not an event.
    fake.with(|s| s.twitch.followers.push(json!({"user_id": "1", "user_login": "early", "user_name": "Early", "followed_at": "2026-11-25T10:00:00Z"})));
    let mut d = daemon(&fake, &[]);
    for p in ["twitch", "youtube", "facebook"] {
        link(&mut d, p);
    }
    fake.with(|s| {
        s.twitch.live = true;
        s.twitch.viewers = 42;
        s.youtube.live = true;
        s.youtube.viewers = 17;
        s.facebook.live = true;
        s.facebook.viewers = 5;
    });
    let tw = d.add_destination_platform("Twitch main", "twitch", "sk_tw_0000001");
    let tt = d.add_destination_platform("TikTok", "tiktok", "sk_tt_0000001");
    assert!(
        wait_until(Duration::from_secs(10), || {
            let s = d.get("/api/v1/status");
            let p = |n: &str| s["platforms"].as_array().unwrap().iter().find(|x| x["platform"] == n).cloned().unwrap();
            p("twitch")["viewers"] == 42 && p("youtube")["viewers"] == 17 && p("facebook")["viewers"] == 5 && p("twitch")["live"] == true
        }),
        "{}",
        d.get("/api/v1/status")["platforms"]
    );
    let s = d.get("/api/v1/status");
    let p = |n: &str| s["platforms"].as_array().unwrap().iter().find(|x| x["platform"] == n).cloned().unwrap();
    assert!(p("twitch")["started_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(p("twitch")["subscribers"], 7);
    assert_eq!(p("twitch")["followers"], 1);
    assert!(p("facebook")["started_at"].as_str().is_some());
    let dest = |id: i64| s["destinations"].as_array().unwrap().iter().find(|x| x["id"] == id).cloned().unwrap();
    assert_eq!(dest(tw)["viewers"], 42);
    assert_eq!(dest(tw)["platform_live"], true);
    assert_eq!(dest(tw)["confirmed_by"], "platform");
    assert_eq!(dest(tt)["confirmed_by"], "box");
    assert!(dest(tt)["viewers"].is_null());

    // A new follower and Facebook reactions arrive as events in the feed.
    fake.with(|s| {
        s.twitch.followers.push(json!({"user_id": "2", "user_login": "newfan", "user_name": "NewFan", "followed_at": "2026-11-25T11:00:00Z"}));
        s.facebook.reactions = 3;
    });
    std::thread::sleep(Duration::from_secs(3));
    fake.with(|s| s.facebook.reactions = 9);
    assert!(
        wait_until(Duration::from_secs(10), || {
            let c = d.get("/api/v1/chat");
            let m = c["messages"].as_array().unwrap().clone();
            m.iter().any(|x| x["kind"] == "follow" && x["author"] == "NewFan") && m.iter().any(|x| x["kind"] == "reactions" && x["platform"] == "facebook")
        }),
        "{}",
        d.get("/api/v1/chat")
    );
    assert!(!d.get("/api/v1/chat").to_string().contains("Early"));
    // Offline again.
    fake.with(|s| s.twitch.live = false);
    assert!(wait_until(Duration::from_secs(10), || platform(&mut d, "twitch")["live"] == false && platform(&mut d, "twitch")["viewers"].is_null()));
}

#[test]
fn chat_from_twitch_and_youtube_merged_in_time_order_and_sent_to_all() {
    let fake = FakePlatforms::start();
    let mut d = daemon(&fake, &[]);
    // Twitch chat is read anonymously from a channel name alone.
    let r = d.request("PUT", "/api/v1/platforms/twitch/app", Some(json!({"client_id": "", "channel": "twitchdev"})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(wait_until(Duration::from_secs(10), || fake.irc_clients() > 0 && fake.with(|s| s.irc_in.iter().any(|l| l == "JOIN #twitchdev"))));
    assert!(fake.with(|s| s.irc_in.iter().any(|l| l.starts_with("NICK justinfan"))));
    assert_eq!(platform(&mut d, "twitch")["chat"], "read-only");
    link(&mut d, "youtube");
    fake.with(|s| s.youtube.live = true);
    // The audience's events also go to the alert channels a rule names for them.
    let rx = onair_e2e::receiver::Receiver::start(0);
    let ch = d.post("/api/v1/notify/channels", json!({"kind": "webhook", "name": "alerts", "url": rx.url("/hook"), "secret": "0123456789abcdef-chat"}));
    d.request("PUT", "/api/v1/notify/rules", Some(json!([{"kinds": ["raid", "tip"], "channels": [ch["id"]]}])));

    let t0 = 1_800_000_000_000i64;
    // YouTube's messages are polled, Twitch's pushed: arrival order differs from time order.
    fake.irc_send(&FakePlatforms::twitch_chat_line("tw-2", "Alice", "second (twitch)", t0 + 2000));
    fake.irc_send(&FakePlatforms::twitch_chat_line("tw-4", "Alice", "fourth (twitch)", t0 + 4000));
    fake.irc_send(":tmi.twitch.tv 421 x WHAT :Unknown command");
    fake.irc_send("@display-name=Raider;id=raid-1;msg-id=raid;msg-param-viewerCount=12;system-msg=12\\sraiders;tmi-sent-ts=1800000005000 :tmi.twitch.tv USERNOTICE #twitchdev");
    fake.with(|s| {
        s.youtube.chat.push(FakePlatforms::youtube_chat_item("yt-1", "Bob", "first (youtube)", t0 + 1000));
        s.youtube.chat.push(FakePlatforms::youtube_chat_item("yt-3", "Bob", "third (youtube)", t0 + 3000));
        let mut sc = FakePlatforms::youtube_chat_item("yt-6", "Carol", "", t0 + 6000);
        sc["snippet"]["type"] = json!("superChatEvent");
        sc["snippet"]["superChatDetails"] =
            json!({"amountMicros": "5000000", "currency": "USD", "amountDisplayString": "$5.00", "userComment": "sixth (super chat)", "tier": 2});
        s.youtube.chat.push(sc);
    });
    assert!(wait_until(Duration::from_secs(15), || d.get("/api/v1/chat")["messages"].as_array().unwrap().len() >= 6), "{}", d.get("/api/v1/chat"));
    let c = d.get("/api/v1/chat");
    let msgs = c["messages"].as_array().unwrap();
    let texts: Vec<&str> = msgs.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["first (youtube)", "second (twitch)", "third (youtube)", "fourth (twitch)", "12 raiders", "sixth (super chat)"]);
    assert_eq!(msgs.iter().map(|m| m["platform"].as_str().unwrap()).collect::<Vec<_>>(), ["youtube", "twitch", "youtube", "twitch", "twitch", "youtube"]);
    assert_eq!(msgs[4]["kind"], "raid");
    assert_eq!(msgs[5]["kind"], "super_chat");
    assert_eq!(msgs[5]["amount"], "$5.00");
    assert!(wait_until(Duration::from_secs(10), || rx.at("/hook").len() >= 2), "{:?}", rx.at("/hook"));
    let alerts: Vec<(String, String)> =
        rx.at("/hook").iter().map(|g| (g.json()["kind"].as_str().unwrap_or("").to_string(), g.json()["message"].as_str().unwrap_or("").to_string())).collect();
    assert!(alerts.contains(&("raid".into(), "Raider on twitch (12 viewers): 12 raiders".into())), "{alerts:?}");
    assert!(alerts.iter().any(|(k, m)| k == "tip" && m.contains("Carol on youtube ($5.00)")), "{alerts:?}");
    assert_eq!(alerts.len(), 2, "plain messages are no alerts: {alerts:?}");
    // ?since pages on arrival numbers; nothing is repeated.
    let last = c["last"].as_u64().unwrap();
    assert_eq!(d.get(&format!("/api/v1/chat?since={last}"))["messages"].as_array().unwrap().len(), 0);
    assert_eq!(d.request("GET", "/api/v1/chat?since=abc", None).status, 400);
    // The overlay's feed is the same, without a login (OBS's browser source has none).
    let o: Value = ureq::get(&d.url("/overlay/chat/feed")).call().unwrap().into_json().unwrap();
    assert_eq!(o["messages"].as_array().unwrap().len(), msgs.len());
    let page = ureq::get(&d.url("/overlay/chat")).call().unwrap().into_string().unwrap();
    assert!(page.contains("chat-overlay"));

    // Sending goes to every linked platform that takes it (Twitch is read-only here).
    let r = d.request("POST", "/api/v1/chat", Some(json!({"text": "hello everyone"})));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["results"]["youtube"]["ok"], true, "{}", r.text);
    assert!(r.body["results"].get("twitch").is_none());
    assert_eq!(fake.with(|s| s.youtube.sent.clone()), ["hello everyone"]);
    assert_eq!(d.request("POST", "/api/v1/chat", Some(json!({"text": ""}))).status, 422);
    assert_eq!(d.request("POST", "/api/v1/chat", Some(json!({"text": 5}))).status, 422);
    assert_eq!(d.raw("POST", "/api/v1/chat", Some("{\"text\""), Some("application/json")).status, 400);

    // The chat connection comes back after the server drops it.
    let before = fake.with(|s| s.irc_in.iter().filter(|l| l.starts_with("JOIN")).count());
    fake.irc_send("RECONNECT");
    assert!(wait_until(Duration::from_secs(15), || fake.with(|s| s.irc_in.iter().filter(|l| l.starts_with("JOIN")).count()) > before));
}

#[test]
fn title_and_category_on_every_linked_platform_and_stream_key_from_the_account() {
    let fake = FakePlatforms::start();
    let mut d = daemon(&fake, &[]);
    let r = d.request("POST", "/api/v1/platforms/title", Some(json!({"title": "x"})));
    assert_eq!(r.status, 409, "nothing linked yet: {}", r.text);
    for p in ["twitch", "youtube", "facebook"] {
        link(&mut d, p);
    }
    fake.with(|s| {
        s.youtube.live = true;
        s.facebook.live = true;
    });
    assert!(wait_until(Duration::from_secs(10), || platform(&mut d, "youtube")["live"] == true && platform(&mut d, "facebook")["live"] == true));
    let r = d.request("POST", "/api/v1/platforms/title", Some(json!({"title": "Speedrun night", "category": "Just Chatting"})));
    assert_eq!(r.status, 200, "{}", r.text);
    for p in ["twitch", "youtube", "facebook"] {
        assert_eq!(r.body["results"][p]["ok"], true, "{p}: {}", r.text);
    }
    fake.with(|s| {
        assert_eq!(s.twitch.titles, ["Speedrun night [509658]"]);
        assert_eq!(s.youtube.titles, ["Speedrun night"]);
        assert_eq!(s.facebook.titles, ["Speedrun night"]);
    });
    // A category Twitch does not know fails there only.
    let r = d.request("POST", "/api/v1/platforms/title", Some(json!({"title": "Second", "category": "Not A Game 123"})));
    assert_eq!(r.body["results"]["twitch"]["ok"], false, "{}", r.text);
    assert!(r.body["results"]["twitch"]["error"].as_str().unwrap().contains("no category"));
    assert_eq!(r.body["results"]["youtube"]["ok"], true);
    assert_eq!(d.request("POST", "/api/v1/platforms/title", Some(json!({"title": ""}))).status, 422);
    assert_eq!(d.raw("POST", "/api/v1/platforms/title", Some("{\"title\":"), Some("application/json")).status, 400);

    // Stream keys from the account: a new destination, the key never shown.
    let r = d.request("POST", "/api/v1/platforms/twitch/stream-key", None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["platform"], "twitch");
    assert_eq!(r.body["stream_key_set"], true);
    assert!(!r.text.contains("a34ub37c8ajv98a0"));
    let yt = d.request("POST", "/api/v1/platforms/youtube/stream-key", None);
    assert_eq!(yt.status, 200, "{}", yt.text);
    assert_eq!(yt.body["url"], "rtmp://a.rtmp.youtube.com/live2");
    // Into an existing destination of the same platform.
    let id = r.body["id"].as_i64().unwrap();
    let again = d.request("POST", "/api/v1/platforms/twitch/stream-key", Some(json!({"destination_id": id})));
    assert_eq!(again.status, 200, "{}", again.text);
    let wrong = d.request("POST", "/api/v1/platforms/twitch/stream-key", Some(json!({"destination_id": yt.body["id"]})));
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    assert_eq!(d.request("POST", "/api/v1/platforms/facebook/stream-key", None).status, 502);
    assert_eq!(d.raw("POST", "/api/v1/platforms/twitch/stream-key", Some("{\"destination_id\":"), Some("application/json")).status, 400);
    assert_eq!(d.request("POST", "/api/v1/platforms/twitch/stream-key", Some(json!({"destination_id": 999}))).status, 404);
}

#[test]
fn an_output_the_platform_never_sees_live_is_restarted_by_the_watchdog() {
    let fake = FakePlatforms::start();
    let n = Nginx::start();
    let mut d = daemon(&fake, &["--confirm-live-s=3"]);
    link(&mut d, "twitch");
    // The box's output reaches "live" (nginx accepts it), but Twitch says offline: a wrong channel,
    // a key for another account, a platform-side stall.
    let id = d.add_destination_platform_url("Twitch", "twitch", &n.url(), "sk_watchdog_01");
    d.post("/api/v1/ingest/test-signal", json!({"enabled": true}));
    assert!(wait_until(Duration::from_secs(10), || d.get("/api/v1/ingest")["proto"] == "test-signal"));
    d.post("/api/v1/live/start", json!({}));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["platform_live"] == false));
    assert!(wait_until(Duration::from_secs(20), || d.destination_status(id)["watchdog_restarts"].as_u64() >= Some(1)), "{}", d.destination_status(id));
    assert!(d.get("/api/v1/alerts").to_string().contains("reports the stream offline"));
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["state"] == "live"), "back after the restart");
    // Once the platform sees the stream, the watchdog leaves it alone.
    fake.with(|s| s.twitch.live = true);
    assert!(wait_until(Duration::from_secs(10), || d.destination_status(id)["platform_live"] == true));
    let restarts = d.destination_status(id)["watchdog_restarts"].as_u64().unwrap();
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(6) {
        assert_eq!(d.destination_status(id)["watchdog_restarts"].as_u64().unwrap(), restarts);
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(d.destination_status(id)["state"], "live");
}
