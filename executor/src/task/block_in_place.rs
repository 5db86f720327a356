//! `block_in_place`: run blocking code on the current worker thread after
//! handing the worker's queues to another thread
//! (`scheduler/multi_thread/handoff.rs` states the protocol).

use crate::runtime::context;
use crate::scheduler::multi_thread;

/// Runs `f`, which may block, on this thread, without stalling the
/// runtime (tokio's `task::block_in_place`).
///
/// On a worker of the multi-thread flavor, the worker first hands its
/// local queue and LIFO slot (its whole core) to another thread, which
/// runs the worker loop meanwhile, so the other tasks of this worker keep
/// running. `f` then runs here, with the thread no longer counted as
/// driving (so it may call [`Handle::block_on`](crate::Handle::block_on))
/// and without a coop budget. Afterwards the thread takes its core back if
/// no thread has started running it yet; otherwise the rest of the current
/// task's poll runs on this thread as on a plain thread (its wakes go to
/// the shared queue), and the thread leaves the worker loop when the poll
/// returns, kept as a spare for the next hand-off. Unlike
/// [`spawn_blocking`](crate::spawn_blocking), `f` may borrow from the
/// task, and the task is not moved: its future stays inside this poll.
///
/// Elsewhere:
/// * in `block_on` of a multi-thread runtime, `f` runs in place (that
///   thread runs no other task), with the thread no longer driving;
/// * inside a nested `block_in_place`, on a blocking-pool thread, or
///   outside any runtime, `f` just runs;
/// * on a simulated runtime
///   ([`Builder::new_simulated`](crate::runtime::Builder::new_simulated)),
///   which runs no other thread, no core is handed off: `f` runs inline,
///   inside the simulator's step that polls the task, as on a worker that
///   cannot hand off (the other virtual workers step again once it
///   returns; an `f` that waits for another task blocks the whole
///   simulation, as a blocking closure there does);
/// * inside a loom model (the facade's runtime in `loom::model`), the
///   hand-off happens on loom threads: each one starts a new loom thread
///   (loom reuses none), and the paused clock does not jump while `f` and
///   the rest of the task's poll run.
///
/// # Panics
/// On the current-thread flavor (in its tasks or its `block_on`), where
/// blocking would stall every task, with tokio's message "can call
/// blocking only when running on the multi-threaded runtime". Inside a
/// loom model, when the hand-off's new thread would pass loom's limit of
/// five threads (its main thread, this runtime's workers and one per
/// earlier hand-off), with a message saying so. A panic in `f` propagates
/// to the caller after the worker state is restored.
///
/// ```
/// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
/// let (tx, rx) = std::sync::mpsc::channel();
/// let out = rt.block_on(async move {
///     let waiter = spindle_executor::spawn(async move {
///         // Blocks the thread, not the one worker: the task below still runs.
///         spindle_executor::task::block_in_place(|| rx.recv().unwrap())
///     });
///     spindle_executor::spawn(async move { tx.send(42).unwrap() });
///     waiter.await.unwrap()
/// });
/// assert_eq!(out, 42);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    if let Some(task) = super::try_id() {
        if let Some(hand_off) = multi_thread::hand_off(task) {
            // Dropped after `f`, also when it unwinds: takes the core back
            // if it is still unclaimed (after the driving mark is restored).
            let _hand_off = hand_off;
            let _not_driving = context::leave_driving();
            return crate::coop::without_budget(f);
        }
    }
    if !context::is_driving() {
        // Nested, on a blocking thread, or outside any runtime.
        return f();
    }
    if !multi_thread::is_worker_thread()
        && context::with_current(|h| h.is_some_and(|h| h.runtime_flavor() == crate::RuntimeFlavor::CurrentThread))
    {
        panic!(
            "can call blocking only when running on the multi-threaded runtime: `block_in_place` was called on a \
             current-thread runtime, where blocking stalls every task (use `spawn_blocking`, or a multi-thread \
             runtime)"
        );
    }
    // A multi-thread worker that cannot hand off (its core already given
    // away in this poll, or shutting down), or `block_on` on a multi-thread
    // runtime: block in place.
    let _not_driving = context::leave_driving();
    crate::coop::without_budget(f)
}
