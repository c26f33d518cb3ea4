//! Security headers on every response. Pages get a Content-Security-Policy that allows only the box's
//! own scripts plus the page's inline scripts by hash (the guest pages are single files with inline
//! modules, and the join page inlines its ICE servers, so the hashes are taken from each body).
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::Digest;

/// Pages are small static files; anything bigger is passed on with the hash-less policy.
const MAX_PAGE: usize = 1 << 20;

/// Styles may be inline (`style` attributes in templates and pages): they cannot run code, and
/// allowing hashes only would break every inline style attribute.
const PAGE_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'; object-src 'none'";
/// Not a page (JSON, images, media): nothing may run or frame it.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// `'sha256-…'` of every inline `<script>` (one without `src`) in `html`.
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
        if !tag.contains(" src=") {
            let d = sha2::Sha256::digest(html[body_start..body_start + end].as_bytes());
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

pub async fn security_headers(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    let (mut parts, body) = res.into_parts();
    let (policy, body) = if !html {
        (DATA_POLICY.to_string(), body)
    } else if parts.headers.contains_key(header::CONTENT_ENCODING) {
        // The dashboard's index.html (compressed) loads only its own files.
        (page_policy(&[]), body)
    } else {
        match axum::body::to_bytes(body, MAX_PAGE).await {
            Ok(b) => (page_policy(&script_hashes(&String::from_utf8_lossy(&b))), Body::from(b)),
            Err(_) => (page_policy(&[]), Body::empty()),
        }
    };
    let h = &mut parts.headers;
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    // Invite and view links carry tokens in their URLs: never hand them to another site.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let page = "<script type=\"module\">alert(1)</script><script src=\"/a.js\"></script><SCRIPT>x</SCRIPT>";
        let h = script_hashes(page);
        assert_eq!(h.len(), 2);
        let want = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(b"alert(1)"));
        assert_eq!(h[0], format!("'sha256-{want}'"));
        assert!(script_hashes("<script>unterminated").is_empty());
        assert!(page_policy(&h).contains("frame-ancestors 'self'"));
    }
}
