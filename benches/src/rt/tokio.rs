//! tokio's multi-thread runtime.

use std::future::Future;
use std::io;
use std::sync::OnceLock;
use std::time::Instant;

use super::{BenchRuntime, Spawner};

/// `tokio::runtime::Builder::new_multi_thread().worker_threads(n)` with
/// its time driver (`enable_time`) and no I/O driver (see the module docs
/// of [`crate::rt`]); or, for the socket rows, with every driver
/// ([`TokioRt::net`]).
#[derive(Debug)]
pub struct TokioRt {
    rt: tokio::runtime::Runtime,
}

impl TokioRt {
    /// Builds the runtime with `workers` workers and no I/O driver.
    ///
    /// # Errors
    /// If a worker thread cannot be started.
    pub fn new(workers: usize) -> io::Result<TokioRt> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("tokio-worker")
            .enable_time()
            .build()?;
        Ok(TokioRt { rt })
    }

    /// The same with the global queue interval fixed at `interval` (which
    /// turns tokio's tuning off), for the `_fixed61` rows.
    ///
    /// # Errors
    /// If a worker thread cannot be started.
    pub fn with_global_queue_interval(workers: usize, interval: u32) -> io::Result<TokioRt> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("tokio-worker-fixed")
            .global_queue_interval(interval)
            .enable_time()
            .build()?;
        Ok(TokioRt { rt })
    }

    /// The process-wide runtime of the socket rows ([`crate::net`]): built
    /// on first use with `workers` workers and `enable_all` (later calls
    /// get the first one's runtime whatever they pass). Only this instance
    /// can run the [`NetRuntime`](crate::net::NetRuntime) futures.
    ///
    /// # Panics
    /// If the runtime cannot be built.
    pub fn net(workers: usize) -> &'static TokioRt {
        static RT: OnceLock<TokioRt> = OnceLock::new();
        RT.get_or_init(|| {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("tokio-net-worker")
                .enable_all()
                .build()
                .expect("cannot build tokio's runtime");
            TokioRt { rt }
        })
    }
}

/// Spawns through the worker's thread context (`tokio::spawn`).
#[derive(Clone, Copy, Debug)]
pub struct TokioSpawner;

impl Spawner for TokioSpawner {
    fn spawn<F>(self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(tokio::spawn(future));
    }

    fn yield_now(self) -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }

    fn sleep_until(self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline))
    }
}

impl BenchRuntime for TokioRt {
    type Spawner = TokioSpawner;
    const NAME: &'static str = "tokio";

    fn spawner(&self) -> TokioSpawner {
        TokioSpawner
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
