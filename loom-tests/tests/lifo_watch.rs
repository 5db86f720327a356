//! The stealable LIFO slot and the LIFO watch
//! (`executor/src/scheduler/multi_thread/watch.rs`).
//!
//! * A task in the slot runs exactly once, by its owner or by a thief
//!   (mutant `LifoStealNotAtomic`: the thief's take is a load and a store).
//! * A fill racing the watcher's decision to sleep deep is never missed:
//!   either the watcher's re-check sees the task or the fill wakes it
//!   (mutant `WatchMissesFill`: no re-check; loom reports the deadlock).
#![cfg(spindle_loom)]

mod common;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use spindle_executor::loom_api::{LoomLifo, Mutant, TestScheduler};

fn spawn_counted(sched: &Arc<TestScheduler>, polls: &Arc<AtomicUsize>) {
    let polls = polls.clone();
    drop(TestScheduler::spawn(sched, async move {
        polls.fetch_add(1, Ordering::SeqCst);
    }));
}

fn owner_and_thief_race() {
    common::model(|| {
        let sched = TestScheduler::new();
        let polls = Arc::new(AtomicUsize::new(0));
        spawn_counted(&sched, &polls);
        let lifo = Arc::new(LoomLifo::default());
        assert_eq!(lifo.fill(&sched), None, "nobody watches");
        let thief = {
            let lifo = lifo.clone();
            loom::thread::spawn(move || lifo.steal_and_run())
        };
        let owner_ran = lifo.owner_take_and_run();
        let thief_ran = thief.join().unwrap();
        assert!(owner_ran ^ thief_ran, "exactly one of owner and thief runs the task");
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        sched.shutdown();
        assert_eq!(sched.alive(), 0);
    });
}

#[test]
fn lifo_task_runs_exactly_once() {
    owner_and_thief_race();
}

#[test]
fn mutant_lifo_steal_not_atomic_is_caught() {
    common::mutant_must_fail(
        "mutant_lifo_steal_not_atomic_is_caught",
        Mutant::LifoStealNotAtomic,
        owner_and_thief_race,
    );
}

/// The owner fills its slot and stays stuck in its poll (it never takes the
/// slot back); the only other worker keeps the watch and decides to sleep.
fn fill_racing_deep_watcher() {
    common::model(|| {
        let sched = TestScheduler::new();
        let polls = Arc::new(AtomicUsize::new(0));
        spawn_counted(&sched, &polls);
        let lifo = Arc::new(LoomLifo::default());
        assert!(lifo.become_watcher(1));
        let watcher = {
            let lifo = lifo.clone();
            loom::thread::spawn(move || {
                if lifo.go_deep(1) {
                    // Deep: only the fill's unpark brings us back (loom's
                    // park has no spurious wake-ups unless unparked).
                    loom::thread::park();
                }
                assert!(lifo.steal_and_run(), "the watcher finds the stranded task");
            })
        };
        if let Some(index) = lifo.fill(&sched) {
            assert_eq!(index, 1);
            watcher.thread().unpark();
        }
        watcher.join().unwrap();
        assert_eq!(polls.load(Ordering::SeqCst), 1);
        sched.shutdown();
    });
}

#[test]
fn deep_watcher_never_misses_a_fill() {
    fill_racing_deep_watcher();
}

#[test]
fn mutant_watch_misses_fill_is_caught() {
    common::mutant_must_fail("mutant_watch_misses_fill_is_caught", Mutant::WatchMissesFill, fill_racing_deep_watcher);
}
