//! YouTube Data API v3: the channel, the active broadcast and its viewers, live chat (with Super
//! Chats), title, and the stream key of the account's live stream.
use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

use super::chat::{now_ms, parse_rfc3339_ms, ChatMessage};
use super::http::{self, PlatformError, Result};
use super::oauth::{self, DEVICE_GRANT};
use super::platform::{ChatPage, Identity, Platform};
use super::{Ctx, LiveInfo, Urls};
use crate::store::platforms::{Account, Tokens};

pub struct Youtube;

const SCOPES: &str = "https://www.googleapis.com/auth/youtube";

impl Platform for Youtube {
    fn scopes(&self) -> &'static str {
        SCOPES
    }

    fn device_code(&self, http: &Client, urls: &Urls, a: &Account) -> RequestBuilder {
        http.post(format!("{}/device/code", urls.google_auth)).form(&[("client_id", a.client_id.as_str()), ("scope", SCOPES)])
    }

    fn device_token(&self, http: &Client, urls: &Urls, a: &Account, device_code: &str) -> RequestBuilder {
        http.post(format!("{}/token", urls.google_auth)).form(&[
            ("client_id", a.client_id.as_str()),
            ("client_secret", a.client_secret.as_deref().unwrap_or_default()),
            ("device_code", device_code),
            ("grant_type", DEVICE_GRANT),
        ])
    }

    fn refresh(&self, http: &Client, urls: &Urls, a: &Account, t: &Tokens) -> Result<RequestBuilder> {
        oauth::refresh_grant(http, format!("{}/token", urls.google_auth), a, t)
    }

    fn me<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<Identity>> {
        Box::pin(me(c))
    }

    fn status<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<LiveInfo>> {
        Box::pin(status(c))
    }

    fn poll_chat<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, page: Option<&'a str>) -> BoxFuture<'a, Result<Option<ChatPage>>> {
        Box::pin(async move {
            let Some(chat_id) = info.chat_id.as_deref() else { return Ok(None) };
            let (messages, next_page, wait_ms) = chat(c, chat_id, page).await?;
            Ok(Some(ChatPage { messages, next_page, wait: Some(Duration::from_millis(wait_ms.max(1000))) }))
        })
    }

    fn set_title<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, title: &'a str, _category: Option<&'a str>) -> BoxFuture<'a, Result<()>> {
        Box::pin(set_title(c, info, title))
    }

    fn send_chat<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, text: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(send_chat(c, info.chat_id.as_deref(), text))
    }

    fn stream_key<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<(Option<String>, String)>> {
        Box::pin(stream_key(c))
    }
}

fn api(c: &Ctx, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    c.http.request(method, format!("{}/youtube/v3/{path}", c.urls.youtube_api)).bearer_auth(c.token)
}

async fn me(c: &Ctx<'_>) -> Result<Identity> {
    let v = http::call(c.gate, api(c, reqwest::Method::GET, "channels").query(&[("part", "snippet"), ("mine", "true")])).await?;
    let ch = &v["items"][0];
    let id = ch["id"].as_str().ok_or_else(|| PlatformError::Api("this Google account has no YouTube channel".into()))?;
    let name = ch["snippet"]["title"].as_str().unwrap_or(id);
    Ok(Identity { id: id.into(), name: name.into(), login: name.into() })
}

/// The active broadcast (if any) with its chat id and viewers.
async fn status(c: &Ctx<'_>) -> Result<LiveInfo> {
    let v = http::call(
        c.gate,
        api(c, reqwest::Method::GET, "liveBroadcasts").query(&[
            ("part", "id,snippet,status"),
            ("broadcastStatus", "active"),
            ("broadcastType", "all"),
            ("maxResults", "5"),
        ]),
    )
    .await?;
    let mut info = LiveInfo::default();
    let Some(b) = v["items"].as_array().and_then(|a| a.iter().find(|b| b["status"]["lifeCycleStatus"] == "live").or(a.first())) else {
        return Ok(info);
    };
    let id = b["id"].as_str().unwrap_or_default().to_string();
    info.live = b["status"]["lifeCycleStatus"] == "live";
    info.title = b["snippet"]["title"].as_str().map(str::to_string);
    info.started_at = b["snippet"]["actualStartTime"].as_str().map(str::to_string);
    info.chat_id = b["snippet"]["liveChatId"].as_str().map(str::to_string);
    info.scheduled_start = b["snippet"]["scheduledStartTime"].as_str().map(str::to_string);
    if !id.is_empty() {
        let d = http::call(c.gate, api(c, reqwest::Method::GET, "videos").query(&[("part", "liveStreamingDetails"), ("id", id.as_str())])).await?;
        let l = &d["items"][0]["liveStreamingDetails"];
        // concurrentViewers is a string in the API.
        info.viewers = l["concurrentViewers"].as_str().and_then(|s| s.parse().ok()).or(l["concurrentViewers"].as_u64());
        info.chat_id = info.chat_id.or_else(|| l["activeLiveChatId"].as_str().map(str::to_string));
        info.video_id = Some(id);
    }
    Ok(info)
}

/// One page of chat; returns the messages, the next page token and the wait YouTube asks for.
async fn chat(c: &Ctx<'_>, chat_id: &str, page: Option<&str>) -> Result<(Vec<ChatMessage>, Option<String>, u64)> {
    let mut q = vec![("liveChatId", chat_id), ("part", "snippet,authorDetails"), ("maxResults", "200")];
    if let Some(p) = page {
        q.push(("pageToken", p));
    }
    let v = http::call(c.gate, api(c, reqwest::Method::GET, "liveChat/messages").query(&q)).await?;
    let msgs = v["items"].as_array().map(|a| a.iter().filter_map(to_chat).collect()).unwrap_or_default();
    Ok((msgs, v["nextPageToken"].as_str().map(str::to_string), v["pollingIntervalMillis"].as_u64().unwrap_or(5000)))
}

fn to_chat(i: &Value) -> Option<ChatMessage> {
    let s = &i["snippet"];
    let at = s["publishedAt"].as_str().and_then(parse_rfc3339_ms).unwrap_or_else(now_ms);
    let author = i["authorDetails"]["displayName"].as_str().unwrap_or("someone");
    let id = i["id"].as_str().unwrap_or_default();
    match s["type"].as_str()? {
        "textMessageEvent" => {
            Some(ChatMessage::new("youtube", "message", id, author, s["displayMessage"].as_str().or(s["textMessageDetails"]["messageText"].as_str())?, at))
        }
        "superChatEvent" => {
            let d = &s["superChatDetails"];
            let mut m = ChatMessage::new("youtube", "super_chat", id, author, d["userComment"].as_str().or(s["displayMessage"].as_str()).unwrap_or(""), at);
            m.amount = d["amountDisplayString"].as_str().map(str::to_string);
            Some(m)
        }
        "superStickerEvent" => {
            let mut m = ChatMessage::new("youtube", "super_chat", id, author, "Super Sticker", at);
            m.amount = s["superStickerDetails"]["amountDisplayString"].as_str().map(str::to_string);
            Some(m)
        }
        "newSponsorEvent" | "memberMilestoneChatEvent" => {
            Some(ChatMessage::new("youtube", "subscription", id, author, s["displayMessage"].as_str().unwrap_or("new member"), at))
        }
        _ => None,
    }
}

async fn set_title(c: &Ctx<'_>, info: &LiveInfo, title: &str) -> Result<()> {
    let id = info.video_id.as_deref().ok_or_else(|| PlatformError::Api("no active broadcast on YouTube to title".into()))?;
    // liveBroadcasts.update replaces the snippet: scheduledStartTime is required and must be kept.
    let mut snippet = json!({ "title": title });
    if let Some(s) = &info.scheduled_start {
        snippet["scheduledStartTime"] = json!(s);
    }
    http::call(c.gate, api(c, reqwest::Method::PUT, "liveBroadcasts").query(&[("part", "snippet")]).json(&json!({"id": id, "snippet": snippet}))).await?;
    Ok(())
}

async fn send_chat(c: &Ctx<'_>, chat_id: Option<&str>, text: &str) -> Result<()> {
    let chat_id = chat_id.ok_or_else(|| PlatformError::Api("no live chat on YouTube right now".into()))?;
    let body = json!({"snippet": {"liveChatId": chat_id, "type": "textMessageEvent", "textMessageDetails": {"messageText": text}}});
    http::call(c.gate, api(c, reqwest::Method::POST, "liveChat/messages").query(&[("part", "snippet")]).json(&body)).await?;
    Ok(())
}

/// The stream key (and ingest address) of the account's first live stream.
async fn stream_key(c: &Ctx<'_>) -> Result<(Option<String>, String)> {
    let v = http::call(c.gate, api(c, reqwest::Method::GET, "liveStreams").query(&[("part", "cdn"), ("mine", "true")])).await?;
    let ing = &v["items"][0]["cdn"]["ingestionInfo"];
    let key = ing["streamName"].as_str().ok_or_else(|| PlatformError::Api("this channel has no live stream set up in YouTube Studio".into()))?;
    Ok((ing["ingestionAddress"].as_str().map(str::to_string), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_items_from_the_documented_shape() {
        let text = json!({"kind": "youtube#liveChatMessage", "id": "m1", "snippet": {"type": "textMessageEvent", "publishedAt": "2026-11-25T10:00:00.5Z", "displayMessage": "hello", "textMessageDetails": {"messageText": "hello"}}, "authorDetails": {"displayName": "Ana"}});
        let m = to_chat(&text).unwrap();
        assert_eq!((m.kind, m.author.as_str(), m.text.as_str()), ("message", "Ana", "hello"));
        let sc = json!({"id": "m2", "snippet": {"type": "superChatEvent", "publishedAt": "2026-11-25T10:00:01Z", "displayMessage": "$5.00 from Bo: go", "superChatDetails": {"amountDisplayString": "$5.00", "userComment": "go", "currency": "USD", "amountMicros": "5000000"}}, "authorDetails": {"displayName": "Bo"}});
        let m = to_chat(&sc).unwrap();
        assert_eq!((m.kind, m.amount.as_deref(), m.text.as_str()), ("super_chat", Some("$5.00"), "go"));
        assert!(to_chat(&json!({"snippet": {"type": "tombstone"}})).is_none());
        assert!(to_chat(&json!("garbage")).is_none());
    }
}
