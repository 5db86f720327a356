//! The soak: many connections churning against a running `hyper_server`
//! (connect, a few `POST /echo` requests with pseudo-random bodies, every
//! byte of every answer checked, close, again), while the server's resident
//! memory and open descriptors are sampled from `/proc/PID`.
//!
//! Used by the `soak` binary (1,000 connections for 60 s) and, through a
//! `#[path]` include, by the spindle crate's `tests/hyper_soak.rs` (a
//! 5-second version). It needs only spindle (with its `hyper` feature),
//! hyper, http-body-util, bytes and futures-util, which both have.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use spindle::hyper::SpindleIo;

/// What a soak is asked to do.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The server's address.
    pub addr: SocketAddr,
    /// The server's pid, for `/proc/PID/status` and `/proc/PID/fd`.
    pub server_pid: u32,
    /// Connections open at once.
    pub conns: usize,
    /// How long the churn runs.
    pub duration: Duration,
    /// Requests per connection before it is closed.
    pub requests_per_conn: usize,
    /// Largest request body (bodies are 1 to this many bytes).
    pub max_body: usize,
    /// Client runtime workers.
    pub workers: usize,
}

/// A resource sampled over the run: after the warm-up (the first tenth),
/// the highest, and at the end.
#[derive(Clone, Copy, Debug, Default)]
pub struct Track {
    /// After the warm-up.
    pub start: u64,
    /// The highest sample after the warm-up.
    pub peak: u64,
    /// The last sample, with every soak connection closed.
    pub end: u64,
}

/// What a soak found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Connections opened and closed.
    pub connections: u64,
    /// Requests answered and verified.
    pub requests: u64,
    /// Body bytes sent (and verified coming back).
    pub bytes: u64,
    /// Failures: connect, send, or an answer that differs from the request.
    pub errors: u64,
    /// The first few failures, described.
    pub first_errors: Vec<String>,
    /// The server's resident memory in KiB.
    pub rss_kib: Track,
    /// The server's open descriptors.
    pub fds: Track,
}

/// xorshift64*: cheap, seedable bodies.
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn body(state: &mut u64, max: usize) -> Vec<u8> {
    let len = 1 + (next(state) as usize) % max;
    (0..len).map(|_| next(state) as u8).collect()
}

/// `VmRSS` of `pid` in KiB, and its open descriptors.
pub fn sample(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count() as u64);
    (rss, fds)
}

/// One connection's life: connect, `requests` verified echoes, close.
async fn one_connection(addr: SocketAddr, requests: usize, seed: &mut u64, max_body: usize) -> Result<u64, String> {
    let stream = spindle::net::TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| format!("nodelay: {e}"))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(SpindleIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
    let driver = spindle::spawn(conn);
    let mut bytes = 0;
    for _ in 0..requests {
        let sent = body(seed, max_body);
        let req = hyper::Request::post("http://localhost/echo")
            .body(Full::new(Bytes::from(sent.clone())))
            .map_err(|e| format!("request: {e}"))?;
        sender.ready().await.map_err(|e| format!("ready: {e}"))?;
        let resp = sender.send_request(req).await.map_err(|e| format!("send: {e}"))?;
        if resp.status() != hyper::StatusCode::OK {
            return Err(format!("status {}", resp.status()));
        }
        let got = resp.into_body().collect().await.map_err(|e| format!("body: {e}"))?.to_bytes();
        if got[..] != sent[..] {
            let at = got.iter().zip(&sent).position(|(a, b)| a != b).unwrap_or(got.len().min(sent.len()));
            return Err(format!("echo differs at byte {at} ({} bytes sent, {} back)", sent.len(), got.len()));
        }
        bytes += sent.len() as u64;
    }
    drop(sender);
    let _ = driver.await;
    Ok(bytes)
}

/// Runs the soak on a spindle runtime of its own.
///
/// # Panics
/// If the client runtime cannot start.
pub fn run(plan: &Plan) -> Report {
    let rt = spindle::Builder::new_multi_thread().worker_threads(plan.workers).build().expect("client runtime");
    let stop = Arc::new(AtomicBool::new(false));
    let (connections, requests, bytes, errors) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let first_errors = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut report = Report::default();
    rt.block_on(async {
        let mut tasks = Vec::with_capacity(plan.conns);
        for i in 0..plan.conns {
            let (stop, connections, requests, bytes, errors, first_errors) = (
                stop.clone(),
                connections.clone(),
                requests.clone(),
                bytes.clone(),
                errors.clone(),
                first_errors.clone(),
            );
            let plan = plan.clone();
            tasks.push(spindle::spawn(async move {
                let mut seed = 0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1);
                while !stop.load(Ordering::Relaxed) {
                    match one_connection(plan.addr, plan.requests_per_conn, &mut seed, plan.max_body).await {
                        Ok(b) => {
                            connections.fetch_add(1, Ordering::Relaxed);
                            requests.fetch_add(plan.requests_per_conn as u64, Ordering::Relaxed);
                            bytes.fetch_add(b, Ordering::Relaxed);
                        }
                        Err(e) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            let mut first = first_errors.lock().unwrap();
                            if first.len() < 5 {
                                first.push(e);
                            }
                        }
                    }
                }
            }));
        }
        let start = Instant::now();
        let warmup = plan.duration / 10;
        let mut warmed = false;
        while start.elapsed() < plan.duration {
            spindle::time::sleep(Duration::from_millis(250).min(plan.duration / 20)).await;
            let (rss, fds) = sample(plan.server_pid);
            if !warmed && start.elapsed() >= warmup {
                warmed = true;
                report.rss_kib = Track { start: rss, peak: rss, end: rss };
                report.fds = Track { start: fds, peak: fds, end: fds };
            } else if warmed {
                report.rss_kib.peak = report.rss_kib.peak.max(rss);
                report.fds.peak = report.fds.peak.max(fds);
            }
        }
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            let _ = t.await;
        }
        // Give the server a moment to see the last closes.
        spindle::time::sleep(Duration::from_millis(200)).await;
        let (rss, fds) = sample(plan.server_pid);
        report.rss_kib.end = rss;
        report.fds.end = fds;
    });
    report.connections = connections.load(Ordering::Relaxed);
    report.requests = requests.load(Ordering::Relaxed);
    report.bytes = bytes.load(Ordering::Relaxed);
    report.errors = errors.load(Ordering::Relaxed);
    report.first_errors = first_errors.lock().unwrap().clone();
    report
}
