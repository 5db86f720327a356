//! The Unix side of the reactor's one platform seam: sources are file
//! descriptors, `polling` drives them through epoll (Linux, Android),
//! kqueue (macOS, iOS, the BSDs) or event ports (illumos, Solaris), and all
//! of those support edge mode, so a source is armed once.
//!
//! Every item here has a namesake in `windows.rs`; the rest of the crate
//! names only `sys::*`, never `std::os::fd` or `std::os::windows`. Nothing
//! here is specific to one Unix poller: kqueue and epoll share every line.

use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream as StdUnixStream;

pub(crate) use std::os::fd::{
    AsFd as AsSource, AsRawFd as AsRawSource, BorrowedFd as BorrowedSource, RawFd as RawSource,
};

/// Borrows the source (the fd) of an I/O object.
pub(crate) fn source<T: AsSource + ?Sized>(io: &T) -> BorrowedSource<'_> {
    io.as_fd()
}

/// The raw source (the fd number) of an I/O object, for `Debug` output.
pub(crate) fn raw<T: AsRawSource + ?Sized>(io: &T) -> RawSource {
    io.as_raw_fd()
}

/// Sets `O_NONBLOCK` on any fd.
///
/// `std` only exposes `set_nonblocking` on its socket types. On Unix it is
/// `ioctl(FIONBIO)` (or `fcntl`), which works on every kind of fd (pipes,
/// ttys, character devices), so we borrow the fd as a `UnixStream` view
/// that is never dropped.
pub(crate) fn set_nonblocking(fd: BorrowedSource<'_>) -> io::Result<()> {
    let raw = raw(&fd);
    // SAFETY: `raw` is open for the whole call (it comes from a live
    // `BorrowedFd`). The `UnixStream` is wrapped in `ManuallyDrop` and never
    // dropped, so it never closes the fd it does not own; it is used for
    // `set_nonblocking` only, which changes a file status flag and touches no
    // memory. Viewing a non-socket fd through a socket type is a type
    // mismatch, not a memory-safety issue: the flag call behaves the same on
    // any fd.
    let view = ManuallyDrop::new(unsafe { StdUnixStream::from_raw_fd(raw) });
    view.set_nonblocking(true)
}

/// Whether a non-blocking `connect` error only means "under way; wait for
/// writability": `EINPROGRESS` (`io::ErrorKind::InProgress` is not stable).
pub(crate) fn is_connect_in_progress(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EINPROGRESS)
}

/// Implements `AsFd`, `AsRawFd` for `$ty` by delegating to its field
/// `$field` (an `Async` or a socket2 `Socket`).
macro_rules! source_traits {
    ($ty:ident, $field:ident) => {
        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                std::os::fd::AsFd::as_fd(&self.$field)
            }
        }

        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                std::os::fd::AsRawFd::as_raw_fd(&self.$field)
            }
        }
    };
}
pub(crate) use source_traits;

impl<T: AsSource> std::os::fd::AsFd for crate::Async<T> {
    fn as_fd(&self) -> BorrowedSource<'_> {
        self.source()
    }
}

impl<T: AsSource> std::os::fd::AsRawFd for crate::Async<T> {
    fn as_raw_fd(&self) -> RawSource {
        raw(&self.source())
    }
}
