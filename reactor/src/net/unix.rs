//! Unix-domain sockets: [`UnixListener`], [`UnixStream`] (with tokio's
//! readiness family, `stream_readiness!`), [`UnixDatagram`].

use std::future::poll_fn;
use std::io::{self, IoSlice, Read, Write};
use std::mem::MaybeUninit;
use std::net::Shutdown;
use std::os::unix::net::{self as std_unix, SocketAddr};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::async_io::Async;
use crate::blocking;
use crate::handle::Handle;

/// A Unix-domain stream socket server.
///
/// ```
/// # let mut driver = spindle_reactor::IoDriver::new()?;
/// # let handle = driver.handle();
/// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
/// # let _guard = handle.enter();
/// # futures_executor::block_on(async {
/// use spindle_reactor::net::{UnixListener, UnixStream};
///
/// let path = std::env::temp_dir().join(format!("spindle-doc-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let client = UnixStream::connect(&path).await?;
/// let (server, _addr) = listener.accept().await?;
/// client.write_all(b"hey").await?;
/// let mut buf = [0u8; 3];
/// let mut n = 0;
/// while n < 3 {
///     n += server.read(&mut buf[n..]).await?;
/// }
/// assert_eq!(&buf, b"hey");
/// # std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    io: Async<std_unix::UnixListener>,
}

impl UnixListener {
    /// Binds a listener to the socket file `path` (which must not exist).
    ///
    /// # Errors
    ///
    /// The `bind` error (`AddrInUse` if the file exists), or the reactor's.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std_unix::UnixListener::bind(path)?)
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
    #[track_caller]
    pub fn from_std(listener: std_unix::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener { io: Async::new(listener)? })
    }

    /// Accepts a connection, registered with the listener's reactor.
    ///
    /// # Errors
    ///
    /// The `accept` error (`EMFILE`/`ENFILE` included); the listener stays
    /// usable.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Poll form of [`accept`](UnixListener::accept).
    ///
    /// # Errors
    ///
    /// As for `accept`.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, addr) = std::task::ready!(self.io.poll_read_with(cx, |l| l.accept()))?;
        let io = Async::new_in(self.io.reactor(), stream)?;
        Poll::Ready(Ok((UnixStream { io }, addr)))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

socket_traits!(UnixListener);

/// A Unix-domain stream connection.
///
/// As [`TcpStream`](super::TcpStream): futures-io's traits (tokio's with the
/// `tokio-io` feature) and tokio's readiness family
/// ([`readable`](UnixStream::readable), [`try_read`](UnixStream::try_read),
/// ...).
///
/// ```
/// # let mut driver = spindle_reactor::IoDriver::new()?;
/// # let handle = driver.handle();
/// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
/// # let _guard = handle.enter();
/// # futures_executor::block_on(async {
/// let (a, b) = spindle_reactor::net::UnixStream::pair()?;
/// a.write_all(b"hi").await?;
/// let mut buf = [0u8; 2];
/// let mut n = 0;
/// while n < 2 {
///     n += b.read(&mut buf[n..]).await?;
/// }
/// assert_eq!(&buf, b"hi");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixStream {
    io: Async<std_unix::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket file `path`. The connect runs on the blocking
    /// spawner (a full backlog makes a Unix `connect` wait).
    ///
    /// # Errors
    ///
    /// `NotFound`, `ConnectionRefused`, or the reactor's error.
    ///
    /// # Panics
    ///
    /// Panics if polled outside a spindle runtime.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let handle = Handle::current();
        if handle.is_shutdown() {
            return Err(crate::reactor::shutdown_error());
        }
        let path = path.as_ref().to_owned();
        let stream = blocking::run(move || std_unix::UnixStream::connect(path)).await?;
        Ok(UnixStream { io: Async::new_in(handle.reactor(), stream)? })
    }

    /// A connected pair of streams.
    ///
    /// # Errors
    ///
    /// The `socketpair` error, or the reactor's.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std_unix::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a `std` stream, registering it with the current reactor.
    ///
    /// # Errors
    ///
    /// Fails if the socket cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn from_std(stream: std_unix::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream { io: Async::new(stream)? })
    }

    /// Reads into `buf`; `Ok(0)` is EOF.
    ///
    /// # Errors
    ///
    /// Socket errors such as `ConnectionReset`.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| (&*s).read(buf)).await
    }

    /// Writes some of `buf`.
    ///
    /// # Errors
    ///
    /// `BrokenPipe` once the peer is gone (`SIGPIPE` is ignored by the Rust
    /// runtime), and other socket errors.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| (&*s).write(buf)).await
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// As for [`write`](UnixStream::write); `WriteZero` if a write accepts
    /// nothing.
    pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
        super::write_all(&self.io, buf).await
    }

    /// Reads into uninitialised memory: on `Ready(Ok(n))` the first `n`
    /// bytes of `buf` are initialised. The read hyper's adapter uses; see
    /// [`TcpStream::poll_read_uninit`](super::TcpStream::poll_read_uninit).
    ///
    /// # Errors
    ///
    /// As for [`read`](UnixStream::read).
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// use std::mem::MaybeUninit;
    /// let (a, b) = spindle_reactor::net::UnixStream::pair()?;
    /// a.write_all(b"hey").await?;
    /// let mut buf = [MaybeUninit::<u8>::uninit(); 8];
    /// let n = std::future::poll_fn(|cx| b.poll_read_uninit(cx, &mut buf)).await?;
    /// assert!(n > 0 && n <= 3);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_read_uninit(&self, cx: &mut Context<'_>, buf: &mut [MaybeUninit<u8>]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| socket2::SockRef::from(s).recv(buf))
    }

    /// Shuts down the read, write, or both halves.
    ///
    /// # Errors
    ///
    /// The `shutdown` error.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The `getpeername` error.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The underlying `std` stream (non-blocking).
    pub fn get_ref(&self) -> &std_unix::UnixStream {
        self.io.get_ref()
    }
}

impl UnixStream {
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

/// `AsyncRead` and `AsyncWrite` for `UnixStream` and `&UnixStream`, which
/// are the same code.
macro_rules! unix_stream_io {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                self.io.poll_read_with(cx, |s| (&*s).read(buf))
            }
        }

        impl AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                self.poll_write_priv(cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                self.poll_write_vectored_priv(cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.close_write()
            }
        }
    };
}

unix_stream_io!(UnixStream);
unix_stream_io!(&UnixStream);

socket_traits!(UnixStream);

stream_readiness!(
    UnixStream,
    "# let mut driver = spindle_reactor::IoDriver::new()?;
# let handle = driver.handle();
# std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
# let _guard = handle.enter();
# futures_executor::block_on(async {
# let (a, b) = spindle_reactor::net::UnixStream::pair()?;"
);

/// A Unix-domain datagram socket.
pub struct UnixDatagram {
    io: Async<std_unix::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds a socket to the socket file `path`.
    ///
    /// # Errors
    ///
    /// The `bind` error, or the reactor's.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std_unix::UnixDatagram::bind(path)?)
    }

    /// A socket bound to no address.
    ///
    /// # Errors
    ///
    /// The `socket` error, or the reactor's.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std_unix::UnixDatagram::unbound()?)
    }

    /// A connected pair of sockets.
    ///
    /// # Errors
    ///
    /// The `socketpair` error, or the reactor's.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = std_unix::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Wraps a `std` socket, registering it with the current reactor.
    ///
    /// # Errors
    ///
    /// Fails if the socket cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Panics outside a spindle runtime.
    #[track_caller]
    pub fn from_std(socket: std_unix::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram { io: Async::new(socket)? })
    }

    /// Sets the default peer.
    ///
    /// # Errors
    ///
    /// The `connect` error.
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends `buf` to the socket at `path`.
    ///
    /// # Errors
    ///
    /// The `sendto` error.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.write_with(|s| s.send_to(buf, path)).await
    }

    /// Receives one datagram and its source address.
    ///
    /// # Errors
    ///
    /// The `recvfrom` error.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// Sends `buf` to the connected peer.
    ///
    /// # Errors
    ///
    /// The `send` error.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// The `recv` error.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    ///
    /// The `getpeername` error.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

socket_traits!(UnixDatagram);
