//! The outbox's courier: sends what is due, one message at a time, off every other path (a slow
//! webhook delays only the next message). A failure is tried again later, each wait longer
//! (5 s, 10 s, 20 s … up to 15 min, about 2 hours in all), or at the time a 429 names; then given up.
use std::sync::Arc;
use std::time::Duration;

use super::channels;
use super::kinds::Notice;
use crate::store::{now, Store};

pub const MAX_ATTEMPTS: i64 = 12;
const TIMEOUT: Duration = Duration::from_secs(10);

/// The wait before attempt `attempts + 1`, in seconds.
pub fn backoff(attempts: i64) -> i64 {
    (5i64 << attempts.clamp(0, 20)).min(900)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(TIMEOUT).connect_timeout(Duration::from_secs(5)).redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default()
}

pub(super) async fn run(store: Store, wake: Arc<tokio::sync::Notify>) {
    let http = client();
    loop {
        let due = store.due_notices(now(), 20).unwrap_or_default();
        for q in &due {
            let result = send(&store, &http, q.channel_id, &q.notice).await;
            let _ = match result {
                Ok(()) => store.notice_sent(q.id),
                Err((e, retry_after)) => {
                    let next = (q.attempts + 1 < MAX_ATTEMPTS).then(|| now() + retry_after.unwrap_or_else(|| backoff(q.attempts)));
                    tracing::warn!(channel = q.channel_id, attempt = q.attempts + 1, given_up = next.is_none(), "a notification did not go: {e}");
                    store.notice_failed(q.id, &e, next)
                }
            };
        }
        if due.len() == 20 {
            continue;
        }
        let next = store.next_notice_at().ok().flatten();
        let wait = next.map_or(Duration::from_secs(60), |t| Duration::from_secs((t - now()).clamp(1, 60) as u64));
        let _ = tokio::time::timeout(wait, wake.notified()).await;
    }
}

/// One message to one channel: `Err((why, seconds to wait))` when it did not go.
async fn send(store: &Store, http: &reqwest::Client, channel: i64, notice: &str) -> Result<(), (String, Option<i64>)> {
    let c = store.channel(channel).ok().flatten().ok_or(("the channel was removed".to_string(), None))?;
    if !c.enabled {
        // Switched off with messages waiting: they wait on (an hour at a time) for it to come back on.
        return Err(("the channel is switched off".to_string(), Some(3600)));
    }
    let n: Notice = serde_json::from_str(notice).map_err(|e| (format!("unreadable message: {e}"), None))?;
    let secret = store.channel_secret(channel).map_err(|e| (e.to_string(), None))?;
    if c.kind == "email" {
        return send_email(&c.settings, secret.as_deref(), &n).await.map_err(|e| (e, None));
    }
    let out = channels::request(&c.kind, &c.settings, secret.as_deref(), &n).map_err(|e| (e.to_string(), None))?;
    let mut req = http.post(&out.url).body(out.body);
    for (k, v) in &out.headers {
        req = req.header(k, v);
    }
    let res = req.send().await.map_err(|e| (without_url(&e), None))?;
    let status = res.status();
    if status.is_success() {
        return Ok(());
    }
    let retry =
        res.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok()).map(|s| s.clamp(1, 3600));
    Err((format!("{} answered HTTP {}", c.kind, status.as_u16()), retry))
}

/// An e-mail through the channel's SMTP server (STARTTLS or TLS; the machine's trust roots, and the
/// file `ONAIR_EXTRA_CA_FILE` names, as for RTMPS).
async fn send_email(settings: &serde_json::Value, password: Option<&str>, n: &Notice) -> Result<(), String> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let mail = channels::email_settings(settings).map_err(|e| e.to_string())?;
    let (subject, body) = channels::email_text(n);
    let mut m = Message::builder().from(mail.from.parse().map_err(|e| format!("from: {e}"))?).subject(subject);
    for to in &mail.to {
        m = m.to(to.parse().map_err(|e| format!("to: {e}"))?);
    }
    let message = m.body(body).map_err(|e| format!("the message: {e}"))?;
    let mut tls = TlsParameters::builder(mail.host.clone());
    if let Ok(path) = std::env::var("ONAIR_EXTRA_CA_FILE") {
        let pem = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
        tls = tls.add_root_certificate(Certificate::from_pem(&pem).map_err(|e| format!("{path}: {e}"))?);
    }
    let tls = tls.build_rustls().map_err(|e| format!("TLS: {e}"))?;
    let mut t = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(mail.host.as_str()).port(mail.port).timeout(Some(TIMEOUT)).tls(match mail.security {
        channels::Security::StartTls => Tls::Required(tls),
        channels::Security::Tls => Tls::Wrapper(tls),
    });
    if let (Some(user), Some(pw)) = (&mail.username, password) {
        t = t.credentials(Credentials::new(user.clone(), pw.to_string()));
    }
    t.build().send(message).await.map(|_| ()).map_err(|e| format!("e-mail: {e}"))
}

/// A request error without its URL: a Discord/Slack webhook URL or a Telegram bot token is the
/// credential, and errors go to the log and the API.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    format!("{kind}: {}", e.without_url_ref())
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut s = std::error::Error::source(self).map(|s| s.to_string()).unwrap_or_default();
        if let Some(u) = self.url() {
            s = s.replace(u.as_str(), "<url>");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_a_ceiling() {
        assert_eq!((0..6).map(backoff).collect::<Vec<_>>(), [5, 10, 20, 40, 80, 160]);
        assert_eq!(backoff(8), 900);
        assert_eq!(backoff(100), 900);
        let total: i64 = (0..MAX_ATTEMPTS - 1).map(backoff).sum();
        assert!((3600..3 * 3600).contains(&total), "about two hours of trying: {total} s");
    }
}
