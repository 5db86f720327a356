//! [`SpindleIo`] and [`FuturesIo`]: hyper's `rt::Read` / `rt::Write`.
//!
//! hyper hands `poll_read` a cursor over the spare, *uninitialised*
//! capacity of its read buffer. futures-io's `AsyncRead` takes `&mut [u8]`,
//! which must be initialised, so an adapter built on it has to zero the
//! buffer first (smol-hyper zeroes all of it on every read, which cost 14 %
//! of requests per second in a measurement for issue 13). [`SpindleIo`]
//! avoids that for spindle's own sockets: it calls the stream's
//! `poll_read_uninit`, a `recv` (socket2) straight into hyper's memory
//! through the reactor's usual readiness steps, then advances the cursor by
//! what `recv` wrote. [`FuturesIo`] wraps any other futures-io type and
//! zeroes only what it passes on (at most `FUTURES_READ_CHUNK` (16 KiB), and
//! nothing hyper already initialised).
//!
//! Writes go through the streams' futures-io `AsyncWrite` impls on `&T`
//! (vectored writes included); `poll_shutdown` shuts the write side down.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::ReadBufCursor;

use crate::net::TcpStream;

/// How many bytes of hyper's buffer [`FuturesIo`] initialises and offers to
/// the inner reader per read: hyper's first read size (8 KiB) doubled, so a
/// read never gets less than hyper would ask for at its start.
const FUTURES_READ_CHUNK: usize = 16 * 1024;

/// A spindle [`TcpStream`] or (on Unix) `UnixStream` as hyper's `rt::Read` and
/// `rt::Write`, reading into hyper's uninitialised buffer without zeroing it.
/// hyper-util's `TokioIo`, for spindle.
///
/// ```
/// spindle::block_on(async {
///     let (a, _b) = spindle::net::UnixStream::pair()?;
///     let io = spindle::hyper::SpindleIo::new(a);
///     assert!(io.inner().peer_addr().is_ok());
///     let _stream: spindle::net::UnixStream = io.into_inner();
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct SpindleIo<T> {
    inner: T,
}

impl<T> SpindleIo<T> {
    /// Wraps a stream.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (a, _b) = spindle::net::UnixStream::pair()?;
    ///     let _io = spindle::hyper::SpindleIo::new(a);
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(inner: T) -> SpindleIo<T> {
        SpindleIo { inner }
    }

    /// The stream.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (a, _b) = spindle::net::UnixStream::pair()?;
    ///     let io = spindle::hyper::SpindleIo::new(a);
    ///     assert!(io.inner().local_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (a, _b) = spindle::net::UnixStream::pair()?;
    ///     let mut io = spindle::hyper::SpindleIo::new(a);
    ///     assert!(io.inner_mut().peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (a, _b) = spindle::net::UnixStream::pair()?;
    ///     let stream = spindle::hyper::SpindleIo::new(a).into_inner();
    ///     assert!(stream.peer_addr().is_ok());
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// `rt::Read` and `rt::Write` for `SpindleIo<$ty>`, where `$ty` has
/// `poll_read_uninit` and futures-io `AsyncWrite` on `&$ty`.
macro_rules! spindle_io {
    ($ty:ty) => {
        impl hyper::rt::Read for SpindleIo<$ty> {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                mut buf: ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                // SAFETY: `recv` only writes bytes into the slice (it never
                // de-initialises any), which is `as_mut`'s condition.
                let spare = unsafe { buf.as_mut() };
                let n = ready!(self.inner.poll_read_uninit(cx, spare))?;
                // SAFETY: `poll_read_uninit` returned `n`, the count `recv`
                // wrote, so the first `n` bytes of the cursor are initialised.
                unsafe { buf.advance(n) };
                Poll::Ready(Ok(()))
            }
        }

        impl hyper::rt::Write for SpindleIo<$ty> {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                Pin::new(&mut &self.inner).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &self.inner).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &self.inner).poll_flush(cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut &self.inner).poll_close(cx)
            }
        }
    };
}

spindle_io!(TcpStream);
#[cfg(unix)]
spindle_io!(crate::net::UnixStream);

/// Any futures-io `AsyncRead` / `AsyncWrite` as hyper's `rt::Read` /
/// `rt::Write` (a TLS stream, an in-memory pipe, ...).
///
/// A read zeroes the part of hyper's buffer it offers (at most 16 KiB,
/// skipping what is already initialised), as
/// `AsyncRead` requires; prefer [`SpindleIo`] for spindle's own sockets.
///
/// ```
/// spindle::block_on(async {
///     let (a, _b) = spindle::net::UnixStream::pair()?;
///     let io = spindle::hyper::FuturesIo::new(a);
///     assert!(io.inner().peer_addr().is_ok());
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct FuturesIo<T> {
    inner: T,
}

impl<T> FuturesIo<T> {
    /// Wraps a futures-io type.
    ///
    /// ```
    /// let _io = spindle::hyper::FuturesIo::new(futures_util::io::Cursor::new(Vec::<u8>::new()));
    /// ```
    pub fn new(inner: T) -> FuturesIo<T> {
        FuturesIo { inner }
    }

    /// The wrapped value.
    ///
    /// ```
    /// let io = spindle::hyper::FuturesIo::new(futures_util::io::Cursor::new(vec![1u8]));
    /// assert_eq!(io.inner().get_ref(), &[1]);
    /// ```
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped value, mutably.
    ///
    /// ```
    /// let mut io = spindle::hyper::FuturesIo::new(futures_util::io::Cursor::new(vec![1u8]));
    /// io.inner_mut().get_mut().push(2);
    /// assert_eq!(io.inner().get_ref(), &[1, 2]);
    /// ```
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the value.
    ///
    /// ```
    /// let io = spindle::hyper::FuturesIo::new(futures_util::io::Cursor::new(vec![1u8]));
    /// assert_eq!(io.into_inner().into_inner(), vec![1]);
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for FuturesIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, mut buf: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        let len = buf.remaining().min(FUTURES_READ_CHUNK);
        let dst = buf.initialize_unfilled_to(len);
        let n = ready!(Pin::new(&mut self.inner).poll_read(cx, dst))?;
        if n > len {
            // A broken reader: an error for this connection, not a panic
            // in the task serving it.
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("FuturesIo: AsyncRead::poll_read returned {n} for a buffer of {len} bytes"),
            )));
        }
        // SAFETY: `initialize_unfilled_to(len)` initialised the first `len`
        // bytes of the cursor, and `n <= len`.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for FuturesIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}
