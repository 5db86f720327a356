//! spindle's multi-thread runtime.

use std::future::Future;
use std::io;
use std::time::Instant;

use super::{BenchRuntime, Spawner};

/// `spindle::Builder::new_multi_thread().worker_threads(n)` (its timer is
/// always on).
#[derive(Debug)]
pub struct SpindleRt {
    rt: spindle::Runtime,
}

impl SpindleRt {
    /// Builds the runtime with `workers` workers.
    ///
    /// # Errors
    /// If a worker thread cannot be started.
    pub fn new(workers: usize) -> io::Result<SpindleRt> {
        let rt = spindle::Builder::new_multi_thread().worker_threads(workers).thread_name("spindle-worker").build()?;
        Ok(SpindleRt { rt })
    }

    /// The same with the global queue interval fixed at `interval` (the
    /// tuning off), for the `_fixed61` rows.
    ///
    /// # Errors
    /// If a worker thread cannot be started.
    pub fn with_global_queue_interval(workers: usize, interval: u32) -> io::Result<SpindleRt> {
        let rt = spindle::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("spindle-worker-fixed")
            .global_queue_interval(interval)
            .build()?;
        Ok(SpindleRt { rt })
    }

    /// The same with unpadded task cells (`Builder::pad_task_cells(false)`),
    /// for the `bytes_per_idle_task/compact` row.
    ///
    /// # Errors
    /// If a worker thread cannot be started.
    pub fn compact(workers: usize) -> io::Result<SpindleRt> {
        let rt = spindle::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("spindle-worker-compact")
            .pad_task_cells(false)
            .build()?;
        Ok(SpindleRt { rt })
    }

    /// The runtime itself, for metrics.
    pub fn runtime(&self) -> &spindle::Runtime {
        &self.rt
    }
}

/// Spawns through the worker's thread context (`spindle::spawn`).
#[derive(Clone, Copy, Debug)]
pub struct SpindleSpawner;

impl Spawner for SpindleSpawner {
    fn spawn<F>(self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(spindle::spawn(future));
    }

    fn yield_now(self) -> impl Future<Output = ()> + Send {
        spindle::task::yield_now()
    }

    fn sleep_until(self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        spindle::time::sleep_until(deadline.into())
    }
}

impl BenchRuntime for SpindleRt {
    type Spawner = SpindleSpawner;
    const NAME: &'static str = "spindle";

    fn spawner(&self) -> SpindleSpawner {
        SpindleSpawner
    }

    fn spawn_remote<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.rt.spawn(future));
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }
}
