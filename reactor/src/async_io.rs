//! [`Async<T>`]: any file descriptor (Unix) or socket (Windows), registered
//! with the reactor. The platform types come from `sys` (`AsSource` is
//! `AsFd` or `AsSocket`).
//!
//! `Async` owns the I/O object and its [`Registration`]. It is the one place
//! that turns "try the operation, and on `WouldBlock` wait for readiness"
//! into a loop ([`Async::poll_io`]); every socket type in [`crate::net`] is
//! a thin wrapper around it.
//!
//! # Drop order
//!
//! 1. the fd is deleted from the poller (`Poller::add`'s contract);
//! 2. the fd is closed (the I/O object drops);
//! 3. the registration drops, freeing the slab slot (its generation is
//!    bumped, so an event still in flight for it is ignored).

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use spindle_executor::coop;

use crate::handle::Handle;
use crate::reactor::{Reactor, Registration};
use crate::source::Direction;
use crate::sys::{self, AsSource, BorrowedSource};

/// An I/O object (anything `AsFd` on Unix, `AsSocket` on Windows: IOCP
/// polls sockets only) registered with the current runtime's reactor, with
/// async readiness and operations.
///
/// `Async::new` puts the fd into non-blocking mode. Operations go through
/// [`read_with`](Async::read_with) / [`write_with`](Async::write_with),
/// which retry the closure until it stops returning `WouldBlock`. Several
/// tasks may wait in the same direction at once; an event wakes them all.
///
/// Successful operations spend one unit of the task's cooperative budget
/// (`spindle_executor::coop`), so a task whose fd is always ready still
/// yields to others.
///
/// # Examples
///
/// ```
/// # let mut driver = spindle_reactor::IoDriver::new()?;
/// # let handle = driver.handle();
/// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
/// # let _guard = handle.enter();
/// # futures_executor::block_on(async {
/// use spindle_reactor::Async;
/// use std::io::Read;
/// use std::os::unix::net::UnixStream;
///
/// let (a, b) = UnixStream::pair()?;
/// let a = Async::new(a)?;
/// std::io::Write::write_all(&mut &b, b"hi")?;
/// let mut buf = [0u8; 2];
/// let n = a.read_with(|s| (&*s).read(&mut buf)).await?;
/// assert_eq!(&buf[..n], b"hi");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct Async<T: AsSource> {
    /// `Some` until `into_inner` or drop takes it.
    io: Option<T>,
    registration: Registration,
}

impl<T: AsSource> Async<T> {
    /// Puts `io` into non-blocking mode and registers it with the current
    /// thread's reactor.
    ///
    /// # Errors
    ///
    /// Fails if the fd cannot be made non-blocking, if the poller refuses it
    /// (a regular file, for example, cannot be polled with epoll), or if the
    /// reactor is shut down.
    ///
    /// # Panics
    ///
    /// Panics if called outside a spindle runtime (no reactor entered).
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = spindle_reactor::Async::new(a)?;
    /// assert!(a.get_ref().peer_addr().is_ok());
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn new(io: T) -> io::Result<Async<T>> {
        let handle = Handle::current();
        Async::new_in(handle.reactor(), io)
    }

    pub(crate) fn new_in(reactor: &Arc<Reactor>, io: T) -> io::Result<Async<T>> {
        sys::set_nonblocking(sys::source(&io))?;
        // SAFETY: `Async` owns `io`, and every path that releases it (drop,
        // `into_inner`) calls `registration.deregister(..)` before
        // `io` can be closed, so the fd stays open while registered.
        let registration = unsafe { reactor.register(sys::source(&io))? };
        Ok(Async { io: Some(io), registration })
    }

    pub(crate) fn reactor(&self) -> &Arc<Reactor> {
        self.registration.reactor()
    }

    /// The I/O object.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = spindle_reactor::Async::new(a)?;
    /// assert!(a.get_ref().local_addr()?.as_pathname().is_none());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_ref(&self) -> &T {
        self.io.as_ref().expect("io is present until into_inner or drop")
    }

    /// Deregisters the fd and returns the I/O object (still in non-blocking
    /// mode).
    ///
    /// # Errors
    ///
    /// This form never fails today; it returns `io::Result` so that a
    /// backend whose deregistration can fail may report it.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let a = spindle_reactor::Async::new(a)?;
    /// let std_stream: std::os::unix::net::UnixStream = a.into_inner()?;
    /// assert!(std_stream.peer_addr().is_ok());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        let io = self.io.take().expect("io is present until into_inner or drop");
        self.registration.deregister(sys::source(&io));
        Ok(io)
    }

    /// Waits until the fd is reported readable.
    ///
    /// Readiness is a hint and is only cleared when an operation through
    /// [`read_with`](Async::read_with) sees `WouldBlock`; do the read through
    /// `read_with` (not on `get_ref()` directly) or a loop around
    /// `readable()` may spin. A new `Async` starts out ready.
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let (a, b) = std::os::unix::net::UnixStream::pair()?;
    /// # let a = spindle_reactor::Async::new(a)?;
    /// std::io::Write::write_all(&mut &b, b"x")?;
    /// a.readable().await?;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_readable(cx)).await
    }

    /// Waits until the fd is reported writable. See
    /// [`readable`](Async::readable) for what readiness means.
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// # let a = spindle_reactor::Async::new(a)?;
    /// a.writable().await?; // an empty socket buffer is writable
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        poll_fn(|cx| self.poll_writable(cx)).await
    }

    /// Poll form of [`readable`](Async::readable).
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.registration.poll_ready(Direction::Read, cx, self.source()).map_ok(|_| ())
    }

    /// Poll form of [`writable`](Async::writable).
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.registration.poll_ready(Direction::Write, cx, self.source()).map_ok(|_| ())
    }

    /// Runs `op` until it returns something other than `WouldBlock`,
    /// waiting for readability in between.
    ///
    /// # Errors
    ///
    /// Returns `op`'s error, or the reactor's once it is shut down.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let (a, b) = std::os::unix::net::UnixStream::pair()?;
    /// # let a = spindle_reactor::Async::new(a)?;
    /// # std::io::Write::write_all(&mut &b, b"data")?;
    /// use std::io::Read;
    /// let mut buf = [0u8; 1024];
    /// let n = a.read_with(|s| (&*s).read(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"data");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn read_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let mut op = op;
        poll_fn(|cx| self.poll_io(Direction::Read, cx, &mut op)).await
    }

    /// Runs `op` until it returns something other than `WouldBlock`,
    /// waiting for writability in between.
    ///
    /// # Errors
    ///
    /// Returns `op`'s error, or the reactor's once it is shut down.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// # let a = spindle_reactor::Async::new(a)?;
    /// use std::io::Write;
    /// let n = a.write_with(|s| (&*s).write(b"hello")).await?;
    /// assert_eq!(n, 5);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn write_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let mut op = op;
        poll_fn(|cx| self.poll_io(Direction::Write, cx, &mut op)).await
    }

    /// Poll form of [`read_with`](Async::read_with).
    ///
    /// # Errors
    ///
    /// Returns `op`'s error, or the reactor's once it is shut down.
    pub fn poll_read_with<R>(&self, cx: &mut Context<'_>, op: impl FnMut(&T) -> io::Result<R>) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Read, cx, op)
    }

    /// Poll form of [`write_with`](Async::write_with).
    ///
    /// # Errors
    ///
    /// Returns `op`'s error, or the reactor's once it is shut down.
    pub fn poll_write_with<R>(&self, cx: &mut Context<'_>, op: impl FnMut(&T) -> io::Result<R>) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Write, cx, op)
    }

    /// The operation loop: take a unit of budget, wait for readiness, try
    /// `op`; on `WouldBlock` clear the readiness observed and go round.
    fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let budget = ready!(coop::poll_proceed(cx));
        loop {
            let event = ready!(self.registration.poll_ready(dir, cx, self.source()))?;
            match op(self.get_ref()) {
                Ok(value) => {
                    budget.made_progress();
                    return Poll::Ready(Ok(value));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // A stale clear (an event arrived meanwhile) keeps the
                    // readiness, and the next round retries at once.
                    let _ = self.registration.clear_readiness(event);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    /// The fd (Unix) or socket (Windows) of the I/O object; `sys` builds
    /// `AsFd` / `AsSocket` for `Async` on it.
    pub(crate) fn source(&self) -> BorrowedSource<'_> {
        sys::source(self.get_ref())
    }
}

impl<T: AsSource> Drop for Async<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            // Delete from the poller first, then close the fd; the
            // registration (slab slot) is freed after this body.
            self.registration.deregister(sys::source(&io));
            drop(io);
        }
    }
}

impl<T: AsSource + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async").field("io", &self.io).field("registration", &self.registration).finish()
    }
}

impl<T: AsSource> AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Read, cx, |mut io| io.read(buf))
    }
}

impl<T: AsSource> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Read, cx, |mut io| io.read(buf))
    }
}

impl<T: AsSource> AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Write, cx, |mut io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Write, cx, |mut io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Most fds flush at once (sockets have nothing to flush); only a
        // flush that would block waits for writability.
        match self.get_ref().flush() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.poll_io(Direction::Write, cx, |mut io| io.flush()),
            r => Poll::Ready(r),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
