//! UDP: [`UdpSocket`].

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use super::{each_addr, lookup_host, ToSocketAddrs};
use crate::async_io::Async;
use crate::handle::Handle;

/// A UDP socket.
///
/// # Examples
///
/// ```
/// # let mut driver = spindle_reactor::IoDriver::new()?;
/// # let handle = driver.handle();
/// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
/// # let _guard = handle.enter();
/// # futures_executor::block_on(async {
/// use spindle_reactor::net::UdpSocket;
///
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"hi", b.local_addr()?).await?;
/// let mut buf = [0u8; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr()?));
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UdpSocket {
    io: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds a socket to `addr` (each resolved address in turn).
    ///
    /// # Errors
    ///
    /// Fails if no address resolves or binds, or if the reactor refuses the
    /// socket.
    ///
    /// # Panics
    ///
    /// Panics if polled outside a spindle runtime.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let handle = Handle::current();
        let addrs = lookup_host(addr).await?;
        each_addr(addrs, |addr| {
            let handle = handle.clone();
            async move {
                let socket = std::net::UdpSocket::bind(addr)?;
                UdpSocket::from_std_in(&handle, socket)
            }
        })
        .await
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
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std_in(&Handle::current(), socket)
    }

    fn from_std_in(handle: &Handle, socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket { io: Async::new_in(handle.reactor(), socket)? })
    }

    /// Sets the default peer (each resolved address in turn): `send` goes
    /// there and `recv` only accepts datagrams from it.
    ///
    /// # Errors
    ///
    /// Resolver errors or the `connect` error.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let addrs = lookup_host(addr).await?;
        // A UDP connect only records the peer; it does not block.
        each_addr(addrs, |addr| async move { self.io.get_ref().connect(addr) }).await
    }

    /// Sends `buf` to `target` (its first resolved address).
    ///
    /// # Errors
    ///
    /// Resolver errors or the `sendto` error.
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let addrs = lookup_host(target).await?;
        let Some(&target) = addrs.first() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to"));
        };
        self.io.write_with(|s| s.send_to(buf, target)).await
    }

    /// Receives one datagram and its source address.
    ///
    /// # Errors
    ///
    /// The `recvfrom` error.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.recv_from(buf)).await
    }

    /// Poll form of [`recv_from`](UdpSocket::recv_from).
    ///
    /// # Errors
    ///
    /// The `recvfrom` error.
    pub fn poll_recv_from(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |s| s.recv_from(buf))
    }

    /// Sends `buf` to the connected peer.
    ///
    /// # Errors
    ///
    /// `NotConnected` without [`connect`](UdpSocket::connect), or the
    /// `send` error (e.g. `ConnectionRefused` after an ICMP unreachable).
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
    /// `NotConnected` without [`connect`](UdpSocket::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The underlying `std` socket (non-blocking).
    pub fn get_ref(&self) -> &std::net::UdpSocket {
        self.io.get_ref()
    }
}

socket_traits!(UdpSocket);
