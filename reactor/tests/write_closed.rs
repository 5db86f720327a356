//! Writing to a peer that is gone returns `BrokenPipe` or `ConnectionReset`;
//! the process does not die of `SIGPIPE` (TCP writes use `MSG_NOSIGNAL` in
//! `std` on Linux; for Unix-domain sockets the Rust runtime ignores `SIGPIPE`
//! before `main`, in test harnesses too).

mod common;

use std::io::ErrorKind;

use futures_util::future::join;
use spindle_reactor::net::{TcpListener, TcpStream};

fn is_peer_gone(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::BrokenPipe | ErrorKind::ConnectionReset)
}

#[test]
fn tcp_write_to_closed_peer() {
    common::run(30, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, server) = join(TcpStream::connect(addr), listener.accept()).await;
        let client = client.unwrap();
        drop(server.unwrap());
        let chunk = [7u8; 64 * 1024];
        // The first writes may land in the kernel buffer; the peer's RST
        // then makes a later one fail. Bounded: it must fail quickly.
        let mut err = None;
        for _ in 0..1000 {
            match client.write(&chunk).await {
                Ok(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
                Err(e) => {
                    err = Some(e);
                    break;
                }
            }
        }
        let err = err.expect("writes to a closed peer kept succeeding");
        assert!(is_peer_gone(err.kind()), "{err:?}");
    });
}

#[cfg(unix)]
#[test]
fn unix_write_to_closed_peer() {
    common::run(30, || async {
        let (a, b) = spindle_reactor::net::UnixStream::pair().unwrap();
        drop(b);
        let err = a.write_all(b"anyone?").await.unwrap_err();
        assert!(is_peer_gone(err.kind()), "{err:?}");
    });
}

#[cfg(unix)]
#[test]
fn blocked_writer_is_woken_when_peer_closes() {
    common::run(30, || async {
        let (a, b) = spindle_reactor::net::UnixStream::pair().unwrap();
        let writer = async {
            // Fills the buffer, waits for writability, then the peer goes.
            let chunk = [1u8; 64 * 1024];
            loop {
                if let Err(e) = a.write(&chunk).await {
                    return e;
                }
            }
        };
        let closer = async move {
            futures_util::future::ready(()).await;
            std::thread::sleep(std::time::Duration::from_millis(10));
            drop(b);
        };
        let (err, ()) = join(writer, closer).await;
        assert!(is_peer_gone(err.kind()), "{err:?}");
    });
}
