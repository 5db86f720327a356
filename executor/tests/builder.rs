//! `Builder` knobs: argument checks, and settings that change behaviour.

mod common;

use std::time::Duration;

use spindle_executor::Builder;

#[test]
fn smoke() {
    let rt = Builder::new_multi_thread()
        .worker_threads(3)
        .global_queue_interval(1)
        .event_interval(1)
        .max_blocking_threads(1)
        .rng_seed(42)
        .thread_stack_size(256 * 1024)
        .build()
        .unwrap();
    assert_eq!(rt.metrics().num_workers(), 3);
    let out = rt.block_on(async {
        let hs: Vec<_> = (0..200u32).map(|i| spindle_executor::spawn(async move { i })).collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s + spindle_executor::spawn_blocking(|| 1).await.unwrap()
    });
    assert_eq!(out, 19_901);
    let dbg = format!("{:?}", Builder::new_current_thread());
    assert!(dbg.contains("CurrentThread"), "{dbg}");
    assert!(format!("{rt:?}").contains("multi_thread"));
}

#[test]
#[should_panic(expected = "worker_threads must be at least 1")]
fn zero_workers_panics() {
    Builder::new_multi_thread().worker_threads(0);
}

#[test]
#[should_panic(expected = "max_blocking_threads must be at least 1")]
fn zero_blocking_threads_panics() {
    Builder::new_multi_thread().max_blocking_threads(0);
}

#[test]
#[should_panic(expected = "global_queue_interval must be at least 1")]
fn zero_global_queue_interval_panics() {
    Builder::new_multi_thread().global_queue_interval(0);
}

#[test]
#[should_panic(expected = "event_interval must be at least 1")]
fn zero_event_interval_panics() {
    Builder::new_current_thread().event_interval(0);
}

#[test]
fn driver_error_is_returned_from_build() {
    let err = Builder::new_multi_thread()
        .driver(|_| -> std::io::Result<spindle_executor::park::Parker> { Err(std::io::Error::other("no driver")) })
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "no driver");
}

#[test]
fn default_runtime_works_and_shuts_down() {
    let rt = spindle_executor::Runtime::new().unwrap();
    assert!(rt.metrics().num_workers() >= 1);
    let h = rt.spawn(async { 1 });
    assert_eq!(rt.block_on(h).unwrap(), 1);
    let t = std::time::Instant::now();
    drop(rt);
    assert!(t.elapsed() < Duration::from_secs(2));
}

/// A driver factory whose handle records the worker count it was given.
struct CountingDriver;

#[derive(Clone, Debug, PartialEq)]
struct Workers(usize);

impl spindle_executor::runtime::DriverFactory for CountingDriver {
    fn build(
        workers: usize,
        _clock: &spindle_executor::clock::Clock,
    ) -> std::io::Result<Option<(Box<dyn spindle_executor::park::Park>, spindle_executor::context::DriverHandles)>>
    {
        let mut handles = spindle_executor::context::DriverHandles::new();
        handles.insert(Workers(workers));
        Ok(Some((Box::new(spindle_executor::park::Parker::new()), handles)))
    }
}

#[test]
fn driver_handles_are_current_in_block_on_workers_and_blocking_threads() {
    use spindle_executor::context;
    type B = spindle_executor::runtime::Builder<CountingDriver>;
    let rt = B::new_multi_thread().worker_threads(2).build().unwrap();
    assert_eq!(context::driver::<Workers>(), None, "not outside the runtime");
    assert_eq!(rt.block_on(async { context::driver::<Workers>() }), Some(Workers(2)), "block_on");
    let on_worker = rt.block_on(rt.spawn(async { context::driver::<Workers>() })).unwrap();
    assert_eq!(on_worker, Some(Workers(2)), "workers");
    let on_blocking = rt.block_on(rt.spawn_blocking(context::driver::<Workers>)).unwrap();
    assert_eq!(on_blocking, Some(Workers(2)), "blocking threads");
    {
        let _enter = rt.enter();
        assert_eq!(context::driver::<Workers>(), Some(Workers(2)), "Runtime::enter");
    }
    assert_eq!(context::driver::<Workers>(), None, "the guard restores");

    let current = spindle_executor::runtime::Builder::<CountingDriver>::new_current_thread().build().unwrap();
    assert_eq!(current.block_on(async { context::driver::<Workers>() }), Some(Workers(1)), "current-thread: 1");
}

#[test]
fn the_innermost_enter_wins() {
    use spindle_executor::context;
    type B = spindle_executor::runtime::Builder<CountingDriver>;
    let rt = B::new_current_thread().build().unwrap();
    let outer = context::enter_driver(Workers(10));
    {
        let _rt = rt.enter();
        assert_eq!(context::driver::<Workers>(), Some(Workers(1)), "the runtime entered inside");
        let _inner = context::enter_driver(Workers(20));
        assert_eq!(context::driver::<Workers>(), Some(Workers(20)), "a handle entered inside the runtime");
    }
    assert_eq!(context::driver::<Workers>(), Some(Workers(10)), "back to the outer entry");
    drop(outer);
    assert_eq!(context::driver::<Workers>(), None);
}

#[test]
fn driver_gets_the_resolved_worker_count() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let seen = Arc::new(AtomicUsize::new(0));
    let s = seen.clone();
    let _rt = Builder::new_multi_thread()
        .worker_threads(3)
        .driver(move |workers| {
            s.store(workers, Ordering::SeqCst);
            Ok(spindle_executor::park::Parker::new())
        })
        .build()
        .unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}
