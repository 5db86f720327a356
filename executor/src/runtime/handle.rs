//! `Handle`: a cloneable reference to a runtime, usable from any thread.

use std::fmt;
use std::future::Future;
use std::sync::Arc as StdArc;

use super::context::{self, EnterGuard};
use super::metrics::RuntimeMetrics;
use crate::blocking::BlockingPool;
use crate::scheduler::Scheduler;
use crate::task::meta::Meta;
use crate::task::{Id, JoinHandle};

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
    /// The driver handles entered with the runtime (see `context`).
    pub(crate) drivers: super::context::DriverHandles,
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
        self.inner.scheduler.spawn(future, Id::next(), Meta::caller())
    }

    /// Runs a blocking closure on the blocking pool.
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
        self.inner.blocking.spawn(f, Meta::caller())
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
            Scheduler::MultiThread(_) => crate::scheduler::block_on::block_on(future),
            Scheduler::CurrentThread(shared) => shared.block_on(future),
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
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("flavor", &self.inner.scheduler.flavor()).finish_non_exhaustive()
    }
}
