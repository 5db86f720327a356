//! [`TcpSocket`]: a TCP socket before it becomes a stream or a listener,
//! for setting options (through socket2) that must come before `bind`,
//! `listen` or `connect`. The API is tokio's `TcpSocket`.
//!
//! The socket is non-blocking from the start, so [`TcpSocket::connect`] is
//! a non-blocking connect on the reactor (see the [module docs](super)).
//! Options on a socket that already is a stream or a listener can be set
//! with `socket2::SockRef::from(&stream)` (every socket type implements
//! `AsFd` on Unix, `AsSocket` on Windows).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::{TcpListener, TcpStream};
use crate::handle::Handle;
use crate::sys;

/// A TCP socket that is not yet connected or listening.
///
/// # Examples
///
/// ```
/// # let mut driver = spindle_reactor::IoDriver::new()?;
/// # let handle = driver.handle();
/// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
/// # let _guard = handle.enter();
/// # futures_executor::block_on(async {
/// use spindle_reactor::net::TcpSocket;
///
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(1024)?;
///
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream = client.connect(listener.local_addr()?).await?;
/// assert!(stream.nodelay()?);
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    ///
    /// The `socket` error (`EMFILE` when out of descriptors).
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(socket.local_addr()?.is_ipv4());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    ///
    /// The `socket` error (`EAFNOSUPPORT` without IPv6).
    ///
    /// ```
    /// if let Ok(socket) = spindle_reactor::net::TcpSocket::new_v6() {
    ///     assert!(socket.local_addr()?.is_ipv6());
    /// }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    /// A socket of the family of `addr`.
    pub(super) fn for_addr(addr: &SocketAddr) -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::for_address(*addr))
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(domain, Type::STREAM, Some(Protocol::TCP))?;
        inner.set_nonblocking(true)?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_REUSEADDR` (bind to a port still in `TIME_WAIT`).
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_reuseaddr(true)?;
    /// assert!(socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// Reads `SO_REUSEADDR`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseaddr()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT` (several listeners on one port, the kernel
    /// spreading connections between them). Unix only: Windows has no
    /// `SO_REUSEPORT`.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_reuseport(true)?;
    /// assert!(socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(unix)]
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// Reads `SO_REUSEPORT` (Unix only).
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.reuseport()?);
    /// # std::io::Result::Ok(())
    /// ```
    #[cfg(unix)]
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_KEEPALIVE`.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// assert!(socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Reads `SO_KEEPALIVE`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.keepalive()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay); the stream keeps it.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Reads `TCP_NODELAY`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(!socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets `SO_SNDBUF` (the kernel may round it; Linux doubles it).
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_send_buffer_size(64 * 1024)?;
    /// assert!(socket.send_buffer_size()? >= 64 * 1024);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// Reads `SO_SNDBUF`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(socket.send_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(saturate)
    }

    /// Sets `SO_RCVBUF` (the kernel may round it; Linux doubles it).
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_recv_buffer_size(64 * 1024)?;
    /// assert!(socket.recv_buffer_size()? >= 64 * 1024);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// Reads `SO_RCVBUF`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(socket.recv_buffer_size()? > 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(saturate)
    }

    /// Sets `SO_LINGER`: `Some(Duration::ZERO)` makes `close` reset the
    /// connection instead of a graceful FIN.
    ///
    /// # Errors
    ///
    /// The `setsockopt` error.
    ///
    /// ```
    /// use std::time::Duration;
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_linger(Some(Duration::from_secs(1)))?;
    /// assert_eq!(socket.linger()?, Some(Duration::from_secs(1)));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Reads `SO_LINGER`.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert_eq!(socket.linger()?, None);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// The address the socket is bound to (the unspecified address, port 0,
    /// before `bind`).
    ///
    /// # Errors
    ///
    /// The `getsockname` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert_ne!(socket.local_addr()?.port(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "TcpSocket's address is not an IP address"))
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// assert!(socket.take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Binds the socket to `addr`.
    ///
    /// # Errors
    ///
    /// The `bind` error (`AddrInUse`, `AddrNotAvailable`, ...).
    ///
    /// ```
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// assert!(socket.local_addr()?.ip().is_loopback());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Connects to `addr` without blocking a thread: `connect` answers
    /// `EINPROGRESS`, the socket is registered with the current reactor,
    /// and the future waits for writability, then reads `SO_ERROR`.
    /// Dropping the future closes the socket.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` (at once on loopback), `TimedOut`,
    /// `NetworkUnreachable`, ..., or the reactor's error once shut down.
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
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.set_keepalive(true)?;
    /// let stream = socket.connect(listener.local_addr()?).await?;
    /// assert_eq!(stream.peer_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let handle = Handle::current();
        self.connect_in(&handle, addr).await
    }

    pub(super) async fn connect_in(self, handle: &Handle, addr: SocketAddr) -> io::Result<TcpStream> {
        match self.inner.connect(&addr.into()) {
            Ok(()) => {}
            // "In progress" (EINPROGRESS; WSAEWOULDBLOCK on Windows) is the
            // normal answer; EINTR leaves the connect going on in the
            // background, exactly like EINPROGRESS.
            Err(e) if sys::is_connect_in_progress(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream::from_std_in(handle, self.inner.into())?;
        stream.wait_connected().await?;
        Ok(stream)
    }

    /// Starts listening, with at most `backlog` connections waiting to be
    /// accepted, and registers the listener with the current reactor.
    ///
    /// # Errors
    ///
    /// The `listen` error, or the reactor's.
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
    /// let socket = spindle_reactor::net::TcpSocket::new_v4()?;
    /// socket.bind("127.0.0.1:0".parse().unwrap())?;
    /// let addr = socket.local_addr()?;
    /// let listener = socket.listen(128)?;
    /// assert_eq!(listener.local_addr()?, addr);
    /// # std::io::Result::Ok(())
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let handle = Handle::current();
        self.inner.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        TcpListener::from_std_in(&handle, self.inner.into())
    }

    /// Wraps a `std` stream's socket (it is put into non-blocking mode), for
    /// setting options on it before handing it on.
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// let socket = spindle_reactor::net::TcpSocket::from_std_stream(stream);
    /// socket.set_nodelay(true)?;
    /// assert!(socket.nodelay()?);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn from_std_stream(stream: std::net::TcpStream) -> TcpSocket {
        let inner = Socket::from(stream);
        // Only fails on a closed fd, which an owned stream cannot be; a
        // blocking socket would be put into non-blocking mode by `Async`
        // later anyway.
        let _ = inner.set_nonblocking(true);
        TcpSocket { inner }
    }
}

/// Kernel buffer sizes fit in `u32` (`int` in C); saturate rather than
/// wrap if one ever does not.
fn saturate(size: usize) -> u32 {
    u32::try_from(size).unwrap_or(u32::MAX)
}

sys::source_traits!(TcpSocket, inner);

impl std::fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpSocket").field("fd", &sys::raw(&self.inner)).finish()
    }
}
