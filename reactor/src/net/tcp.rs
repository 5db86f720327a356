//! TCP: [`TcpListener`], [`TcpStream`] and its read/write halves.

use std::fmt;
use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::{each_addr, lookup_host, ToSocketAddrs};
use crate::async_io::Async;
use crate::blocking;
use crate::handle::Handle;

/// A TCP socket server, listening for connections.
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
/// # let _client = TcpStream::connect(listener.local_addr()?).await?;
/// for _ in 0..1 {
///     match listener.accept().await {
///         Ok((stream, peer)) => assert_eq!(stream.peer_addr()?, peer),
///         // EMFILE/ENFILE and friends: back off and carry on.
///         Err(e) => eprintln!("accept failed: {e}"),
///     }
/// }
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds a listener to `addr` (each resolved address in turn, until one
    /// binds).
    ///
    /// # Errors
    ///
    /// Fails if no address resolves or binds, or if the reactor refuses the
    /// socket.
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
    /// let listener = spindle_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    /// assert!(listener.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let handle = Handle::current();
        let addrs = lookup_host(addr).await?;
        each_addr(addrs, |addr| {
            let handle = handle.clone();
            async move {
                let listener = std::net::TcpListener::bind(addr)?;
                TcpListener::from_std_in(&handle, listener)
            }
        })
        .await
    }

    /// Wraps a `std` listener, registering it with the current reactor.
    ///
    /// # Errors
    ///
    /// Fails if the socket cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let addr = std_listener.local_addr()?;
    /// let listener = spindle_reactor::net::TcpListener::from_std(std_listener)?;
    /// assert_eq!(listener.local_addr()?, addr);
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std_in(&Handle::current(), listener)
    }

    fn from_std_in(handle: &Handle, listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener { io: Async::new_in(handle.reactor(), listener)? })
    }

    /// Accepts a connection. The stream is registered with the listener's
    /// reactor.
    ///
    /// # Errors
    ///
    /// Returns the `accept` error: `EMFILE`/`ENFILE` (out of descriptors),
    /// `ECONNABORTED`, ... The listener stays usable; a pending connection
    /// stays queued for the next call.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let listener = spindle_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let _client = spindle_reactor::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (stream, peer) = listener.accept().await?;
    /// assert_eq!(stream.peer_addr()?, peer);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Poll form of [`accept`](TcpListener::accept).
    ///
    /// # Errors
    ///
    /// As for `accept`.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_read_with(cx, |l| l.accept()))?;
        let stream = Async::new_in(self.io.reactor(), stream)?;
        Poll::Ready(Ok((TcpStream { io: stream }, addr)))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// Returns the `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The underlying `std` listener.
    pub fn get_ref(&self) -> &std::net::TcpListener {
        self.io.get_ref()
    }
}

socket_traits!(TcpListener);

/// A TCP connection.
///
/// Operations take `&self`, so several tasks may share a stream (an event
/// wakes every task waiting in its direction); to hand the two directions
/// to different owners, use [`split`](TcpStream::split) or
/// [`into_split`](TcpStream::into_split).
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
    /// `std` has no non-blocking connect, so the connect itself runs on the
    /// blocking spawner (see [`set_blocking_spawner`](crate::set_blocking_spawner)).
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
            async move {
                let stream = blocking::run(move || std::net::TcpStream::connect(addr)).await?;
                TcpStream::from_std_in(&handle, stream)
            }
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

    fn from_std_in(handle: &Handle, stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream { io: Async::new_in(handle.reactor(), stream)? })
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
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
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
    /// With `futures_util::AsyncReadExt` in scope, `stream.split()` resolves
    /// to that trait's by-value `split` (a lock-based split); write
    /// `TcpStream::split(&mut stream)` to get this one.
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
        (ReadHalf(self), WriteHalf(self))
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
        let inner = Arc::new(self);
        (OwnedReadHalf { inner: inner.clone() }, OwnedWriteHalf { inner })
    }

    fn poll_read_priv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| (&*s).read(buf))
    }

    fn poll_write_priv(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| (&*s).write(buf))
    }

    fn poll_write_vectored_priv(&self, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| (&*s).write_vectored(bufs))
    }

    /// Shuts the write side down; a peer that is already gone is not an
    /// error here (closing twice is fine).
    fn close_write(&self) -> Poll<io::Result<()>> {
        match self.shutdown(Shutdown::Write) {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Poll::Ready(Ok(())),
            r => Poll::Ready(r),
        }
    }
}

socket_traits!(TcpStream);

/// Implements `AsyncRead` / `AsyncWrite` for a type by reaching the stream
/// through `$get`.
macro_rules! async_io_impls {
    ($ty:ty, $get:expr) => {
        impl AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(&self).poll_read_priv(cx, buf)
            }
        }
    };
    (write $ty:ty, $get:expr) => {
        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(&self).poll_write_priv(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(&self).poll_write_vectored_priv(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(&self).close_write()
            }
        }
    };
}

async_io_impls!(TcpStream, |s| s);
async_io_impls!(write TcpStream, |s| s);
async_io_impls!(&TcpStream, |s| *s);
async_io_impls!(write & TcpStream, |s| *s);
async_io_impls!(ReadHalf<'_>, |h| h.0);
async_io_impls!(write WriteHalf<'_>, |h| h.0);
async_io_impls!(OwnedReadHalf, |h| &*h.inner);
async_io_impls!(write OwnedWriteHalf, |h| &*h.inner);

/// The reading half of a [`TcpStream`], borrowed by
/// [`split`](TcpStream::split).
#[derive(Debug)]
pub struct ReadHalf<'a>(&'a TcpStream);

/// The writing half of a [`TcpStream`], borrowed by
/// [`split`](TcpStream::split). Closing it (`AsyncWrite::poll_close`) shuts
/// the connection's write side down.
#[derive(Debug)]
pub struct WriteHalf<'a>(&'a TcpStream);

/// The reading half of a [`TcpStream`], owned; from
/// [`into_split`](TcpStream::into_split).
#[derive(Debug)]
pub struct OwnedReadHalf {
    inner: Arc<TcpStream>,
}

/// The writing half of a [`TcpStream`], owned; from
/// [`into_split`](TcpStream::into_split). Closing it
/// (`AsyncWrite::poll_close`) shuts the connection's write side down.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    inner: Arc<TcpStream>,
}

impl ReadHalf<'_> {
    /// See [`TcpStream::read`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::read`].
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }

    /// See [`TcpStream::peek`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::peek`].
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.peek(buf).await
    }
}

impl WriteHalf<'_> {
    /// See [`TcpStream::write`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::write`].
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).await
    }

    /// See [`TcpStream::write_all`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::write_all`].
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.0.write_all(buf).await
    }
}

impl OwnedReadHalf {
    /// See [`TcpStream::read`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::read`].
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).await
    }

    /// See [`TcpStream::peek`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::peek`].
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.peek(buf).await
    }

    /// See [`TcpStream::peer_addr`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::peer_addr`].
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }

    /// Puts the halves back together.
    ///
    /// # Errors
    ///
    /// Gives both halves back if they come from different streams.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.inner, &other.inner) {
            return Err(ReuniteError(self, other));
        }
        drop(other);
        Ok(Arc::try_unwrap(self.inner).expect("both halves were given, so this is the last reference"))
    }
}

impl OwnedWriteHalf {
    /// See [`TcpStream::write`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::write`].
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).await
    }

    /// See [`TcpStream::write_all`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::write_all`].
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).await
    }

    /// See [`TcpStream::local_addr`].
    ///
    /// # Errors
    ///
    /// As for [`TcpStream::local_addr`].
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// Two halves that [`OwnedReadHalf::reunite`] refused, because they belong
/// to different streams; both are given back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}
