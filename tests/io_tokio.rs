//! The `tokio-io` feature: tokio's io traits on spindle's streams, proven
//! with a tokio-util codec over a duplex stream, a TCP stream and a Unix
//! stream, all on a spindle runtime (no tokio runtime anywhere).
#![cfg(feature = "tokio-io")]

use futures_util::{SinkExt, StreamExt};
use spindle::io::TokioIo;
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec};

fn multi_thread() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

#[test]
fn lines_codec_over_a_duplex_stream() {
    let rt = multi_thread();
    rt.block_on(async {
        let (a, b) = spindle::io::duplex(16);
        let writer = spindle::spawn(async move {
            let mut sink = FramedWrite::new(a, LinesCodec::new());
            for i in 0..100 {
                sink.send(format!("line {i}")).await.unwrap();
            }
        });
        let mut lines = FramedRead::new(b, LinesCodec::new());
        let mut n = 0;
        while let Some(line) = lines.next().await {
            assert_eq!(line.unwrap(), format!("line {n}"));
            n += 1;
        }
        assert_eq!(n, 100);
        writer.await.unwrap();
    });
}

#[test]
fn framed_echo_over_tcp() {
    let rt = multi_thread();
    rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spindle::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut framed = Framed::new(TokioIo::new(stream), LinesCodec::new());
            while let Some(line) = framed.next().await {
                framed.send(line.unwrap().to_uppercase()).await.unwrap();
            }
        });
        let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
        let mut framed = Framed::new(TokioIo::new(stream), LinesCodec::new());
        for word in ["spindle", "speaks", "tokio-io"] {
            framed.send(word).await.unwrap();
            assert_eq!(framed.next().await.unwrap().unwrap(), word.to_uppercase());
        }
        drop(framed);
        server.await.unwrap();
    });
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
