//! `spindle::sync::watch`: changed / borrow, a send between check and
//! wait, the sender's drop, many receivers across workers.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use spindle::sync::watch;

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn smoke() {
    let (tx, mut rx) = watch::channel(0);
    assert!(!rx.has_changed().unwrap());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert!(rx.has_changed().unwrap());
    assert_eq!(*rx.borrow_and_update(), 2, "only the latest value is kept");
    assert!(!rx.has_changed().unwrap());
}

#[test]
fn changed_waits_for_the_next_send() {
    let (tx, mut rx) = watch::channel(0);
    {
        let mut changed = pin!(rx.changed());
        assert!(poll_once(changed.as_mut()).is_pending());
        tx.send(1).unwrap();
        assert!(matches!(poll_once(changed.as_mut()), Poll::Ready(Ok(()))));
    }
    assert_eq!(*rx.borrow(), 1);
    assert!(!rx.has_changed().unwrap(), "changed() marked the value seen");
}

#[test]
fn sender_drop_ends_changed_after_the_last_value() {
    let (tx, mut rx) = watch::channel(0);
    tx.send(1).unwrap();
    drop(tx);
    futures_executor::block_on(async {
        assert!(rx.changed().await.is_ok(), "the value sent before the drop is seen");
        assert!(rx.changed().await.is_err());
    });
}

#[test]
fn send_fails_without_receivers_but_send_replace_works() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(1).unwrap_err().0, 1);
    assert_eq!(tx.send_replace(2), 0);
    assert_eq!(*tx.borrow(), 2);
}

#[test]
fn stress_receivers_across_workers_see_the_final_value() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let last = if cfg!(miri) { 10 } else { 2_000 };
    rt.block_on(async {
        let (tx, rx) = watch::channel(0u32);
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let mut rx = rx.clone();
                spindle::spawn(async move {
                    let mut prev = 0;
                    loop {
                        let v = *rx.borrow_and_update();
                        assert!(v >= prev, "values went backwards: {prev} then {v}");
                        prev = v;
                        if v == last {
                            return;
                        }
                        rx.changed().await.unwrap();
                    }
                })
            })
            .collect();
        for i in 1..=last {
            tx.send(i).unwrap();
            if i % 16 == 0 {
                spindle::task::yield_now().await;
            }
        }
        for r in readers {
            r.await.unwrap();
        }
    });
}
