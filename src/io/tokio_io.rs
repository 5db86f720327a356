//! The `tokio-io` feature: tokio's `AsyncRead` / `AsyncWrite` on spindle's
//! streams, so tokio-util codecs and other crates written against tokio's
//! io traits run on spindle without a tokio runtime (tokio is built with no
//! features: only its trait definitions and `ReadBuf`).
//!
//! * The socket streams (`TcpStream`, its halves, `UnixStream`) implement
//!   them themselves, in `spindle-reactor` (its `tokio-io` feature, turned
//!   on by this one: the orphan rule puts those impls there), reading
//!   straight into the (possibly uninitialised) `ReadBuf`.
//! * [`DuplexStream`] implements them directly, the same way.
//! * Any other futures-io stream (a `BufReader`, a compression stream,
//!   ...) is wrapped in [`TokioIo`]. Its reads zero the part of the
//!   `ReadBuf` tokio has not initialised yet (`ReadBuf::initialize_unfilled`)
//!   before handing it to futures-io's `&mut [u8]` read: one `memset` of
//!   the buffer's uninitialised tail per read, the cost of the mapping.
//!
//! Shutdown maps to `poll_close`; flush to `poll_flush`; vectored writes
//! pass through.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;

use super::DuplexStream;

impl tokio::io::AsyncRead for DuplexStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.poll_read_tokio(cx, buf)
    }
}

impl tokio::io::AsyncWrite for DuplexStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.close_write();
        Poll::Ready(Ok(()))
    }
}

/// A futures-io stream seen through tokio's io traits (and still through
/// futures-io's); what tokio-util's `compat` does, without tokio-util.
/// spindle's own streams need no wrapper (see the module docs); it still
/// works on them, as below.
///
/// ```
/// use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
///
/// spindle::block_on(async {
///     let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let client = spindle::spawn(async move {
///         let mut stream = spindle::io::TokioIo::new(spindle::net::TcpStream::connect(addr).await?);
///         stream.write_all(b"via tokio's traits").await?;
///         stream.shutdown().await
///     });
///     let (stream, _) = listener.accept().await?;
///     let mut stream = spindle::io::TokioIo::new(stream);
///     let mut got = String::new();
///     stream.read_to_string(&mut got).await?;
///     assert_eq!(got, "via tokio's traits");
///     client.await.unwrap()
/// })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TokioIo<T> {
    inner: T,
}

impl<T> TokioIo<T> {
    /// Wraps a stream.
    ///
    /// ```
    /// let (a, _b) = spindle::io::duplex(8);
    /// let wrapped = spindle::io::TokioIo::new(a);
    /// let _a: spindle::io::DuplexStream = wrapped.into_inner();
    /// ```
    pub fn new(inner: T) -> TokioIo<T> {
        TokioIo { inner }
    }

    /// The wrapped stream.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }

    fn pinned(self: Pin<&mut Self>) -> Pin<&mut T>
    where
        T: Unpin,
    {
        Pin::new(&mut self.get_mut().inner)
    }
}

impl<T: futures_io::AsyncRead + Unpin> tokio::io::AsyncRead for TokioIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let n = std::task::ready!(self.pinned().poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: futures_io::AsyncWrite + Unpin> tokio::io::AsyncWrite for TokioIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.pinned().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.pinned().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        // futures-io has no such query; spindle's sockets write vectored.
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pinned().poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pinned().poll_close(cx)
    }
}

impl<T: futures_io::AsyncRead + Unpin> futures_io::AsyncRead for TokioIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.pinned().poll_read(cx, buf)
    }
}

impl<T: futures_io::AsyncWrite + Unpin> futures_io::AsyncWrite for TokioIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.pinned().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.pinned().poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pinned().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.pinned().poll_close(cx)
    }
}
