//! Twitch: Helix for the channel, stream, followers, title and stream key; chat over Twitch's IRC
//! WebSocket interface (anonymous `justinfan` login reads any channel without an account).
use std::collections::HashMap;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::chat::{now_ms, ChatMessage};
use super::http::{self, PlatformError, Result};
use super::{Ctx, LiveInfo};

fn helix(c: &Ctx, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    c.http.request(method, format!("{}/helix/{path}", c.urls.twitch_api)).bearer_auth(c.token).header("Client-Id", &c.account.client_id)
}

pub async fn me(c: &Ctx<'_>) -> Result<(String, String, String)> {
    let v = http::call(c.gate, helix(c, reqwest::Method::GET, "users")).await?;
    let u = &v["data"][0];
    match (u["id"].as_str(), u["login"].as_str()) {
        (Some(id), Some(login)) => Ok((id.into(), u["display_name"].as_str().unwrap_or(login).into(), login.into())),
        _ => Err(PlatformError::Api("Helix /users returned no user".into())),
    }
}

fn user_id(c: &Ctx) -> Result<String> {
    c.account.account_id.clone().ok_or_else(|| PlatformError::NotLinked("Twitch account not linked".into()))
}

pub async fn status(c: &Ctx<'_>) -> Result<LiveInfo> {
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

pub async fn set_title(c: &Ctx<'_>, title: &str, category: Option<&str>) -> Result<()> {
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

pub async fn stream_key(c: &Ctx<'_>) -> Result<(Option<String>, String)> {
    let id = user_id(c)?;
    let v = http::call(c.gate, helix(c, reqwest::Method::GET, "streams/key").query(&[("broadcaster_id", id.as_str())])).await?;
    let key = v["data"][0]["stream_key"].as_str().ok_or_else(|| PlatformError::Api("Helix returned no stream key".into()))?;
    Ok((None, key.to_string()))
}

pub async fn send_chat(c: &Ctx<'_>, text: &str) -> Result<()> {
    let id = user_id(c)?;
    let v = http::call(c.gate, helix(c, reqwest::Method::POST, "chat/messages").json(&json!({"broadcaster_id": id, "sender_id": id, "message": text}))).await?;
    if v["data"][0]["is_sent"] == Value::Bool(false) {
        return Err(PlatformError::Api(format!("Twitch dropped the message: {}", v["data"][0]["drop_reason"]["message"].as_str().unwrap_or("no reason"))));
    }
    Ok(())
}

/// One IRC line: tags, prefix nick, command and parameters (the trailing one last).
#[derive(Debug, Default, PartialEq)]
pub struct IrcLine {
    pub tags: HashMap<String, String>,
    pub nick: Option<String>,
    pub command: String,
    pub params: Vec<String>,
}

fn unescape_tag(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut it = v.chars();
    while let Some(ch) = it.next() {
        if ch == '\\' {
            match it.next() {
                Some(':') => out.push(';'),
                Some('s') => out.push(' '),
                Some('\\') => out.push('\\'),
                Some('r') => out.push('\r'),
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(ch);
        }
    }
    out
}

pub fn parse_irc(line: &str) -> Option<IrcLine> {
    let mut rest = line.trim_end_matches(['\r', '\n']);
    let mut l = IrcLine::default();
    if let Some(r) = rest.strip_prefix('@') {
        let (tags, r) = r.split_once(' ')?;
        for t in tags.split(';') {
            let (k, v) = t.split_once('=').unwrap_or((t, ""));
            l.tags.insert(k.to_string(), unescape_tag(v));
        }
        rest = r.trim_start();
    }
    if let Some(r) = rest.strip_prefix(':') {
        let (prefix, r) = r.split_once(' ')?;
        l.nick = prefix.split('!').next().map(str::to_string);
        rest = r.trim_start();
    }
    let (cmd, mut r) = rest.split_once(' ').unwrap_or((rest, ""));
    if cmd.is_empty() {
        return None;
    }
    l.command = cmd.to_string();
    while !r.is_empty() {
        if let Some(t) = r.strip_prefix(':') {
            l.params.push(t.to_string());
            break;
        }
        let (p, next) = r.split_once(' ').unwrap_or((r, ""));
        l.params.push(p.to_string());
        r = next.trim_start();
    }
    Some(l)
}

/// Chat messages and viewer events from one IRC line.
pub fn to_chat(l: &IrcLine) -> Option<ChatMessage> {
    let at = l.tags.get("tmi-sent-ts").and_then(|t| t.parse().ok()).unwrap_or_else(now_ms);
    let id = l.tags.get("id").cloned().unwrap_or_default();
    let name = l.tags.get("display-name").filter(|n| !n.is_empty()).cloned().or_else(|| l.nick.clone()).unwrap_or_default();
    match l.command.as_str() {
        "PRIVMSG" => Some(ChatMessage::new("twitch", "message", id, name, l.params.get(1)?.clone(), at)),
        "USERNOTICE" => {
            let msg_id = l.tags.get("msg-id")?.as_str();
            let system = l.tags.get("system-msg").cloned().unwrap_or_default();
            let kind = match msg_id {
                "raid" => "raid",
                "sub" | "resub" | "subgift" | "submysterygift" | "giftpaidupgrade" => "subscription",
                _ => return None,
            };
            let mut m = ChatMessage::new("twitch", kind, id, name, l.params.get(1).cloned().unwrap_or(system), at);
            if kind == "raid" {
                m.amount = l.tags.get("msg-param-viewerCount").map(|n| format!("{n} viewers"));
            }
            Some(m)
        }
        _ => None,
    }
}

/// Reads one channel's chat until the connection ends. `login` with a token uses the account;
/// without, the anonymous read-only login.
pub async fn irc_session(url: &str, channel: &str, login: Option<(&str, &str)>, mut on_msg: impl FnMut(ChatMessage)) -> std::result::Result<(), String> {
    let (mut ws, _) = tokio::time::timeout(http::TIMEOUT, tokio_tungstenite::connect_async(url))
        .await
        .map_err(|_| "IRC connect timed out".to_string())?
        .map_err(|e| format!("IRC connect: {e}"))?;
    let (pass, nick) = match login {
        Some((token, nick)) => (Some(format!("PASS oauth:{token}")), nick.to_lowercase()),
        None => (None, format!("justinfan{}", 10000 + rand::random::<u32>() % 80000)),
    };
    let mut hello = vec!["CAP REQ :twitch.tv/tags twitch.tv/commands".to_string()];
    hello.extend(pass);
    hello.push(format!("NICK {nick}"));
    hello.push(format!("JOIN #{}", channel.trim_start_matches('#').to_lowercase()));
    for l in hello {
        ws.send(Message::text(l)).await.map_err(|e| e.to_string())?;
    }
    // Twitch PINGs about every 5 minutes; silence for longer than that means a dead link.
    loop {
        let msg = match tokio::time::timeout(std::time::Duration::from_secs(360), ws.next()).await {
            Err(_) => return Err("IRC silent for 6 minutes".into()),
            Ok(None) => return Err("IRC connection closed".into()),
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(Some(Ok(m))) => m,
        };
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Close(_) => return Err("IRC connection closed".into()),
            _ => continue,
        };
        for line in text.split("\r\n").filter(|l| !l.is_empty()) {
            let Some(l) = parse_irc(line) else { continue };
            match l.command.as_str() {
                "PING" => {
                    let arg = l.params.first().cloned().unwrap_or_default();
                    ws.send(Message::text(format!("PONG :{arg}"))).await.map_err(|e| e.to_string())?;
                }
                "RECONNECT" => return Err("Twitch asked to reconnect".into()),
                "NOTICE" if l.params.get(1).is_some_and(|p| p.contains("authentication failed")) => {
                    return Err("IRC login failed".into());
                }
                _ => {
                    if let Some(m) = to_chat(&l) {
                        on_msg(m);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privmsg_with_tags() {
        let l = parse_irc("@badge-info=;display-name=Ronni;id=b34ccfc7;tmi-sent-ts=1507246572675;user-id=1337 :ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #dallas :Kappa Keepo Kappa\r\n").unwrap();
        assert_eq!(l.command, "PRIVMSG");
        assert_eq!(l.params, ["#dallas", "Kappa Keepo Kappa"]);
        let m = to_chat(&l).unwrap();
        assert_eq!((m.author.as_str(), m.text.as_str(), m.at_ms, m.kind), ("Ronni", "Kappa Keepo Kappa", 1507246572675, "message"));
    }

    #[test]
    fn raid_and_sub_notices_are_events() {
        let raid = parse_irc("@display-name=Raider;id=r1;msg-id=raid;msg-param-viewerCount=15;system-msg=15\\sraiders\\sfrom\\sRaider;tmi-sent-ts=1000 :tmi.twitch.tv USERNOTICE #dallas").unwrap();
        let m = to_chat(&raid).unwrap();
        assert_eq!((m.kind, m.text.as_str(), m.amount.as_deref()), ("raid", "15 raiders from Raider", Some("15 viewers")));
        let sub = parse_irc("@display-name=Subber;id=s1;msg-id=resub;system-msg=x;tmi-sent-ts=1000 :tmi.twitch.tv USERNOTICE #dallas :Great stream").unwrap();
        assert_eq!(to_chat(&sub).unwrap().kind, "subscription");
        let other = parse_irc("@msg-id=ritual;tmi-sent-ts=1 :tmi.twitch.tv USERNOTICE #dallas").unwrap();
        assert!(to_chat(&other).is_none());
    }

    #[test]
    fn odd_lines_do_not_panic() {
        for l in ["", "@", "@a=b", ":", ": x", "PING", "PING :tmi.twitch.tv", "@a=\\ :x PRIVMSG", ":x PRIVMSG #c", "\u{0}\u{1}"] {
            let _ = parse_irc(l).map(|p| to_chat(&p));
        }
        assert_eq!(parse_irc("PING :tmi.twitch.tv").unwrap().params, ["tmi.twitch.tv"]);
    }
}
