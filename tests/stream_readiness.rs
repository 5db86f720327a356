//! tokio's readiness family on the stream types, over loopback:
//! `ready` / `readable` / `writable`, `poll_read_ready` /
//! `poll_write_ready`, `try_read(_vectored)`, `try_write(_vectored)`,
//! `try_io`, `async_io`, for `TcpStream` (and its halves) and `UnixStream`.
//! The same tests run on both types (one macro below).

use std::io::{ErrorKind, IoSlice, IoSliceMut, Read, Write};
use std::time::{Duration, Instant};

use spindle::io::{Interest, Ready};
use spindle::net::{TcpListener, TcpStream};

fn rt() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (b, _) = listener.accept().await.unwrap();
    (a, b)
}

#[cfg(unix)]
async fn unix_pair() -> (spindle::net::UnixStream, spindle::net::UnixStream) {
    spindle::net::UnixStream::pair().unwrap()
}

/// Waits (bounded) for `readable` and `try_read`s until it gets data.
macro_rules! read_some {
    ($s:expr, $buf:expr) => {{
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            assert!(Instant::now() < deadline, "no data within 10 s");
            $s.readable().await.unwrap();
            match $s.try_read($buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                other => break other.unwrap(),
            }
        }
    }};
}

macro_rules! readiness_tests {
    ($name:ident, $pair:ident) => {
        mod $name {
            use super::*;

            #[test]
            fn try_read_would_block_then_data_after_readable() {
                rt().block_on(async {
                    let (a, b) = $pair().await;
                    let mut buf = [0u8; 16];
                    assert_eq!(a.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
                    // The WouldBlock cleared the readiness: `readable` waits.
                    assert!(spindle::time::timeout(Duration::from_millis(20), a.readable()).await.is_err());
                    b.write_all(b"hello").await.unwrap();
                    let mut got = Vec::new();
                    while got.len() < 5 {
                        let n = read_some!(a, &mut buf);
                        got.extend_from_slice(&buf[..n]);
                    }
                    assert_eq!(got, b"hello");
                    // EOF: Ok(0) once the peer shut its write side.
                    b.shutdown(std::net::Shutdown::Write).unwrap();
                    assert_eq!(read_some!(a, &mut buf), 0);
                });
            }

            #[test]
            fn try_read_vectored_fills_both_buffers() {
                rt().block_on(async {
                    let (a, b) = $pair().await;
                    b.write_all(b"hello world").await.unwrap();
                    let (mut head, mut tail) = ([0u8; 5], [0u8; 6]);
                    let mut got = 0;
                    let deadline = Instant::now() + Duration::from_secs(10);
                    // Loopback delivers the 11 bytes together; read until all came.
                    while got < 11 {
                        assert!(Instant::now() < deadline);
                        a.readable().await.unwrap();
                        let mut bufs = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut tail)];
                        match a.try_read_vectored(&mut bufs) {
                            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                            Ok(n) => {
                                assert_eq!(n, 11, "one readv took everything");
                                got += n;
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    assert_eq!((&head, &tail), (b"hello", b" world"));
                });
            }

            #[test]
            fn try_write_until_full_then_writable_waits_for_room() {
                rt().block_on(async {
                    let (a, b) = $pair().await;
                    a.writable().await.unwrap();
                    assert_eq!(a.try_write(b"x").unwrap(), 1);
                    assert_eq!(a.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")]).unwrap(), 4);
                    // Fill the socket (bounded: loopback buffers are a few MiB).
                    let chunk = vec![7u8; 64 * 1024];
                    let mut written = 5;
                    let mut full = false;
                    for _ in 0..4096 {
                        match a.try_write(&chunk) {
                            Ok(n) => written += n,
                            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                                full = true;
                                break;
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                    assert!(full, "the socket never filled after {written} bytes");
                    // Full: `writable` waits, `ready` sees no writability...
                    assert!(spindle::time::timeout(Duration::from_millis(20), a.writable()).await.is_err());
                    let ready = spindle::time::timeout(Duration::from_millis(20), a.ready(Interest::WRITABLE)).await;
                    assert!(ready.is_err(), "{ready:?}");
                    // ...until the peer drains it.
                    let drain = spindle::spawn(async move {
                        let mut buf = vec![0u8; 256 * 1024];
                        let mut n = 0;
                        while n < written {
                            n += b.read(&mut buf).await.unwrap();
                        }
                        (n, b)
                    });
                    spindle::time::timeout(Duration::from_secs(10), a.writable()).await.unwrap().unwrap();
                    let (n, _b) = drain.await.unwrap();
                    assert_eq!(n, written);
                });
            }

            #[test]
            fn ready_reports_what_is_ready() {
                rt().block_on(async {
                    let (a, b) = $pair().await;
                    let ready: Ready = a.ready(Interest::WRITABLE).await.unwrap();
                    assert!(ready.is_writable());
                    // Disprove the initial readability, then make it true.
                    assert_eq!(a.try_read(&mut [0u8; 4]).unwrap_err().kind(), ErrorKind::WouldBlock);
                    b.write_all(b"r").await.unwrap();
                    let deadline = Instant::now() + Duration::from_secs(10);
                    loop {
                        let ready = a.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
                        if ready.is_readable() {
                            break;
                        }
                        assert!(Instant::now() < deadline, "never readable");
                        spindle::task::yield_now().await;
                    }
                    std::future::poll_fn(|cx| a.poll_read_ready(cx)).await.unwrap();
                    std::future::poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
                });
            }

            #[test]
            fn try_io_and_async_io_run_custom_syscalls() {
                rt().block_on(async {
                    let (a, b) = $pair().await;
                    // A custom read that would block: WouldBlock, readiness cleared.
                    let err = a.try_io(Interest::READABLE, || a.get_ref().read(&mut [0u8; 4])).unwrap_err();
                    assert_eq!(err.kind(), ErrorKind::WouldBlock);
                    assert!(spindle::time::timeout(Duration::from_millis(20), a.readable()).await.is_err());
                    // A custom write.
                    b.writable().await.unwrap();
                    let n = b.try_io(Interest::WRITABLE, || b.get_ref().write(b"custom")).unwrap();
                    assert_eq!(n, 6);
                    // async_io waits for readability between WouldBlocks.
                    let mut buf = [0u8; 16];
                    let mut got = 0;
                    while got < 6 {
                        got += a.async_io(Interest::READABLE, || a.get_ref().read(&mut buf[got..])).await.unwrap();
                    }
                    assert_eq!(&buf[..6], b"custom");
                    let n = a.async_io(Interest::WRITABLE, || a.get_ref().write(b"back")).await.unwrap();
                    assert_eq!(n, 4);
                });
            }
        }
    };
}

readiness_tests!(tcp, tcp_pair);
#[cfg(unix)]
readiness_tests!(unix, unix_pair);

/// The halves carry their side of the family.
#[test]
fn tcp_halves_have_their_side() {
    rt().block_on(async {
        let (mut a, b) = tcp_pair().await;
        {
            let (read, write) = a.split();
            write.writable().await.unwrap();
            assert!(write.ready(Interest::WRITABLE).await.unwrap().is_writable());
            assert_eq!(write.try_write(b"12").unwrap(), 2);
            assert_eq!(write.try_write_vectored(&[IoSlice::new(b"3")]).unwrap(), 1);
            assert_eq!(read.try_read(&mut [0u8; 4]).unwrap_err().kind(), ErrorKind::WouldBlock);
        }
        let mut buf = [0u8; 8];
        let mut got = 0;
        while got < 3 {
            got += b.read(&mut buf[got..]).await.unwrap();
        }
        assert_eq!(&buf[..3], b"123");
        b.write_all(b"xyz").await.unwrap();
        let (read, _write) = a.into_split();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        while got.len() < 3 {
            assert!(Instant::now() < deadline);
            read.readable().await.unwrap();
            assert!(read.ready(Interest::READABLE).await.unwrap().is_readable());
            let (mut x, mut yz) = ([0u8; 1], [0u8; 2]);
            let mut bufs = [IoSliceMut::new(&mut x), IoSliceMut::new(&mut yz)];
            match read.try_read_vectored(&mut bufs) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Ok(n) => {
                    got.extend_from_slice(&x[..n.min(1)]);
                    got.extend_from_slice(&yz[..n.saturating_sub(1)]);
                }
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, b"xyz");
    });
}
