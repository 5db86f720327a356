//! The real worker loop on loom threads.
//!
//! * A task pushed from outside while workers decide to sleep always runs
//!   (otherwise every thread blocks and loom reports a deadlock), with the
//!   workers sleeping on their condvars, or one of them in the driver (the
//!   worker parker's `PARKED_DRIVER` state, woken through the driver's
//!   unparker).
//! * The searching count never goes negative (debug assertions in
//!   `idle.rs`) and is zero once every worker is parked.
//! * A task woken by the driver's dispatch, on the thread of the worker
//!   parked in the driver, always runs: the dispatch puts it in that
//!   worker's deque and wakes nobody, so the worker must find it there when
//!   its park returns (and hand the driver on).
#![cfg(spindle_loom)]

mod common;

use spindle_executor::loom_api::{block_on, LoomRuntime, Mutant};

fn external_spawn(workers: usize) {
    loom::model(move || {
        let rt = LoomRuntime::start(workers);
        let join = rt.spawn(async { 5u8 });
        assert_eq!(block_on(join).unwrap(), 5);
        rt.shutdown();
    });
}

#[test]
fn one_worker_external_spawn_is_run() {
    external_spawn(1);
}

#[test]
fn two_workers_external_spawn_is_run() {
    external_spawn(2);
}

fn external_spawn_with_driver(workers: usize) {
    loom::model(move || {
        let rt = LoomRuntime::start_with_driver(workers);
        let join = rt.spawn(async { 7u8 });
        assert_eq!(block_on(join).unwrap(), 7);
        rt.shutdown();
    });
}

fn one_worker_in_the_driver() {
    external_spawn_with_driver(1);
}

#[test]
fn one_worker_in_the_driver_external_spawn_is_run() {
    one_worker_in_the_driver();
}

#[test]
fn two_workers_one_in_the_driver_external_spawn_is_run() {
    external_spawn_with_driver(2);
}

#[test]
fn mutant_unpark_skips_driver_is_caught() {
    common::mutant_must_fail(
        "mutant_unpark_skips_driver_is_caught",
        Mutant::UnparkSkipsDriver,
        one_worker_in_the_driver,
    );
}

#[test]
fn searching_is_zero_when_all_parked() {
    loom::model(|| {
        let rt = LoomRuntime::start(2);
        let join = rt.spawn(async {});
        block_on(join).unwrap();
        // Wait for both workers to park, then check the accounting.
        loop {
            let (searching, unparked) = rt.idle_counts();
            if unparked == 0 {
                assert_eq!(searching, 0, "searchers left behind by parked workers");
                break;
            }
            loom::thread::yield_now();
        }
        rt.shutdown();
    });
}

fn two_workers() {
    external_spawn(2);
}

#[test]
fn mutant_skip_park_recheck_is_caught() {
    common::mutant_must_fail("mutant_skip_park_recheck_is_caught", Mutant::SkipParkRecheck, two_workers);
}

/// The task waits for the event before it fires, so the wake always comes
/// from the driver's dispatch inside a worker's park.
fn woken_by_the_driver(workers: usize) {
    loom::model(move || {
        let (rt, event) = LoomRuntime::start_with_event_driver(workers);
        let wait = event.wait();
        let join = rt.spawn(async move {
            wait.await;
            9u8
        });
        while !event.is_waited() {
            loom::thread::yield_now();
        }
        event.fire();
        assert_eq!(block_on(join).unwrap(), 9);
        rt.shutdown();
    });
}

fn one_worker_woken_by_the_driver() {
    woken_by_the_driver(1);
}

#[test]
fn one_worker_task_woken_by_the_driver_is_run() {
    one_worker_woken_by_the_driver();
}

#[test]
fn two_workers_task_woken_by_the_driver_is_run() {
    woken_by_the_driver(2);
}

#[test]
fn mutant_parked_ignores_deque_is_caught() {
    common::mutant_must_fail(
        "mutant_parked_ignores_deque_is_caught",
        Mutant::ParkedIgnoresDeque,
        one_worker_woken_by_the_driver,
    );
}
