//! Places where spindle used to differ from tokio by accident, one test
//! each: enter guards out of order, `block_on`'s coop budget, dropping a
//! runtime inside async code, a panicking task's future dropped during the
//! unwind, `Sleep::is_elapsed` before the first poll; and the small tokio
//! APIs (`unconstrained`, runtime id, name and flavor, `reset_after`).
//! (A runtime in a `thread_local!` is `runtime_thread_local.rs`.)

use spindle::time::Instant;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use spindle::runtime::RuntimeFlavor;
use spindle::{Builder, Runtime};

fn flavors() -> [Runtime; 2] {
    [Builder::new_multi_thread().worker_threads(2).build().unwrap(), Builder::new_current_thread().build().unwrap()]
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn enter_guards_dropped_out_of_order_panic() {
    let a = Builder::new_current_thread().build().unwrap();
    let b = Builder::new_current_thread().build().unwrap();
    let outer = a.enter();
    let inner = b.enter();
    let err = catch_unwind(AssertUnwindSafe(|| drop(outer))).expect_err("out of order drop must panic");
    assert!(panic_message(&*err).contains("dropped out of order"), "{}", panic_message(&*err));
    // The inner runtime is still current, and the inner guard still works.
    assert_eq!(spindle::Handle::current().id(), b.handle().id());
    drop(inner);
    // Nested in order: fine.
    {
        let _x = a.enter();
        let _y = b.enter();
    }
}

#[test]
fn block_on_always_ready_loop_lets_a_timeout_fire() {
    for rt in flavors() {
        let start = Instant::now();
        let out = rt.block_on(async {
            spindle::time::timeout(Duration::from_millis(20), async {
                loop {
                    spindle::task::consume_budget().await;
                }
            })
            .await
        });
        assert!(out.is_err(), "the timeout fired");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn block_on_loop_does_not_starve_current_thread_tasks() {
    let rt = Builder::new_current_thread().build().unwrap();
    let spins = rt.block_on(async {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        spindle::spawn(async move { flag.store(true, Ordering::SeqCst) });
        let mut spins = 0u64;
        while !done.load(Ordering::SeqCst) {
            spindle::task::consume_budget().await;
            spins += 1;
        }
        spins
    });
    assert!(spins <= spindle::coop::BUDGET as u64 + 1, "the task ran once the budget was spent: {spins}");
}

#[test]
fn unconstrained_never_yields() {
    let rt = Builder::new_current_thread().build().unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let seen = ran.clone();
    rt.block_on(async move {
        spindle::spawn(async move { seen.fetch_add(1, Ordering::SeqCst) });
        spindle::task::unconstrained(async {
            for _ in 0..1000 {
                spindle::task::consume_budget().await;
            }
        })
        .await;
        assert_eq!(ran.load(Ordering::SeqCst), 0, "no yield inside unconstrained");
    });
}

#[test]
fn dropping_a_runtime_inside_async_code_panics() {
    for rt in flavors() {
        let inner = Builder::new_multi_thread().worker_threads(1).build().unwrap();
        let task_ran = inner.spawn(async { 1 });
        let msg = rt.block_on(async move {
            drop(task_ran);
            let err = catch_unwind(AssertUnwindSafe(|| drop(inner))).expect_err("drop in async code panics");
            panic_message(&*err)
        });
        assert!(msg.contains("Cannot drop a runtime in a context where blocking is not allowed"), "{msg}");
        // The way out.
        let inner = Builder::new_current_thread().build().unwrap();
        rt.block_on(async move { inner.shutdown_background() });
    }
    // Inside a task on a worker too.
    let rt = Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let msg = rt.block_on(rt.spawn(async {
        let inner = Builder::new_current_thread().build().unwrap();
        panic_message(&*catch_unwind(AssertUnwindSafe(|| drop(inner))).unwrap_err())
    }));
    let msg = msg.map_err(|e| format!("{e:?}")).unwrap();
    assert!(msg.contains("Cannot drop a runtime"), "{msg}");
}

struct SeesPanic(Arc<AtomicUsize>);

impl Drop for SeesPanic {
    fn drop(&mut self) {
        self.0.store(if std::thread::panicking() { 1 } else { 2 }, Ordering::SeqCst);
    }
}

#[test]
fn panicking_task_future_is_dropped_during_the_unwind() {
    for rt in flavors() {
        let seen = Arc::new(AtomicUsize::new(0));
        let guard = SeesPanic(seen.clone());
        let join = rt.spawn(async move {
            let _guard = guard;
            spindle::task::yield_now().await;
            panic!("boom");
        });
        let err = rt.block_on(join).unwrap_err();
        assert!(err.is_panic());
        assert_eq!(seen.load(Ordering::SeqCst), 1, "Drop ran while panicking");
        // A future that completes normally is dropped outside any unwind.
        let seen = Arc::new(AtomicUsize::new(0));
        let guard = SeesPanic(seen.clone());
        rt.block_on(rt.spawn(async move { drop(guard) })).unwrap();
        assert_eq!(seen.load(Ordering::SeqCst), 2);
    }
}

#[test]
fn sleep_until_now_is_not_elapsed_before_it_fires() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut s = std::pin::pin!(spindle::time::sleep_until(Instant::now()));
        assert!(!s.is_elapsed(), "as tokio: not before the timer fired or was polled");
        s.as_mut().await;
        assert!(s.is_elapsed());
        // Fired by the driver, not polled since.
        let s = spindle::time::sleep(Duration::from_millis(1));
        let mut s = std::pin::pin!(s);
        assert!(spindle::time::timeout(Duration::from_secs(10), s.as_mut()).await.is_ok());
        assert!(s.is_elapsed());
    });
}

#[test]
fn runtime_id_name_and_flavor() {
    let [multi, current] = flavors();
    assert_ne!(multi.handle().id(), current.handle().id());
    assert_eq!(multi.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(current.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    let named = Builder::new_current_thread().enable_all().name("db").build().unwrap();
    assert_eq!(named.handle().name(), Some("db"));
    assert_eq!(multi.handle().name(), None);
    let id: spindle::runtime::Id = named.handle().id();
    assert_eq!(named.block_on(async { spindle::Handle::current().id() }), id);
}

#[test]
fn interval_reset_after() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut every = spindle::time::interval(Duration::from_secs(3600));
        every.tick().await; // the first tick is immediate
        let before = Instant::now();
        every.reset_after(Duration::from_millis(5));
        every.tick().await;
        assert!(before.elapsed() >= Duration::from_millis(5));
        assert!(before.elapsed() < Duration::from_secs(3600));
    });
}
