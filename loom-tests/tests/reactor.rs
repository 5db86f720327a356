//! A readiness event racing waker registration: the task is always
//! either told it is ready or woken. With the re-check after storing the
//! waker switched off (a mutant), loom finds the lost wake-up.
#![cfg(spindle_loom)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::Arc;
use spindle_reactor::loom_api::{Direction, Mutant, Ready, ScheduledIo};

#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn event_racing_registration() {
    common::model(|| {
        let io = Arc::new(ScheduledIo::new());
        // The task first consumes the optimistic initial readiness.
        let mut noop = Context::from_waker(Waker::noop());
        let Poll::Ready(event) = io.poll_ready(Direction::Read, &mut noop) else { panic!("a new source starts ready") };
        let driver = {
            let io = io.clone();
            loom::thread::spawn(move || {
                io.set_readiness(Ready::READABLE);
                io.wake(Ready::READABLE);
            })
        };
        let count = StdArc::new(Count::default());
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        // The operation would block: clear what we saw, then wait.
        let _ = io.clear_readiness(event);
        let polled = io.poll_ready(Direction::Read, &mut cx);
        driver.join().unwrap();
        if polled.is_pending() {
            assert_eq!(count.0.load(Ordering::SeqCst), 1, "lost wake-up: pending and never woken");
        }
    });
}

#[test]
fn readiness_racing_waker_registration() {
    event_racing_registration();
}

#[test]
fn mutant_reactor_skips_recheck_is_caught() {
    common::mutant_must_fail("mutant_reactor_skips_recheck_is_caught", Mutant::SkipsRecheck, event_racing_registration);
}
