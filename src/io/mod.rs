//! Async I/O: the futures-io traits spindle's streams implement, the
//! futures-util helpers over them, and [`duplex`], an in-memory stream.
//!
//! spindle's sockets implement [`AsyncRead`] / [`AsyncWrite`] from
//! `futures-io`, the traits the smol and futures ecosystems share. The
//! extension traits ([`AsyncReadExt`] for `read_exact`, [`AsyncWriteExt`]
//! for `write_all`, ...) and the buffering types are futures-util's,
//! re-exported here so that one `use spindle::io::...` line does what
//! `use tokio::io::...` does.
//!
//! With the `tokio-io` feature, tokio's `AsyncRead` / `AsyncWrite` are also
//! implemented: on the socket streams themselves (`net::TcpStream`, its
//! halves, `net::UnixStream`), on [`DuplexStream`], and on any other
//! futures-io stream through [`TokioIo`], so tokio-util codecs and other
//! tokio-io crates run on spindle's streams as they are.
//!
//! ```
//! use spindle::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! spindle::block_on(async {
//!     let (mut a, b) = spindle::io::duplex(1024);
//!     a.write_all(b"one\ntwo\n").await?;
//!     drop(a);
//!     let mut lines = Vec::new();
//!     let mut reader = BufReader::new(b);
//!     let mut line = String::new();
//!     while reader.read_line(&mut line).await? > 0 {
//!         lines.push(line.trim_end().to_owned());
//!         line.clear();
//!     }
//!     assert_eq!(lines, ["one", "two"]);
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod copy_bidirectional;
mod duplex;
#[cfg(feature = "tokio-io")]
mod tokio_io;

pub use copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use duplex::{duplex, DuplexStream};
#[cfg(feature = "tokio-io")]
pub use tokio_io::TokioIo;

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{
    copy, copy_buf, empty, repeat, sink, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader,
    BufWriter, Cursor, Empty, Lines, ReadHalf, Repeat, ReuniteError, Sink, WriteHalf,
};
pub use spindle_reactor::net::{Interest, Ready};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};

/// Splits a stream into a read half and a write half that can be used
/// from different tasks (they share the stream through a lock);
/// tokio's `io::split`. The halves are [`ReadHalf`] / [`WriteHalf`], and
/// `ReadHalf::reunite` puts them back together.
///
/// ```
/// use spindle::io::{AsyncReadExt, AsyncWriteExt};
///
/// spindle::block_on(async {
///     let (a, mut b) = spindle::io::duplex(64);
///     let (mut rd, mut wr) = spindle::io::split(a);
///     let writer = spindle::spawn(async move { wr.write_all(b"half").await });
///     let mut buf = [0u8; 4];
///     b.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"half");
///     writer.await.unwrap()?;
///     b.write_all(b"back").await?;
///     rd.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"back");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    AsyncReadExt::split(stream)
}
