//! Panics in tasks: captured into the `JoinError`, the worker survives, and
//! panics from destructors on cancel are caught too.

mod common;

use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use common::{counter, current, get, multi};
use spindle_executor::Runtime;

fn rts() -> Vec<Runtime> {
    vec![multi(2), multi(1), current()]
}

#[test]
fn smoke() {
    for rt in rts() {
        let err = rt
            .block_on(rt.spawn(async {
                let n = std::hint::black_box(7);
                panic!("boom {n}")
            }))
            .unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom 7");
    }
}

#[test]
fn custom_payload_is_recoverable() {
    #[derive(Debug, PartialEq)]
    struct Payload(u32);
    let rt = multi(2);
    let err = rt.block_on(rt.spawn(async { panic::panic_any(Payload(42)) })).unwrap_err();
    let p = err.try_into_panic().unwrap();
    assert_eq!(*p.downcast::<Payload>().unwrap(), Payload(42));
}

#[test]
fn resume_unwind_rethrows_the_payload() {
    let rt = multi(2);
    let err = rt.block_on(rt.spawn(async { panic!("again") })).unwrap_err();
    let caught = panic::catch_unwind(AssertUnwindSafe(|| panic::resume_unwind(err.into_panic()))).unwrap_err();
    assert_eq!(*caught.downcast_ref::<&str>().unwrap(), "again");
}

#[test]
fn worker_survives_and_keeps_running_tasks() {
    // With one worker, the same thread must run the tasks after the panics.
    for rt in [multi(1), multi(2), current()] {
        let out = rt.block_on(async {
            let mut panics = Vec::new();
            for i in 0..50 {
                panics.push(spindle_executor::spawn(async move {
                    if i % 2 == 0 {
                        panic!("task {i}");
                    }
                    i
                }));
            }
            let mut ok = 0;
            let mut bad = 0;
            for h in panics {
                match h.await {
                    Ok(_) => ok += 1,
                    Err(e) => {
                        assert!(e.is_panic());
                        bad += 1;
                    }
                }
            }
            (ok, bad)
        });
        assert_eq!(out, (25, 25));
        assert_eq!(rt.block_on(rt.spawn(async { 9 })).unwrap(), 9);
        let m = rt.metrics();
        assert!(common::wait_until(std::time::Duration::from_secs(2), || m.num_alive_tasks() == 0));
    }
}

#[test]
fn join_error_display_mentions_task_id() {
    let rt = multi(2);
    let h = rt.spawn(async { panic!("kaboom") });
    let id = h.id();
    let err = rt.block_on(h).unwrap_err();
    assert_eq!(err.id(), id);
    let shown = err.to_string();
    assert!(shown.contains(&id.to_string()), "{shown}");
    assert!(shown.contains("kaboom"), "{shown}");
    let dbg = format!("{err:?}");
    assert!(dbg.contains("Panic"), "{dbg}");

    let h = rt.spawn(std::future::pending::<()>());
    let id = h.id();
    h.abort();
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_cancelled());
    let shown = err.to_string();
    assert!(shown.contains(&id.to_string()) && shown.contains("cancelled"), "{shown}");
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::Interrupted);
}

#[test]
#[should_panic(expected = "called on a cancelled task's error")]
fn into_panic_on_cancelled_panics() {
    let rt = multi(1);
    let h = rt.spawn(std::future::pending::<()>());
    h.abort();
    let err = rt.block_on(h).unwrap_err();
    let _ = err.into_panic();
}

/// Pending forever; panics in `Drop`.
struct PanicOnDrop;

impl Future for PanicOnDrop {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("drop panicked");
    }
}

#[test]
fn panic_in_drop_during_abort_is_caught() {
    for rt in rts() {
        let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = started.clone();
        let h = rt.spawn(async move {
            let _g = PanicOnDrop;
            s.store(true, Ordering::SeqCst);
            std::future::pending::<()>().await;
        });
        // Let it be polled once so it is idle (holding the guard), then abort.
        rt.block_on(async {
            while !started.load(Ordering::SeqCst) {
                spindle_executor::task::yield_now().await;
            }
        });
        h.abort();
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_panic(), "{err:?}");
        assert_eq!(*err.into_panic().downcast_ref::<&str>().unwrap(), "drop panicked");
        // Still alive.
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    }
}

#[test]
#[allow(clippy::async_yields_async)] // the JoinHandle is returned on purpose
fn panic_in_drop_before_first_poll_abort_is_caught() {
    let rt = multi(2);
    let h = rt.block_on(async {
        let h = spindle_executor::spawn(PanicOnDrop);
        h.abort();
        h
    });
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_panic(), "{err:?}");
}

#[test]
fn panic_in_drop_at_shutdown_is_caught() {
    let drops = counter();
    let rt = multi(2);
    let d = drops.clone();
    let h = rt.spawn(async move {
        let _c = common::DropCounter(d);
        let _g = PanicOnDrop;
        std::future::pending::<()>().await;
    });
    assert!(common::wait_until(std::time::Duration::from_secs(2), || rt.metrics().worker_poll_count(0)
        + rt.metrics().worker_poll_count(1)
        >= 1));
    drop(rt); // must not propagate the destructor's panic
    assert_eq!(get(&drops), 1);
    let err = common::block_on_plain(h, std::time::Duration::from_secs(5)).unwrap_err();
    assert!(err.is_panic(), "{err:?}");
}

/// A future whose drop panics after completion (the output is fine).
#[test]
fn panic_in_drop_after_ready_becomes_the_error() {
    struct ReadyThenPanic;
    impl Future for ReadyThenPanic {
        type Output = u32;
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<u32> {
            Poll::Ready(3)
        }
    }
    impl Drop for ReadyThenPanic {
        fn drop(&mut self) {
            panic!("late drop");
        }
    }
    let rt = multi(2);
    let err = rt.block_on(rt.spawn(ReadyThenPanic)).unwrap_err();
    assert!(err.is_panic());
}

#[test]
fn panicking_output_drop_is_swallowed_when_detached() {
    struct Bomb(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Drop for Bomb {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
            panic!("output drop");
        }
    }
    let c = counter();
    let rt = multi(2);
    let cc = c.clone();
    drop(rt.spawn(async move { Bomb(cc) }));
    assert!(common::wait_until(std::time::Duration::from_secs(2), || get(&c) == 1));
    assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
}

#[test]
fn block_on_future_panic_leaves_runtime_usable() {
    for rt in rts() {
        let h = rt.spawn(async { 4 });
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let _inner = spindle_executor::spawn(async { 1 });
                panic!("block_on future panicked");
            })
        }));
        assert!(caught.is_err());
        // Context and core were restored on unwind.
        assert!(spindle_executor::Handle::try_current().is_err());
        assert_eq!(rt.block_on(h).unwrap(), 4);
        assert_eq!(rt.block_on(async { spindle_executor::spawn(async { 5 }).await.unwrap() }), 5);
    }
}

#[test]
#[should_panic(expected = "JoinHandle polled after it returned the output")]
fn join_handle_polled_after_output_panics() {
    let rt = multi(1);
    let mut h = rt.spawn(async { 1 });
    assert_eq!(rt.block_on(&mut h).unwrap(), 1);
    let _ = common::poll_once(&mut h, std::task::Waker::noop());
}

#[test]
fn panic_payload_dropped_exactly_once() {
    struct Payload(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl Drop for Payload {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    for rt in rts() {
        // Read and dropped.
        let c = counter();
        let cc = c.clone();
        let err = rt.block_on(rt.spawn(async move { panic::panic_any(Payload(cc)) })).unwrap_err();
        assert_eq!(get(&c), 0);
        drop(err);
        assert_eq!(get(&c), 1);
        // Never read: the JoinHandle is dropped after the panic.
        let c = counter();
        let cc = c.clone();
        let h = rt.spawn(async move { panic::panic_any(Payload(cc)) });
        rt.block_on(async {
            while !h.is_finished() {
                spindle_executor::task::yield_now().await;
            }
        });
        assert_eq!(get(&c), 0);
        drop(h);
        assert_eq!(get(&c), 1);
        // Detached before it panics.
        let c = counter();
        let cc = c.clone();
        drop(rt.spawn(async move { panic::panic_any(Payload(cc)) }));
        rt.block_on(async {
            for _ in 0..10 {
                spindle_executor::task::yield_now().await;
            }
        });
        assert!(common::wait_until(std::time::Duration::from_secs(2), || get(&c) == 1));
        drop(rt);
        assert_eq!(get(&c), 1);
    }
}
