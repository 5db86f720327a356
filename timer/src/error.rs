//! Timer errors.

use std::error::Error;
use std::fmt;
use std::io;

/// The error of a [`Timeout`](crate::Timeout) whose deadline passed before
/// its future completed.
///
/// # Examples
///
/// ```
/// # use spindle_executor::park::{Park, Parker};
/// # let mut driver = spindle_timer::TimerDriver::new(Parker::new());
/// # let _enter = driver.handle().enter();
/// # std::thread::spawn(move || loop { driver.park(None) });
/// use spindle_timer::{timeout, Elapsed};
/// use std::time::Duration;
///
/// let res = futures_executor::block_on(timeout(
///     Duration::from_millis(1),
///     std::future::pending::<()>(),
/// ));
/// let err: Elapsed = res.unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl Error for Elapsed {}

impl From<Elapsed> for io::Error {
    fn from(err: Elapsed) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, err)
    }
}
