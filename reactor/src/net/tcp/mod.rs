//! TCP: [`TcpListener`], [`TcpStream`] and its halves, and [`TcpSocket`]
//! for setting options before `bind`/`connect`.
//!
//! | file | what it owns |
//! |---|---|
//! | `socket.rs` | [`TcpSocket`]: a socket2 socket before it is a stream or a listener, and the non-blocking `connect` |
//! | `listener.rs` | [`TcpListener`]: `bind`, `accept` |
//! | `stream.rs` | [`TcpStream`]: the connection, its operations and its futures-io impls |
//! | `split.rs` | the borrowed and owned halves: one macro per direction gives each half its methods and its futures-io impl, from "how a half reaches its stream" |
//!
//! # Connecting without a thread
//!
//! [`TcpStream::connect`] creates a non-blocking socket, calls `connect`
//! (which answers `EINPROGRESS`), registers the socket with the reactor and
//! waits for writability, then reads `SO_ERROR` (`take_error`). No
//! blocking-pool thread is involved (only a host name lookup runs there), so
//! dropping the future (or a `timeout` around it) closes the socket and frees
//! everything at once.
//!
//! # `split` and `AsyncReadExt::split`
//!
//! [`TcpStream::split`] (borrowed halves) and [`TcpStream::into_split`]
//! (owned halves) keep tokio's names and signatures, so code written for
//! tokio's `TcpStream` compiles unchanged and means the same. The clash is
//! with futures-util's `AsyncReadExt::split`, which takes `self` by value:
//! for an owned `stream`, Rust's method lookup tries by-value receivers
//! before `&mut self` ones, so with that trait in scope `stream.split()`
//! silently picks the lock-based split. No signature on this side can win
//! that lookup (only a by-value method could, and borrowed halves need a
//! borrow), and renaming spindle's `split` would break every tokio caller
//! instead. So the clash is removed on the trait side, as tokio does it:
//! tokio's `AsyncReadExt` has no `split` (its `io::split` is a free
//! function), and an extension trait spindle exports should leave it out
//! too. On a `&mut TcpStream` (a function's parameter) the inherent method
//! wins either way.

/// Implements futures-io's `AsyncRead` (`read`), `AsyncWrite` (`write`) or
/// both (no keyword) for a type that reaches its [`TcpStream`] through
/// `$get`. Defined before the modules that use it.
macro_rules! stream_io_impls {
    ($ty:ty, $get:expr) => {
        stream_io_impls!(read $ty, $get);
        stream_io_impls!(write $ty, $get);
    };
    (read $ty:ty, $get:expr) => {
        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let get: fn(&Self) -> &$crate::net::TcpStream = $get;
                get(&self).poll_read_priv(cx, buf)
            }
        }
    };
    (write $ty:ty, $get:expr) => {
        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let get: fn(&Self) -> &$crate::net::TcpStream = $get;
                get(&self).poll_write_priv(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let get: fn(&Self) -> &$crate::net::TcpStream = $get;
                get(&self).poll_write_vectored_priv(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let get: fn(&Self) -> &$crate::net::TcpStream = $get;
                get(&self).close_write()
            }
        }
    };
}

mod listener;
mod socket;
mod split;
mod stream;

pub use listener::TcpListener;
pub use socket::TcpSocket;
pub use split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, ReuniteError, WriteHalf};
pub use stream::TcpStream;
