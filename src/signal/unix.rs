//! Unix signals as streams: [`signal`] gives a [`Signal`] listener for one
//! [`SignalKind`]. See the [parent module](super) for how a delivery gets
//! from the signal handler to the task.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream as StdUnixStream;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use signal_hook_registry::SigId;

use crate::net::Async;

/// Which signal a [`Signal`] listens for. tokio's names.
///
/// ```
/// use spindle::signal::unix::SignalKind;
/// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
/// assert_eq!(SignalKind::from_raw(libc::SIGUSR1), SignalKind::user_defined1());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SignalKind(libc::c_int);

impl SignalKind {
    /// Any signal by number.
    ///
    /// ```
    /// let kind = spindle::signal::unix::SignalKind::from_raw(libc::SIGWINCH);
    /// assert_eq!(kind.as_raw_value(), libc::SIGWINCH);
    /// ```
    pub const fn from_raw(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal's number.
    ///
    /// ```
    /// let kind = spindle::signal::unix::SignalKind::terminate();
    /// assert_eq!(kind.as_raw_value(), libc::SIGTERM);
    /// ```
    pub const fn as_raw_value(&self) -> libc::c_int {
        self.0
    }

    /// `SIGALRM`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::alarm().as_raw_value(), libc::SIGALRM);
    /// ```
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::child().as_raw_value(), libc::SIGCHLD);
    /// ```
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::hangup().as_raw_value(), libc::SIGHUP);
    /// ```
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINT` (Ctrl-C).
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::interrupt().as_raw_value(), libc::SIGINT);
    /// ```
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::io().as_raw_value(), libc::SIGIO);
    /// ```
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::pipe().as_raw_value(), libc::SIGPIPE);
    /// ```
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::quit().as_raw_value(), libc::SIGQUIT);
    /// ```
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM` (what `kill` and service managers send to stop a process).
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::terminate().as_raw_value(), libc::SIGTERM);
    /// ```
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::user_defined1().as_raw_value(), libc::SIGUSR1);
    /// ```
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`.
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::user_defined2().as_raw_value(), libc::SIGUSR2);
    /// ```
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH` (the terminal was resized).
    ///
    /// ```
    /// assert_eq!(spindle::signal::unix::SignalKind::window_change().as_raw_value(), libc::SIGWINCH);
    /// ```
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<libc::c_int> for SignalKind {
    fn from(signum: libc::c_int) -> SignalKind {
        SignalKind(signum)
    }
}

impl From<SignalKind> for libc::c_int {
    fn from(kind: SignalKind) -> libc::c_int {
        kind.0
    }
}

/// A listener for one signal: each delivery (deliveries close together
/// coalesced into one) is an item of [`recv`](Signal::recv), and of the
/// `Stream` impl. Several listeners for one signal each see every delivery.
///
/// ```
/// use spindle::signal::unix::{signal, SignalKind};
///
/// spindle::block_on(async {
///     let mut first = signal(SignalKind::user_defined2())?;
///     let mut second = signal(SignalKind::user_defined2())?;
///     // SAFETY: `kill` with our own pid and a signal we now handle.
///     assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) }, 0);
///     assert_eq!(first.recv().await, Some(()));
///     assert_eq!(second.recv().await, Some(()));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[must_use = "a Signal listens only while it is alive"]
pub struct Signal {
    kind: SignalKind,
    /// The action writing to the pipe; unregistered first on drop.
    id: SigId,
    /// The pipe's read end, in the reactor of the runtime it was made in.
    reader: Async<StdUnixStream>,
}

/// Listens for `kind` from now on.
///
/// # Errors
///
/// `InvalidInput` for a signal the registry refuses (`SIGKILL`, `SIGSTOP`,
/// `SIGILL`, `SIGFPE`, `SIGSEGV`) or a number that is not a signal; the
/// error of creating the pipe, installing the handler, or registering the
/// pipe with the reactor.
///
/// # Panics
///
/// Panics outside a spindle runtime.
///
/// ```
/// use spindle::signal::unix::{signal, SignalKind};
///
/// spindle::block_on(async {
///     let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
///     let hup = signal(SignalKind::hangup())?;
///     assert_eq!(hup.kind(), SignalKind::hangup());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.as_raw_value();
    if signum <= 0 || signal_hook_registry::FORBIDDEN.contains(&signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("spindle::signal cannot listen for signal {signum}"),
        ));
    }
    let (reader, writer) = StdUnixStream::pair()?;
    writer.set_nonblocking(true)?;
    let reader = Async::new(reader)?;
    let action = move || {
        // A full pipe (WouldBlock) already means "deliveries pending".
        let _ = (&writer).write(&[1]);
    };
    // SAFETY: the action is async-signal-safe: one `send` on a non-blocking
    // socket (no allocation: a failed write's `io::Error` is an OS error
    // code, and it is dropped), no lock, no panic. It owns the write end, so
    // the fd it writes to stays open until the registry drops the action
    // after `unregister`.
    let id = unsafe { signal_hook_registry::register(signum, action) }
        .map_err(|e| io::Error::new(e.kind(), format!("spindle::signal could not handle signal {signum}: {e}")))?;
    Ok(Signal { kind, id, reader })
}

impl Signal {
    /// Waits for the next delivery. Always `Some(())`: the pipe's write end
    /// lives as long as the listener (`None` would mean it closed).
    ///
    /// Cancel-safe: dropping the future loses no delivery (it stays in the
    /// pipe for the next call).
    ///
    /// ```
    /// use spindle::signal::unix::{signal, SignalKind};
    ///
    /// spindle::block_on(async {
    ///     let mut usr2 = signal(SignalKind::user_defined2())?;
    ///     // SAFETY: `kill` with our own pid and a signal we now handle.
    ///     unsafe { libc::kill(libc::getpid(), libc::SIGUSR2) };
    ///     assert_eq!(usr2.recv().await, Some(()));
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Poll form of [`recv`](Signal::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let mut buf = [0u8; 32];
        match std::task::ready!(self.reader.poll_read_with(cx, |mut r| r.read(&mut buf))) {
            Ok(0) => Poll::Ready(None),
            Ok(_) => {
                // Drain the rest without waiting: those deliveries coalesce
                // with this one. The last read's WouldBlock leaves readiness
                // set; the next poll clears it through the usual steps.
                while let Ok(n) = self.reader.get_ref().read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                }
                Poll::Ready(Some(()))
            }
            // A socket pair's read end reports no errors but its peer's
            // close; treat any as "closed" rather than spin.
            Err(_) => Poll::Ready(None),
        }
    }

    /// The signal this listener listens for.
    ///
    /// ```
    /// use spindle::signal::unix::{signal, SignalKind};
    ///
    /// spindle::block_on(async {
    ///     assert_eq!(signal(SignalKind::window_change())?.kind(), SignalKind::window_change());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn kind(&self) -> SignalKind {
        self.kind
    }
}

impl Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().poll_recv(cx)
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        // First the action (the registry waits for a handler running it),
        // then the read end, after this body.
        signal_hook_registry::unregister(self.id);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("kind", &self.kind).finish_non_exhaustive()
    }
}

/// `signal::ctrl_c` on Unix: a listener for `SIGINT`, for one delivery.
pub(super) async fn ctrl_c() -> io::Result<()> {
    let mut sigint = signal(SignalKind::interrupt())?;
    match sigint.recv().await {
        Some(()) => Ok(()),
        None => Err(io::Error::other("the SIGINT listener's pipe closed")),
    }
}
