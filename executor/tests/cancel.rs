//! `abort` in every state of a task, `AbortHandle`, `is_finished`.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::{counter, current, get, multi, tracked, wait_until};
use spindle_executor::Runtime;

fn rts() -> Vec<Runtime> {
    vec![multi(2), multi(1), current()]
}

#[test]
#[allow(clippy::async_yields_async)] // the JoinHandle is returned on purpose
fn abort_before_first_poll() {
    for rt in rts() {
        let drops = counter();
        let polls = counter();
        let p = polls.clone();
        let fut = tracked(
            Box::pin(async move {
                p.fetch_add(1, Ordering::SeqCst);
                1
            }),
            &drops,
        );
        // Spawn and abort from inside block_on, before yielding: on the
        // current-thread flavor the task cannot have run; on multi-thread
        // it usually has not.
        let h = rt.block_on(async {
            let h = spindle_executor::spawn(fut);
            h.abort();
            h
        });
        match rt.block_on(h) {
            Err(e) => {
                assert!(e.is_cancelled());
                assert_eq!(get(&polls), 0);
            }
            Ok(v) => assert_eq!(v, 1, "completed before the abort: output kept"),
        }
        assert_eq!(get(&drops), 1);
    }
}

#[test]
fn abort_before_first_poll_current_thread_never_polls() {
    let rt = current();
    let polls = counter();
    let p = polls.clone();
    let h = rt.spawn(async move {
        p.fetch_add(1, Ordering::SeqCst);
    });
    h.abort();
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
    assert_eq!(get(&polls), 0);
}

#[test]
fn abort_while_idle() {
    for rt in rts() {
        let drops = counter();
        let started = Arc::new(AtomicBool::new(false));
        let s = started.clone();
        let h = rt.spawn(tracked(
            Box::pin(async move {
                s.store(true, Ordering::SeqCst);
                std::future::pending::<()>().await;
            }),
            &drops,
        ));
        assert!(wait_until(Duration::from_secs(2), || {
            // The current-thread flavor only runs tasks inside block_on.
            rt.block_on(spindle_executor::task::yield_now());
            started.load(Ordering::SeqCst)
        }));
        assert!(!h.is_finished());
        h.abort();
        h.abort(); // twice is fine
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(get(&drops), 1);
    }
}

/// A task that aborts itself from inside its own poll, then returns
/// `Pending`: the future is dropped after that poll.
#[test]
fn abort_from_inside_own_poll() {
    for rt in rts() {
        let drops = counter();
        let (tx, rx) = std::sync::mpsc::channel::<spindle_executor::task::AbortHandle>();
        let rx = std::sync::Mutex::new(rx);
        let polls = counter();
        let p = polls.clone();
        let fut = tracked(
            Box::pin(async move {
                p.fetch_add(1, Ordering::SeqCst);
                let me = rx.lock().unwrap().recv().unwrap();
                me.abort();
                assert!(!me.is_finished(), "still running");
                std::future::pending::<()>().await;
            }),
            &drops,
        );
        let h = rt.spawn(fut);
        tx.send(h.abort_handle()).unwrap();
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(get(&polls), 1, "not polled again after the abort");
        assert_eq!(get(&drops), 1);
    }
}

/// Aborting itself, then completing in the same poll: the output wins.
#[test]
fn abort_from_inside_then_ready_keeps_output() {
    for rt in rts() {
        let (tx, rx) = std::sync::mpsc::channel::<spindle_executor::task::AbortHandle>();
        let rx = std::sync::Mutex::new(rx);
        let h = rt.spawn(async move {
            rx.lock().unwrap().recv().unwrap().abort();
            17
        });
        tx.send(h.abort_handle()).unwrap();
        assert_eq!(rt.block_on(h).unwrap(), 17);
    }
}

/// Abort from another thread while the task is inside a long poll.
#[test]
fn abort_from_other_thread_during_long_poll() {
    let rt = multi(2);
    let drops = counter();
    let in_poll = Arc::new(Barrier::new(2));
    let aborted = Arc::new(Barrier::new(2));
    let polls = counter();
    let (b1, b2, p) = (in_poll.clone(), aborted.clone(), polls.clone());
    let h = rt.spawn(tracked(
        Box::pin(async move {
            p.fetch_add(1, Ordering::SeqCst);
            b1.wait();
            b2.wait(); // aborted while we are here
                       // Wake ourselves too: cancelled must beat the re-queue.
            spindle_executor::task::yield_now().await;
            unreachable!("polled after abort");
        }),
        &drops,
    ));
    in_poll.wait();
    h.abort();
    assert!(!h.is_finished());
    aborted.wait();
    let err = common::block_on_plain(h, Duration::from_secs(5)).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(get(&polls), 1);
    assert_eq!(get(&drops), 1);
}

#[test]
fn abort_after_completion_keeps_output() {
    for rt in rts() {
        let h = rt.spawn(async { String::from("done") });
        rt.block_on(async {
            while !h.is_finished() {
                spindle_executor::task::yield_now().await;
            }
        });
        assert!(h.is_finished());
        h.abort();
        h.abort_handle().abort();
        assert!(h.is_finished());
        assert_eq!(rt.block_on(h).unwrap(), "done");
    }
}

#[test]
fn abort_handle_smoke() {
    for rt in rts() {
        let h = rt.spawn(std::future::pending::<()>());
        let a = h.abort_handle();
        let a2 = a.clone();
        assert_eq!(a.id(), h.id());
        assert!(!a.is_finished());
        drop(a); // dropping an AbortHandle does nothing to the task
        rt.block_on(spindle_executor::task::yield_now());
        assert!(!h.is_finished());
        a2.abort();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        assert!(a2.is_finished());
    }
}

#[test]
fn abort_handle_outlives_join_handle_and_task() {
    let rt = multi(2);
    let drops = counter();
    let h = rt.spawn(tracked(Box::pin(std::future::pending::<()>()), &drops));
    let a = h.abort_handle();
    drop(h); // detached
    a.abort();
    assert!(wait_until(Duration::from_secs(2), || a.is_finished()));
    assert_eq!(get(&drops), 1);
    drop(a);
    drop(rt);
    assert_eq!(get(&drops), 1);
}

#[test]
fn abort_from_other_thread_concurrently_with_wakes() {
    // Many tasks woken from one thread while another aborts them.
    let rt = multi(2);
    let drops = counter();
    let n = 200;
    let mut handles = Vec::new();
    let mut gates = Vec::new();
    for _ in 0..n {
        let (gate, inner) = common::Gate::new();
        gates.push(inner);
        handles.push(rt.spawn(tracked(
            Box::pin(async move {
                gate.await;
                std::future::pending::<()>().await
            }),
            &drops,
        )));
    }
    let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
    let t1 = std::thread::spawn(move || gates.iter().for_each(|g| g.open()));
    let t2 = std::thread::spawn(move || aborts.iter().for_each(|a| a.abort()));
    t1.join().unwrap();
    t2.join().unwrap();
    let _w = common::watchdog(Duration::from_secs(30), "abort_from_other_thread_concurrently_with_wakes");
    for h in handles {
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
    }
    assert_eq!(get(&drops), n);
}

/// `is_finished` flips exactly when the output is ready.
#[test]
fn is_finished_tracks_completion() {
    let rt = multi(2);
    let (gate, inner) = common::Gate::new();
    let h = rt.spawn(async move {
        gate.await;
        5
    });
    std::thread::sleep(Duration::from_millis(20));
    assert!(!h.is_finished());
    inner.open();
    let start = Instant::now();
    assert!(wait_until(Duration::from_secs(2), || h.is_finished()));
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(rt.block_on(h).unwrap(), 5);
}

/// A future that counts its polls and wakes itself each time (busy).
struct Spin(Arc<AtomicUsize>);

impl Future for Spin {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn abort_busy_self_waking_task() {
    for rt in rts() {
        let polls = counter();
        let drops = counter();
        let h = rt.spawn(tracked(Spin(polls.clone()), &drops));
        let p = polls.clone();
        rt.block_on(async move {
            while get(&p) < 10 {
                spindle_executor::task::yield_now().await;
            }
        });
        h.abort();
        assert!(rt.block_on(h).unwrap_err().is_cancelled());
        let after = get(&polls);
        rt.block_on(async {
            for _ in 0..20 {
                spindle_executor::task::yield_now().await;
            }
        });
        std::thread::sleep(Duration::from_millis(10));
        assert_eq!(get(&polls), after, "polled after it was cancelled");
        assert_eq!(get(&drops), 1);
    }
}

/// Abort, wake, completion and `JoinHandle` polls/drops race on different
/// threads, many times. Every future and every output is dropped exactly
/// once and every task cell is freed (the `JoinHandle`'s counting waker,
/// stored in the cell, comes back to a strong count of 1).
#[test]
fn stress() {
    use std::task::Waker;
    struct Out(#[allow(dead_code)] common::DropCounter);
    let rt = multi(2);
    let _w = common::watchdog(Duration::from_secs(60), "cancel stress");
    let n = if cfg!(miri) { 20 } else { 1500 };
    let fut_drops = counter();
    let out_drops = counter();
    let mut wakers = Vec::new();
    let mut gates = Vec::new();
    let mut aborts = Vec::new();
    let mut handles = Vec::new();
    for i in 0..n {
        let (gate, inner) = common::Gate::new();
        let od = out_drops.clone();
        let mut h = rt.spawn(tracked(
            Box::pin(async move {
                gate.await;
                if i % 2 == 0 {
                    spindle_executor::task::yield_now().await;
                }
                Out(common::DropCounter(od))
            }),
            &fut_drops,
        ));
        let (w, dropped) = common::counting_waker();
        let _ = common::poll_once(&mut h, &Waker::from(w.clone()));
        wakers.push((w, dropped));
        gates.push(inner);
        aborts.push(h.abort_handle());
        handles.push(h);
    }
    let opener = std::thread::spawn(move || gates.iter().for_each(|g| g.open()));
    let aborter = std::thread::spawn(move || {
        for (i, a) in aborts.iter().enumerate() {
            if i % 3 != 0 {
                a.abort();
            }
        }
        aborts // dropped after the loop, on this thread
    });
    let mut completed = 0;
    let mut cancelled = 0;
    let mut dropped_unread = 0;
    for (i, h) in handles.into_iter().enumerate() {
        if i % 5 == 0 {
            drop(h);
            dropped_unread += 1;
            continue;
        }
        // Wait with the same counting waker, so it stays in the cell until
        // the cell is freed.
        let (w, _) = &wakers[i];
        let waker = Waker::from(w.clone());
        let mut h = h;
        let res = loop {
            let before = w.wakes.load(Ordering::SeqCst);
            if let std::task::Poll::Ready(r) = common::poll_once(&mut h, &waker) {
                break r;
            }
            assert!(
                wait_until(Duration::from_secs(10), || w.wakes.load(Ordering::SeqCst) > before),
                "JoinHandle never woken"
            );
        };
        drop(waker);
        drop(h);
        match res {
            Ok(out) => {
                completed += 1;
                drop(out);
            }
            Err(e) => {
                assert!(e.is_cancelled(), "{e}");
                cancelled += 1;
            }
        }
    }
    opener.join().unwrap();
    drop(aborter.join().unwrap());
    assert!(wait_until(Duration::from_secs(5), || get(&fut_drops) == n));
    assert!(wait_until(Duration::from_secs(5), || rt.metrics().num_alive_tasks() == 0));
    drop(rt);
    assert_eq!(get(&fut_drops), n);
    assert_eq!(completed + cancelled + dropped_unread, n);
    // Outputs: one per completed task we read, plus any produced by tasks
    // whose handle we dropped; never more than one per task.
    assert!(get(&out_drops) >= completed && get(&out_drops) <= completed + dropped_unread);
    for (w, dropped) in wakers {
        assert_eq!(Arc::strong_count(&w), 1, "a task cell (or its join waker) leaked");
        drop(w);
        assert_eq!(get(&dropped), 1);
    }
}
