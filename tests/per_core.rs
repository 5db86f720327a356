//! `runtime::PerCore`: one runtime per thread, results in core order,
//! borrowing closures, timers and sockets per core, panics reported with
//! their core while the other cores finish.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use spindle::runtime::{CorePanic, PerCore};

#[test]
fn smoke() {
    let out = PerCore::new().cores(2).run(|ctx| (ctx.index(), ctx.cores())).unwrap();
    assert_eq!(out, [(0, 2), (1, 2)]);
}

#[test]
fn each_core_has_its_own_thread_and_runtime() {
    let threads = Mutex::new(Vec::new());
    let out = PerCore::new()
        .cores(3)
        .run(|ctx| {
            threads.lock().unwrap().push(std::thread::current().id());
            ctx.block_on(async {
                // Tasks spawned here run on this thread.
                let me = std::thread::current().id();
                let there = spindle::spawn(async { std::thread::current().id() }).await.unwrap();
                assert_eq!(me, there);
                spindle::time::sleep(Duration::from_millis(1)).await;
                let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                listener.local_addr().unwrap().port()
            })
        })
        .unwrap();
    assert_eq!(out.len(), 3);
    let mut ids = threads.into_inner().unwrap();
    ids.sort_by_key(|id| format!("{id:?}"));
    ids.dedup();
    assert_eq!(ids.len(), 3, "one thread per core");
}

#[test]
fn closures_borrow_from_the_caller() {
    let counter = AtomicUsize::new(0);
    PerCore::new().cores(4).pin(false).run(|_| counter.fetch_add(1, Ordering::Relaxed)).unwrap();
    assert_eq!(counter.load(Ordering::Relaxed), 4);
}

#[test]
fn pinning_is_reported() {
    let out = PerCore::new().cores(2).run(|ctx| (ctx.is_pinned(), ctx.core_id())).unwrap();
    for (pinned, id) in out {
        // Best effort: pinned implies an id.
        assert!(!pinned || id.is_some());
    }
    let off = PerCore::new().cores(2).pin(false).run(|ctx| (ctx.is_pinned(), ctx.core_id())).unwrap();
    assert_eq!(off, [(false, None), (false, None)]);
}

#[test]
fn more_runtimes_than_cores_wrap_around() {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get()) * 2 + 1;
    let out = PerCore::new().cores(n).run(|ctx| ctx.index()).unwrap();
    assert_eq!(out, (0..n).collect::<Vec<_>>());
}

#[test]
fn a_panic_is_reported_and_the_others_finish() {
    let finished = AtomicUsize::new(0);
    let err = PerCore::new()
        .cores(3)
        .run(|ctx| {
            if ctx.index() == 1 {
                ctx.block_on(async { panic!("core {} failed", 1) });
            }
            std::thread::sleep(Duration::from_millis(10));
            finished.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap_err();
    assert_eq!(finished.load(Ordering::Relaxed), 2);
    let panic = err.get_ref().and_then(|e| e.downcast_ref::<CorePanic>()).expect("a CorePanic");
    assert_eq!(panic.index(), 1);
    assert_eq!(panic.message(), "core 1 failed");
}
