//! The LIFO slot cannot starve: a task placed in the slot of a worker that
//! then blocks in a long poll is taken and run by another worker.

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{counter, get, multi, wait_until};
use spindle_executor::{Builder, Runtime};

const BLOCK: Duration = Duration::from_millis(500);
/// Generous: the LIFO watch steals after 30 µs (1 ms once backed off); a
/// loaded 2-core CI box may add a
/// lot of scheduling noise.
const BOUND: Duration = Duration::from_millis(250);

type Stamp = Arc<Mutex<Option<Instant>>>;

fn stamp() -> Stamp {
    Arc::new(Mutex::new(None))
}

fn set(s: &Stamp) {
    *s.lock().unwrap() = Some(Instant::now());
}

fn read(s: &Stamp) -> Option<Instant> {
    *s.lock().unwrap()
}

/// Runs A: `before` (optional pause inside the poll), then `place` (puts B
/// in this worker's LIFO slot), then blocks the worker for `BLOCK`. Returns
/// (B placed, B started, A's block ended).
fn run_scenario(rt: &Runtime, pause_before: Duration, wake_existing: bool) -> (Instant, Instant, Instant) {
    let placed = stamp();
    let b_ran = stamp();
    let a_done = stamp();
    let (p, b, a) = (placed.clone(), b_ran.clone(), a_done.clone());
    let _w = common::watchdog(Duration::from_secs(30), "starvation scenario");

    // For the "wake an existing task" variant: B is spawned first and
    // parks on a gate that A opens from its poll.
    let existing = if wake_existing {
        let (gate, inner) = common::Gate::new();
        let b2 = b.clone();
        let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = started.clone();
        let h = rt.spawn(async move {
            s.store(true, Ordering::SeqCst);
            gate.await;
            set(&b2);
        });
        assert!(wait_until(Duration::from_secs(2), || started.load(Ordering::SeqCst)));
        // Let B settle into its Pending state.
        std::thread::sleep(Duration::from_millis(10));
        Some((h, inner))
    } else {
        None
    };
    let gate = existing.as_ref().map(|(_, g)| g.clone());

    let a_handle = rt.spawn(async move {
        if !pause_before.is_zero() {
            std::thread::sleep(pause_before);
        }
        let b_handle = match gate {
            Some(g) => {
                set(&p);
                g.open(); // wakes B from this worker: B goes to our LIFO slot
                None
            }
            None => {
                set(&p);
                Some(spindle_executor::spawn(async move { set(&b) }))
            }
        };
        std::thread::sleep(BLOCK);
        set(&a);
        b_handle
    });
    let b_handle = rt.block_on(a_handle).unwrap();
    if let Some(h) = b_handle {
        rt.block_on(h).unwrap();
    }
    if let Some((h, _)) = existing {
        rt.block_on(h).unwrap();
    }
    (read(&placed).unwrap(), read(&b_ran).expect("B never ran"), read(&a_done).unwrap())
}

fn check(name: &str, (placed, b_ran, a_done): (Instant, Instant, Instant)) {
    let waited = b_ran.saturating_duration_since(placed);
    assert!(b_ran < a_done, "{name}: B waited for A's {BLOCK:?} poll to end (B ran {waited:?} after being placed)");
    assert!(waited < BOUND, "{name}: B ran only {waited:?} after being placed");
}

#[test]
fn smoke() {
    let rt = multi(2);
    check("spawn then block", run_scenario(&rt, Duration::ZERO, false));
    let m = rt.metrics();
    let rescues: u64 = (0..2).map(|w| m.worker_lifo_rescue_count(w)).sum();
    assert!(rescues >= 1, "B was not taken by another worker");
}

#[test]
fn other_worker_parked_before_b_was_placed() {
    let rt = multi(2);
    // A pauses 50 ms inside its poll first, so that the other worker has
    // searched, found nothing and parked before B is placed.
    let parks_before: u64 = (0..2).map(|w| rt.metrics().worker_park_count(w)).sum();
    check("parked then spawn", run_scenario(&rt, Duration::from_millis(50), false));
    let parks_after: u64 = (0..2).map(|w| rt.metrics().worker_park_count(w)).sum();
    assert!(parks_after > parks_before);
}

#[test]
fn runtime_fully_idle_before_a() {
    let rt = multi(2);
    // Both workers asleep (no watcher) for a while before A arrives.
    rt.block_on(async {});
    std::thread::sleep(Duration::from_millis(100));
    check("idle runtime", run_scenario(&rt, Duration::ZERO, false));
    std::thread::sleep(Duration::from_millis(100));
    check("idle runtime, paused", run_scenario(&rt, Duration::from_millis(50), false));
}

#[test]
fn woken_task_in_lifo_slot() {
    let rt = multi(2);
    check("wake existing", run_scenario(&rt, Duration::ZERO, true));
    check("wake existing, paused", run_scenario(&rt, Duration::from_millis(50), true));
}

#[test]
fn repeated() {
    let rt = multi(2);
    for i in 0..4 {
        let pause = Duration::from_millis([0, 5, 20, 1][i]);
        check("repeated", run_scenario(&rt, pause, i % 2 == 1));
    }
}

#[test]
fn several_tasks_spawned_before_blocking() {
    // B1..B5: one in the LIFO slot, the rest in the deque (stealable).
    let rt = multi(2);
    let ran = counter();
    let r = ran.clone();
    let a_end = stamp();
    let a = a_end.clone();
    let _w = common::watchdog(Duration::from_secs(30), "several_tasks_spawned_before_blocking");
    rt.block_on(rt.spawn(async move {
        for _ in 0..5 {
            let r = r.clone();
            spindle_executor::spawn(async move {
                r.fetch_add(1, Ordering::SeqCst);
            });
        }
        let r2 = r.clone();
        std::thread::sleep(BLOCK);
        set(&a);
        get(&r2)
    }))
    .map(|during| assert_eq!(during, 5, "not every task ran while A blocked its worker"))
    .unwrap();
    assert_eq!(get(&ran), 5);
}

#[test]
fn lifo_disabled_still_runs_b() {
    let rt = Builder::new_multi_thread().worker_threads(2).disable_lifo_slot().build().unwrap();
    check("lifo disabled", run_scenario(&rt, Duration::ZERO, false));
    check("lifo disabled, paused", run_scenario(&rt, Duration::from_millis(50), false));
}

#[test]
fn chain_while_blocked() {
    // B, rescued, spawns C which spawns D: all run while A blocks.
    let rt = multi(2);
    let d_ran = stamp();
    let a_end = stamp();
    let (d, a) = (d_ran.clone(), a_end.clone());
    let _w = common::watchdog(Duration::from_secs(30), "chain_while_blocked");
    rt.block_on(rt.spawn(async move {
        spindle_executor::spawn(async move {
            spindle_executor::spawn(async move {
                spindle_executor::spawn(async move { set(&d) });
            });
        });
        std::thread::sleep(BLOCK);
        set(&a);
    }))
    .unwrap();
    assert!(wait_until(Duration::from_secs(2), || read(&d_ran).is_some()));
    assert!(read(&d_ran).unwrap() < read(&a_end).unwrap(), "the chain waited for A");
}

#[test]
#[allow(clippy::async_yields_async)] // C's JoinHandle is returned on purpose
fn yielded_task_behind_a_blocking_lifo_task() {
    // A spawns C into its worker's LIFO slot, then yields: the worker runs C
    // next, which blocks, so A (alone in the deque) must be run by the other
    // worker, not after C's poll.
    let rt = multi(2);
    let (placed, resumed, c_done) = (stamp(), stamp(), stamp());
    let (p, r, cd) = (placed.clone(), resumed.clone(), c_done.clone());
    let _w = common::watchdog(Duration::from_secs(30), "yielded_task_behind_a_blocking_lifo_task");
    rt.block_on(rt.spawn(async move {
        let c = spindle_executor::spawn(async move {
            std::thread::sleep(BLOCK);
            set(&cd);
        });
        set(&p);
        spindle_executor::task::yield_now().await;
        set(&r);
        c
    }))
    .map(|c| rt.block_on(c).unwrap())
    .unwrap();
    let waited = read(&resumed).unwrap().saturating_duration_since(read(&placed).unwrap());
    assert!(read(&resumed).unwrap() < read(&c_done).unwrap(), "the yielded task waited for C's poll ({waited:?})");
    assert!(waited < BOUND, "the yielded task resumed only {waited:?} after its yield");
}

#[test]
fn a_lone_yielding_task_wakes_no_sleeper() {
    // A task that blocks its worker in polls that end with a yield, beside
    // an idle worker: the yielded task runs next on its own worker, so the
    // idle one is not woken to steal it (a futex wake and a park per yield).
    let rt = multi(2);
    let m = rt.metrics();
    rt.block_on(rt.spawn(async {})).unwrap();
    let parks = || (0..2).map(|w| m.worker_park_count(w)).sum::<u64>();
    assert!(wait_until(Duration::from_secs(2), || (0..2).all(|w| m.worker_park_unpark_count(w) % 2 == 1)));
    let before = parks();
    rt.block_on(rt.spawn(async {
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(1));
            spindle_executor::task::yield_now().await;
        }
    }))
    .unwrap();
    let during = parks() - before;
    assert!(during < 10, "{during} parks while one task yielded 50 times");
}
