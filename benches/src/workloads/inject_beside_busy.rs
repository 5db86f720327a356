//! Tasks injected from outside while every worker runs polls of about
//! 50 µs (issue 12: the self-tuned global queue interval):
//!
//! * `inject_latency_50us`: a sample is the median delay from
//!   `spawn_remote` to the injected task's start, over the tasks injected
//!   (one every [`INJECT_EVERY`]) while the busy tasks run. A worker whose
//!   deque never empties looks at the shared queue only every
//!   `global_queue_interval` ticks: tokio's rule (since 1.31, and
//!   spindle's) tunes that to about 200 µs / the mean poll, 4 here; fixed
//!   at 61 it is about 3 ms of polls.
//! * `busy_time_50us`: a sample is the wall time until the busy tasks
//!   ([`BUSY_TASKS_PER_WORKER`] per worker, [`BUSY_POLLS`] polls of
//!   [`POLL`] each, yielding between polls) have all finished, with the
//!   same injection going on: what the extra looks at the shared queue
//!   cost the busy tasks' throughput.
//! * `inject_latency_50us_fixed61`, `busy_time_50us_fixed61`: the same on
//!   spindle and tokio runtimes built with `global_queue_interval(61)`
//!   (which turns the tuning off); async-executor has no such knob and
//!   runs as in the other rows.
//!
//! The fixed-interval runtimes are built once, on first use, with as many
//! workers as the others.

use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use crate::rows::{Row, Unit};
use crate::rt::{BenchRuntime, Runtimes, Spawner, SpindleRt, TokioRt, Which};

/// One poll of a busy task (a spin, so the poll really is this long).
pub const POLL: Duration = Duration::from_micros(50);
/// Polls per busy task.
pub const BUSY_POLLS: usize = 400;
/// Busy tasks per worker: more than one, so that no deque ever empties.
pub const BUSY_TASKS_PER_WORKER: usize = 2;
/// The main thread's pause between two injections.
pub const INJECT_EVERY: Duration = Duration::from_micros(200);
/// The interval of the `_fixed61` rows (Go's and tokio's old default).
pub const FIXED_INTERVAL: u32 = 61;

/// The four rows, for `rows::ROWS`.
pub const ROWS: [Row; 4] = [
    Row { name: "inject_latency_50us", unit: Unit::Seconds, max_rounds: 10, sample: latency_tuned },
    Row { name: "inject_latency_50us_fixed61", unit: Unit::Seconds, max_rounds: 10, sample: latency_fixed },
    Row { name: "busy_time_50us", unit: Unit::Seconds, max_rounds: 10, sample: busy_tuned },
    Row { name: "busy_time_50us_fixed61", unit: Unit::Seconds, max_rounds: 10, sample: busy_fixed },
];

/// One run: the median injection delay and the busy tasks' wall time.
#[derive(Clone, Copy, Debug)]
pub struct InjectSample {
    /// Median seconds from `spawn_remote` to the injected task's start.
    pub latency: f64,
    /// Seconds until every busy task finished.
    pub busy: f64,
}

fn fixed(workers: usize) -> &'static (SpindleRt, TokioRt) {
    static FIXED: OnceLock<(SpindleRt, TokioRt)> = OnceLock::new();
    FIXED.get_or_init(|| {
        (
            SpindleRt::with_global_queue_interval(workers, FIXED_INTERVAL).expect("spindle runtime"),
            TokioRt::with_global_queue_interval(workers, FIXED_INTERVAL).expect("tokio runtime"),
        )
    })
}

fn sample(rts: &Runtimes, which: Which, fixed_interval: bool) -> InjectSample {
    let workers = rts.workers;
    match (which, fixed_interval) {
        (Which::Spindle, false) => inject_beside_busy(&rts.spindle, workers),
        (Which::Spindle, true) => inject_beside_busy(&fixed(workers).0, workers),
        (Which::Tokio, false) => inject_beside_busy(&rts.tokio, workers),
        (Which::Tokio, true) => inject_beside_busy(&fixed(workers).1, workers),
        (Which::AsyncExecutor, _) => inject_beside_busy(&rts.async_executor, workers),
    }
}

fn latency_tuned(rts: &Runtimes, which: Which) -> f64 {
    sample(rts, which, false).latency
}

fn latency_fixed(rts: &Runtimes, which: Which) -> f64 {
    sample(rts, which, true).latency
}

fn busy_tuned(rts: &Runtimes, which: Which) -> f64 {
    sample(rts, which, false).busy
}

fn busy_fixed(rts: &Runtimes, which: Which) -> f64 {
    sample(rts, which, true).busy
}

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

/// Runs the busy tasks on `workers` workers and injects tasks beside them.
pub fn inject_beside_busy<R: BenchRuntime>(rt: &R, workers: usize) -> InjectSample {
    let busy_tasks = BUSY_TASKS_PER_WORKER * workers.max(1);
    let (done_tx, done_rx) = mpsc::channel::<Instant>();
    let start = Instant::now();
    for _ in 0..busy_tasks {
        let spawner = rt.spawner();
        let done = done_tx.clone();
        rt.spawn_remote(async move {
            for _ in 0..BUSY_POLLS {
                spin(POLL);
                spawner.yield_now().await;
            }
            let _ = done.send(Instant::now());
        });
    }
    let (started_tx, started_rx) = mpsc::channel::<(Instant, Instant)>();
    let mut injected = 0;
    let mut finished = 0;
    let mut first_done = None;
    let mut last_done = start;
    // Bounded: the busy work is well under a second on any of the three.
    let deadline = start + Duration::from_secs(30);
    while finished < busy_tasks {
        assert!(Instant::now() < deadline, "busy tasks did not finish in 30 s");
        while let Ok(at) = done_rx.try_recv() {
            finished += 1;
            first_done.get_or_insert(at);
            last_done = last_done.max(at);
        }
        if first_done.is_none() {
            let started = started_tx.clone();
            let at = Instant::now();
            rt.spawn_remote(async move {
                let _ = started.send((at, Instant::now()));
            });
            injected += 1;
        }
        std::thread::sleep(INJECT_EVERY);
    }
    let first_done = first_done.expect("the busy tasks finished");
    let mut delays: Vec<f64> = (0..injected)
        .map(|_| started_rx.recv_timeout(Duration::from_secs(10)).expect("an injected task ran"))
        // Only the tasks injected while every busy task still ran.
        .filter(|(at, _)| *at < first_done)
        .map(|(at, started)| started.saturating_duration_since(at).as_secs_f64())
        .collect();
    delays.sort_by(f64::total_cmp);
    let latency = delays.get(delays.len() / 2).copied().unwrap_or(0.0);
    InjectSample { latency, busy: last_done.saturating_duration_since(start).as_secs_f64() }
}
