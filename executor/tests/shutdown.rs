//! Shutdown with pending tasks: futures dropped, `JoinHandle`s cancelled,
//! late spawns cancelled, late wakers harmless, `shutdown_timeout` bounded.

mod common;

use std::sync::atomic::Ordering;
use std::task::Waker;
use std::time::{Duration, Instant};

use common::{counter, current, get, multi, tracked, wait_until};
use spindle_executor::Runtime;

fn rts() -> Vec<Runtime> {
    vec![multi(2), multi(1), current()]
}

#[test]
fn smoke() {
    for rt in rts() {
        let drops = counter();
        let n = 100;
        let mut handles = Vec::new();
        for i in 0..n {
            let fut: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = if i % 2 == 0 {
                // Never polled on current-thread (no block_on), maybe polled on multi-thread.
                Box::pin(std::future::pending())
            } else {
                Box::pin(async {
                    spindle_executor::task::yield_now().await;
                    std::future::pending::<()>().await
                })
            };
            handles.push(rt.spawn(tracked(fut, &drops)));
        }
        drop(rt);
        assert_eq!(get(&drops), n, "every pending future dropped at shutdown");
        for h in handles {
            assert!(common::block_on_plain(h, Duration::from_secs(2)).unwrap_err().is_cancelled());
        }
    }
}

#[test]
fn join_handles_resolve_from_another_runtime() {
    let rt = multi(2);
    let handles: Vec<_> = (0..10).map(|_| rt.spawn(std::future::pending::<()>())).collect();
    drop(rt);
    let other = multi(2);
    let n = other.block_on(async {
        let mut n = 0;
        for h in handles {
            n += usize::from(h.await.unwrap_err().is_cancelled());
        }
        n
    });
    assert_eq!(n, 10);
}

#[test]
fn join_handle_awaited_on_other_runtime_during_shutdown() {
    // The awaiting task is parked on its JoinHandle when the runtime goes.
    let rt = multi(2);
    let other = multi(2);
    let h = rt.spawn(std::future::pending::<u8>());
    let waiter = other.spawn(h);
    std::thread::sleep(Duration::from_millis(20));
    drop(rt);
    let _w = common::watchdog(Duration::from_secs(10), "join_handle_awaited_on_other_runtime_during_shutdown");
    let res = other.block_on(waiter).unwrap();
    assert!(res.unwrap_err().is_cancelled());
}

#[test]
fn spawn_via_cloned_handle_after_shutdown_is_cancelled() {
    for rt in rts() {
        let handle = rt.handle().clone();
        drop(rt);
        let drops = counter();
        let polls = counter();
        let p = polls.clone();
        let h = handle.spawn(tracked(
            Box::pin(async move {
                p.fetch_add(1, Ordering::SeqCst);
            }),
            &drops,
        ));
        assert_eq!(get(&drops), 1, "the future is dropped at once");
        assert!(h.is_finished());
        let err = common::block_on_plain(h, Duration::from_secs(2)).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(get(&polls), 0);
        // spawn_blocking after shutdown too.
        let b = handle.spawn_blocking(|| 1);
        assert!(common::block_on_plain(b, Duration::from_secs(2)).unwrap_err().is_cancelled());
    }
}

#[test]
fn spawn_from_task_destructor_during_shutdown() {
    type Sent = std::sync::mpsc::Sender<spindle_executor::JoinHandle<()>>;
    struct SpawnOnDrop(std::sync::Arc<std::sync::atomic::AtomicUsize>, std::sync::Mutex<Sent>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let c = self.0.clone();
            // The runtime is current during shutdown; the new task must be
            // cancelled (at once, or when its registry shard closes).
            let h = spindle_executor::spawn(tracked(Box::pin(std::future::pending::<()>()), &c));
            self.1.lock().unwrap().send(h).unwrap();
        }
    }
    for rt in rts() {
        let drops = counter();
        let (tx, rx) = std::sync::mpsc::channel();
        let guard = SpawnOnDrop(drops.clone(), std::sync::Mutex::new(tx));
        let h = rt.spawn(async move {
            let _g = guard;
            std::future::pending::<()>().await
        });
        rt.block_on(async {
            for _ in 0..5 {
                spindle_executor::task::yield_now().await;
            }
        });
        drop(rt);
        let inner = rx.recv().unwrap();
        assert!(inner.is_finished(), "a task spawned during shutdown outlived it");
        assert_eq!(get(&drops), 1);
        assert!(common::block_on_plain(h, Duration::from_secs(2)).unwrap_err().is_cancelled());
        assert!(common::block_on_plain(inner, Duration::from_secs(2)).unwrap_err().is_cancelled());
    }
}

#[test]
fn waker_kept_after_shutdown_is_harmless() {
    for rt in rts() {
        let (tx, rx) = std::sync::mpsc::channel::<Waker>();
        let drops = counter();
        let tx = std::sync::Mutex::new(tx);
        let h = rt.spawn(tracked(
            Box::pin(std::future::poll_fn(move |cx| {
                let _ = tx.lock().unwrap().send(cx.waker().clone());
                std::task::Poll::<()>::Pending
            })),
            &drops,
        ));
        let w1 = rt.block_on(async {
            loop {
                if let Ok(w) = rx.try_recv() {
                    break w;
                }
                spindle_executor::task::yield_now().await;
            }
        });
        let w2 = w1.clone();
        let w3 = w1.clone();
        drop(rt);
        assert_eq!(get(&drops), 1);
        w1.wake_by_ref();
        w1.wake();
        w2.wake_by_ref();
        drop(h);
        w3.wake();
        drop(w2);
        // Wakers sent after the first (polled more than once) are dropped here.
        drop(rx);
        assert_eq!(get(&drops), 1);
    }
}

#[test]
fn shutdown_timeout_bounded_by_blocking_task() {
    let rt = multi(2);
    let done = counter();
    let d = done.clone();
    let started = counter();
    let s = started.clone();
    let _h = rt.spawn_blocking(move || {
        s.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_secs(2));
        d.fetch_add(1, Ordering::SeqCst);
    });
    assert!(wait_until(Duration::from_secs(2), || get(&started) == 1));
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    let took = start.elapsed();
    assert!(took < Duration::from_millis(1500), "shutdown_timeout took {took:?}");
    assert!(took >= Duration::from_millis(90), "returned before the timeout: {took:?}");
    assert_eq!(get(&done), 0);
}

#[test]
fn shutdown_timeout_bounded_by_a_worker_stuck_in_a_poll() {
    let rt = multi(2);
    let started = counter();
    let stuck_dropped = counter();
    let idle_dropped = counter();
    let s = started.clone();
    // A task that blocks its worker for 2 s inside one poll.
    rt.spawn(tracked(
        Box::pin(async move {
            s.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(2));
            std::future::pending::<()>().await;
        }),
        &stuck_dropped,
    ));
    // An idle task, cancelled at shutdown as usual.
    rt.spawn(tracked(Box::pin(std::future::pending::<()>()), &idle_dropped));
    assert!(wait_until(Duration::from_secs(2), || get(&started) == 1));
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    let took = start.elapsed();
    assert!(took < Duration::from_millis(1500), "shutdown_timeout waited for the stuck worker: {took:?}");
    assert_eq!(get(&idle_dropped), 1, "the idle task is cancelled without waiting");
    assert_eq!(get(&stuck_dropped), 0, "the stuck poll is still running");
    // The detached worker drops its (cancelled) task when the poll returns.
    assert!(wait_until(Duration::from_secs(10), || get(&stuck_dropped) == 1));
}

#[test]
fn shutdown_background_returns_at_once() {
    let rt = current();
    let started = counter();
    let s = started.clone();
    rt.spawn_blocking(move || {
        s.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_secs(2));
    });
    assert!(wait_until(Duration::from_secs(2), || get(&started) == 1));
    let start = Instant::now();
    rt.shutdown_background();
    assert!(start.elapsed() < Duration::from_millis(1000));
}

#[test]
fn queued_blocking_tasks_cancelled_at_shutdown() {
    let rt = common_blocking_rt();
    let started = counter();
    let s = started.clone();
    let first = rt.spawn_blocking(move || {
        s.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(300));
        1
    });
    assert!(wait_until(Duration::from_secs(2), || get(&started) == 1));
    let ran = counter();
    let queued: Vec<_> = (0..5)
        .map(|_| {
            let r = ran.clone();
            rt.spawn_blocking(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    drop(rt); // waits for the running closure; cancels the queued ones
    assert_eq!(common::block_on_plain(first, Duration::from_secs(2)).unwrap(), 1);
    let mut cancelled = 0;
    for q in queued {
        match common::block_on_plain(q, Duration::from_secs(2)) {
            Err(e) if e.is_cancelled() => cancelled += 1,
            Err(e) => panic!("{e}"),
            Ok(()) => {}
        }
    }
    assert_eq!(cancelled + get(&ran), 5);
}

fn common_blocking_rt() -> Runtime {
    spindle_executor::Builder::new_multi_thread().worker_threads(1).max_blocking_threads(1).build().unwrap()
}

#[test]
#[allow(clippy::async_yields_async)] // the JoinHandle is returned on purpose
fn many_runtimes_created_and_dropped() {
    for _ in 0..50 {
        let rt = multi(2);
        let h = rt.spawn(async { spindle_executor::spawn(std::future::pending::<()>()) });
        let inner = rt.block_on(h).unwrap();
        drop(rt);
        assert!(common::block_on_plain(inner, Duration::from_secs(2)).unwrap_err().is_cancelled());
    }
}

#[test]
fn drop_while_another_thread_is_in_block_on() {
    for rt in rts() {
        let _w = common::watchdog(Duration::from_secs(20), "drop_while_another_thread_is_in_block_on");
        let drops = counter();
        let task = rt.spawn(tracked(Box::pin(std::future::pending::<u8>()), &drops));
        let (tx, rx) = futures_channel::oneshot::channel::<u8>();
        let handle = rt.handle().clone();
        let t = std::thread::spawn(move || {
            handle.block_on(async move {
                let r = task.await;
                let v = rx.await.unwrap();
                (r.map_err(|e| e.is_cancelled()), v)
            })
        });
        std::thread::sleep(Duration::from_millis(30));
        drop(rt);
        tx.send(4).unwrap();
        let (r, v) = t.join().unwrap();
        assert_eq!(r, Err(true));
        assert_eq!(v, 4);
        assert_eq!(get(&drops), 1);
    }
}

#[test]
fn drop_runtime_inside_spawn_blocking() {
    let rt = multi(2);
    let drops = counter();
    let h = rt.spawn(tracked(Box::pin(std::future::pending::<()>()), &drops));
    let handle = rt.handle().clone();
    let (tx, rx) = std::sync::mpsc::channel();
    handle.spawn_blocking(move || {
        drop(rt);
        tx.send(()).unwrap();
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("dropping the runtime on its own blocking thread hung");
    assert_eq!(get(&drops), 1);
    assert!(common::block_on_plain(h, Duration::from_secs(2)).unwrap_err().is_cancelled());
}

/// As tokio: dropping a runtime on a worker panics ("Cannot drop a runtime
/// in a context where blocking is not allowed"), after shutting it down in
/// the background, so its tasks are still cancelled and nothing hangs.
#[test]
fn drop_runtime_inside_a_task_panics_after_shutting_down() {
    let rt = multi(2);
    let drops = counter();
    let h = rt.spawn(tracked(Box::pin(std::future::pending::<()>()), &drops));
    let (tx, rx) = std::sync::mpsc::channel();
    let holder = std::sync::Arc::new(std::sync::Mutex::new(None::<Runtime>));
    let hh = holder.clone();
    rt.spawn(async move {
        // Wait until the runtime is handed over, then drop it here, on a worker.
        loop {
            let taken = hh.lock().unwrap().take();
            if let Some(rt) = taken {
                let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rt)));
                let msg = dropped.expect_err("drop on a worker panics");
                let msg = msg.downcast_ref::<&str>().copied().unwrap_or_default();
                assert!(msg.contains("Cannot drop a runtime in a context where blocking is not allowed"), "{msg}");
                break;
            }
            spindle_executor::task::yield_now().await;
        }
        tx.send(()).unwrap();
    });
    *holder.lock().unwrap() = Some(rt);
    rx.recv_timeout(Duration::from_secs(10)).expect("dropping the runtime on its own worker hung");
    assert_eq!(get(&drops), 1);
    assert!(common::block_on_plain(h, Duration::from_secs(2)).unwrap_err().is_cancelled());
}

#[test]
fn shutdown_waits_for_the_poll_in_progress() {
    let rt = multi(2);
    let drops = counter();
    let started = counter();
    let s = started.clone();
    let h = rt.spawn(tracked(
        Box::pin(async move {
            s.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(150));
            std::future::pending::<()>().await
        }),
        &drops,
    ));
    assert!(wait_until(Duration::from_secs(2), || get(&started) == 1));
    let t = Instant::now();
    drop(rt);
    assert!(t.elapsed() >= Duration::from_millis(50), "did not wait for the poll");
    assert_eq!(get(&drops), 1);
    assert!(common::block_on_plain(h, Duration::from_secs(2)).unwrap_err().is_cancelled());
}

#[test]
fn wakers_crossing_into_shutdown() {
    // Tasks whose destructors wake other tasks of the same runtime (a
    // sender dropped wakes its receiver) while the registry cancels them.
    for rt in rts() {
        let drops = counter();
        let mut handles = Vec::new();
        for _ in 0..100 {
            let (tx, rx) = futures_channel::oneshot::channel::<()>();
            handles.push(rt.spawn(tracked(
                Box::pin(async move {
                    let _ = rx.await;
                    std::future::pending::<()>().await
                }),
                &drops,
            )));
            handles.push(rt.spawn(tracked(
                Box::pin(async move {
                    let _tx = tx;
                    std::future::pending::<()>().await
                }),
                &drops,
            )));
        }
        rt.block_on(async {
            for _ in 0..10 {
                spindle_executor::task::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(get(&drops), 200);
        for h in handles {
            assert!(common::block_on_plain(h, Duration::from_secs(2)).unwrap_err().is_cancelled());
        }
    }
}
