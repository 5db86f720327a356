//! UDP: [`UdpSocket`], with tokio's full surface: async operations,
//! their `poll_*` forms, non-blocking `try_*` forms, readiness
//! ([`readable`](UdpSocket::readable) / [`writable`](UdpSocket::writable) /
//! [`ready`](UdpSocket::ready), with [`Interest`] and [`Ready`]), peeking,
//! and the socket options tokio exposes (std's, plus `tos` and the bound
//! device through socket2).
//!
//! The readiness waits, `try_*` forms, `try_io` and `async_io` are the
//! shared ones of `crate::readiness` (what `WouldBlock` clears, the coop
//! budget), as on the stream types.

use std::future::poll_fn;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::task::{Context, Poll};

use super::{each_addr, lookup_host, ToSocketAddrs};
use crate::async_io::Async;
use crate::handle::Handle;
use crate::readiness::{noop_cx, try_poll, Interest, Ready};

/// A UDP socket; tokio's `UdpSocket` API.
///
/// Operations take `&self`, so one socket can be shared (in an `Arc`)
/// between a sending and a receiving task.
///
/// # Cancel safety
/// Every `async` operation here is cancel-safe: a datagram is sent or
/// received in one syscall, so a future dropped before it completes has
/// moved nothing.
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

    /// Deregisters the socket and returns the `std` socket (still
    /// non-blocking).
    ///
    /// # Errors
    ///
    /// As [`Async::into_inner`].
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// # futures_executor::block_on(async {
    /// let socket = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let addr = socket.local_addr()?;
    /// assert_eq!(socket.into_std()?.local_addr()?, addr);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner()
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

    /// Waits until the socket is ready for any of `interest`, and says
    /// which. Readiness can be spurious: the next `try_*` may still see
    /// `WouldBlock`, which clears it.
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// use spindle_reactor::net::{Interest, UdpSocket};
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// let ready = socket.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// assert!(ready.is_writable());
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the socket may be readable (for `try_recv` and
    /// friends).
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let a = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"x", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let n = loop {
    ///     b.readable().await?;
    ///     match b.try_recv(&mut buf) {
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         other => break other?,
    ///     }
    /// };
    /// assert_eq!(&buf[..n], b"x");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(|_| ())
    }

    /// Waits until the socket may be writable (for `try_send` and
    /// friends).
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// # futures_executor::block_on(async {
    /// let socket = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.writable().await?; // a fresh socket has room
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(|_| ())
    }

    /// Poll form of [`readable`](UdpSocket::readable).
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::READABLE).map_ok(|_| ())
    }

    /// Poll form of [`writable`](UdpSocket::writable).
    ///
    /// # Errors
    ///
    /// Fails once the reactor is shut down.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(cx, Interest::WRITABLE).map_ok(|_| ())
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

    /// Poll form of [`send_to`](UdpSocket::send_to), to an address.
    ///
    /// # Errors
    ///
    /// The `sendto` error.
    pub fn poll_send_to(&self, cx: &mut Context<'_>, buf: &[u8], target: SocketAddr) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send_to(buf, target))
    }

    /// Sends without waiting: `WouldBlock` if the socket is not writable
    /// now (or the calling task's coop budget is spent).
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the `sendto` error.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// # futures_executor::block_on(async {
    /// # let a = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send_to(b"now", b.local_addr()?)?, 3);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        try_poll(self.poll_send_to(&mut noop_cx(), buf, target))
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

    /// Receives without waiting: `WouldBlock` if no datagram is queued (or
    /// the calling task's coop budget is spent).
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the `recvfrom` error.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let socket = spindle_reactor::net::UdpSocket::from_std(socket)?;
    /// let mut buf = [0u8; 8];
    /// let err = socket.try_recv_from(&mut buf).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        try_poll(self.poll_recv_from(&mut noop_cx(), buf))
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

    /// Poll form of [`send`](UdpSocket::send).
    ///
    /// # Errors
    ///
    /// As `send`.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |s| s.send(buf))
    }

    /// Sends to the connected peer without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or as `send`.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// # futures_executor::block_on(async {
    /// # let a = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// a.writable().await?;
    /// assert_eq!(a.try_send(b"hey")?, 3);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        try_poll(self.poll_send(&mut noop_cx(), buf))
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// The `recv` error.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.recv(buf)).await
    }

    /// Poll form of [`recv`](UdpSocket::recv); tokio's takes a `ReadBuf`,
    /// this one a slice and returns the length.
    ///
    /// # Errors
    ///
    /// The `recv` error.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| s.recv(buf))
    }

    /// Receives from the connected peer without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or as `recv`.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// let socket = spindle_reactor::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    /// let err = socket.try_recv(&mut [0u8; 4]).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        try_poll(self.poll_recv(&mut noop_cx(), buf))
    }

    /// Copies the next datagram (from the connected peer) into `buf`
    /// without removing it from the queue.
    ///
    /// # Errors
    ///
    /// The `recv(MSG_PEEK)` error.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let a = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// b.connect(a.local_addr()?).await?;
    /// a.send_to(b"twice", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// assert_eq!(b.peek(&mut buf).await?, 5);
    /// assert_eq!(b.recv(&mut buf).await?, 5); // still there
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|s| s.peek(buf)).await
    }

    /// Poll form of [`peek`](UdpSocket::peek).
    ///
    /// # Errors
    ///
    /// As `peek`.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read_with(cx, |s| s.peek(buf))
    }

    /// [`peek`](UdpSocket::peek) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or as `peek`.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        try_poll(self.poll_peek(&mut noop_cx(), buf))
    }

    /// Copies the next datagram into `buf` without removing it, and
    /// returns its source.
    ///
    /// # Errors
    ///
    /// The `recvfrom(MSG_PEEK)` error.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let a = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let b = spindle_reactor::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"peeked", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let (n, from) = b.peek_from(&mut buf).await?;
    /// assert_eq!((n, from), (6, a.local_addr()?));
    /// assert_eq!(b.peek_sender().await?, a.local_addr()?);
    /// assert_eq!(b.recv_from(&mut buf).await?, (6, a.local_addr()?));
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|s| s.peek_from(buf)).await
    }

    /// Poll form of [`peek_from`](UdpSocket::peek_from).
    ///
    /// # Errors
    ///
    /// As `peek_from`.
    pub fn poll_peek_from(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_read_with(cx, |s| s.peek_from(buf))
    }

    /// [`peek_from`](UdpSocket::peek_from) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or as `peek_from`.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        try_poll(self.poll_peek_from(&mut noop_cx(), buf))
    }

    /// The source address of the next datagram, which stays queued.
    ///
    /// # Errors
    ///
    /// The `recvfrom(MSG_PEEK)` error.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        poll_fn(|cx| self.poll_peek_sender(cx)).await
    }

    /// Poll form of [`peek_sender`](UdpSocket::peek_sender).
    ///
    /// # Errors
    ///
    /// As `peek_sender`.
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_read_with(cx, peek_sender)
    }

    /// [`peek_sender`](UdpSocket::peek_sender) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or as `peek_sender`.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        try_poll(self.poll_peek_sender(&mut noop_cx()))
    }

    /// Runs a custom non-blocking operation `f` if the socket is ready for
    /// `interest` (reading if it includes `READABLE`, else writing); a
    /// `WouldBlock` from `f` clears that readiness.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if not ready, or `f`'s error.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// # futures_executor::block_on(async {
    /// use spindle_reactor::net::{Interest, UdpSocket};
    ///
    /// let socket = UdpSocket::bind("127.0.0.1:0").await?;
    /// socket.writable().await?;
    /// let sent = socket.try_io(Interest::WRITABLE, || socket.get_ref().send_to(b"raw", socket.local_addr()?))?;
    /// assert_eq!(sent, 3);
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_io<R>(&self, interest: Interest, f: impl FnOnce() -> io::Result<R>) -> io::Result<R> {
        self.io.try_io(interest, f)
    }

    /// Runs `f` until it stops returning `WouldBlock`, waiting for
    /// `interest` readiness in between (reading if it includes `READABLE`,
    /// else writing).
    ///
    /// # Errors
    ///
    /// `f`'s error, or the reactor's once it is shut down.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// use spindle_reactor::net::{Interest, UdpSocket};
    ///
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.send_to(b"custom", b.local_addr()?).await?;
    /// let mut buf = [0u8; 8];
    /// let n = b.async_io(Interest::READABLE, || b.get_ref().recv(&mut buf)).await?;
    /// assert_eq!(&buf[..n], b"custom");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn async_io<R>(&self, interest: Interest, f: impl FnMut() -> io::Result<R>) -> io::Result<R> {
        self.io.async_io(interest, f).await
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

    /// Takes the pending socket error (`SO_ERROR`), if any.
    ///
    /// # Errors
    ///
    /// The `getsockopt` error.
    ///
    /// ```
    /// # let driver = spindle_reactor::IoDriver::new()?;
    /// # let _guard = driver.handle().enter();
    /// let socket = spindle_reactor::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
    /// assert!(socket.take_error()?.is_none());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

/// # Socket options
///
/// Each is a getter/setter pair over `setsockopt`; `std`'s where it has
/// one, socket2's for `tos` and the bound device.
///
/// ```
/// # let driver = spindle_reactor::IoDriver::new()?;
/// # let _guard = driver.handle().enter();
/// let socket = spindle_reactor::net::UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0")?)?;
/// socket.set_broadcast(true)?;
/// assert!(socket.broadcast()?);
/// socket.set_ttl(42)?;
/// assert_eq!(socket.ttl()?, 42);
/// socket.set_multicast_loop_v4(false)?;
/// assert!(!socket.multicast_loop_v4()?);
/// socket.set_multicast_ttl_v4(3)?;
/// assert_eq!(socket.multicast_ttl_v4()?, 3);
/// socket.set_tos(0x10)?;
/// assert_eq!(socket.tos()?, 0x10);
/// # std::io::Result::Ok(())
/// ```
impl UdpSocket {
    /// `SO_BROADCAST`.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.get_ref().broadcast()
    }

    /// Sets `SO_BROADCAST`: allow sending to broadcast addresses.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.get_ref().set_broadcast(on)
    }

    /// `IP_TTL`.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn ttl(&self) -> io::Result<u32> {
        self.get_ref().ttl()
    }

    /// Sets `IP_TTL` for outgoing datagrams.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.get_ref().set_ttl(ttl)
    }

    /// `IP_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether this host receives its own
    /// multicast datagrams.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.get_ref().set_multicast_loop_v4(on)
    }

    /// `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.get_ref().multicast_ttl_v4()
    }

    /// Sets `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The `getsockopt` error (an IPv4 socket has no such option).
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.get_ref().multicast_loop_v6()
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.get_ref().set_multicast_loop_v6(on)
    }

    /// Joins the IPv4 multicast group `multiaddr` on `interface`
    /// (`UNSPECIFIED`: the default one).
    ///
    /// # Errors
    /// The `setsockopt(IP_ADD_MEMBERSHIP)` error.
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves an IPv4 multicast group.
    ///
    /// # Errors
    /// The `setsockopt(IP_DROP_MEMBERSHIP)` error.
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index
    /// `interface` (0: the default one).
    ///
    /// # Errors
    /// The `setsockopt(IPV6_ADD_MEMBERSHIP)` error.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves an IPv6 multicast group.
    ///
    /// # Errors
    /// The `setsockopt(IPV6_DROP_MEMBERSHIP)` error.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// `IP_TOS` (IPv4 sockets).
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn tos(&self) -> io::Result<u32> {
        socket2::SockRef::from(self.get_ref()).tos_v4()
    }

    /// Sets `IP_TOS`, the type-of-service / DSCP byte of outgoing IPv4
    /// datagrams.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        socket2::SockRef::from(self.get_ref()).set_tos_v4(tos)
    }

    /// The device the socket is bound to (`SO_BINDTODEVICE`), if any.
    ///
    /// # Errors
    /// The `getsockopt` error.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        socket2::SockRef::from(self.get_ref()).device()
    }

    /// Binds the socket to a device by name (`None` unbinds); usually
    /// needs `CAP_NET_RAW`.
    ///
    /// # Errors
    /// The `setsockopt` error (`EPERM` without the capability).
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        socket2::SockRef::from(self.get_ref()).bind_device(interface)
    }
}

/// The next datagram's source, leaving it queued.
fn peek_sender(socket: &std::net::UdpSocket) -> io::Result<SocketAddr> {
    let addr = socket2::SockRef::from(socket).peek_sender()?;
    addr.as_socket().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "peek_sender: not an IP address"))
}

socket_traits!(UdpSocket);
