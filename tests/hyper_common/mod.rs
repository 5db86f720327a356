//! Shared by the hyper tests: the server (hyper-util's `auto` builder on
//! spindle: HTTP/1 and h2c on one listener), its service, and clients.
#![allow(dead_code)] // each test binary uses its own subset

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::server::conn::auto;
use spindle::hyper::{SpindleExecutor, SpindleIo, SpindleTimer};

/// The header-read timeout the test servers use.
pub const HEADER_TIMEOUT: Duration = Duration::from_millis(300);
/// The largest request head the test servers buffer.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

pub fn rt() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

/// The server's builder: both protocols, spindle's executor and timer, a
/// header timeout and a bounded header buffer.
pub fn builder() -> auto::Builder<SpindleExecutor> {
    builder_with(HEADER_TIMEOUT)
}

/// [`builder`] with another header timeout. (In HTTP/1 it also bounds how
/// long a keep-alive connection may sit idle between requests.)
pub fn builder_with(header_timeout: Duration) -> auto::Builder<SpindleExecutor> {
    let mut builder = auto::Builder::new(SpindleExecutor::new());
    builder.http1().timer(SpindleTimer::new()).header_read_timeout(header_timeout).max_buf_size(MAX_HEADER_BYTES);
    builder.http2().timer(SpindleTimer::new());
    builder
}

/// `GET /` says hello, `POST /echo` answers its body, `GET /slow` answers
/// after 200 ms, anything else is a 404.
pub async fn service(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let resp = match (req.method().as_str(), req.uri().path()) {
        ("GET", "/") => Response::new(Full::new(Bytes::from_static(b"Hello, World!"))),
        ("POST", "/echo") => match req.into_body().collect().await {
            Ok(body) => Response::new(Full::new(body.to_bytes())),
            Err(e) => status(StatusCode::BAD_REQUEST, format!("body: {e}")),
        },
        ("GET", "/slow") => {
            spindle::time::sleep(Duration::from_millis(200)).await;
            Response::new(Full::new(Bytes::from_static(b"slow")))
        }
        _ => status(StatusCode::NOT_FOUND, "not found".into()),
    };
    Ok(resp)
}

fn status(code: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = code;
    resp
}

/// Serves one connection with [`service`].
pub async fn serve<I>(io: I)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    serve_with(io, HEADER_TIMEOUT).await;
}

/// [`serve`] with another header timeout.
pub async fn serve_with<I>(io: I, header_timeout: Duration)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let _ = builder_with(header_timeout).serve_connection(io, hyper::service::service_fn(service)).await;
}

/// Accepts TCP connections forever, one task each.
pub fn spawn_tcp_server(listener: spindle::net::TcpListener) -> spindle::JoinHandle<()> {
    spawn_tcp_server_with(listener, HEADER_TIMEOUT)
}

/// [`spawn_tcp_server`] with another header timeout.
pub fn spawn_tcp_server_with(listener: spindle::net::TcpListener, header_timeout: Duration) -> spindle::JoinHandle<()> {
    spindle::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            spindle::spawn(serve_with(SpindleIo::new(stream), header_timeout));
        }
    })
}

/// Which protocol a client speaks.
#[derive(Clone, Copy, Debug)]
pub enum Proto {
    Http1,
    Http2,
}

/// A client connection: the request sender of either protocol.
pub enum Client {
    Http1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    Http2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

impl Client {
    /// Handshakes over `io`, the connection's task spawned on spindle.
    pub async fn handshake<I>(proto: Proto, io: I) -> hyper::Result<Client>
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        Ok(match proto {
            Proto::Http1 => {
                let (sender, conn) = hyper::client::conn::http1::handshake(io).await?;
                spindle::spawn(conn);
                Client::Http1(sender)
            }
            Proto::Http2 => {
                let (sender, conn) = hyper::client::conn::http2::Builder::new(SpindleExecutor::new())
                    .timer(SpindleTimer::new())
                    .handshake(io)
                    .await?;
                spindle::spawn(conn);
                Client::Http2(sender)
            }
        })
    }

    /// Sends `method path` with `body`; returns the status and the body.
    pub async fn send(&mut self, method: &str, path: &str, body: &[u8]) -> hyper::Result<(StatusCode, Bytes)> {
        let req = Request::builder()
            .method(method)
            .uri(format!("http://localhost{path}"))
            .body(Full::new(Bytes::copy_from_slice(body)))
            .unwrap();
        let resp = match self {
            Client::Http1(s) => {
                s.ready().await?;
                s.send_request(req).await?
            }
            Client::Http2(s) => {
                s.ready().await?;
                s.send_request(req).await?
            }
        };
        let status = resp.status();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

/// An empty body, for requests built by hand.
pub fn empty() -> Empty<Bytes> {
    Empty::new()
}
