//! spindle with its observability on, for the `*/obs` rows: the same
//! runtime as [`SpindleRt`](super::SpindleRt) with the poll-time histogram
//! on, the blocked-poll watchdog on (explicitly, at its default threshold)
//! and every task named through `task::Builder` (so each carries a name
//! block with its poll figures).

use std::future::Future;
use std::io;
use std::time::Instant;

use super::{BenchRuntime, Spawner};

/// The name every benchmark task gets.
const TASK_NAME: &str = "bench-task";

/// `spindle::Builder::new_multi_thread().worker_threads(n)`, plus
/// `enable_metrics_poll_time_histogram()` and
/// `watchdog(DEFAULT_WATCHDOG_THRESHOLD)`.
#[derive(Debug)]
pub struct SpindleObsRt {
    rt: spindle::Runtime,
}

impl SpindleObsRt {
    /// Builds the runtime with `workers` workers.
    ///
    /// # Errors
    /// If a worker thread cannot be started.
    pub fn new(workers: usize) -> io::Result<SpindleObsRt> {
        let rt = spindle::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("spindle-obs-worker")
            .enable_metrics_poll_time_histogram()
            .watchdog(spindle::runtime::DEFAULT_WATCHDOG_THRESHOLD)
            .build()?;
        Ok(SpindleObsRt { rt })
    }

    /// The runtime itself, for metrics.
    pub fn runtime(&self) -> &spindle::Runtime {
        &self.rt
    }
}

/// Spawns named tasks through the worker's thread context
/// (`spindle::task::Builder::new().name(..).spawn`).
#[derive(Clone, Copy, Debug)]
pub struct SpindleObsSpawner;

impl Spawner for SpindleObsSpawner {
    fn spawn<F>(self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(spindle::task::Builder::new().name(TASK_NAME).spawn(future).expect("spawned inside the runtime"));
    }

    fn yield_now(self) -> impl Future<Output = ()> + Send {
        spindle::task::yield_now()
    }

    fn sleep_until(self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        spindle::time::sleep_until(deadline.into())
    }
}

impl BenchRuntime for SpindleObsRt {
    type Spawner = SpindleObsSpawner;
    const NAME: &'static str = "spindle+obs";

    fn spawner(&self) -> SpindleObsSpawner {
        SpindleObsSpawner
    }

    fn spawn_remote<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let join = spindle::task::Builder::new().name(TASK_NAME).spawn_on(future, self.rt.handle());
        drop(join.expect("spawn_on does not fail"));
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }
}
