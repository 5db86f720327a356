//! `copy_bidirectional`: pump bytes both ways between two streams until
//! both directions reach end of stream; tokio's `io::copy_bidirectional`,
//! over the futures-io traits.
//!
//! Each direction is a small state machine, polled in turn from one
//! `poll_fn`:
//!
//! | state | on poll |
//! |---|---|
//! | `Running` | read into the direction's buffer, write it all out; when the read side hits end of stream, flush and go to `ShuttingDown` |
//! | `ShuttingDown` | `poll_close` the write side (a TCP `FIN` to the peer), then `Done` |
//! | `Done` | the byte count |
//!
//! Before a `Running` direction waits for its reader it flushes what it
//! wrote, so buffered writers do not hold bytes back while the other side
//! waits for them. Either direction's error ends the whole copy, and so does
//! a stream that reports more bytes than its buffer held (`InvalidData`).
//! Each round of a direction's loop takes one unit of the task's coop
//! budget, so streams that are always ready still let the worker run its
//! other tasks.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// tokio's default buffer per direction.
const DEFAULT_BUF_SIZE: usize = 8 * 1024;

struct CopyBuffer {
    buf: Box<[u8]>,
    /// `buf[pos..cap]` is read but not yet written.
    pos: usize,
    cap: usize,
    amt: u64,
    read_done: bool,
    need_flush: bool,
}

impl CopyBuffer {
    fn new(size: usize) -> CopyBuffer {
        assert!(size > 0, "copy_bidirectional buffer size must be at least 1 byte");
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            amt: 0,
            read_done: false,
            need_flush: false,
        }
    }

    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        loop {
            // One unit of coop budget per round: two streams that are always
            // ready (and do not take budget themselves) would otherwise keep
            // this loop, and its worker, busy for good.
            ready!(crate::coop::poll_proceed(cx)).made_progress();
            if self.pos == self.cap && !self.read_done {
                match reader.as_mut().poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => self.read_done = true,
                    Poll::Ready(Ok(n)) => {
                        if n > self.buf.len() {
                            return Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!(
                                    "copy_bidirectional: the reader returned {n} for a {}-byte buffer",
                                    self.buf.len()
                                ),
                            )));
                        }
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let n = ready!(writer.as_mut().poll_write(cx, &self.buf[self.pos..self.cap]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "copy_bidirectional: the writer accepted 0 bytes",
                    )));
                }
                if n > self.cap - self.pos {
                    // Trusting it would skip bytes and, with `pos` past
                    // `cap`, never read again: a busy loop.
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("copy_bidirectional: the writer returned {n} for {} bytes", self.cap - self.pos),
                    )));
                }
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

enum Direction {
    Running(CopyBuffer),
    ShuttingDown(u64),
    Done(u64),
}

fn poll_direction<R, W>(
    cx: &mut Context<'_>,
    state: &mut Direction,
    mut r: Pin<&mut R>,
    mut w: Pin<&mut W>,
) -> Poll<io::Result<u64>>
where
    R: AsyncRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    loop {
        match state {
            Direction::Running(buf) => {
                let count = ready!(buf.poll_copy(cx, r.as_mut(), w.as_mut()))?;
                *state = Direction::ShuttingDown(count);
            }
            Direction::ShuttingDown(count) => {
                ready!(w.as_mut().poll_close(cx))?;
                *state = Direction::Done(*count);
            }
            Direction::Done(count) => return Poll::Ready(Ok(*count)),
        }
    }
}

/// Copies `a` to `b` and `b` to `a` at the same time, until both reach end
/// of stream; returns the bytes copied `(a to b, b to a)`. When one
/// direction's reader ends, that direction's writer is closed (shut down),
/// while the other direction keeps going; tokio's
/// `io::copy_bidirectional`, the core of a proxy.
///
/// # Errors
/// The first read, write, flush or close error of either direction.
///
/// # Cancel safety
/// Not cancel-safe: bytes read but not yet written are lost if the future
/// is dropped.
///
/// ```
/// use spindle::io::{AsyncReadExt, AsyncWriteExt};
///
/// spindle::block_on(async {
///     let (mut client, mut proxy_front) = spindle::io::duplex(64);
///     let (mut proxy_back, mut server) = spindle::io::duplex(64);
///     let proxy = spindle::spawn(async move {
///         spindle::io::copy_bidirectional(&mut proxy_front, &mut proxy_back).await
///     });
///     client.write_all(b"request").await?;
///     client.close().await?;
///     let mut req = Vec::new();
///     server.read_to_end(&mut req).await?;
///     assert_eq!(req, b"request");
///     server.write_all(b"response").await?;
///     drop(server);
///     let mut resp = Vec::new();
///     client.read_to_end(&mut resp).await?;
///     assert_eq!(resp, b"response");
///     assert_eq!(proxy.await.unwrap()?, (7, 8));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// As [`copy_bidirectional`], with the buffer size of each direction.
///
/// # Errors
/// As `copy_bidirectional`.
///
/// # Panics
/// If a size is 0.
///
/// ```
/// use spindle::io::AsyncWriteExt;
///
/// spindle::block_on(async {
///     let (mut a, mut a_far) = spindle::io::duplex(16);
///     let (mut b, mut b_far) = spindle::io::duplex(16);
///     a_far.write_all(b"xy").await?;
///     a_far.close().await?;
///     b_far.close().await?;
///     let counts = spindle::io::copy_bidirectional_with_sizes(&mut a, &mut b, 1, 1).await?;
///     assert_eq!(counts, (2, 0));
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_size: usize,
    b_to_a_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Direction::Running(CopyBuffer::new(a_to_b_size));
    let mut b_to_a = Direction::Running(CopyBuffer::new(b_to_a_size));
    poll_fn(|cx| {
        let a_to_b = poll_direction(cx, &mut a_to_b, Pin::new(&mut *a), Pin::new(&mut *b))?;
        let b_to_a = poll_direction(cx, &mut b_to_a, Pin::new(&mut *b), Pin::new(&mut *a))?;
        Poll::Ready(Ok((ready!(a_to_b), ready!(b_to_a))))
    })
    .await
}
