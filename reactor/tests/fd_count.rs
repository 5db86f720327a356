//! Dropping sockets deregisters and closes them: after 10,000 connections
//! opened, used and closed, the process's fd count (entries in
//! `/proc/self/fd`) is back at its baseline. Alone in its own test binary so
//! no other test opens fds meanwhile.

mod common;

use std::time::{Duration, Instant};

use futures_util::future::join;
use spindle_reactor::net::{TcpListener, TcpStream};

const CYCLES: usize = 10_000;

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd is readable").count()
}

#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "counts /proc/self/fd")]
fn fd_count_back_to_baseline_after_10k_connections() {
    common::bounded(300, || {
        let rt = common::Rt::new();
        // The listener and the reactor's own fds exist before the baseline.
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let baseline = fd_count();
        let start = Instant::now();
        rt.block_on(async {
            for i in 0..CYCLES {
                // Most clients connect inline (loopback `connect` does not
                // block); every 100th goes through the async `connect` path.
                let client = if i % 100 == 0 {
                    TcpStream::connect(addr).await.unwrap()
                } else {
                    TcpStream::from_std(std::net::TcpStream::connect(addr).unwrap()).unwrap()
                };
                let (server, _) = listener.accept().await.unwrap();
                let (w, r) = join(client.write_all(&[i as u8]), async {
                    let mut b = [0u8; 1];
                    server.read(&mut b).await.map(|n| (n, b[0]))
                })
                .await;
                w.unwrap();
                assert_eq!(r.unwrap(), (1, i as u8));
                drop(client);
                drop(server);
            }
        });
        let elapsed = start.elapsed();
        // Blocking-connect threads may still be exiting; give them a moment.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut now = fd_count();
        while now != baseline && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            now = fd_count();
        }
        assert_eq!(
            now, baseline,
            "fd leak: {now} fds after {CYCLES} connections, baseline {baseline} (took {elapsed:?})"
        );
        drop(listener);
    });
}
