//! The halves of a [`TcpStream`]: borrowed ([`ReadHalf`], [`WriteHalf`],
//! from [`TcpStream::split`]) and owned ([`OwnedReadHalf`],
//! [`OwnedWriteHalf`], from [`TcpStream::into_split`], put back together by
//! [`OwnedReadHalf::reunite`]).
//!
//! A half is only a way to reach the stream (a reference, or an `Arc`):
//! every operation already takes `&self`. So each half's methods and its
//! futures-io impl come from one macro per direction ([`read_half!`],
//! [`write_half!`]), given the half's type and how it reaches its stream;
//! nothing is written out per half.

use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::sync::Arc;

use super::TcpStream;
use crate::readiness::{Interest, Ready};

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

/// `TcpStream::split`'s body.
pub(super) fn borrowed(stream: &mut TcpStream) -> (ReadHalf<'_>, WriteHalf<'_>) {
    (ReadHalf(stream), WriteHalf(stream))
}

/// `TcpStream::into_split`'s body.
pub(super) fn owned(stream: TcpStream) -> (OwnedReadHalf, OwnedWriteHalf) {
    let inner = Arc::new(stream);
    (OwnedReadHalf { inner: inner.clone() }, OwnedWriteHalf { inner })
}

/// What both halves have: `ready`, and `stream()` (how the half reaches its
/// stream, for the `tokio-io` impls).
macro_rules! either_half {
    ($ty:ty, $get:expr) => {
        impl $ty {
            /// The stream this half reaches (the `tokio-io` impls use it).
            #[allow(dead_code)]
            pub(crate) fn stream(&self) -> &TcpStream {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self)
            }

            /// See [`TcpStream::ready`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::ready`].
            pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
                self.stream().ready(interest).await
            }
        }
    };
}

/// The reading methods (`read`, `peek`, `peer_addr`, and the readiness
/// family's reading side: `readable`, `try_read`,
/// `try_read_vectored`) and `AsyncRead` for a half that reaches its stream
/// through `$get`.
macro_rules! read_half {
    ($ty:ty, $get:expr) => {
        impl $ty {
            /// See [`TcpStream::readable`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::readable`].
            pub async fn readable(&self) -> io::Result<()> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).readable().await
            }

            /// See [`TcpStream::try_read`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::try_read`].
            pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).try_read(buf)
            }

            /// See [`TcpStream::try_read_vectored`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::try_read_vectored`].
            pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).try_read_vectored(bufs)
            }

            /// See [`TcpStream::read`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::read`].
            pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).read(buf).await
            }

            /// See [`TcpStream::peek`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::peek`].
            pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).peek(buf).await
            }

            /// See [`TcpStream::peer_addr`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::peer_addr`].
            pub fn peer_addr(&self) -> io::Result<SocketAddr> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).peer_addr()
            }
        }

        either_half!($ty, $get);
        stream_io_impls!(read $ty, $get);
    };
}

/// The writing methods (`write`, `write_all`, `local_addr`, and the
/// readiness family's writing side: `writable`, `try_write`,
/// `try_write_vectored`) and `AsyncWrite` for a half that reaches its
/// stream through `$get`.
macro_rules! write_half {
    ($ty:ty, $get:expr) => {
        impl $ty {
            /// See [`TcpStream::writable`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::writable`].
            pub async fn writable(&self) -> io::Result<()> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).writable().await
            }

            /// See [`TcpStream::try_write`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::try_write`].
            pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).try_write(buf)
            }

            /// See [`TcpStream::try_write_vectored`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::try_write_vectored`].
            pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).try_write_vectored(bufs)
            }

            /// See [`TcpStream::write`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::write`].
            pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).write(buf).await
            }

            /// See [`TcpStream::write_all`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::write_all`].
            pub async fn write_all(&self, buf: &[u8]) -> io::Result<()> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).write_all(buf).await
            }

            /// See [`TcpStream::local_addr`].
            ///
            /// # Errors
            ///
            /// As for [`TcpStream::local_addr`].
            pub fn local_addr(&self) -> io::Result<SocketAddr> {
                let get: fn(&Self) -> &TcpStream = $get;
                get(self).local_addr()
            }
        }

        either_half!($ty, $get);
        stream_io_impls!(write $ty, $get);
    };
}

read_half!(ReadHalf<'_>, |h| h.0);
write_half!(WriteHalf<'_>, |h| h.0);
read_half!(OwnedReadHalf, |h| &h.inner);
write_half!(OwnedWriteHalf, |h| &h.inner);

impl OwnedReadHalf {
    /// Puts the halves back together.
    ///
    /// # Errors
    ///
    /// Gives both halves back if they come from different streams.
    ///
    /// ```
    /// # let mut driver = spindle_reactor::IoDriver::new()?;
    /// # let handle = driver.handle();
    /// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
    /// # let _guard = handle.enter();
    /// # futures_executor::block_on(async {
    /// # let listener = spindle_reactor::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let a = spindle_reactor::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let b = spindle_reactor::net::TcpStream::connect(listener.local_addr()?).await?;
    /// let (a_read, _a_write) = a.into_split();
    /// let (_b_read, b_write) = b.into_split();
    /// let err = a_read.reunite(b_write).unwrap_err();
    /// assert_eq!(err.to_string(), "tried to reunite halves that are not from the same socket");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        if !Arc::ptr_eq(&self.inner, &other.inner) {
            return Err(ReuniteError(self, other));
        }
        drop(other);
        Ok(Arc::try_unwrap(self.inner).expect("both halves were given, so this is the last reference"))
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
