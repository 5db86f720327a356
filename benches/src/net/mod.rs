//! The socket rows: `tcp_echo` and `http_hello`, each written once over
//! [`NetRuntime`] and registered in [`crate::rows::ROWS`].
//!
//! - `tcp_echo`: [`ECHO_CONNS`] connections × [`ECHO_ROUND_TRIPS`] round
//!   trips of [`ECHO_MSG`] bytes on 127.0.0.1; an echo server and its
//!   clients all run as tasks of the runtime under test. Connections are
//!   made (and accepted) before the clock starts; a sample is the time of
//!   the round trips.
//! - `http_hello`: the tiny keep-alive HTTP/1.1 server of [`http`] on the
//!   runtime under test, loaded by [`loadgen`] ([`HTTP_THREADS`] std
//!   threads × [`HTTP_CONNS_PER_THREAD`] blocking keep-alive connections,
//!   [`HTTP_REQUESTS`] requests per sample). A sample is the time of all
//!   requests; per-request latencies are kept for [`notes`].
//! - `hyper_hello`: the same load on a hyper 1.x server ([`hyper`]), served
//!   through each runtime's hyper glue.
//!
//! Debug builds (`cargo test`) run a hundredth of the round trips and
//! requests, so the smoke test stays fast; `compare` runs in release.

pub mod http;
pub mod hyper;
pub mod loadgen;
mod rt;

use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Instant;

use futures_channel::oneshot;

pub use self::rt::NetRuntime;
use crate::report::RowResult;
use crate::rows::{Row, Unit};
use crate::rt::{Runtimes, Spawner, TokioRt, Which};
use crate::workloads::{wait, Latch};

/// Concurrent connections in `tcp_echo`.
pub const ECHO_CONNS: usize = 50;
/// Round trips per connection in `tcp_echo` (release builds).
pub const ECHO_ROUND_TRIPS: usize = 2_000;
/// Bytes per message in `tcp_echo`.
pub const ECHO_MSG: usize = 64;
/// Load-generator threads in `http_hello`.
pub const HTTP_THREADS: usize = 2;
/// Keep-alive connections per load-generator thread in `http_hello`.
pub const HTTP_CONNS_PER_THREAD: usize = 25;
/// Requests per `http_hello` sample (release builds).
pub const HTTP_REQUESTS: usize = 50_000;
/// Most timed rounds of a socket row (each sample takes up to seconds).
pub const MAX_ROUNDS: usize = 10;
/// Most warm-up rounds of a socket row.
pub const MAX_WARMUP: usize = 1;

/// The `tcp_echo` row.
pub const TCP_ECHO: Row =
    Row { name: "tcp_echo", unit: Unit::Seconds, max_rounds: usize::MAX, sample: tcp_echo_sample };
/// The `http_hello` row.
pub const HTTP_HELLO: Row =
    Row { name: "http_hello", unit: Unit::Seconds, max_rounds: usize::MAX, sample: http_hello_sample };
/// The `hyper_hello` row.
pub const HYPER_HELLO: Row =
    Row { name: "hyper_hello", unit: Unit::Seconds, max_rounds: usize::MAX, sample: hyper_hello_sample };

/// The rows that keep per-request latencies, in the order of
/// [`HTTP_LATENCIES`].
const LATENCY_ROWS: [&str; 2] = [HTTP_HELLO.name, HYPER_HELLO.name];

/// A connected byte stream, whatever the runtime.
pub trait Conn: Send + 'static {
    /// Reads some bytes; `Ok(0)` at EOF.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + Send + 'a;
    /// Writes all of `buf`.
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// `n` in release builds, `n / 100` (at least 1) in debug builds.
fn scaled(n: usize) -> usize {
    if cfg!(debug_assertions) {
        (n / 100).max(1)
    } else {
        n
    }
}

/// Round trips per `tcp_echo` sample in this build.
pub fn echo_round_trips_per_sample() -> usize {
    ECHO_CONNS * scaled(ECHO_ROUND_TRIPS)
}

/// Requests per `http_hello` sample in this build.
pub fn http_requests_per_sample() -> usize {
    scaled(HTTP_REQUESTS)
}

/// The warm-up and timed rounds that row `name` runs, given the ones asked
/// for: socket rows are capped at [`MAX_WARMUP`] and [`MAX_ROUNDS`].
pub fn rounds(name: &str, warmup: usize, rounds: usize) -> (usize, usize) {
    if name == TCP_ECHO.name || LATENCY_ROWS.contains(&name) {
        (warmup.min(MAX_WARMUP), rounds.min(MAX_ROUNDS))
    } else {
        (warmup, rounds)
    }
}

fn tokio_net(rts: &Runtimes) -> &'static TokioRt {
    TokioRt::net(rts.spindle.runtime().metrics().num_workers())
}

fn tcp_echo_sample(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => tcp_echo(&rts.spindle, ECHO_CONNS, scaled(ECHO_ROUND_TRIPS)),
        Which::Tokio => tcp_echo(tokio_net(rts), ECHO_CONNS, scaled(ECHO_ROUND_TRIPS)),
        Which::AsyncExecutor => tcp_echo(&rts.async_executor, ECHO_CONNS, scaled(ECHO_ROUND_TRIPS)),
    }
}

/// Echoes until EOF or an error.
async fn echo<C: Conn>(mut conn: C) {
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if conn.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// `trips` round trips of [`ECHO_MSG`] bytes.
async fn echo_client<C: Conn>(conn: &mut C, trips: usize) -> io::Result<()> {
    let msg = [0x5au8; ECHO_MSG];
    let mut back = [0u8; ECHO_MSG];
    for _ in 0..trips {
        conn.write_all(&msg).await?;
        let mut got = 0;
        while got < ECHO_MSG {
            match conn.read(&mut back[got..]).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => got += n,
            }
        }
    }
    Ok(())
}

/// Accepts `conns` connections, spawning `serve` for each, then fires
/// `accepted`.
fn spawn_acceptor<R, F, Fut>(rt: &R, listener: R::Listener, conns: usize, serve: F) -> oneshot::Receiver<()>
where
    R: NetRuntime,
    F: Fn(R::Stream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (accepted_tx, accepted_rx) = oneshot::channel();
    let spawner = rt.spawner();
    rt.spawn_remote(async move {
        for _ in 0..conns {
            match R::accept(&listener).await {
                Ok(stream) => spawner.spawn(serve(stream)),
                // Dropping the sender makes the main thread panic.
                Err(e) => panic!("{}: accept: {e}", R::NAME),
            }
        }
        let _ = accepted_tx.send(());
    });
    accepted_rx
}

/// One `tcp_echo` sample: the seconds that `conns` × `trips` round trips
/// take, once all connections are up.
///
/// # Panics
/// On any socket error.
pub fn tcp_echo<R: NetRuntime>(rt: &R, conns: usize, trips: usize) -> f64 {
    let (listener, addr) = rt.block_on(R::bind()).expect("bind");
    let accepted = spawn_acceptor(rt, listener, conns, echo::<R::Stream>);
    let clients = rt.block_on(async {
        let mut clients = Vec::with_capacity(conns);
        for _ in 0..conns {
            clients.push(R::connect(addr).await.expect("connect"));
        }
        clients
    });
    wait(rt, accepted);

    let failed = Arc::new(AtomicBool::new(false));
    let (latch, done) = Latch::new(conns);
    let start = Instant::now();
    for mut client in clients {
        let (latch, failed) = (latch.clone(), failed.clone());
        rt.spawn_remote(async move {
            if echo_client(&mut client, trips).await.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            latch.count_down();
        });
    }
    wait(rt, done);
    let elapsed = start.elapsed().as_secs_f64();
    assert!(!failed.load(Ordering::Relaxed), "{}: an echo client failed", R::NAME);
    elapsed
}

/// Per-request latencies (nanoseconds) of every sample so far of each row
/// in [`LATENCY_ROWS`], per runtime in [`Which::ALL`] order.
#[allow(clippy::type_complexity)]
static HTTP_LATENCIES: Mutex<[[Vec<Vec<u64>>; 3]; 2]> =
    Mutex::new([[Vec::new(), Vec::new(), Vec::new()], [Vec::new(), Vec::new(), Vec::new()]]);

fn keep_latencies(row: &str, which: Which, latencies: Vec<u64>) {
    let r = LATENCY_ROWS.iter().position(|n| *n == row).unwrap();
    let w = Which::ALL.iter().position(|x| *x == which).unwrap();
    HTTP_LATENCIES.lock().unwrap()[r][w].push(latencies);
}

fn http_hello_sample(rts: &Runtimes, which: Which) -> f64 {
    let requests = scaled(HTTP_REQUESTS);
    let (secs, latencies) = match which {
        Which::Spindle => http_hello(&rts.spindle, requests),
        Which::Tokio => http_hello(tokio_net(rts), requests),
        Which::AsyncExecutor => http_hello(&rts.async_executor, requests),
    };
    keep_latencies(HTTP_HELLO.name, which, latencies);
    secs
}

fn hyper_hello_sample(rts: &Runtimes, which: Which) -> f64 {
    let requests = scaled(HTTP_REQUESTS);
    let (secs, latencies) = match which {
        Which::Spindle => hyper_hello(&rts.spindle, requests),
        Which::Tokio => hyper_hello(tokio_net(rts), requests),
        Which::AsyncExecutor => hyper_hello(&rts.async_executor, requests),
    };
    keep_latencies(HYPER_HELLO.name, which, latencies);
    secs
}

/// One `http_hello` sample: the seconds that `requests` requests take, and
/// each request's latency in nanoseconds.
///
/// # Panics
/// On any socket error or bad response.
pub fn http_hello<R: NetRuntime>(rt: &R, requests: usize) -> (f64, Vec<u64>) {
    http_load(rt, requests, |stream| async move {
        let _ = http::serve(stream).await;
    })
}

/// One `hyper_hello` sample: as [`http_hello`], served by hyper.
///
/// # Panics
/// On any socket error or bad response.
pub fn hyper_hello<R: hyper::HyperServe + 'static>(rt: &R, requests: usize) -> (f64, Vec<u64>) {
    http_load(rt, requests, R::serve_hyper)
}

/// `requests` requests from [`loadgen`] against `serve` on `rt`.
fn http_load<R, F, Fut>(rt: &R, requests: usize, serve: F) -> (f64, Vec<u64>)
where
    R: NetRuntime,
    F: Fn(R::Stream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let conns = HTTP_THREADS * HTTP_CONNS_PER_THREAD;
    let (listener, addr) = rt.block_on(R::bind()).expect("bind");
    let accepted = spawn_acceptor(rt, listener, conns, serve);
    let barrier = Arc::new(Barrier::new(HTTP_THREADS + 1));
    let mut threads = Vec::with_capacity(HTTP_THREADS);
    for t in 0..HTTP_THREADS {
        let streams: Vec<_> = (0..HTTP_CONNS_PER_THREAD)
            .map(|_| {
                let s = std::net::TcpStream::connect(addr).expect("connect");
                s.set_nodelay(true).expect("nodelay");
                s
            })
            .collect();
        // The first threads take the remainder.
        let share = requests / HTTP_THREADS + usize::from(t < requests % HTTP_THREADS);
        let barrier = barrier.clone();
        threads.push(std::thread::spawn(move || {
            barrier.wait();
            loadgen::drive(streams, share)
        }));
    }
    wait(rt, accepted);
    barrier.wait();
    let start = Instant::now();
    let mut latencies = Vec::with_capacity(requests);
    for thread in threads {
        latencies.extend(thread.join().expect("load generator panicked").expect("load generator"));
    }
    (start.elapsed().as_secs_f64(), latencies)
}

/// Nearest-rank percentile of sorted `v`.
fn percentile(sorted: &[u64], q: f64) -> u64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn micros(ns: u64) -> String {
    format!("{:.0} µs", ns as f64 / 1e3)
}

/// Notes for under the tables: round trips and requests per second (from
/// the median sample) and `http_hello`'s pooled p50/p99/max latency over
/// its timed samples (the first `warmup` samples per runtime, as capped by
/// [`rounds`], are left out). `warmup` and `timed` are the rounds asked for.
pub fn notes(results: &[RowResult], warmup: usize, timed: usize) -> Vec<String> {
    let mut notes = Vec::new();
    if results.iter().any(|r| r.name == TCP_ECHO.name || LATENCY_ROWS.contains(&r.name)) {
        let (w, t) = rounds(TCP_ECHO.name, warmup, timed);
        notes.push(format!("socket rows (tcp_echo, http_hello, hyper_hello): {w} warm-up and {t} timed rounds"));
    }
    for result in results {
        let per_sample = if result.name == TCP_ECHO.name {
            ("round trips/s", echo_round_trips_per_sample())
        } else if LATENCY_ROWS.contains(&result.name) {
            ("requests/s", http_requests_per_sample())
        } else {
            continue;
        };
        let rates: Vec<_> = Which::ALL
            .iter()
            .zip(&result.summaries)
            .map(|(w, s)| format!("{} {:.0}", w.name(), per_sample.1 as f64 / s.median))
            .collect();
        notes.push(format!("{} {} (median sample): {}", result.name, per_sample.0, rates.join(", ")));
        if let Some(r) = LATENCY_ROWS.iter().position(|n| *n == result.name) {
            let skip = rounds(result.name, warmup, usize::MAX).0;
            let all = HTTP_LATENCIES.lock().unwrap();
            let lat: Vec<_> = Which::ALL
                .iter()
                .zip(all[r].iter())
                .filter_map(|(w, samples)| {
                    let mut pooled: Vec<u64> = samples.iter().skip(skip).flatten().copied().collect();
                    if pooled.is_empty() {
                        return None;
                    }
                    pooled.sort_unstable();
                    Some(format!(
                        "{} p50 {} / p99 {} / max {}",
                        w.name(),
                        micros(percentile(&pooled, 0.5)),
                        micros(percentile(&pooled, 0.99)),
                        micros(*pooled.last().unwrap())
                    ))
                })
                .collect();
            notes.push(format!("{} latency per request: {}", result.name, lat.join("; ")));
        }
    }
    notes
}
