//! `RuntimeMetrics`: worker counts, per-worker counters, alive tasks, queue
//! depths.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::{current, multi, wait_until};

#[test]
fn smoke() {
    let rt = multi(2);
    let m = rt.metrics();
    assert_eq!(m.num_workers(), 2);
    assert_eq!(current().metrics().num_workers(), 1);
    assert_eq!(multi(3).metrics().num_workers(), 3);
    assert_eq!(m.num_alive_tasks(), 0);
    assert_eq!(m.injection_queue_depth(), 0);
    assert_eq!(m.num_blocking_threads(), 0);
    let dbg = format!("{m:?}");
    assert!(dbg.contains("num_workers"), "{dbg}");
}

#[test]
fn poll_counts_sum_to_at_least_the_tasks() {
    let rt = multi(2);
    let m = rt.metrics();
    let polls_before: u64 = (0..2).map(|w| m.worker_poll_count(w)).sum();
    let n = 1000;
    rt.block_on(async {
        let hs: Vec<_> = (0..n).map(|_| spindle_executor::spawn(async {})).collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let polls: u64 = (0..2).map(|w| m.worker_poll_count(w)).sum::<u64>() - polls_before;
    assert!(polls >= n as u64, "{polls} polls for {n} tasks");
    // Each task here needs one poll; allow for re-polls but not wild counts.
    assert!(polls <= 2 * n as u64, "{polls} polls for {n} tasks");
    for w in 0..2 {
        let steals = m.worker_steal_count(w);
        let ops = m.worker_steal_operations(w);
        assert!(ops <= steals, "a steal operation takes at least one task");
        assert!(steals <= polls, "cannot steal more tasks than were run");
        let _ = m.worker_noop_count(w);
        let _ = m.worker_lifo_rescue_count(w);
        let _ = m.worker_local_queue_depth(w);
    }
    // A worker counts a park when it parks; after `block_on` returns the
    // workers may still be searching for a moment before they do.
    let parks = || -> u64 { (0..2).map(|w| m.worker_park_count(w)).sum() };
    assert!(wait_until(Duration::from_secs(2), || parks() >= 1), "workers parked at some point");
}

#[test]
fn workers_park_and_busy_time_grows() {
    let rt = multi(2);
    let m = rt.metrics();
    rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(30)) })).unwrap();
    // Busy time is live (it no longer waits for a park to be added).
    let busy = || -> Duration { (0..2).map(|w| m.worker_total_busy_duration(w)).sum() };
    assert!(wait_until(Duration::from_secs(2), || busy() >= Duration::from_millis(25)), "busy {:?}", busy());
    assert!(busy() < Duration::from_secs(5), "busy {:?}", busy());
    // Both workers park once idle (the one that ran the task after it).
    let parks = || (0..2).map(|w| m.worker_park_count(w)).sum::<u64>();
    assert!(wait_until(Duration::from_secs(5), || parks() >= 2), "{} parks", parks());
    // Parked, busy time stands still.
    assert!(wait_until(Duration::from_secs(5), || (0..2).all(|w| m.worker_park_unpark_count(w) % 2 == 1)));
    let parked = busy();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(busy(), parked);
}

#[test]
fn num_alive_tasks_returns_to_zero() {
    for rt in [multi(2), multi(1), current()] {
        let m = rt.metrics();
        let (gate, inner) = common::Gate::new();
        let gate = Arc::new(std::sync::Mutex::new(Some(gate)));
        let hs: Vec<_> = (0..50)
            .map(|i| {
                let g = gate.clone();
                rt.spawn(async move {
                    if i == 0 {
                        let gate = g.lock().unwrap().take().unwrap();
                        gate.await;
                    }
                })
            })
            .collect();
        // The workers may already be running them (multi-thread); the
        // gated one stays.
        let alive = m.num_alive_tasks();
        assert!((1..=50).contains(&alive), "{alive}");
        rt.block_on(async {
            for _ in 0..50 {
                spindle_executor::task::yield_now().await;
            }
        });
        assert!(wait_until(Duration::from_secs(2), || m.num_alive_tasks() == 1), "{}", m.num_alive_tasks());
        inner.open();
        rt.block_on(async {
            for h in hs {
                h.await.unwrap();
            }
        });
        assert!(wait_until(Duration::from_secs(2), || m.num_alive_tasks() == 0), "{} tasks alive", m.num_alive_tasks());
        // Aborted and panicked tasks leave too.
        let a = rt.spawn(std::future::pending::<()>());
        let p = rt.spawn(async { panic!("x") });
        a.abort();
        rt.block_on(async {
            let _ = a.await;
            let _ = p.await;
        });
        assert!(wait_until(Duration::from_secs(2), || m.num_alive_tasks() == 0));
        // Detached tasks leave when they finish.
        drop(rt.spawn(async {}));
        rt.block_on(spindle_executor::task::yield_now());
        assert!(wait_until(Duration::from_secs(2), || m.num_alive_tasks() == 0));
    }
}

#[test]
fn injection_queue_depth_multi_thread() {
    let rt = multi(2);
    let m = rt.metrics();
    // Occupy both workers.
    let barrier = Arc::new(Barrier::new(3));
    let blockers: Vec<_> = (0..2)
        .map(|_| {
            let b = barrier.clone();
            rt.spawn(async move {
                b.wait();
                b.wait();
            })
        })
        .collect();
    barrier.wait(); // both workers are inside a poll
    let hs: Vec<_> = (0..10).map(|_| rt.spawn(async {})).collect();
    assert_eq!(m.injection_queue_depth(), 10);
    assert_eq!(m.num_alive_tasks(), 12);
    barrier.wait();
    rt.block_on(async {
        for h in blockers.into_iter().chain(hs) {
            h.await.unwrap();
        }
    });
    assert_eq!(m.injection_queue_depth(), 0);
    assert!(wait_until(Duration::from_secs(2), || m.num_alive_tasks() == 0));
}

#[test]
fn injection_queue_depth_current_thread() {
    let rt = current();
    let m = rt.metrics();
    let hs: Vec<_> = (0..7).map(|_| rt.spawn(async {})).collect();
    assert_eq!(m.injection_queue_depth(), 7);
    assert_eq!(m.worker_local_queue_depth(0), 0);
    rt.block_on(async {
        // Spawned here: the local queue.
        let local: Vec<_> = (0..3).map(|_| spindle_executor::spawn(async {})).collect();
        for h in hs.into_iter().chain(local) {
            h.await.unwrap();
        }
    });
    assert_eq!(m.injection_queue_depth(), 0);
    assert!(m.worker_poll_count(0) >= 10);
    assert_eq!(m.num_alive_tasks(), 0);
}

#[test]
fn local_queue_depth_counts_lifo_and_deque() {
    let rt = multi(1);
    let m = rt.metrics();
    let depth = rt
        .block_on(rt.spawn(async {
            let m = spindle_executor::Handle::current().metrics();
            let hs: Vec<_> = (0..5).map(|_| spindle_executor::spawn(async {})).collect();
            let d = m.worker_local_queue_depth(0);
            (d, hs)
        }))
        .unwrap();
    assert_eq!(depth.0, 5, "4 in the deque + 1 in the LIFO slot");
    rt.block_on(async {
        for h in depth.1 {
            h.await.unwrap();
        }
    });
    assert_eq!(m.worker_local_queue_depth(0), 0);
}

#[test]
#[should_panic]
fn worker_index_out_of_range_panics() {
    let rt = multi(2);
    let _ = rt.metrics().worker_poll_count(2);
}

/// Both flavors, each test below runs on: one worker (current-thread) and
/// two workers.
fn both() -> [spindle_executor::Runtime; 2] {
    [current(), multi(2)]
}

#[test]
fn spawned_tasks_count_counts_every_spawn() {
    for rt in both() {
        let m = rt.metrics();
        assert_eq!(m.spawned_tasks_count(), 0);
        let outside: Vec<_> = (0..5).map(|_| rt.spawn(async {})).collect();
        rt.block_on(async {
            for h in outside {
                h.await.unwrap();
            }
            // Spawned from a task, and from inside another task.
            spindle_executor::spawn(async { spindle_executor::spawn(async {}).await.unwrap() }).await.unwrap();
        });
        assert_eq!(m.spawned_tasks_count(), 7);
        // Blocking closures are not tasks.
        rt.block_on(async { spindle_executor::task::spawn_blocking(|| ()).await.unwrap() });
        assert_eq!(m.spawned_tasks_count(), 7);
    }
}

#[test]
fn remote_and_local_schedules() {
    for rt in both() {
        let m = rt.metrics();
        let local = || -> u64 { (0..m.num_workers()).map(|w| m.worker_local_schedule_count(w)).sum() };
        // From outside the workers: the global queue.
        let hs: Vec<_> = (0..10).map(|_| rt.spawn(async {})).collect();
        assert_eq!(m.remote_schedule_count(), 10);
        rt.block_on(async {
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(local(), 0, "nothing was scheduled on a worker yet");
        // From a worker: its own queue (spawns, and the yields of a task).
        rt.block_on(rt.spawn(async {
            let hs: Vec<_> = (0..20).map(|_| spindle_executor::spawn(async {})).collect();
            for _ in 0..5 {
                spindle_executor::task::yield_now().await;
            }
            for h in hs {
                h.await.unwrap();
            }
        }))
        .unwrap();
        assert!(local() >= 25, "{} local schedules", local());
        assert_eq!(m.remote_schedule_count(), 11, "the spawn from outside, once");
    }
}

#[test]
fn budget_forced_yields_are_counted() {
    for rt in both() {
        let m = rt.metrics();
        rt.block_on(rt.spawn(async {
            // Each `BUDGET` operations end a poll with a forced yield; the
            // last poll spends its budget exactly and completes.
            for _ in 0..3 * spindle_executor::coop::BUDGET as usize {
                spindle_executor::coop::consume_budget().await;
            }
        }))
        .unwrap();
        assert_eq!(m.budget_forced_yield_count(), 2);
        // An unconstrained task is never forced.
        rt.block_on(rt.spawn(spindle_executor::coop::unconstrained(async {
            for _ in 0..3 * spindle_executor::coop::BUDGET as usize {
                spindle_executor::coop::consume_budget().await;
            }
        })))
        .unwrap();
        assert_eq!(m.budget_forced_yield_count(), 2);
    }
}

#[test]
fn park_unpark_count_is_odd_while_parked() {
    let rt = multi(1);
    let m = rt.metrics();
    assert!(wait_until(Duration::from_secs(5), || m.worker_park_unpark_count(0) % 2 == 1), "the idle worker parks");
    let parks = m.worker_park_count(0);
    rt.block_on(rt.spawn(async {})).unwrap();
    assert!(wait_until(Duration::from_secs(5), || m.worker_park_count(0) > parks));
    assert!(m.worker_park_unpark_count(0) > 2 * parks);
    assert_eq!(m.global_queue_depth(), m.injection_queue_depth());
}

#[test]
fn driver_figures_are_zero_without_a_driver() {
    for rt in both() {
        let m = rt.metrics();
        assert_eq!(m.io_driver_ready_count(), 0);
        assert_eq!(m.timers_fired_count(), 0);
    }
}
