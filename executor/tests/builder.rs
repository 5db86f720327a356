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
        .driver(|| -> std::io::Result<spindle_executor::park::Parker> { Err(std::io::Error::other("no driver")) })
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

#[test]
fn on_enter_hook_runs_in_block_on_and_on_runtime_threads() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let entered = Arc::new(AtomicUsize::new(0));
    let e = entered.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .on_enter(move || {
            e.fetch_add(1, Ordering::SeqCst);
            Box::new(())
        })
        .build()
        .unwrap();
    assert!(common::wait_until(Duration::from_secs(2), || entered.load(Ordering::SeqCst) >= 2), "workers");
    let before = entered.load(Ordering::SeqCst);
    rt.block_on(async {});
    assert!(entered.load(Ordering::SeqCst) > before, "block_on runs the hook");
    let before = entered.load(Ordering::SeqCst);
    rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    assert!(entered.load(Ordering::SeqCst) > before, "blocking threads run the hook");
}
