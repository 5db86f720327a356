//! Abort racing poll and completion: the future is dropped exactly
//! once, and the JoinHandle sees cancelled or the output, never both or
//! neither.
#![cfg(spindle_loom)]

mod common;

use common::{DropCounter, Signal, Tracked};
use spindle_executor::loom_api::{block_on, TestScheduler};

#[test]
fn abort_racing_poll_and_completion() {
    common::model(|| {
        let sched = TestScheduler::new();
        let futures = DropCounter::default();
        let signal = Signal::new();
        let join = TestScheduler::spawn(&sched, {
            let guard = Tracked::new((), &futures);
            let signal = signal.clone();
            async move {
                signal.wait().await;
                drop(guard);
                1u8
            }
        });
        let abort = join.abort_handle();
        let aborter = loom::thread::spawn(move || abort.abort());
        let waker = loom::thread::spawn({
            let signal = signal.clone();
            move || signal.fire()
        });
        sched.run_all();
        aborter.join().unwrap();
        waker.join().unwrap();
        sched.run_all();
        assert!(join.is_finished(), "an aborted or woken task must finish");
        match block_on(join) {
            Ok(v) => assert_eq!(v, 1),
            Err(e) => assert!(e.is_cancelled()),
        }
        assert_eq!(futures.count(), 1, "the future is dropped exactly once");
        assert_eq!(sched.alive(), 0);
    });
}

#[test]
fn abort_before_first_poll() {
    common::model(|| {
        let sched = TestScheduler::new();
        let futures = DropCounter::default();
        let join = TestScheduler::spawn(&sched, {
            let guard = Tracked::new((), &futures);
            async move {
                drop(guard);
            }
        });
        let abort = join.abort_handle();
        let t = loom::thread::spawn(move || abort.abort());
        sched.run_all();
        t.join().unwrap();
        sched.run_all();
        let result = block_on(join);
        assert!(result.is_ok() || result.unwrap_err().is_cancelled());
        assert_eq!(futures.count(), 1);
    });
}
