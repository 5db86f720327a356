//! The server's edges: graceful shutdown with requests in flight (none
//! lost), a slow client cut off by the header timeout, a bounded request
//! head, malformed HTTP, and a peer that resets mid-body (an error to the
//! handler, never a panic).

mod hyper_common;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper_common::{builder, rt, spawn_tcp_server, Client, Proto, HEADER_TIMEOUT, MAX_HEADER_BYTES};
use hyper_util::server::graceful::GracefulShutdown;
use spindle::hyper::SpindleIo;

#[test]
fn graceful_shutdown_answers_every_request_in_flight() {
    const CLIENTS: usize = 24;
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let started = Arc::new(AtomicUsize::new(0));
        let (stop_tx, stop_rx) = futures_channel::oneshot::channel::<()>();

        let server_started = started.clone();
        let server = spindle::spawn(async move {
            let graceful = GracefulShutdown::new();
            let mut stop = stop_rx;
            loop {
                let accepted = futures_util::future::select(Box::pin(listener.accept()), &mut stop).await;
                let futures_util::future::Either::Left((Ok((stream, _)), _)) = accepted else { break };
                let started = server_started.clone();
                let service = hyper::service::service_fn(move |_req| {
                    let started = started.clone();
                    async move {
                        started.fetch_add(1, Ordering::SeqCst);
                        spindle::time::sleep(Duration::from_millis(300)).await;
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from_static(b"done"))))
                    }
                });
                let conn = builder().serve_connection(SpindleIo::new(stream), service).into_owned();
                spindle::spawn(graceful.watch(conn));
            }
            drop(listener); // stop accepting: new connects are refused
            spindle::time::timeout(Duration::from_secs(5), graceful.shutdown()).await.is_ok()
        });

        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                spindle::spawn(async move {
                    let proto = if i % 2 == 0 { Proto::Http1 } else { Proto::Http2 };
                    let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
                    let mut client = Client::handshake(proto, SpindleIo::new(stream)).await.unwrap();
                    client.send("GET", "/", b"").await
                })
            })
            .collect();
        // Every request is inside the handler before shutdown begins.
        let deadline = Instant::now() + Duration::from_secs(10);
        while started.load(Ordering::SeqCst) < CLIENTS {
            assert!(Instant::now() < deadline, "only {} requests started", started.load(Ordering::SeqCst));
            spindle::time::sleep(Duration::from_millis(5)).await;
        }
        stop_tx.send(()).unwrap();
        for c in clients {
            let (status, body) = c.await.unwrap().expect("a request in flight was lost");
            assert_eq!((status, &body[..]), (StatusCode::OK, &b"done"[..]));
        }
        assert!(server.await.unwrap(), "connections drained within 5 s");
        let refused = spindle::net::TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
    });
}

/// Reads until EOF or an error; what came back.
async fn read_to_close(stream: &spindle::net::TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn slow_client_is_cut_off_by_the_header_timeout() {
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn_tcp_server(listener);
        let stream = Arc::new(spindle::net::TcpStream::connect(addr).await.unwrap());
        let start = Instant::now();
        // One byte every 100 ms: the head would take seconds to arrive.
        let writer = {
            let stream = stream.clone();
            spindle::spawn(async move {
                let mut sent = 0;
                for b in b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: yes\r\n\r\n" {
                    if stream.write_all(&[*b]).await.is_err() {
                        break;
                    }
                    sent += 1;
                    spindle::time::sleep(Duration::from_millis(100)).await;
                }
                sent
            })
        };
        let got = spindle::time::timeout(Duration::from_secs(10), read_to_close(&stream)).await.expect("cut off");
        let elapsed = start.elapsed();
        let text = String::from_utf8_lossy(&got);
        assert!(got.is_empty() || text.starts_with("HTTP/1.1 408"), "no response but a timeout: {text:?}");
        assert!(elapsed >= HEADER_TIMEOUT, "closed after {elapsed:?}, before the timeout");
        writer.abort();
        server.abort();
    });
}

#[test]
fn oversized_request_head_is_refused() {
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn_tcp_server(listener);
        let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
        let mut head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
        head.resize(head.len() + 4 * MAX_HEADER_BYTES, b'a');
        // The server may close before it has read it all.
        let _ = stream.write_all(&head).await;
        let got = spindle::time::timeout(Duration::from_secs(10), read_to_close(&stream)).await.expect("closed");
        let text = String::from_utf8_lossy(&got);
        assert!(got.is_empty() || text.starts_with("HTTP/1.1 431"), "{text:?}");
        server.abort();
    });
}

#[test]
fn malformed_http_gets_400_and_a_close() {
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = spawn_tcp_server(listener);
        let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"THIS IS NOT HTTP\r\n\r\n").await.unwrap();
        let got = spindle::time::timeout(Duration::from_secs(10), read_to_close(&stream)).await.expect("closed");
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("HTTP/1.1 400"), "{text:?}");
        server.abort();
    });
}

#[test]
fn peer_reset_mid_body_is_an_error_to_the_handler() {
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = futures_channel::oneshot::channel::<Result<usize, hyper::Error>>();
        let tx = Arc::new(once::Slot::new(tx));
        let server = spindle::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let tx = tx.clone();
                async move {
                    let got = req.into_body().collect().await.map(|b| b.to_bytes().len());
                    tx.send(got);
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::new())))
                }
            });
            let _ = builder().serve_connection(SpindleIo::new(stream), service).await;
        });
        let socket = spindle::net::TcpSocket::new_v4().unwrap();
        socket.set_linger(Some(Duration::ZERO)).unwrap(); // close = RST
        let stream = socket.connect(addr).await.unwrap();
        stream.write_all(b"POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n").await.unwrap();
        stream.write_all(&[7u8; 10_000]).await.unwrap();
        spindle::time::sleep(Duration::from_millis(50)).await;
        drop(stream);
        let got = spindle::time::timeout(Duration::from_secs(10), rx).await.expect("the handler finished").unwrap();
        let err = got.expect_err("a body cut off by a reset is an error");
        let io_kind = std::error::Error::source(&err).and_then(|s| s.downcast_ref::<io::Error>()).map(|e| e.kind());
        assert!(
            io_kind == Some(io::ErrorKind::ConnectionReset) || err.is_incomplete_message(),
            "expected ConnectionReset or an incomplete message, got {err:?}"
        );
        server.await.expect("the server task did not panic");
    });
}

/// A one-shot sender behind a mutex, so a `Fn` service can send once.
mod once {
    use std::sync::Mutex;

    pub struct Slot<T>(Mutex<Option<futures_channel::oneshot::Sender<T>>>);

    impl<T> Slot<T> {
        pub fn new(tx: futures_channel::oneshot::Sender<T>) -> Slot<T> {
            Slot(Mutex::new(Some(tx)))
        }

        pub fn send(&self, value: T) {
            if let Some(tx) = self.0.lock().unwrap().take() {
                let _ = tx.send(value);
            }
        }
    }
}

#[test]
fn graceful_shutdown_after_a_connection_finished() {
    // The finished connection's task dropped its `watch` waiter; shutdown
    // then walks the waiter list. With the future moved out of its task
    // cell before being dropped, the list still pointed at the old place.
    rt().block_on(async {
        let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let graceful = GracefulShutdown::new();
        let client = spindle::spawn(async move {
            let stream = spindle::net::TcpStream::connect(addr).await.unwrap();
            let mut client = Client::handshake(Proto::Http1, SpindleIo::new(stream)).await.unwrap();
            client.send("GET", "/", b"").await.unwrap()
        });
        let (stream, _) = listener.accept().await.unwrap();
        let service = hyper::service::service_fn(hyper_common::service);
        let conn = builder().serve_connection(SpindleIo::new(stream), service).into_owned();
        let conn = spindle::spawn(graceful.watch(conn));
        assert_eq!(client.await.unwrap().0, StatusCode::OK);
        conn.await.unwrap().unwrap();
        assert_eq!(graceful.count(), 0);
        spindle::time::timeout(Duration::from_secs(5), graceful.shutdown()).await.unwrap();
    });
}

/// A future that must not move once polled (`PhantomPinned`): it records
/// the address of each poll and of its drop.
struct Pinned {
    polls: u32,
    seen: Arc<std::sync::Mutex<Vec<usize>>>,
    _pin: std::marker::PhantomPinned,
}

impl std::future::Future for Pinned {
    type Output = ();

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        // SAFETY: nothing is moved out; the address is only recorded.
        let this = unsafe { self.get_unchecked_mut() };
        let addr = this as *mut Pinned as usize;
        this.seen.lock().unwrap().push(addr);
        this.polls += 1;
        if this.polls < 3 {
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        std::task::Poll::Ready(())
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let addr = self as *mut Pinned as usize;
        self.seen.lock().unwrap().push(addr);
    }
}

#[test]
fn a_task_future_is_dropped_where_it_was_polled() {
    rt().block_on(async {
        for cancel in [false, true] {
            let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
            let task = spindle::spawn(Pinned { polls: 0, seen: seen.clone(), _pin: std::marker::PhantomPinned });
            if cancel {
                task.abort();
                let _ = task.await;
            } else {
                task.await.unwrap();
            }
            let seen = seen.lock().unwrap();
            assert!(seen.windows(2).all(|w| w[0] == w[1]), "polled and dropped at {seen:x?} (cancel: {cancel})");
        }
    });
}
