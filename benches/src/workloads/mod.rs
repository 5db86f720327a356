//! The workloads, one file per family, each written once over
//! [`BenchRuntime`].
//!
//! Every timed workload returns only after all of its tasks have finished:
//! the main thread blocks on a completion signal fired by the last task, so
//! the time covers spawning, scheduling, running and completing, never just
//! the spawn calls. Signals and counters are runtime-agnostic
//! (`futures-channel`, atomics), identical for all three runtimes.
//!
//! The timer rows (`timers_fire`, `timers_precision`) return a distribution
//! ([`TimerSample`]: each timer's lateness, and the total) rather than one
//! time; `timers_cancel` is timed like the others. See [`timers`].

mod block_on;
pub mod blocked_worker;
mod chained_spawn;
mod idle_task;
pub mod inject_beside_busy;
mod join_set;
mod pacer;
mod ping_pong;
mod spawn_many;
pub mod sync_mpsc;
pub mod sync_mutex;
pub mod sync_oneshot;
pub mod sync_rows;
pub mod timers;
mod timers_cancel;
mod timers_fire;
mod timers_floor;
mod timers_precision;
mod tokio_io_codec;
mod yield_many;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_channel::oneshot;

use crate::rt::BenchRuntime;

pub use self::block_on::{block_on_overhead, BLOCK_ONS};
pub use self::chained_spawn::ChainedSpawn;
pub use self::idle_task::{bytes_per_idle_task, IDLE_TASKS};
pub use self::join_set::{join_set_async_executor, join_set_spindle, join_set_tokio, JOIN_SET_TASKS};
pub use self::pacer::{
    pacer_by_hand, pacer_floor, pacer_spindle, PACER_EVENTS, PACER_RATE, PACER_SHARES, PRECISE_SPIN,
};
pub use self::ping_pong::PingPong;
pub use self::spawn_many::{SpawnManyLocal, SpawnManyRemote};
pub use self::timers::{sleep_many, TimerSample};
pub use self::timers_cancel::{cancel_timers, TimersCancel, CANCEL_PER_TASK, CANCEL_TASKS, TIMERS_CANCEL};
pub use self::timers_fire::{fire_durations, timers_fire, TimersFire, TIMERS_FIRE};
pub use self::timers_floor::os_floor;
pub use self::timers_precision::{precision_durations, timers_precision, TIMERS_PRECISION};
pub use self::tokio_io_codec::{tokio_io_codec, CODEC_LINES};
pub use self::yield_many::YieldMany;

/// A workload timed as a whole: one call of [`run`](Workload::run) is one
/// sample.
pub trait Workload {
    /// Row name and criterion group.
    const NAME: &'static str;

    /// Runs the workload to completion on `rt`.
    fn run<R: BenchRuntime>(rt: &R);
}

/// Counts `n` completions down; the last one fires a oneshot.
#[derive(Clone, Debug)]
pub(crate) struct Latch {
    inner: Arc<LatchInner>,
}

#[derive(Debug)]
struct LatchInner {
    remaining: AtomicUsize,
    done: Mutex<Option<oneshot::Sender<()>>>,
}

impl Latch {
    /// A latch for `n` count-downs and the receiver its last one fires.
    pub(crate) fn new(n: usize) -> (Latch, oneshot::Receiver<()>) {
        let (tx, rx) = oneshot::channel();
        let inner = LatchInner { remaining: AtomicUsize::new(n), done: Mutex::new(Some(tx)) };
        (Latch { inner: Arc::new(inner) }, rx)
    }

    /// Counts one completion down.
    pub(crate) fn count_down(&self) {
        if self.inner.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            let tx = self.inner.done.lock().unwrap().take();
            let _ = tx.expect("latch counted below zero").send(());
        }
    }
}

/// Blocks on `done` and panics if the signal was dropped (a lost task).
pub(crate) fn wait<R: BenchRuntime>(rt: &R, done: oneshot::Receiver<()>) {
    rt.block_on(done).unwrap_or_else(|_| panic!("{}: completion signal dropped", R::NAME));
}
