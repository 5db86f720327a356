//! `spindle::sync::Semaphore` and `Mutex`: FIFO order, cancellation,
//! closing, many permits, contention on the runtime, and a foreign executor.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use spindle::sync::{Semaphore, TryAcquireError};

/// A waker counting its wake-ups.
#[derive(Default)]
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(waker))
}

#[test]
fn smoke() {
    let sem = Semaphore::new(3);
    let a = sem.try_acquire_many(2).unwrap();
    assert_eq!(sem.available_permits(), 1);
    assert_eq!(sem.try_acquire_many(2).err(), Some(TryAcquireError::NoPermits));
    drop(a);
    assert_eq!(sem.available_permits(), 3);
    sem.add_permits(2);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn waiters_are_served_in_fifo_order_and_nobody_overtakes() {
    let sem = Semaphore::new(0);
    let w = Arc::new(CountWaker::default());
    let waker = Waker::from(w.clone());
    let mut big = pin!(sem.acquire_many(3));
    let mut small = pin!(sem.acquire());
    assert!(poll_once(big.as_mut(), &waker).is_pending());
    assert!(poll_once(small.as_mut(), &waker).is_pending());
    sem.add_permits(2);
    // The big waiter is first and still short: the small one must not pass it.
    assert!(poll_once(small.as_mut(), &waker).is_pending());
    assert!(sem.try_acquire().is_err(), "try_acquire overtook the queue");
    sem.add_permits(1);
    assert_eq!(w.0.load(Ordering::SeqCst), 1, "exactly the big waiter is woken");
    let Poll::Ready(Ok(big_permit)) = poll_once(big.as_mut(), &waker) else { panic!("big waiter not ready") };
    assert!(poll_once(small.as_mut(), &waker).is_pending());
    drop(big_permit);
    let Poll::Ready(Ok(_small_permit)) = poll_once(small.as_mut(), &waker) else { panic!("small waiter not ready") };
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn a_cancelled_waiter_hands_on_its_part_payment() {
    let sem = Semaphore::new(2);
    let waker = Waker::noop();
    let mut big = Box::pin(sem.acquire_many(5));
    let mut next = pin!(sem.acquire_many(2));
    assert!(poll_once(big.as_mut(), waker).is_pending());
    assert!(poll_once(next.as_mut(), waker).is_pending());
    assert_eq!(sem.available_permits(), 0, "the part payment is held by the waiter");
    drop(big);
    assert!(poll_once(next.as_mut(), waker).is_ready(), "the dropped waiter's 2 permits went on");
}

#[test]
fn a_cancelled_granted_waiter_passes_its_permits_on() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let waker = Waker::noop();
    let mut first = Box::pin(sem.acquire());
    let mut second = pin!(sem.acquire());
    assert!(poll_once(first.as_mut(), waker).is_pending());
    assert!(poll_once(second.as_mut(), waker).is_pending());
    drop(held); // granted to `first`, which is never polled again
    drop(first);
    assert!(poll_once(second.as_mut(), waker).is_ready());
}

#[test]
fn close_fails_waiters_and_new_acquires() {
    let sem = Semaphore::new(1);
    let _held = sem.try_acquire().unwrap();
    let w = Arc::new(CountWaker::default());
    let waker = Waker::from(w.clone());
    let mut waiting = pin!(sem.acquire());
    assert!(poll_once(waiting.as_mut(), &waker).is_pending());
    sem.close();
    assert_eq!(w.0.load(Ordering::SeqCst), 1);
    assert!(matches!(poll_once(waiting.as_mut(), &waker), Poll::Ready(Err(_))));
    assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::Closed));
    assert!(futures_executor::block_on(sem.acquire()).is_err());
}

#[test]
fn the_waker_is_replaced_only_when_it_changes() {
    let sem = Semaphore::new(0);
    let a = Arc::new(CountWaker::default());
    let b = Arc::new(CountWaker::default());
    let mut fut = pin!(sem.acquire());
    assert!(poll_once(fut.as_mut(), &Waker::from(a.clone())).is_pending());
    assert!(poll_once(fut.as_mut(), &Waker::from(b.clone())).is_pending());
    sem.add_permits(1);
    assert_eq!((a.0.load(Ordering::SeqCst), b.0.load(Ordering::SeqCst)), (0, 1));
}

#[test]
#[should_panic(expected = "would exceed MAX_PERMITS")]
fn too_many_permits_panic() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    sem.add_permits(1);
}

#[test]
fn stress_no_permit_lost_or_duplicated() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let sem = Arc::new(Semaphore::new(3));
    let inside = Arc::new(AtomicUsize::new(0));
    let rounds = if cfg!(miri) { 10 } else { 2_000 };
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (sem, inside) = (sem.clone(), inside.clone());
                spindle::spawn(async move {
                    for r in 0..rounds {
                        let n = 1 + (i + r) % 3;
                        let _p = sem.acquire_many(n as u32).await.unwrap();
                        let now = inside.fetch_add(n, Ordering::SeqCst) + n;
                        assert!(now <= 3, "{now} permits out of 3 in use");
                        spindle::task::yield_now().await;
                        inside.fetch_sub(n, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn works_on_a_foreign_executor() {
    let sem = Arc::new(Semaphore::new(0));
    let t = std::thread::spawn({
        let sem = sem.clone();
        move || {
            std::thread::sleep(std::time::Duration::from_millis(10));
            sem.add_permits(1);
        }
    });
    futures_executor::block_on(async { sem.acquire().await.unwrap().forget() });
    t.join().unwrap();
}

#[test]
fn handles_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Semaphore>();
    assert_send_sync::<spindle::sync::SemaphorePermit<'static>>();
    assert_send_sync::<spindle::sync::OwnedSemaphorePermit>();
    assert_send_sync::<spindle::sync::Mutex<u8>>();
    assert_send_sync::<spindle::sync::MutexGuard<'static, u8>>();
    assert_send_sync::<spindle::sync::OwnedMutexGuard<u8>>();
    assert_send_sync::<spindle::sync::Notify>();
    assert_send_sync::<spindle::sync::Notified<'static>>();
    assert_send_sync::<spindle::sync::mpsc::Sender<u8>>();
    assert_send_sync::<spindle::sync::mpsc::Receiver<std::cell::Cell<u8>>>();
    assert_send_sync::<spindle::sync::mpsc::UnboundedSender<u8>>();
    assert_send_sync::<spindle::sync::mpsc::UnboundedReceiver<u8>>();
    assert_send_sync::<spindle::sync::mpsc::WeakSender<u8>>();
    assert_send_sync::<spindle::sync::mpsc::WeakUnboundedSender<u8>>();
    assert_send_sync::<spindle::sync::oneshot::Sender<u8>>();
    assert_send_sync::<spindle::sync::oneshot::Receiver<u8>>();
    assert_send_sync::<spindle::sync::RwLock<u8>>();
    assert_send_sync::<spindle::sync::RwLockReadGuard<'static, u8>>();
    assert_send_sync::<spindle::sync::RwLockWriteGuard<'static, u8>>();
    assert_send_sync::<spindle::sync::Barrier>();
    assert_send_sync::<spindle::sync::watch::Sender<u8>>();
    assert_send_sync::<spindle::sync::watch::Receiver<u8>>();
    assert_send_sync::<spindle::sync::broadcast::Sender<u8>>();
    assert_send_sync::<spindle::sync::broadcast::Receiver<u8>>();
}

fn _futures_are_send(sem: &Semaphore, m: &spindle::sync::Mutex<u8>) {
    fn send<T: Send>(_: T) {}
    send(sem.acquire());
    send(m.lock());
}

#[test]
fn an_overflowing_add_permits_panics_before_paying_anyone() {
    // Regression: with a waiter queued, `add_permits(n)` for an `n` above
    // MAX_PERMITS paid the waiter from `n`, marked it woken, then panicked
    // on the remainder: the waiter's waker was dropped unwoken (a lost
    // wake-up) and it held a permit that was never added.
    let sem = Semaphore::new(0);
    let count = Arc::new(CountWaker::default());
    let waker = Waker::from(count.clone());
    let mut cx = Context::from_waker(&waker);
    let mut acquire = pin!(sem.acquire());
    assert!(acquire.as_mut().poll(&mut cx).is_pending());
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sem.add_permits(usize::MAX)));
    assert!(panicked.is_err(), "adding usize::MAX permits panics");
    assert!(acquire.as_mut().poll(&mut cx).is_pending(), "nothing was added, so nothing was paid");
    sem.add_permits(1);
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the real permit wakes the waiter");
    match acquire.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(permit)) => permit.forget(),
        other => panic!("expected the permit, got {other:?}"),
    }
    assert_eq!(sem.available_permits(), 0);
}
