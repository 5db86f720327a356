//! The `tokio-io` feature: tokio's io traits on spindle's streams, proven
//! with a tokio-util codec over a duplex stream, a TCP stream (directly,
//! its halves, and through `TokioIo`) and a Unix stream, all on a spindle
//! runtime (no tokio runtime anywhere).
#![cfg(feature = "tokio-io")]

use futures_util::{SinkExt, StreamExt};
use spindle::io::TokioIo;
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec};

fn multi_thread() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

/// Sends `n` numbered lines through a `LinesCodec`, then shuts the
/// writer down.
async fn send_lines<W: tokio::io::AsyncWrite + Unpin>(writer: W, n: usize) {
    let mut sink = FramedWrite::new(writer, LinesCodec::new());
    for i in 0..n {
        sink.send(format!("line {i}")).await.unwrap();
    }
    SinkExt::<String>::close(&mut sink).await.unwrap();
}

/// Reads the lines of [`send_lines`] back, in order, up to EOF.
async fn expect_lines<R: tokio::io::AsyncRead + Unpin>(reader: R, n: usize) {
    let mut lines = FramedRead::new(reader, LinesCodec::new());
    let mut got = 0;
    while let Some(line) = lines.next().await {
        assert_eq!(line.unwrap(), format!("line {got}"));
        got += 1;
    }
    assert_eq!(got, n);
}

#[test]
fn lines_codec_over_a_duplex_stream() {
    let rt = multi_thread();
    rt.block_on(async {
        let (a, b) = spindle::io::duplex(16);
        let writer = spindle::spawn(send_lines(a, 100));
        expect_lines(b, 100).await;
        writer.await.unwrap();
    });
}

/// A tokio-util `Framed` echo (upper-casing) over a loopback connection,
/// each side's stream seen through `adapt`.
async fn framed_echo<S>(adapt: fn(spindle::net::TcpStream) -> S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = spindle::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut framed = Framed::new(adapt(stream), LinesCodec::new());
        while let Some(line) = framed.next().await {
            framed.send(line.unwrap().to_uppercase()).await.unwrap();
        }
    });
    let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
    let mut framed = Framed::new(adapt(stream), LinesCodec::new());
    for word in ["spindle", "speaks", "tokio-io"] {
        framed.send(word).await.unwrap();
        assert_eq!(framed.next().await.unwrap().unwrap(), word.to_uppercase());
    }
    for i in 0..200 {
        let line = format!("line-{i}");
        framed.send(line.clone()).await.unwrap();
        assert_eq!(framed.next().await.unwrap().unwrap(), line.to_uppercase());
    }
    drop(framed);
    server.await.unwrap();
}

#[test]
fn framed_echo_over_tcp() {
    multi_thread().block_on(framed_echo(TokioIo::new));
}

/// `Framed` + `LinesCodec` straight over spindle's `TcpStream`: tokio's
/// traits are implemented on the stream itself, no adapter.
#[test]
fn framed_lines_over_tcp_stream_directly() {
    multi_thread().block_on(framed_echo(|stream| stream));
}

#[cfg(unix)]
#[test]
fn tokio_ext_traits_over_unix_stream() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let rt = multi_thread();
    rt.block_on(async {
        let (a, b) = spindle::net::UnixStream::pair().unwrap();
        let (mut a, mut b) = (TokioIo::new(a), TokioIo::new(b));
        a.write_all(b"over a unix socket").await.unwrap();
        a.shutdown().await.unwrap();
        let mut got = String::new();
        b.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "over a unix socket");
    });
}

#[test]
fn duplex_shutdown_through_tokio_traits() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    spindle::block_on(async {
        let (mut a, mut b) = spindle::io::duplex(4);
        let writer = spindle::spawn(async move {
            AsyncWriteExt::write_all(&mut a, b"more than four bytes").await.unwrap();
            AsyncWriteExt::shutdown(&mut a).await.unwrap();
        });
        let mut got = Vec::new();
        AsyncReadExt::read_to_end(&mut b, &mut got).await.unwrap();
        assert_eq!(got, b"more than four bytes");
        writer.await.unwrap();
    });
}

/// The codec over the owned halves (a reader task and a writer task) and
/// over the borrowed halves (one task).
#[test]
fn codec_over_tcp_halves() {
    let rt = multi_thread();
    rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let echo = spindle::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let (read, write) = stream.split();
            let mut lines = FramedRead::new(read, LinesCodec::new());
            let mut sink = FramedWrite::new(write, LinesCodec::new());
            while let Some(line) = lines.next().await {
                sink.send(line.unwrap()).await.unwrap();
            }
        });
        let (read, write) = spindle::net::TcpStream::connect(addr).await.unwrap().into_split();
        // Its close shuts the write side down: the echo ends, then our reader.
        let writer = spindle::spawn(send_lines(write, 500));
        expect_lines(read, 500).await;
        writer.await.unwrap();
        echo.await.unwrap();
    });
}

/// A large transfer through tokio's `read_to_end` (reads straight into the
/// `ReadBuf`'s uninitialised spare capacity): every byte arrives intact.
#[test]
fn tokio_read_to_end_over_tcp_stream_is_byte_exact() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let rt = multi_thread();
    rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let sent = payload.clone();
        let writer = spindle::spawn(async move {
            let mut stream = spindle::net::TcpStream::connect(addr).await.unwrap();
            AsyncWriteExt::write_all(&mut stream, &sent).await.unwrap();
            AsyncWriteExt::shutdown(&mut stream).await.unwrap();
        });
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        AsyncReadExt::read_to_end(&mut stream, &mut got).await.unwrap();
        assert_eq!(got.len(), payload.len());
        assert!(got == payload, "bytes differ");
        writer.await.unwrap();
    });
}

#[cfg(unix)]
#[test]
fn tokio_ext_traits_over_unix_stream_directly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let rt = multi_thread();
    rt.block_on(async {
        let (mut a, mut b) = spindle::net::UnixStream::pair().unwrap();
        AsyncWriteExt::write_all(&mut a, b"no adapter").await.unwrap();
        AsyncWriteExt::shutdown(&mut a).await.unwrap();
        let mut got = String::new();
        AsyncReadExt::read_to_string(&mut b, &mut got).await.unwrap();
        assert_eq!(got, "no adapter");
    });
}
