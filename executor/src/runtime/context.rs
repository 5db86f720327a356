//! The thread-local runtime context: which runtime `spawn` uses here, and
//! whether this thread already drives a runtime (so `block_on` inside it
//! panics instead of deadlocking).

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

use super::Handle;

crate::sync::thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

/// Makes a runtime current on this thread until dropped, so that
/// [`spawn`](crate::spawn) and [`Handle::current`] work here, and so does
/// whatever the runtime's enter hook installs ([`Builder::on_enter`](crate::Builder::on_enter): the
/// facade's reactor and timer, so sockets and timers can be created here
/// too). Returned by
/// [`Runtime::enter`](crate::Runtime::enter) and [`Handle::enter`].
///
/// Guards must be dropped in the reverse order of their creation.
#[must_use = "the runtime stays entered only while the guard lives"]
pub struct EnterGuard<'a> {
    prev: Option<Handle>,
    /// What the runtime's enter hook returned (the facade's reactor and
    /// timer guards), so that sockets and timers work here too. Dropped
    /// first.
    hook: Option<Box<dyn Any>>,
    _handle: PhantomData<&'a Handle>,
    _not_send: PhantomData<*const ()>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

pub(crate) fn enter(handle: Handle) -> EnterGuard<'static> {
    let hook = handle.inner.enter_hook.as_ref().map(|hook| hook());
    let prev = CURRENT.with(|c| c.borrow_mut().replace(handle));
    EnterGuard { prev, hook, _handle: PhantomData, _not_send: PhantomData }
}

impl Drop for EnterGuard<'_> {
    fn drop(&mut self) {
        drop(self.hook.take());
        let prev = self.prev.take();
        // The handle we installed is dropped outside the borrow: dropping the
        // last handle of a runtime may run task destructors.
        let ours = CURRENT.try_with(|c| std::mem::replace(&mut *c.borrow_mut(), prev));
        drop(ours);
    }
}

/// Runs `f` with the current handle, if any.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let handle = CURRENT.with(|c| c.borrow().clone());
    f(handle.as_ref())
}

/// Marks this thread as driving a runtime (a worker, or inside
/// `block_on`) until the guard drops.
pub(crate) struct DrivingGuard(bool);

/// # Panics
/// If this thread already drives a runtime.
#[track_caller]
pub(crate) fn enter_driving() -> DrivingGuard {
    if DRIVING.with(|d| d.replace(true)) {
        panic!(
            "Cannot start a runtime from within a runtime: `block_on` was called on a thread that is \
             already driving asynchronous tasks (a runtime worker, or inside another `block_on`). \
             Use `.await` instead, or move the blocking call to `spawn_blocking`."
        );
    }
    DrivingGuard(false)
}

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        let _ = DRIVING.try_with(|d| d.set(self.0));
    }
}
