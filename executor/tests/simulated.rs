//! `Builder::new_simulated`: the multi-thread scheduler stepped as virtual
//! threads from a seed. Same seed, same schedule; other seeds, other
//! schedules; a rare race found by a seed sweep and replayed from the seed
//! it names; panics, deadlocks, blocking closures and shutdown as on a
//! real runtime. (Time and `spindle::sync` are the facade's:
//! `tests/simulated.rs` there.)

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use spindle_executor::runtime::{simulate, UnhandledPanic, DEFAULT_SIMULATED_WORKERS};
use spindle_executor::task::yield_now;
use spindle_executor::{Builder, RuntimeFlavor};

mod common;

/// Tasks that yield and spawn in a pattern: the schedule's fingerprint.
fn churn(seed: u64, workers: usize) -> (u64, Vec<usize>) {
    let rt = Builder::new_simulated(seed).worker_threads(workers).build().unwrap();
    let order = Arc::new(parking_lot::Mutex::new(Vec::new()));
    rt.block_on(async {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let order = order.clone();
                spindle_executor::spawn(async move {
                    for _ in 0..i % 4 {
                        yield_now().await;
                    }
                    let inner = spindle_executor::spawn(async move { i * 2 });
                    order.lock().push(i);
                    inner.await.unwrap()
                })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), i * 2);
        }
    });
    let order = order.lock().clone();
    (rt.schedule_trace_hash().unwrap(), order)
}

#[test]
fn same_seed_same_schedule() {
    for seed in [0, 1, 42, u64::MAX] {
        let (hash, order) = churn(seed, 4);
        assert_eq!(churn(seed, 4), (hash, order), "seed {seed} replays poll for poll");
    }
}

#[test]
fn seeds_give_different_schedules() {
    let hashes: HashSet<u64> = (0..20).map(|seed| churn(seed, 4).0).collect();
    let orders: HashSet<Vec<usize>> = (0..20).map(|seed| churn(seed, 4).1).collect();
    assert!(hashes.len() >= 10, "20 seeds gave only {} schedules", hashes.len());
    assert!(orders.len() >= 2, "the tasks' order never changed over 20 seeds");
    // The worker count is part of the schedule.
    assert_ne!(churn(5, 2).0, churn(5, 3).0);
}

#[test]
fn a_simulated_runtime_is_the_multi_thread_scheduler() {
    let rt = Builder::new_simulated(1).build().unwrap();
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    let metrics = rt.metrics();
    assert_eq!(metrics.num_workers(), DEFAULT_SIMULATED_WORKERS);
    let caller = std::thread::current().id();
    let threads = rt.block_on(async move {
        let tasks: Vec<_> = (0..20).map(|_| spindle_executor::spawn(async { std::thread::current().id() })).collect();
        let mut threads = HashSet::new();
        for t in tasks {
            threads.insert(t.await.unwrap());
        }
        threads
    });
    assert_eq!(threads, HashSet::from([caller]), "every task ran on the block_on thread");
    // Several virtual workers polled, and the workers stole from each other.
    let workers_that_polled = (0..metrics.num_workers()).filter(|&w| metrics.worker_poll_count(w) > 0).count();
    assert!(workers_that_polled >= 2, "{workers_that_polled} workers polled");
}

#[test]
fn the_lifo_slot_and_stealing_are_exercised() {
    // Message passing through the LIFO slot, over a sweep: some seeds see
    // a worker left aside with a task in its slot, which a thief rescues.
    let mut rescues = 0;
    let mut steals = 0;
    for seed in 0..30 {
        let rt = Builder::new_simulated(seed).worker_threads(3).build().unwrap();
        rt.block_on(async {
            let chains: Vec<_> = (0..6)
                .map(|_| {
                    spindle_executor::spawn(async {
                        let mut n = 0u32;
                        for _ in 0..30 {
                            n += spindle_executor::spawn(async { 1 }).await.unwrap();
                        }
                        n
                    })
                })
                .collect();
            for c in chains {
                assert_eq!(c.await.unwrap(), 30);
            }
        });
        let m = rt.metrics();
        rescues += (0..3).map(|w| m.worker_lifo_rescue_count(w)).sum::<u64>();
        steals += (0..3).map(|w| m.worker_steal_count(w)).sum::<u64>();
    }
    assert!(rescues > 0, "no LIFO rescue in 30 seeds");
    assert!(steals > 0, "no steal in 30 seeds");
}

/// The planted race: `a` reads, yields, writes back; `b` adds after three
/// yields. An update is lost only if `b` adds inside `a`'s window.
fn lost_update(seed: u64) -> u64 {
    let rt = Builder::new_simulated(seed).worker_threads(4).build().unwrap();
    let counter = Arc::new(AtomicU64::new(0));
    rt.block_on(async {
        let c = counter.clone();
        let a = spindle_executor::spawn(async move {
            let seen = c.load(Ordering::SeqCst);
            yield_now().await;
            c.store(seen + 1, Ordering::SeqCst);
        });
        let c = counter.clone();
        let b = spindle_executor::spawn(async move {
            for _ in 0..3 {
                yield_now().await;
            }
            c.fetch_add(1, Ordering::SeqCst);
        });
        a.await.unwrap();
        b.await.unwrap();
    });
    counter.load(Ordering::SeqCst)
}

#[test]
fn a_rare_race_is_found_by_the_sweep_and_replays() {
    if std::env::var_os("SPINDLE_SIM_SEED").is_some() {
        return;
    }
    let failing = (0..200).filter(|&seed| lost_update(seed) != 2).count();
    assert!(failing > 0 && failing < 20, "the race shows in {failing} of 200 seeds, meant to be rare (< 1 in 10)");

    let err = catch_unwind(|| {
        simulate(0..200, |seed| assert_eq!(lost_update(seed), 2, "lost update"));
    })
    .unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(message.contains("lost update"), "{message}");
    let seed: u64 = message
        .strip_prefix("simulation failed at seed ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no seed in {message:?}"));
    assert!(message.contains(&format!("SPINDLE_SIM_SEED={seed}")), "{message}");
    // The reported seed replays the failure, every time.
    for _ in 0..3 {
        assert_eq!(lost_update(seed), 1, "seed {seed} replays the lost update");
    }
    // It was the first failing seed.
    assert!((0..seed).all(|s| lost_update(s) == 2));
}

#[test]
fn panics_become_join_errors() {
    let rt = Builder::new_simulated(9).worker_threads(2).build().unwrap();
    rt.block_on(async {
        let bad = spindle_executor::spawn(async {
            yield_now().await;
            panic!("boom in a simulated task")
        });
        let good = spindle_executor::spawn(async { 5 });
        let err = bad.await.unwrap_err();
        assert!(err.is_panic());
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in a simulated task"));
        assert_eq!(good.await.unwrap(), 5, "the workers run on");
    });
    assert_eq!(rt.block_on(rt.spawn(async { 6 })).unwrap(), 6);
}

#[test]
fn unhandled_panic_shuts_the_simulation_down() {
    let rt =
        Builder::new_simulated(3).worker_threads(2).unhandled_panic(UnhandledPanic::ShutdownRuntime).build().unwrap();
    let idle = rt.spawn(std::future::pending::<()>());
    drop(rt.spawn(async { panic!("nobody reads this") }));
    assert!(rt.block_on(idle).unwrap_err().is_cancelled());
}

#[test]
fn a_deadlock_is_reported_with_its_seed() {
    let rt = Builder::new_simulated(77).worker_threads(2).build().unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            // Waits for a wake-up nothing sends.
            spindle_executor::spawn(std::future::pending::<()>()).await.unwrap();
        })
    }))
    .unwrap_err();
    let message = err.downcast_ref::<String>().unwrap();
    assert!(message.contains("deadlocked (seed 77)"), "{message}");
    // The runtime is still usable and shuts down cleanly.
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}

#[test]
fn spawn_blocking_runs_as_a_step() {
    let rt = Builder::new_simulated(4).worker_threads(2).build().unwrap();
    let caller = std::thread::current().id();
    let (a, b) = rt.block_on(async {
        let a = spindle_executor::spawn_blocking(|| std::thread::current().id());
        let b = spindle_executor::spawn_blocking(|| panic!("blocking panic"));
        (a.await.unwrap(), b.await.unwrap_err())
    });
    assert_eq!(a, caller);
    assert!(b.is_panic());
    assert_eq!(rt.metrics().num_blocking_threads(), 0, "no thread was started");
}

/// The three blocking spawns (and `task::Builder`'s) on a simulated
/// runtime: tasks on the virtual workers, with no pool and so no bound.
fn blocking_spawns(seed: u64) -> (u64, u64) {
    // A bound that the pool would hit at once: it does not apply here.
    let rt =
        Builder::new_simulated(seed).worker_threads(2).max_blocking_threads(1).max_blocking_queue(0).build().unwrap();
    let caller = std::thread::current().id();
    let sum = rt.block_on(async move {
        let mut joins = Vec::new();
        for i in 0..6u64 {
            let on_caller = move |v: u64| {
                assert_eq!(std::thread::current().id(), caller, "runs on the simulation's thread");
                v
            };
            joins.push(spindle_executor::task::try_spawn_blocking(move || on_caller(i)).unwrap());
            joins.push(spindle_executor::task::spawn_blocking_bounded(move || on_caller(i * 10)).await);
            joins.push(spindle_executor::spawn_blocking(move || on_caller(i * 100)));
            let builder = spindle_executor::task::Builder::new().name("sim-blocking");
            joins.push(builder.try_spawn_blocking(move || on_caller(i * 1000)).unwrap());
        }
        let mut sum = 0;
        for join in joins {
            sum += join.await.unwrap();
        }
        sum
    });
    assert_eq!(rt.metrics().num_blocking_threads(), 0, "no thread was started");
    (sum, rt.schedule_trace_hash().unwrap())
}

#[test]
fn every_blocking_spawn_runs_as_a_step_and_replays() {
    let (sum, hash) = blocking_spawns(11);
    assert_eq!(sum, (0..6).map(|i| i * 1111).sum::<u64>());
    assert_eq!(blocking_spawns(11), (sum, hash), "one seed, one schedule");
}

#[test]
fn bounded_spawns_keep_their_contracts_on_a_simulated_runtime() {
    let rt = Builder::new_simulated(6).worker_threads(2).build().unwrap();
    let ran = common::counter();
    // Dropped before its first poll: the closure is dropped unrun.
    let r = ran.clone();
    drop(rt.handle().spawn_blocking_bounded(move || r.fetch_add(1, Ordering::SeqCst)));
    let r = ran.clone();
    let join = rt.block_on(rt.handle().spawn_blocking_bounded(move || r.fetch_add(1, Ordering::SeqCst) + 10));
    assert_eq!(rt.block_on(join).unwrap(), 10);
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    let handle = rt.handle().clone();
    drop(rt);
    // After shutdown: the closure back, or a cancelled JoinHandle.
    let err = handle.try_spawn_blocking(|| 1).unwrap_err();
    assert!(err.is_shutdown(), "{err}");
    assert_eq!(err.into_inner()(), 1);
    let join = common::block_on_plain(handle.spawn_blocking_bounded(|| 1), std::time::Duration::from_secs(10));
    assert!(common::block_on_plain(join, std::time::Duration::from_secs(10)).unwrap_err().is_cancelled());
}

/// Tasks that call `block_in_place` on a simulated runtime.
fn blocks_in_place(seed: u64) -> (u64, u64) {
    let rt = Builder::new_simulated(seed).worker_threads(3).build().unwrap();
    let caller = std::thread::current().id();
    let sum = rt.block_on(async move {
        let tasks: Vec<_> = (0..8u64)
            .map(|i| {
                spindle_executor::spawn(async move {
                    yield_now().await;
                    let v = spindle_executor::task::block_in_place(|| {
                        assert_eq!(std::thread::current().id(), caller, "runs inline, in the step");
                        i * 3
                    });
                    yield_now().await;
                    v
                })
            })
            .collect();
        // In `block_on`'s own future too.
        let mut sum = spindle_executor::task::block_in_place(|| 100);
        for t in tasks {
            sum += t.await.unwrap();
        }
        sum
    });
    (sum, rt.schedule_trace_hash().unwrap())
}

#[test]
fn block_in_place_runs_inline_and_replays() {
    let (sum, hash) = blocks_in_place(21);
    assert_eq!(sum, 100 + (0..8).map(|i| i * 3).sum::<u64>());
    assert_eq!(blocks_in_place(21), (sum, hash), "one seed, one schedule");
}

#[test]
fn tasks_wait_for_block_on_and_survive_between_calls() {
    let rt = Builder::new_simulated(8).worker_threads(3).build().unwrap();
    let ran = common::counter();
    let r = ran.clone();
    let early = rt.spawn(async move {
        r.fetch_add(1, Ordering::SeqCst);
        7
    });
    assert_eq!(ran.load(Ordering::SeqCst), 0, "nothing runs outside block_on");
    let (tx, rx) = std::sync::mpsc::channel::<u32>();
    let pending = rt.spawn(async move {
        // Runs across two block_on calls.
        yield_now().await;
        tx.send(1).unwrap();
    });
    assert_eq!(rt.block_on(early).unwrap(), 7);
    rt.block_on(pending).unwrap();
    assert_eq!(rx.recv().unwrap(), 1);
}

#[test]
fn dropping_the_runtime_cancels_tasks() {
    let dropped = common::counter();
    let rt = Builder::new_simulated(2).worker_threads(2).build().unwrap();
    for _ in 0..10 {
        let guard = common::DropCounter(dropped.clone());
        rt.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
    }
    // Half of them get polled (parked in the registry), half never run.
    rt.block_on(async {
        for _ in 0..4 {
            yield_now().await;
        }
    });
    drop(rt);
    assert_eq!(dropped.load(Ordering::SeqCst), 10);
}

#[test]
fn hooks_and_wakes_from_block_on() {
    let spawned = Arc::new(AtomicUsize::new(0));
    let s = spawned.clone();
    let parks = Arc::new(AtomicUsize::new(0));
    let p = parks.clone();
    let rt = Builder::new_simulated(11)
        .worker_threads(2)
        .on_task_spawn(move |_| {
            s.fetch_add(1, Ordering::SeqCst);
        })
        .on_thread_park(move || {
            p.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    rt.block_on(async {
        // A channel woken from block_on's future: the wake goes through
        // the injector.
        let (tx, rx) = futures_channel::oneshot::channel::<u8>();
        let t = spindle_executor::spawn(async move { rx.await.unwrap() });
        yield_now().await;
        tx.send(3).unwrap();
        assert_eq!(t.await.unwrap(), 3);
    });
    assert_eq!(spawned.load(Ordering::SeqCst), 1);
    assert!(parks.load(Ordering::SeqCst) > 0, "virtual workers park through the same hooks");
}
