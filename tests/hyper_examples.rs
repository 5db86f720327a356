//! The two server examples run as documented: each prints `listening on
//! 127.0.0.1:PORT` for `--addr 127.0.0.1:0`, answers its routes over
//! HTTP/1.1 and h2c, and exits with status 0 on SIGTERM / SIGINT, finishing
//! a request still in flight. `cargo test` builds the examples next to the
//! test binaries; these tests run them as child processes.

// Unix only: the servers are stopped with SIGINT/SIGTERM (`libc::kill`).
#![cfg(unix)]

mod hyper_common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hyper::StatusCode;
use hyper_common::{rt, Client, Proto};
use spindle::hyper::SpindleIo;

/// Starts `examples/NAME` and returns it with the address it printed.
fn start(name: &str) -> (Child, SocketAddr) {
    let exe = std::env::current_exe().unwrap();
    let path = exe.parent().unwrap().parent().unwrap().join("examples").join(name);
    let mut child = Command::new(&path)
        .args(["--addr", "127.0.0.1:0", "--workers", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (built by `cargo test --features hyper`)", path.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line {line:?}"));
    let addr: SocketAddr = addr.parse().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    (child, addr)
}

/// Sends `signum` and waits (bounded) for a zero exit status.
fn stop(mut child: Child, signum: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: `kill` has no memory-safety preconditions; `pid` is our child.
    assert_eq!(unsafe { libc::kill(pid, signum) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status:?}");
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit within 10 s of signal {signum}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Method, path, request body, expected status, expected body.
type Case = (&'static str, &'static str, &'static [u8], StatusCode, Option<&'static str>);

async fn client(addr: SocketAddr, proto: Proto) -> Client {
    let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
    Client::handshake(proto, SpindleIo::new(stream)).await.unwrap()
}

#[test]
fn hyper_server_serves_then_shuts_down_gracefully() {
    let (child, addr) = start("hyper_server");
    rt().block_on(async {
        for proto in [Proto::Http1, Proto::Http2] {
            let mut c = client(addr, proto).await;
            let (status, body) = c.send("GET", "/", b"").await.unwrap();
            assert_eq!((status, &body[..]), (StatusCode::OK, &b"Hello, World!"[..]));
            let (status, body) = c.send("POST", "/echo", b"checksum me").await.unwrap();
            assert_eq!((status, &body[..]), (StatusCode::OK, &b"checksum me"[..]));
            assert_eq!(c.send("GET", "/missing", b"").await.unwrap().0, StatusCode::NOT_FOUND);
        }
    });
    stop(child, libc::SIGTERM);
}

#[test]
fn axum_server_routes() {
    let (child, addr) = start("axum_server");
    rt().block_on(async {
        for proto in [Proto::Http1, Proto::Http2] {
            let mut c = client(addr, proto).await;
            let cases: [Case; 6] = [
                ("GET", "/", b"", StatusCode::OK, Some("Hello, World!")),
                ("POST", "/echo", br#"{"a":[1,2]}"#, StatusCode::OK, Some(r#"{"a":[1,2]}"#)),
                ("POST", "/echo", b"{not json", StatusCode::BAD_REQUEST, None),
                ("GET", "/users/42", b"", StatusCode::OK, Some(r#"{"id":42}"#)),
                ("GET", "/users/abc", b"", StatusCode::BAD_REQUEST, None),
                ("GET", "/nowhere", b"", StatusCode::NOT_FOUND, None),
            ];
            for (method, path, body, want, want_body) in cases {
                let (status, got) = c.send(method, path, body).await.unwrap();
                assert_eq!(status, want, "{method} {path} over {proto:?}: {:?}", String::from_utf8_lossy(&got));
                if let Some(want_body) = want_body {
                    assert_eq!(&got[..], want_body.as_bytes(), "{method} {path}");
                }
            }
        }
    });
    stop(child, libc::SIGINT);
}
