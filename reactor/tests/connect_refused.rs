//! Connecting to a port nobody listens on is an `io::Error`
//! (`ConnectionRefused`), not a panic or a hang.

mod common;

use std::io::ErrorKind;

use spindle_reactor::net::TcpStream;

#[test]
fn tcp_refused() {
    common::run(30, || async {
        // Take a free port, then release it: nobody listens there now.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err:?}");
    });
}

#[cfg(unix)]
#[test]
fn unix_missing_path() {
    common::run(30, || async {
        let path = std::env::temp_dir().join(format!("spindle-reactor-{}-nobody.sock", std::process::id()));
        let err = spindle_reactor::net::UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    });
}

#[test]
fn unresolvable_host() {
    common::run(60, || async {
        let err = TcpStream::connect("no-such-host.invalid:80").await.unwrap_err();
        // The resolver's error surfaces as an io::Error of some kind.
        assert!(!err.to_string().is_empty());
    });
}
