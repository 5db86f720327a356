//! The one diagnostics seam of the runtime: the few conditions worth a
//! word to an operator (a blocking closure cancelled because no thread
//! could run it, an I/O poller that keeps failing) are reported here, and
//! nowhere else, by every crate of the runtime.
//!
//! **By default this is silent**: a library never writes to its user's
//! stderr. With the `tracing` feature (of this crate, or of `spindle`,
//! which forwards it) each report is a `tracing` event at `WARN` level with
//! target `spindle`, so an application sees it through whatever subscriber
//! it installed (as `polling` and tokio do). The condition itself is always
//! also reported where it matters (the `JoinHandle` resolves to cancelled;
//! the poller error is retried), so nothing depends on the log.
//!
//! ```
//! // Silent without a subscriber (or without the feature); never panics.
//! spindle_executor::diagnostics::warn(format_args!("nothing to see: {}", 42));
//! ```

use std::fmt;

/// Reports a warning through the seam (see the [module docs](self)).
pub fn warn(message: fmt::Arguments<'_>) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: "spindle", "{}", message);
    #[cfg(not(feature = "tracing"))]
    let _ = message;
}
