//! async-executor, run the smol way: N threads each calling
//! `future::block_on(ex.run(shutdown))`, the main thread driving its own
//! futures with `futures_lite::future::block_on`.
//!
//! Timers are `async_io::Timer`s. `futures_lite::future::block_on` does not
//! drive async-io's reactor, so async-io's own thread ("async-io") does:
//! it sleeps in the poller until the earliest timer and wakes the tasks.
//! (smol's global executor threads use `async_io::block_on` instead, which
//! lets an idle executor thread drive the reactor itself.)
//!
//! The executor is leaked to get a `&'static Executor`, which tasks copy
//! instead of cloning an `Arc<Executor>` per spawn: the same pattern as
//! `Arc<Executor>`, minus a reference-count round trip on every spawn, so
//! the strongest form of it.

use std::future::Future;
use std::io;
use std::thread;
use std::time::Instant;

use async_executor::Executor;
use futures_channel::oneshot;
use futures_util::FutureExt;

use super::{BenchRuntime, Spawner};

/// An executor plus its driving threads; dropping it stops the threads.
#[derive(Debug)]
pub struct AsyncExecutorRt {
    ex: &'static Executor<'static>,
    shutdown: Option<oneshot::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl AsyncExecutorRt {
    /// Starts `workers` threads running the executor.
    ///
    /// # Errors
    /// If a thread cannot be started.
    pub fn new(workers: usize) -> io::Result<AsyncExecutorRt> {
        let ex: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
        let (shutdown, signal) = oneshot::channel::<()>();
        let signal = signal.shared();
        let mut rt = AsyncExecutorRt { ex, shutdown: Some(shutdown), threads: Vec::with_capacity(workers) };
        for _ in 0..workers {
            let signal = signal.clone();
            let handle = thread::Builder::new().name("async-executor".into()).spawn(move || {
                let _ = futures_lite::future::block_on(ex.run(signal));
            })?;
            rt.threads.push(handle);
        }
        Ok(rt)
    }

    /// The executor, for workloads that spawn on it directly (`join_set`).
    pub fn executor(&self) -> &'static Executor<'static> {
        self.ex
    }
}

impl Drop for AsyncExecutorRt {
    fn drop(&mut self) {
        // Dropping the sender resolves every clone of the shared signal.
        drop(self.shutdown.take());
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }
}

/// A copy of the executor reference.
#[derive(Clone, Copy, Debug)]
pub struct AsyncExecutorSpawner(&'static Executor<'static>);

impl Spawner for AsyncExecutorSpawner {
    fn spawn<F>(self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn(future).detach();
    }

    fn yield_now(self) -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }

    fn sleep_until(self, deadline: Instant) -> impl Future<Output = ()> + Send + 'static {
        // `Timer` resolves to the instant it fired at; drop that.
        async_io::Timer::at(deadline).map(|_fired_at| ())
    }
}

impl BenchRuntime for AsyncExecutorRt {
    type Spawner = AsyncExecutorSpawner;
    const NAME: &'static str = "async-executor";

    fn spawner(&self) -> AsyncExecutorSpawner {
        AsyncExecutorSpawner(self.ex)
    }

    fn spawn_remote<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.ex.spawn(future).detach();
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        futures_lite::future::block_on(future)
    }
}
