//! The HTTP and HTTPS listeners: each connection is admitted by `Limits`, closed when it idles or
//! stalls, and every request counts against the box's request cap.
//!
//! A connection over a cap on the plain HTTP listener gets a fixed 429/503 answer written right
//! after the accept (its request is not read or parsed) and is closed; on the HTTPS listener it is
//! closed before the TLS handshake (answering would cost a handshake).
use std::convert::Infallible;
use std::future::Future;
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

use super::limits::{Conn, InFlight, Limits, Refusal, RequestSlot, MAX_HEADER_BUF};

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
            let slot = match limits.request(conn.state.key()) {
                Ok(s) => s,
                Err(e) => return Ok::<Response, Infallible>(e.into_response()),
            };
            let in_flight = conn.begin();
            req.extensions_mut().insert(ConnectInfo(peer));
            req.extensions_mut().insert(ConnHandle(conn.clone()));
            if secure {
                req.extensions_mut().insert(super::https::Secure);
            }
            let caps = &limits.caps;
            let req = req.map(|b| Body::new(Paced::new(Tracked { inner: b, mark: conn.clone() }, caps.body_grace, caps.body_min_rate)));
            let resp = match app.oneshot(req).await {
                Ok(r) => r,
                Err(e) => match e {},
            };
            // The request is in flight (and holds its slot) until its answer is sent.
            Ok(resp.map(|b| Body::new(Tracked { inner: b, mark: (in_flight, slot) })))
        }
    });
    let caps = &conn.limits().caps;
    // HTTP/2 only over TLS (browsers speak it only there): cleartext h2c would let one plain
    // connection carry 32 requests, for no client that needs it. (hyper-util's `http1_only` is
    // ignored with upgrades, hence hyper's own HTTP/1 server here.)
    if !secure {
        let mut b = hyper::server::conn::http1::Builder::new();
        b.timer(TokioTimer::new()).header_read_timeout(caps.header_timeout).max_buf_size(MAX_HEADER_BUF);
        let _ = b.serve_connection(TokioIo::new(io), svc).with_upgrades().await;
        return;
    }
    let mut b = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    b.http1().timer(TokioTimer::new()).header_read_timeout(caps.header_timeout).max_buf_size(MAX_HEADER_BUF);
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

impl Mark for (InFlight, RequestSlot) {
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

/// A request body that must keep up: after `grace`, at least `rate` bytes a second on average since
/// the request began, or it ends with an error (the handler answers 400 and the request's slots
/// are freed). The stall timer alone would let a byte a minute hold a slot for ever.
struct Paced<B> {
    inner: B,
    start: tokio::time::Instant,
    bytes: u64,
    grace: Duration,
    rate: u64,
    timer: Pin<Box<tokio::time::Sleep>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body arrived slower than {0} bytes a second")]
pub struct SlowBody(u64);

impl<B> Paced<B> {
    fn new(inner: B, grace: Duration, rate: u64) -> Paced<B> {
        let start = tokio::time::Instant::now();
        Paced { inner, start, bytes: 0, grace, rate: rate.max(1), timer: Box::pin(tokio::time::sleep_until(start + grace)) }
    }

    /// When the bytes so far stop being enough.
    fn deadline(&self) -> tokio::time::Instant {
        self.start + self.grace + Duration::from_secs_f64(self.bytes as f64 / self.rate as f64)
    }
}

impl<B> hyper::body::Body for Paced<B>
where
    B: hyper::body::Body + Unpin,
    B::Data: hyper::body::Buf,
    B::Error: Into<axum::BoxError>,
{
    type Data = B::Data;
    type Error = axum::BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(f))) => {
                if let Some(d) = f.data_ref() {
                    self.bytes += hyper::body::Buf::remaining(d) as u64;
                }
                Poll::Ready(Some(Ok(f)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let due = self.deadline();
                if tokio::time::Instant::now() >= due {
                    return Poll::Ready(Some(Err(Box::new(SlowBody(self.rate)))));
                }
                self.timer.as_mut().reset(due);
                // Wakes this body at the deadline; the next poll finds it passed (or more bytes).
                let _ = self.timer.as_mut().poll(cx);
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body fed by hand: pieces of `n` bytes, each after `every`.
    struct Trickle {
        left: Vec<usize>,
        every: Duration,
        next: Pin<Box<tokio::time::Sleep>>,
    }

    fn trickle(pieces: Vec<usize>, every_ms: u64) -> Trickle {
        let every = Duration::from_millis(every_ms);
        Trickle { left: pieces.into_iter().rev().collect(), every, next: Box::pin(tokio::time::sleep(every)) }
    }

    impl hyper::body::Body for Trickle {
        type Data = bytes::Bytes;
        type Error = std::io::Error;

        fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<bytes::Bytes>, std::io::Error>>> {
            if self.left.is_empty() {
                return Poll::Ready(None);
            }
            if self.next.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let every = self.every;
            self.next.as_mut().reset(tokio::time::Instant::now() + every);
            let n = self.left.pop().unwrap();
            Poll::Ready(Some(Ok(Frame::data(bytes::Bytes::from(vec![b'x'; n])))))
        }
    }

    async fn collect(b: impl hyper::body::Body<Data = bytes::Bytes, Error = axum::BoxError> + Send + 'static) -> Result<usize, axum::Error> {
        axum::body::to_bytes(Body::new(b), usize::MAX).await.map(|b| b.len())
    }

    #[tokio::test]
    async fn a_trickled_body_ends_once_it_falls_behind() {
        // A byte every 50 ms against 8 KiB/s after a 300 ms grace.
        let t0 = std::time::Instant::now();
        let r = collect(Paced::new(trickle(vec![1; 200], 50), Duration::from_millis(300), 8192)).await;
        let e = r.expect_err("a slow body fails");
        assert!(e.to_string().contains("slower than 8192"), "{e}");
        let took = t0.elapsed();
        // Not before the grace; long before the trickle would have ended (10 s).
        assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(8), "{took:?}");
    }

    #[tokio::test]
    async fn a_body_that_keeps_up_is_whole() {
        // 64 KiB in 4 KiB pieces every 50 ms: 80 KiB/s, ten times the rate asked.
        assert_eq!(collect(Paced::new(trickle(vec![4096; 16], 50), Duration::from_millis(300), 8192)).await.unwrap(), 65536);
        // A pause within the grace, then much at once.
        assert_eq!(collect(Paced::new(trickle(vec![100_000], 250), Duration::from_millis(300), 8192)).await.unwrap(), 100_000);
    }
}
