//! The `hyper_hello` row's servers: one hyper 1.x HTTP/1.1 service
//! answering `Hello, world!`, served on each runtime through that runtime's
//! usual hyper glue, and loaded by the same in-process generator as
//! `http_hello` ([`super::loadgen`]).
//!
//! | runtime | `rt::Read`/`Write` | `rt::Timer` |
//! |---|---|---|
//! | spindle | `spindle::hyper::SpindleIo` (`recv` into hyper's uninitialised buffer) | `spindle::hyper::SpindleTimer` |
//! | tokio | hyper-util's `TokioIo` | hyper-util's `TokioTimer` |
//! | async-executor + async-io | smol-hyper's `FuturesIo` (zero-fills hyper's spare buffer per read) | smol-hyper's `SmolTimer` |
//!
//! Each connection gets hyper's `http1::Builder` with the runtime's timer,
//! so hyper's default 30 s header-read timeout is armed and re-armed per
//! request on every runtime alike. The mapping's costs (the copy or
//! zero-fill per read, one boxed sleep per connection) are what this row
//! measures beyond `http_hello`.

use std::convert::Infallible;
use std::future::Future;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::{Request, Response};

use super::http::HELLO;
use super::NetRuntime;
use crate::rt::{AsyncExecutorRt, SpindleRt, TokioRt};

/// A runtime that can serve a connection with the hyper hello service.
pub trait HyperServe: NetRuntime {
    /// Serves `stream` until the client closes it.
    fn serve_hyper(stream: Self::Stream) -> impl Future<Output = ()> + Send + 'static;
}

/// The service: `Hello, world!` to every request.
async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(HELLO.as_bytes()))))
}

impl HyperServe for SpindleRt {
    async fn serve_hyper(stream: spindle::net::TcpStream) {
        let io = spindle::hyper::SpindleIo::new(stream);
        let _ = http1::Builder::new()
            .timer(spindle::hyper::SpindleTimer::new())
            .serve_connection(io, hyper::service::service_fn(hello))
            .await;
    }
}

impl HyperServe for TokioRt {
    async fn serve_hyper(stream: tokio::net::TcpStream) {
        let io = hyper_util::rt::TokioIo::new(stream);
        let _ = http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .serve_connection(io, hyper::service::service_fn(hello))
            .await;
    }
}

impl HyperServe for AsyncExecutorRt {
    async fn serve_hyper(stream: async_io::Async<std::net::TcpStream>) {
        let io = smol_hyper::rt::FuturesIo::new(stream);
        let _ = http1::Builder::new()
            .timer(smol_hyper::rt::SmolTimer::new())
            .serve_connection(io, hyper::service::service_fn(hello))
            .await;
    }
}
