//! [`ShutdownReport`]: what `Runtime::shutdown_timeout` could not stop in
//! time.
//!
//! A task can outlive a shutdown only by being inside a poll that does not
//! return (every other task is cancelled at once through the registry), so
//! the report lists the tasks that were running when the workers' deadline
//! passed, read from the registry before it is emptied; blocking closures
//! are counted as the pool's threads it had to leave detached.

use std::fmt;
use std::time::Duration;

use super::dump::{write_grouped, Dump, TaskInfo, TaskState};
use super::Handle;

/// What a shutdown left unfinished, from
/// [`Runtime::shutdown_timeout`](crate::Runtime::shutdown_timeout).
///
/// `Display` prints it like a [`Dump`]: the unfinished tasks grouped by
/// spawn site.
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// let _idle = rt.spawn(std::future::pending::<()>());
/// let report = rt.shutdown_timeout(std::time::Duration::from_secs(1));
/// assert_eq!(report.unfinished().count(), 0);
/// assert_eq!(report.blocking_still_running(), 0);
/// assert!(report.elapsed() < std::time::Duration::from_secs(1));
/// assert!(report.to_string().contains("clean"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct ShutdownReport {
    unfinished: Vec<TaskInfo>,
    blocking_still_running: usize,
    elapsed: Duration,
}

impl ShutdownReport {
    pub(crate) fn new(unfinished: Vec<TaskInfo>, blocking_still_running: usize, elapsed: Duration) -> ShutdownReport {
        ShutdownReport { unfinished, blocking_still_running, elapsed }
    }

    /// The tasks of `handle`'s runtime inside a poll right now.
    pub(crate) fn running(handle: &Handle) -> Vec<TaskInfo> {
        Dump::take(handle).tasks().filter(|t| matches!(t.state(), TaskState::Running { .. })).cloned().collect()
    }

    /// Tasks still inside a poll when the deadline passed (they are
    /// dropped when that poll returns).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let stuck = rt.spawn(async { std::thread::sleep(std::time::Duration::from_millis(500)) });
    /// std::thread::sleep(std::time::Duration::from_millis(50));
    /// let report = rt.shutdown_timeout(std::time::Duration::from_millis(50));
    /// assert_eq!(report.unfinished().next().unwrap().id(), stuck.id());
    /// ```
    pub fn unfinished(&self) -> impl ExactSizeIterator<Item = &TaskInfo> + '_ {
        self.unfinished.iter()
    }

    /// Blocking closures still running at the deadline (their threads are
    /// left detached).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.shutdown_timeout(std::time::Duration::ZERO).blocking_still_running(), 0);
    /// ```
    pub fn blocking_still_running(&self) -> usize {
        self.blocking_still_running
    }

    /// How long the shutdown took.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert!(rt.shutdown_timeout(std::time::Duration::from_secs(5)).elapsed() < std::time::Duration::from_secs(5));
    /// ```
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether everything stopped in time.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert!(rt.shutdown_timeout(std::time::Duration::from_secs(1)).is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.unfinished.is_empty() && self.blocking_still_running == 0
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_clean() {
            return writeln!(f, "shutdown clean in {:?}", self.elapsed);
        }
        writeln!(
            f,
            "shutdown took {:?}: {} tasks still in a poll, {} blocking closures still running",
            self.elapsed,
            self.unfinished.len(),
            self.blocking_still_running
        )?;
        write_grouped(f, &self.unfinished)
    }
}
