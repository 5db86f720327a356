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

#[test]
fn a_closed_receiver_ends_after_its_error() {
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(pin!(&mut rx).poll(&mut cx), Poll::Ready(Err(_))));
    assert!(rx.is_terminated());
    // The receiver's end is let go at once; the sender still reads closed.
    assert!(tx.poll_closed(&mut cx).is_ready());
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1));
}

#[test]
fn terminated_receiver_keeps_answering() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(7u8).unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(pin!(&mut rx).poll(&mut cx), Poll::Ready(Ok(7)));
    assert!(rx.is_terminated());
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(matches!(pin!(&mut rx).poll(&mut cx), Poll::Ready(Err(_))));
}

/// A receive that takes the value spends one unit of the task's coop
/// budget (so it yields once the budget is gone); one that finds nothing
/// spends none.
#[test]
fn only_a_receive_that_takes_the_value_spends_budget() {
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let (_tx, mut empty) = oneshot::channel::<u8>();
        let (tx, mut full) = oneshot::channel::<u8>();
        tx.send(1).unwrap();
        std::future::poll_fn(|cx| {
            while spindle::coop::has_budget_remaining() {
                // An empty receiver never runs the budget down.
                for _ in 0..200 {
                    assert!(pin!(&mut empty).poll(cx).is_pending());
                }
                assert!(spindle::coop::has_budget_remaining());
                // Spend one unit the way a leaf does.
                let _ = pin!(spindle::coop::consume_budget()).poll(cx);
            }
            // Out of budget: the value waits for the next poll.
            assert!(pin!(&mut full).poll(cx).is_pending());
            assert!(!full.is_terminated());
            Poll::Ready(())
        })
        .await;
        assert_eq!((&mut full).await, Ok(1));
    });
}
