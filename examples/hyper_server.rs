//! An HTTP server on hyper 1.x and spindle: HTTP/1.1 and HTTP/2 (h2c with
//! prior knowledge) on one port through hyper-util's `auto` builder.
//!
//! * `GET /` answers `Hello, World!`; `POST /echo` answers the body it got
//!   (streamed back as it arrives); anything else is a 404.
//! * A client gets 5 s to send its request head (one sending a byte a
//!   second is cut off) and at most 16 KiB of it (431 past that).
//! * On SIGINT or SIGTERM it stops accepting, lets open connections finish
//!   (hyper's graceful shutdown) for up to 5 s, and exits with status 0.
//! * `EMFILE` on accept backs off 50 ms and carries on.
//!
//! ```text
//! cargo run --release --features hyper --example hyper_server -- [--addr 127.0.0.1:8080] [--workers N]
//! curl http://127.0.0.1:8080/                          # HTTP/1.1
//! curl --http2-prior-knowledge http://127.0.0.1:8080/  # h2c
//! curl --data-binary @file http://127.0.0.1:8080/echo
//! ```
//!
//! It prints `listening on 127.0.0.1:PORT` once bound (so `--addr
//! 127.0.0.1:0` tells you the port it got).

mod server_common;

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

type Body = BoxBody<Bytes, hyper::Error>;

async fn handle(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let resp = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::new(full("Hello, World!")),
        // The request body streams straight back.
        (&Method::POST, "/echo") => Response::new(req.into_body().boxed()),
        _ => {
            let mut resp = Response::new(full("not found"));
            *resp.status_mut() = StatusCode::NOT_FOUND;
            resp
        }
    };
    Ok(resp)
}

fn full(text: &'static str) -> Body {
    Full::new(Bytes::from_static(text.as_bytes())).map_err(|never| match never {}).boxed()
}

fn main() -> std::io::Result<()> {
    let args = server_common::parse_args("hyper_server");
    server_common::run(args, |_peer| hyper::service::service_fn(handle))
}
