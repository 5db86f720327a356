//! `spindle::net::UdpSocket`'s tokio surface on loopback: readiness, the
//! `try_*` and `poll_*` forms, peeking, `try_io` / `async_io`, socket
//! options, multicast membership, and a readiness loop that yields.

use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use spindle::net::{Interest, UdpSocket};

fn rt() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

async fn pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    (a, b)
}

#[test]
fn try_recv_is_would_block_then_data_after_readable() {
    rt().block_on(async {
        let (a, b) = pair().await;
        let mut buf = [0u8; 16];
        assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        a.send_to(b"one", b.local_addr().unwrap()).await.unwrap();
        let (n, from) = loop {
            b.readable().await.unwrap();
            match b.try_recv_from(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                other => break other.unwrap(),
            }
        };
        assert_eq!((&buf[..n], from), (&b"one"[..], a.local_addr().unwrap()));
        // Drained: WouldBlock again, and the readiness it cleared makes
        // `readable` wait (bounded here by a timeout).
        assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        assert!(spindle::time::timeout(Duration::from_millis(20), b.readable()).await.is_err());
    });
}

#[test]
fn try_send_and_try_recv_connected() {
    rt().block_on(async {
        let (a, b) = pair().await;
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        a.writable().await.unwrap();
        assert_eq!(a.try_send(b"ping").unwrap(), 4);
        let mut buf = [0u8; 8];
        let n = loop {
            b.readable().await.unwrap();
            match b.try_recv(&mut buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                other => break other.unwrap(),
            }
        };
        assert_eq!(&buf[..n], b"ping");
        b.writable().await.unwrap();
        assert_eq!(b.try_send_to(b"pong", a.local_addr().unwrap()).unwrap(), 4);
        assert_eq!(a.recv(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"pong");
    });
}

#[test]
fn ready_reports_both_directions() {
    rt().block_on(async {
        let (a, b) = pair().await;
        let ready = b.ready(Interest::WRITABLE).await.unwrap();
        assert!(ready.is_writable());
        a.send_to(b"x", b.local_addr().unwrap()).await.unwrap();
        // Eventually readable as well.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let ready = b.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
            if ready.is_readable() {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the datagram never made the socket readable");
            spindle::task::yield_now().await;
        }
    });
}

#[test]
fn poll_forms() {
    rt().block_on(async {
        let (a, b) = pair().await;
        let target = b.local_addr().unwrap();
        let n = poll_fn(|cx| a.poll_send_to(cx, b"polled", target)).await.unwrap();
        assert_eq!(n, 6);
        poll_fn(|cx| b.poll_recv_ready(cx)).await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = poll_fn(|cx| b.poll_peek_from(cx, &mut buf)).await.unwrap();
        assert_eq!((n, from), (6, a.local_addr().unwrap()));
        let sender = poll_fn(|cx| b.poll_peek_sender(cx)).await.unwrap();
        assert_eq!(sender, a.local_addr().unwrap());
        let (n, _) = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"polled");

        a.connect(target).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
        poll_fn(|cx| a.poll_send(cx, b"conn")).await.unwrap();
        let n = poll_fn(|cx| b.poll_peek(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"conn");
        let n = poll_fn(|cx| b.poll_recv(cx, &mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"conn");
    });
}

#[test]
fn peeks_leave_the_datagram_queued() {
    rt().block_on(async {
        let (a, b) = pair().await;
        a.send_to(b"stay", b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0u8; 8];
        let (n, from) = b.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"stay"[..], a.local_addr().unwrap()));
        assert_eq!(b.peek_sender().await.unwrap(), a.local_addr().unwrap());
        assert_eq!(b.try_peek_sender().unwrap(), a.local_addr().unwrap());
        assert_eq!(b.try_peek_from(&mut buf).unwrap(), (4, a.local_addr().unwrap()));
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(b.try_peek(&mut buf).unwrap(), 4);
        assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
        assert_eq!(b.try_peek(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
        assert_eq!(b.try_peek_sender().unwrap_err().kind(), ErrorKind::WouldBlock);
    });
}

#[test]
fn try_io_and_async_io() {
    rt().block_on(async {
        let (a, b) = pair().await;
        let target = b.local_addr().unwrap();
        a.writable().await.unwrap();
        let sent = a.try_io(Interest::WRITABLE, || a.get_ref().send_to(b"custom", target)).unwrap();
        assert_eq!(sent, 6);
        let mut buf = [0u8; 8];
        let n = b.async_io(Interest::READABLE, || b.get_ref().recv(&mut buf)).await.unwrap();
        assert_eq!(&buf[..n], b"custom");
        let err = b.try_io(Interest::READABLE, || b.get_ref().recv(&mut buf)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::WouldBlock);
    });
}

#[test]
fn shared_between_a_sender_and_a_receiver_task() {
    rt().block_on(async {
        let (a, b) = pair().await;
        let b = Arc::new(b);
        let target: SocketAddr = b.local_addr().unwrap();
        let receiver = {
            let b = b.clone();
            spindle::spawn(async move {
                let mut buf = [0u8; 4];
                let mut sum = 0u64;
                for _ in 0..200 {
                    let (n, _) = b.recv_from(&mut buf).await.unwrap();
                    sum += u64::from(u32::from_le_bytes(buf[..n].try_into().unwrap()));
                }
                sum
            })
        };
        for i in 0..200u32 {
            a.send_to(&i.to_le_bytes(), target).await.unwrap();
            if i % 50 == 0 {
                // Let the receiver keep up: loopback drops when its queue is full.
                spindle::time::sleep(Duration::from_millis(1)).await;
            }
        }
        let sum = spindle::time::timeout(Duration::from_secs(10), receiver).await.expect("receiver stuck").unwrap();
        assert_eq!(sum, (0..200u64).sum::<u64>());
    });
}

#[test]
fn readiness_loop_yields_to_other_tasks() {
    // A task spinning on `writable` + `try_send` (always ready) must not
    // starve a sibling on a one-thread runtime: readiness spends budget.
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let (a, b) = pair().await;
        let target = b.local_addr().unwrap();
        let spinner = spindle::spawn(async move {
            let mut sent = 0u32;
            let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let f = flag.clone();
            spindle::spawn(async move { f.store(true, std::sync::atomic::Ordering::SeqCst) });
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                a.writable().await.unwrap();
                // Errors (a full queue: WouldBlock / ENOBUFS) are fine here.
                let _ = a.try_send_to(b"x", target);
                sent += 1;
                assert!(sent < 1_000_000, "the sibling task never ran");
            }
        });
        spindle::time::timeout(Duration::from_secs(10), spinner).await.expect("spinner never yielded").unwrap();
    });
}

#[test]
fn socket_options() {
    rt().block_on(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.set_broadcast(true).unwrap();
        assert!(socket.broadcast().unwrap());
        socket.set_broadcast(false).unwrap();
        assert!(!socket.broadcast().unwrap());
        socket.set_ttl(7).unwrap();
        assert_eq!(socket.ttl().unwrap(), 7);
        socket.set_multicast_ttl_v4(5).unwrap();
        assert_eq!(socket.multicast_ttl_v4().unwrap(), 5);
        socket.set_multicast_loop_v4(false).unwrap();
        assert!(!socket.multicast_loop_v4().unwrap());
        socket.set_tos(0x20).unwrap();
        assert_eq!(socket.tos().unwrap(), 0x20);
        assert!(socket.take_error().unwrap().is_none());
        #[cfg(target_os = "linux")]
        assert!(socket.device().unwrap().is_none());
        // An IPv4 socket has no IPv6 options: a clear error, not a panic.
        assert!(socket.multicast_loop_v6().is_err());
        let std = socket.into_std().unwrap();
        assert_eq!(std.ttl().unwrap(), 7);
    });
}

#[test]
fn multicast_join_and_leave() {
    rt().block_on(async {
        let socket = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let group = Ipv4Addr::new(239, 255, 42, 99);
        // Containers may lack a multicast route; then joining fails with an
        // error, which is what this checks for instead.
        match socket.join_multicast_v4(group, Ipv4Addr::LOCALHOST) {
            Ok(()) => socket.leave_multicast_v4(group, Ipv4Addr::LOCALHOST).unwrap(),
            Err(e) => assert_ne!(e.kind(), ErrorKind::WouldBlock, "an OS error, not a spurious one: {e}"),
        }
        // Leaving a group never joined fails cleanly.
        assert!(socket.leave_multicast_v4(Ipv4Addr::new(239, 255, 42, 98), Ipv4Addr::LOCALHOST).is_err());
    });
}

#[test]
fn ipv6_loopback_when_available() {
    rt().block_on(async {
        let Ok(a) = UdpSocket::bind("[::1]:0").await else {
            return; // no IPv6 loopback in this environment
        };
        let b = UdpSocket::bind("[::1]:0").await.unwrap();
        a.set_multicast_loop_v6(true).unwrap();
        assert!(a.multicast_loop_v6().unwrap());
        a.send_to(b"v6", b.local_addr().unwrap()).await.unwrap();
        let mut buf = [0u8; 4];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"v6"[..], a.local_addr().unwrap()));
    });
}
