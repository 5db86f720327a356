//! `spindle::sync::oneshot`: send and receive, both drops, `closed`,
//! destructors, across workers and on a foreign executor.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use spindle::sync::oneshot::{self, TryRecvError};

struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn smoke() {
    let (tx, rx) = oneshot::channel();
    tx.send(1).unwrap();
    assert_eq!(futures_executor::block_on(rx), Ok(1));
}

#[test]
fn sender_drop_ends_the_receiver() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(pin!(&mut rx).poll(&mut cx).is_pending());
    drop(tx);
    assert!(matches!(pin!(&mut rx).poll(&mut cx), Poll::Ready(Err(_))));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn receiver_drop_fails_send_and_wakes_closed() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(tx.poll_closed(&mut cx).is_pending());
    drop(rx);
    assert!(tx.poll_closed(&mut cx).is_ready());
    assert!(tx.is_closed());
    assert_eq!(tx.send(3), Err(3));
}

#[test]
fn destructors_value_dropped_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    // Sent, never received.
    let (tx, rx) = oneshot::channel();
    tx.send(Tracked(drops.clone())).ok().unwrap();
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    // Refused: returned to the sender.
    let (tx, rx) = oneshot::channel();
    drop(rx);
    let back = tx.send(Tracked(drops.clone()));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(back);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    // Received.
    let (tx, mut rx) = oneshot::channel();
    tx.send(Tracked(drops.clone())).ok().unwrap();
    drop(rx.try_recv().ok().unwrap());
    drop(rx);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn close_keeps_a_value_sent_before() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(5).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(5));
}

#[test]
fn stress_ping_pong_across_workers() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let rounds = if cfg!(miri) { 10 } else { 10_000 };
    rt.block_on(async {
        for i in 0..rounds {
            let (ping_tx, ping_rx) = oneshot::channel();
            let (pong_tx, pong_rx) = oneshot::channel();
            spindle::spawn(async move {
                let v: usize = ping_rx.await.unwrap();
                pong_tx.send(v + 1).unwrap();
            });
            ping_tx.send(i).unwrap();
            assert_eq!(pong_rx.await, Ok(i + 1));
        }
    });
}

#[test]
fn works_on_a_foreign_executor() {
    let (tx, rx) = oneshot::channel();
    let t = std::thread::spawn(move || tx.send("hi").unwrap());
    assert_eq!(futures_executor::block_on(rx), Ok("hi"));
    t.join().unwrap();
}
