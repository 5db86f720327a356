//! The whole stack at once: sockets from `spindle::net` driven by a real
//! runtime (the worker that parks sits in the poller), name resolution
//! through the blocking pool, and timers racing I/O.

use std::time::Duration;

use futures_util::AsyncReadExt;

async fn echo_server(listener: spindle::net::TcpListener, conns: usize) -> std::io::Result<()> {
    let mut handlers = Vec::new();
    for _ in 0..conns {
        let (conn, _) = listener.accept().await?;
        handlers.push(spindle::spawn(async move {
            let mut buf = [0u8; 1024];
            loop {
                let n = conn.read(&mut buf).await?;
                if n == 0 {
                    return std::io::Result::Ok(());
                }
                conn.write_all(&buf[..n]).await?;
            }
        }));
    }
    for h in handlers {
        h.await.expect("handler panicked")?;
    }
    Ok(())
}

fn echo_many(rt: &spindle::Runtime, clients: usize, rounds: usize) {
    rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spindle::spawn(echo_server(listener, clients));
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                spindle::spawn(async move {
                    let mut conn = spindle::net::TcpStream::connect(addr).await?;
                    for r in 0..rounds {
                        let msg = format!("client {c} round {r}");
                        conn.write_all(msg.as_bytes()).await?;
                        let mut back = vec![0u8; msg.len()];
                        conn.read_exact(&mut back).await?;
                        assert_eq!(back, msg.as_bytes());
                    }
                    std::io::Result::Ok(())
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        spindle::time::timeout(Duration::from_secs(20), server).await.expect("server hung").unwrap().unwrap();
    });
}

#[test]
fn echo_on_multi_thread_runtime() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    echo_many(&rt, 16, 50);
}

#[test]
fn echo_on_current_thread_runtime() {
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    echo_many(&rt, 8, 20);
}

#[test]
fn connect_by_name_resolves_on_the_blocking_pool() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accept = spindle::spawn(async move { listener.accept().await.map(|(_, peer)| peer) });
        let conn = spindle::net::TcpStream::connect(format!("localhost:{port}")).await.unwrap();
        assert_eq!(accept.await.unwrap().unwrap(), conn.local_addr().unwrap());
    });
}

#[test]
fn timeout_on_a_silent_socket() {
    let rt = spindle::Runtime::new().unwrap();
    rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = spindle::net::TcpStream::connect(addr).await.unwrap();
        let (server_side, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 8];
        // Nothing is ever sent: the read is pending until the timer fires.
        let start = spindle::time::Instant::now();
        let res = spindle::time::timeout(Duration::from_millis(50), server_side.read(&mut buf)).await;
        assert!(res.is_err(), "a read with no data completed: {res:?}");
        assert!(start.elapsed() >= Duration::from_millis(50), "the timeout fired early");
    });
}

#[test]
fn dropping_the_runtime_cancels_a_task_blocked_on_io() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (client, server_side) = rt.block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = spindle::net::TcpStream::connect(addr).await.unwrap();
        let (server_side, _) = listener.accept().await.unwrap();
        (client, server_side)
    });
    let reader = rt.spawn(async move {
        let _client = client;
        let mut buf = [0u8; 8];
        let _ = tx.send(());
        server_side.read(&mut buf).await
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("reader task started");
    drop(rt);
    // The reading task was cancelled by the shutdown.
    let joined = futures_executor::block_on(reader);
    assert!(joined.unwrap_err().is_cancelled());
}
