//! `LocalSet` and `spawn_local`: `!Send` tasks that stay on the thread that
//! runs the set, on both runtime flavors; abort, panic, drop and cross-thread
//! wakes with tokio's semantics.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use spindle::task::{spawn_local, LocalJoinHandle, LocalSet};
use spindle::{Builder, Runtime};

fn flavors() -> [Runtime; 2] {
    [Builder::new_multi_thread().worker_threads(2).build().unwrap(), Builder::new_current_thread().build().unwrap()]
}

fn _ensure_send_when_output_is() {
    fn is_send<T: Send>() {}
    is_send::<LocalJoinHandle<u32>>();
}

#[test]
fn smoke() {
    for rt in flavors() {
        let local = LocalSet::new();
        let shared = Rc::new(Cell::new(0));
        let s = shared.clone();
        let out = local.block_on(&rt, async move {
            let handles: Vec<_> = (0..10)
                .map(|i| {
                    let s = s.clone();
                    spawn_local(async move {
                        spindle::task::yield_now().await;
                        s.set(s.get() + i);
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(out, 45);
        assert_eq!(shared.get(), 45);
    }
}

#[test]
fn tasks_stay_on_the_owning_thread_even_when_woken_elsewhere() {
    for rt in flavors() {
        let local = LocalSet::new();
        let here = std::thread::current().id();
        let threads = Rc::new(RefCell::new(Vec::new()));
        let t = threads.clone();
        local.block_on(&rt, async move {
            let mut handles = Vec::new();
            for _ in 0..4 {
                let t = t.clone();
                let (tx, rx) = futures_channel::oneshot::channel::<()>();
                // Woken from a worker thread or a plain thread.
                spindle::spawn(async move {
                    spindle::time::sleep(Duration::from_millis(2)).await;
                    let _ = tx.send(());
                });
                handles.push(spawn_local(async move {
                    t.borrow_mut().push(std::thread::current().id());
                    rx.await.unwrap();
                    t.borrow_mut().push(std::thread::current().id());
                }));
            }
            let (tx, rx) = futures_channel::oneshot::channel::<()>();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(2));
                let _ = tx.send(());
            });
            let t2 = t.clone();
            handles.push(spawn_local(async move {
                rx.await.unwrap();
                t2.borrow_mut().push(std::thread::current().id());
            }));
            for h in handles {
                spindle::time::timeout(Duration::from_secs(10), h).await.expect("woken").unwrap();
            }
        });
        assert_eq!(threads.borrow().len(), 9);
        assert!(threads.borrow().iter().all(|id| *id == here));
    }
}

#[test]
fn awaiting_the_set_runs_every_task() {
    for rt in flavors() {
        let local = LocalSet::new();
        let count = Rc::new(Cell::new(0));
        for _ in 0..100 {
            let c = count.clone();
            local.spawn_local(async move {
                spindle::time::sleep(Duration::from_millis(1)).await;
                // Nested spawn from inside a task.
                let c2 = c.clone();
                spawn_local(async move { c2.set(c2.get() + 1) });
                c.set(c.get() + 1);
            });
        }
        rt.block_on(local);
        assert_eq!(count.get(), 200);
    }
}

struct Flag(Arc<AtomicUsize>);

impl Drop for Flag {
    fn drop(&mut self) {
        self.0.store(if std::thread::panicking() { 1 } else { 2 }, Ordering::SeqCst);
    }
}

#[test]
fn abort_drops_the_future_on_the_owning_thread() {
    let rt = Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let local = LocalSet::new();
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = Flag(dropped.clone());
    let h = local.spawn_local(async move {
        let _flag = flag;
        std::future::pending::<()>().await
    });
    local.block_on(&rt, spindle::task::yield_now());
    assert!(!h.is_finished());
    // Abort from another thread (the handle is Send: its output is).
    std::thread::scope(|s| {
        s.spawn(|| h.abort());
    });
    let err = local.block_on(&rt, h).unwrap_err();
    assert!(err.is_cancelled());
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
}

#[test]
fn panicking_task_is_a_join_error_and_dropped_during_the_unwind() {
    let rt = Builder::new_current_thread().build().unwrap();
    let local = LocalSet::new();
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = Flag(dropped.clone());
    let err = local
        .block_on(&rt, async move {
            spawn_local(async move {
                let _flag = flag;
                spindle::task::yield_now().await;
                panic!("local boom");
            })
            .await
        })
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    // The set keeps working.
    assert_eq!(local.block_on(&rt, async { spawn_local(async { 3 }).await.unwrap() }), 3);
}

#[test]
fn dropping_the_set_cancels_its_tasks() {
    let local = LocalSet::new();
    let dropped = Arc::new(AtomicUsize::new(0));
    let flag = Flag(dropped.clone());
    let h = local.spawn_local(async move {
        let _flag = flag;
        std::future::pending::<()>().await
    });
    drop(local);
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    assert!(h.is_finished());
    assert!(futures_executor::block_on(h).unwrap_err().is_cancelled());
}

#[test]
fn spawn_local_outside_a_set_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| rt.block_on(async { drop(spawn_local(async {})) }))).unwrap_err();
    let msg = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("outside of a `task::LocalSet`"), "{msg}");
}

#[test]
fn run_until_is_cancel_safe() {
    let rt = Builder::new_current_thread().build().unwrap();
    let local = LocalSet::new();
    let h = local.spawn_local(async {
        spindle::time::sleep(Duration::from_millis(20)).await;
        7
    });
    // Stop running the set early: the task stays, and finishes later.
    rt.block_on(async {
        let r = spindle::time::timeout(Duration::from_millis(1), local.run_until(std::future::pending::<()>())).await;
        assert!(r.is_err());
    });
    assert_eq!(local.block_on(&rt, h).unwrap(), 7);
}

#[test]
fn an_always_ready_local_task_yields_to_its_siblings() {
    let rt = Builder::new_current_thread().build().unwrap();
    let local = LocalSet::new();
    let done = Rc::new(Cell::new(false));
    let d = done.clone();
    let spinner = local.spawn_local(async move {
        let mut spins = 0u64;
        while !d.get() {
            spindle::task::consume_budget().await;
            spins += 1;
        }
        spins
    });
    local.spawn_local(async move { done.set(true) });
    let spins = local.block_on(&rt, spinner).unwrap();
    assert!(spins <= spindle::coop::BUDGET as u64 + 1, "the sibling ran once the budget was spent: {spins}");
}
