//! The blocking pool: the thread cap, keep-alive, panics and cancellation.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{counter, get, wait_until};
use spindle_executor::{Builder, Runtime};

fn rt_with(max: usize, keep_alive: Option<Duration>, current: bool) -> Runtime {
    let mut b = if current {
        Builder::new_current_thread()
    } else {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    };
    b.max_blocking_threads(max);
    if let Some(k) = keep_alive {
        b.thread_keep_alive(k);
    }
    b.build().unwrap()
}

fn track_max(cur: &AtomicUsize, max: &AtomicUsize) {
    let now = cur.fetch_add(1, Ordering::SeqCst) + 1;
    max.fetch_max(now, Ordering::SeqCst);
}

#[test]
fn max_blocking_threads_is_respected() {
    for current in [false, true] {
        let rt = rt_with(2, None, current);
        let cur = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let seen_threads = counter();
        let start = Instant::now();
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let (cur, max, seen) = (cur.clone(), max.clone(), seen_threads.clone());
                let m = rt.metrics();
                rt.spawn_blocking(move || {
                    track_max(&cur, &max);
                    seen.fetch_max(m.num_blocking_threads(), Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(50));
                    cur.fetch_sub(1, Ordering::SeqCst);
                    i
                })
            })
            .collect();
        let m = rt.metrics();
        assert!(m.num_blocking_threads() <= 2);
        let sum: usize = rt.block_on(async {
            let mut s = 0;
            for h in handles {
                s += h.await.unwrap();
            }
            s
        });
        let took = start.elapsed();
        assert_eq!(sum, 45);
        assert!(max.load(Ordering::SeqCst) <= 2, "{} ran at once", max.load(Ordering::SeqCst));
        assert_eq!(max.load(Ordering::SeqCst), 2, "the two threads were both used");
        assert!(get(&seen_threads) <= 2);
        assert!(m.num_blocking_threads() <= 2);
        // 10 × 50 ms on 2 threads: at least 250 ms.
        assert!(took >= Duration::from_millis(240), "{took:?}");
    }
}

#[test]
fn queue_depth_metric() {
    let rt = rt_with(1, None, false);
    let gate = Arc::new(std::sync::Barrier::new(2));
    let g = gate.clone();
    let first = rt.spawn_blocking(move || {
        g.wait();
        g.wait();
    });
    gate.wait(); // the only thread is busy
    let rest: Vec<_> = (0..3).map(|_| rt.spawn_blocking(|| ())).collect();
    let m = rt.metrics();
    assert_eq!(m.blocking_queue_depth(), 3);
    assert_eq!(m.num_blocking_threads(), 1);
    assert_eq!(m.num_idle_blocking_threads(), 0);
    gate.wait();
    rt.block_on(async {
        first.await.unwrap();
        for r in rest {
            r.await.unwrap();
        }
    });
    assert!(wait_until(Duration::from_secs(2), || m.blocking_queue_depth() == 0));
}

#[test]
fn keep_alive_threads_exit_when_idle() {
    for current in [false, true] {
        let rt = rt_with(4, Some(Duration::from_millis(200)), current);
        let handles: Vec<_> =
            (0..4).map(|_| rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(20)))).collect();
        rt.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        });
        let m = rt.metrics();
        assert!(m.num_blocking_threads() >= 1);
        let start = Instant::now();
        assert!(
            wait_until(Duration::from_secs(3), || m.num_blocking_threads() == 0),
            "{} blocking threads still alive after {:?}",
            m.num_blocking_threads(),
            start.elapsed()
        );
        assert!(start.elapsed() >= Duration::from_millis(50), "exited before keep-alive");
        assert_eq!(m.num_idle_blocking_threads(), 0);
        // The pool starts threads again afterwards.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 3)).unwrap(), 3);
        assert!(m.num_blocking_threads() >= 1);
    }
}

#[test]
fn idle_thread_is_reused_within_keep_alive() {
    let rt = rt_with(8, Some(Duration::from_secs(5)), false);
    let names = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    for _ in 0..20 {
        let n = names.clone();
        rt.block_on(rt.spawn_blocking(move || {
            n.lock().unwrap().insert(std::thread::current().id());
        }))
        .unwrap();
        // The thread goes idle just after it completes the task.
        assert!(wait_until(Duration::from_secs(2), || rt.metrics().num_idle_blocking_threads() == 1));
    }
    assert_eq!(names.lock().unwrap().len(), 1, "sequential closures share one idle thread");
    assert_eq!(rt.metrics().num_blocking_threads(), 1);
}

#[test]
fn panic_in_blocking_closure_reaches_join_handle() {
    for current in [false, true] {
        let rt = rt_with(2, None, current);
        let err = rt.block_on(rt.spawn_blocking(|| -> u8 { panic!("blocking boom") })).unwrap_err();
        assert!(err.is_panic());
        assert_eq!(*err.into_panic().downcast_ref::<&str>().unwrap(), "blocking boom");
        // The pool keeps working.
        assert_eq!(rt.block_on(rt.spawn_blocking(|| 8)).unwrap(), 8);
    }
}

#[test]
fn abort_queued_blocking_task() {
    let rt = rt_with(1, None, false);
    let gate = Arc::new(std::sync::Barrier::new(2));
    let g = gate.clone();
    let first = rt.spawn_blocking(move || {
        g.wait();
        g.wait();
        1
    });
    gate.wait();
    let ran = counter();
    let r = ran.clone();
    let queued = rt.spawn_blocking(move || {
        r.fetch_add(1, Ordering::SeqCst);
    });
    queued.abort();
    gate.wait();
    assert_eq!(rt.block_on(first).unwrap(), 1);
    assert!(rt.block_on(queued).unwrap_err().is_cancelled());
    assert_eq!(get(&ran), 0);
}

#[test]
fn abort_running_blocking_task_keeps_output() {
    let rt = rt_with(2, None, false);
    let started = counter();
    let s = started.clone();
    let h = rt.spawn_blocking(move || {
        s.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
        9
    });
    assert!(wait_until(Duration::from_secs(2), || get(&started) == 1));
    h.abort(); // cannot stop a running closure
    assert_eq!(rt.block_on(h).unwrap(), 9);
}

#[test]
fn dropped_join_handle_output_dropped_once() {
    let rt = rt_with(2, None, false);
    let drops = counter();
    let d = drops.clone();
    drop(rt.spawn_blocking(move || common::DropCounter(d)));
    assert!(wait_until(Duration::from_secs(2), || get(&drops) == 1));
    drop(rt);
    assert_eq!(get(&drops), 1);
}

#[test]
fn spawn_blocking_from_task_and_many_at_once() {
    let rt = rt_with(4, None, false);
    let out = rt.block_on(async {
        let hs: Vec<_> = (0..100u64)
            .map(|i| {
                spindle_executor::spawn(async move { spindle_executor::spawn_blocking(move || i * 2).await.unwrap() })
            })
            .collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(out, 9900);
    assert!(rt.metrics().num_blocking_threads() <= 4);
}

thread_local! {
    static IN_BLOCKING_POOL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A thread that exits on keep-alive joins the previous exiting thread
/// without the pool lock. It must stop counting itself first: otherwise a
/// closure pushed in that window (pool at its cap) is queued for no thread,
/// since the exiting thread leaves without looking at the queue again.
///
/// The window is widened with an `on_thread_stop` hook that is slow on
/// blocking threads only.
#[test]
fn keep_alive_exit_race_loses_queued_closure() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .thread_keep_alive(Duration::from_millis(50))
        .on_thread_stop(|| {
            if IN_BLOCKING_POOL.with(|f| f.get()) {
                std::thread::sleep(Duration::from_millis(400));
            }
        })
        .build()
        .unwrap();
    let m = rt.metrics();
    let mark = || IN_BLOCKING_POOL.with(|f| f.set(true));
    // T1: runs, idles, exits on keep-alive (then sleeps 400 ms in its hook).
    rt.block_on(rt.spawn_blocking(mark)).unwrap();
    assert!(wait_until(Duration::from_secs(2), || m.num_blocking_threads() == 0));
    // T2: started at once; it times out ~50 ms later and then joins T1,
    // which is still in its stop hook: T2 waits there, lock released, still
    // counted as a thread, not idle.
    rt.block_on(rt.spawn_blocking(mark)).unwrap();
    assert!(wait_until(Duration::from_secs(2), || m.num_idle_blocking_threads() == 1));
    assert!(wait_until(Duration::from_secs(2), || m.num_idle_blocking_threads() == 0));
    // T2 stops counting itself before it joins T1 (it is in the join
    // window now), so the pool is below its cap again.
    assert!(wait_until(Duration::from_secs(2), || m.num_blocking_threads() == 0));
    // Pushed now, during T2's join: a new thread must be started for it.
    let h = rt.spawn_blocking(|| 5);
    let ran = wait_until(Duration::from_secs(3), || h.is_finished());
    assert!(
        ran,
        "closure never ran: {} queued, {} blocking threads",
        m.blocking_queue_depth(),
        m.num_blocking_threads()
    );
    assert_eq!(common::block_on_plain(h, Duration::from_secs(1)).unwrap(), 5);
}

/// `thread_keep_alive(Duration::MAX)` ("never time out") must keep the pool
/// working. The idle wait computes `Instant::now() + keep_alive`, which
/// overflows and panics on the blocking thread after its first closure,
/// leaving it counted as idle: the next closure is handed to a dead thread.
#[test]
fn keep_alive_duration_max() {
    let rt = Builder::new_multi_thread().worker_threads(1).thread_keep_alive(Duration::MAX).build().unwrap();
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 1)).unwrap(), 1);
    let m = rt.metrics();
    // The thread goes idle (and, with the bug, dies right after counting
    // itself idle).
    assert!(wait_until(Duration::from_secs(2), || m.num_idle_blocking_threads() == 1));
    std::thread::sleep(Duration::from_millis(20));
    let h = rt.spawn_blocking(|| 2);
    let ran = wait_until(Duration::from_secs(3), || h.is_finished());
    assert!(
        ran,
        "second closure never ran: {} queued, {} threads, {} idle",
        m.blocking_queue_depth(),
        m.num_blocking_threads(),
        m.num_idle_blocking_threads()
    );
    assert_eq!(common::block_on_plain(h, Duration::from_secs(1)).unwrap(), 2);
}
