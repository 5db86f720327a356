//! `spindle::task::JoinSet`: completion order, aborting, dropping,
//! detaching, slot reuse, and both runtime flavors.

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures_channel::oneshot;
use spindle::task::JoinSet;
use spindle::{Builder, Runtime};

fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).build().unwrap()
}

/// Counts its drops.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn smoke() {
    for rt in [current_thread(), multi_thread()] {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..100u64 {
                set.spawn(async move { i });
            }
            assert_eq!(set.len(), 100);
            let mut seen = Vec::new();
            while let Some(res) = set.join_next().await {
                seen.push(res.unwrap());
            }
            seen.sort_unstable();
            assert_eq!(seen, (0..100).collect::<Vec<_>>());
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
        });
    }
}

#[test]
fn completion_order() {
    let rt = multi_thread();
    rt.block_on(async {
        let (tx_a, rx_a) = oneshot::channel::<()>();
        let (tx_b, rx_b) = oneshot::channel::<()>();
        let mut set = JoinSet::new();
        set.spawn(async move {
            rx_a.await.unwrap();
            'a'
        });
        set.spawn(async move {
            rx_b.await.unwrap();
            'b'
        });
        tx_b.send(()).unwrap();
        assert_eq!(set.join_next().await.unwrap().unwrap(), 'b');
        tx_a.send(()).unwrap();
        assert_eq!(set.join_next().await.unwrap().unwrap(), 'a');
    });
}

#[test]
fn many_tasks() {
    let rt = multi_thread();
    rt.block_on(async {
        let n = 20_000u64;
        let mut set = JoinSet::new();
        for i in 0..n {
            set.spawn(async move {
                if i % 3 == 0 {
                    spindle::task::yield_now().await;
                }
                i
            });
        }
        let mut sum = 0;
        while let Some(res) = set.join_next().await {
            sum += res.unwrap();
        }
        assert_eq!(sum, n * (n - 1) / 2);
    });
}

#[test]
fn join_next_with_id_matches_abort_handle() {
    let rt = current_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        let a = set.spawn(async { 1 });
        let b = set.spawn(async { 2 });
        let mut got = Vec::new();
        while let Some(res) = set.join_next_with_id().await {
            got.push(res.unwrap());
        }
        got.sort_by_key(|&(_, v)| v);
        assert_eq!(got, [(a.id(), 1), (b.id(), 2)]);
    });
}

#[test]
fn abort_all_gives_cancelled_errors() {
    let rt = multi_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..10 {
            set.spawn(std::future::pending::<()>());
        }
        set.abort_all();
        assert_eq!(set.len(), 10);
        let mut cancelled = 0;
        while let Some(res) = set.join_next().await {
            assert!(res.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 10);
    });
}

#[test]
fn abort_one_by_handle() {
    let rt = current_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        let abort = set.spawn(std::future::pending::<u8>());
        set.spawn(async { 7u8 });
        abort.abort();
        let mut results: Vec<_> = Vec::new();
        while let Some(res) = set.join_next_with_id().await {
            results.push(res);
        }
        assert_eq!(results.len(), 2);
        assert!(results.iter().any(|r| matches!(r, Ok((_, 7)))));
        let err = results.into_iter().find_map(Result::err).unwrap();
        assert!(err.is_cancelled());
        assert_eq!(err.id(), abort.id());
    });
}

#[test]
fn drop_aborts_every_task() {
    let rt = multi_thread();
    let drops = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..50 {
            let guard = DropCount(drops.clone());
            set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
        }
        spindle::task::yield_now().await;
        drop(set);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while drops.load(Ordering::SeqCst) < 50 {
            assert!(std::time::Instant::now() < deadline, "aborted tasks were not dropped");
            spindle::time::sleep(Duration::from_millis(1)).await;
        }
    });
}

#[test]
fn shutdown_empties_the_set() {
    let rt = multi_thread();
    let drops = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut set = JoinSet::new();
        for _ in 0..20 {
            let guard = DropCount(drops.clone());
            set.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
        }
        set.shutdown().await;
        assert!(set.is_empty());
        // Every task has finished (its JoinHandle saw it), so every
        // future has been dropped.
        assert_eq!(drops.load(Ordering::SeqCst), 20);
    });
}

#[test]
fn detach_all_lets_tasks_finish() {
    let rt = multi_thread();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let mut set = JoinSet::new();
        set.spawn(async move {
            go_rx.await.unwrap();
            tx.send(5).unwrap();
        });
        set.detach_all();
        assert!(set.is_empty());
        drop(set);
        go_tx.send(()).unwrap();
        assert_eq!(rx.await.unwrap(), 5);
    });
}

#[test]
fn detached_set_is_reusable() {
    let rt = current_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { 1 });
        set.detach_all();
        set.spawn(async { 2 });
        assert_eq!(set.join_next().await.unwrap().unwrap(), 2);
        assert!(set.join_next().await.is_none());
    });
}

#[test]
fn try_join_next_does_not_wait() {
    let rt = current_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        assert!(set.try_join_next().is_none());
        set.spawn(async { 3 });
        // Not run yet: the current-thread runtime runs it when we yield.
        let mut tries = 0;
        let value = loop {
            if let Some(res) = set.try_join_next() {
                break res.unwrap();
            }
            tries += 1;
            assert!(tries < 1_000, "a finished task never showed up in try_join_next");
            spindle::task::yield_now().await;
        };
        assert_eq!(value, 3);
        assert!(set.try_join_next().is_none());
        assert!(set.is_empty());
    });
}

#[test]
fn join_all_collects_and_resumes_panics() {
    let rt = multi_thread();
    let mut all = rt.block_on(async {
        let set: JoinSet<u32> = (0..5).map(|i| async move { i }).collect();
        set.join_all().await
    });
    all.sort_unstable();
    assert_eq!(all, [0, 1, 2, 3, 4]);

    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { panic!("boom in a set") });
            set.spawn(async {});
            set.join_all().await
        })
    }));
    let payload = res.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in a set"));
}

#[test]
fn panics_come_back_as_join_errors() {
    let rt = multi_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { panic!("task panic") });
        let err = set.join_next().await.unwrap().unwrap_err();
        assert!(err.is_panic());
    });
}

#[test]
fn spawn_on_and_spawn_blocking() {
    let rt = multi_thread();
    let mut set = JoinSet::new();
    set.spawn_on(async { 1 }, rt.handle());
    set.spawn_blocking_on(|| 2, rt.handle());
    let mut got = rt.block_on(async {
        set.spawn_blocking(|| 3);
        let mut got = Vec::new();
        while let Some(res) = set.join_next().await {
            got.push(res.unwrap());
        }
        got
    });
    got.sort_unstable();
    assert_eq!(got, [1, 2, 3]);
}

#[test]
fn cancelled_join_next_loses_nothing() {
    let rt = current_thread();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel::<()>();
        let mut set = JoinSet::new();
        set.spawn(async move {
            rx.await.unwrap();
            10
        });
        // Poll join_next once (pending), then drop that future.
        let first = poll_fn(|cx| match set.poll_join_next(cx) {
            Poll::Pending => Poll::Ready(None),
            Poll::Ready(res) => Poll::Ready(Some(res)),
        })
        .await;
        assert!(first.is_none());
        tx.send(()).unwrap();
        assert_eq!(set.join_next().await.unwrap().unwrap(), 10);
    });
}

#[test]
fn reused_slots_ignore_stale_wakeups() {
    let rt = multi_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        for round in 0..200u32 {
            for i in 0..8 {
                set.spawn(async move {
                    spindle::task::yield_now().await;
                    round * 8 + i
                });
            }
            let mut got = 0;
            while let Some(res) = set.join_next().await {
                let v = res.unwrap();
                assert_eq!(v / 8, round, "a value from another round");
                got += 1;
            }
            assert_eq!(got, 8);
        }
    });
}

#[test]
fn waits_across_a_parked_join_next() {
    let rt = multi_thread();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async {
            spindle::time::sleep(Duration::from_millis(20)).await;
            "late"
        });
        assert_eq!(set.join_next().await.unwrap().unwrap(), "late");
    });
}

#[test]
fn debug_shows_len() {
    let set = JoinSet::<()>::new();
    assert_eq!(format!("{set:?}"), "JoinSet { len: 0 }");
}

#[allow(dead_code)]
fn _ensure_send_and_sync() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<JoinSet<u32>>();
    is_send_sync::<spindle::task::AbortHandle>();
}
