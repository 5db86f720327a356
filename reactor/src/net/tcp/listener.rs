//! [`TcpListener`]: a bound, listening socket and its `accept`.
//!
//! `bind` goes through `std` (which sets `SO_REUSEADDR` on Unix); a
//! listener with other options comes from [`TcpSocket::listen`](super::TcpSocket::listen).

use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use super::TcpStream;
use crate::async_io::Async;
use crate::handle::Handle;
use crate::net::{each_addr, lookup_host, ToSocketAddrs};

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

    pub(super) fn from_std_in(handle: &Handle, listener: std::net::TcpListener) -> io::Result<TcpListener> {
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
        Poll::Ready(Ok((TcpStream::from_async(stream), addr)))
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
