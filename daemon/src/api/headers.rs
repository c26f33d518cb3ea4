//! Security headers on every response. Pages get a Content-Security-Policy that allows only the box's
//! own scripts, plus, for the pages the daemon ships as single files with inline modules (`Page`),
//! those inline scripts by hash. The hashes are taken once from the templates, never from a
//! response body: a body that carried input into an inline script would otherwise have it allowed.
//! What a page needs from the box at serving time goes into a data block (`script_data`), which
//! is not a script and leaves the template's scripts as they are.
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::Digest;

/// Styles may be inline (`style` attributes in templates and pages): they cannot run code, and
/// allowing hashes only would break every inline style attribute.
const PAGE_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'";
/// Not a page (JSON, images, media): nothing may run or frame it.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// `'sha256-…'` of every inline `<script>` (one without `src`) in `html`, data blocks
/// (`type="application/json"`, never run) left out.
pub fn script_hashes(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = vec![];
    let mut at = 0;
    while let Some(i) = lower[at..].find("<script") {
        let open = at + i;
        let Some(gt) = lower[open..].find('>') else { break };
        let body_start = open + gt + 1;
        let Some(end) = lower[body_start..].find("</script") else { break };
        let tag = &lower[open..body_start];
        if !tag.contains(" src=") && !tag.contains("application/json") {
            let d = sha2::Sha256::digest(&html.as_bytes()[body_start..body_start + end]);
            out.push(format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(d)));
        }
        at = body_start + end;
    }
    out
}

fn page_policy(hashes: &[String]) -> String {
    let mut script = String::from("script-src 'self'");
    for h in hashes {
        script.push(' ');
        script.push_str(h);
    }
    format!("{PAGE_POLICY}; {script}")
}

/// A page the daemon ships, with its policy computed once from its template.
pub struct Page {
    template: &'static str,
    policy: OnceLock<HeaderValue>,
}

impl Page {
    pub const fn new(template: &'static str) -> Page {
        Page { template, policy: OnceLock::new() }
    }

    pub fn template(&self) -> &'static str {
        self.template
    }

    pub fn policy(&self) -> HeaderValue {
        self.policy.get_or_init(|| HeaderValue::from_str(&page_policy(&script_hashes(self.template))).expect("a policy is ASCII")).clone()
    }

    /// `body`, the template or the template with its data blocks filled in, under the template's policy.
    pub fn respond(&self, status: StatusCode, body: impl Into<Body>) -> Response {
        let mut res = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body.into()).into_response();
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, self.policy());
        res
    }
}

/// JSON made safe inside a `<script type="application/json">` data block: no `<` (so no
/// `</script>` or `<!--`), `>` or `&` is left for the HTML parser to see. These only occur
/// in JSON strings, where the escapes mean the same.
pub fn script_data(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// Text made safe in HTML, in an element or a quoted attribute.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    let h = res.headers_mut();
    if !html {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DATA_POLICY));
    } else if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        // Any other page (the dashboard, a refusal) runs no inline script.
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&page_policy(&[])).expect("a policy is ASCII"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    // Invite and view links carry tokens in their URLs: never hand them to another site.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let page =
            "<script type=\"module\">alert(1)</script><script src=\"/a.js\"></script><SCRIPT>x</SCRIPT><script type=\"application/json\" id=\"d\">{}</script>";
        let h = script_hashes(page);
        assert_eq!(h.len(), 2, "no hash for the external script or the data block");
        let want = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b"alert(1)"));
        assert_eq!(h[0], format!("'sha256-{want}'"));
        assert!(script_hashes("<script>unterminated").is_empty());
        assert!(page_policy(&h).contains("frame-ancestors 'self'"));
    }

    fn csp(res: &Response) -> String {
        res.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn the_policy_is_the_templates_whatever_the_body_says() {
        static PAGE: Page = Page::new("<p>hi</p><script type=\"module\">go()</script><script type=\"application/json\" id=\"c\">{}</script>");
        const INJECTED: &str = "<script>alert(document.cookie)</script>";
        let injected = INJECTED;
        let body = PAGE.template().replace("{}", &format!("</script>{injected}"));
        let app = axum::Router::new()
            .route("/page", axum::routing::get(move || async move { PAGE.respond(StatusCode::OK, body) }))
            .route("/echo", axum::routing::get(|| async { axum::response::Html(format!("<p>{INJECTED}</p>")) }))
            .route("/json", axum::routing::get(|| async { axum::Json(serde_json::json!({"a": 1})) }))
            .layer(axum::middleware::from_fn(security_headers));
        let call = |path: &'static str| {
            let app = app.clone();
            async move { tower::ServiceExt::oneshot(app, Request::get(path).body(Body::empty()).unwrap()).await.unwrap() }
        };
        let evil = script_hashes(injected).pop().unwrap();
        let page = call("/page").await;
        let p = csp(&page);
        assert!(p.contains(&script_hashes("<script>go()</script>")[0]), "{p}");
        assert!(!p.contains(&evil), "a script in the body is not allowed: {p}");
        assert_eq!(p.matches("'sha256-").count(), 1, "{p}");
        let echo = csp(&call("/echo").await);
        assert_eq!(echo, page_policy(&[]), "a page that is not a template allows no inline script");
        assert_eq!(csp(&call("/json").await), DATA_POLICY);
    }

    #[test]
    fn data_blocks_and_text_cannot_break_out() {
        let d = script_data(&serde_json::json!({"u": "</script><script>x()</script><!--&"}).to_string());
        assert!(!d.contains('<') && !d.contains('>') && !d.contains('&'), "{d}");
        let back: serde_json::Value = serde_json::from_str(&d).unwrap();
        assert_eq!(back["u"], "</script><script>x()</script><!--&");
        assert_eq!(escape_html("<img src=x onerror='a()'>&\""), "&lt;img src=x onerror=&#39;a()&#39;&gt;&amp;&quot;");
    }
}
