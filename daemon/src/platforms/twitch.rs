//! Twitch: Helix for the channel, stream, followers, title and stream key; its chat comes over
//! IRC (`irc.rs`), which needs no account to read a channel.
use futures_util::future::BoxFuture;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

use super::http::{self, PlatformError, Result};
use super::oauth::{self, DEVICE_GRANT};
use super::platform::{Identity, Platform};
use super::{Ctx, LiveInfo, Urls};
use crate::store::platforms::{Account, Tokens};

pub struct Twitch;

/// Title/category, stream key, followers, subscribers, chat read + send.
const SCOPES: &str =
    "channel:manage:broadcast channel:read:stream_key moderator:read:followers channel:read:subscriptions user:read:chat user:write:chat chat:read";

impl Platform for Twitch {
    fn scopes(&self) -> &'static str {
        SCOPES
    }

    fn device_code(&self, http: &Client, urls: &Urls, a: &Account) -> RequestBuilder {
        http.post(format!("{}/oauth2/device", urls.twitch_auth)).form(&[("client_id", a.client_id.as_str()), ("scopes", SCOPES)])
    }

    fn device_token(&self, http: &Client, urls: &Urls, a: &Account, device_code: &str) -> RequestBuilder {
        http.post(format!("{}/oauth2/token", urls.twitch_auth)).form(&[
            ("client_id", a.client_id.as_str()),
            ("scopes", SCOPES),
            ("device_code", device_code),
            ("grant_type", DEVICE_GRANT),
        ])
    }

    fn refresh(&self, http: &Client, urls: &Urls, a: &Account, t: &Tokens) -> Result<RequestBuilder> {
        oauth::refresh_grant(http, format!("{}/oauth2/token", urls.twitch_auth), a, t)
    }

    fn anonymous_chat(&self) -> bool {
        true
    }

    fn echoes_own_chat(&self) -> bool {
        false
    }

    fn me<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<Identity>> {
        Box::pin(me(c))
    }

    fn status<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<LiveInfo>> {
        Box::pin(status(c))
    }

    fn set_title<'a>(&'a self, c: &'a Ctx<'a>, _info: &'a LiveInfo, title: &'a str, category: Option<&'a str>) -> BoxFuture<'a, Result<()>> {
        Box::pin(set_title(c, title, category))
    }

    fn send_chat<'a>(&'a self, c: &'a Ctx<'a>, _info: &'a LiveInfo, text: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(send_chat(c, text))
    }

    fn stream_key<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<(Option<String>, String)>> {
        Box::pin(stream_key(c))
    }
}

fn helix(c: &Ctx, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    c.http.request(method, format!("{}/helix/{path}", c.urls.twitch_api)).bearer_auth(c.token).header("Client-Id", &c.account.client_id)
}

async fn me(c: &Ctx<'_>) -> Result<Identity> {
    let v = http::call(c.gate, helix(c, reqwest::Method::GET, "users")).await?;
    let u = &v["data"][0];
    match (u["id"].as_str(), u["login"].as_str()) {
        (Some(id), Some(login)) => Ok(Identity { id: id.into(), name: u["display_name"].as_str().unwrap_or(login).into(), login: login.into() }),
        _ => Err(PlatformError::Api("Helix /users returned no user".into())),
    }
}

fn user_id(c: &Ctx) -> Result<String> {
    c.account.account_id.clone().ok_or_else(|| PlatformError::NotLinked("Twitch account not linked".into()))
}

async fn status(c: &Ctx<'_>) -> Result<LiveInfo> {
    let id = user_id(c)?;
    let v = http::call(c.gate, helix(c, reqwest::Method::GET, "streams").query(&[("user_id", id.as_str())])).await?;
    let s = &v["data"][0];
    let mut info = LiveInfo::default();
    if s["type"] == "live" {
        info.live = true;
        info.viewers = s["viewer_count"].as_u64();
        info.started_at = s["started_at"].as_str().map(str::to_string);
        info.title = s["title"].as_str().map(str::to_string);
        info.category = s["game_name"].as_str().map(str::to_string);
    }
    // Follower and subscriber counts need extra scopes; a refusal there must not hide the stream.
    if let Ok(f) = http::call(c.gate, helix(c, reqwest::Method::GET, "channels/followers").query(&[("broadcaster_id", id.as_str()), ("first", "20")])).await {
        info.followers = f["total"].as_u64();
        info.recent_followers = f["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| Some((x["user_id"].as_str()?.to_string(), x["user_name"].as_str()?.to_string(), x["followed_at"].as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
    }
    if let Ok(s) = http::call(c.gate, helix(c, reqwest::Method::GET, "subscriptions").query(&[("broadcaster_id", id.as_str()), ("first", "1")])).await {
        info.subscribers = s["total"].as_u64();
    }
    Ok(info)
}

async fn set_title(c: &Ctx<'_>, title: &str, category: Option<&str>) -> Result<()> {
    let id = user_id(c)?;
    let mut body = json!({ "title": title });
    if let Some(cat) = category.filter(|s| !s.is_empty()) {
        let g = http::call(c.gate, helix(c, reqwest::Method::GET, "games").query(&[("name", cat)])).await?;
        match g["data"][0]["id"].as_str() {
            Some(gid) => body["game_id"] = json!(gid),
            None => return Err(PlatformError::Api(format!("Twitch has no category named {cat:?}"))),
        }
    }
    http::call(c.gate, helix(c, reqwest::Method::PATCH, "channels").query(&[("broadcaster_id", id.as_str())]).json(&body)).await?;
    Ok(())
}

async fn stream_key(c: &Ctx<'_>) -> Result<(Option<String>, String)> {
    let id = user_id(c)?;
    let v = http::call(c.gate, helix(c, reqwest::Method::GET, "streams/key").query(&[("broadcaster_id", id.as_str())])).await?;
    let key = v["data"][0]["stream_key"].as_str().ok_or_else(|| PlatformError::Api("Helix returned no stream key".into()))?;
    Ok((None, key.to_string()))
}

async fn send_chat(c: &Ctx<'_>, text: &str) -> Result<()> {
    let id = user_id(c)?;
    let v = http::call(c.gate, helix(c, reqwest::Method::POST, "chat/messages").json(&json!({"broadcaster_id": id, "sender_id": id, "message": text}))).await?;
    if v["data"][0]["is_sent"] == Value::Bool(false) {
        return Err(PlatformError::Api(format!("Twitch dropped the message: {}", v["data"][0]["drop_reason"]["message"].as_str().unwrap_or("no reason"))));
    }
    Ok(())
}
