//! Spawning from inside and outside a runtime, and the context checks
//! (`spawn`/`Handle::current` outside, `block_on` nested).

mod common;

use common::{current, multi};
use spindle_executor::{Handle, Runtime};

#[test]
#[should_panic(expected = "`spawn` called outside a spindle runtime")]
fn spawn_outside_runtime_panics() {
    drop(spindle_executor::spawn(async {}));
}

#[test]
#[should_panic(expected = "`spawn_blocking` called outside a spindle runtime")]
fn spawn_blocking_outside_runtime_panics() {
    drop(spindle_executor::spawn_blocking(|| {}));
}

#[test]
#[should_panic(expected = "Handle::current() called outside a runtime")]
fn handle_current_outside_panics() {
    let _ = Handle::current();
}

#[test]
fn try_current_outside_is_err_and_inside_is_ok() {
    assert!(Handle::try_current().is_err());
    let rt = multi(2);
    assert!(rt.block_on(async { Handle::try_current().is_ok() }));
    {
        let _g = rt.enter();
        assert!(Handle::try_current().is_ok());
    }
    assert!(Handle::try_current().is_err(), "the guard restores the context");
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn block_on_inside_block_on_panics() {
    let outer = multi(1);
    let inner = current();
    outer.block_on(async {
        inner.block_on(async {});
    });
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn block_on_same_runtime_inside_block_on_panics() {
    let rt = current();
    let h = rt.handle().clone();
    rt.block_on(async move {
        h.block_on(async {});
    });
}

fn panic_message(err: spindle_executor::JoinError) -> String {
    let p = err.into_panic();
    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

#[test]
fn block_on_inside_worker_task_panics() {
    let rt = multi(2);
    let other = Runtime::new().unwrap();
    let oh = other.handle().clone();
    let err = rt
        .block_on(rt.spawn(async move {
            oh.block_on(async { 1 });
        }))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(panic_message(err).contains("Cannot start a runtime from within a runtime"), "wrong message");
    // The worker survived.
    assert_eq!(rt.block_on(rt.spawn(async { 5 })).unwrap(), 5);
}

#[test]
fn block_on_inside_spawn_blocking_is_allowed() {
    let rt = multi(2);
    let h = rt.handle().clone();
    let out =
        rt.block_on(async move { spindle_executor::spawn_blocking(move || h.block_on(async { 7 })).await.unwrap() });
    assert_eq!(out, 7);
}

#[test]
fn spawn_inside_block_on_and_tasks() {
    for rt in [multi(2), current()] {
        let out = rt.block_on(async {
            let a = spindle_executor::spawn(async { spindle_executor::spawn(async { 2 }).await.unwrap() });
            let h = Handle::current();
            let b = h.spawn(async { 3 });
            a.await.unwrap() * b.await.unwrap()
        });
        assert_eq!(out, 6);
    }
}

#[test]
fn spawn_outside_through_runtime_handle_and_enter() {
    for rt in [multi(2), current()] {
        let a = rt.spawn(async { 1 });
        let b = rt.handle().spawn(async { 2 });
        let c = {
            let _g = rt.enter();
            spindle_executor::spawn(async { 3 })
        };
        let h = rt.handle().clone();
        let d = std::thread::spawn(move || h.spawn(async { 4 })).join().unwrap();
        let sum = rt.block_on(async { a.await.unwrap() + b.await.unwrap() + c.await.unwrap() + d.await.unwrap() });
        assert_eq!(sum, 10);
    }
}

#[test]
fn handle_block_on_from_other_thread() {
    let rt = multi(2);
    let h = rt.handle().clone();
    let t = std::thread::spawn(move || h.block_on(async { spindle_executor::spawn(async { 11 }).await.unwrap() }));
    assert_eq!(t.join().unwrap(), 11);
    // The runtime outlives the foreign block_on.
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn worker_threads_see_the_runtime() {
    let rt = multi(2);
    let ok = rt.block_on(rt.spawn(async { Handle::try_current().is_ok() })).unwrap();
    assert!(ok);
    let ok = rt.block_on(rt.spawn_blocking(|| Handle::try_current().is_ok())).unwrap();
    assert!(ok, "blocking threads are inside the runtime too");
}
