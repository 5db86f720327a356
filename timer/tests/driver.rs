//! `TimerDriver` as a `Park`: the contract the facade relies on, driven by
//! hand on one thread.

mod common;

use spindle_timer::Instant;
use std::time::Duration;

use common::{poll_once, CountingWaker, PROMPT};
use spindle_executor::park::{Park, Parker};
use spindle_timer::{sleep, sleep_until, TimerDriver};

#[test]
fn park_sleeps_until_the_deadline_and_fires() {
    let mut driver = TimerDriver::new(Parker::new());
    let _enter = driver.handle().enter();
    let waker = CountingWaker::new();
    let deadline = Instant::now() + Duration::from_millis(5);
    let mut s = sleep_until(deadline);
    assert!(poll_once(&mut s, &waker.waker()).is_pending());
    let start = Instant::now();
    while waker.count() == 0 && start.elapsed() < PROMPT {
        driver.park(None);
    }
    assert!(Instant::now() >= deadline);
    assert_eq!(waker.count(), 1, "fired exactly once");
    assert!(poll_once(&mut s, &waker.waker()).is_ready());
}

#[test]
fn zero_timeout_never_blocks_and_fires_what_is_due() {
    let mut driver = TimerDriver::new(Parker::new());
    let _enter = driver.handle().enter();
    let start = Instant::now();
    driver.park(Some(Duration::ZERO));
    assert!(start.elapsed() < PROMPT);

    let waker = CountingWaker::new();
    let mut due = sleep(Duration::from_millis(1));
    let mut later = sleep(Duration::from_secs(3600));
    assert!(poll_once(&mut due, &waker.waker()).is_pending());
    assert!(poll_once(&mut later, &waker.waker()).is_pending());
    std::thread::sleep(Duration::from_millis(2));
    driver.park(Some(Duration::ZERO));
    assert_eq!(waker.count(), 1, "only the due timer fires");
}

#[test]
fn caller_timeout_bounds_the_sleep() {
    let mut driver = TimerDriver::new(Parker::new());
    let _enter = driver.handle().enter();
    let waker = CountingWaker::new();
    let mut far = sleep(Duration::from_secs(3600));
    assert!(poll_once(&mut far, &waker.waker()).is_pending());
    let start = Instant::now();
    driver.park(Some(Duration::from_millis(5)));
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(5));
    assert!(took < PROMPT);
    assert_eq!(waker.count(), 0, "not fired early");
}

#[test]
fn unparker_is_the_inner_parkers() {
    let mut driver = TimerDriver::new(Parker::new());
    let _enter = driver.handle().enter();
    let waker = CountingWaker::new();
    let mut far = sleep(Duration::from_secs(3600));
    assert!(poll_once(&mut far, &waker.waker()).is_pending());
    let unparker = driver.unparker();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(5));
        unparker.unpark();
    });
    let start = Instant::now();
    driver.park(None); // returns on the unpark, long before the timer
    assert!(start.elapsed() < PROMPT);
    assert_eq!(waker.count(), 0);
    t.join().unwrap();
}

#[test]
fn expired_timer_parks_with_zero_timeout() {
    let mut driver = TimerDriver::new(Parker::new());
    let _enter = driver.handle().enter();
    let waker = CountingWaker::new();
    let mut s = sleep(Duration::from_millis(1));
    assert!(poll_once(&mut s, &waker.waker()).is_pending());
    std::thread::sleep(Duration::from_millis(3));
    let start = Instant::now();
    driver.park(None); // must not block: a timer is already due
    assert!(start.elapsed() < PROMPT);
    assert_eq!(waker.count(), 1);
}

#[test]
fn debug_output() {
    let driver = TimerDriver::with_shards(Parker::new(), 3);
    let text = format!("{driver:?}");
    assert!(text.contains("TimerDriver"), "{text}");
    assert!(text.contains("shards: 3"), "{text}");
}
