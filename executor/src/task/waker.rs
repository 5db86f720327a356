//! The wake entry points, and `Waker`s built directly on the task cell (no
//! allocation, one reference per waker).
//!
//! A wake follows the rules of `state.rs`: an idle task is scheduled once,
//! a running one only marked (its runner re-queues it), a complete or
//! cancelled one ignored. A wake of the task this thread is polling right
//! now (`yield_now`, a spent coop budget) is remembered thread-locally
//! instead, saving an atomic read-modify-write ([`polling`]).

use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::raw::{Header, RawTask};
use super::state::TransitionToNotified;

/// Wakes `waker`, swallowing a panic from it: a driver that wakes a batch
/// (fired timers, ready sockets) must not lose the others' wake-ups to one
/// broken waker, nor unwind. The one such helper of the runtime (the timer
/// and the reactor use it through `spindle_executor::task::wake_quietly`).
///
/// ```
/// struct Panics;
/// impl std::task::Wake for Panics {
///     fn wake(self: std::sync::Arc<Self>) {
///         panic!("a broken waker");
///     }
/// }
/// let waker = std::task::Waker::from(std::sync::Arc::new(Panics));
/// spindle_executor::task::wake_quietly(waker); // does not unwind
/// ```
pub fn wake_quietly(waker: Waker) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || waker.wake()));
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref_raw, drop_waker);

/// A waker that borrows the caller's reference (it must never be dropped:
/// wrap it in `ManuallyDrop`).
///
/// # Safety
/// `ptr` is a live task the caller holds a reference to for as long as the
/// waker (or a borrow of it) is used.
pub(super) unsafe fn borrowed(ptr: NonNull<Header>) -> Waker {
    // SAFETY: the vtable functions below uphold the RawWaker contract for a
    // task pointer; the caller guarantees the pointer's validity.
    unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)) }
}

/// The task behind a waker's data pointer.
///
/// # Safety
/// `data` comes from a `RawWaker` with [`VTABLE`], which owns (or, for
/// [`borrowed`], borrows) a reference to the task for as long as it lives.
unsafe fn task(data: *const ()) -> RawTask {
    let ptr = NonNull::new(data as *mut Header).expect("task waker with a null pointer");
    // SAFETY: the caller's contract: the waker's reference is held.
    unsafe { RawTask::from_raw(ptr) }
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: called by `Waker::clone` on one of our wakers.
    unsafe { task(data) }.state().ref_inc();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: called by `Waker::wake` on one of our wakers.
    wake_by_val(unsafe { task(data) });
}

unsafe fn wake_by_ref_raw(data: *const ()) {
    // SAFETY: called by `Waker::wake_by_ref` on one of our wakers.
    wake_by_ref(unsafe { task(data) });
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: called by `Waker::drop` on one of our wakers.
    unsafe { task(data) }.drop_reference();
}

crate::sync::thread_local! {
    /// The task this thread is polling, and whether it woke itself meanwhile.
    static POLLING: std::cell::Cell<(*const Header, bool)> = const { std::cell::Cell::new((std::ptr::null(), false)) };
}

/// Runs `poll` with `ptr` recorded as the task this thread polls. Returns
/// the poll's result and whether the task woke itself on this thread.
pub(super) fn polling<R>(ptr: NonNull<Header>, poll: impl FnOnce() -> R) -> (R, bool) {
    struct Restore((*const Header, bool));
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = POLLING.try_with(|p| p.set(self.0));
        }
    }
    let prev = POLLING.with(|p| p.replace((ptr.as_ptr(), false)));
    let restore = Restore(prev);
    let out = poll();
    let self_woken = POLLING.with(|p| p.get().1);
    drop(restore);
    (out, self_woken)
}

/// A wake of the task this thread is polling (`yield_now`, a spent coop
/// budget): remembered thread-locally and applied by `transition_to_idle`,
/// saving an atomic read-modify-write on the state word.
fn woke_self(task: RawTask) -> bool {
    POLLING.with(|p| {
        let (current, _) = p.get();
        let is_self = std::ptr::eq(current, task.header_ptr().as_ptr());
        if is_self {
            p.set((current, true));
        }
        is_self
    })
}

/// Wake by reference: schedule the task if this creates a `Notified`.
pub(crate) fn wake_by_ref(task: RawTask) {
    if woke_self(task) {
        return;
    }
    match task.state().transition_to_notified_by_ref() {
        TransitionToNotified::Submit => {
            // SAFETY: the transition took a reference for the Notified.
            unsafe { (task.vtable().schedule)(task.header_ptr()) }
        }
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Dealloc => unreachable!("wake_by_ref never releases a reference"),
    }
}

/// Wake by value: consumes one reference.
pub(crate) fn wake_by_val(task: RawTask) {
    if woke_self(task) {
        // The runner still holds its own reference: ours is not the last.
        task.drop_reference();
        return;
    }
    match task.state().transition_to_notified_by_val() {
        TransitionToNotified::Submit => {
            // SAFETY: our reference became the Notified's.
            unsafe { (task.vtable().schedule)(task.header_ptr()) }
        }
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Dealloc => {
            // SAFETY: ours was the last reference.
            unsafe { (task.vtable().dealloc)(task.header_ptr()) }
        }
    }
}

/// Abort: cancel, scheduling the task if it is idle so a worker drops it.
pub(crate) fn abort(task: RawTask) {
    match task.state().transition_to_notified_and_cancel() {
        TransitionToNotified::Submit => {
            // SAFETY: the transition took a reference for the Notified.
            unsafe { (task.vtable().schedule)(task.header_ptr()) }
        }
        TransitionToNotified::DoNothing => {}
        TransitionToNotified::Dealloc => unreachable!("abort never releases a reference"),
    }
}
