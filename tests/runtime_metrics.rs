//! The figures `RuntimeMetrics` asks of the facade's driver: I/O readiness
//! events dispatched by the reactor and timers fired by the timer, on both
//! flavors (loopback only, bounded).

use std::future::{poll_fn, Future};
use std::task::Poll;
use std::time::Duration;

use futures_util::AsyncReadExt;

fn both() -> [spindle::Runtime; 2] {
    [
        spindle::Builder::new_current_thread().build().unwrap(),
        spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap(),
    ]
}

#[test]
fn io_driver_ready_count_moves_with_socket_events() {
    for rt in both() {
        let m = rt.metrics();
        assert_eq!(m.io_driver_ready_count(), 0, "no socket yet");
        rt.block_on(async {
            let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spindle::spawn(async move {
                let (conn, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 64];
                for _ in 0..10 {
                    let n = conn.read(&mut buf).await.unwrap();
                    conn.write_all(&buf[..n]).await.unwrap();
                }
            });
            let mut conn = spindle::net::TcpStream::connect(addr).await.unwrap();
            let mut buf = [0u8; 4];
            for _ in 0..10 {
                conn.write_all(b"ping").await.unwrap();
                conn.read_exact(&mut buf).await.unwrap();
            }
            server.await.unwrap();
        });
        // Every round trip waited for the peer at least once.
        assert!(m.io_driver_ready_count() >= 10, "{} events", m.io_driver_ready_count());
    }
}

#[test]
fn timers_fired_count_counts_fired_not_cancelled_timers() {
    for rt in both() {
        let m = rt.metrics();
        let registered = rt.block_on(async {
            let mut registered = 0;
            for _ in 0..5 {
                let mut sleep = std::pin::pin!(spindle::time::sleep(Duration::from_millis(20)));
                // The first poll registers the timer, unless a loaded
                // machine kept us away for the whole 20 ms (then it
                // completes at once, and never fires).
                if poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx).is_pending())).await {
                    registered += 1;
                }
                sleep.await;
            }
            // Cancelled before its deadline: never fires.
            let cancelled = spindle::time::timeout(Duration::from_secs(60), async {}).await;
            assert!(cancelled.is_ok());
            registered
        });
        assert!(registered > 0);
        assert_eq!(m.timers_fired_count(), registered, "on {} workers", m.num_workers());
    }
}
