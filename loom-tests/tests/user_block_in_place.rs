//! `task::block_in_place` inside a loom model: the worker hands its core to
//! a replacement that is a loom thread, so the worker's other tasks keep
//! running while the closure blocks; the paused clock does not jump while
//! the closure and the rest of its task's poll run (the blocker counts
//! busy on its own, `handoff.rs`); and a model that would need more
//! threads than loom allows gets a clear panic instead of loom's assert.
#![cfg(spindle_loom)]

mod common;
mod user_common;

use std::time::Duration;

use spindle::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use spindle::sync::Arc;
use spindle::task::block_in_place;
use spindle::time::{self, Instant};

/// One worker. A task blocks in place until a second task, queued on the
/// same worker, sets a flag: that task runs only because the core went to
/// a replacement thread.
#[test]
fn the_core_goes_to_a_replacement_thread() {
    user_common::model(|| {
        let rt = user_common::runtime(1);
        rt.block_on(async {
            let flag = Arc::new(AtomicBool::new(false));
            let set = flag.clone();
            let blocker = spindle::spawn(async move {
                let setter = spindle::spawn(async move { set.store(true, Ordering::SeqCst) });
                block_in_place(|| {
                    // A blocking wait, as loom needs it spelled.
                    while !flag.load(Ordering::SeqCst) {
                        loom::thread::yield_now();
                    }
                });
                setter.await.unwrap();
            });
            blocker.await.unwrap();
        });
    });
}

/// Two workers. The task spawned just before `block_in_place` sits in the
/// blocker's LIFO slot, which the hand-off moves to the deque: the
/// replacement or the other worker (stealing) runs it, exactly once.
#[test]
fn the_lifo_task_runs_once_whoever_takes_it() {
    user_common::model(|| {
        let rt = user_common::runtime(2);
        rt.block_on(async {
            let runs = Arc::new(AtomicUsize::new(0));
            let seen = runs.clone();
            let blocker = spindle::spawn(async move {
                let counted = seen.clone();
                let lifo = spindle::spawn(async move { counted.fetch_add(1, Ordering::SeqCst) });
                block_in_place(|| {
                    while seen.load(Ordering::SeqCst) == 0 {
                        loom::thread::yield_now();
                    }
                });
                lifo.await.unwrap()
            });
            assert_eq!(blocker.await.unwrap(), 0, "the LIFO task ran first time");
            assert_eq!(runs.load(Ordering::SeqCst), 1, "and only once");
        });
    });
}

/// One worker: a task sleeps an hour; another blocks in place, reading the
/// clock inside the closure and after it. Neither reading moves, though
/// the replacement parks and the `block_on` thread waits meanwhile.
fn clock_stands_still_while_blocking_in_place() {
    user_common::model(|| {
        let rt = user_common::runtime(1);
        rt.block_on(async {
            let start = Instant::now();
            let sleeper = spindle::spawn(time::sleep(Duration::from_secs(3600)));
            let blocker = spindle::spawn(async move {
                let inside = block_in_place(|| {
                    loom::thread::yield_now();
                    Instant::now()
                });
                (inside, Instant::now())
            });
            let (inside, after) = blocker.await.unwrap();
            assert_eq!(inside - start, Duration::ZERO, "the clock jumped during the closure");
            assert_eq!(after - start, Duration::ZERO, "the clock jumped during the rest of the poll");
            sleeper.await.unwrap();
            assert_eq!(start.elapsed(), Duration::from_secs(3600));
        });
    });
}

#[test]
fn clock_stands_still_while_a_task_blocks_in_place() {
    clock_stands_still_while_blocking_in_place();
}

/// Without the blocker's own busy count the replacement's park leaves
/// nobody busy, and the clock jumps the hour while the closure runs.
#[test]
fn mutant_hand_off_skips_busy_is_caught() {
    common::mutant_must_fail(
        "mutant_hand_off_skips_busy_is_caught",
        spindle_executor::loom_api::Mutant::HandOffSkipsBusy,
        clock_stands_still_while_blocking_in_place,
    );
}

/// One worker and the model's main thread, then one loom thread per
/// hand-off: the fourth would be a sixth thread, and panics saying so
/// (inside its task: the `JoinHandle` reports it). No preemptions: the
/// count does not depend on the interleaving.
#[test]
fn past_loom_thread_limit_block_in_place_panics_clearly() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(0);
    builder.check(|| {
        let rt = user_common::runtime(1);
        rt.block_on(async {
            for _ in 0..3 {
                spindle::spawn(async { block_in_place(|| ()) }).await.unwrap();
            }
            let err = spindle::spawn(async { block_in_place(|| ()) }).await.unwrap_err();
            let panic = err.into_panic();
            let message = panic.downcast_ref::<String>().expect("a formatted message");
            assert!(message.contains("a loom model allows 5 threads"), "{message}");
        });
    });
}
