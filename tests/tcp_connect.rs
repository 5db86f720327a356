//! `TcpStream::connect` is a non-blocking connect on the reactor: a refused
//! connect fails at once with `ConnectionRefused`, and `TcpSocket` options
//! set before connecting reach the stream.

use std::io;
use std::time::Duration;

fn rt() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

/// A port on loopback that nothing listens on (bound, then closed).
fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn refused_is_connection_refused_at_once() {
    let addr = closed_port();
    rt().block_on(async {
        // The timeout is only a hang guard: a refused loopback connect
        // answers in microseconds.
        let res = spindle::time::timeout(Duration::from_secs(5), spindle::net::TcpStream::connect(addr))
            .await
            .expect("a refused connect must not hang");
        let err = res.expect_err("nothing listens there");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err:?}");
    });
}

#[test]
fn refused_through_tcp_socket() {
    let addr = closed_port();
    rt().block_on(async {
        let socket = spindle::net::TcpSocket::new_v4().unwrap();
        let err = socket.connect(addr).await.expect_err("nothing listens there");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err:?}");
    });
}

#[test]
fn options_set_before_connect_reach_the_stream() {
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = spindle::net::TcpSocket::new_v4().unwrap();
        socket.set_nodelay(true).unwrap();
        socket.set_keepalive(true).unwrap();
        socket.set_linger(Some(Duration::ZERO)).unwrap();
        let stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
        assert!(stream.nodelay().unwrap());
        let sock = socket2::SockRef::from(&stream);
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.linger().unwrap(), Some(Duration::ZERO));
        let (peer, _) = listener.accept().await.unwrap();
        stream.write_all(b"x").await.unwrap();
        let mut b = [0u8; 1];
        assert_eq!(peer.read(&mut b).await.unwrap(), 1);
    });
}

#[cfg(unix)]
#[test]
fn reuseport_listeners_share_a_port() {
    rt().block_on(async {
        let a = spindle::net::TcpSocket::new_v4().unwrap();
        a.set_reuseport(true).unwrap();
        a.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = a.local_addr().unwrap();
        let b = spindle::net::TcpSocket::new_v4().unwrap();
        b.set_reuseport(true).unwrap();
        b.bind(addr).unwrap();
        let (la, lb) = (a.listen(16).unwrap(), b.listen(16).unwrap());
        assert_eq!(la.local_addr().unwrap(), lb.local_addr().unwrap());
    });
}
