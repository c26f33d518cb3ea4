//! What every platform the box links to does, each in its own API's words: `twitch.rs`,
//! `youtube.rs` and `facebook.rs` implement it; the link, the poller and the commands only speak
//! this trait, so a new platform is one new file and one line in `Kind::platform`.
use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::{Client, RequestBuilder};

use super::chat::ChatMessage;
use super::http::Result;
use super::{Ctx, LiveInfo, Urls};
use crate::store::platforms::{Account, Tokens};

/// The linked account as the platform names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub id: String,
    pub name: String,
    /// The handle in URLs and chat (Twitch's login); the name elsewhere.
    pub login: String,
}

/// One read of a chat the box polls (YouTube, Facebook).
#[derive(Debug, Default)]
pub struct ChatPage {
    pub messages: Vec<ChatMessage>,
    /// Where the next read starts (YouTube's page token).
    pub next_page: Option<String>,
    /// How long the platform asks to wait before the next read.
    pub wait: Option<Duration>,
}

pub trait Platform: Send + Sync {
    /// The OAuth scopes the box asks for.
    fn scopes(&self) -> &'static str;
    /// Step one of the device flow (RFC 8628, or Graph's `device/login`).
    fn device_code(&self, http: &Client, urls: &Urls, a: &Account) -> RequestBuilder;
    /// Step two, polled until the user approves.
    fn device_token(&self, http: &Client, urls: &Urls, a: &Account, device_code: &str) -> RequestBuilder;
    /// A fresh access token for `t`; an error when the account has nothing to refresh with.
    fn refresh(&self, http: &Client, urls: &Urls, a: &Account, t: &Tokens) -> Result<RequestBuilder>;
    /// Whether a token refused in the middle of its life is worth one refresh before asking the
    /// user to link again (Graph's long-lived tokens are not: a refusal there means revoked).
    fn refresh_after_refusal(&self) -> bool {
        true
    }
    /// The channel's chat can be read without an account (Twitch's anonymous IRC login); the
    /// channel is then the account's login unless the user named another.
    fn anonymous_chat(&self) -> bool {
        false
    }
    /// The platform's chat shows the box's own messages back to it (Twitch's IRC does not).
    fn echoes_own_chat(&self) -> bool {
        true
    }

    fn me<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<Identity>>;
    /// The platform's view of the stream: live or not, viewers, title, followers...
    fn status<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<LiveInfo>>;
    /// The chat since `page`, for platforms whose chat is polled; `None` where there is nothing to
    /// read now (no live chat, or chat comes another way).
    fn poll_chat<'a>(&'a self, _c: &'a Ctx<'a>, _info: &'a LiveInfo, _page: Option<&'a str>) -> BoxFuture<'a, Result<Option<ChatPage>>> {
        Box::pin(async { Ok(None) })
    }
    /// Sets the stream's title (and category where the platform has one).
    fn set_title<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, title: &'a str, category: Option<&'a str>) -> BoxFuture<'a, Result<()>>;
    fn send_chat<'a>(&'a self, c: &'a Ctx<'a>, info: &'a LiveInfo, text: &'a str) -> BoxFuture<'a, Result<()>>;
    /// The account's stream key, and the ingest URL when the platform names one.
    fn stream_key<'a>(&'a self, c: &'a Ctx<'a>) -> BoxFuture<'a, Result<(Option<String>, String)>>;
}
