//! Facebook Graph API: the user, their live video (status, live views), comments, reactions and
//! title. Graph reports auth failures as OAuthException (code 190) and throttling as codes 4/17/32.
use serde_json::Value;

use super::chat::{now_ms, parse_graph_time_ms, ChatMessage};
use super::http::{self, PlatformError, Result};
use super::{Ctx, LiveInfo};

pub const VERSION: &str = "v19.0";

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

pub async fn me(c: &Ctx<'_>) -> Result<(String, String, String)> {
    let v = call(c, graph(c, reqwest::Method::GET, "me").query(&[("fields", "id,name")])).await?;
    let id = v["id"].as_str().ok_or_else(|| PlatformError::Api("Graph /me returned no id".into()))?;
    let name = v["name"].as_str().unwrap_or(id);
    Ok((id.into(), name.into(), name.into()))
}

pub async fn status(c: &Ctx<'_>) -> Result<LiveInfo> {
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

pub async fn comments(c: &Ctx<'_>, video: &str) -> Result<Vec<ChatMessage>> {
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

pub async fn set_title(c: &Ctx<'_>, info: &LiveInfo, title: &str) -> Result<()> {
    let id = info.video_id.as_deref().ok_or_else(|| PlatformError::Api("no live video on Facebook to title".into()))?;
    call(c, graph(c, reqwest::Method::POST, id).form(&[("title", title)])).await?;
    Ok(())
}

pub async fn send_chat(c: &Ctx<'_>, info: &LiveInfo, text: &str) -> Result<()> {
    let id = info.video_id.as_deref().ok_or_else(|| PlatformError::Api("no live video on Facebook to comment on".into()))?;
    call(c, graph(c, reqwest::Method::POST, &format!("{id}/comments")).form(&[("message", text)])).await?;
    Ok(())
}
