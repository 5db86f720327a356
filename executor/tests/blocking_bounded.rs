//! Back-pressure on the blocking pool: `max_blocking_queue`,
//! `try_spawn_blocking` and `spawn_blocking_bounded` (waiting, cancel
//! safety, shutdown).

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use common::{block_on_plain, counter, counting_waker, get, poll_once, wait_until};
use spindle_executor::{Builder, Runtime};

fn rt(threads: usize, queue: usize, current: bool) -> Runtime {
    let mut b = if current {
        Builder::new_current_thread()
    } else {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2);
        b
    };
    b.max_blocking_threads(threads).max_blocking_queue(queue).build().unwrap()
}

/// Occupies one blocking thread until the returned sender is dropped or
/// sent to; returns once the closure runs.
fn occupy(rt: &Runtime) -> (mpsc::Sender<()>, spindle_executor::JoinHandle<()>) {
    let (started, wait_started) = mpsc::channel();
    let (release, wait_release) = mpsc::channel::<()>();
    let join = rt.spawn_blocking(move || {
        started.send(()).unwrap();
        let _ = wait_release.recv_timeout(Duration::from_secs(20));
    });
    wait_started.recv_timeout(Duration::from_secs(10)).expect("the blocking closure started");
    (release, join)
}

#[test]
fn try_spawn_is_refused_at_the_bound_and_gives_the_closure_back() {
    for current in [false, true] {
        let rt = rt(1, 2, current);
        let (release, busy) = occupy(&rt);
        // Two may wait behind the busy thread; the third is refused.
        let a = rt.try_spawn_blocking(|| 1).unwrap();
        let b = rt.try_spawn_blocking(|| 2).unwrap();
        let err = rt.try_spawn_blocking(|| 3).unwrap_err();
        assert!(err.is_full(), "{err:?}");
        assert!(err.to_string().contains("max_blocking_queue"), "{err}");
        assert_eq!((err.into_inner())(), 3);
        // Plain spawn_blocking queues past the bound (documented).
        let c = rt.spawn_blocking(|| 4);
        assert_eq!(rt.metrics().blocking_queue_depth(), 3);
        release.send(()).unwrap();
        let sum = rt.block_on(async {
            busy.await.unwrap();
            a.await.unwrap() + b.await.unwrap() + c.await.unwrap()
        });
        assert_eq!(sum, 7);
        // Room again once the queue drained.
        assert!(wait_until(Duration::from_secs(5), || rt.try_spawn_blocking(|| ()).is_ok()));
    }
}

#[test]
fn bound_zero_admits_only_what_a_thread_takes_at_once() {
    let rt = rt(2, 0, false);
    let (r1, j1) = occupy(&rt);
    // The second thread may still be started.
    let (r2, j2) = {
        let (started, wait_started) = mpsc::channel();
        let (release, wait_release) = mpsc::channel::<()>();
        let join = rt
            .try_spawn_blocking(move || {
                started.send(()).unwrap();
                let _ = wait_release.recv_timeout(Duration::from_secs(20));
            })
            .unwrap();
        wait_started.recv_timeout(Duration::from_secs(10)).unwrap();
        (release, join)
    };
    assert!(rt.try_spawn_blocking(|| ()).unwrap_err().is_full());
    r1.send(()).unwrap();
    r2.send(()).unwrap();
    rt.block_on(async {
        j1.await.unwrap();
        j2.await.unwrap();
    });
    // Both threads idle now: admitted at once.
    assert!(wait_until(Duration::from_secs(5), || rt.try_spawn_blocking(|| ()).is_ok()));
}

#[test]
fn try_spawn_after_shutdown_is_refused() {
    let rt = rt(1, 1, false);
    let handle = rt.handle().clone();
    drop(rt);
    let err = handle.try_spawn_blocking(|| 5).unwrap_err();
    assert!(err.is_shutdown());
    assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::Other);
}

/// Many threads spawning through both bounded spawns at once: the queue
/// never holds more than the bound beyond what threads are about to take,
/// the bound is actually reached, and every admitted closure runs once.
#[test]
fn stress_bound_is_respected_under_load_from_many_threads() {
    const THREADS: usize = 2;
    const QUEUE: usize = 3;
    const SPAWNERS: usize = 8;
    let per_spawner = if cfg!(miri) { 10 } else { 200 };
    let rt = rt(THREADS, QUEUE, false);
    let ran = counter();
    let admitted = counter();
    let refused = counter();
    let max_depth = counter();
    let deadline = Instant::now() + Duration::from_secs(60);
    std::thread::scope(|s| {
        for i in 0..SPAWNERS {
            let (handle, ran, admitted, refused, max_depth) =
                (rt.handle().clone(), ran.clone(), admitted.clone(), refused.clone(), max_depth.clone());
            s.spawn(move || {
                let metrics = handle.metrics();
                let mut joins = Vec::new();
                for n in 0..per_spawner {
                    assert!(Instant::now() < deadline, "load loop ran out of time");
                    let ran = ran.clone();
                    let work = move || {
                        std::thread::sleep(Duration::from_micros(50));
                        ran.fetch_add(1, Ordering::SeqCst);
                    };
                    let join = if (i + n) % 2 == 0 {
                        match handle.try_spawn_blocking(work) {
                            Ok(join) => Some(join),
                            Err(err) => {
                                assert!(err.is_full());
                                refused.fetch_add(1, Ordering::SeqCst);
                                std::thread::yield_now();
                                None
                            }
                        }
                    } else {
                        Some(block_on_plain(handle.spawn_blocking_bounded(work), Duration::from_secs(30)))
                    };
                    if let Some(join) = join {
                        admitted.fetch_add(1, Ordering::SeqCst);
                        joins.push(join);
                    }
                    max_depth.fetch_max(metrics.blocking_queue_depth(), Ordering::SeqCst);
                }
                for join in joins {
                    block_on_plain(join, Duration::from_secs(30)).unwrap();
                }
            });
        }
        // A sampler beside the spawners.
        let (handle, stop) = (rt.handle().clone(), Arc::new(AtomicBool::new(false)));
        let sampler_stop = stop.clone();
        let sampler_max = max_depth.clone();
        let sampler = s.spawn(move || {
            let metrics = handle.metrics();
            while !sampler_stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                sampler_max.fetch_max(metrics.blocking_queue_depth(), Ordering::SeqCst);
                std::thread::yield_now();
            }
        });
        // Spawners end by themselves; stop the sampler after them.
        while get(&admitted) + get(&refused) < SPAWNERS * per_spawner && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::SeqCst);
        sampler.join().unwrap();
    });
    assert_eq!(get(&ran), get(&admitted), "every admitted closure ran once");
    assert!(get(&refused) > 0, "the load never reached the bound");
    // Queued = waiting (<= QUEUE) + claimed by a notified or starting
    // thread (<= THREADS).
    assert!(get(&max_depth) <= QUEUE + THREADS, "queue reached {} (bound {QUEUE})", get(&max_depth));
}

#[test]
fn waiter_resumes_when_room_appears() {
    for current in [false, true] {
        let rt = rt(1, 0, current);
        let (release, busy) = occupy(&rt);
        let mut fut = Box::pin(rt.handle().spawn_blocking_bounded(|| 9));
        let (waker, _) = counting_waker();
        let w = Waker::from(waker.clone());
        assert!(poll_once(&mut fut, &w).is_pending(), "no room: waits");
        assert!(rt.try_spawn_blocking(|| ()).unwrap_err().is_full(), "try_ does not jump the line");
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(waker.wakes.load(Ordering::SeqCst), 0, "woken without room");
        release.send(()).unwrap();
        assert!(wait_until(Duration::from_secs(10), || waker.wakes.load(Ordering::SeqCst) > 0), "never woken");
        let Poll::Ready(join) = poll_once(&mut fut, &w) else { panic!("woken for room, but still pending") };
        assert_eq!(
            rt.block_on(async {
                busy.await.unwrap();
                join.await.unwrap()
            }),
            9
        );
    }
}

/// Waiters join the line in the order of their first poll and are
/// admitted in that order, whatever order they are polled in afterwards.
#[test]
fn waiters_are_served_in_order() {
    let rt = rt(1, 0, false);
    let (release, busy) = occupy(&rt);
    let order = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let mut waiters: Vec<_> = (0..4)
        .map(|i| {
            let order = order.clone();
            Box::pin(rt.handle().spawn_blocking_bounded(move || order.lock().push(i)))
        })
        .collect();
    let (w, _) = counting_waker();
    let w = Waker::from(w);
    for fut in waiters.iter_mut() {
        assert!(poll_once(fut, &w).is_pending(), "no room yet: joins the line");
    }
    release.send(()).unwrap();
    // Poll the line back to front until everyone is in.
    let mut joins: Vec<Option<spindle_executor::JoinHandle<()>>> = (0..4).map(|_| None).collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while joins.iter().any(Option::is_none) {
        assert!(Instant::now() < deadline, "the line never drained");
        for (i, fut) in waiters.iter_mut().enumerate().rev() {
            if joins[i].is_none() {
                if let Poll::Ready(join) = poll_once(fut, &w) {
                    joins[i] = Some(join);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    rt.block_on(async {
        busy.await.unwrap();
        for join in joins.into_iter().flatten() {
            join.await.unwrap();
        }
    });
    assert_eq!(*order.lock(), vec![0, 1, 2, 3]);
}

/// A waiter dropped while in line, even right after it was woken for room,
/// passes the room on: the next waiter is woken and admitted.
#[test]
fn cancel_dropped_waiter_frees_its_place() {
    for woken_first in [false, true] {
        let rt = rt(1, 0, false);
        let (release, busy) = occupy(&rt);
        let ran_a = Arc::new(AtomicBool::new(false));
        let ra = ran_a.clone();
        let mut a = Box::pin(rt.handle().spawn_blocking_bounded(move || ra.store(true, Ordering::SeqCst)));
        let mut b = Box::pin(rt.handle().spawn_blocking_bounded(|| 2));
        let (wa, _) = counting_waker();
        let (wb, _) = counting_waker();
        let (wa_w, wb_w) = (Waker::from(wa.clone()), Waker::from(wb.clone()));
        assert!(poll_once(&mut a, &wa_w).is_pending());
        assert!(poll_once(&mut b, &wb_w).is_pending());
        if woken_first {
            release.send(()).unwrap();
            assert!(wait_until(Duration::from_secs(10), || wa.wakes.load(Ordering::SeqCst) > 0), "a never woken");
            drop(a);
        } else {
            drop(a);
            release.send(()).unwrap();
        }
        assert!(wait_until(Duration::from_secs(10), || wb.wakes.load(Ordering::SeqCst) > 0), "b never woken");
        let Poll::Ready(join) = poll_once(&mut b, &wb_w) else { panic!("b woken but not admitted") };
        assert_eq!(
            rt.block_on(async {
                busy.await.unwrap();
                join.await.unwrap()
            }),
            2
        );
        assert!(!ran_a.load(Ordering::SeqCst), "a dropped waiter's closure never runs");
    }
}

#[test]
fn cancel_dropped_waiter_drops_its_closure() {
    let rt = rt(1, 0, false);
    let (release, busy) = occupy(&rt);
    let drops = counter();
    let guard = common::DropCounter(drops.clone());
    let mut fut = Box::pin(rt.handle().spawn_blocking_bounded(move || drop(guard)));
    let (w, _) = counting_waker();
    assert!(poll_once(&mut fut, &Waker::from(w)).is_pending());
    drop(fut);
    assert_eq!(get(&drops), 1);
    release.send(()).unwrap();
    rt.block_on(busy).unwrap();
}

/// Shutdown with waiters pending: the runtime's tasks waiting for room are
/// cancelled, a waiter polled outside the runtime resolves to a cancelled
/// `JoinHandle`, and nothing hangs.
#[test]
fn shutdown_with_waiters_pending_never_hangs() {
    for current in [false, true] {
        let rt = rt(1, 0, current);
        let (release, _busy) = occupy(&rt);
        let in_tasks: Vec<_> = (0..8)
            .map(|i| rt.spawn(async move { spindle_executor::spawn_blocking_bounded(move || i).await.await }))
            .collect();
        if current {
            // Let the current-thread tasks reach the line.
            rt.block_on(async {
                for _ in 0..4 {
                    spindle_executor::task::yield_now().await;
                }
            });
        }
        let outside = {
            let fut = rt.handle().spawn_blocking_bounded(|| 1);
            let (done, wait_done) = mpsc::channel();
            std::thread::spawn(move || {
                let join = block_on_plain(fut, Duration::from_secs(20));
                let out = block_on_plain(join, Duration::from_secs(20));
                done.send(out.map_err(|e| e.is_cancelled())).unwrap();
            });
            wait_done
        };
        std::thread::sleep(Duration::from_millis(50));
        let start = Instant::now();
        let report = rt.shutdown_timeout(Duration::from_millis(200));
        assert!(start.elapsed() < Duration::from_secs(10), "shutdown took {:?}", start.elapsed());
        assert_eq!(report.blocking_still_running(), 1, "the busy closure is still running");
        assert_eq!(outside.recv_timeout(Duration::from_secs(10)).expect("the outside waiter resolved"), Err(true));
        for t in in_tasks {
            let out = block_on_plain(t, Duration::from_secs(10));
            assert!(out.is_err_and(|e| e.is_cancelled()), "a task waiting for room was cancelled");
        }
        release.send(()).unwrap();
    }
}

#[test]
fn unbounded_by_default() {
    let rt = Builder::new_multi_thread().worker_threads(1).max_blocking_threads(1).build().unwrap();
    let (release, busy) = occupy(&rt);
    let joins: Vec<_> = (0..100).map(|i| rt.try_spawn_blocking(move || i).unwrap()).collect();
    let one = rt.block_on(rt.handle().spawn_blocking_bounded(|| 1));
    release.send(()).unwrap();
    let sum = rt.block_on(async {
        busy.await.unwrap();
        let mut s = one.await.unwrap();
        for j in joins {
            s += j.await.unwrap();
        }
        s
    });
    assert_eq!(sum, 4951);
}

#[test]
fn task_builder_bounded_spawns() {
    let rt = rt(1, 0, false);
    let (release, busy) = occupy(&rt);
    let _guard = rt.enter();
    let err = spindle_executor::task::Builder::new().name("h").try_spawn_blocking(|| ()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    release.send(()).unwrap();
    let n = rt.block_on(async {
        busy.await.unwrap();
        let f = spindle_executor::task::Builder::new().name("h").spawn_blocking_bounded(|| 3).unwrap();
        f.await.await.unwrap()
    });
    assert_eq!(n, 3);
    drop(_guard);
    let outside = spindle_executor::task::Builder::new().try_spawn_blocking(|| ()).unwrap_err();
    assert!(outside.to_string().contains("outside a spindle runtime"));
}

/// A waiter admitted by the thread that just went idle runs at once, not
/// after that thread's keep-alive (a notify sent while the thread was
/// between "idle" and its wait must not be lost).
#[test]
fn admitted_waiter_runs_without_waiting_for_keep_alive() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .max_blocking_queue(0)
        .thread_keep_alive(Duration::from_secs(60))
        .build()
        .unwrap();
    for _ in 0..if cfg!(miri) { 2 } else { 30 } {
        let (release, busy) = occupy(&rt);
        let fut = rt.handle().spawn_blocking_bounded(|| 5);
        release.send(()).unwrap();
        // 20 s: far below the keep-alive, far above any scheduling delay.
        let n = block_on_plain(
            async {
                busy.await.unwrap();
                fut.await.await.unwrap()
            },
            Duration::from_secs(20),
        );
        assert_eq!(n, 5);
    }
}
