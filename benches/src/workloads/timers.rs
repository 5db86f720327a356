//! What the timer rows share: seeded durations, and [`sleep_many`], the
//! "many tasks sleep, each measures how late it woke" workload behind
//! `timers_fire` and `timers_precision`.
//!
//! One call of [`sleep_many`] is one sample:
//!
//! 1. The main thread notes `start` and spawns one task (from outside); that
//!    task spawns one task per duration (from inside, the usual way tasks
//!    that set timers come to exist).
//! 2. Task `i` computes its deadline as `Instant::now() + durations[i]`
//!    right before creating the runtime's timer for that deadline (each
//!    runtime's `sleep_until`, see [`Spawner::sleep_until`]), and awaits it.
//! 3. When it runs again it reads `Instant::now()`: its lateness is that
//!    minus the deadline (signed, so a timer firing early would show as a
//!    negative value and be counted in [`TimerSample::early`]). It stores
//!    that and its wake time (since `start`) in its own slot: no shared
//!    counter that all tasks would contend on (a shared `fetch_max` cost
//!    about 5 % of the workload).
//! 4. The last task to finish fires the completion latch; the main thread
//!    then reads the lateness of every task and the total, the latest wake
//!    time: from the first spawn to the last wake.
//!
//! Lateness thus covers everything a user sees between the deadline and
//! their code running again: timer granularity (tokio rounds deadlines up
//! to its 1 ms tick), the parked thread's wake-up, moving the woken task to
//! a worker, and queueing behind other woken tasks. The durations come from
//! a fixed-seed generator, so every runtime and every round sleeps exactly
//! the same durations, in the same spawn order.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{wait, Latch};
use crate::rt::{BenchRuntime, Spawner};

/// The seed of every timer row's durations.
pub const SEED: u64 = 0x5EED_71E4;

/// `n` durations drawn uniformly from `min_ms..=max_ms` whole milliseconds
/// by a fixed-seed generator (splitmix64): the same list on every call.
pub fn durations_ms(n: usize, min_ms: u64, max_ms: u64, seed: u64) -> Vec<Duration> {
    assert!(min_ms <= max_ms, "empty duration range");
    let span = max_ms - min_ms + 1;
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            Duration::from_millis(min_ms + z % span)
        })
        .collect()
}

/// One sample of [`sleep_many`].
#[derive(Clone, Debug)]
pub struct TimerSample {
    /// Per task, wake time minus deadline, in nanoseconds (negative if the
    /// timer fired early).
    pub lateness_ns: Vec<i64>,
    /// From the first spawn to the last wake.
    pub total: Duration,
}

impl TimerSample {
    /// How many timers fired before their deadline (a runtime bug: every
    /// runtime here promises never to fire early).
    pub fn early(&self) -> usize {
        self.lateness_ns.iter().filter(|&&l| l < 0).count()
    }
}

/// One task's results.
#[derive(Default)]
struct Slot {
    lateness_ns: AtomicI64,
    /// Wake time, since the sample's start.
    wake_ns: AtomicU64,
}

struct Shared {
    slots: Vec<Slot>,
    latch: Latch,
}

pub(crate) fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Runs one sample: one task per entry of `durations`, each sleeping that
/// long (see the module docs for what is measured).
pub fn sleep_many<R: BenchRuntime>(rt: &R, durations: &'static [Duration]) -> TimerSample {
    let n = durations.len();
    let (latch, done) = Latch::new(n);
    let slots = (0..n).map(|_| Slot::default()).collect();
    let shared = Arc::new(Shared { slots, latch });
    let spawner = rt.spawner();
    let spawning = Arc::clone(&shared);
    let start = Instant::now();
    rt.spawn_remote(async move {
        for (i, &d) in durations.iter().enumerate() {
            let shared = Arc::clone(&spawning);
            spawner.spawn(async move {
                let deadline = Instant::now() + d;
                spawner.sleep_until(deadline).await;
                let woke = Instant::now();
                let late = match woke.checked_duration_since(deadline) {
                    Some(late) => nanos(late),
                    None => -nanos(deadline - woke),
                };
                let slot = &shared.slots[i];
                slot.lateness_ns.store(late, Ordering::Relaxed);
                let since_start = u64::try_from(woke.duration_since(start).as_nanos()).unwrap_or(u64::MAX);
                slot.wake_ns.store(since_start, Ordering::Relaxed);
                // The latch's AcqRel count-down orders the stores above
                // before the main thread's reads.
                shared.latch.count_down();
            });
        }
    });
    wait(rt, done);
    let lateness_ns = shared.slots.iter().map(|s| s.lateness_ns.load(Ordering::Relaxed)).collect();
    let last_wake = shared.slots.iter().map(|s| s.wake_ns.load(Ordering::Relaxed)).max().unwrap_or(0);
    TimerSample { lateness_ns, total: Duration::from_nanos(last_wake) }
}
