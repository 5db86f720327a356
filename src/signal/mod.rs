//! Signals: [`ctrl_c`] everywhere, and (on Unix) `unix::signal` for any
//! Unix signal as a stream of deliveries. tokio's API.
//!
//! # Platforms
//!
//! | | Unix | Windows |
//! |---|---|---|
//! | [`ctrl_c`] | `SIGINT`, through the self-pipe below | `CTRL_C_EVENT`, through a console control handler (`windows.rs`) |
//! | `unix::signal` | any signal but the registry's forbidden ones | absent (`cfg(unix)`) |
//! | a runtime is needed | yes (the pipe is read through its reactor) | no |
//! | after the last listener is gone | `SIGINT` stays ignored | Ctrl-C ends the process again |
//!
//! The rest of this page is the Unix side.
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

// The platform seam of `spindle::signal`: `unix` is public (tokio's
// `signal::unix`), `windows` holds only `ctrl_c`'s console handler.
#[cfg(unix)]
pub mod unix;
#[cfg(unix)]
use unix::ctrl_c as sys_ctrl_c;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows::ctrl_c as sys_ctrl_c;

use std::io;

/// Waits for the next `SIGINT` (Ctrl-C in a terminal); on Windows, the next
/// Ctrl-C of the console (`CTRL_C_EVENT`).
///
/// The handler is installed when the future is first polled, so a Ctrl-C
/// that arrives before that still has its default effect (the process
/// ends). From then on, on Unix, the process no longer ends on `SIGINT`;
/// on Windows it does again once no `ctrl_c` future is alive (see the
/// [module docs](self)).
///
/// # Errors
///
/// Unix: the error of creating the self-pipe or registering it with the
/// reactor. Windows: the error of `SetConsoleCtrlHandler`.
///
/// # Panics
///
/// On Unix, panics if polled outside a spindle runtime.
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
    sys_ctrl_c().await
}
