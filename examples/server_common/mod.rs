//! What `hyper_server` and `axum_server` share: the flags, the accept loop
//! on spindle with hyper-util's `auto` builder (HTTP/1.1 and h2c prior
//! knowledge on one port), the limits on a request head, and the graceful
//! shutdown on SIGINT or SIGTERM (Ctrl-C on Windows).
//!
//! Not an example itself (Cargo builds `examples/*.rs` and
//! `examples/*/main.rs`); each server includes it with `mod server_common;`.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use futures_util::future::{select, Either};
use hyper::body::{Body, Incoming};
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use spindle::hyper::{SpindleExecutor, SpindleIo, SpindleTimer};

/// A client has this long to send its whole request head; one that sends
/// a byte a second is cut off.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes of a request head buffered (hyper answers 431 past it).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// How long open connections get to finish after SIGINT/SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// After `EMFILE`/`ENFILE` on accept, wait this long before accepting
/// again (the pending connection stays queued).
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// `--addr ADDR` and `--workers N`.
pub struct Args {
    pub addr: SocketAddr,
    pub workers: usize,
}

/// Parses the flags; prints usage and exits on `--help` or a bad flag.
pub fn parse_args(name: &str) -> Args {
    let usage = format!("usage: {name} [--addr ADDR (127.0.0.1:8080)] [--workers N (one per CPU)]");
    let mut args = Args {
        addr: "127.0.0.1:8080".parse().unwrap(),
        workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next();
        match (flag.as_str(), value) {
            ("--addr", Some(v)) => args.addr = v.parse().unwrap_or_else(|e| fail(&usage, &format!("--addr {v}: {e}"))),
            ("--workers", Some(v)) => {
                args.workers = match v.parse() {
                    Ok(n) if n > 0 => n,
                    _ => fail(&usage, &format!("--workers {v}: not a positive number")),
                }
            }
            ("--help" | "-h", _) => {
                println!("{usage}");
                std::process::exit(0);
            }
            (other, _) => fail(&usage, &format!("unknown or incomplete flag {other}")),
        }
    }
    args
}

fn fail(usage: &str, msg: &str) -> ! {
    eprintln!("{msg}\n{usage}");
    std::process::exit(2);
}

/// The server's connection builder: both protocols, spindle's executor
/// and timer, the header timeout and the bounded head.
pub fn builder() -> auto::Builder<SpindleExecutor> {
    let mut builder = auto::Builder::new(SpindleExecutor::new());
    builder.http1().timer(SpindleTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT).max_buf_size(MAX_HEADER_BYTES);
    builder.http2().timer(SpindleTimer::new()).max_header_list_size(MAX_HEADER_BYTES as u32);
    builder
}

/// Runs the server until SIGINT or SIGTERM: binds `args.addr`, prints
/// `listening on ADDR` (the address actually bound), serves each
/// connection with `make_service(peer)`, then stops accepting and gives
/// open connections [`SHUTDOWN_GRACE`] to finish.
pub fn run<F, S, B>(args: Args, make_service: F) -> io::Result<()>
where
    F: Fn(SocketAddr) -> S,
    S: Service<Request<Incoming>, Response = Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let rt = spindle::Builder::new_multi_thread().worker_threads(args.workers).build()?;
    rt.block_on(async move {
        // The handlers go in before the address is printed, so a signal sent
        // as soon as the line is seen is already a graceful shutdown.
        let mut stop = shutdown_signal().await?;
        let listener = spindle::net::TcpListener::bind(args.addr).await?;
        println!("listening on {}", listener.local_addr()?);

        let builder = builder();
        let graceful = GracefulShutdown::new();
        loop {
            let accepted = match select(Box::pin(listener.accept()), &mut stop).await {
                Either::Left((accepted, _)) => accepted,
                Either::Right(_) => break,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let conn = builder.serve_connection(SpindleIo::new(stream), make_service(peer)).into_owned();
                    spindle::spawn(graceful.watch(conn));
                }
                Err(e) if is_out_of_fds(&e) => {
                    eprintln!("accept: {e}; backing off {ACCEPT_BACKOFF:?}");
                    spindle::time::sleep(ACCEPT_BACKOFF).await;
                }
                // ECONNABORTED and friends concern one connection only.
                Err(e) => eprintln!("accept: {e}"),
            }
        }
        drop(listener);
        let open = graceful.count();
        eprintln!("shutting down: {open} connection(s) open, up to {SHUTDOWN_GRACE:?} to finish");
        if spindle::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
            eprintln!("grace period over: closing what is left");
        }
        Ok(())
    })
}

fn is_out_of_fds(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM))
}

/// A future that resolves on SIGINT or SIGTERM; the handlers are in place
/// when this returns.
#[cfg(unix)]
async fn shutdown_signal() -> io::Result<Pin<Box<dyn Future<Output = ()> + Send>>> {
    use futures_util::StreamExt;
    use spindle::signal::unix::{signal, SignalKind};
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    Ok(Box::pin(async move {
        futures_util::future::select(sigint.next(), sigterm.next()).await;
    }))
}

/// A future that resolves on Ctrl-C (Windows has no SIGTERM); the handler
/// is in place when this returns (its first poll installs it).
#[cfg(not(unix))]
async fn shutdown_signal() -> io::Result<Pin<Box<dyn Future<Output = ()> + Send>>> {
    let mut ctrl_c = Box::pin(spindle::signal::ctrl_c());
    if let std::task::Poll::Ready(done) = futures_util::poll!(&mut ctrl_c) {
        done?;
        return Ok(Box::pin(async {}));
    }
    Ok(Box::pin(async move {
        let _ = ctrl_c.await;
    }))
}
