//! Async sockets: TCP, UDP and (on Unix) Unix-domain sockets.
//!
//! Every type wraps its `std` counterpart in an [`Async`](crate::Async) and
//! is registered with the reactor of the runtime that created it
//! (`Handle::current()` at construction). Operations are `async fn`s taking
//! `&self`; the stream types also implement `futures-io`'s `AsyncRead` and
//! `AsyncWrite`.
//!
//! Addresses are anything [`ToSocketAddrs`]: literal addresses are parsed
//! without a syscall, host names are looked up on the blocking spawner (see
//! [`set_blocking_spawner`](crate::set_blocking_spawner)) and never on a
//! worker. A TCP `connect` is non-blocking, on the reactor
//! ([`TcpSocket::connect`]); a Unix-domain `connect` (which waits when the
//! listener's backlog is full) runs on the blocking spawner. Socket options
//! beyond `std`'s come from [`TcpSocket`], or from `socket2::SockRef` on any
//! socket here (they all implement `AsFd` on Unix and `AsSocket` on
//! Windows).
//!
//! # Faults
//!
//! Every failure is an `io::Error`, never a panic or a hang: refused and
//! reset connections, `EMFILE`/`ENFILE` from `accept` (the listener stays
//! usable, so a server loop can back off and carry on), writes to a closed
//! peer (`BrokenPipe` or `ConnectionReset`). TCP writes use `MSG_NOSIGNAL`
//! inside `std` on Linux; Unix-domain writes rely on `SIGPIPE` being ignored,
//! which the Rust runtime does before `main` in every Rust binary (test
//! harnesses included).

/// Implements `AsFd` and `AsRawFd` (Unix) or `AsSocket` and `AsRawSocket`
/// (Windows), through the `sys` seam, and `Debug` for a socket type whose
/// `io` field is the `Async` it wraps. Defined before the modules that use
/// it.
macro_rules! socket_traits {
    ($ty:ident) => {
        crate::sys::source_traits!($ty, io);

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).field("io", &self.io).finish()
            }
        }
    };
}

#[macro_use]
mod stream_readiness;

mod addr;
mod tcp;
#[cfg(feature = "tokio-io")]
mod tokio_io;
mod udp;
#[cfg(unix)]
mod unix;

pub use crate::readiness::{Interest, Ready};
pub use addr::{lookup_host, ToSocketAddrs};
pub use tcp::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, TcpListener, TcpSocket, TcpStream, WriteHalf};
pub use udp::UdpSocket;
#[cfg(unix)]
pub use unix::{UnixDatagram, UnixListener, UnixStream};

use std::io::{self, Write};
use std::net::SocketAddr;

use crate::sys::AsSource;

/// `write_all` for every stream type: `write` until `buf` is gone.
///
/// # Errors
///
/// The first `write` error; `WriteZero` if a write accepts nothing.
async fn write_all<T: AsSource>(io: &crate::async_io::Async<T>, mut buf: &[u8]) -> io::Result<()>
where
    for<'a> &'a T: Write,
{
    while !buf.is_empty() {
        match io.write_with(|mut s| s.write(buf)).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => buf = &buf[n..],
        }
    }
    Ok(())
}

/// Tries `op` on each address in turn; returns the first success or the
/// last error.
async fn each_addr<T, F, Fut>(addrs: Vec<SocketAddr>, mut op: F) -> io::Result<T>
where
    F: FnMut(SocketAddr) -> Fut,
    Fut: std::future::Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in addrs {
        match op(addr).await {
            Ok(v) => return Ok(v),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "could not resolve to any address")))
}
