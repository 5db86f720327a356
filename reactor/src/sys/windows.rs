//! The Windows side of the reactor's one platform seam: sources are
//! sockets, and `polling` drives them through its IOCP backend (AFD polls
//! on an I/O completion port, as wepoll and mio do).
//!
//! IOCP has no edge mode (`Poller::supports_edge()` is false), so the
//! reactor runs its oneshot path there: an event disarms the socket and the
//! next poll that goes `Pending` re-arms it (`Registration::rearm`). Only
//! sockets can be registered; pipes, files and consoles cannot.
//!
//! Every item here has a namesake in `unix.rs`; the rest of the crate names
//! only `sys::*`.

use std::io;

pub(crate) use std::os::windows::io::{
    AsRawSocket as AsRawSource, AsSocket as AsSource, BorrowedSocket as BorrowedSource, RawSocket as RawSource,
};

/// `WSAEWOULDBLOCK`: what a non-blocking `connect` returns on Windows while
/// the connection is under way (winsock.h; Windows has no `EINPROGRESS`
/// from `connect`). Named here rather than through a Windows bindings crate
/// for one constant.
const WSAEWOULDBLOCK: i32 = 10035;

/// Borrows the source (the socket) of an I/O object.
pub(crate) fn source<T: AsSource + ?Sized>(io: &T) -> BorrowedSource<'_> {
    io.as_socket()
}

/// The raw source (the `SOCKET` handle) of an I/O object, for `Debug`
/// output.
pub(crate) fn raw<T: AsRawSource + ?Sized>(io: &T) -> RawSource {
    io.as_raw_socket()
}

/// Puts a socket into non-blocking mode (`ioctlsocket(FIONBIO)`, through
/// socket2's `SockRef`, which borrows and never closes it).
pub(crate) fn set_nonblocking(socket: BorrowedSource<'_>) -> io::Result<()> {
    socket2::SockRef::from(&socket).set_nonblocking(true)
}

/// Whether a non-blocking `connect` error only means "under way; wait for
/// writability": `WSAEWOULDBLOCK` on Windows.
pub(crate) fn is_connect_in_progress(e: &io::Error) -> bool {
    e.raw_os_error() == Some(WSAEWOULDBLOCK)
}

/// Implements `AsSocket`, `AsRawSocket` for `$ty` by delegating to its
/// field `$field` (an `Async` or a socket2 `Socket`).
macro_rules! source_traits {
    ($ty:ident, $field:ident) => {
        impl std::os::windows::io::AsSocket for $ty {
            fn as_socket(&self) -> std::os::windows::io::BorrowedSocket<'_> {
                std::os::windows::io::AsSocket::as_socket(&self.$field)
            }
        }

        impl std::os::windows::io::AsRawSocket for $ty {
            fn as_raw_socket(&self) -> std::os::windows::io::RawSocket {
                std::os::windows::io::AsRawSocket::as_raw_socket(&self.$field)
            }
        }
    };
}
pub(crate) use source_traits;

impl<T: AsSource> std::os::windows::io::AsSocket for crate::Async<T> {
    fn as_socket(&self) -> BorrowedSource<'_> {
        self.source()
    }
}

impl<T: AsSource> std::os::windows::io::AsRawSocket for crate::Async<T> {
    fn as_raw_socket(&self) -> RawSource {
        raw(&self.source())
    }
}
