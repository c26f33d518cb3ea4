//! The HTTP and HTTPS listeners: each connection is admitted by `Limits`, closed when it idles or
//! stalls, and every request counts against the box's request cap.
//!
//! A connection over a cap on the plain HTTP listener gets a fixed 429/503 answer written right
//! after the accept (its request is not read or parsed) and is closed; on the HTTPS listener it is
//! closed before the TLS handshake (answering would cost a handshake).
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::{Frame, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::limits::{Conn, InFlight, Limits, Refusal, MAX_HEADER_BUF};

/// The connection a request came on (a request extension): an event feed pins it.
#[derive(Clone)]
pub struct ConnHandle(pub Arc<Conn>);

/// Accepts on `listener` until `stop` changes, then closes the idle connections and returns.
pub async fn serve(listener: TcpListener, app: Router, limits: Arc<Limits>, tls: Option<TlsAcceptor>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        limits.room_to_accept().await;
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors (or another transient error): let some close.
                    tracing::warn!("http accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        match limits.admit(peer.ip()) {
            Ok(conn) => {
                tokio::spawn(connection(tcp, peer, conn, app.clone(), tls.clone()));
            }
            Err(why) => {
                // Only so many refusals are answered at once; the rest are just closed.
                if let (None, Some(slot)) = (&tls, limits.refusal()) {
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(Duration::from_secs(1), refuse(tcp, why)).await;
                        drop(slot);
                    });
                }
            }
        }
    }
    limits.close_idle();
}

/// Writes the refusal, then reads what the client sent until it closes, so that it sees the answer
/// rather than a reset (closing a socket with unread data sends an RST).
async fn refuse(mut tcp: TcpStream, why: Refusal) {
    let e = why.error();
    let body = serde_json::json!({"error": {"code": e.code, "message": e.message}}).to_string();
    let head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\nretry-after: {}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        e.status.as_u16(),
        e.status.canonical_reason().unwrap_or(""),
        super::error::RETRY_AFTER_S,
        body.len()
    );
    if tcp.write_all(format!("{head}{body}").as_bytes()).await.is_err() || tcp.shutdown().await.is_err() {
        return;
    }
    let mut buf = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

async fn connection(tcp: TcpStream, peer: SocketAddr, conn: Arc<Conn>, app: Router, tls: Option<TlsAcceptor>) {
    let _ = tcp.set_nodelay(true);
    let work = async {
        match tls {
            // The handshake counts in the header timeout (`Conn::expired`).
            Some(acceptor) => {
                if let Ok(s) = acceptor.accept(tcp).await {
                    http(s, peer, conn.clone(), app, true).await
                }
            }
            None => http(tcp, peer, conn.clone(), app, false).await,
        }
    };
    tokio::select! {
        _ = work => {}
        _ = conn.state.kill.notified() => {}
        _ = conn.expired() => {}
    }
}

async fn http<I: AsyncRead + AsyncWrite + Unpin + Send + 'static>(io: I, peer: SocketAddr, conn: Arc<Conn>, app: Router, secure: bool) {
    let limits = conn.limits().clone();
    let c = conn.clone();
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        let (app, conn, limits) = (app.clone(), c.clone(), limits.clone());
        async move {
            let slot = match limits.request() {
                Ok(s) => s,
                Err(e) => return Ok::<Response, Infallible>(e.into_response()),
            };
            let in_flight = conn.begin();
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(ConnHandle(conn.clone()));
            if secure {
                req.extensions_mut().insert(super::https::Secure);
            }
            let req = req.map(|b| Body::new(Tracked { inner: b, mark: conn.clone() }));
            let resp = match app.oneshot(req).await {
                Ok(r) => r,
                Err(e) => match e {},
            };
            // The request is in flight (and holds its slot) until its answer is sent.
            Ok(resp.map(|b| Body::new(Tracked { inner: b, mark: (in_flight, slot) })))
        }
    });
    let mut b = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    b.http1().timer(TokioTimer::new()).header_read_timeout(conn.limits().caps.header_timeout).max_buf_size(MAX_HEADER_BUF);
    b.http2().timer(TokioTimer::new()).max_concurrent_streams(32).max_header_list_size(MAX_HEADER_BUF as u32);
    let _ = b.serve_connection_with_upgrades(TokioIo::new(io), svc).await;
}

/// Something to mark when a body moves a frame.
trait Mark {
    fn mark(&self);
}

impl Mark for Arc<Conn> {
    fn mark(&self) {
        self.progress();
    }
}

impl Mark for (InFlight, tokio::sync::OwnedSemaphorePermit) {
    fn mark(&self) {
        self.0.progress();
    }
}

/// A body that marks its connection alive on every frame, and holds `mark` until it is dropped.
struct Tracked<B, M> {
    inner: B,
    mark: M,
}

impl<B: hyper::body::Body + Unpin, M: Mark + Unpin> hyper::body::Body for Tracked<B, M> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(_))) = &r {
            self.mark.mark();
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
