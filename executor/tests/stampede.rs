//! One million tasks on a 2-worker runtime, spawned in chunks, all complete
//! in bounded time.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{multi, wait_until, watchdog};

const TOTAL: usize = if cfg!(miri) { 1_000 } else { 1_000_000 };
const CHUNK: usize = 10_000;

#[test]
fn stampede() {
    let rt = multi(2);
    let _w = watchdog(Duration::from_secs(120), "stampede (1,000,000 tasks)");
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let d = done.clone();
    let sum = rt.block_on(async move {
        let mut sum = 0u64;
        for chunk in 0..TOTAL / CHUNK {
            let hs: Vec<_> = (0..CHUNK)
                .map(|i| {
                    let d = d.clone();
                    spindle_executor::spawn(async move {
                        d.fetch_add(1, Ordering::Relaxed);
                        (chunk * CHUNK + i) as u64
                    })
                })
                .collect();
            for h in hs {
                sum += h.await.unwrap();
            }
        }
        sum
    });
    let took = start.elapsed();
    eprintln!("{TOTAL} tasks in {took:?}");
    assert_eq!(done.load(Ordering::Relaxed), TOTAL);
    let n = TOTAL as u64;
    assert_eq!(sum, n * (n - 1) / 2);
    let m = rt.metrics();
    assert!(wait_until(Duration::from_secs(5), || m.num_alive_tasks() == 0));
    let polls: u64 = (0..2).map(|w| m.worker_poll_count(w)).sum();
    assert!(polls >= n, "{polls} polls for {n} tasks");
    assert!(took < Duration::from_secs(30), "1M tasks took {took:?}");
}

/// Spawned from inside a task (so onto a worker's LIFO slot and deque, and
/// stolen by the other worker), detached, counted on completion.
#[test]
fn stampede_from_worker_detached() {
    let rt = multi(2);
    let _w = watchdog(Duration::from_secs(120), "stampede_from_worker_detached");
    let total = TOTAL / 4;
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let start = Instant::now();
    rt.block_on(rt.spawn(async move {
        for i in 0..total {
            let d = d.clone();
            drop(spindle_executor::spawn(async move {
                d.fetch_add(1, Ordering::Relaxed);
            }));
            // Yield now and then so that the queue does not grow unboundedly.
            if i % 4096 == 4095 {
                spindle_executor::task::yield_now().await;
            }
        }
    }))
    .unwrap();
    assert!(wait_until(Duration::from_secs(60), || done.load(Ordering::Relaxed) == total));
    eprintln!("{total} detached tasks in {:?}", start.elapsed());
    assert!(wait_until(Duration::from_secs(5), || rt.metrics().num_alive_tasks() == 0));
}
