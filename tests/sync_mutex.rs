//! `spindle::sync::Mutex`: exclusion across workers, FIFO fairness, a
//! cancelled `lock` future, owned guards.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use spindle::sync::Mutex;

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn stress_exclusion_across_workers() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let m = Arc::new(Mutex::new((0u64, false)));
    let per_task = if cfg!(miri) { 20 } else { 10_000 };
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let m = m.clone();
                spindle::spawn(async move {
                    for i in 0..per_task {
                        let mut g = m.lock().await;
                        assert!(!g.1, "two guards at once");
                        g.1 = true;
                        if i % 64 == 0 {
                            spindle::task::yield_now().await; // held across an await
                        }
                        g.0 += 1;
                        g.1 = false;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(m.try_lock().unwrap().0, 8 * per_task);
}

#[test]
fn waiters_get_the_lock_in_fifo_order() {
    let m = Mutex::new(Vec::new());
    let g = m.try_lock().unwrap();
    let mut a = pin!(async { m.lock().await.push('a') });
    let mut b = pin!(async { m.lock().await.push('b') });
    let mut c = pin!(async { m.lock().await.push('c') });
    assert!(poll_once(c.as_mut()).is_pending());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(b.as_mut()).is_pending());
    drop(g);
    // Polled in the "wrong" order: only the first waiter (c) may proceed.
    assert!(poll_once(b.as_mut()).is_pending());
    assert!(poll_once(a.as_mut()).is_pending());
    assert!(poll_once(c.as_mut()).is_ready());
    assert!(poll_once(b.as_mut()).is_pending());
    assert!(poll_once(a.as_mut()).is_ready());
    assert!(poll_once(b.as_mut()).is_ready());
    assert_eq!(*m.try_lock().unwrap(), ['c', 'a', 'b']);
}

#[test]
fn a_cancelled_lock_future_passes_the_lock_on() {
    let m = Mutex::new(0);
    let g = m.try_lock().unwrap();
    let mut first = Box::pin(m.lock());
    let mut second = pin!(m.lock());
    assert!(poll_once(first.as_mut()).is_pending());
    assert!(poll_once(second.as_mut()).is_pending());
    drop(g); // handed to `first`
    drop(first); // which gives it up unobserved
    let Poll::Ready(mut g) = poll_once(second.as_mut()) else { panic!("the lock was lost") };
    *g += 1;
    drop(g);
    assert!(m.try_lock().is_ok());
}

#[test]
fn try_lock_does_not_overtake_waiters() {
    let m = Mutex::new(());
    let g = m.try_lock().unwrap();
    let mut waiting = pin!(m.lock());
    assert!(poll_once(waiting.as_mut()).is_pending());
    drop(g);
    assert!(m.try_lock().is_err(), "the lock belongs to the waiter now");
    assert!(poll_once(waiting.as_mut()).is_ready());
}

#[test]
fn owned_guard_moves_into_a_task() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let m = Arc::new(Mutex::new(String::new()));
        let mut g = m.clone().lock_owned().await;
        let t = spindle::spawn(async move {
            g.push_str("owned");
        });
        t.await.unwrap();
        assert_eq!(*m.lock().await, "owned");
    });
}

/// `OwnedMutexGuard`'s cell access without a runtime, so that Miri runs it
/// (`owned_guard_moves_into_a_task` needs the runtime, which Miri cannot
/// start): the guard is taken on one thread and used and dropped on another.
#[test]
fn an_owned_guard_crosses_threads() {
    let m = Arc::new(Mutex::new(String::from("a")));
    let mut g = futures_executor::block_on(m.clone().lock_owned());
    assert!(m.try_lock().is_err());
    std::thread::spawn(move || {
        assert_eq!(*g, "a");
        g.push('b');
    })
    .join()
    .unwrap();
    assert_eq!(*futures_executor::block_on(m.lock()), "ab");
}

#[test]
fn unsized_values() {
    let m: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
    futures_executor::block_on(async {
        m.lock().await[0] = 9;
        assert_eq!(&*m.lock().await, &[9, 2, 3]);
    });
}
