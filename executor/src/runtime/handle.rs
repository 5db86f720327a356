//! `Handle`: a cloneable reference to a runtime, usable from any thread,
//! and what identifies a runtime: its [`Id`], name and [`RuntimeFlavor`].

use std::fmt;
use std::future::Future;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc as StdArc;

use super::context::{self, EnterGuard};
use super::metrics::RuntimeMetrics;
use crate::blocking::{BlockingPool, TrySpawnBlockingError};
use crate::scheduler::Scheduler;
use crate::task::meta::Meta;
use crate::task::JoinHandle;

/// A handle to a runtime: spawn onto it, enter it, or block on it, from any
/// thread. Cloning is cheap.
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let t = std::thread::spawn(move || handle.block_on(handle.spawn(async { 7 })).unwrap());
/// assert_eq!(t.join().unwrap(), 7);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: StdArc<HandleInner>,
}

pub(crate) struct HandleInner {
    pub(crate) scheduler: Scheduler,
    pub(crate) blocking: BlockingPool,
    /// The threads that run the multi-thread flavor's worker loops.
    pub(crate) worker_threads: super::worker_threads::WorkerThreads,
    /// The driver handles entered with the runtime (see `context`).
    pub(crate) drivers: super::context::DriverHandles,
    pub(crate) id: Id,
    /// Set by [`Builder::name`](crate::Builder::name).
    pub(crate) name: Option<String>,
    /// The runtime's clock (see `clock.rs`).
    pub(crate) clock: crate::clock::Clock,
}

/// A runtime's identifier, unique among the runtimes of this process
/// (tokio's `runtime::Id`). Returned by [`Handle::id`].
///
/// ```
/// let a = spindle_executor::Builder::new_current_thread().build().unwrap();
/// let b = spindle_executor::Builder::new_current_thread().build().unwrap();
/// assert_ne!(a.handle().id(), b.handle().id());
/// assert_eq!(a.handle().id(), a.handle().clone().id());
/// assert!(!a.handle().id().to_string().is_empty());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        // Relaxed: uniqueness needs only the atomicity of the increment.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("runtime id counter wrapped around"))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which scheduler a runtime runs (tokio's `RuntimeFlavor`). Returned by
/// [`Handle::runtime_flavor`].
///
/// ```
/// use spindle_executor::{Builder, RuntimeFlavor};
/// let rt = Builder::new_current_thread().build().unwrap();
/// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Tasks run on the thread calling `block_on`.
    CurrentThread,
    /// Work-stealing worker threads.
    MultiThread,
}

/// Returned by [`Handle::try_current`] outside a runtime.
#[derive(Debug)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("there is no spindle runtime on this thread (not inside `block_on`, a task, or `Runtime::enter`)")
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    /// Outside a runtime (not in `block_on`, a task, a runtime thread, or
    /// under [`Runtime::enter`](crate::Runtime::enter)).
    ///
    /// ```
    /// # let rt = spindle_executor::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let handle = spindle_executor::Handle::current();
    ///     assert_eq!(handle.spawn(async { 1 }).await.unwrap(), 1);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(e) => panic!("Handle::current() called outside a runtime: {e}"),
        }
    }

    /// The current runtime's handle, or an error outside one.
    ///
    /// ```
    /// assert!(spindle_executor::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|h| h.cloned()).ok_or(TryCurrentError(()))
    }

    /// Spawns a task on this runtime.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().spawn(async { "hi" });
    /// assert_eq!(rt.block_on(handle).unwrap(), "hi");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.scheduler.spawn(future, Meta::caller())
    }

    /// Runs a blocking closure on the blocking pool. On a simulated
    /// runtime ([`Builder::new_simulated`](crate::runtime::Builder::new_simulated)),
    /// which runs no other threads, it runs as a task on the virtual
    /// workers: one poll that calls the closure.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let h = rt.handle().spawn_blocking(|| std::thread::current().name().map(str::to_owned));
    /// assert!(rt.block_on(h).unwrap().is_some());
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f, Meta::caller())
    }

    /// Runs a blocking closure on the blocking pool if it can start now or
    /// wait within `max_blocking_queue`; otherwise gives it back (see
    /// [`try_spawn_blocking`](crate::task::try_spawn_blocking)). On a
    /// simulated runtime it runs as a task on the virtual workers, as
    /// [`spawn_blocking`](Handle::spawn_blocking) there, refused only after
    /// shutdown (no pool, no bound).
    ///
    /// # Errors
    /// [`TrySpawnBlockingError`]: the queue is full, or the runtime is shut
    /// down.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let join = rt.handle().try_spawn_blocking(|| 2 + 2).unwrap();
    /// assert_eq!(rt.block_on(join).unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn try_spawn_blocking<F, R>(&self, f: F) -> Result<JoinHandle<R>, TrySpawnBlockingError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.try_spawn_blocking(f, Meta::caller())
    }

    /// Waits for room within `max_blocking_queue`, then runs a blocking
    /// closure on the blocking pool (see
    /// [`spawn_blocking_bounded`](crate::task::spawn_blocking_bounded), and
    /// its cancel safety). On a simulated runtime the future never waits:
    /// its first poll spawns the closure as a task on the virtual workers.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().max_blocking_queue(4).build().unwrap();
    /// let fut = rt.handle().spawn_blocking_bounded(|| 2 + 2);
    /// assert_eq!(rt.block_on(async { fut.await.await.unwrap() }), 4);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_bounded<F, R>(&self, f: F) -> impl Future<Output = JoinHandle<R>> + Send + 'static
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking_bounded(f, Meta::caller())
    }

    /// Runs a future to completion on the current thread, with this runtime
    /// entered.
    ///
    /// # Panics
    /// When called from a thread that already drives a runtime (a worker or
    /// inside another `block_on`): that would deadlock.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().block_on(async { 5 }), 5);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _driving = context::enter_driving();
        let _enter = self.enter();
        match &self.inner.scheduler {
            Scheduler::MultiThread(_) => crate::scheduler::block_on::block_on_with_clock(future, &self.inner.clock),
            Scheduler::CurrentThread(shared) => shared.block_on(future),
            Scheduler::Simulated(sim) => sim.block_on(future),
        }
    }

    /// Makes this runtime current on this thread until the guard drops.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _guard = rt.handle().enter();
    /// let join = spindle_executor::spawn(async { 3 });
    /// # drop(_guard);
    /// assert_eq!(rt.block_on(join).unwrap(), 3);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        context::enter(self.clone())
    }

    /// Counters and gauges of this runtime.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics { handle: self.clone() }
    }

    /// This runtime's identifier.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let id = rt.handle().id();
    /// assert_eq!(rt.block_on(async { spindle_executor::Handle::current().id() }), id);
    /// ```
    pub fn id(&self) -> Id {
        self.inner.id
    }

    /// The name given with [`Builder::name`](crate::Builder::name), if any.
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).name("api").build().unwrap();
    /// assert_eq!(rt.handle().name(), Some("api"));
    /// assert_eq!(spindle_executor::Runtime::new().unwrap().handle().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// Which scheduler this runtime runs.
    ///
    /// ```
    /// use spindle_executor::RuntimeFlavor;
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner.scheduler {
            Scheduler::MultiThread(_) | Scheduler::Simulated(_) => RuntimeFlavor::MultiThread,
            Scheduler::CurrentThread(_) => RuntimeFlavor::CurrentThread,
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("id", &self.inner.id)
            .field("name", &self.inner.name)
            .field("flavor", &self.inner.scheduler.flavor())
            .finish_non_exhaustive()
    }
}
