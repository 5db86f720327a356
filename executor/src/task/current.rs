//! The id of the task this thread is polling: [`id`] and [`try_id`].
//!
//! The harness sets a thread-local around each poll (one store in, one
//! restoring store out), so a task nested in another's poll (a
//! current-thread `block_on` inside a task is refused, but a blocking
//! closure is not a task) reads its own id and the outer one comes back.

use std::cell::Cell;

use super::Id;

crate::sync::thread_local! {
    static CURRENT: Cell<Option<Id>> = const { Cell::new(None) };
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
