//! `spindle::io::copy_bidirectional`: a TCP proxy on loopback, half-close
//! passed through, errors ending the copy.

use std::io::ErrorKind;

use spindle::io::{copy_bidirectional, duplex, AsyncReadExt, AsyncWriteExt};
use spindle::net::{TcpListener, TcpStream};

fn multi_thread() -> spindle::Runtime {
    spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

#[test]
fn tcp_proxy_both_ways() {
    multi_thread().block_on(async {
        // server <- proxy <- client, all on 127.0.0.1.
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_addr = proxy.local_addr().unwrap();

        let server_task = spindle::spawn(async move {
            let (mut conn, _) = server.accept().await.unwrap();
            let mut req = Vec::new();
            conn.read_to_end(&mut req).await.unwrap();
            conn.write_all(&req.iter().rev().copied().collect::<Vec<_>>()).await.unwrap();
            req.len()
        });
        let proxy_task = spindle::spawn(async move {
            let (mut inbound, _) = proxy.accept().await.unwrap();
            let mut outbound = TcpStream::connect(server_addr).await.unwrap();
            copy_bidirectional(&mut inbound, &mut outbound).await.unwrap()
        });

        let mut client = TcpStream::connect(proxy_addr).await.unwrap();
        let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        client.write_all(&payload).await.unwrap();
        // Half-close: the proxy passes the FIN on, the server replies.
        client.close().await.unwrap();
        let mut back = Vec::new();
        client.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, payload.iter().rev().copied().collect::<Vec<_>>());
        assert_eq!(server_task.await.unwrap(), payload.len());
        assert_eq!(proxy_task.await.unwrap(), (payload.len() as u64, payload.len() as u64));
    });
}

#[test]
fn error_on_one_side_ends_the_copy() {
    multi_thread().block_on(async {
        let (mut a, a_far) = duplex(8);
        let (mut b, b_far) = duplex(8);
        // Nobody will read what is copied into `b`: dropping its far end
        // makes the write fail.
        drop(b_far);
        let mut a_far = a_far;
        a_far.write_all(b"lost").await.unwrap();
        let err = copy_bidirectional(&mut a, &mut b).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn empty_both_ways() {
    spindle::block_on(async {
        let (mut a, a_far) = duplex(8);
        let (mut b, b_far) = duplex(8);
        drop((a_far, b_far));
        // Both readers at end at once; closing a dropped peer is fine.
        assert_eq!(copy_bidirectional(&mut a, &mut b).await.unwrap(), (0, 0));
    });
}

/// Always ready both ways and takes no coop budget: reads fill the buffer
/// with `fill`, writes take everything (or `write_reports` bytes).
struct Endless {
    write_reports: Option<usize>,
}

impl futures_io::AsyncRead for Endless {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        buf.fill(7);
        std::task::Poll::Ready(Ok(buf.len()))
    }
}

impl futures_io::AsyncWrite for Endless {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(Ok(self.write_reports.unwrap_or(buf.len())))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Runs `f` on its own thread; fails the test if it has not finished in
/// 20 s (a hang would otherwise hang the whole test binary).
fn within_20s(f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    rx.recv_timeout(std::time::Duration::from_secs(20)).expect("the runtime was kept busy: no yield in 20 s");
}

#[test]
fn always_ready_streams_let_other_tasks_run() {
    // Regression: the copy loop took no coop budget, so on a current-thread
    // runtime two always-ready streams kept the worker for good and the
    // main task was never polled again.
    within_20s(|| {
        let rt = spindle::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let copy = spindle::spawn(async {
                let (mut a, mut b) = (Endless { write_reports: None }, Endless { write_reports: None });
                copy_bidirectional(&mut a, &mut b).await
            });
            for _ in 0..3 {
                spindle::task::yield_now().await;
            }
            copy.abort();
            assert!(copy.await.unwrap_err().is_cancelled());
        });
    });
}

#[test]
fn a_writer_claiming_too_many_bytes_is_an_error() {
    // Regression: `pos` went past `cap`, so the loop neither read nor wrote
    // again and spun for good.
    within_20s(|| {
        spindle::block_on(async {
            let mut a = Endless { write_reports: None };
            let mut b = Endless { write_reports: Some(usize::MAX) };
            let err = spindle::io::copy_bidirectional_with_sizes(&mut a, &mut b, 16, 16).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidData);
        });
    });
}
