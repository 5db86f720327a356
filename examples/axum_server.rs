//! An axum `Router` served by hyper-util on spindle: axum is built with
//! `default-features = false` (no tokio feature, so no `axum::serve` and no
//! tokio runtime); each connection goes through hyper-util's `auto` builder
//! (HTTP/1.1 and h2c on one port) and `TowerToHyperService`.
//!
//! * `GET /` answers `Hello, World!`;
//! * `POST /echo` answers the JSON body it got, 400 on invalid JSON;
//! * `GET /users/{id}` answers `{"id": id}` for a numeric id, 400 otherwise;
//! * anything else is a 404.
//!
//! The peer's address reaches handlers as a request extension
//! (`Extension<Peer>`): axum's `ConnectInfo` needs `axum::serve`, which
//! needs tokio. Same flags, limits and shutdown as `hyper_server` (see
//! `server_common`):
//!
//! ```text
//! cargo run --release --features hyper --example axum_server -- [--addr 127.0.0.1:8080] [--workers N]
//! curl http://127.0.0.1:8080/users/42
//! curl -H 'content-type: application/json' -d '{"a": 1}' http://127.0.0.1:8080/echo
//! ```

mod server_common;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{Path, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use hyper_util::service::TowerToHyperService;

/// The connection's peer, added to every request of the connection.
#[derive(Clone, Copy, Debug)]
struct Peer(SocketAddr);

fn router() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello, World!" }))
        .route("/echo", post(echo))
        .route("/users/{id}", get(|Path(id): Path<u64>| async move { Json(serde_json::json!({ "id": id })) }))
        .fallback(not_found)
}

/// The body, parsed whatever its content type: invalid JSON is a 400.
async fn echo(body: Bytes) -> Response {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(value) => Json(value).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")).into_response(),
    }
}

async fn not_found(Extension(Peer(peer)): Extension<Peer>, req: Request) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, format!("no route for {} {} (asked by {peer})", req.method(), req.uri().path()))
}

fn main() -> std::io::Result<()> {
    let args = server_common::parse_args("axum_server");
    let app = router();
    server_common::run(args, move |peer| TowerToHyperService::new(app.clone().layer(Extension(Peer(peer)))))
}
