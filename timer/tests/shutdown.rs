//! Shutdown wakes every pending timer once; afterwards nothing fires early,
//! nothing leaks, and a timer that could never complete panics when polled
//! instead of leaving its caller waiting forever.

mod common;

use spindle_timer::Instant;
use std::time::Duration;

use common::{poll_once, CountingWaker, Rt};
use spindle_executor::park::{Park, Parker};
use spindle_timer::{sleep, sleep_until, TimerDriver};

/// Polls `s` once, expecting the shutdown panic.
fn assert_shutdown_panic(s: &mut spindle_timer::Sleep, waker: &std::task::Waker) {
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll_once(s, waker)))
        .expect_err("a timer that can never fire panics when polled");
    let msg = err.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| err.downcast_ref::<String>().cloned());
    let msg = msg.expect("a string panic payload");
    assert!(msg.contains("spindle timer polled after its runtime shut down"), "{msg}");
}

#[test]
fn shutdown_wakes_pending_and_later_polls_panic() {
    let rt = Rt::new();
    let handle = rt.handle();
    let _enter = handle.enter();
    let waker = CountingWaker::new();
    let mut a = sleep(Duration::from_secs(3600));
    let mut b = sleep(Duration::MAX);
    assert!(poll_once(&mut a, &waker.waker()).is_pending());
    assert!(poll_once(&mut b, &waker.waker()).is_pending());
    handle.shutdown();
    assert!(handle.is_shutdown());
    assert_eq!(waker.count(), 2, "every pending timer is woken once");
    assert!(!a.is_elapsed(), "never early");
    // The woken owner polls again: the deadline is ahead, so it panics
    // rather than wait forever.
    assert_shutdown_panic(&mut b, &waker.waker());
    // A new sleep after shutdown, deadline ahead: the same panic.
    let mut c = sleep(Duration::from_millis(1));
    assert_shutdown_panic(&mut c, &waker.waker());
    // Resetting a registered sleep after shutdown does not panic; its
    // deadline has passed by the time it is polled, so it completes.
    a.reset(Instant::now() + Duration::from_millis(1));
    // Deadlines that have passed still complete.
    let mut d = sleep(Duration::ZERO);
    assert!(poll_once(&mut d, &waker.waker()).is_ready());
    std::thread::sleep(Duration::from_millis(5));
    assert!(poll_once(&mut a, &waker.waker()).is_ready(), "passed deadline");
    assert_eq!(waker.count(), 2);
    drop((b, c)); // cancelling after the panic: fine
    handle.shutdown(); // idempotent
}

#[test]
fn dropping_the_driver_shuts_down() {
    let mut driver = TimerDriver::new(Parker::new());
    let handle = driver.handle();
    let _enter = handle.enter();
    let waker = CountingWaker::new();
    let mut s = sleep_until(Instant::now() + Duration::from_secs(60));
    assert!(poll_once(&mut s, &waker.waker()).is_pending());
    driver.park(Some(Duration::ZERO));
    drop(driver);
    assert!(handle.is_shutdown());
    assert_eq!(waker.count(), 1);
    drop(s); // cancel after shutdown: fine
}

#[test]
fn stopping_the_runtime_thread_shuts_down() {
    let rt = Rt::new();
    let handle = rt.handle();
    rt.stop();
    assert!(handle.is_shutdown());
}
