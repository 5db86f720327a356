//! `timers_cancel`: the cost of a timer that never fires: register, then
//! cancel (a timeout around an operation that finishes in time).
//!
//! [`CANCEL_TASKS`] tasks, spawned from the main thread, each loop
//! [`CANCEL_PER_TASK`] times (1,000,000 timers in all):
//!
//! 1. `deadline = Instant::now() + d`, with `d` a seeded random 1..=10 s in
//!    whole milliseconds (the same list for every runtime), so timers land
//!    on several levels of the wheels; at least a second away, so that the
//!    timer is still pending when polled even if the thread is preempted;
//! 2. create the runtime's timer for `deadline` (spindle's and tokio's
//!    `sleep_until`, `async_io::Timer::at`), pinned on the task's stack;
//! 3. poll it exactly once with the task's context, expecting `Pending`:
//!    all three runtimes register a timer lazily, on its first poll (tokio
//!    allocates and inserts its entry there, async-io queues an insert for
//!    its reactor), so this is what makes each of them really register it.
//!    A pending poll costs no coop budget in spindle or tokio, so the poll
//!    is never turned away for budget. A poll that returns `Ready` is
//!    counted, and the sample panics on the main thread once every task is
//!    done (a task that panicked would leave the sample hanging instead);
//! 4. drop it, which deregisters it (async-io queues a removal).
//!
//! The sample is the wall time from the first spawn until every task has
//! finished, divided by 1,000,000: nanoseconds per timer, with all the
//! workers registering and cancelling concurrently (2 workers: about two
//! timers in flight at once), including the `Instant::now()` each
//! iteration.
//!
//! Why not `timeout(d, ready_future)`: spindle's and tokio's `Timeout`
//! poll the inner future first and return at once when it is ready, so no
//! timer would ever be registered (spindle's docs say so, tokio's code does
//! the same).

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::{Duration, Instant};

use super::timers::{durations_ms, SEED};
use super::{wait, Latch, Workload};
use crate::rt::{BenchRuntime, Spawner};

/// Timers per sample.
pub const TIMERS_CANCEL: usize = CANCEL_TASKS * CANCEL_PER_TASK;
/// Tasks per sample.
pub const CANCEL_TASKS: usize = 100;
/// Timers registered and cancelled by each task.
pub const CANCEL_PER_TASK: usize = 10_000;

fn cancel_durations() -> &'static [Duration] {
    static DURATIONS: OnceLock<Vec<Duration>> = OnceLock::new();
    DURATIONS.get_or_init(|| durations_ms(CANCEL_PER_TASK, 1_000, 10_000, SEED ^ 2))
}

/// Registers and cancels `tasks × per_task` timers on `rt` (at most
/// [`CANCEL_PER_TASK`] per task); returns when all are done.
pub fn cancel_timers<R: BenchRuntime>(rt: &R, tasks: usize, per_task: usize) {
    let durations = &cancel_durations()[..per_task];
    let (latch, done) = Latch::new(tasks);
    let not_pending = Arc::new(AtomicUsize::new(0));
    let spawner = rt.spawner();
    for _ in 0..tasks {
        let latch = latch.clone();
        let not_pending = Arc::clone(&not_pending);
        rt.spawn_remote(async move {
            let mut ready = 0;
            for &d in durations {
                let mut timer = pin!(spawner.sleep_until(Instant::now() + d));
                let first = std::future::poll_fn(|cx| Poll::Ready(timer.as_mut().poll(cx))).await;
                ready += usize::from(first.is_ready());
            }
            not_pending.fetch_add(ready, Ordering::Relaxed);
            latch.count_down();
        });
    }
    wait(rt, done);
    let ready = not_pending.load(Ordering::Relaxed);
    assert_eq!(ready, 0, "{}: {ready} timers at least 1 s away were ready on their first poll", R::NAME);
}

/// The whole `timers_cancel` sample (criterion times it as a whole; the
/// `compare` row divides by [`TIMERS_CANCEL`]).
#[derive(Debug)]
pub struct TimersCancel;

impl Workload for TimersCancel {
    const NAME: &'static str = "timers_cancel";

    fn run<R: BenchRuntime>(rt: &R) {
        cancel_timers(rt, CANCEL_TASKS, CANCEL_PER_TASK);
    }
}
