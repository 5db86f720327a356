//! Shutdown racing spawn and wake: every task is either run or
//! cancelled, every future dropped exactly once, nothing leaked (a leaked
//! task would leak the scheduler's loom `Arc`, which loom reports).
//!
//! the registry closed while a worker still runs and releases its
//! batch of completed tasks (`shutdown_timeout` giving up on a stuck
//! worker): each registry reference is released once, by the batch or by
//! the closer. Mutant: `BatchReleasesClosedTask`.
#![cfg(spindle_loom)]

mod common;

use common::{DropCounter, Signal, Tracked};
use spindle_executor::loom_api::{block_on, LoomRuntime, Mutant};

#[test]
fn shutdown_racing_wake() {
    common::model(|| {
        let rt = LoomRuntime::start(1);
        let futures = DropCounter::default();
        let signal = Signal::new();
        let join = rt.spawn({
            let guard = Tracked::new((), &futures);
            let signal = signal.clone();
            async move {
                signal.wait().await;
                drop(guard);
            }
        });
        let waker = loom::thread::spawn(move || signal.fire());
        rt.shutdown();
        waker.join().unwrap();
        let result = block_on(join);
        assert!(result.is_ok() || result.unwrap_err().is_cancelled());
        assert_eq!(futures.count(), 1, "the future is dropped exactly once");
    });
}

#[test]
fn shutdown_racing_spawn() {
    common::model(|| {
        let rt = std::sync::Arc::new(LoomRuntime::start(1));
        let futures = DropCounter::default();
        let spawner = {
            let rt = rt.clone();
            let futures = futures.clone();
            loom::thread::spawn(move || {
                let guard = Tracked::new((), &futures);
                rt.spawn(async move { drop(guard) })
            })
        };
        let join = spawner.join().unwrap();
        let rt = std::sync::Arc::try_unwrap(rt).expect("spawner is done");
        rt.shutdown();
        let result = block_on(join);
        assert!(result.is_ok() || result.unwrap_err().is_cancelled());
        assert_eq!(futures.count(), 1);
    });
}

fn closing_while_a_worker_releases_its_batch() {
    common::model(|| {
        let rt = LoomRuntime::start(1);
        let futures = DropCounter::default();
        let outputs = DropCounter::default();
        let join = rt.spawn({
            let guard = Tracked::new((), &futures);
            let output = Tracked::new((), &outputs);
            async move {
                drop(guard);
                output
            }
        });
        // Detached: completed tasks are then released by the batch alone.
        drop(rt.spawn(async {}));
        rt.shutdown_racing_workers();
        match block_on(join) {
            Ok(output) => drop(output),
            Err(err) => assert!(err.is_cancelled()),
        }
        assert_eq!(futures.count(), 1, "the future is dropped exactly once");
        assert!(outputs.count() <= 1, "an output is dropped at most once");
    });
}

#[test]
fn shutdown_racing_a_worker_releasing_its_batch() {
    closing_while_a_worker_releases_its_batch();
}

#[test]
fn mutant_batch_releases_closed_task_is_caught() {
    common::mutant_must_fail(
        "mutant_batch_releases_closed_task_is_caught",
        Mutant::BatchReleasesClosedTask,
        closing_while_a_worker_releases_its_batch,
    );
}
