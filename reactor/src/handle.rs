//! The reactor's handle, and how a thread finds the current one.
//!
//! There is no reactor thread-local: the current handle lives in the
//! executor's one runtime context (`spindle_executor::context`). The facade
//! installs a runtime's reactor handle among its driver handles, so it is
//! current wherever the runtime is (workers, blocking threads, `block_on`,
//! `Runtime::enter`); [`Handle::enter`] makes a reactor current on its own
//! (a reactor used without a runtime). Socket constructors capture
//! [`Handle::current`], so a socket belongs to the reactor of the runtime it
//! was created in, wherever it is polled later.

use std::fmt;
use std::sync::Arc;

use crate::reactor::Reactor;

/// The message of the panic when no reactor is entered.
const NO_REACTOR: &str = "spindle::net used outside a spindle runtime (no reactor is running on this thread)";

/// Why a runtime has no reactor, installed among its driver handles
/// instead of a reactor [`Handle`] by a runtime that runs none on purpose
/// (the facade's simulated runtime): [`Handle::current`], which every
/// socket constructor calls, then panics with this message rather than
/// with "used outside a spindle runtime".
///
/// ```should_panic
/// use spindle_executor::context::enter_driver;
/// let _no_io = enter_driver(spindle_reactor::NoReactor("no sockets in this test: use an in-memory stream"));
/// let _ = spindle_reactor::Handle::current(); // panics with the message above
/// ```
#[derive(Clone, Copy, Debug)]
pub struct NoReactor(pub &'static str);

/// A shared reference to a runtime's reactor. Cheap to clone.
///
/// # Examples
///
/// ```
/// use spindle_reactor::{Handle, IoDriver};
///
/// let driver = IoDriver::new()?;
/// assert!(Handle::try_current().is_none());
/// {
///     let _guard = driver.handle().enter();
///     assert!(Handle::try_current().is_some());
/// }
/// assert!(Handle::try_current().is_none());
/// # std::io::Result::Ok(())
/// ```
#[derive(Clone)]
pub struct Handle {
    reactor: Arc<Reactor>,
}

impl Handle {
    pub(crate) fn from_reactor(reactor: Arc<Reactor>) -> Handle {
        Handle { reactor }
    }

    pub(crate) fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// Makes this the current handle of the calling thread until the guard
    /// is dropped, which restores the previous one.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// let guard = driver.handle().enter();
    /// assert!(spindle_reactor::Handle::try_current().is_some());
    /// drop(guard);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn enter(&self) -> EnterGuard {
        spindle_executor::context::enter_driver(self.clone())
    }

    /// The current thread's handle.
    ///
    /// # Panics
    ///
    /// Panics with "spindle::net used outside a spindle runtime (no reactor
    /// is running on this thread)" if no handle is entered, or with the
    /// message of the current runtime's [`NoReactor`].
    ///
    /// ```should_panic
    /// let _ = spindle_reactor::Handle::current();
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Some(handle) => handle,
            None => match spindle_executor::context::driver::<NoReactor>() {
                Some(NoReactor(why)) => panic!("{why}"),
                None => panic!("{NO_REACTOR}"),
            },
        }
    }

    /// The current thread's handle, or `None` outside a runtime.
    ///
    /// ```
    /// assert!(spindle_reactor::Handle::try_current().is_none());
    /// ```
    pub fn try_current() -> Option<Handle> {
        spindle_executor::context::driver::<Handle>()
    }

    /// Shuts the reactor down: every pending and later I/O operation on its
    /// sockets fails with an `io::Error` ("reactor is shut down",
    /// [`io::ErrorKind::Other`](std::io::ErrorKind::Other)) instead of
    /// waiting, and new sockets cannot be registered. Idempotent.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// let handle = driver.handle();
    /// handle.shutdown();
    /// assert!(handle.is_shutdown());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self) {
        self.reactor.shutdown();
    }

    /// I/O readiness events this reactor has dispatched to a registered
    /// source (events for a source already gone are not counted): what a
    /// runtime reports as `RuntimeMetrics::io_driver_ready_count`.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// assert_eq!(driver.handle().ready_count(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn ready_count(&self) -> u64 {
        self.reactor.ready_count()
    }

    /// Whether [`Handle::shutdown`] was called.
    pub fn is_shutdown(&self) -> bool {
        self.reactor.is_shutdown()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("reactor", &self.reactor).finish()
    }
}

/// Restores the previous current handle when dropped; see
/// [`Handle::enter`]. Not `Send`: it must be dropped on the thread that
/// entered.
///
/// ```compile_fail
/// fn is_send<T: Send>(_: T) {}
/// let driver = spindle_reactor::IoDriver::new().unwrap();
/// is_send(driver.handle().enter());
/// ```
pub type EnterGuard = spindle_executor::context::DriverGuard;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enter_nests_and_restores() {
        let a = crate::IoDriver::new().unwrap().handle();
        let b = crate::IoDriver::new().unwrap().handle();
        let ga = a.enter();
        {
            let _gb = b.enter();
            assert!(Arc::ptr_eq(&Handle::current().reactor, &b.reactor));
        }
        assert!(Arc::ptr_eq(&Handle::current().reactor, &a.reactor));
        drop(ga);
        assert!(Handle::try_current().is_none());
    }

    #[test]
    #[should_panic(expected = "no reactor is running on this thread")]
    fn current_outside_panics() {
        let _ = Handle::current();
    }
}
