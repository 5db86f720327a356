//! `task::block_in_place`: the worker's core goes to another thread while
//! a task blocks, on the multi-thread flavor; a clear panic on the
//! current-thread flavor; just a call elsewhere.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use common::{block_on_plain, counter, get, wait_until};
use spindle_executor::task::block_in_place;
use spindle_executor::{Builder, Handle, Runtime};

fn multi(workers: usize) -> Runtime {
    Builder::new_multi_thread().worker_threads(workers).build().unwrap()
}

/// Runs `fut` as a task of `rt` and returns its output.
fn in_task<F>(rt: &Runtime, fut: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(fut)).unwrap()
}

/// The runtime still runs tasks: 100 spawned from inside, all joined.
fn assert_runtime_whole(rt: &Runtime) {
    let n = rt.block_on(async {
        let hs: Vec<_> = (0..100u64).map(|i| spindle_executor::spawn(async move { i })).collect();
        let mut s = 0;
        for h in hs {
            s += h.await.unwrap();
        }
        s
    });
    assert_eq!(n, 4950);
}

/// With one worker, a task blocked in `block_in_place` on something only
/// another task can provide: deadlocks unless the core moved.
#[test]
fn smoke_other_tasks_run_while_one_blocks() {
    let rt = multi(1);
    let (tx, rx) = mpsc::channel();
    let out = rt.block_on(async move {
        let waiter = spindle_executor::spawn(async move {
            block_in_place(|| rx.recv_timeout(Duration::from_secs(20)).expect("the sender task ran"))
        });
        // Spawned from outside the worker: the injector.
        spindle_executor::spawn(async move { tx.send(7).unwrap() });
        waiter.await.unwrap()
    });
    assert_eq!(out, 7);
}

/// The task in the blocker's LIFO slot (spawned just before blocking)
/// runs while it blocks.
#[test]
fn lifo_task_runs_while_one_blocks() {
    let rt = multi(1);
    let out = in_task(&rt, async {
        let (tx, rx) = mpsc::channel();
        // From inside the worker: into its LIFO slot.
        let sender = spindle_executor::spawn(async move { tx.send(5).unwrap() });
        let v = block_in_place(|| rx.recv_timeout(Duration::from_secs(20)).expect("the LIFO task ran"));
        sender.await.unwrap();
        v
    });
    assert_eq!(out, 5);
}

/// Many tasks inside `block_in_place` at once, more than there are
/// workers: each needs a replacement thread for the next to be polled.
/// A second wave reuses the threads of the first.
#[test]
fn stress_many_tasks_block_at_once() {
    const TASKS: usize = if cfg!(miri) { 4 } else { 40 };
    let started = counter();
    let s = started.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || {
            s.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let mut starts = Vec::new();
    for _wave in 0..2 {
        let before = get(&started);
        let arrived = counter();
        let deadline = Instant::now() + Duration::from_secs(30);
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let arrived = arrived.clone();
                rt.spawn(async move {
                    spindle_executor::task::yield_now().await;
                    let n = block_in_place(|| {
                        arrived.fetch_add(1, Ordering::SeqCst);
                        // Everyone blocks here until all have arrived.
                        while get(&arrived) < TASKS {
                            assert!(Instant::now() < deadline, "only {} of {TASKS} arrived", get(&arrived));
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        i * 2
                    });
                    // The task goes on after, on whichever thread.
                    spindle_executor::task::yield_now().await;
                    n
                })
            })
            .collect();
        let sum: usize = rt.block_on(async {
            let mut sum = 0;
            for t in tasks {
                sum += t.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, TASKS * (TASKS - 1));
        starts.push(get(&started) - before);
    }
    // The first wave needs a thread per blocked task; the second finds
    // them as spares.
    assert!(starts[0] >= TASKS - 2, "{starts:?}");
    assert!(starts[1] <= TASKS / 4, "second wave started {} threads: spares not reused ({starts:?})", starts[1]);
    let m = rt.metrics();
    assert_eq!(m.num_workers(), 2);
    assert!(wait_until(Duration::from_secs(10), || m.num_alive_tasks() == 0), "{} alive", m.num_alive_tasks());
    assert_runtime_whole(&rt);
}

#[test]
fn nested_block_in_place() {
    let rt = multi(2);
    let out = in_task(&rt, async {
        let outer = std::thread::current().id();
        block_in_place(|| {
            block_in_place(|| {
                assert_eq!(std::thread::current().id(), outer, "runs on the calling thread");
                3
            }) + 1
        })
    });
    assert_eq!(out, 4);
}

/// After `block_in_place` returns, the same poll may call it again (the
/// core may be gone by then: it blocks in place).
#[test]
fn twice_in_one_poll() {
    let rt = multi(2);
    let out = in_task(&rt, async {
        let a = block_in_place(|| {
            std::thread::sleep(Duration::from_millis(20));
            1
        });
        let b = block_in_place(|| 2);
        a + b
    });
    assert_eq!(out, 3);
}

/// Inside `block_in_place`, `Handle::block_on` works (the thread is not
/// driving), in a task and in `block_on` of a multi-thread runtime.
#[test]
fn block_on_inside_block_in_place() {
    let rt = multi(2);
    let from_task = in_task(&rt, async {
        block_in_place(|| Handle::current().block_on(spindle_executor::spawn(async { 10 })).unwrap())
    });
    assert_eq!(from_task, 10);
    let in_block_on = rt.block_on(async {
        let v = block_in_place(|| Handle::current().block_on(async { 20 }));
        // Driving again afterwards: block_on here still panics.
        let again = std::panic::catch_unwind(|| Handle::current().block_on(async {}));
        assert!(again.is_err(), "block_on inside block_on must still panic");
        v
    });
    assert_eq!(in_block_on, 20);
}

#[test]
fn current_thread_flavor_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(async { block_in_place(|| 1) })))
        .expect_err("block_in_place in a current-thread block_on");
    let msg = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains("can call blocking only when running on the multi-threaded runtime"), "{msg}");
    let err = rt.block_on(rt.spawn(async { block_in_place(|| 1) })).unwrap_err();
    assert!(err.is_panic(), "in a current-thread task");
    // A blocking thread of the same runtime may block.
    assert_eq!(rt.block_on(rt.spawn_blocking(|| block_in_place(|| 2))).unwrap(), 2);
}

#[test]
fn outside_a_runtime_just_runs() {
    let here = std::thread::current().id();
    assert_eq!(block_in_place(|| std::thread::current().id()), here);
    let rt = multi(1);
    let _guard = rt.enter();
    assert_eq!(block_in_place(|| 5), 5, "entered but not driving");
}

/// A panic in the closure reaches the task's `JoinHandle`, and the
/// worker (wherever its core ended up) keeps running tasks.
#[test]
fn panic_inside_block_in_place() {
    let rt = multi(1);
    for slow in [false, true] {
        let err = rt
            .block_on(rt.spawn(async move {
                block_in_place(move || {
                    if slow {
                        std::thread::sleep(Duration::from_millis(30));
                    }
                    panic!("boom in block_in_place")
                })
            }))
            .unwrap_err();
        assert!(err.is_panic());
        assert_runtime_whole(&rt);
    }
}

/// A worker blocked in `block_in_place` is not a blocked poll: the
/// watchdog does not report it.
#[test]
fn watchdog_does_not_report_block_in_place() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .watchdog(Duration::from_millis(40))
        .on_blocked_poll(move |p| s.lock().unwrap().push(p.task_id()))
        .build()
        .unwrap();
    let j = rt.spawn(async { block_in_place(|| std::thread::sleep(Duration::from_millis(300))) });
    let id = j.id();
    rt.block_on(j).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(!seen.lock().unwrap().contains(&id), "reported: {:?}", seen.lock().unwrap());
}

/// Shutdown while a task is inside `block_in_place`: with a deadline it
/// returns in time and reports the task; the thread finishes later.
#[test]
fn shutdown_while_inside_block_in_place() {
    let rt = multi(2);
    let (entered, wait_entered) = mpsc::channel();
    let (release, wait_release) = mpsc::channel::<()>();
    let done = counter();
    let d = done.clone();
    let j = rt.spawn(async move {
        block_in_place(move || {
            entered.send(()).unwrap();
            let _ = wait_release.recv_timeout(Duration::from_secs(20));
            d.fetch_add(1, Ordering::SeqCst);
        })
    });
    let id = j.id();
    wait_entered.recv_timeout(Duration::from_secs(10)).unwrap();
    // Other work still runs meanwhile.
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    let start = Instant::now();
    let report = rt.shutdown_timeout(Duration::from_millis(100));
    assert!(start.elapsed() < Duration::from_secs(10), "shutdown took {:?}", start.elapsed());
    assert!(report.unfinished().any(|t| t.id() == id), "{report}");
    release.send(()).unwrap();
    assert!(wait_until(Duration::from_secs(10), || get(&done) == 1));
    // The poll returned after the shutdown: the JoinHandle resolves (to the
    // output, or cancelled), it does not hang.
    let out = block_on_plain(j, Duration::from_secs(10));
    assert!(!out.is_err_and(|e| e.is_panic()));
}

/// Dropping the runtime (no deadline) while a task blocks in
/// `block_in_place` waits for the closure, then returns.
#[test]
fn drop_while_inside_block_in_place_waits_for_it() {
    let rt = multi(2);
    let (entered, wait_entered) = mpsc::channel();
    let finished = Arc::new(AtomicUsize::new(0));
    let f = finished.clone();
    let _j = rt.spawn(async move {
        block_in_place(move || {
            entered.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            f.store(1, Ordering::SeqCst);
        })
    });
    wait_entered.recv_timeout(Duration::from_secs(10)).unwrap();
    let (dropped, wait_dropped) = mpsc::channel();
    std::thread::spawn(move || {
        drop(rt);
        dropped.send(()).unwrap();
    });
    wait_dropped.recv_timeout(Duration::from_secs(20)).expect("drop returned");
    assert_eq!(finished.load(Ordering::SeqCst), 1, "drop waited for the closure");
}

/// Hand-offs keep the per-worker counters whole: every poll is counted
/// once, on one of the two workers.
#[test]
fn worker_metrics_survive_hand_offs() {
    let rt = multi(2);
    let m = rt.metrics();
    let polls_before: u64 = (0..2).map(|w| m.worker_poll_count(w)).sum();
    rt.block_on(async {
        let hs: Vec<_> = (0..20)
            .map(|_| spindle_executor::spawn(async { block_in_place(|| std::thread::sleep(Duration::from_millis(2))) }))
            .collect();
        for h in hs {
            h.await.unwrap();
        }
    });
    let polls: u64 = (0..2).map(|w| m.worker_poll_count(w)).sum::<u64>() - polls_before;
    assert!(polls >= 20, "{polls} polls counted for 20 tasks");
    assert!(wait_until(Duration::from_secs(10), || m.num_alive_tasks() == 0));
}
