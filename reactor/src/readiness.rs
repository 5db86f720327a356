//! Readiness as the socket types expose it: [`Interest`] and [`Ready`]
//! (tokio's `io::Interest` / `io::Ready`, the readable and writable kinds),
//! and the operations every socket type offers the same way on top of its
//! [`Async`]: `ready`, the `try_*` forms, `try_io` and `async_io`. The
//! types in [`crate::net`] are thin wrappers over these, so the behaviour
//! is written once.
//!
//! Every operation goes through `Async`'s operation loop (readiness,
//! syscall, clear the readiness on `WouldBlock`), so a `try_*` that fails
//! with `WouldBlock` clears exactly the readiness it disproved and a
//! `readable().await` then waits for the next event. A `try_*` is that
//! loop polled once with a no-op waker: `Pending` becomes `WouldBlock`
//! (also when the calling task's coop budget is spent). Readiness waits
//! spend the task's coop budget as tokio's do, so a loop of
//! `readable().await` and `try_read` still yields to other tasks.

use std::future::poll_fn;
use std::io;
use std::ops::{BitOr, BitOrAssign};
use std::task::{ready, Context, Poll, Waker};

use spindle_executor::coop;

use crate::async_io::Async;
use crate::sys::AsSource;

/// What a readiness wait waits for; tokio's `io::Interest` (the readable
/// and writable kinds).
///
/// ```
/// use spindle_reactor::net::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert!(!Interest::READABLE.is_writable());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Interest(u8);

impl Interest {
    /// Interest in reading (receiving, peeking).
    pub const READABLE: Interest = Interest(1);
    /// Interest in writing (sending).
    pub const WRITABLE: Interest = Interest(2);

    /// Both interests; usable in constants.
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// Whether reading is included.
    pub const fn is_readable(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether writing is included.
    pub const fn is_writable(self) -> bool {
        self.0 & 2 != 0
    }
}

impl BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

/// The readiness a `ready` wait found (on a socket or a stream); tokio's
/// `io::Ready` (the readable and writable bits).
///
/// ```
/// use spindle_reactor::net::Ready;
///
/// assert!(Ready::ALL.is_readable() && Ready::ALL.is_writable());
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Ready(u8);

impl Ready {
    /// Nothing ready.
    pub const EMPTY: Ready = Ready(0);
    /// Readable.
    pub const READABLE: Ready = Ready(1);
    /// Writable.
    pub const WRITABLE: Ready = Ready(2);
    /// Both.
    pub const ALL: Ready = Ready(3);

    /// Whether nothing is ready.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the readable bit is set.
    pub const fn is_readable(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether the writable bit is set.
    pub const fn is_writable(self) -> bool {
        self.0 & 2 != 0
    }
}

impl BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl<T: AsSource> Async<T> {
    /// Waits until the source is ready for any of `interest`, and says
    /// which (one unit of coop budget, as tokio's).
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>, interest: Interest) -> Poll<io::Result<Ready>> {
        let budget = ready!(coop::poll_proceed(cx));
        let mut found = Ready::EMPTY;
        if interest.is_readable() && ready_or_err(self.poll_readable(cx))? {
            found = found | Ready::READABLE;
        }
        if interest.is_writable() && ready_or_err(self.poll_writable(cx))? {
            found = found | Ready::WRITABLE;
        }
        if found.is_empty() {
            return Poll::Pending;
        }
        budget.made_progress();
        Poll::Ready(Ok(found))
    }

    /// `async` form of [`poll_ready`](Async::poll_ready).
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        poll_fn(|cx| self.poll_ready(cx, interest)).await
    }

    /// `op` through the read loop, polled once: `WouldBlock` instead of
    /// waiting.
    pub(crate) fn try_read_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        try_poll(self.poll_read_with(&mut noop_cx(), op))
    }

    /// `op` through the write loop, polled once: `WouldBlock` instead of
    /// waiting.
    pub(crate) fn try_write_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        try_poll(self.poll_write_with(&mut noop_cx(), op))
    }

    /// Runs a custom non-blocking `f` once if the source is ready for
    /// `interest` (reading if it includes `READABLE`, else writing); a
    /// `WouldBlock` from `f` clears that readiness.
    pub(crate) fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        let mut f = Some(f);
        // The loop calls the op again only when an event came in between;
        // `f` is spent then, so stop there without clearing anything.
        let op = |_: &T| match f.take() {
            Some(f) => f().map(Some),
            None => Ok(None),
        };
        let done = if interest.is_readable() { self.try_read_with(op) } else { self.try_write_with(op) };
        done?.ok_or_else(would_block)
    }

    /// Runs `f` until it stops returning `WouldBlock`, waiting for
    /// `interest` readiness in between (reading if it includes
    /// `READABLE`, else writing).
    pub(crate) async fn async_io<R>(&self, interest: Interest, mut f: impl FnMut() -> io::Result<R>) -> io::Result<R> {
        if interest.is_readable() {
            self.read_with(|_| f()).await
        } else {
            self.write_with(|_| f()).await
        }
    }
}

fn would_block() -> io::Error {
    io::Error::from(io::ErrorKind::WouldBlock)
}

/// A `Pending` from one no-op-waker poll, as a `try_*` result.
pub(crate) fn try_poll<R>(poll: Poll<io::Result<R>>) -> io::Result<R> {
    match poll {
        Poll::Ready(r) => r,
        Poll::Pending => Err(would_block()),
    }
}

/// A context whose waker does nothing: the `try_*` forms poll once.
pub(crate) fn noop_cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

/// `Ready(Ok(true))` ready, `Ok(false)` pending, `Err` shut down.
fn ready_or_err(poll: Poll<io::Result<()>>) -> io::Result<bool> {
    match poll {
        Poll::Ready(Ok(())) => Ok(true),
        Poll::Ready(Err(e)) => Err(e),
        Poll::Pending => Ok(false),
    }
}
