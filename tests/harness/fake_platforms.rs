//! Local stand-ins for Twitch (OAuth device flow, Helix, IRC over WebSocket), Google (device flow)
//! with YouTube Data API v3, and Facebook (device login + Graph API). The real services are out of
//! reach from here; these follow their documented request and response shapes (field names, paging
//! objects, error bodies, 429 headers) closely enough that the box cannot tell the difference.
//!
//! Base URLs for the box: `{url}/twitch` (auth and Helix), `ws://.../twitch/irc`, `{url}/google`,
//! `{url}/yt`, `{url}/fb`.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct Hit {
    pub at: Instant,
    pub method: String,
    pub path: String,
    pub status: u16,
}

#[derive(Debug)]
pub struct Plat {
    /// How many "authorization_pending" answers before the user "approves".
    pub pending_polls: u32,
    pub access: HashSet<String>,
    pub refresh: HashSet<String>,
    /// Seconds of life for tokens from the device flow (refreshed ones get a long life).
    pub first_ttl: i64,
    pub refreshes: u32,
    pub device_polls: u32,
    pub live: bool,
    pub viewers: u64,
    /// The next N status calls answer 429.
    pub rate_limit: u32,
    pub retry_after: i64,
    pub titles: Vec<String>,
    pub sent: Vec<String>,
    /// YouTube chat items / Facebook comments, oldest first.
    pub chat: Vec<Value>,
    pub followers: Vec<Value>,
    pub reactions: u64,
    n: u64,
}

impl Default for Plat {
    fn default() -> Self {
        Plat {
            pending_polls: 1,
            access: HashSet::new(),
            refresh: HashSet::new(),
            first_ttl: 14_000,
            refreshes: 0,
            device_polls: 0,
            live: false,
            viewers: 0,
            rate_limit: 0,
            retry_after: 2,
            titles: vec![],
            sent: vec![],
            chat: vec![],
            followers: vec![],
            reactions: 0,
            n: 0,
        }
    }
}

impl Plat {
    fn issue(&mut self, prefix: &str, ttl: i64) -> Value {
        self.n += 1;
        let access = format!("{prefix}-access-{}-{}", self.n, rand::random::<u32>());
        let refresh = format!("{prefix}-refresh-{}-{}", self.n, rand::random::<u32>());
        self.access.insert(access.clone());
        self.refresh.insert(refresh.clone());
        json!({"access_token": access, "refresh_token": refresh, "expires_in": ttl})
    }

    /// Revokes every token, as when the user removes the app from their account.
    pub fn revoke(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }
}

#[derive(Default)]
pub struct FakeState {
    pub twitch: Plat,
    pub youtube: Plat,
    pub facebook: Plat,
    pub log: Vec<Hit>,
    /// Lines the IRC clients sent (NICK, JOIN, PASS masked).
    pub irc_in: Vec<String>,
}

pub struct FakePlatforms {
    pub port: u16,
    pub state: Arc<Mutex<FakeState>>,
    irc: tokio::sync::broadcast::Sender<String>,
    _rt: tokio::runtime::Runtime,
}

#[derive(Clone)]
struct Shared {
    state: Arc<Mutex<FakeState>>,
    irc: tokio::sync::broadcast::Sender<String>,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

fn iso(secs: i64) -> String {
    // Enough of RFC 3339 for the fixtures: computed without a date crate.
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", rem / 3600, rem / 60 % 60, rem % 60)
}

fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// RFC 3339 with milliseconds, UTC (YouTube's publishedAt).
pub fn rfc3339_ms(ms: i64) -> String {
    format!("{}.{:03}Z", iso(ms.div_euclid(1000)), ms.rem_euclid(1000))
}

/// Graph's `2026-11-25T17:00:00+0000`.
pub fn graph_time(secs: i64) -> String {
    format!("{}+0000", iso(secs))
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn form(body: &[u8], uri: &Uri) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    m.extend(url::form_urlencoded::parse(body).into_owned());
    m
}

fn bearer(h: &HeaderMap) -> Option<String> {
    h.get("authorization")?.to_str().ok()?.strip_prefix("Bearer ").map(str::to_string)
}

impl FakePlatforms {
    pub fn start() -> FakePlatforms {
        Self::start_on(0)
    }

    pub fn start_on(port: u16) -> FakePlatforms {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let state = Arc::new(Mutex::new(FakeState::default()));
        let (irc, _) = tokio::sync::broadcast::channel(64);
        let shared = Shared { state: state.clone(), irc: irc.clone() };
        let listener = rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", port))).unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new().route("/twitch/irc", axum::routing::get(irc_upgrade)).fallback(handle).with_state(shared);
        rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakePlatforms { port, state, irc, _rt: rt }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The box's flags pointing every platform here, and a 1 s poll.
    pub fn daemon_args(&self) -> Vec<String> {
        let u = self.url();
        vec![
            format!("--twitch-auth-url={u}/twitch"),
            format!("--twitch-api-url={u}/twitch"),
            format!("--twitch-irc-url=ws://127.0.0.1:{}/twitch/irc", self.port),
            format!("--google-auth-url={u}/google"),
            format!("--youtube-api-url={u}/yt"),
            format!("--facebook-graph-url={u}/fb"),
            "--platform-poll-s=1".into(),
        ]
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// One raw IRC line to every connected chat client (as Twitch's chat server would send).
    pub fn irc_send(&self, line: &str) {
        let _ = self.irc.send(line.to_string());
    }

    pub fn irc_clients(&self) -> usize {
        self.irc.receiver_count()
    }

    pub fn hits(&self, path_prefix: &str) -> Vec<Hit> {
        self.with(|s| s.log.iter().filter(|h| h.path.starts_with(path_prefix)).cloned().collect())
    }

    pub fn twitch_chat_line(id: &str, name: &str, text: &str, ts_ms: i64) -> String {
        format!("@badge-info=;badges=;color=#1E90FF;display-name={name};emotes=;id={id};mod=0;room-id=141981764;subscriber=0;tmi-sent-ts={ts_ms};turbo=0;user-id=1000;user-type= :{l}!{l}@{l}.tmi.twitch.tv PRIVMSG #twitchdev :{text}", l = name.to_lowercase())
    }

    pub fn youtube_chat_item(id: &str, name: &str, text: &str, ts_ms: i64) -> Value {
        json!({"kind": "youtube#liveChatMessage", "etag": "e", "id": id,
            "snippet": {"type": "textMessageEvent", "liveChatId": "yt-chat-1", "authorChannelId": "UCa", "publishedAt": rfc3339_ms(ts_ms),
                "hasDisplayContent": true, "displayMessage": text, "textMessageDetails": {"messageText": text}},
            "authorDetails": {"channelId": "UCa", "channelUrl": "http://www.youtube.com/channel/UCa", "displayName": name, "profileImageUrl": "", "isVerified": false, "isChatOwner": false, "isChatSponsor": false, "isChatModerator": false}})
    }
}

async fn irc_upgrade(State(sh): State<Shared>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |s| irc_session(sh, s))
}

async fn irc_session(sh: Shared, mut ws: WebSocket) {
    let mut rx = sh.irc.subscribe();
    loop {
        tokio::select! {
            m = ws.recv() => match m {
                Some(Ok(Message::Text(t))) => {
                    for line in t.split("\r\n").filter(|l| !l.is_empty()) {
                        let shown = if line.starts_with("PASS ") { "PASS ***".to_string() } else { line.to_string() };
                        sh.state.lock().unwrap().irc_in.push(shown);
                        if let Some(nick) = line.strip_prefix("NICK ") {
                            let _ = ws.send(Message::Text(format!(":tmi.twitch.tv 001 {nick} :Welcome, GLHF!\r\n").into())).await;
                        }
                        if let Some(ch) = line.strip_prefix("JOIN ") {
                            let _ = ws.send(Message::Text(format!(":justinfan!justinfan@justinfan.tmi.twitch.tv JOIN {ch}\r\n").into())).await;
                        }
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
            l = rx.recv() => match l {
                Ok(line) => if ws.send(Message::Text(format!("{line}\r\n").into())).await.is_err() { return },
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => return,
            },
        }
    }
}

async fn handle(State(sh): State<Shared>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_string();
    let r = {
        let mut st = sh.state.lock().unwrap();
        route(&mut st, &sh, &method, &uri, &headers, &body)
    };
    sh.state.lock().unwrap().log.push(Hit { at: Instant::now(), method: method.to_string(), path, status: r.status().as_u16() });
    r
}

fn twitch_401() -> Response {
    reply(StatusCode::UNAUTHORIZED, json!({"error": "Unauthorized", "status": 401, "message": "Invalid OAuth token"}))
}

fn google_401() -> Response {
    reply(
        StatusCode::UNAUTHORIZED,
        json!({"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError", "location": "Authorization", "locationType": "header"}], "status": "UNAUTHENTICATED"}}),
    )
}

fn graph_190() -> Response {
    reply(
        StatusCode::BAD_REQUEST,
        json!({"error": {"message": "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
            "type": "OAuthException", "code": 190, "error_subcode": 460, "fbtrace_id": "AbCdEf123"}}),
    )
}

fn route(st: &mut FakeState, sh: &Shared, method: &Method, uri: &Uri, h: &HeaderMap, body: &[u8]) -> Response {
    let _ = sh;
    let path = uri.path();
    let f = form(body, uri);
    let json_body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let post = *method == Method::POST;
    // ---- Twitch OAuth (id.twitch.tv) ----
    if let Some(p) = path.strip_prefix("/twitch/oauth2/") {
        let t = &mut st.twitch;
        return match p {
            "device" if post => {
                if f.get("client_id").is_none_or(|c| c.is_empty()) {
                    return reply(StatusCode::BAD_REQUEST, json!({"status": 400, "message": "missing client id"}));
                }
                reply(
                    StatusCode::OK,
                    json!({"device_code": "tw-device-code-1", "expires_in": 1800, "interval": 1, "user_code": "ABCDEFGH", "verification_uri": "https://www.twitch.tv/activate?public=true&device-code=ABCDEFGH"}),
                )
            }
            "token" if post => match f.get("grant_type").map(String::as_str) {
                Some("urn:ietf:params:oauth:grant-type:device_code") => {
                    t.device_polls += 1;
                    if f.get("device_code").map(String::as_str) != Some("tw-device-code-1") {
                        return reply(StatusCode::BAD_REQUEST, json!({"status": 400, "message": "invalid device code"}));
                    }
                    if t.pending_polls > 0 {
                        t.pending_polls -= 1;
                        return reply(StatusCode::BAD_REQUEST, json!({"status": 400, "message": "authorization_pending"}));
                    }
                    let ttl = t.first_ttl;
                    let mut v = t.issue("tw", ttl);
                    v["scope"] = json!(["channel:manage:broadcast", "chat:read"]);
                    v["token_type"] = json!("bearer");
                    reply(StatusCode::OK, v)
                }
                Some("refresh_token") => {
                    let rt = f.get("refresh_token").cloned().unwrap_or_default();
                    if !t.refresh.remove(&rt) {
                        return reply(StatusCode::BAD_REQUEST, json!({"status": 400, "message": "Invalid refresh token"}));
                    }
                    t.refreshes += 1;
                    let mut v = t.issue("tw", 14_000);
                    v["scope"] = json!(["channel:manage:broadcast", "chat:read"]);
                    v["token_type"] = json!("bearer");
                    reply(StatusCode::OK, v)
                }
                _ => reply(StatusCode::BAD_REQUEST, json!({"status": 400, "message": "unsupported grant type"})),
            },
            _ => reply(StatusCode::NOT_FOUND, json!({"status": 404, "message": "not found"})),
        };
    }
    // ---- Twitch Helix ----
    if let Some(p) = path.strip_prefix("/twitch/helix/") {
        let t = &mut st.twitch;
        if bearer(h).is_none_or(|b| !t.access.contains(&b)) || h.get("client-id").is_none() {
            return twitch_401();
        }
        return match (method.as_str(), p) {
            ("GET", "users") => reply(
                StatusCode::OK,
                json!({"data": [{"id": "141981764", "login": "twitchdev", "display_name": "TwitchDev", "type": "", "broadcaster_type": "partner", "description": "", "profile_image_url": "", "offline_image_url": "", "view_count": 0, "created_at": "2016-12-14T20:32:28Z"}]}),
            ),
            ("GET", "streams") => {
                if t.rate_limit > 0 {
                    t.rate_limit -= 1;
                    let reset = now() + t.retry_after;
                    return (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("ratelimit-limit", "800".to_string()), ("ratelimit-remaining", "0".to_string()), ("ratelimit-reset", reset.to_string())],
                        axum::Json(json!({"error": "Too Many Requests", "status": 429, "message": "Too Many Requests"})),
                    )
                        .into_response();
                }
                let data = if t.live {
                    json!([{"id": "40952121085", "user_id": "141981764", "user_login": "twitchdev", "user_name": "TwitchDev", "game_id": "509658", "game_name": "Just Chatting", "type": "live", "title": t.titles.last().cloned().unwrap_or("Fake stream".into()), "tags": [], "viewer_count": t.viewers, "started_at": iso(now() - 600) + "Z", "language": "en", "thumbnail_url": "", "tag_ids": [], "is_mature": false}])
                } else {
                    json!([])
                };
                reply(StatusCode::OK, json!({"data": data, "pagination": {}}))
            }
            ("GET", "channels/followers") => {
                reply(StatusCode::OK, json!({"total": t.followers.len(), "data": t.followers.iter().rev().cloned().collect::<Vec<_>>(), "pagination": {}}))
            }
            ("GET", "subscriptions") => reply(StatusCode::OK, json!({"data": [], "pagination": {}, "total": 7, "points": 7})),
            ("GET", "games") => {
                let name = f.get("name").cloned().unwrap_or_default();
                let data =
                    if name == "Just Chatting" { json!([{"id": "509658", "name": "Just Chatting", "box_art_url": "", "igdb_id": ""}]) } else { json!([]) };
                reply(StatusCode::OK, json!({"data": data}))
            }
            ("PATCH", "channels") => {
                if f.get("broadcaster_id").map(String::as_str) != Some("141981764") {
                    return reply(
                        StatusCode::BAD_REQUEST,
                        json!({"error": "Bad Request", "status": 400, "message": "Missing required parameter \"broadcaster_id\""}),
                    );
                }
                let title = json_body["title"].as_str().unwrap_or_default().to_string();
                let game = json_body["game_id"].as_str().unwrap_or_default();
                t.titles.push(if game.is_empty() { title } else { format!("{title} [{game}]") });
                StatusCode::NO_CONTENT.into_response()
            }
            ("GET", "streams/key") => reply(StatusCode::OK, json!({"data": [{"stream_key": "live_44322889_a34ub37c8ajv98a0"}]})),
            ("POST", "chat/messages") => {
                t.sent.push(json_body["message"].as_str().unwrap_or_default().to_string());
                reply(StatusCode::OK, json!({"data": [{"message_id": "abc-123-def", "is_sent": true}]}))
            }
            _ => reply(StatusCode::NOT_FOUND, json!({"error": "Not Found", "status": 404, "message": "not found"})),
        };
    }
    // ---- Google OAuth ----
    if let Some(p) = path.strip_prefix("/google/") {
        let y = &mut st.youtube;
        return match p {
            "device/code" if post => reply(
                StatusCode::OK,
                json!({"device_code": "4/4-GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8", "user_code": "GQVQ-JKEC", "verification_url": "https://www.google.com/device", "expires_in": 1800, "interval": 1}),
            ),
            "token" if post => match f.get("grant_type").map(String::as_str) {
                Some("urn:ietf:params:oauth:grant-type:device_code") => {
                    y.device_polls += 1;
                    if f.get("client_secret").is_none_or(|s| s.is_empty()) {
                        return reply(StatusCode::BAD_REQUEST, json!({"error": "invalid_client", "error_description": "client_secret is missing."}));
                    }
                    if y.pending_polls > 0 {
                        y.pending_polls -= 1;
                        return reply(
                            StatusCode::PRECONDITION_REQUIRED,
                            json!({"error": "authorization_pending", "error_description": "Precondition Required"}),
                        );
                    }
                    let ttl = y.first_ttl;
                    let mut v = y.issue("yt", ttl);
                    v["scope"] = json!("https://www.googleapis.com/auth/youtube");
                    v["token_type"] = json!("Bearer");
                    reply(StatusCode::OK, v)
                }
                Some("refresh_token") => {
                    let rt = f.get("refresh_token").cloned().unwrap_or_default();
                    if !y.refresh.contains(&rt) {
                        return reply(StatusCode::BAD_REQUEST, json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}));
                    }
                    y.refreshes += 1;
                    // Google keeps the refresh token and issues only a new access token.
                    let v = y.issue("yt", 3599);
                    reply(
                        StatusCode::OK,
                        json!({"access_token": v["access_token"], "expires_in": 3599, "scope": "https://www.googleapis.com/auth/youtube", "token_type": "Bearer"}),
                    )
                }
                _ => reply(StatusCode::BAD_REQUEST, json!({"error": "unsupported_grant_type"})),
            },
            _ => reply(StatusCode::NOT_FOUND, json!({"error": "not_found"})),
        };
    }
    // ---- YouTube Data API v3 ----
    if let Some(p) = path.strip_prefix("/yt/youtube/v3/") {
        let y = &mut st.youtube;
        if bearer(h).is_none_or(|b| !y.access.contains(&b)) {
            return google_401();
        }
        return match (method.as_str(), p) {
            ("GET", "channels") => reply(
                StatusCode::OK,
                json!({"kind": "youtube#channelListResponse", "etag": "x", "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                "items": [{"kind": "youtube#channel", "etag": "y", "id": "UC_x5XG1OV2P6uZZ5FSM9Ttw", "snippet": {"title": "Fake Tube", "description": "", "publishedAt": "2020-01-01T00:00:00Z"}}]}),
            ),
            ("GET", "liveBroadcasts") => {
                if y.rate_limit > 0 {
                    y.rate_limit -= 1;
                    return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", y.retry_after.to_string())], axum::Json(json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "errors": [{"message": "Resource has been exhausted", "domain": "global", "reason": "rateLimitExceeded"}], "status": "RESOURCE_EXHAUSTED"}}))).into_response();
                }
                let items = if y.live {
                    json!([{"kind": "youtube#liveBroadcast", "etag": "b", "id": "yt-bcast-1", "snippet": {"publishedAt": "2026-11-25T16:00:00Z", "channelId": "UC_x5XG1OV2P6uZZ5FSM9Ttw", "title": y.titles.last().cloned().unwrap_or("Fake broadcast".into()), "description": "", "scheduledStartTime": "2026-11-25T16:30:00Z", "actualStartTime": iso(now() - 300) + "Z", "liveChatId": "yt-chat-1"}, "status": {"lifeCycleStatus": "live", "privacyStatus": "public", "recordingStatus": "recording"}}])
                } else {
                    json!([])
                };
                reply(
                    StatusCode::OK,
                    json!({"kind": "youtube#liveBroadcastListResponse", "etag": "l", "pageInfo": {"totalResults": items.as_array().unwrap().len(), "resultsPerPage": 5}, "items": items}),
                )
            }
            ("GET", "videos") => reply(
                StatusCode::OK,
                json!({"kind": "youtube#videoListResponse", "items": [{"kind": "youtube#video", "id": "yt-bcast-1", "liveStreamingDetails": {"actualStartTime": iso(now() - 300) + "Z", "scheduledStartTime": "2026-11-25T16:30:00Z", "concurrentViewers": y.viewers.to_string(), "activeLiveChatId": "yt-chat-1"}}], "pageInfo": {"totalResults": 1, "resultsPerPage": 1}}),
            ),
            ("GET", "liveChat/messages") => {
                if f.get("liveChatId").map(String::as_str) != Some("yt-chat-1") {
                    return reply(
                        StatusCode::NOT_FOUND,
                        json!({"error": {"code": 404, "message": "The live chat that you are trying to retrieve cannot be found.", "errors": [{"reason": "liveChatNotFound"}]}}),
                    );
                }
                let from: usize = f.get("pageToken").and_then(|t| t.strip_prefix('p')).and_then(|n| n.parse().ok()).unwrap_or(0);
                let items: Vec<Value> = y.chat.iter().skip(from).cloned().collect();
                reply(
                    StatusCode::OK,
                    json!({"kind": "youtube#liveChatMessageListResponse", "etag": "c", "pollingIntervalMillis": 1000, "nextPageToken": format!("p{}", y.chat.len()), "pageInfo": {"totalResults": items.len(), "resultsPerPage": items.len()}, "items": items}),
                )
            }
            ("PUT", "liveBroadcasts") => {
                if json_body["id"] != "yt-bcast-1" || json_body["snippet"]["scheduledStartTime"].is_null() {
                    return reply(
                        StatusCode::BAD_REQUEST,
                        json!({"error": {"code": 400, "message": "The scheduledStartTime is required.", "errors": [{"reason": "invalidScheduledStartTime"}]}}),
                    );
                }
                y.titles.push(json_body["snippet"]["title"].as_str().unwrap_or_default().to_string());
                reply(StatusCode::OK, json!({"kind": "youtube#liveBroadcast", "id": "yt-bcast-1", "snippet": json_body["snippet"]}))
            }
            ("POST", "liveChat/messages") => {
                let text = json_body["snippet"]["textMessageDetails"]["messageText"].as_str().unwrap_or_default().to_string();
                y.sent.push(text.clone());
                let n = y.chat.len();
                let item = FakePlatforms::youtube_chat_item(&format!("own-{n}"), "Fake Tube", &text, now_ms());
                y.chat.push(item.clone());
                reply(StatusCode::OK, item)
            }
            ("GET", "liveStreams") => reply(
                StatusCode::OK,
                json!({"kind": "youtube#liveStreamListResponse", "items": [{"kind": "youtube#liveStream", "id": "s1", "cdn": {"ingestionType": "rtmp", "ingestionInfo": {"streamName": "abcd-efgh-ijkl-mnop-qrst", "ingestionAddress": "rtmp://a.rtmp.youtube.com/live2", "backupIngestionAddress": "rtmp://b.rtmp.youtube.com/live2?backup=1", "rtmpsIngestionAddress": "rtmps://a.rtmps.youtube.com/live2"}, "resolution": "variable", "frameRate": "variable"}}]}),
            ),
            _ => reply(StatusCode::NOT_FOUND, json!({"error": {"code": 404, "message": "not found"}})),
        };
    }
    // ---- Facebook Graph ----
    if let Some(p) = path.strip_prefix("/fb/v19.0/") {
        let fb = &mut st.facebook;
        let token = f.get("access_token").cloned().unwrap_or_default();
        match p {
            "device/login" if post => {
                if !token.contains('|') {
                    return reply(StatusCode::BAD_REQUEST, json!({"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}));
                }
                return reply(
                    StatusCode::OK,
                    json!({"code": "fb-device-code-1", "user_code": "A1NWZ9", "verification_uri": "https://www.facebook.com/device", "expires_in": 420, "interval": 1}),
                );
            }
            "device/login_status" if post => {
                fb.device_polls += 1;
                if fb.pending_polls > 0 {
                    fb.pending_polls -= 1;
                    return reply(
                        StatusCode::BAD_REQUEST,
                        json!({"error": {"message": "This request requires the user to take a pending action", "code": 31, "error_subcode": 1349174, "error_user_title": "Device Login Authorization Pending", "error_user_msg": "User has not yet authorized your application. Continue polling.", "type": "OAuthException", "fbtrace_id": "x"}}),
                    );
                }
                let ttl = fb.first_ttl;
                let v = fb.issue("fb", ttl);
                return reply(StatusCode::OK, json!({"access_token": v["access_token"], "data_access_expiration_time": now() + 7_776_000, "expires_in": ttl}));
            }
            _ => {}
        }
        if !fb.access.contains(&token) {
            return graph_190();
        }
        return match (method.as_str(), p) {
            ("GET", "me") => reply(StatusCode::OK, json!({"id": "10158000000000001", "name": "Fay Book"})),
            ("GET", "me/live_videos") => {
                let data = if fb.live {
                    json!([{"id": "fb-live-1", "status": "LIVE", "title": fb.titles.last().cloned().unwrap_or("Fake live".into()), "live_views": fb.viewers, "creation_time": graph_time(now() - 200)}])
                } else {
                    json!([])
                };
                reply(StatusCode::OK, json!({"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}))
            }
            ("GET", "fb-live-1/reactions") => reply(StatusCode::OK, json!({"data": [], "summary": {"total_count": fb.reactions, "viewer_reaction": "NONE"}})),
            ("GET", "fb-live-1/comments") => {
                reply(StatusCode::OK, json!({"data": fb.chat.iter().rev().cloned().collect::<Vec<_>>(), "paging": {"cursors": {"before": "a", "after": "b"}}}))
            }
            ("POST", "fb-live-1") => {
                fb.titles.push(f.get("title").cloned().unwrap_or_default());
                reply(StatusCode::OK, json!({"success": true}))
            }
            ("POST", "fb-live-1/comments") => {
                fb.sent.push(f.get("message").cloned().unwrap_or_default());
                reply(StatusCode::OK, json!({"id": "fb-live-1_999"}))
            }
            _ => reply(
                StatusCode::BAD_REQUEST,
                json!({"error": {"message": "Unsupported request", "type": "GraphMethodException", "code": 100, "fbtrace_id": "x"}}),
            ),
        };
    }
    // ---- control for tests in other languages ----
    match (method.as_str(), path) {
        ("POST", "/_fake/twitch/irc") => {
            let _ = sh.irc.send(json_body["line"].as_str().unwrap_or_default().to_string());
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_fake/youtube/chat") => {
            let n = st.youtube.chat.len();
            st.youtube.chat.push(FakePlatforms::youtube_chat_item(
                &format!("yt-{n}"),
                json_body["author"].as_str().unwrap_or("viewer"),
                json_body["text"].as_str().unwrap_or(""),
                json_body["at_ms"].as_i64().unwrap_or_else(now_ms),
            ));
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "/_fake/live") => {
            let live = json_body["live"].as_bool().unwrap_or(true);
            st.twitch.live = live;
            st.youtube.live = live;
            st.facebook.live = live;
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "/_fake/irc-clients") => reply(StatusCode::OK, json!({"clients": sh.irc.receiver_count()})),
        _ => reply(StatusCode::NOT_FOUND, json!({"error": "no such fake endpoint", "path": path})),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_in_the_platforms_formats() {
        assert_eq!(super::rfc3339_ms(1_000_500), "1970-01-01T00:16:40.500Z");
        assert_eq!(super::graph_time(86_400 * 365), "1971-01-01T00:00:00+0000");
        assert_eq!(super::iso(1_764_000_000), "2025-11-24T16:00:00");
    }
}
