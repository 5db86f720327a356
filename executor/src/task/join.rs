//! `JoinHandle` and `AbortHandle`: the spawner's side of a task.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::raw::RawTask;
use super::waker;
use super::{Id, JoinError};

/// An owned permission to await a task's output, or to abort it.
///
/// `JoinHandle<T>` is a future resolving to `Result<T, JoinError>`. Dropping
/// it *detaches* the task: it keeps running and its output is dropped.
///
/// ```
/// # let rt = spindle_executor::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     let handle = spindle_executor::spawn(async { 6 * 7 });
///     assert_eq!(handle.await.unwrap(), 42);
/// });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output (T: Send) out of the cell, and
// its other operations go through the atomic state word.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` allows only `abort`, `is_finished` and `id`, which
// touch the atomic state word alone.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> UnwindSafe for JoinHandle<T> {}
impl<T> RefUnwindSafe for JoinHandle<T> {}
impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(super) fn from_raw(raw: RawTask) -> JoinHandle<T> {
        JoinHandle { raw, _output: PhantomData }
    }

    /// Cancels the task. If it is idle it is dropped soon, on a worker; if it
    /// is being polled, it is dropped when that poll returns `Pending`. A
    /// task that completes first keeps its output. Awaiting the handle
    /// afterwards gives `Err(e)` with `e.is_cancelled()`, or the output.
    ///
    /// ```
    /// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let handle = spindle_executor::spawn(std::future::pending::<()>());
    ///     handle.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort(&self) {
        waker::abort(self.raw);
    }

    /// Whether the task has finished (output stored, or cancelled, or
    /// panicked).
    ///
    /// ```
    /// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let handle = spindle_executor::spawn(async {});
    ///     while !handle.is_finished() {
    ///         spindle_executor::task::yield_now().await;
    ///     }
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }

    /// A handle that can abort the task but not await it.
    ///
    /// ```
    /// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let handle = spindle_executor::spawn(std::future::pending::<()>());
    ///     let abort = handle.abort_handle();
    ///     abort.abort();
    ///     assert!(handle.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.state().ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let restore = std::task::ready!(crate::coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has the type this task's vtable writes (the `T` of a
        // JoinHandle is always its task's output type), and we hold the
        // handle's reference.
        unsafe {
            (self.raw.vtable().try_read_output)(self.raw.header_ptr(), &mut out as *mut _ as *mut (), cx.waker())
        };
        if out.is_ready() {
            restore.made_progress();
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: we give up the handle's reference.
        unsafe { (self.raw.vtable().drop_join_handle)(self.raw.header_ptr()) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id()).field("state", self.raw.state()).finish()
    }
}

/// Aborts a task without owning its output. Cloneable; dropping it does
/// nothing to the task.
pub struct AbortHandle {
    raw: RawTask,
}

// SAFETY: only the atomic state word is touched.
unsafe impl Send for AbortHandle {}
// SAFETY: as above.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// Cancels the task; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        waker::abort(self.raw);
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.state().ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle").field("id", &self.id()).finish()
    }
}
