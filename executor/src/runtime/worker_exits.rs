//! [`WorkerExits`]: counts worker threads that have finished, so that
//! [`Runtime::shutdown_timeout`](super::Runtime::shutdown_timeout) can wait
//! for them with a deadline (`std` joins have none) and leave a worker stuck
//! in one long poll detached instead of hanging the caller.

use std::sync::Arc;
use std::time::Instant;

// Real OS-thread bookkeeping with a timed wait, never part of a loom model:
// parking_lot directly, not `crate::sync`.
use parking_lot::{Condvar, Mutex};

/// A count of exited workers and a condvar signalled at each exit.
#[derive(Default)]
pub(crate) struct WorkerExits {
    exited: Mutex<usize>,
    changed: Condvar,
}

/// Held by a worker thread for its whole life; counts the exit when
/// dropped, by a normal return or by unwinding.
pub(crate) struct ExitSignal(Arc<WorkerExits>);

impl WorkerExits {
    /// The guard a worker thread holds.
    pub(crate) fn signal(this: &Arc<WorkerExits>) -> ExitSignal {
        ExitSignal(Arc::clone(this))
    }

    /// Waits until `n` workers have exited or `deadline` passes; returns
    /// whether all `n` did.
    pub(crate) fn wait_until(&self, n: usize, deadline: Instant) -> bool {
        let mut exited = self.exited.lock();
        while *exited < n {
            if Instant::now() >= deadline || self.changed.wait_until(&mut exited, deadline).timed_out() {
                return *exited >= n;
            }
        }
        true
    }
}

impl Drop for ExitSignal {
    fn drop(&mut self) {
        *self.0.exited.lock() += 1;
        self.0.changed.notify_all();
    }
}
