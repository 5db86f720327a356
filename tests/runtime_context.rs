//! The one runtime context: the facade's reactor and timer are current
//! wherever the runtime is (workers, blocking threads, `block_on`,
//! `Runtime::enter`), a driver entered on its own inside the runtime wins
//! until its guard drops, and the driver factory sees the resolved worker
//! count (one timer shard per worker).

use std::time::Duration;

fn drivers_current() -> (bool, bool) {
    (spindle_reactor::Handle::try_current().is_some(), spindle_timer::Handle::try_current().is_some())
}

#[test]
fn reactor_and_timer_are_current_on_every_runtime_thread() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    assert_eq!(drivers_current(), (false, false), "not outside the runtime");
    assert_eq!(rt.block_on(async { drivers_current() }), (true, true), "block_on");
    assert_eq!(rt.block_on(rt.spawn(async { drivers_current() })).unwrap(), (true, true), "workers");
    assert_eq!(rt.block_on(rt.spawn_blocking(drivers_current)).unwrap(), (true, true), "blocking threads");
    {
        let _enter = rt.enter();
        assert_eq!(drivers_current(), (true, true), "Runtime::enter");
        // A timer created here belongs to the runtime and fires.
        let sleep = spindle::time::sleep(Duration::from_millis(1));
        drop(_enter);
        rt.block_on(sleep);
    }
    assert_eq!(drivers_current(), (false, false), "the guard restores");
}

#[test]
fn current_thread_runtime_has_its_drivers() {
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert_eq!(drivers_current(), (true, true));
        spindle::time::sleep(Duration::from_millis(1)).await;
    });
}

#[test]
fn a_driver_entered_inside_the_runtime_wins_until_dropped() {
    use spindle_executor::park::Parker;
    let rt = spindle::Runtime::new().unwrap();
    let own = spindle_timer::TimerDriver::new(Parker::new());
    rt.block_on(async {
        let runtime_timer = spindle_timer::Handle::current();
        assert!(!runtime_timer.same_timer(&own.handle()));
        {
            let _guard = own.handle().enter();
            assert!(spindle_timer::Handle::current().same_timer(&own.handle()));
        }
        assert!(spindle_timer::Handle::current().same_timer(&runtime_timer));
    });
}

#[test]
fn timer_shards_follow_the_resolved_worker_count() {
    for workers in [1, 3] {
        let rt = spindle::Builder::new_multi_thread().worker_threads(workers).build().unwrap();
        let debug = rt.block_on(async { format!("{:?}", spindle_timer::Handle::current()) });
        assert!(debug.contains(&format!("shards: {workers}")), "{workers} workers: {debug}");
    }
    let rt = spindle::Builder::new_current_thread().build().unwrap();
    let debug = rt.block_on(async { format!("{:?}", spindle_timer::Handle::current()) });
    assert!(debug.contains("shards: 1"), "current-thread: {debug}");
}

#[test]
fn facade_types_stay_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<spindle::Runtime>();
    send_sync::<spindle::Handle>();
    send_sync::<spindle::runtime::RuntimeMetrics>();
}
