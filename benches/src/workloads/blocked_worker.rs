//! Rows for a worker stuck inside a long poll (issue 12):
//!
//! * `lifo_blocked_wake`: a task spawns another (into its worker's LIFO
//!   slot where the runtime has one), then blocks its worker for 20 ms; a
//!   sample is the median, over 20 such rounds, of the delay until the
//!   spawned task starts. Lower is better: the spawned task is run by
//!   another worker instead of waiting for the block to end.
//! * `cpu_beside_blocked`: one task blocks its worker in 10 ms polls
//!   (sleep, then yield) for one second while the other workers are idle; a
//!   sample is the process's CPU seconds over that second (summed from
//!   every thread's `/proc/self/task/*/schedstat`, nanosecond resolution),
//!   so what the idle workers burn watching the busy one.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::rows::{Row, Unit};
use crate::rt::{BenchRuntime, Runtimes, Spawner, Which};

/// Rounds in one `lifo_blocked_wake` sample.
pub const BLOCKED_WAKE_ROUNDS: usize = 20;
/// How long the spawning task blocks its worker.
pub const BLOCK: Duration = Duration::from_millis(20);
/// One poll of the blocking task in `cpu_beside_blocked`.
pub const BLOCKED_POLL: Duration = Duration::from_millis(10);

/// The two rows, for `rows::ROWS`.
pub const ROWS: [Row; 2] = [
    Row { name: "lifo_blocked_wake", unit: Unit::Seconds, max_rounds: 5, sample: blocked_wake_row },
    Row { name: "cpu_beside_blocked", unit: Unit::Seconds, max_rounds: 5, sample: cpu_row },
];

fn blocked_wake_row(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => blocked_wake(&rts.spindle),
        Which::Tokio => blocked_wake(&rts.tokio),
        Which::AsyncExecutor => blocked_wake(&rts.async_executor),
    }
}

fn cpu_row(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => cpu_beside_blocked(&rts.spindle),
        Which::Tokio => cpu_beside_blocked(&rts.tokio),
        Which::AsyncExecutor => cpu_beside_blocked(&rts.async_executor),
    }
}

/// Median seconds from the spawn to the spawned task's start, while the
/// spawner blocks its worker for [`BLOCK`].
pub fn blocked_wake<R: BenchRuntime>(rt: &R) -> f64 {
    let mut delays = Vec::with_capacity(BLOCKED_WAKE_ROUNDS);
    for _ in 0..BLOCKED_WAKE_ROUNDS {
        let (spawned_tx, spawned_rx) = mpsc::channel::<Instant>();
        let (started_tx, started_rx) = mpsc::channel::<Instant>();
        let spawner = rt.spawner();
        rt.spawn_remote(async move {
            let _ = spawned_tx.send(Instant::now());
            spawner.spawn(async move {
                let _ = started_tx.send(Instant::now());
            });
            std::thread::sleep(BLOCK);
        });
        let spawned = spawned_rx.recv_timeout(Duration::from_secs(10)).expect("the spawner ran");
        let started = started_rx.recv_timeout(Duration::from_secs(10)).expect("the spawned task ran");
        delays.push(started.saturating_duration_since(spawned).as_secs_f64());
        // Let the block end and every worker settle into its idle state.
        std::thread::sleep(BLOCK + Duration::from_millis(5));
    }
    delays.sort_by(f64::total_cmp);
    delays[delays.len() / 2]
}

/// The process's CPU seconds while one task blocks its worker in
/// [`BLOCKED_POLL`] polls for one second.
pub fn cpu_beside_blocked<R: BenchRuntime>(rt: &R) -> f64 {
    let polls = (Duration::from_secs(1).as_nanos() / BLOCKED_POLL.as_nanos()) as usize;
    let (tx, rx) = mpsc::channel::<()>();
    let spawner = rt.spawner();
    // Settle first, so the sample sees the steady state.
    std::thread::sleep(Duration::from_millis(20));
    let before = process_cpu_nanos();
    rt.spawn_remote(async move {
        for _ in 0..polls {
            std::thread::sleep(BLOCKED_POLL);
            spawner.yield_now().await;
        }
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("the blocking task finished");
    let after = process_cpu_nanos();
    after.saturating_sub(before) as f64 / 1e9
}

/// Nanoseconds on CPU of every live thread of this process, from
/// `/proc/self/task/*/schedstat` (0 where it cannot be read).
pub fn process_cpu_nanos() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}
