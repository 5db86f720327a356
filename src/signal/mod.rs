//! Signals: [`ctrl_c`] everywhere, and [`unix::signal`] for any Unix signal
//! as a stream of deliveries. tokio's API.
//!
//! # How a delivery reaches a task
//!
//! Each listener ([`unix::Signal`], and the one inside `ctrl_c`) owns a
//! self-pipe (a non-blocking Unix socket pair) and one action registered
//! with `signal-hook-registry` for its signal number:
//!
//! 1. the kernel runs the registry's process-wide handler, which runs every
//!    action registered for that signal (several listeners per signal are
//!    several actions; the registry saves and restores `errno`);
//! 2. this listener's action writes one byte to its pipe's write end: a
//!    `send` on a non-blocking socket, which is async-signal-safe, allocates
//!    nothing and takes no lock (a full pipe just drops the byte: the
//!    listener already has deliveries pending);
//! 3. the read end is registered in the reactor of the runtime the listener
//!    was created in, so the write makes it readable and wakes the task in
//!    `recv` through the same readiness steps as any socket. No second
//!    reactor or thread is involved;
//! 4. `recv` drains what is in the pipe and reports one delivery: deliveries
//!    that arrive before the listener looks again are coalesced, as the
//!    kernel coalesces pending signals (and as tokio does).
//!
//! Dropping a listener unregisters its action (the registry waits for a
//! handler running it to finish before dropping it), then closes the pipe.
//!
//! # The process-wide side effect
//!
//! The first listener for a signal replaces that signal's default action
//! for the rest of the process, as tokio's does: once every listener for
//! `SIGINT` is gone, `SIGINT` is ignored rather than killing the process.
//! `SIGKILL`, `SIGSTOP`, `SIGILL`, `SIGFPE` and `SIGSEGV` are refused
//! (`signal-hook-registry`'s list) with an `InvalidInput` error.

pub mod unix;

use std::io;

/// Waits for the next `SIGINT` (Ctrl-C in a terminal).
///
/// The handler is installed when the future is first polled, so a `SIGINT`
/// that arrives before that still has its default effect (the process
/// ends). From then on the process no longer ends on `SIGINT` (see the
/// [module docs](self)).
///
/// # Errors
///
/// The error of creating the self-pipe or registering it with the reactor.
///
/// # Panics
///
/// Panics if polled outside a spindle runtime.
///
/// ```no_run
/// spindle::block_on(async {
///     spindle::signal::ctrl_c().await?;
///     println!("Ctrl-C: shutting down");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn ctrl_c() -> io::Result<()> {
    let mut sigint = unix::signal(unix::SignalKind::interrupt())?;
    match sigint.recv().await {
        Some(()) => Ok(()),
        None => Err(io::Error::other("the SIGINT listener's pipe closed")),
    }
}
