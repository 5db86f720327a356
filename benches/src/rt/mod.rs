//! The three runtimes behind one pair of traits, so that every workload is
//! written once and monomorphised per runtime (no `dyn` on the hot path).
//!
//! Each runtime is built once per process, by [`Runtimes::new`], with the
//! same number of worker threads, and with a timer: spindle's runtime always
//! has its timer (over its reactor), tokio gets its time driver
//! (`enable_time`, no I/O driver), and async-executor's tasks use
//! `async_io::Timer`, served by async-io's own reactor thread ("async-io"),
//! as smol users run it. The calling thread is never one of the workers: it
//! only spawns from outside and blocks on completion signals.
//!
//! | runtime | spawn from outside | spawn inside a task | wait on main thread | yield | timer |
//! |---|---|---|---|---|---|
//! | spindle | `Runtime::spawn` | `spindle::spawn` | `Runtime::block_on` | `spindle::task::yield_now` | `spindle::time::sleep_until` |
//! | tokio | `Runtime::spawn` | `tokio::spawn` | `Runtime::block_on` | `tokio::task::yield_now` | `tokio::time::sleep_until` |
//! | async-executor | `Executor::spawn` + `detach` | same | `futures_lite::future::block_on` | `futures_lite::future::yield_now` | `async_io::Timer::at` |

mod async_executor;
mod spindle;
mod spindle_obs;
mod tokio;

use std::future::Future;
use std::io;
use std::time::Instant;

pub use self::async_executor::AsyncExecutorRt;
pub use self::spindle::SpindleRt;
pub use self::spindle_obs::SpindleObsRt;
pub use self::tokio::TokioRt;

/// A runtime as seen from outside its workers (the benchmark's main thread).
pub trait BenchRuntime: Send + Sync {
    /// What tasks use to spawn more tasks and to yield.
    type Spawner: Spawner;

    /// The name used in tables and criterion ids.
    const NAME: &'static str;

    /// A spawner for use *inside* this runtime's tasks.
    fn spawner(&self) -> Self::Spawner;

    /// Spawns a detached task from outside the runtime.
    fn spawn_remote<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static;

    /// Blocks the calling thread (not a worker) until `future` completes.
    fn block_on<F: Future>(&self, future: F) -> F::Output;
}

/// Spawning and yielding from inside a task, the way a user of each
/// runtime would write it.
pub trait Spawner: Copy + Send + Sync + 'static {
    /// Spawns a detached task. Only called from inside a task of the runtime.
    fn spawn<F>(self, future: F)
    where
        F: Future<Output = ()> + Send + 'static;

    /// The runtime's own `yield_now`.
    fn yield_now(self) -> impl Future<Output = ()> + Send;

    /// The runtime's own timer future, completing at `deadline`. Like all
    /// three runtimes' timers, it registers on its first poll and
    /// deregisters when dropped. Only called from inside a task.
    fn sleep_until(self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static;
}

/// Which runtime a sample is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// spindle's multi-thread runtime.
    Spindle,
    /// tokio's multi-thread runtime.
    Tokio,
    /// async-executor driven by dedicated threads (the smol pattern).
    AsyncExecutor,
}

impl Which {
    /// All runtimes, in table order.
    pub const ALL: [Which; 3] = [Which::Spindle, Which::Tokio, Which::AsyncExecutor];

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            Which::Spindle => SpindleRt::NAME,
            Which::Tokio => TokioRt::NAME,
            Which::AsyncExecutor => AsyncExecutorRt::NAME,
        }
    }

    /// The name in timer tables: whose timer it is (`async-io` for
    /// async-executor's tasks).
    pub fn timer_name(self) -> &'static str {
        match self {
            Which::Spindle => "spindle",
            Which::Tokio => "tokio",
            Which::AsyncExecutor => "async-io",
        }
    }
}

/// The three runtimes, each built once, with `workers` worker threads,
/// and spindle twice more: with its observability on (the `*/obs` rows run
/// it in the spindle column) and with unpadded task cells (the
/// `bytes_per_idle_task/compact` row).
#[derive(Debug)]
pub struct Runtimes {
    /// spindle.
    pub spindle: SpindleRt,
    /// spindle with names, the poll-time histogram and the watchdog on.
    pub spindle_obs: SpindleObsRt,
    /// spindle with unpadded task cells (`bytes_per_idle_task/compact`).
    pub spindle_compact: SpindleRt,
    /// tokio.
    pub tokio: TokioRt,
    /// async-executor.
    pub async_executor: AsyncExecutorRt,
    /// Worker threads of each.
    pub workers: usize,
}

impl Runtimes {
    /// Builds all three runtimes.
    ///
    /// # Errors
    /// If a runtime cannot start its threads.
    pub fn new(workers: usize) -> io::Result<Runtimes> {
        Ok(Runtimes {
            spindle: SpindleRt::new(workers)?,
            spindle_obs: SpindleObsRt::new(workers)?,
            spindle_compact: SpindleRt::compact(workers)?,
            tokio: TokioRt::new(workers)?,
            async_executor: AsyncExecutorRt::new(workers)?,
            workers,
        })
    }
}
