//! A wake racing a poll re-schedules the task exactly once; a wake
//! after completion is a no-op; no wake is lost.
#![cfg(spindle_loom)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;

use common::Signal;
use spindle_executor::loom_api::{Mutant, TestScheduler};

fn wake_racing_poll() {
    common::model(|| {
        let sched = TestScheduler::new();
        let signal = Signal::new();
        let polls = StdArc::new(AtomicUsize::new(0));
        let join = TestScheduler::spawn(&sched, {
            let signal = signal.clone();
            let polls = polls.clone();
            async move {
                polls.fetch_add(1, Ordering::SeqCst);
                signal.wait().await;
                polls.fetch_add(1, Ordering::SeqCst);
            }
        });
        let waker_thread = loom::thread::spawn({
            let signal = signal.clone();
            move || signal.fire()
        });
        // The first poll races the wake.
        assert!(sched.run_one());
        assert!(sched.queued() <= 1, "at most one Notified exists");
        waker_thread.join().unwrap();
        sched.run_all();
        assert!(join.is_finished(), "a wake was lost");
        // The body's two steps ran once each; re-polls are bounded by one
        // per wake.
        assert_eq!(polls.load(Ordering::SeqCst), 2);
        assert_eq!(sched.queued(), 0);
        drop(join);
        assert_eq!(sched.alive(), 0);
    });
}

#[test]
fn wake_racing_poll_is_never_lost() {
    wake_racing_poll();
}

#[test]
fn mutant_idle_drops_wake_is_caught() {
    common::mutant_must_fail("mutant_idle_drops_wake_is_caught", Mutant::IdleDropsWake, wake_racing_poll);
}

#[test]
fn wake_after_completion_is_noop() {
    common::model(|| {
        let sched = TestScheduler::new();
        let signal = Signal::new();
        let join = TestScheduler::spawn(&sched, {
            let signal = signal.clone();
            async move {
                // Leave a waker behind, then finish on the second poll.
                let mut first = true;
                std::future::poll_fn(|cx| {
                    if first {
                        first = false;
                        signal.0.lock().unwrap().1 = Some(cx.waker().clone());
                        cx.waker().wake_by_ref();
                        std::task::Poll::Pending
                    } else {
                        std::task::Poll::Ready(())
                    }
                })
                .await
            }
        });
        sched.run_all();
        assert!(join.is_finished());
        let waker = signal.take_waker().expect("waker stored");
        let t = loom::thread::spawn(move || {
            waker.wake_by_ref();
            waker.wake();
        });
        t.join().unwrap();
        assert_eq!(sched.queued(), 0, "a wake after completion schedules nothing");
        drop(join);
    });
}
