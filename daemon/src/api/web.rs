//! The dashboard: static files built from `web/` (Vite), embedded at compile time when present.
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;

static DIST: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/../web/dist");

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(index)).fallback(get(asset)).layer(tower_http::compression::CompressionLayer::new().gzip(true))
}

async fn index() -> Response {
    serve("index.html")
}

async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    // The built guest page is served by its own route, with its invite checked, not as a file.
    if DIST.get_file(path).is_some() && !path.starts_with("guest/") {
        return serve(path);
    }
    // Client-side routes fall back to the app.
    serve("index.html")
}

/// A page Vite built (`web/dist/{path}`), when the web is built.
pub fn built(path: &str) -> Option<&'static str> {
    DIST.get_file(path).and_then(|f| f.contents_utf8())
}

fn serve(path: &str) -> Response {
    match DIST.get_file(path) {
        Some(f) => {
            let mime = match path.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("css") => "text/css",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                Some("json") => "application/json",
                _ => "application/octet-stream",
            };
            let cache = if path == "index.html" { "no-cache" } else { "public, max-age=31536000, immutable" };
            ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache)], f.contents()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "dashboard not built: run `npm --prefix web run build`").into_response(),
    }
}
