//! The `tokio-io` feature: tokio's `AsyncRead` / `AsyncWrite` implemented
//! on the stream types themselves ([`TcpStream`], its borrowed and owned
//! halves, [`UnixStream`]), so tokio-util codecs and other crates written
//! against tokio's io traits take them as they are. tokio is built with no
//! features: only its trait definitions and `ReadBuf`. The orphan rule is
//! why these impls live here and not in the `spindle` facade (which keeps
//! `TokioIo` for other futures-io types).
//!
//! The mapping, and nothing else:
//!
//! | tokio | spindle |
//! |---|---|
//! | `poll_read(ReadBuf)` | `poll_read_uninit` into the `ReadBuf`'s unfilled part: `recv` into uninitialised memory, no zeroing (tokio's own streams do the same) |
//! | `poll_write`, `poll_write_vectored` | the futures-io ones (`is_write_vectored`: true) |
//! | `poll_flush` | nothing to flush: ready |
//! | `poll_shutdown` | `shutdown(Write)` (a peer already gone is not an error), as futures-io's `poll_close` |
//!
//! What the mapping costs is the `tokio_io_codec` bench row (a
//! tokio-util `LinesCodec` over one loopback connection, beside tokio's
//! own `TcpStream`).

use std::io;
use std::mem::MaybeUninit;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;

use super::tcp::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, TcpStream, WriteHalf};
#[cfg(unix)]
use super::unix::UnixStream;

/// A `poll_read_uninit` into `buf`'s unfilled part, as tokio's `poll_read`.
fn read_into(
    buf: &mut ReadBuf<'_>,
    read: impl FnOnce(&mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<()>> {
    // SAFETY: `read` (a `poll_read_uninit`) only writes initialised bytes
    // into the slice (`recv` fills a prefix) and never de-initialises any.
    let unfilled = unsafe { buf.unfilled_mut() };
    let n = std::task::ready!(read(unfilled))?;
    // SAFETY: `poll_read_uninit`'s contract: on `Ok(n)` the first `n` bytes
    // of the unfilled part are initialised.
    unsafe { buf.assume_init(n) };
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// tokio's `AsyncRead` (`read`), `AsyncWrite` (`write`) for `$ty`, which
/// reaches its stream (a `$stream`) through `$get`.
macro_rules! tokio_io {
    (read $ty:ty => $stream:ty, $get:expr) => {
        impl tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let get: fn(&Self) -> &$stream = $get;
                let stream = get(&self);
                read_into(buf, |unfilled| stream.poll_read_uninit(cx, unfilled))
            }
        }
    };
    (write $ty:ty => $stream:ty, $get:expr) => {
        impl tokio::io::AsyncWrite for $ty {
            fn poll_write(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                let get: fn(&Self) -> &$stream = $get;
                get(&self).poll_write_priv(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let get: fn(&Self) -> &$stream = $get;
                get(&self).poll_write_vectored_priv(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
                let get: fn(&Self) -> &$stream = $get;
                get(&self).close_write()
            }
        }
    };
}

tokio_io!(read TcpStream => TcpStream, |s| s);
tokio_io!(write TcpStream => TcpStream, |s| s);
tokio_io!(read ReadHalf<'_> => TcpStream, ReadHalf::stream);
tokio_io!(write WriteHalf<'_> => TcpStream, WriteHalf::stream);
tokio_io!(read OwnedReadHalf => TcpStream, OwnedReadHalf::stream);
tokio_io!(write OwnedWriteHalf => TcpStream, OwnedWriteHalf::stream);
#[cfg(unix)]
tokio_io!(read UnixStream => UnixStream, |s| s);
#[cfg(unix)]
tokio_io!(write UnixStream => UnixStream, |s| s);
