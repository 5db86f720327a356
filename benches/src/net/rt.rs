//! Sockets on each runtime behind one trait, [`NetRuntime`], so that the
//! socket workloads are written once.
//!
//! | runtime | listener / stream | driven by |
//! |---|---|---|
//! | spindle | `spindle::net::{TcpListener, TcpStream}` | the runtime's own reactor (its workers park in it) |
//! | tokio | `tokio::net::{TcpListener, TcpStream}` | a second tokio runtime built with `enable_all` ([`TokioRt::net`]) |
//! | async-executor | `async_io::Async<std::net::{TcpListener, TcpStream}>` | async-io's global reactor |
//!
//! The tokio runtime of [`Runtimes`](crate::rt::Runtimes) has no drivers
//! (see [`crate::rt`]), so the socket rows use [`TokioRt::net`], built once
//! per process with the same worker count. The async-executor threads call
//! `futures_lite::future::block_on`, so async-io's reactor is polled by its
//! own `async-io` thread, the way async-io works under any executor that is
//! not `async_io::block_on`.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use async_io::Async;

use super::Conn;
use crate::rt::{AsyncExecutorRt, BenchRuntime, SpindleRt, TokioRt};

/// A runtime that can open loopback TCP sockets. The futures are polled
/// inside the runtime (in its tasks, or in its `block_on`).
pub trait NetRuntime: BenchRuntime {
    /// A bound listener.
    type Listener: Send + Sync + 'static;
    /// A connected stream.
    type Stream: Conn;

    /// Binds a listener on 127.0.0.1, any port.
    fn bind() -> impl Future<Output = io::Result<(Self::Listener, SocketAddr)>> + Send;

    /// Accepts one connection, with `TCP_NODELAY` set.
    fn accept(listener: &Self::Listener) -> impl Future<Output = io::Result<Self::Stream>> + Send + '_;

    /// Connects to `addr`, with `TCP_NODELAY` set.
    fn connect(addr: SocketAddr) -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

impl Conn for spindle::net::TcpStream {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        spindle::net::TcpStream::read(self, buf)
    }

    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + Send + 'a {
        spindle::net::TcpStream::write_all(self, buf)
    }
}

impl NetRuntime for SpindleRt {
    type Listener = spindle::net::TcpListener;
    type Stream = spindle::net::TcpStream;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = spindle::net::TcpListener::bind(loopback()).await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = spindle::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

impl Conn for tokio::net::TcpStream {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        tokio::io::AsyncReadExt::read(self, buf)
    }

    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + Send + 'a {
        tokio::io::AsyncWriteExt::write_all(self, buf)
    }
}

impl NetRuntime for TokioRt {
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = tokio::net::TcpListener::bind(loopback()).await?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

impl Conn for Async<std::net::TcpStream> {
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + Send + 'a {
        futures_lite::AsyncReadExt::read(self, buf)
    }

    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + Send + 'a {
        futures_lite::AsyncWriteExt::write_all(self, buf)
    }
}

impl NetRuntime for AsyncExecutorRt {
    type Listener = Async<std::net::TcpListener>;
    type Stream = Async<std::net::TcpStream>;

    async fn bind() -> io::Result<(Self::Listener, SocketAddr)> {
        let listener = Async::<std::net::TcpListener>::bind(loopback())?;
        let addr = listener.get_ref().local_addr()?;
        Ok((listener, addr))
    }

    async fn accept(listener: &Self::Listener) -> io::Result<Self::Stream> {
        let (stream, _) = listener.accept().await?;
        stream.get_ref().set_nodelay(true)?;
        Ok(stream)
    }

    async fn connect(addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = Async::<std::net::TcpStream>::connect(addr).await?;
        stream.get_ref().set_nodelay(true)?;
        Ok(stream)
    }
}
