//! Task waker behaviour: wakes during a poll coalesce into one re-poll, a
//! wake after completion is a no-op, clones and drops from many threads
//! keep the reference count right.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use common::{counter, current, get, multi, tracked, wait_until};
use spindle_executor::Runtime;

fn rts() -> Vec<Runtime> {
    vec![multi(2), multi(1), current()]
}

/// Wakes itself `wakes` times in its first poll (by ref, by clone, by value),
/// returns `Pending`; ready on the second poll.
struct WakeManyTimes {
    polls: Arc<AtomicUsize>,
    wakes: usize,
}

// Waking a fresh clone by value is the point: it releases that reference.
#[allow(clippy::waker_clone_wake)]
impl Future for WakeManyTimes {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let n = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= 2 {
            return Poll::Ready(());
        }
        for i in 0..self.wakes {
            match i % 3 {
                0 => cx.waker().wake_by_ref(),
                1 => cx.waker().clone().wake(),
                _ => cx.waker().clone().wake_by_ref(),
            }
        }
        Poll::Pending
    }
}

#[test]
fn wake_during_poll_repolls_exactly_once() {
    for rt in rts() {
        let polls = counter();
        let drops = counter();
        let h = rt.spawn(tracked(WakeManyTimes { polls: polls.clone(), wakes: 3 }, &drops));
        rt.block_on(h).unwrap();
        assert_eq!(get(&polls), 2, "polled once more, not once per wake");
        assert_eq!(get(&drops), 1);
    }
}

/// Pending forever after waking itself 3 times in its first poll: it must be
/// polled exactly twice (the second poll does not wake).
#[test]
fn three_wakes_in_one_poll_then_pending() {
    struct Counted(Arc<AtomicUsize>);
    impl Future for Counted {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        }
    }
    for rt in rts() {
        let polls = counter();
        let h = rt.spawn(Counted(polls.clone()));
        rt.block_on(async {
            for _ in 0..20 {
                spindle_executor::task::yield_now().await;
            }
        });
        // On a slow machine (valgrind serialises the threads) the second
        // poll may not have happened yet: wait for it, bounded, then check
        // that no third one follows.
        wait_until(Duration::from_secs(10), || {
            rt.block_on(spindle_executor::task::yield_now());
            get(&polls) >= 2
        });
        std::thread::sleep(Duration::from_millis(20));
        rt.block_on(spindle_executor::task::yield_now());
        assert_eq!(get(&polls), 2);
        h.abort();
    }
}

#[test]
fn wake_after_completion_is_noop() {
    for rt in rts() {
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let s = slot.clone();
        let polls = counter();
        let p = polls.clone();
        let drops = counter();
        let h = rt.spawn(tracked(
            Box::pin(std::future::poll_fn(move |cx| {
                p.fetch_add(1, Ordering::SeqCst);
                *s.lock().unwrap() = Some(cx.waker().clone());
                Poll::Ready(5)
            })),
            &drops,
        ));
        assert_eq!(rt.block_on(h).unwrap(), 5);
        let w = slot.lock().unwrap().take().unwrap();
        for _ in 0..10 {
            w.wake_by_ref();
        }
        let w2 = w.clone();
        w.wake();
        rt.block_on(async {
            for _ in 0..10 {
                spindle_executor::task::yield_now().await;
            }
        });
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(get(&polls), 1);
        assert_eq!(get(&drops), 1);
        drop(rt);
        w2.wake(); // after the runtime is gone too
    }
}

#[test]
fn will_wake_same_task() {
    let rt = multi(2);
    let same = rt
        .block_on(rt.spawn(std::future::poll_fn(|cx| {
            let c = cx.waker().clone();
            Poll::Ready(c.will_wake(cx.waker()))
        })))
        .unwrap();
    assert!(same);
}

/// Clones of a task's waker are cloned, woken and dropped from many threads
/// while the task runs; after everything, the task is freed (its future
/// and its captured state dropped exactly once).
#[test]
fn clone_and_drop_from_many_threads() {
    for rt in [multi(2), current()] {
        let drops = counter();
        let woken = counter();
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let tx = Mutex::new(tx);
        let target = 8 * 500;
        let w = woken.clone();
        let h = rt.spawn(tracked(
            Box::pin(std::future::poll_fn(move |cx| {
                if w.load(Ordering::SeqCst) >= target {
                    return Poll::Ready(());
                }
                let _ = tx.lock().unwrap().send(cx.waker().clone());
                Poll::Pending
            })),
            &drops,
        ));
        let _wd = common::watchdog(Duration::from_secs(30), "clone_and_drop_from_many_threads");
        // A counting waker stored as the JoinHandle's waker lives in the task
        // cell until the cell is freed: it tells us when that happens.
        let mut h = h;
        let (jw, jw_dropped) = common::counting_waker();
        assert!(common::poll_once(&mut h, &Waker::from(jw.clone())).is_pending());
        rt.block_on(spindle_executor::task::yield_now());
        let first = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let waker = first.clone();
                let woken = woken.clone();
                std::thread::spawn(move || {
                    let mut held = Vec::new();
                    for i in 0..500 {
                        let c = waker.clone();
                        held.push(c.clone());
                        woken.fetch_add(1, Ordering::SeqCst);
                        match (i + t) % 3 {
                            0 => c.wake(),
                            1 => {
                                c.wake_by_ref();
                                drop(c);
                            }
                            _ => drop(c),
                        }
                        if held.len() > 16 {
                            held.clear();
                        }
                    }
                    held.into_iter().for_each(Waker::wake);
                    waker.wake();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        first.wake();
        rt.block_on(async {
            while !h.is_finished() {
                spindle_executor::task::yield_now().await;
            }
        });
        assert!(wait_until(Duration::from_secs(2), || jw.wakes.load(Ordering::SeqCst) == 1));
        assert!(common::poll_once(&mut h, &Waker::from(jw.clone())).is_ready());
        drop(h);
        assert_eq!(get(&drops), 1);
        assert!(wait_until(Duration::from_secs(2), || rt.metrics().num_alive_tasks() == 0));
        let kept: Vec<Waker> = rx.try_iter().collect();
        if !kept.is_empty() {
            assert!(Arc::strong_count(&jw) > 1, "the cell is alive while wakers exist");
        }
        // Drop the wakers the task sent (each a reference): the cell is freed.
        drop(kept);
        assert_eq!(Arc::strong_count(&jw), 1, "task cell leaked (reference count)");
        drop(jw);
        assert_eq!(get(&jw_dropped), 1);
    }
}

/// The task's own state is dropped exactly when the last waker goes: the
/// future holds an `Arc` whose strong count we watch.
#[test]
fn last_waker_frees_the_task() {
    let rt = multi(2);
    let marker = Arc::new(());
    let m = marker.clone();
    let slot: Arc<Mutex<Vec<Waker>>> = Arc::default();
    let s = slot.clone();
    let h = rt.spawn(async move {
        let _m = m;
        std::future::poll_fn(|cx| {
            let mut v = s.lock().unwrap();
            if v.is_empty() {
                v.push(cx.waker().clone());
                v.push(cx.waker().clone());
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
    });
    assert!(wait_until(Duration::from_secs(2), || slot.lock().unwrap().len() == 2));
    let wakers: Vec<Waker> = slot.lock().unwrap().drain(..).collect();
    // Keep one slot entry so the second poll completes.
    slot.lock().unwrap().push(Waker::noop().clone());
    let mut it = wakers.into_iter();
    it.next().unwrap().wake();
    rt.block_on(h).unwrap();
    assert_eq!(Arc::strong_count(&marker), 1, "future dropped at completion");
    let last = it.next().unwrap();
    last.wake_by_ref();
    drop(last);
    drop(rt);
    assert_eq!(Arc::strong_count(&marker), 1);
}
