//! TCP echo over loopback: small messages, a payload large enough to fill
//! the socket buffers (so both directions hit `WouldBlock` and wait), and
//! the address accessors.

mod common;

use futures_util::future::join;
use spindle_reactor::net::{TcpListener, TcpStream};

#[test]
fn smoke() {
    common::run(30, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        assert_ne!(addr.port(), 0);

        let server = async {
            let (stream, peer) = listener.accept().await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), peer);
            let mut buf = [0u8; 64];
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                stream.write_all(&buf[..n]).await.unwrap();
            }
        };
        let client = async {
            let stream = TcpStream::connect(addr).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), addr);
            stream.set_nodelay(true).unwrap();
            assert!(stream.nodelay().unwrap());
            for msg in [&b"hello"[..], b"spindle", b"x"] {
                stream.write_all(msg).await.unwrap();
                let mut got = vec![0u8; msg.len()];
                let mut n = 0;
                while n < msg.len() {
                    n += stream.read(&mut got[n..]).await.unwrap();
                }
                assert_eq!(got, msg);
            }
            stream.shutdown(std::net::Shutdown::Write).unwrap();
            let mut buf = [0u8; 1];
            assert_eq!(stream.read(&mut buf).await.unwrap(), 0, "EOF after echo");
        };
        join(server, client).await;
    });
}

#[test]
fn large_payload_both_directions() {
    common::run(60, || async {
        const LEN: usize = 4 << 20;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let data: Vec<u8> = (0..LEN).map(|i| (i % 251) as u8).collect();

        let server = async {
            let (stream, _) = listener.accept().await.unwrap();
            // Echo without reading everything first: both buffers fill up.
            let mut buf = vec![0u8; 16 * 1024];
            let mut total = 0;
            while total < LEN {
                let n = stream.read(&mut buf).await.unwrap();
                assert_ne!(n, 0, "early EOF at {total}");
                stream.write_all(&buf[..n]).await.unwrap();
                total += n;
            }
        };
        let client = async {
            let stream = TcpStream::connect(("127.0.0.1", addr.port())).await.unwrap();
            let (mut reader, writer) = {
                let s = &stream;
                (s, s)
            };
            let send = async {
                writer.write_all(&data).await.unwrap();
            };
            let recv = async {
                let mut out = Vec::with_capacity(LEN);
                let mut buf = vec![0u8; 64 * 1024];
                while out.len() < LEN {
                    let n = futures_util::AsyncReadExt::read(&mut reader, &mut buf).await.unwrap();
                    assert_ne!(n, 0);
                    out.extend_from_slice(&buf[..n]);
                }
                out
            };
            let ((), out) = join(send, recv).await;
            assert!(out == data, "echoed bytes differ");
        };
        join(server, client).await;
    });
}

#[test]
fn resolves_localhost() {
    common::run(30, || async {
        let listener = TcpListener::bind("localhost:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let ip = listener.local_addr().unwrap().ip();
        let (client, server) = join(TcpStream::connect((ip, port)), listener.accept()).await;
        let client = client.unwrap();
        let (server, _) = server.unwrap();
        assert_eq!(client.local_addr().unwrap(), server.peer_addr().unwrap());
    });
}

#[test]
fn peek_does_not_consume() {
    common::run(30, || async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, server) = join(TcpStream::connect(addr), listener.accept()).await;
        let (client, (server, _)) = (client.unwrap(), server.unwrap());
        client.write_all(b"abc").await.unwrap();
        let mut buf = [0u8; 3];
        let mut n = 0;
        while n < 3 {
            n = server.peek(&mut buf).await.unwrap();
        }
        assert_eq!(&buf, b"abc");
        let mut buf2 = [0u8; 3];
        let mut m = 0;
        while m < 3 {
            m += server.read(&mut buf2[m..]).await.unwrap();
        }
        assert_eq!(&buf2, b"abc");
    });
}
