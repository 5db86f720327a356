//! `spindle::sync::Notify`: the stored permit, FIFO `notify_one`,
//! `notify_waiters` and futures created before it, `enable`, cancellation.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use spindle::sync::Notify;

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn notify_one_without_waiter_stores_one_permit() {
    let n = Notify::new();
    n.notify_one();
    n.notify_one();
    assert!(poll_once(pin!(n.notified())).is_ready());
    assert!(poll_once(pin!(n.notified())).is_pending(), "only one permit is stored");
}

#[test]
fn notify_one_wakes_waiters_in_fifo_order() {
    let n = Notify::new();
    let mut a = pin!(n.notified());
    let mut b = pin!(n.notified());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    n.notify_one();
    assert!(poll_once(b.as_mut()).is_pending());
    assert!(poll_once(a.as_mut()).is_ready());
    n.notify_one();
    assert!(poll_once(b.as_mut()).is_ready());
}

#[test]
fn notify_waiters_reaches_futures_created_before_it_only() {
    let n = Notify::new();
    let mut polled = pin!(n.notified());
    assert!(poll_once(polled.as_mut()).is_pending());
    let unpolled = n.notified();
    n.notify_waiters();
    let later = n.notified();
    assert!(poll_once(polled.as_mut()).is_ready());
    assert!(poll_once(pin!(unpolled)).is_ready());
    assert!(poll_once(pin!(later)).is_pending(), "notify_waiters stores no permit");
}

#[test]
fn a_dropped_notified_passes_its_notification_on() {
    let n = Notify::new();
    let mut first = Box::pin(n.notified());
    let mut second = pin!(n.notified());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    n.notify_one(); // picks `first`
    drop(first);
    assert!(poll_once(second.as_mut()).is_ready());

    // With nobody else waiting, it goes back into the permit.
    let mut only = Box::pin(n.notified());
    assert!(poll_once(only.as_mut()).is_pending());
    n.notify_one();
    drop(only);
    assert!(poll_once(pin!(n.notified())).is_ready());
}

#[test]
fn enable_queues_without_polling() {
    let n = Notify::new();
    let mut fut = pin!(n.notified());
    assert!(!fut.as_mut().enable());
    n.notify_one();
    assert!(poll_once(pin!(n.notified())).is_pending(), "the notification went to the enabled future");
    assert!(poll_once(fut.as_mut()).is_ready());
}

#[test]
fn stress_across_workers() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let rounds = if cfg!(miri) { 10 } else { 5_000 };
    rt.block_on(async {
        let ping = Arc::new(Notify::new());
        let pong = Arc::new(Notify::new());
        let t = spindle::spawn({
            let (ping, pong) = (ping.clone(), pong.clone());
            async move {
                for _ in 0..rounds {
                    ping.notified().await;
                    pong.notify_one();
                }
            }
        });
        for _ in 0..rounds {
            ping.notify_one();
            pong.notified().await;
        }
        t.await.unwrap();
    });
}

#[test]
fn works_on_a_foreign_executor() {
    let n = Arc::new(Notify::new());
    let t = std::thread::spawn({
        let n = n.clone();
        move || n.notify_one()
    });
    futures_executor::block_on(n.notified());
    t.join().unwrap();
}
