//! [`TrySpawnBlockingError`]: why `try_spawn_blocking` did not take a
//! closure (shaped like tokio's `mpsc::error::TrySendError`).

use std::error::Error;
use std::fmt;
use std::io;

/// Why [`try_spawn_blocking`](crate::task::try_spawn_blocking) refused a
/// closure; the closure comes back, unrun.
///
/// ```
/// let rt = spindle_executor::Builder::new_multi_thread()
///     .worker_threads(1)
///     .max_blocking_threads(1)
///     .max_blocking_queue(0)
///     .build()
///     .unwrap();
/// let (started, wait_started) = std::sync::mpsc::channel();
/// let (release, wait_release) = std::sync::mpsc::channel::<()>();
/// let busy = rt.handle().try_spawn_blocking(move || {
///     started.send(()).unwrap();
///     wait_release.recv().unwrap();
/// });
/// wait_started.recv().unwrap(); // the only thread is busy, and nothing may wait
/// let err = rt.handle().try_spawn_blocking(|| 7).unwrap_err();
/// assert!(err.is_full());
/// assert!(err.to_string().contains("max_blocking_queue"));
/// let f = err.into_inner();
/// assert_eq!(f(), 7);
/// release.send(()).unwrap();
/// rt.block_on(busy.unwrap()).unwrap();
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySpawnBlockingError<F> {
    /// Every blocking thread is busy, none may be started
    /// (`max_blocking_threads`), and `max_blocking_queue` closures already
    /// wait (or a `spawn_blocking_bounded` waits for room before it).
    Full(F),
    /// The runtime is shut down.
    Shutdown(F),
}

impl<F> TrySpawnBlockingError<F> {
    /// The closure that was not spawned.
    ///
    /// ```
    /// use spindle_executor::task::TrySpawnBlockingError;
    /// assert_eq!(TrySpawnBlockingError::Full(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> F {
        match self {
            TrySpawnBlockingError::Full(f) | TrySpawnBlockingError::Shutdown(f) => f,
        }
    }

    /// Whether the queue was full.
    ///
    /// ```
    /// use spindle_executor::task::TrySpawnBlockingError;
    /// assert!(TrySpawnBlockingError::Full(()).is_full());
    /// assert!(!TrySpawnBlockingError::Shutdown(()).is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        matches!(self, TrySpawnBlockingError::Full(_))
    }

    /// Whether the runtime was shut down.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// drop(rt);
    /// assert!(handle.try_spawn_blocking(|| ()).unwrap_err().is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self, TrySpawnBlockingError::Shutdown(_))
    }
}

impl<F> fmt::Debug for TrySpawnBlockingError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySpawnBlockingError::Full(_) => f.write_str("Full(..)"),
            TrySpawnBlockingError::Shutdown(_) => f.write_str("Shutdown(..)"),
        }
    }
}

impl<F> fmt::Display for TrySpawnBlockingError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySpawnBlockingError::Full(_) => f.write_str(
                "the blocking pool is full: every thread is busy, `max_blocking_threads` is reached and \
                 `max_blocking_queue` closures already wait",
            ),
            TrySpawnBlockingError::Shutdown(_) => f.write_str("the runtime is shut down"),
        }
    }
}

impl<F> Error for TrySpawnBlockingError<F> {}

/// `Full` is `WouldBlock`, `Shutdown` is `Other`; the closure is dropped.
///
/// ```
/// use spindle_executor::task::TrySpawnBlockingError;
/// let err: std::io::Error = TrySpawnBlockingError::Full(|| ()).into();
/// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
/// ```
impl<F> From<TrySpawnBlockingError<F>> for io::Error {
    fn from(err: TrySpawnBlockingError<F>) -> io::Error {
        let kind = if err.is_full() { io::ErrorKind::WouldBlock } else { io::ErrorKind::Other };
        io::Error::new(kind, err.to_string())
    }
}
