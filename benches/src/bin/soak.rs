//! `soak`: 1,000 connections churning against `examples/hyper_server` for
//! 60 s (connect, 4 `POST /echo` requests with pseudo-random bodies of up
//! to 16 KiB, every byte checked, close), reporting the server's resident
//! memory and open descriptors after warm-up, at their peak, and at the end.
//! Bounded: it stops after `--secs`, and exits non-zero on any failure.
//!
//! ```text
//! cargo build --release --features hyper --example hyper_server
//! cargo run --release -p spindle-benches --bin soak -- [--conns 1000] [--secs 60] [--server PATH]
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use spindle_benches::soak::{self, Plan};

fn main() -> ExitCode {
    let mut conns = 1000usize;
    let mut secs = 60u64;
    let exe = std::env::current_exe().expect("current_exe");
    let mut server = exe.parent().expect("target dir").join("examples").join("hyper_server");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--conns" => conns = value.parse().expect("--conns N"),
            "--secs" => secs = value.parse().expect("--secs N"),
            "--server" => server = value.into(),
            _ => {
                eprintln!("usage: soak [--conns 1000] [--secs 60] [--server target/release/examples/hyper_server]");
                return ExitCode::from(2);
            }
        }
    }
    let mut child = match Command::new(&server)
        .args(["--addr", "127.0.0.1:0", "--workers", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "{}: {e}; build it first: cargo build --release --features hyper --example hyper_server",
                server.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("server's first line");
    let addr = line.trim().strip_prefix("listening on ").expect("listening on ADDR").parse().expect("address");
    let plan = Plan {
        addr,
        server_pid: child.id(),
        conns,
        duration: Duration::from_secs(secs),
        requests_per_conn: 4,
        max_body: 16 * 1024,
        workers: 2,
    };
    let before = soak::sample(child.id());
    let report = soak::run(&plan);
    let _ = child.kill();
    let _ = child.wait();
    println!("soak: {conns} connections churning for {secs} s against {}", server.display());
    println!(
        "connections {} / requests {} / body bytes {} verified / errors {}",
        report.connections, report.requests, report.bytes, report.errors
    );
    println!("server before the soak: RSS {} KiB, {} fds", before.0, before.1);
    println!(
        "server RSS KiB after warm-up / peak / end: {} / {} / {}",
        report.rss_kib.start, report.rss_kib.peak, report.rss_kib.end
    );
    println!("server fds after warm-up / peak / end: {} / {} / {}", report.fds.start, report.fds.peak, report.fds.end);
    for e in &report.first_errors {
        println!("error: {e}");
    }
    if report.errors == 0 && report.requests > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
