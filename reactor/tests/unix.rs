//! Unix-domain sockets: listener/stream echo, `pair`, and datagrams.

// Unix only: Unix-domain sockets.
#![cfg(unix)]

mod common;

use std::path::PathBuf;

use futures_util::future::join;
use spindle_reactor::net::{UnixDatagram, UnixListener, UnixStream};

fn temp_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("spindle-reactor-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn stream_smoke() {
    let path = temp_path("stream");
    let path2 = path.clone();
    common::run(30, move || async move {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
        let (client, server) = join(UnixStream::connect(&path), listener.accept()).await;
        let client = client.unwrap();
        let (server, _) = server.unwrap();
        let echo = async {
            let mut buf = [0u8; 32];
            let n = server.read(&mut buf).await.unwrap();
            server.write_all(&buf[..n]).await.unwrap();
        };
        let talk = async {
            client.write_all(b"over unix").await.unwrap();
            let mut buf = [0u8; 9];
            let mut n = 0;
            while n < 9 {
                n += client.read(&mut buf[n..]).await.unwrap();
            }
            assert_eq!(&buf, b"over unix");
        };
        join(echo, talk).await;
        drop(server);
        let mut buf = [0u8; 1];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0, "EOF");
    });
    let _ = std::fs::remove_file(path2);
}

#[test]
fn stream_pair() {
    common::run(30, || async {
        let (a, b) = UnixStream::pair().unwrap();
        let reader = async {
            let mut buf = [0u8; 5];
            let mut n = 0;
            while n < 5 {
                n += b.read(&mut buf[n..]).await.unwrap();
            }
            buf
        };
        let (buf, ()) = join(reader, async { a.write_all(b"paired").await.unwrap() }).await;
        assert_eq!(&buf, b"paire");
    });
}

#[test]
fn datagram_bound() {
    let (pa, pb) = (temp_path("dgram-a"), temp_path("dgram-b"));
    let (pa2, pb2) = (pa.clone(), pb.clone());
    common::run(30, move || async move {
        let a = UnixDatagram::bind(&pa).unwrap();
        let b = UnixDatagram::bind(&pb).unwrap();
        let recv = async {
            let mut buf = [0u8; 16];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            (buf[..n].to_vec(), from.as_pathname().map(|p| p.to_owned()))
        };
        let send = async { a.send_to(b"gram", &pb).await.unwrap() };
        let ((data, from), n) = join(recv, send).await;
        assert_eq!(n, 4);
        assert_eq!(data, b"gram");
        assert_eq!(from.as_deref(), Some(pa.as_path()));
    });
    let _ = std::fs::remove_file(pa2);
    let _ = std::fs::remove_file(pb2);
}

#[test]
fn datagram_pair_and_connect() {
    common::run(30, || async {
        let (a, b) = UnixDatagram::pair().unwrap();
        for i in 0..50u8 {
            a.send(&[i; 3]).await.unwrap();
            let mut buf = [0u8; 8];
            assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
            assert_eq!(&buf[..3], &[i; 3]);
        }
        let path = temp_path("dgram-connect");
        let c = UnixDatagram::bind(&path).unwrap();
        let d = UnixDatagram::unbound().unwrap();
        d.connect(&path).unwrap();
        d.send(b"hi").await.unwrap();
        let mut buf = [0u8; 2];
        assert_eq!(c.recv(&mut buf).await.unwrap(), 2);
        assert_eq!(&buf, b"hi");
        let _ = std::fs::remove_file(path);
    });
}
