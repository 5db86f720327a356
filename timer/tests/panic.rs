//! Timer APIs used outside a runtime panic with a clear message.

use spindle_timer::Instant;
use std::time::Duration;

#[test]
#[should_panic(expected = "spindle::time::sleep called outside a spindle runtime (no timer is running on this thread)")]
fn sleep_outside_runtime() {
    drop(spindle_timer::sleep(Duration::from_millis(1)));
}

#[test]
#[should_panic(expected = "spindle::time::sleep_until called outside a spindle runtime")]
fn sleep_until_outside_runtime() {
    drop(spindle_timer::sleep_until(Instant::now()));
}

#[test]
#[should_panic(expected = "spindle::time::timeout called outside a spindle runtime")]
fn timeout_outside_runtime() {
    drop(spindle_timer::timeout(Duration::from_millis(1), async {}));
}

#[test]
#[should_panic(expected = "spindle::time::interval called outside a spindle runtime")]
fn interval_outside_runtime() {
    let _ = spindle_timer::interval(Duration::from_millis(1));
}

#[test]
#[should_panic(expected = "spindle::time::Handle::current called outside a spindle runtime")]
fn handle_current_outside_runtime() {
    let _ = spindle_timer::Handle::current();
}

#[test]
fn enter_guard_restores_nothing_after_exit() {
    use spindle_executor::park::Parker;
    let driver = spindle_timer::TimerDriver::new(Parker::new());
    {
        let _enter = driver.handle().enter();
        drop(spindle_timer::sleep(Duration::from_millis(1)));
    }
    assert!(spindle_timer::Handle::try_current().is_none());
    // And a thread that never entered has no timer either.
    std::thread::spawn(|| assert!(spindle_timer::Handle::try_current().is_none())).join().unwrap();
}
