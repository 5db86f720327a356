//! Work spawned or woken on one worker must reach every idle worker: N tasks
//! that can only finish once all N run at the same time (each blocks its
//! worker until the others arrive) need N workers to be woken. A lost
//! notification shows up as a rendezvous that times out.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{multi, watchdog};
use spindle_executor::Runtime;

const DEADLINE: Duration = Duration::from_secs(5);

/// Blocks this worker until `arrived` reaches `n` (bounded). Returns whether
/// everyone arrived.
fn rendezvous(arrived: &AtomicUsize, n: usize) -> bool {
    arrived.fetch_add(1, Ordering::SeqCst);
    let end = Instant::now() + DEADLINE;
    while arrived.load(Ordering::SeqCst) < n {
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    true
}

fn spawned_from_a_worker(rt: &Runtime, workers: usize) {
    let arrived = Arc::new(AtomicUsize::new(0));
    let ok = rt
        .block_on(rt.spawn({
            let arrived = arrived.clone();
            async move {
                // workers - 1 tasks spawned here, plus this one.
                let hs: Vec<_> = (1..workers)
                    .map(|_| {
                        let a = arrived.clone();
                        spindle_executor::spawn(async move { rendezvous(&a, workers) })
                    })
                    .collect();
                let me = rendezvous(&arrived, workers);
                let mut all = me;
                for h in hs {
                    all &= h.await.unwrap();
                }
                all
            }
        }))
        .unwrap();
    assert!(ok, "only {} of {workers} tasks ran at once", arrived.load(Ordering::SeqCst));
}

fn woken_from_a_worker(rt: &Runtime, workers: usize) {
    let arrived = Arc::new(AtomicUsize::new(0));
    let mut gates = Vec::new();
    let hs: Vec<_> = (1..workers)
        .map(|_| {
            let (gate, inner) = common::Gate::new();
            gates.push(inner);
            let a = arrived.clone();
            rt.spawn(async move {
                gate.await;
                rendezvous(&a, workers)
            })
        })
        .collect();
    // Let them all park on their gates and the workers go idle.
    std::thread::sleep(Duration::from_millis(5));
    let a = arrived.clone();
    let me = rt
        .block_on(rt.spawn(async move {
            for g in gates {
                g.open(); // wakes from this worker: LIFO slot, then deque
            }
            rendezvous(&a, workers)
        }))
        .unwrap();
    let mut all = me;
    for h in hs {
        all &= rt.block_on(h).unwrap();
    }
    assert!(all, "only {} of {workers} woken tasks ran at once", arrived.load(Ordering::SeqCst));
}

#[test]
fn smoke() {
    let rt = multi(2);
    let _w = watchdog(Duration::from_secs(60), "rendezvous smoke");
    for _ in 0..20 {
        spawned_from_a_worker(&rt, 2);
        woken_from_a_worker(&rt, 2);
    }
}

#[test]
fn four_workers_spawned() {
    let rt = multi(4);
    let _w = watchdog(Duration::from_secs(60), "four_workers_spawned");
    for _ in 0..20 {
        spawned_from_a_worker(&rt, 4);
    }
}

#[test]
fn four_workers_woken() {
    let rt = multi(4);
    let _w = watchdog(Duration::from_secs(60), "four_workers_woken");
    for _ in 0..20 {
        woken_from_a_worker(&rt, 4);
    }
}

#[test]
fn four_workers_lifo_disabled() {
    let rt = spindle_executor::Builder::new_multi_thread().worker_threads(4).disable_lifo_slot().build().unwrap();
    let _w = watchdog(Duration::from_secs(60), "four_workers_lifo_disabled");
    for _ in 0..10 {
        spawned_from_a_worker(&rt, 4);
        woken_from_a_worker(&rt, 4);
    }
}
