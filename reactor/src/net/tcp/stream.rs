//! [`TcpStream`]: a TCP connection, its `async fn` operations (all on
//! `&self`), tokio's readiness family (`readable`, `try_read`, ...: the
//! `stream_readiness!` macro), and its futures-io impls (tokio's io traits
//! with the `tokio-io` feature: `net/tokio_io.rs`).

use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};

use socket2::SockRef;

use super::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::TcpSocket;
use crate::async_io::Async;
use crate::handle::Handle;
use crate::net::{each_addr, lookup_host, write_all, ToSocketAddrs};

/// A TCP connection.
///
/// Operations take `&self`, so several tasks may share a stream (an event
/// wakes every task waiting in its direction); to hand the two directions
/// to different owners, use [`split`](TcpStream::split) or
/// [`into_split`](TcpStream::into_split).
///
/// It implements futures-io's `AsyncRead` / `AsyncWrite` and, with the
/// `tokio-io` feature, tokio's (so a tokio-util `Framed` takes it as it
/// is). Non-blocking use follows tokio's: [`readable`](TcpStream::readable)
/// / [`writable`](TcpStream::writable) / [`ready`](TcpStream::ready), then
/// [`try_read`](TcpStream::try_read) / [`try_write`](TcpStream::try_write)
/// and their vectored forms, or [`try_io`](TcpStream::try_io) /
/// [`async_io`](TcpStream::async_io) for a custom syscall.
///
/// # Examples
///
/// ```
/// # let mut driver = spindle_reactor::IoDriver::new()?;
/// # let handle = driver.handle();
/// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
/// # let _guard = handle.enter();
/// # futures_executor::block_on(async {
/// use spindle_reactor::net::{TcpListener, TcpStream};
///
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let stream = TcpStream::connect(listener.local_addr()?).await?;
/// let (peer, _) = listener.accept().await?;
/// stream.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// let mut n = 0;
/// while n < 4 {
///     n += peer.read(&mut buf[n..]).await?;
/// }
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpStream {
    io: Async<std::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr` (each resolved address in turn).
    ///
    /// The connect is non-blocking, on the reactor: `connect` answers
    /// `EINPROGRESS`, the task waits for writability, then reads `SO_ERROR`.
    /// No thread is involved (only a host name lookup runs on the blocking
    /// spawner), so dropping the future closes the socket at once. For
    /// options set before connecting, use [`TcpSocket`].
    ///
    /// # Errors
    ///
    /// `ConnectionRefused`, `TimedOut`, resolver errors, or the reactor's
    /// error once shut down.
    ///
    /// # Panics
    ///
    /// Panics if polled outside a spindle runtime.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let listener = spindle_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let port = listener.local_addr()?.port();
    /// let stream = spindle_reactor::net::TcpStream::connect(("localhost", port)).await?;
    /// assert_eq!(stream.peer_addr()?.port(), port);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let handle = Handle::current();
        if handle.is_shutdown() {
            return Err(crate::reactor::shutdown_error());
        }
        let addrs = lookup_host(addr).await?;
        each_addr(addrs, |addr| {
            let handle = handle.clone();
            async move { TcpSocket::for_addr(&addr)?.connect_in(&handle, addr).await }
        })
        .await
    }

    /// Wraps a connected `std` stream, registering it with the current
    /// reactor.
    ///
    /// # Errors
    ///
    /// Fails if the socket cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std_in(&Handle::current(), stream)
    }

    pub(super) fn from_std_in(handle: &Handle, stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream::from_async(Async::new_in(handle.reactor(), stream)?))
    }

    pub(super) fn from_async(io: Async<std::net::TcpStream>) -> TcpStream {
        TcpStream { io }
    }

    /// Waits until a non-blocking `connect` has finished: `Ok` once the
    /// socket is connected, the connect's error (`SO_ERROR`) if it failed.
    ///
    /// While the connect is in flight `SO_ERROR` is clear and `getpeername`
    /// answers `ENOTCONN`; that counts as `WouldBlock`, so the readiness the
    /// new registration starts with is cleared and the task waits for the
    /// writability event that ends the connect, through the same
    /// readiness/tick protocol as every write.
    pub(super) async fn wait_connected(&self) -> io::Result<()> {
        self.io
            .write_with(|s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => Err(io::ErrorKind::WouldBlock.into()),
                    Err(e) => Err(e),
                }
            })
            .await
    }

    /// Reads into `buf`; `Ok(0)` means the peer closed its write side (EOF).
    ///
    /// # Errors
    ///
    /// `ConnectionReset` and other socket errors.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| (&*s).read(buf)).await
    }

    /// Reads into `buf` without consuming the data.
    ///
    /// # Errors
    ///
    /// As for [`read`](TcpStream::read).
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.peek(buf)).await
    }

    /// Writes some of `buf`, returning how much.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` or `ConnectionReset` once the peer is gone, and other
    /// socket errors.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| (&*s).write(buf)).await
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// As for [`write`](TcpStream::write); `WriteZero` if a write accepts
    /// nothing.
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        write_all(&self.io, buf).await
    }

    /// Reads into uninitialised memory: on `Ready(Ok(n))` the first `n`
    /// bytes of `buf` are initialised (`recv` wrote them). This is the read
    /// hyper's adapter uses (its buffer is not zero-filled first); it goes
    /// through the same readiness and budget steps as
    /// [`read`](TcpStream::read).
    ///
    /// # Errors
    ///
    /// As for [`read`](TcpStream::read).
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// use std::mem::MaybeUninit;
    /// # let listener = spindle_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = spindle_reactor::net::TcpStream::connect(listener.local_addr()?).await?;
    /// # let (server, _) = listener.accept().await?;
    /// client.write_all(b"abc").await?;
    /// let mut buf = [MaybeUninit::<u8>::uninit(); 8];
    /// let n = std::future::poll_fn(|cx| server.poll_read_uninit(cx, &mut buf)).await?;
    /// assert!(n > 0 && n <= 3);
    /// // SAFETY: `recv` initialised the first `n` bytes.
    /// let got = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
    /// assert_eq!(got, &b"abc"[..n]);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_read_uninit(&self, cx: &mut Context<'_>, buf: &mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| SockRef::from(s).recv(buf))
    }

    /// Shuts down the read, write, or both halves of the connection.
    ///
    /// # Errors
    ///
    /// Returns the `shutdown` error (`NotConnected` if the peer is gone).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Sets `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// Returns the `setsockopt` error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// Returns the `getsockopt` error.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// The remote address.
    ///
    /// # Errors
    ///
    /// `NotConnected` once the peer is gone, or the `getpeername` error.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// Returns the `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The underlying `std` stream (non-blocking).
    pub fn get_ref(&self) -> &std::net::TcpStream {
        self.io.get_ref()
    }

    /// Borrowed halves, for reading and writing concurrently in one task
    /// (e.g. with `join`).
    ///
    /// The name and signature are tokio's, so tokio code compiles unchanged.
    /// futures-util's `AsyncReadExt` has a by-value `split` that Rust's
    /// method lookup prefers for an owned stream, and no signature here can
    /// win that lookup: an extension trait without `split` (tokio's has
    /// none; its `io::split` is a free function) is what removes the clash.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// use spindle_reactor::net::{TcpListener, TcpStream};
    ///
    /// # let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// # let client = TcpStream::connect(listener.local_addr()?).await?;
    /// # let (mut stream, _) = listener.accept().await?;
    /// let (reader, writer) = stream.split();
    /// writer.write_all(b"hi").await?;
    /// let mut buf = [0u8; 2];
    /// let mut n = 0;
    /// while n < 2 {
    ///     n += client.read(&mut buf[n..]).await?;
    /// }
    /// assert_eq!(&buf, b"hi");
    /// # let _ = reader;
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::borrowed(self)
    }

    /// Owned halves, for reading and writing from different tasks. Put them
    /// back together with [`OwnedReadHalf::reunite`].
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let listener = spindle_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let stream = spindle_reactor::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (reader, writer) = stream.into_split();
    /// let stream = reader.reunite(writer).expect("halves of one stream");
    /// assert!(stream.local_addr().is_ok());
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::owned(self)
    }

    pub(super) fn poll_read_priv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| (&*s).read(buf))
    }

    pub(crate) fn poll_write_priv(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| (&*s).write(buf))
    }

    pub(crate) fn poll_write_vectored_priv(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| (&*s).write_vectored(bufs))
    }

    /// Shuts the write side down; a peer that is already gone is not an
    /// error here (closing twice is fine).
    pub(crate) fn close_write(&self) -> Poll<io::Result<()>> {
        match self.shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            r => Poll::Ready(r),
        }
    }
}

socket_traits!(TcpStream);

stream_readiness!(
    TcpStream,
    "# let mut driver = spindle_reactor::IoDriver::new()?;
# let handle = driver.handle();
# std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
# let _guard = handle.enter();
# futures_executor::block_on(async {
# let listener = spindle_reactor::net::TcpListener::bind(\"127.0.0.1:0\").await?;
# let a = spindle_reactor::net::TcpStream::connect(listener.local_addr()?).await?;
# let (b, _) = listener.accept().await?;"
);

stream_io_impls!(TcpStream, |s| s);
stream_io_impls!(&TcpStream, |s| *s);
