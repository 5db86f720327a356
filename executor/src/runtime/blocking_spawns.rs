//! Where a blocking closure goes: every blocking entry point
//! (`spawn_blocking`, `try_spawn_blocking`, `spawn_blocking_bounded`, on
//! [`Handle`](super::Handle), [`Runtime`](super::Runtime), `task::*` and
//! `task::Builder`) reaches its runtime through the methods here, the one
//! dispatch between the blocking pool and a simulated runtime.
//!
//! | entry point | multi-thread, current-thread | simulated (`Builder::new_simulated`) |
//! |---|---|---|
//! | `spawn_blocking` | the pool, queued past its bound | a task on the virtual workers: one poll that calls the closure |
//! | `try_spawn_blocking` | the pool if it has room, else the closure back (`Full`, `Shutdown`) | that task; the closure back only after shutdown |
//! | `spawn_blocking_bounded` | a future that waits for room in the pool | a future that spawns that task on its first poll |
//!
//! A simulated runtime runs no other thread, so it has no pool: its
//! blocking closures never wait for a thread, and the pool's bounds
//! (`max_blocking_threads`, `max_blocking_queue`) do not apply there. Its
//! bounded future keeps the pool's cancel safety (dropped before its first
//! poll, the closure is dropped unrun) and its shutdown rule (after
//! shutdown, a `JoinHandle` that reports the task cancelled).
//!
//! Inside a loom model every entry point panics at the call: the pool's
//! threads are OS threads that loom cannot see.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::handle::HandleInner;
use crate::blocking::{SpawnBlockingBounded, TrySpawnBlockingError};
use crate::scheduler::multi_thread::sim::Simulator;
use crate::scheduler::Scheduler;
use crate::sync::Arc;
use crate::task::meta::Meta;
use crate::task::JoinHandle;

impl HandleInner {
    /// `spawn_blocking` (see the module docs).
    #[track_caller]
    pub(crate) fn spawn_blocking<F, R>(&self, f: F, meta: Meta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match &self.scheduler {
            Scheduler::Simulated(sim) => sim.spawn_blocking(f, meta),
            _ => {
                no_pool_in_a_model();
                self.blocking.spawn(f, meta)
            }
        }
    }

    /// `try_spawn_blocking` (see the module docs).
    #[track_caller]
    pub(crate) fn try_spawn_blocking<F, R>(&self, f: F, meta: Meta) -> Result<JoinHandle<R>, TrySpawnBlockingError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match &self.scheduler {
            Scheduler::Simulated(sim) if sim.shared().is_shutdown() => Err(TrySpawnBlockingError::Shutdown(f)),
            Scheduler::Simulated(sim) => Ok(sim.spawn_blocking(f, meta)),
            _ => {
                no_pool_in_a_model();
                self.blocking.try_spawn(f, meta)
            }
        }
    }

    /// `spawn_blocking_bounded` (see the module docs).
    #[track_caller]
    pub(crate) fn spawn_blocking_bounded<F, R>(&self, f: F, meta: Meta) -> BoundedSpawn<F>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match &self.scheduler {
            Scheduler::Simulated(sim) => BoundedSpawn::Simulated { sim: sim.clone(), f: Some(f), meta: Some(meta) },
            _ => {
                no_pool_in_a_model();
                BoundedSpawn::Pool(self.blocking.spawn_bounded(f, meta))
            }
        }
    }
}

/// The future of `spawn_blocking_bounded`: the pool's, which waits for
/// room, or a simulated runtime's, which spawns on its first poll.
pub(crate) enum BoundedSpawn<F> {
    Pool(SpawnBlockingBounded<F>),
    Simulated { sim: Arc<Simulator>, f: Option<F>, meta: Option<Meta> },
}

// `f` is never pinned: it is moved out whole (the pool's future is `Unpin`
// for the same reason).
impl<F> Unpin for BoundedSpawn<F> {}

impl<F, R> Future for BoundedSpawn<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    type Output = JoinHandle<R>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JoinHandle<R>> {
        match &mut *self {
            BoundedSpawn::Pool(pool) => Pin::new(pool).poll(cx),
            BoundedSpawn::Simulated { sim, f, meta } => {
                let f = f.take().expect("`spawn_blocking_bounded` polled after completion");
                let meta = meta.take().expect("the spawn site is kept until the spawn");
                Poll::Ready(sim.spawn_blocking(f, meta))
            }
        }
    }
}

/// Panics inside a loom model, where the blocking pool cannot run.
#[track_caller]
fn no_pool_in_a_model() {
    if cfg!(spindle_loom) {
        panic!(
            "spawn_blocking is not supported inside a loom model: the blocking pool runs OS threads that loom cannot \
             see. Run the work in a task, or on a `loom::thread` the model spawns and joins itself"
        );
    }
}
