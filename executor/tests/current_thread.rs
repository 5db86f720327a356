//! The current-thread flavor: tasks run on the `block_on` thread, progress
//! while the `block_on` future waits, several `block_on` callers, fairness.

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{counter, current, get, wait_until, watchdog};

#[test]
fn smoke() {
    let rt = current();
    let me = std::thread::current().id();
    let ids = rt.block_on(async {
        let hs: Vec<_> = (0..10).map(|_| spindle_executor::spawn(async { std::thread::current().id() })).collect();
        let mut v = Vec::new();
        for h in hs {
            v.push(h.await.unwrap());
        }
        v
    });
    assert!(ids.iter().all(|&id| id == me));
    // Spawned from outside, run on the block_on thread.
    let h = rt.spawn(async { std::thread::current().id() });
    assert_eq!(rt.block_on(h).unwrap(), me);
}

#[test]
fn nothing_runs_outside_block_on() {
    let rt = current();
    let ran = counter();
    let r = ran.clone();
    let h = rt.spawn(async move {
        r.fetch_add(1, Ordering::SeqCst);
    });
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(get(&ran), 0);
    rt.block_on(h).unwrap();
    assert_eq!(get(&ran), 1);
}

#[test]
fn tasks_progress_while_block_on_future_waits() {
    let rt = current();
    let _w = watchdog(Duration::from_secs(20), "tasks_progress_while_block_on_future_waits");
    let (tx, rx) = futures_channel::oneshot::channel::<u32>();
    rt.block_on(async move {
        spindle_executor::spawn(async move {
            for _ in 0..10 {
                spindle_executor::task::yield_now().await;
            }
            tx.send(4).unwrap();
        });
        // The block_on future itself waits; the task must still run.
        assert_eq!(rx.await.unwrap(), 4);
    });
}

#[test]
fn block_on_woken_from_foreign_thread() {
    let rt = current();
    let _w = watchdog(Duration::from_secs(20), "block_on_woken_from_foreign_thread");
    let (tx, rx) = futures_channel::oneshot::channel::<u32>();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        tx.send(1).unwrap();
    });
    assert_eq!(rt.block_on(rx).unwrap(), 1);
    t.join().unwrap();
}

#[test]
fn task_woken_from_foreign_thread_while_parked() {
    let rt = current();
    let _w = watchdog(Duration::from_secs(20), "task_woken_from_foreign_thread_while_parked");
    let (tx, rx) = futures_channel::oneshot::channel::<u32>();
    let h = rt.spawn(async move { rx.await.unwrap() + 1 });
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        tx.send(1).unwrap();
    });
    assert_eq!(rt.block_on(h).unwrap(), 2);
    t.join().unwrap();
}

#[test]
fn block_on_from_two_threads_concurrently() {
    let rt = Arc::new(current());
    let _w = watchdog(Duration::from_secs(20), "block_on_from_two_threads_concurrently");
    let (tx1, rx1) = futures_channel::oneshot::channel::<u32>();
    let (tx2, rx2) = futures_channel::oneshot::channel::<u32>();
    let rt2 = rt.clone();
    // Thread A blocks on a task's output; thread B blocks on a channel fed
    // by a task. Both must complete, whoever holds the core.
    let a = std::thread::spawn(move || {
        rt2.block_on(async {
            let h = spindle_executor::spawn(async move { rx1.await.unwrap() * 10 });
            h.await.unwrap()
        })
    });
    let rt3 = rt.clone();
    let b = std::thread::spawn(move || {
        rt3.block_on(async {
            spindle_executor::spawn(async move {
                std::thread::sleep(Duration::from_millis(5));
                tx1.send(3).unwrap();
            });
            rx2.await.unwrap()
        })
    });
    std::thread::sleep(Duration::from_millis(30));
    tx2.send(7).unwrap();
    assert_eq!(a.join().unwrap(), 30);
    assert_eq!(b.join().unwrap(), 7);
    // And the runtime is still usable here.
    assert_eq!(rt.block_on(async { spindle_executor::spawn(async { 1 }).await.unwrap() }), 1);
}

#[test]
fn block_on_from_many_threads_with_tasks() {
    let rt = Arc::new(current());
    let _w = watchdog(Duration::from_secs(30), "block_on_from_many_threads_with_tasks");
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let rt = rt.clone();
            std::thread::spawn(move || {
                let mut sum = 0;
                for i in 0..50 {
                    sum += rt.block_on(async move {
                        spindle_executor::spawn(async move {
                            spindle_executor::task::yield_now().await;
                            t * 1000 + i
                        })
                        .await
                        .unwrap()
                    });
                }
                sum
            })
        })
        .collect();
    for (t, th) in threads.into_iter().enumerate() {
        let t = t as u64;
        assert_eq!(th.join().unwrap(), (0..50).map(|i| t * 1000 + i).sum::<u64>());
    }
}

#[test]
fn block_on_holder_exits_and_waiter_takes_over() {
    // Thread B waits on a task while thread A holds the core and returns
    // first: B must take the core over and run the task.
    let rt = Arc::new(current());
    let _w = watchdog(Duration::from_secs(20), "block_on_holder_exits_and_waiter_takes_over");
    let gate_b = Arc::new(std::sync::Barrier::new(2));
    let rt_a = rt.clone();
    let g = gate_b.clone();
    let a = std::thread::spawn(move || {
        rt_a.block_on(async move {
            g.wait(); // B starts while A holds the core
            std::thread::sleep(Duration::from_millis(30));
        })
    });
    gate_b.wait();
    let rt_b = rt.clone();
    let b = std::thread::spawn(move || {
        let ran_on = rt_b.block_on(async {
            // Spawned while A holds the core; A exits soon after.
            spindle_executor::spawn(async {
                spindle_executor::task::yield_now().await;
                std::thread::current().id()
            })
            .await
            .unwrap()
        });
        (ran_on, std::thread::current().id())
    });
    a.join().unwrap();
    let (ran_on, b_id) = b.join().unwrap();
    assert_eq!(ran_on, b_id, "B took the core over and ran the task");
}

#[test]
fn yield_now_is_fair() {
    // Two tasks yielding in a loop interleave; neither runs ahead of the
    // other by more than a round.
    let rt = current();
    let log = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(async {
        let hs: Vec<_> = (0..2)
            .map(|id| {
                let log = log.clone();
                spindle_executor::spawn(async move {
                    for _ in 0..50 {
                        log.lock().unwrap().push(id);
                        spindle_executor::task::yield_now().await;
                    }
                })
            })
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 100);
    let mut counts = [0i32; 2];
    for &id in log.iter() {
        counts[id] += 1;
        assert!((counts[0] - counts[1]).abs() <= 1, "unfair order: {log:?}");
    }
}

#[test]
fn yield_now_lets_block_on_future_and_spawned_tasks_run() {
    // A task that yields forever must not keep a freshly spawned task or the
    // block_on future from running.
    let rt = current();
    let _w = watchdog(Duration::from_secs(20), "yield_now_lets_block_on_future_and_spawned_tasks_run");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let spinner = rt.spawn(async move {
        let mut n = 0u64;
        while !s.load(Ordering::SeqCst) {
            n += 1;
            spindle_executor::task::yield_now().await;
        }
        n
    });
    rt.block_on(async {
        for _ in 0..10 {
            spindle_executor::spawn(async {}).await.unwrap();
        }
    });
    stop.store(true, Ordering::SeqCst);
    assert!(rt.block_on(spinner).unwrap() >= 1);
}

#[test]
fn busy_task_does_not_starve_injected_tasks() {
    // A self-waking task plus tasks injected from another thread.
    let rt = Arc::new(current());
    let _w = watchdog(Duration::from_secs(20), "busy_task_does_not_starve_injected_tasks");
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let busy = rt.spawn(std::future::poll_fn(move |cx| {
        if s.load(Ordering::SeqCst) {
            return std::task::Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }));
    let h = rt.handle().clone();
    let done = counter();
    let d = done.clone();
    let injector = std::thread::spawn(move || {
        (0..20)
            .map(|_| {
                let d = d.clone();
                h.spawn(async move {
                    d.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect::<Vec<_>>()
    });
    let hs = injector.join().unwrap();
    rt.block_on(async {
        for h in hs {
            h.await.unwrap();
        }
    });
    assert_eq!(get(&done), 20);
    stop.store(true, Ordering::SeqCst);
    rt.block_on(busy).unwrap();
    assert!(wait_until(Duration::from_secs(1), || rt.metrics().num_alive_tasks() == 0));
}

fn rss_kb() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = s.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

/// A `block_on` that waits for the core (another thread holds it) registers
/// itself in the runtime's `waiting` list on every wake of its future, and
/// the list is only drained when the core is released: it grows by one
/// entry (16 bytes) per wake, without bound, for as long as the other
/// thread holds the core.
#[test]
fn waiting_block_on_does_not_grow_per_wake() {
    let Some(_) = rss_kb() else { return };
    let _w = watchdog(Duration::from_secs(60), "waiting_block_on_does_not_grow_per_wake");
    let rt = Arc::new(current());
    // Thread A holds the core until told to stop.
    let (stop_tx, stop_rx) = futures_channel::oneshot::channel::<()>();
    let rt_a = rt.clone();
    let a = std::thread::spawn(move || rt_a.block_on(stop_rx).unwrap());
    std::thread::sleep(Duration::from_millis(20));
    // Thread B waits in block_on; its future is woken many times.
    let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let slot = Arc::new(futures_util::task::AtomicWaker::new());
    let (p, d, s) = (polls.clone(), done.clone(), slot.clone());
    let rt_b = rt.clone();
    let b = std::thread::spawn(move || {
        rt_b.block_on(std::future::poll_fn(move |cx| {
            p.fetch_add(1, Ordering::SeqCst);
            s.register(cx.waker());
            if d.load(Ordering::SeqCst) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        }))
    });
    assert!(wait_until(Duration::from_secs(2), || polls.load(Ordering::SeqCst) >= 1));
    let before = rss_kb().unwrap();
    let wakes = 300_000;
    let mut last = polls.load(Ordering::SeqCst);
    for _ in 0..wakes {
        slot.wake();
        // Wait (briefly) for B to poll again, so that each wake counts.
        let start = std::time::Instant::now();
        while polls.load(Ordering::SeqCst) == last && start.elapsed() < Duration::from_millis(5) {
            std::hint::spin_loop();
        }
        last = polls.load(Ordering::SeqCst);
    }
    let grew = rss_kb().unwrap().saturating_sub(before);
    done.store(true, Ordering::SeqCst);
    slot.wake();
    stop_tx.send(()).unwrap();
    a.join().unwrap();
    b.join().unwrap();
    assert!(grew < 2048, "memory grew by {grew} KB over {wakes} wakes of a waiting block_on");
}
