//! Waker clone / drop / wake from several threads: the reference
//! count ends at zero and the task is freed exactly once (loom reports a
//! leak of the scheduler `Arc` each task holds if not).
#![cfg(spindle_loom)]

mod common;

use common::{DropCounter, Signal, Tracked};
use spindle_executor::loom_api::TestScheduler;

#[test]
fn wakers_from_several_threads() {
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
            }
        });
        sched.run_all();
        let waker = signal.take_waker().expect("task stored its waker");
        signal.0.lock().unwrap().0 = true;
        let w1 = waker.clone();
        let t1 = loom::thread::spawn(move || {
            let w = w1.clone();
            w1.wake();
            drop(w);
        });
        let t2 = loom::thread::spawn(move || {
            waker.wake_by_ref();
            drop(waker);
        });
        drop(join);
        t1.join().unwrap();
        t2.join().unwrap();
        sched.run_all();
        assert_eq!(futures.count(), 1);
        assert_eq!(sched.alive(), 0);
        assert_eq!(sched.queued(), 0);
    });
}
