//! hyper 1.x on spindle: the runtime traits hyper asks for (`hyper::rt`),
//! mapped onto spindle's tasks, timers and sockets. Behind the `hyper`
//! feature.
//!
//! | hyper needs | spindle gives | file |
//! |---|---|---|
//! | `rt::Executor` (HTTP/2 spawns each stream) | [`SpindleExecutor`]: `spindle::spawn`, detached | `rt.rs` |
//! | `rt::Timer` (header timeouts, keep-alive pings) | [`SpindleTimer`]: `spindle::time::Sleep`, `reset` reusing the timer entry | `rt.rs` |
//! | `rt::Read` / `rt::Write` | [`SpindleIo`] over `TcpStream` / `UnixStream` (reads straight into hyper's uninitialised buffer), [`FuturesIo`] over any futures-io type | `io.rs` |
//!
//! These are the names of hyper-util's tokio adapters (`TokioExecutor`,
//! `TokioTimer`, `TokioIo`) with `Spindle` in place of `Tokio`, so code
//! written against hyper-util's tokio glue changes only its imports.
//! hyper-util's `server::conn::auto` builder, its `service` module and its
//! `server::graceful` need no tokio runtime and work as they are.
//!
//! Why a module and not a `spindle-hyper` crate: the adapters are a mapping
//! of about 250 lines with no logic of their own, they need spindle's
//! sockets and timers but nothing private, and a feature keeps one version
//! number and one `spindle` dependency line for the user (tokio's own
//! `tokio-util`/`hyper-util` split exists because hyper-util serves several
//! runtimes; this module serves one). A crate would be the better choice the
//! day the adapters need a release cadence of their own.
//!
//! # Examples
//!
//! An HTTP/1 server and client over TCP, both on spindle:
//!
//! ```
//! use http_body_util::{BodyExt, Empty, Full};
//! use hyper::body::Bytes;
//! use spindle::hyper::SpindleIo;
//!
//! spindle::block_on(async {
//!     let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     spindle::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let service = hyper::service::service_fn(|_req| async {
//!             Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("Hello, World!"))))
//!         });
//!         hyper::server::conn::http1::Builder::new()
//!             .serve_connection(SpindleIo::new(stream), service)
//!             .await
//!             .map_err(std::io::Error::other)
//!     });
//!
//!     let stream = spindle::net::TcpStream::connect(addr).await?;
//!     let (mut sender, conn) = hyper::client::conn::http1::handshake(SpindleIo::new(stream))
//!         .await
//!         .map_err(std::io::Error::other)?;
//!     spindle::spawn(conn);
//!     let req = hyper::Request::get("/").body(Empty::<Bytes>::new()).unwrap();
//!     let resp = sender.send_request(req).await.map_err(std::io::Error::other)?;
//!     let body = resp.into_body().collect().await.map_err(std::io::Error::other)?.to_bytes();
//!     assert_eq!(body, "Hello, World!");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod io;
mod rt;

pub use io::{FuturesIo, SpindleIo};
pub use rt::{SpindleExecutor, SpindleSleep, SpindleTimer};
