//! Shutdown wakes every pending timer once; afterwards nothing fires early,
//! nothing panics, nothing leaks.

mod common;

use std::time::{Duration, Instant};

use common::{poll_once, CountingWaker, Rt};
use spindle_executor::park::{Park, Parker};
use spindle_timer::{sleep, sleep_until, TimerDriver};

#[test]
fn shutdown_wakes_pending_and_they_stay_pending() {
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
    assert!(poll_once(&mut a, &waker.waker()).is_pending(), "never early");
    assert!(!a.is_elapsed());
    // New sleeps after shutdown: pending, not registered, no panic.
    let mut c = sleep(Duration::from_millis(1));
    assert!(poll_once(&mut c, &waker.waker()).is_pending());
    // Resetting a registered sleep after shutdown: still no panic.
    a.reset(Instant::now() + Duration::from_millis(1));
    assert!(poll_once(&mut a, &waker.waker()).is_pending());
    // Deadlines that have passed still complete.
    let mut d = sleep(Duration::ZERO);
    assert!(poll_once(&mut d, &waker.waker()).is_ready());
    std::thread::sleep(Duration::from_millis(5));
    assert!(poll_once(&mut a, &waker.waker()).is_ready(), "passed deadline");
    assert_eq!(waker.count(), 2);
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
