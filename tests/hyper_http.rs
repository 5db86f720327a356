//! hyper client and server, both on spindle, over TCP and Unix sockets,
//! HTTP/1 and HTTP/2 (h2c, through hyper-util's `auto` builder on one
//! listener), and 500 connections at once.

mod hyper_common;

use std::time::Duration;

use hyper::StatusCode;
#[cfg(unix)]
use hyper_common::serve;
use hyper_common::{rt, spawn_tcp_server, spawn_tcp_server_with, Client, Proto};
use spindle::hyper::SpindleIo;

/// Hello, a 64 KiB echo (several reads and writes), and a 404.
async fn exercise(client: &mut Client) {
    let (status, body) = client.send("GET", "/", b"").await.unwrap();
    assert_eq!((status, &body[..]), (StatusCode::OK, &b"Hello, World!"[..]));
    let big: Vec<u8> = (0..64 * 1024u32).map(|i| (i * 31 % 251) as u8).collect();
    let (status, body) = client.send("POST", "/echo", &big).await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(body == big, "echoed body differs ({} bytes back)", body.len());
    let (status, _) = client.send("GET", "/nope", b"").await.unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn over_tcp(proto: Proto) {
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn_tcp_server(listener);
        let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
        let mut client = Client::handshake(proto, SpindleIo::new(stream)).await.unwrap();
        exercise(&mut client).await;
        server.abort();
    });
}

#[cfg(unix)]
fn over_unix(proto: Proto) {
    let path = std::env::temp_dir().join(format!("spindle-hyper-{}-{proto:?}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    rt().block_on(async {
        let listener = spindle::net::UnixListener::bind(&path).unwrap();
        let server = spindle::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                spindle::spawn(serve(SpindleIo::new(stream)));
            }
        });
        let stream = spindle::net::UnixStream::connect(&path).await.unwrap();
        let mut client = Client::handshake(proto, SpindleIo::new(stream)).await.unwrap();
        exercise(&mut client).await;
        server.abort();
    });
    let _ = std::fs::remove_file(&path);
}

#[test]
fn http1_over_tcp() {
    over_tcp(Proto::Http1);
}

#[test]
fn http2_over_tcp() {
    over_tcp(Proto::Http2);
}

#[cfg(unix)]
#[test]
fn http1_over_unix() {
    over_unix(Proto::Http1);
}

#[cfg(unix)]
#[test]
fn http2_over_unix() {
    over_unix(Proto::Http2);
}

#[cfg(unix)]
#[test]
fn through_the_futures_io_wrapper() {
    rt().block_on(async {
        let (a, b) = spindle::net::UnixStream::pair().unwrap();
        spindle::spawn(serve(spindle::hyper::FuturesIo::new(a)));
        let mut client = Client::handshake(Proto::Http1, spindle::hyper::FuturesIo::new(b)).await.unwrap();
        exercise(&mut client).await;
    });
}

#[test]
fn five_hundred_concurrent_connections() {
    const CONNS: usize = 500;
    rt().block_on(async {
        // A backlog for all 500 connects at once (std's `bind` listens with
        // 128; on a loaded machine the accept queue can overflow).
        let socket = spindle::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(1024).unwrap();
        let addr = listener.local_addr().unwrap();
        // The HTTP/1 connections sit idle until all 500 have answered: a
        // header timeout long enough for a loaded machine.
        let server = spawn_tcp_server_with(listener, Duration::from_secs(60));
        // Every connection is open and has made its first request before
        // any makes its second: all 500 are alive at once.
        let (tx, rx) = futures_channel::mpsc::unbounded::<()>();
        let (go_tx, go_rx) = futures_channel::oneshot::channel::<()>();
        let go = futures_util::FutureExt::shared(go_rx);
        let mut clients = Vec::with_capacity(CONNS);
        for i in 0..CONNS {
            let (tx, go) = (tx.clone(), go.clone());
            let proto = if i % 2 == 0 { Proto::Http1 } else { Proto::Http2 };
            clients.push(spindle::spawn(async move {
                let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
                let mut client = Client::handshake(proto, SpindleIo::new(stream)).await.unwrap();
                let (status, body) = client.send("GET", "/", b"").await.unwrap();
                assert_eq!((status, &body[..]), (StatusCode::OK, &b"Hello, World!"[..]));
                tx.unbounded_send(()).unwrap();
                go.await.unwrap();
                let msg = format!("connection {i}");
                let (status, body) = client.send("POST", "/echo", msg.as_bytes()).await.unwrap();
                assert_eq!((status, &body[..]), (StatusCode::OK, msg.as_bytes()));
                client
            }));
        }
        drop(tx);
        let first_round = futures_util::StreamExt::count(futures_util::StreamExt::take(rx, CONNS));
        let answered =
            spindle::time::timeout(Duration::from_secs(60), first_round).await.expect("500 connections served");
        assert_eq!(answered, CONNS);
        go_tx.send(()).unwrap();
        let mut open = Vec::with_capacity(CONNS);
        for c in clients {
            open.push(c.await.expect("client task panicked"));
        }
        assert_eq!(open.len(), CONNS);
        server.abort();
    });
}

#[test]
fn a_reader_claiming_too_many_bytes_is_an_error() {
    // Regression: FuturesIo asserted `n <= len`, so a broken AsyncRead
    // panicked the task serving the connection.
    struct Liar;
    impl futures_io::AsyncRead for Liar {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            std::task::Poll::Ready(Ok(buf.len() + 1))
        }
    }
    let mut io = spindle::hyper::FuturesIo::new(Liar);
    let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 16];
    let mut buf = hyper::rt::ReadBuf::uninit(&mut storage);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match hyper::rt::Read::poll_read(std::pin::Pin::new(&mut io), &mut cx, buf.unfilled()) {
        std::task::Poll::Ready(Err(e)) => assert_eq!(e.kind(), std::io::ErrorKind::InvalidData),
        other => panic!("expected InvalidData, got {other:?}"),
    }
    assert!(buf.filled().is_empty());
}
