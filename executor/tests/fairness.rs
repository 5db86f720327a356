//! Multi-thread scheduling fairness: `yield_now` round-robins, the LIFO slot
//! cannot starve the deque, local spawns cannot starve the injector.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{multi, watchdog};

#[test]
fn yield_now_round_robins_on_one_worker() {
    let rt = multi(1);
    let _w = watchdog(Duration::from_secs(20), "yield_now_round_robins_on_one_worker");
    let log = Arc::new(Mutex::new(Vec::new()));
    rt.block_on(rt.spawn({
        let log = log.clone();
        async move {
            // Spawned from the worker: both start in this worker's queues.
            let hs: Vec<_> = (0..3usize)
                .map(|id| {
                    let log = log.clone();
                    spindle_executor::spawn(async move {
                        for _ in 0..30 {
                            log.lock().unwrap().push(id);
                            spindle_executor::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        }
    }))
    .unwrap();
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 90);
    let mut counts = [0i32; 3];
    for &id in log.iter() {
        counts[id] += 1;
        let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(hi - lo <= 2, "unfair order: {log:?}");
    }
}

/// Two tasks ping-pong through wakes (each wake lands in the LIFO slot);
/// a third task in the deque must still make progress meanwhile.
#[test]
fn lifo_ping_pong_does_not_starve_the_deque() {
    let rt = multi(1);
    let _w = watchdog(Duration::from_secs(20), "lifo_ping_pong_does_not_starve_the_deque");
    let stop = Arc::new(AtomicBool::new(false));
    let other = Arc::new(AtomicUsize::new(0));
    let (s, o) = (stop.clone(), other.clone());
    let pongs = rt
        .block_on(rt.spawn(async move {
            use futures_util::StreamExt;
            let (tx_a, mut rx_a) = futures_channel::mpsc::unbounded::<u32>();
            let (tx_b, mut rx_b) = futures_channel::mpsc::unbounded::<u32>();
            let s2 = s.clone();
            let ponger = spindle_executor::spawn(async move {
                while let Some(v) = rx_a.next().await {
                    if tx_b.unbounded_send(v + 1).is_err() {
                        break;
                    }
                }
            });
            // The bystander: yields in a loop, counting its turns.
            let o2 = o.clone();
            let s3 = s.clone();
            let bystander = spindle_executor::spawn(async move {
                while !s3.load(Ordering::SeqCst) {
                    o2.fetch_add(1, Ordering::SeqCst);
                    spindle_executor::task::yield_now().await;
                }
            });
            let mut n = 0u32;
            tx_a.unbounded_send(0).unwrap();
            while let Some(v) = rx_b.next().await {
                n += 1;
                if o.load(Ordering::SeqCst) >= 100 || n >= 2_000_000 {
                    break;
                }
                tx_a.unbounded_send(v).unwrap();
            }
            s2.store(true, Ordering::SeqCst);
            drop(tx_a);
            ponger.await.unwrap();
            bystander.await.unwrap();
            n
        }))
        .unwrap();
    assert!(other.load(Ordering::SeqCst) >= 100, "the deque task starved ({pongs} ping-pongs)");
}

/// A task that keeps spawning locally must not starve tasks injected from
/// outside the runtime (global_queue_interval).
#[test]
fn local_spawns_do_not_starve_the_injector() {
    let rt = multi(1);
    let _w = watchdog(Duration::from_secs(20), "local_spawns_do_not_starve_the_injector");
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let spinner = rt.spawn(async move {
        // Each generation spawns the next and yields: the worker always has
        // local work.
        while !s.load(Ordering::SeqCst) {
            spindle_executor::spawn(async {});
            spindle_executor::task::yield_now().await;
        }
    });
    std::thread::sleep(Duration::from_millis(10));
    let injected = rt.spawn(async { 7 });
    let out = common::block_on_plain(injected, Duration::from_secs(5));
    stop.store(true, Ordering::SeqCst);
    assert_eq!(out.unwrap(), 7);
    rt.block_on(spinner).unwrap();
}

/// Same with a task that wakes itself without yielding (`wake_by_ref` then
/// `Pending` in every poll), on two workers.
#[test]
fn busy_self_waking_tasks_do_not_starve_others() {
    let rt = multi(2);
    let _w = watchdog(Duration::from_secs(20), "busy_self_waking_tasks_do_not_starve_others");
    let stop = Arc::new(AtomicBool::new(false));
    let busy: Vec<_> = (0..4)
        .map(|_| {
            let s = stop.clone();
            rt.spawn(std::future::poll_fn(move |cx| {
                if s.load(Ordering::SeqCst) {
                    return std::task::Poll::Ready(());
                }
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(10));
    let outs: Vec<_> = (0..20).map(|i| rt.spawn(async move { i })).collect();
    let sum: i32 = outs.into_iter().map(|h| common::block_on_plain(h, Duration::from_secs(5)).unwrap()).sum();
    stop.store(true, Ordering::SeqCst);
    assert_eq!(sum, 190);
    for b in busy {
        rt.block_on(b).unwrap();
    }
}
