//! The `futures-io` traits: `AsyncRead`/`AsyncWrite` on the stream types and
//! their halves, driven by `futures_util::io::copy` and `BufReader`.

mod common;

use futures_util::future::join;
use futures_util::io::{copy, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use spindle_reactor::net::{TcpListener, TcpStream};

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, server) = join(TcpStream::connect(addr), listener.accept()).await;
    (client.unwrap(), server.unwrap().0)
}

#[test]
fn copy_through_split_echo() {
    common::run(60, || async {
        let (mut client, mut server) = tcp_pair().await;
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7) as u8).collect();
        let echo = async {
            // Inherent split (AsyncReadExt::split would win method resolution).
            let (mut r, mut w) = TcpStream::split(&mut server);
            let n = copy(&mut r, &mut w).await.unwrap();
            w.close().await.unwrap();
            n
        };
        let talk = async {
            let (mut r, mut w) = TcpStream::split(&mut client);
            let send = async {
                w.write_all(&data).await.unwrap();
                w.close().await.unwrap(); // shuts the write side: server sees EOF
            };
            let recv = async {
                let mut out = Vec::new();
                r.read_to_end(&mut out).await.unwrap();
                out
            };
            join(send, recv).await.1
        };
        let (copied, out) = join(echo, talk).await;
        assert_eq!(copied, data.len() as u64);
        assert!(out == data, "echo differs");
    });
}

#[test]
fn bufreader_lines_over_owned_halves() {
    common::run(30, || async {
        let (client, server) = tcp_pair().await;
        let (read_half, mut write_half) = client.into_split();
        let (server_read, mut server_write) = server.into_split();
        let serve = async {
            let mut lines = BufReader::new(server_read).lines();
            let mut n = 0;
            while let Some(line) = futures_util::StreamExt::next(&mut lines).await {
                let line = line.unwrap();
                server_write.write_all(format!("{}\n", line.to_uppercase()).as_bytes()).await.unwrap();
                n += 1;
            }
            server_write.close().await.unwrap();
            n
        };
        let talk = async {
            for word in ["alpha", "beta", "gamma"] {
                write_half.write_all(format!("{word}\n").as_bytes()).await.unwrap();
            }
            write_half.close().await.unwrap();
            let mut reader = BufReader::new(read_half);
            let mut out = String::new();
            reader.read_to_string(&mut out).await.unwrap();
            (out, reader.into_inner())
        };
        let (n, (out, read_half)) = join(serve, talk).await;
        assert_eq!(n, 3);
        assert_eq!(out, "ALPHA\nBETA\nGAMMA\n");
        let stream = read_half.reunite(write_half).expect("same stream");
        assert!(stream.local_addr().is_ok());
    });
}

#[test]
fn reunite_rejects_foreign_halves() {
    common::run(30, || async {
        let (a, b) = tcp_pair().await;
        let (ar, _aw) = a.into_split();
        let (_br, bw) = b.into_split();
        assert!(ar.reunite(bw).is_err());
    });
}

#[cfg(unix)]
#[test]
fn unix_stream_traits() {
    common::run(30, || async {
        let (mut a, mut b) = spindle_reactor::net::UnixStream::pair().unwrap();
        let send = async {
            a.write_all(b"line one\nline two\n").await.unwrap();
            a.close().await.unwrap();
        };
        let recv = async {
            let mut lines = Vec::new();
            let mut reader = BufReader::new(&mut b);
            let mut line = String::new();
            while reader.read_line(&mut line).await.unwrap() != 0 {
                lines.push(std::mem::take(&mut line));
            }
            lines
        };
        let ((), lines) = join(send, recv).await;
        assert_eq!(lines, ["line one\n", "line two\n"]);
    });
}
