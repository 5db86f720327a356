//! `spawn` and `spawn_blocking` on the current runtime.

use std::future::Future;

use super::meta::Meta;
use super::JoinHandle;
use crate::runtime::context;

/// Spawns a task on the current runtime and returns its [`JoinHandle`].
///
/// The task starts running in the background at once (on a worker, or in
/// `block_on` for the current-thread flavor); awaiting the handle is only
/// needed for its output.
///
/// # Panics
/// When called outside a runtime, with the message "`spawn` called outside
/// a spindle runtime ...".
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let handle = spindle_executor::spawn(async { 1 + 1 });
///     assert_eq!(handle.await.unwrap(), 2);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // The spawn site is read here: the closure below would hide it.
    let meta = Meta::caller();
    match context::with_current(|h| h.map(|h| h.inner.scheduler.spawn(future, meta))) {
        Some(join) => join,
        None => panic!(
            "`spawn` called outside a spindle runtime: call it from inside `block_on`, a task, or a \
             runtime thread, or enter a runtime first with `Runtime::enter`"
        ),
    }
}

/// Runs a blocking closure on the current runtime's blocking pool.
///
/// # Panics
/// When called outside a runtime.
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let n = spindle_executor::spawn_blocking(|| (1..=10u32).product::<u32>()).await.unwrap();
///     assert_eq!(n, 3_628_800);
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let meta = Meta::caller();
    match context::with_current(|h| h.map(|h| h.inner.spawn_blocking(f, meta))) {
        Some(join) => join,
        None => panic!(
            "`spawn_blocking` called outside a spindle runtime: call it from inside `block_on`, a \
             task, or a runtime thread, or enter a runtime first with `Runtime::enter`"
        ),
    }
}
