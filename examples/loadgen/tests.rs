//! Brief loopback runs against in-process servers (blocking std
//! threads, so the servers share nothing with the runtime under test).

use super::*;
use crate::client::{parse_response_head, ECHO_PAYLOAD};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};

/// A keep-alive server answering every request with `respond`'s bytes,
/// for `conns` connections.
fn server(conns: usize, respond: fn(&[u8]) -> &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(conns) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut buf = vec![0u8; 4096];
                let mut filled = 0;
                loop {
                    match stream.read(&mut buf[filled..]) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => filled += n,
                    }
                    while let Some(len) = next_request(&buf[..filled]) {
                        let reply = respond(&buf[..len]);
                        if stream.write_all(reply).is_err() {
                            return;
                        }
                        buf.copy_within(len..filled, 0);
                        filled -= len;
                    }
                }
            });
        }
    });
    addr
}

/// The length of the first whole request in `buf`: an HTTP head, or
/// an echo payload.
fn next_request(buf: &[u8]) -> Option<usize> {
    if buf.starts_with(b"GET") {
        buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
    } else {
        (buf.len() >= ECHO_PAYLOAD.len()).then_some(ECHO_PAYLOAD.len())
    }
}

fn ok(_: &[u8]) -> &'static [u8] {
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
}

fn not_found(_: &[u8]) -> &'static [u8] {
    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
}

fn echo(_: &[u8]) -> &'static [u8] {
    ECHO_PAYLOAD
}

fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn run_json(cmd: &str) -> serde_json::Value {
    let report = run(Config::parse(args(cmd)).unwrap()).unwrap();
    let text = json(&report);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    let floor = usize::from(cmd.split_whitespace().any(|a| a == "--floor"));
    assert_eq!(keys.len(), 5 + floor, "{text}");
    for key in ["requests", "errors", "rps", "latency_us", "pacing_error_us"] {
        assert!(v.get(key).is_some(), "{key} missing in {text}");
    }
    for q in ["p50", "p90", "p99", "p999", "max"] {
        assert!(v["latency_us"][q].as_f64().is_some(), "{text}");
    }
    for q in ["p50", "p99", "max"] {
        assert!(v["pacing_error_us"][q].as_f64().is_some(), "{text}");
    }
    v
}

#[test]
fn open_loop_http_smoke() {
    let addr = server(4, ok);
    let v = run_json(&format!("http://{addr}/x --rate 2000 --connections 4 --duration 0.5 --workers 2 --json"));
    let requests = v["requests"].as_u64().unwrap();
    assert_eq!(v["errors"].as_u64(), Some(0), "{v}");
    // The schedule holds 1,000 events in 0.5 s; allow a slow machine.
    assert!((500..=1000).contains(&requests), "{v}");
    assert!(v["latency_us"]["max"].as_f64().unwrap() >= v["latency_us"]["p50"].as_f64().unwrap());
}

#[test]
fn floor_in_json() {
    let addr = server(2, ok);
    let v = run_json(&format!("http://{addr}/ --rate 1000 --connections 2 --duration 0.3 --workers 1 --floor"));
    for q in ["p50", "p99", "max"] {
        assert!(v["os_floor_us"][q].as_f64().is_some(), "{v}");
    }
    assert!(v["os_floor_us"]["max"].as_f64() >= v["os_floor_us"]["p50"].as_f64(), "{v}");
}

#[test]
fn closed_loop_per_core_precise_and_bounded_count() {
    let addr = server(2, ok);
    let v = run_json(&format!("http://{addr}/ --connections 2 --duration 5 --requests 300 --per-core --workers 2"));
    assert_eq!(v["requests"].as_u64(), Some(300), "{v}");
    assert_eq!(v["pacing_error_us"]["max"].as_f64(), Some(0.0));
    let addr = server(2, ok);
    let v = run_json(&format!(
        "http://{addr}/ --rate 1000 --connections 2 --duration 0.2 --precise --per-core --workers 2"
    ));
    assert!(v["requests"].as_u64().unwrap() > 0, "{v}");
}

#[test]
fn echo_protocol() {
    let addr = server(2, echo);
    let v = run_json(&format!("echo://{addr} --connections 2 --requests 200 --duration 5 --workers 1"));
    assert_eq!(v["requests"].as_u64(), Some(200), "{v}");
    assert_eq!(v["errors"].as_u64(), Some(0), "{v}");
}

#[test]
fn non_2xx_and_refused_connections_are_errors_not_fatal() {
    let addr = server(2, not_found);
    let v = run_json(&format!("http://{addr}/ --connections 2 --requests 50 --duration 5 --workers 1"));
    assert_eq!((v["requests"].as_u64(), v["errors"].as_u64()), (Some(0), Some(50)), "{v}");
    // Nothing listens there once the listener is dropped.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let v = run_json(&format!("http://{closed}/ --rate 200 --connections 2 --duration 0.2 --workers 1"));
    assert_eq!(v["requests"].as_u64(), Some(0));
    assert!(v["errors"].as_u64().unwrap() > 0, "{v}");
}

#[test]
fn a_silent_server_times_out_into_errors() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        // Accept and hold every connection, answering nothing.
        let held: Vec<_> = listener.incoming().take(8).collect();
        std::thread::sleep(Duration::from_secs(10));
        drop(held);
    });
    let start = Instant::now();
    let v = run_json(&format!("http://{addr}/ --connections 1 --requests 3 --timeout-ms 50 --duration 5 --workers 1"));
    assert_eq!((v["requests"].as_u64(), v["errors"].as_u64()), (Some(0), Some(3)), "{v}");
    assert!(start.elapsed() < Duration::from_secs(3), "bounded by the timeouts, not the duration");
}

#[test]
fn bad_arguments() {
    assert!(Config::parse(args("ftp://x")).is_err());
    assert!(Config::parse(args("http://127.0.0.1:1/ --rate 0")).is_err());
    assert!(Config::parse(args("http://127.0.0.1:1/ --bogus")).is_err());
    assert!(Config::parse(args("--json")).is_err());
    let cfg = Config::parse(args("echo://127.0.0.1:9 --precise")).unwrap();
    assert_eq!(cfg.spin, Duration::from_micros(50));
}

#[test]
fn response_heads() {
    let h = parse_response_head(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n").unwrap();
    assert_eq!((h.status, h.content_length, h.close), (204, 0, true));
    assert!(parse_response_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
    assert!(parse_response_head(b"SSH-2.0\r\n\r\n").is_err());
}
