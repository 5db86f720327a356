//! Timers. Cancel (drop) racing fire; reset racing fire; a deadline
//! is never fired twice; an earlier deadline registered while the driver
//! sleeps toward a later one unparks it. Time is passed in explicitly
//! (nanoseconds since the timer's origin), so the models need no clock.
#![cfg(spindle_loom)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc as StdArc;
use std::task::{Wake, Waker};

use loom::sync::Arc;
use spindle_timer::loom_api::Timers;

#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (StdArc<Count>, Waker) {
    let count = StdArc::new(Count::default());
    let waker = Waker::from(count.clone());
    (count, waker)
}

#[test]
fn cancel_racing_fire_wakes_at_most_once_and_never_after_cancel() {
    common::model(|| {
        let timers = Arc::new(Timers::new(1));
        let (count, waker) = counting_waker();
        let entry = timers.register(0, 10, &waker).unwrap();
        let driver = {
            let timers = timers.clone();
            loom::thread::spawn(move || timers.fire(10))
        };
        entry.cancel();
        let after_cancel = count.0.load(Ordering::SeqCst);
        driver.join().unwrap();
        assert!(count.0.load(Ordering::SeqCst) <= 1, "fired twice");
        assert_eq!(count.0.load(Ordering::SeqCst), after_cancel, "woken after cancel returned");
        assert_eq!(timers.counts(0), (0, 0), "cancelled entry left behind");
    });
}

#[test]
fn reset_racing_fire_fires_once_per_arming() {
    common::model(|| {
        let timers = Arc::new(Timers::new(1));
        let (count, waker) = counting_waker();
        let mut entry = timers.register(0, 10, &waker).unwrap();
        let driver = {
            let timers = timers.clone();
            loom::thread::spawn(move || timers.fire(10))
        };
        entry.reset(20, 5);
        driver.join().unwrap();
        let wakes = count.0.load(Ordering::SeqCst);
        assert!(wakes <= 1);
        assert!(!entry.poll(10, &waker), "re-armed for 20: not due at 10");
        timers.fire(20);
        assert!(entry.poll(20, &waker));
        assert_eq!(count.0.load(Ordering::SeqCst), wakes + 1);
    });
}

#[test]
fn two_threads_firing_fire_each_deadline_once() {
    common::model(|| {
        let timers = Arc::new(Timers::new(2));
        let (count, waker) = counting_waker();
        let _a = timers.register(0, 10, &waker).unwrap();
        let _b = timers.register(1, 10, &waker).unwrap();
        let other = {
            let timers = timers.clone();
            loom::thread::spawn(move || timers.fire(10))
        };
        timers.fire(10);
        other.join().unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "each deadline fires exactly once");
    });
}

#[test]
fn earlier_deadline_while_parked_unparks_the_driver() {
    common::model(|| {
        let timers = Arc::new(Timers::new(1));
        let (_count, waker) = counting_waker();
        let registrar = {
            let timers = timers.clone();
            loom::thread::spawn(move || timers.register(0, 10, &waker).unwrap())
        };
        // The driver's side of `TimerDriver::park`: read the earliest
        // deadline, publish the instant it will sleep toward, re-read.
        let mut sees = timers.earliest() <= 10;
        if !sees {
            timers.set_parked_until(100);
            sees = timers.earliest() <= 10;
        }
        let entry = registrar.join().unwrap();
        assert!(
            sees || timers.unparks() >= 1,
            "the driver sleeps toward 100 while a deadline at 10 is pending; earliest = {}, unparks = {}",
            timers.earliest(),
            timers.unparks()
        );
        drop(entry);
    });
}
