//! `spindle::sync::RwLock` and `Barrier`: shared readers, write preference,
//! cancellation, and barrier rounds across workers.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use spindle::sync::{Barrier, RwLock};

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn readers_share_and_writers_exclude() {
    let lock = RwLock::new(1);
    let a = lock.try_read().unwrap();
    let b = lock.try_read().unwrap();
    assert!(lock.try_write().is_err());
    drop((a, b));
    let w = lock.try_write().unwrap();
    assert!(lock.try_read().is_err());
    drop(w);
}

#[test]
fn a_waiting_writer_holds_back_later_readers() {
    let lock = RwLock::new(0);
    let r = lock.try_read().unwrap();
    let mut write = pin!(lock.write());
    assert!(poll_once(write.as_mut()).is_pending());
    assert!(lock.try_read().is_err(), "a reader overtook the waiting writer");
    let mut late_read = pin!(lock.read());
    assert!(poll_once(late_read.as_mut()).is_pending());
    drop(r);
    let Poll::Ready(mut w) = poll_once(write.as_mut()) else { panic!("writer not woken") };
    *w = 1;
    assert!(poll_once(late_read.as_mut()).is_pending());
    drop(w);
    let Poll::Ready(r) = poll_once(late_read.as_mut()) else { panic!("reader not woken") };
    assert_eq!(*r, 1);
}

#[test]
fn a_cancelled_writer_releases_what_it_gathered() {
    let lock = RwLock::new(());
    let r = lock.try_read().unwrap();
    let mut write = Box::pin(lock.write());
    assert!(poll_once(write.as_mut()).is_pending());
    drop(write);
    assert!(lock.try_read().is_ok());
    drop(r);
    assert!(lock.try_write().is_ok());
}

#[test]
fn stress_readers_and_writers_across_workers() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let rounds = if cfg!(miri) { 10 } else { 2_000 };
    let lock = Arc::new(RwLock::new((0u64, 0u64)));
    rt.block_on(async {
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let lock = lock.clone();
                spindle::spawn(async move {
                    for _ in 0..rounds {
                        if i % 3 == 0 {
                            let mut w = lock.write().await;
                            w.0 += 1;
                            spindle::task::yield_now().await;
                            w.1 += 1;
                        } else {
                            let r = lock.read().await;
                            assert_eq!(r.0, r.1, "a reader saw a half-done write");
                        }
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(lock.try_read().unwrap().0, 2 * rounds);
}

#[test]
fn barrier_rounds_across_workers() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let n = 4;
    let rounds = if cfg!(miri) { 3 } else { 200 };
    let barrier = Arc::new(Barrier::new(n));
    let arrived = Arc::new(AtomicUsize::new(0));
    let leaders = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (barrier, arrived, leaders) = (barrier.clone(), arrived.clone(), leaders.clone());
                spindle::spawn(async move {
                    for round in 0..rounds {
                        arrived.fetch_add(1, Ordering::SeqCst);
                        if barrier.wait().await.is_leader() {
                            leaders.fetch_add(1, Ordering::SeqCst);
                        }
                        let seen = arrived.load(Ordering::SeqCst);
                        assert!(seen >= (round + 1) * n, "passed the barrier with {seen} arrivals in round {round}");
                        barrier.wait().await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(leaders.load(Ordering::SeqCst), rounds);
}
