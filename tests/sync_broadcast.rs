//! `spindle::sync::broadcast`: every receiver gets every value, lagging,
//! closing, destructors, across workers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use spindle::sync::broadcast::{self, error::RecvError, error::TryRecvError};

#[test]
fn every_receiver_gets_every_value_in_order() {
    let (tx, mut a) = broadcast::channel(8);
    let mut b = tx.subscribe();
    for i in 0..5 {
        assert_eq!(tx.send(i).unwrap(), 2);
    }
    for i in 0..5 {
        assert_eq!(a.try_recv(), Ok(i));
        assert_eq!(b.try_recv(), Ok(i));
    }
    assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn a_lagging_receiver_is_told_how_many_it_missed() {
    let (tx, mut rx) = broadcast::channel(3);
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    futures_executor::block_on(async {
        assert_eq!(rx.recv().await, Err(RecvError::Lagged(7)));
        assert_eq!(rx.recv().await, Ok(7));
        assert_eq!(rx.recv().await, Ok(8));
        assert_eq!(rx.recv().await, Ok(9));
        drop(tx);
        assert_eq!(rx.recv().await, Err(RecvError::Closed));
    });
}

#[test]
fn a_subscriber_sees_only_later_values() {
    let (tx, _rx) = broadcast::channel(4);
    tx.send(1).unwrap();
    let mut late = tx.subscribe();
    tx.send(2).unwrap();
    assert_eq!(late.try_recv(), Ok(2));
}

#[test]
fn destructors_values_dropped_once() {
    #[derive(Clone)]
    struct Tracked(Arc<AtomicUsize>);
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = broadcast::channel(2);
    for _ in 0..5 {
        tx.send(Tracked(drops.clone())).ok().unwrap();
    }
    assert_eq!(drops.load(Ordering::SeqCst), 3, "the three overwritten values");
    drop(rx);
    drop(tx);
    assert_eq!(drops.load(Ordering::SeqCst), 5);
}

#[test]
fn stress_across_workers() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let n = if cfg!(miri) { 10 } else { 5_000u64 };
    rt.block_on(async {
        let (tx, rx) = broadcast::channel(16);
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let mut rx = rx.resubscribe();
                spindle::spawn(async move {
                    let (mut expect, mut got) = (0u64, 0u64);
                    loop {
                        match rx.recv().await {
                            Ok(v) => {
                                assert!(v >= expect, "out of order: {v} after {expect}");
                                expect = v + 1;
                                got += 1;
                            }
                            Err(RecvError::Lagged(k)) => expect += k,
                            Err(RecvError::Closed) => return (got, expect),
                        }
                    }
                })
            })
            .collect();
        drop(rx);
        for i in 0..n {
            tx.send(i).unwrap();
            if i % 8 == 0 {
                spindle::task::yield_now().await;
            }
        }
        drop(tx);
        for r in readers {
            let (_got, end) = r.await.unwrap();
            assert_eq!(end, n, "a receiver missed the tail");
        }
    });
}

#[test]
fn a_huge_capacity_is_not_allocated_up_front() {
    // Regression: the ring reserved `capacity` values at creation, so this
    // panicked with "capacity overflow" (and a merely large one allocated
    // gigabytes before the first send).
    let (tx, mut rx) = spindle::sync::broadcast::channel::<u64>(usize::MAX >> 4);
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    for i in 0..100 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
}
