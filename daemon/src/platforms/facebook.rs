//! Facebook Graph API: the user, their live video (status, live views), comments, reactions and
//! title. Graph reports auth failures as OAuthException (code 190) and throttling as codes 4/17/32.
use futures_util::future::BoxFuture;
use reqwest::{Client, RequestBuilder};
use serde_json::Value;

use super::chat::{now_ms, parse_graph_time_ms, ChatMessage};
use super::http::{self, PlatformError, Result};
use super::platform::{ChatPage, Identity, Platform};
use super::{Ctx, LiveInfo, Urls};
use crate::store::platforms::{Account, Tokens};

pub const VERSION: &str = "v19.0";

pub struct Facebook;

const SCOPES: &str = "public_profile,publish_video";

/// Graph identifies the app as `<app id>|<client token>`.
fn app_token(a: &Account) -> String {
    format!("{}|{}", a.client_id, a.client_secret.as_deref().unwrap_or_default())
}

impl Platform for Facebook {
    fn scopes(&self) -> &'static str {
        SCOPES
    }

    fn device_code(&self, http: &Client, urls: &Urls, a: &Account) -> RequestBuilder {
        http.post(format!("{}/{VERSION}/device/login", urls.facebook_graph)).form(&[("access_token", app_token(a).as_str()), ("scope", SCOPES)])
    }

    fn device_token(&self, http: &Client, urls: &Urls, a: &Account, device_code: &str) -> RequestBuilder {
        http.post(format!("{}/{VERSION}/device/login_status", urls.facebook_graph)).form(&[("access_token", app_token(a).as_str()), ("code", device_code)])
    }

    /// Graph has no refresh token; a long-lived token is renewed by exchanging it.
    fn refresh(&self, http: &Client, urls: &Urls, a: &Account, t: &Tokens) -> Result<RequestBuilder> {
        Ok(http.get(format!("{}/{VERSION}/oauth/access_token", urls.facebook_graph)).query(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", a.client_id.as_str()),
            ("client_secret", a.client_secret.as_deref().unwrap_or_default()),
            ("fb_exchange_token", t.access.as_str()),
        ]))
    }

    fn refresh_after_refusal(&self) -> bool {
        false
    }

    fn me<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<Identity>> {
        Box::pin(me(c))
    }

    fn status<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<LiveInfo>> {
        Box::pin(status(c))
    }

    /// The live video's comments, newest 50 (the chat feed drops the ones it has seen).
    fn poll_chat<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, _page: Option<&'a str>) -> BoxFuture<'a, Result<Option<ChatPage>>> {
        Box::pin(async move {
            let Some(video) = info.video_id.as_deref() else { return Ok(None) };
            Ok(Some(ChatPage { messages: comments(c, video).await?, ..Default::default() }))
        })
    }

    fn set_title<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, title: &'a str, _category: Option<&'a str>) -> BoxFuture<'a, Result<()>> {
        Box::pin(set_title(c, info, title))
    }

    fn send_chat<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, text: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(send_chat(c, info, text))
    }

    fn stream_key<'a>(&'a self, _c: &'a Ctx<'a>) -> BoxFuture<'a, Result<(Option<String>, String)>> {
        Box::pin(async { Err(PlatformError::Api("Facebook gives a key per live video: paste it from Live Producer".into())) })
    }
}

fn graph(c: &Ctx, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    c.http.request(method, format!("{}/{VERSION}/{path}", c.urls.facebook_graph)).query(&[("access_token", c.token)])
}

/// Graph answers errors with 400 and a code; sort them like the other platforms'.
async fn call(c: &Ctx<'_>, req: reqwest::RequestBuilder) -> Result<Value> {
    let r = http::send(c.gate, req).await?;
    if r.status.is_success() {
        return Ok(r.body);
    }
    let e = &r.body["error"];
    let msg = e["message"].as_str().unwrap_or("Graph API error").to_string();
    match e["code"].as_i64() {
        Some(190) | Some(102) => Err(PlatformError::Unauthorized(msg)),
        Some(4) | Some(17) | Some(32) | Some(613) => {
            let d = std::time::Duration::from_secs(60);
            c.gate.hold(d);
            Err(PlatformError::RateLimited(d))
        }
        _ => Err(PlatformError::Api(format!("{}: {msg}", r.status.as_u16()))),
    }
}

async fn me(c: &Ctx<'_>) -> Result<Identity> {
    let v = call(c, graph(c, reqwest::Method::GET, "me").query(&[("fields", "id,name")])).await?;
    let id = v["id"].as_str().ok_or_else(|| PlatformError::Api("Graph /me returned no id".into()))?;
    let name = v["name"].as_str().unwrap_or(id);
    Ok(Identity { id: id.into(), name: name.into(), login: name.into() })
}

async fn status(c: &Ctx<'_>) -> Result<LiveInfo> {
    let v = call(
        c,
        graph(c, reqwest::Method::GET, "me/live_videos").query(&[("broadcast_status", "[\"LIVE\"]"), ("fields", "id,status,title,live_views,creation_time")]),
    )
    .await?;
    let mut info = LiveInfo::default();
    if let Some(lv) = v["data"].as_array().and_then(|a| a.iter().find(|x| x["status"] == "LIVE")) {
        info.live = true;
        info.video_id = lv["id"].as_str().map(str::to_string);
        info.viewers = lv["live_views"].as_u64();
        info.title = lv["title"].as_str().map(str::to_string);
        info.started_at = lv["creation_time"]
            .as_str()
            .and_then(parse_graph_time_ms)
            .map(|ms| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        if let Some(id) = &info.video_id {
            let r = call(c, graph(c, reqwest::Method::GET, &format!("{id}/reactions")).query(&[("summary", "total_count"), ("limit", "0")])).await;
            info.reactions = r.ok().and_then(|r| r["summary"]["total_count"].as_u64());
        }
    }
    Ok(info)
}

async fn comments(c: &Ctx<'_>, video: &str) -> Result<Vec<ChatMessage>> {
    let v = call(
        c,
        graph(c, reqwest::Method::GET, &format!("{video}/comments")).query(&[
            ("order", "reverse_chronological"),
            ("live_filter", "no_filter"),
            ("fields", "id,from{name},message,created_time"),
            ("limit", "50"),
        ]),
    )
    .await?;
    let mut out: Vec<ChatMessage> = v["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let at = x["created_time"].as_str().and_then(parse_graph_time_ms).unwrap_or_else(now_ms);
                    Some(ChatMessage::new(
                        "facebook",
                        "message",
                        x["id"].as_str()?,
                        x["from"]["name"].as_str().unwrap_or("someone"),
                        x["message"].as_str()?,
                        at,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    out.reverse();
    Ok(out)
}

async fn set_title(c: &Ctx<'_>, info: &LiveInfo, title: &str) -> Result<()> {
    let id = info.video_id.as_deref().ok_or_else(|| PlatformError::Api("no live video on Facebook to title".into()))?;
    call(c, graph(c, reqwest::Method::POST, id).form(&[("title", title)])).await?;
    Ok(())
}

async fn send_chat(c: &Ctx<'_>, info: &LiveInfo, text: &str) -> Result<()> {
    let id = info.video_id.as_deref().ok_or_else(|| PlatformError::Api("no live video on Facebook to comment on".into()))?;
    call(c, graph(c, reqwest::Method::POST, &format!("{id}/comments")).form(&[("message", text)])).await?;
    Ok(())
}
