//! Every destructor runs exactly once: the future, the output, and the
//! `JoinHandle`'s waker, whatever the order of completion, abort,
//! `JoinHandle` drop and runtime shutdown.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;

use common::{counter, counting_waker, current, get, multi, poll_once, tracked, wait_until, DropCounter};
use spindle_executor::Runtime;

fn rts() -> Vec<Runtime> {
    vec![multi(2), multi(1), current()]
}

/// Output type with a drop counter.
struct Out(#[allow(dead_code)] DropCounter);

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Out")
    }
}

struct Counters {
    fut: Arc<AtomicUsize>,
    out: Arc<AtomicUsize>,
}

fn counters() -> Counters {
    Counters { fut: counter(), out: counter() }
}

/// A task that waits for `gate`, then returns an `Out`.
fn gated(c: &Counters) -> (impl std::future::Future<Output = Out> + Send + 'static, Arc<common::GateInner>) {
    let (gate, inner) = common::Gate::new();
    let out = c.out.clone();
    let fut = tracked(
        Box::pin(async move {
            gate.await;
            Out(DropCounter(out))
        }),
        &c.fut,
    );
    (fut, inner)
}

fn settle(rt: &Runtime) {
    // Let the current-thread flavor run its queue, and workers finish.
    rt.block_on(async {
        for _ in 0..5 {
            spindle_executor::task::yield_now().await;
        }
    });
}

#[test]
fn destructors() {
    for rt in rts() {
        // Completed, output read by the JoinHandle.
        let c = counters();
        let (fut, gate) = gated(&c);
        let h = rt.spawn(fut);
        gate.open();
        let out = rt.block_on(h).unwrap();
        assert_eq!(get(&c.fut), 1);
        assert_eq!(get(&c.out), 0);
        drop(out);
        assert_eq!(get(&c.out), 1);
        drop(rt);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 1));
    }
}

#[test]
fn completed_then_join_handle_dropped_unread() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let h = rt.spawn(fut);
        gate.open();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || h.is_finished()));
        assert_eq!(get(&c.fut), 1);
        assert_eq!(get(&c.out), 0, "the output waits for its JoinHandle");
        drop(h);
        assert_eq!(get(&c.out), 1);
        drop(rt);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 1));
    }
}

#[test]
fn join_handle_dropped_then_completed() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        drop(rt.spawn(fut));
        gate.open();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || get(&c.out) == 1));
        assert_eq!(get(&c.fut), 1);
        drop(rt);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 1));
    }
}

#[test]
fn aborted_then_join_handle_dropped() {
    for rt in rts() {
        let c = counters();
        let (fut, _gate) = gated(&c);
        let h = rt.spawn(fut);
        settle(&rt);
        h.abort();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || get(&c.fut) == 1));
        drop(h);
        drop(rt);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 0));
    }
}

#[test]
fn join_handle_dropped_then_aborted_via_abort_handle() {
    for rt in rts() {
        let c = counters();
        let (fut, _gate) = gated(&c);
        let h = rt.spawn(fut);
        let a = h.abort_handle();
        drop(h);
        a.abort();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || get(&c.fut) == 1));
        drop(rt);
        drop(a);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 0));
    }
}

#[test]
fn shutdown_with_pending_task_and_live_join_handle() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let h = rt.spawn(fut);
        settle(&rt);
        drop(rt);
        assert_eq!(get(&c.fut), 1, "shutdown drops the future");
        gate.open(); // waking after shutdown is harmless
        let err = common::block_on_plain(h, Duration::from_secs(2)).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!((get(&c.fut), get(&c.out)), (1, 0));
    }
}

#[test]
fn shutdown_with_completed_unread_output() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let h = rt.spawn(fut);
        gate.open();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || h.is_finished()));
        drop(rt);
        assert_eq!(get(&c.out), 0, "the JoinHandle still owns the output");
        let out = common::block_on_plain(h, Duration::from_secs(2)).unwrap();
        drop(out);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 1));
    }
}

#[test]
fn shutdown_with_completed_unread_output_then_handle_dropped() {
    let rt = multi(2);
    let c = counters();
    let (fut, gate) = gated(&c);
    let h = rt.spawn(fut);
    gate.open();
    assert!(wait_until(Duration::from_secs(2), || h.is_finished()));
    drop(rt);
    drop(h);
    assert_eq!((get(&c.fut), get(&c.out)), (1, 1));
}

// ---- the JoinHandle's waker ----

/// Polls `h` once with a fresh counting waker; returns it (our reference)
/// and its drop counter.
fn register<T>(h: &mut spindle_executor::JoinHandle<T>) -> (Arc<common::CountingWaker>, Arc<AtomicUsize>) {
    let (w, dropped) = counting_waker();
    let waker = Waker::from(w.clone());
    assert!(poll_once(h, &waker).is_pending());
    drop(waker);
    (w, dropped)
}

fn assert_waker_released(w: Arc<common::CountingWaker>, dropped: &Arc<AtomicUsize>) {
    assert_eq!(Arc::strong_count(&w), 1, "the task still holds a clone of the JoinHandle's waker");
    drop(w);
    assert_eq!(get(dropped), 1);
}

#[test]
fn join_waker_completion_then_read() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let mut h = rt.spawn(fut);
        let (w, dropped) = register(&mut h);
        assert_eq!(Arc::strong_count(&w), 2, "the task stores one clone");
        gate.open();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || w.wakes.load(Ordering::SeqCst) == 1));
        let waker = Waker::from(w.clone());
        match poll_once(&mut h, &waker) {
            Poll::Ready(Ok(out)) => drop(out),
            other => panic!("not ready: {:?}", other.map(|r| r.map(|_| ()))),
        }
        drop(waker);
        drop(h);
        drop(rt);
        assert_eq!(w.wakes.load(Ordering::SeqCst), 1, "woken exactly once");
        assert_waker_released(w, &dropped);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 1));
    }
}

#[test]
fn join_waker_handle_dropped_while_pending() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let mut h = rt.spawn(fut);
        let (w, dropped) = register(&mut h);
        drop(h);
        assert_eq!(Arc::strong_count(&w), 1, "dropping the handle drops its waker");
        gate.open();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || get(&c.out) == 1));
        drop(rt);
        assert_eq!(w.wakes.load(Ordering::SeqCst), 0);
        assert_waker_released(w, &dropped);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 1));
    }
}

#[test]
fn join_waker_replaced_by_a_new_one() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let mut h = rt.spawn(fut);
        let (w1, d1) = register(&mut h);
        let (w2, d2) = register(&mut h);
        assert_eq!(Arc::strong_count(&w1), 1, "the old waker was released");
        assert_eq!(Arc::strong_count(&w2), 2);
        // Same waker again: no new clone, no leak.
        let (w2b, _) = (w2.clone(), ());
        let waker = Waker::from(w2b);
        assert!(poll_once(&mut h, &waker).is_pending());
        drop(waker);
        assert_eq!(Arc::strong_count(&w2), 2);
        gate.open();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || w2.wakes.load(Ordering::SeqCst) == 1));
        let waker = Waker::from(w2.clone());
        match poll_once(&mut h, &waker) {
            Poll::Ready(Ok(out)) => drop(out),
            _ => panic!("expected the output"),
        }
        drop(waker);
        drop(h);
        drop(rt);
        assert_eq!(w1.wakes.load(Ordering::SeqCst), 0);
        assert_eq!(w2.wakes.load(Ordering::SeqCst), 1);
        assert_waker_released(w1, &d1);
        assert_waker_released(w2, &d2);
    }
}

#[test]
fn join_waker_abort() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let mut h = rt.spawn(fut);
        settle(&rt);
        let (w, dropped) = register(&mut h);
        h.abort();
        settle(&rt);
        assert!(wait_until(Duration::from_secs(2), || w.wakes.load(Ordering::SeqCst) == 1));
        let waker = Waker::from(w.clone());
        match poll_once(&mut h, &waker) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            _ => panic!("expected cancelled"),
        }
        drop(waker);
        drop(h);
        drop(rt);
        drop(gate);
        assert_waker_released(w, &dropped);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 0));
    }
}

#[test]
fn join_waker_shutdown() {
    for rt in rts() {
        let c = counters();
        let (fut, gate) = gated(&c);
        let mut h = rt.spawn(fut);
        settle(&rt);
        let (w, dropped) = register(&mut h);
        drop(rt);
        // The gate holds the task's own waker (a task reference): release it.
        drop(gate);
        assert_eq!(w.wakes.load(Ordering::SeqCst), 1, "shutdown wakes the JoinHandle");
        let waker = Waker::from(w.clone());
        match poll_once(&mut h, &waker) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            _ => panic!("expected cancelled"),
        }
        drop(waker);
        drop(h);
        assert_waker_released(w, &dropped);
        assert_eq!((get(&c.fut), get(&c.out)), (1, 0));
    }
}

/// Races: completion on a worker against the JoinHandle being polled and
/// dropped on this thread, many times.
#[test]
fn stress_completion_vs_join_handle() {
    let rt = multi(2);
    let c = counters();
    let n = 2000;
    let mut wakers = Vec::new();
    for i in 0..n {
        let (fut, gate) = gated(&c);
        let mut h = rt.spawn(fut);
        let (w, dropped) = register(&mut h);
        gate.open();
        match i % 3 {
            0 => drop(h),
            1 => {
                let out = common::block_on_plain(&mut h, Duration::from_secs(5));
                drop(out);
                drop(h);
            }
            _ => {
                // Re-register (maybe racing completion), then drop.
                let _ = register_or_ready(&mut h);
                drop(h);
            }
        }
        wakers.push((w, dropped));
    }
    assert!(wait_until(Duration::from_secs(5), || get(&c.out) == n));
    assert!(wait_until(Duration::from_secs(5), || rt.metrics().num_alive_tasks() == 0));
    drop(rt);
    assert_eq!((get(&c.fut), get(&c.out)), (n, n));
    for (w, dropped) in wakers {
        assert!(w.wakes.load(Ordering::SeqCst) <= 1);
        assert_waker_released(w, &dropped);
    }
}

fn register_or_ready<T>(h: &mut spindle_executor::JoinHandle<T>) -> Option<T> {
    let (w, _) = counting_waker();
    let waker = Waker::from(w);
    match poll_once(h, &waker) {
        Poll::Ready(r) => r.ok(),
        Poll::Pending => None,
    }
}
