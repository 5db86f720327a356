//! The id of the task this thread is polling: [`id`] and [`try_id`]; and
//! the poll's clock readings, handed between a scheduler that times its
//! polls and the harness of a named task.
//!
//! The harness sets a thread-local around each poll (one store in, one
//! restoring store out), so a task nested in another's poll (a
//! current-thread `block_on` inside a task is refused, but a blocking
//! closure is not a task) reads its own id and the outer one comes back.
//!
//! # The poll clock
//!
//! A worker with the poll-time histogram on reads the clock at each poll's
//! start (or reuses the end of the poll before) and end; a named task's
//! harness times its polls too. So that such a poll costs one clock read,
//! not three, the worker leaves its start reading here
//! ([`set_poll_start`]); the harness takes it instead of reading the clock
//! ([`take_poll_start`]) and leaves its end reading ([`set_poll_end`]),
//! which the worker takes ([`take_poll_end`]) instead of reading again.

use std::cell::Cell;

use super::Id;

crate::sync::thread_local! {
    static CURRENT: Cell<Option<Id>> = const { Cell::new(None) };
    /// The poll clock's readings, start and end (see the module docs), 0
    /// for none.
    static POLL_CLOCK: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// The scheduler: the poll it is about to run started at `now` (a
/// `metrics_clock::now`).
#[inline]
pub(crate) fn set_poll_start(now: u64) {
    POLL_CLOCK.with(|c| c.set((now, 0)));
}

/// The harness: the start the scheduler left for this poll, if any.
#[inline]
pub(crate) fn take_poll_start() -> Option<u64> {
    POLL_CLOCK.with(|c| {
        let (start, end) = c.get();
        c.set((0, end));
        (start != 0).then_some(start)
    })
}

/// The harness: the poll ended at `now`.
#[inline]
pub(crate) fn set_poll_end(now: u64) {
    POLL_CLOCK.with(|c| c.set((0, now)));
}

/// The scheduler: the end the harness read for the poll that just
/// returned, if it read one; clears the hand-over.
#[inline]
pub(crate) fn take_poll_end() -> Option<u64> {
    POLL_CLOCK.with(|c| {
        let (_, end) = c.replace((0, 0));
        (end != 0).then_some(end)
    })
}

/// Restores the previous current id on drop.
pub(crate) struct Enter(Option<Id>);

/// Makes `id` the current task's id until the guard drops.
#[inline]
pub(crate) fn enter(id: Id) -> Enter {
    Enter(CURRENT.with(|c| c.replace(Some(id))))
}

impl Drop for Enter {
    #[inline]
    fn drop(&mut self) {
        let prev = self.0;
        CURRENT.with(|c| c.set(prev));
    }
}

/// The id of the task being polled on this thread.
///
/// # Panics
/// Outside a task's poll (in `block_on`'s own future, or on a thread that
/// runs no task), with the message "`task::id()` called outside a task".
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// let join = rt.spawn(async { spindle_executor::task::id() });
/// let id = join.id();
/// assert_eq!(rt.block_on(join).unwrap(), id);
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("`task::id()` called outside a task")
}

/// The id of the task being polled on this thread, or `None` outside one.
///
/// ```
/// assert!(spindle_executor::task::try_id().is_none());
/// let rt = spindle_executor::Runtime::new().unwrap();
/// assert!(rt.block_on(rt.spawn(async { spindle_executor::task::try_id() })).unwrap().is_some());
/// ```
pub fn try_id() -> Option<Id> {
    CURRENT.with(|c| c.get())
}
