//! Twitch chat over its IRC WebSocket interface: the line format (tags, prefix, command,
//! parameters), what a line means for the chat feed, one session with a channel, and the task that
//! keeps a session open for the linked account's channel or, without an account, reads the
//! configured channel anonymously (a `justinfan` login).
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::chat::{now_ms, ChatMessage};
use super::{http, Kind, Platforms};
use crate::backoff::Backoff;

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

pub fn parse(line: &str) -> Option<IrcLine> {
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
pub async fn session(url: &str, channel: &str, login: Option<(&str, &str)>, mut on_msg: impl FnMut(ChatMessage)) -> std::result::Result<(), String> {
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
            let Some(l) = parse(line) else { continue };
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

impl Platforms {
    /// Twitch chat over IRC: the linked account's channel, or the configured one anonymously.
    pub(super) async fn irc(self: Arc<Self>) {
        let mut backoff = Backoff::default();
        loop {
            let a = self.account(Kind::Twitch);
            let usable = a.tokens.as_ref().filter(|_| !a.needs_relink);
            let channel = a.channel.clone();
            if channel.is_empty() {
                self.irc_wake.notified().await;
                continue;
            }
            // IRC logs in as the account (its login is its display name in lower case for ASCII
            // names); otherwise, or for another channel's chat, the anonymous read-only login works.
            let account = usable.and_then(|t| {
                let nick = a.account_name.as_deref()?.to_lowercase();
                nick.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| (t.access.clone(), nick))
            });
            let login = account.as_ref().map(|(t, n)| (t.as_str(), n.as_str()));
            let started = Instant::now();
            let session = session(&self.settings.urls.twitch_irc, &channel, login, |m| self.push_chat(m));
            let r = tokio::select! {
                r = session => r,
                _ = self.irc_wake.notified() => Ok(()),
            };
            if let Err(e) = r {
                let wait = backoff.next_delay();
                tracing::info!("Twitch chat: {e}; again in {} s", wait.as_secs());
                tokio::time::sleep(wait).await;
                backoff.connection_lasted(started.elapsed());
            } else {
                backoff.reset();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privmsg_with_tags() {
        let l = parse("@badge-info=;display-name=Ronni;id=b34ccfc7;tmi-sent-ts=1507246572675;user-id=1337 :ronni!ronni@ronni.tmi.twitch.tv PRIVMSG #dallas :Kappa Keepo Kappa\r\n").unwrap();
        assert_eq!(l.command, "PRIVMSG");
        assert_eq!(l.params, ["#dallas", "Kappa Keepo Kappa"]);
        let m = to_chat(&l).unwrap();
        assert_eq!((m.author.as_str(), m.text.as_str(), m.at_ms, m.kind), ("Ronni", "Kappa Keepo Kappa", 1507246572675, "message"));
    }

    #[test]
    fn raid_and_sub_notices_are_events() {
        let raid = parse("@display-name=Raider;id=r1;msg-id=raid;msg-param-viewerCount=15;system-msg=15\\sraiders\\sfrom\\sRaider;tmi-sent-ts=1000 :tmi.twitch.tv USERNOTICE #dallas").unwrap();
        let m = to_chat(&raid).unwrap();
        assert_eq!((m.kind, m.text.as_str(), m.amount.as_deref()), ("raid", "15 raiders from Raider", Some("15 viewers")));
        let sub = parse("@display-name=Subber;id=s1;msg-id=resub;system-msg=x;tmi-sent-ts=1000 :tmi.twitch.tv USERNOTICE #dallas :Great stream").unwrap();
        assert_eq!(to_chat(&sub).unwrap().kind, "subscription");
        let other = parse("@msg-id=ritual;tmi-sent-ts=1 :tmi.twitch.tv USERNOTICE #dallas").unwrap();
        assert!(to_chat(&other).is_none());
    }

    #[test]
    fn odd_lines_do_not_panic() {
        for l in ["", "@", "@a=b", ":", ": x", "PING", "PING :tmi.twitch.tv", "@a=\\ :x PRIVMSG", ":x PRIVMSG #c", "\u{0}\u{1}"] {
            let _ = parse(l).map(|p| to_chat(&p));
        }
        assert_eq!(parse("PING :tmi.twitch.tv").unwrap().params, ["tmi.twitch.tv"]);
    }
}
