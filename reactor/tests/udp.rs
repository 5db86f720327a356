//! UDP over loopback: `send_to`/`recv_from`, and `connect`/`send`/`recv`.

mod common;

use futures_util::future::join;
use spindle_reactor::net::UdpSocket;

#[test]
fn send_to_recv_from() {
    common::run(30, || async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b_addr = b.local_addr().unwrap();
        // The receiver waits first, so the datagram must wake it.
        let recv = async {
            let mut buf = [0u8; 64];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            (buf[..n].to_vec(), from)
        };
        let send = async { a.send_to(b"datagram", b_addr).await.unwrap() };
        let ((data, from), sent) = join(recv, send).await;
        assert_eq!(sent, 8);
        assert_eq!(data, b"datagram");
        assert_eq!(from, a.local_addr().unwrap());
    });
}

#[test]
fn connected() {
    common::run(30, || async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        for i in 0..100u32 {
            a.send(&i.to_le_bytes()).await.unwrap();
            let mut buf = [0u8; 4];
            assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
            assert_eq!(u32::from_le_bytes(buf), i);
        }
        b.send(b"back").await.unwrap();
        let mut buf = [0u8; 8];
        let n = a.recv(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"back");
    });
}

#[test]
fn send_without_connect_fails() {
    common::run(30, || async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert!(a.send(b"x").await.is_err());
        assert!(a.peer_addr().is_err());
    });
}
