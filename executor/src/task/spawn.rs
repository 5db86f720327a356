//! `spawn` and the blocking spawns (`spawn_blocking`, `try_spawn_blocking`,
//! `spawn_blocking_bounded`) on the current runtime.

use std::future::Future;

use super::meta::Meta;
use super::JoinHandle;
use crate::blocking::TrySpawnBlockingError;
use crate::runtime::{context, Handle};

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
/// It never fails and never waits, as tokio's: with a bounded queue
/// ([`Builder::max_blocking_queue`](crate::runtime::Builder::max_blocking_queue))
/// it queues past the bound; use [`try_spawn_blocking`] or
/// [`spawn_blocking_bounded`] to honour it. After shutdown the
/// `JoinHandle` reports the task cancelled. On a simulated runtime
/// ([`Builder::new_simulated`](crate::runtime::Builder::new_simulated)),
/// which runs no other thread, the closure runs as a task on the virtual
/// workers.
///
/// # Panics
/// When called outside a runtime, or inside a loom model (the pool's
/// threads are OS threads loom cannot see).
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
    current("spawn_blocking").inner.spawn_blocking(f, meta)
}

/// Runs a blocking closure on the current runtime's blocking pool if it
/// can start now or wait within the queue's bound
/// ([`Builder::max_blocking_queue`](crate::runtime::Builder::max_blocking_queue));
/// otherwise gives the closure back at once. It never waits and never
/// jumps the line of [`spawn_blocking_bounded`] futures waiting for room.
/// Without a bound it fails only after shutdown, and so on a simulated
/// runtime, which has no pool (the closure runs as a task there, as with
/// [`spawn_blocking`]).
///
/// # Errors
/// [`TrySpawnBlockingError::Full`] when every thread is busy, no thread
/// may be started and the bound is reached (or others wait for room);
/// [`TrySpawnBlockingError::Shutdown`] after the runtime shut down.
///
/// # Panics
/// When called outside a runtime, or inside a loom model.
///
/// ```
/// let rt = spindle_executor::Builder::new_multi_thread().max_blocking_queue(16).build().unwrap();
/// rt.block_on(async {
///     match spindle_executor::task::try_spawn_blocking(|| 6 * 7) {
///         Ok(join) => assert_eq!(join.await.unwrap(), 42),
///         Err(busy) => panic!("an idle pool refused a closure: {busy}"),
///     }
/// });
/// ```
#[track_caller]
pub fn try_spawn_blocking<F, R>(f: F) -> Result<JoinHandle<R>, TrySpawnBlockingError<F>>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let meta = Meta::caller();
    current("try_spawn_blocking").inner.try_spawn_blocking(f, meta)
}

/// Runs a blocking closure on the current runtime's blocking pool once
/// there is room within the queue's bound
/// ([`Builder::max_blocking_queue`](crate::runtime::Builder::max_blocking_queue)):
/// the returned future waits for room, queues the closure, and resolves
/// to its [`JoinHandle`]. Waiters are served first come, first served.
/// Without a bound it resolves on its first poll, and so on a simulated
/// runtime, which has no pool (its first poll spawns the closure as a task
/// there, as [`spawn_blocking`] does).
///
/// The name follows tokio's bounded channel: `try_send` fails when it is
/// full and `send().await` waits for room; `spawn_blocking` itself is the
/// unbounded spawn (it never waits, as tokio's), so its waiting twin is
/// named for the bound it honours.
///
/// # Cancel safety
/// Dropping the future before it resolves drops the closure unrun and
/// gives its place in line to the next waiter. After shutdown it
/// resolves to a `JoinHandle` that reports the task cancelled.
///
/// # Panics
/// When called outside a runtime, or inside a loom model (at the call,
/// not at the first poll).
///
/// ```
/// let rt = spindle_executor::Builder::new_multi_thread()
///     .max_blocking_threads(1)
///     .max_blocking_queue(1)
///     .build()
///     .unwrap();
/// let sum = rt.block_on(async {
///     let mut joins = Vec::new();
///     for i in 0..4u64 {
///         // At most one closure waits for the one thread at any time.
///         joins.push(spindle_executor::task::spawn_blocking_bounded(move || i * 10).await);
///     }
///     let mut sum = 0;
///     for j in joins {
///         sum += j.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 60);
/// ```
#[track_caller]
pub fn spawn_blocking_bounded<F, R>(f: F) -> impl Future<Output = JoinHandle<R>> + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let meta = Meta::caller();
    current("spawn_blocking_bounded").inner.spawn_blocking_bounded(f, meta)
}

/// The current runtime, whose blocking spawns dispatch the closure (to
/// its blocking pool, or onto a simulated runtime's virtual workers: see
/// `runtime/blocking_spawns.rs`).
///
/// # Panics
/// Outside a runtime, naming `caller`.
#[track_caller]
fn current(caller: &str) -> Handle {
    match context::with_current(|h| h.cloned()) {
        Some(handle) => handle,
        None => panic!(
            "`{caller}` called outside a spindle runtime: call it from inside `block_on`, a task, or a runtime \
             thread, or enter a runtime first with `Runtime::enter`"
        ),
    }
}
