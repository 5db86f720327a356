//! A 5-second soak: 200 connections churning against `examples/hyper_server`
//! (connect, 4 verified `POST /echo` requests, close), every byte checked,
//! no error, and the server's descriptors back to where they started. The
//! soak logic is the `soak` bench binary's (`benches/src/soak.rs`, which
//! runs 1,000 connections for 60 s); the example is built by `cargo test`
//! next to this binary.

#[path = "../benches/src/soak.rs"]
mod soak;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn five_second_soak_against_hyper_server() {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("examples").join("hyper_server");
    let mut child = Command::new(&path)
        .args(["--addr", "127.0.0.1:0", "--workers", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (built by `cargo test --features hyper`)", path.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap().parse().unwrap();
    let before = soak::sample(child.id());
    let plan = soak::Plan {
        addr,
        server_pid: child.id(),
        conns: 200,
        duration: Duration::from_secs(5),
        requests_per_conn: 4,
        max_body: 16 * 1024,
        workers: 2,
    };
    let report = soak::run(&plan);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(report.errors, 0, "{:?}", report.first_errors);
    assert!(report.requests > 0, "{report:?}");
    // Flat, loosely: the end of the run holds no more than a few times what
    // the server held once warmed up (allocator caches stay).
    let rss = report.rss_kib;
    assert!(
        rss.end <= 4 * rss.start.max(4096),
        "server RSS KiB after warm-up {} and at the end {}",
        rss.start,
        rss.end
    );
    assert!(report.fds.end <= before.1 + 2, "server fds before {} and after {}: {report:?}", before.1, report.fds.end);
}
