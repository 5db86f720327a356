//! Dropping the JoinHandle racing completion drops the output
//! exactly once; awaiting it racing completion gets the output.
#![cfg(spindle_loom)]

mod common;

use common::{DropCounter, Tracked};
use spindle_executor::loom_api::{block_on, Mutant, TestScheduler};

fn drop_racing_completion() {
    common::model(|| {
        let sched = TestScheduler::new();
        let outputs = DropCounter::default();
        let join = TestScheduler::spawn(&sched, {
            let outputs = outputs.clone();
            async move { Tracked::new(7u32, &outputs) }
        });
        let dropper = loom::thread::spawn(move || drop(join));
        sched.run_all();
        dropper.join().unwrap();
        assert_eq!(outputs.count(), 1, "the output must be dropped exactly once");
        assert_eq!(sched.alive(), 0);
    });
}

#[test]
fn drop_join_handle_racing_completion() {
    drop_racing_completion();
}

#[test]
fn mutant_complete_ignores_join_interest_is_caught() {
    common::mutant_must_fail(
        "mutant_complete_ignores_join_interest_is_caught",
        Mutant::CompleteIgnoresJoinInterest,
        drop_racing_completion,
    );
}

#[test]
fn mutant_complete_ignores_join_interest_is_caught_by_await() {
    common::mutant_must_fail(
        "mutant_complete_ignores_join_interest_is_caught_by_await",
        Mutant::CompleteIgnoresJoinInterest,
        await_racing_completion,
    );
}

#[test]
fn await_racing_completion_gets_output() {
    await_racing_completion();
}

fn await_racing_completion() {
    common::model(|| {
        let sched = TestScheduler::new();
        let outputs = DropCounter::default();
        let join = TestScheduler::spawn(&sched, {
            let outputs = outputs.clone();
            async move { Tracked::new(7u32, &outputs) }
        });
        let awaiter = loom::thread::spawn(move || block_on(join).map(|t| t.value));
        sched.run_all();
        assert_eq!(awaiter.join().unwrap().unwrap(), 7);
        assert_eq!(outputs.count(), 1);
    });
}
