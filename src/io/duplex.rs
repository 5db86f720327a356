//! `duplex`: an in-memory, bidirectional byte stream, tokio's
//! `io::duplex`.
//!
//! # Layout
//!
//! Two `Pipe`s, one per direction, each behind its own mutex; each end
//! holds its write pipe and the other end's write pipe as its read pipe.
//! A pipe is a bounded byte queue plus the waker of a reader waiting for
//! bytes and the waker of a writer waiting for room.
//!
//! | event | effect on the pipe |
//! |---|---|
//! | write, room left | bytes appended (at most up to `capacity`), reader woken |
//! | write, full | writer's waker stored, `Pending` |
//! | read, bytes queued | bytes taken, writer woken |
//! | read, empty, open | reader's waker stored, `Pending` |
//! | read, empty, closed | `Ok(0)`: end of stream |
//! | write, closed | `BrokenPipe` |
//! | writer's `close` or drop | closed, reader woken |
//! | reader's drop | closed, writer woken |
//!
//! Wakers are taken out under the lock and woken after it is released.
//! The lock and the `Arc` come from the facade's sync switch
//! (`sync/facade.rs`): loom's under `cfg(spindle_loom)`, so a loom model of
//! user code can run a duplex stream (`loom-tests/tests/user_duplex.rs`).

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};

use crate::sync::facade::{Arc, Mutex, MutexGuard};

/// Creates a connected pair of in-memory streams: bytes written to one are
/// read from the other, in both directions. Each direction buffers at most
/// `capacity` bytes; a writer beyond that waits for the reader.
///
/// Dropping one end (or closing it with `close`) makes the other end read
/// the remaining bytes and then end of stream; writing towards a dropped
/// end fails with `BrokenPipe`.
///
/// # Panics
/// If `capacity` is 0 ("duplex capacity must be at least 1 byte").
///
/// ```
/// use spindle::io::{AsyncReadExt, AsyncWriteExt};
///
/// spindle::block_on(async {
///     let (mut client, mut server) = spindle::io::duplex(64);
///     client.write_all(b"ping").await?;
///     let mut buf = [0u8; 4];
///     server.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"ping");
///     server.write_all(b"pong").await?;
///     client.read_exact(&mut buf).await?;
///     assert_eq!(&buf, b"pong");
///     std::io::Result::Ok(())
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn duplex(capacity: usize) -> (DuplexStream, DuplexStream) {
    assert!(capacity > 0, "duplex capacity must be at least 1 byte");
    let one = Arc::new(Mutex::new(Pipe::new(capacity)));
    let two = Arc::new(Mutex::new(Pipe::new(capacity)));
    (DuplexStream { read: one.clone(), write: two.clone() }, DuplexStream { read: two, write: one })
}

/// One end of an in-memory byte stream made by [`duplex`]. Implements the
/// futures-io traits (and, with the `tokio-io` feature, tokio's).
///
/// # Cancel safety
/// Reads and writes are cancel-safe: a `Pending` poll moves no bytes.
pub struct DuplexStream {
    read: Arc<Mutex<Pipe>>,
    write: Arc<Mutex<Pipe>>,
}

struct Pipe {
    buf: VecDeque<u8>,
    capacity: usize,
    closed: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Pipe {
    fn new(capacity: usize) -> Pipe {
        // Grows as bytes come, up to `capacity`.
        Pipe { buf: VecDeque::new(), capacity, closed: false, reader: None, writer: None }
    }

    fn close(&mut self) -> [Option<Waker>; 2] {
        self.closed = true;
        [self.reader.take(), self.writer.take()]
    }
}

fn lock(pipe: &Mutex<Pipe>) -> MutexGuard<'_, Pipe> {
    // parking_lot's API (no poisoning): no code that panics runs under the
    // lock anyway (queue operations and waker moves only).
    pipe.lock()
}

fn register(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(old) if old.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

fn wake(wakers: impl IntoIterator<Item = Option<Waker>>) {
    for waker in wakers.into_iter().flatten() {
        waker.wake();
    }
}

impl DuplexStream {
    /// Copies queued bytes out with `take`, which returns how many it used;
    /// `Ready(Ok(n))` with what `take` returned, or `Ok(0)` at the end.
    fn poll_read_with(
        &self,
        cx: &mut Context<'_>,
        take: impl FnOnce(&mut VecDeque<u8>) -> usize,
    ) -> Poll<io::Result<usize>> {
        let restore = std::task::ready!(crate::coop::poll_proceed(cx));
        let (n, writer) = {
            let mut pipe = lock(&self.read);
            if pipe.buf.is_empty() {
                if pipe.closed {
                    return Poll::Ready(Ok(0));
                }
                register(&mut pipe.reader, cx.waker());
                return Poll::Pending;
            }
            let n = take(&mut pipe.buf);
            (n, pipe.writer.take())
        };
        restore.made_progress();
        wake([writer]);
        Poll::Ready(Ok(n))
    }

    fn poll_write_with(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        put: impl FnOnce(&mut VecDeque<u8>, usize),
    ) -> Poll<io::Result<usize>> {
        let restore = std::task::ready!(crate::coop::poll_proceed(cx));
        let (n, reader) = {
            let mut pipe = lock(&self.write);
            if pipe.closed {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the other end of the duplex stream is closed",
                )));
            }
            if len == 0 {
                return Poll::Ready(Ok(0));
            }
            let room = pipe.capacity - pipe.buf.len();
            if room == 0 {
                register(&mut pipe.writer, cx.waker());
                return Poll::Pending;
            }
            let n = len.min(room);
            put(&mut pipe.buf, n);
            (n, pipe.reader.take())
        };
        restore.made_progress();
        wake([reader]);
        Poll::Ready(Ok(n))
    }

    /// tokio-io's read: copies straight into the (possibly uninitialised)
    /// `ReadBuf`.
    #[cfg(feature = "tokio-io")]
    pub(crate) fn poll_read_tokio(
        &self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_with(cx, |queue| {
            let n = queue.len().min(buf.remaining());
            let (a, b) = queue.as_slices();
            let from_a = n.min(a.len());
            buf.put_slice(&a[..from_a]);
            buf.put_slice(&b[..n - from_a]);
            queue.drain(..n);
            n
        })
        .map_ok(|_| ())
    }

    pub(crate) fn poll_write_priv(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, data.len(), |queue, n| queue.extend(&data[..n]))
    }

    /// Closes the write direction: the other end reads what is queued,
    /// then end of stream. Idempotent.
    pub(crate) fn close_write(&self) {
        let wakers = lock(&self.write).close();
        wake(wakers);
    }
}

impl AsyncRead for DuplexStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |queue| {
            let n = queue.len().min(buf.len());
            for (dst, src) in buf.iter_mut().zip(queue.drain(..n)) {
                *dst = src;
            }
            n
        })
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write_priv(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes this end's write direction (tokio's `shutdown`); reading
    /// still works.
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.close_write();
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let to_write = lock(&self.write).close();
        let to_read = lock(&self.read).close();
        wake(to_write.into_iter().chain(to_read));
    }
}

impl fmt::Debug for DuplexStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (queued, capacity) = {
            let pipe = lock(&self.read);
            (pipe.buf.len(), pipe.capacity)
        };
        f.debug_struct("DuplexStream").field("readable", &queued).field("capacity", &capacity).finish()
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    fn noop_cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn bounded_by_capacity() {
        let (a, b) = duplex(4);
        let mut cx = noop_cx();
        assert!(matches!(a.poll_write_priv(&mut cx, b"abcdef"), Poll::Ready(Ok(4))));
        assert!(a.poll_write_priv(&mut cx, b"x").is_pending());
        let mut buf = [0u8; 8];
        let mut b = b;
        let n = match Pin::new(&mut b).poll_read(&mut cx, &mut buf) {
            Poll::Ready(Ok(n)) => n,
            other => panic!("expected bytes, got {other:?}"),
        };
        assert_eq!(&buf[..n], b"abcd");
    }

    #[test]
    fn reads_wrap_around_the_ring() {
        let (a, mut b) = duplex(4);
        let mut cx = noop_cx();
        let mut buf = [0u8; 3];
        for round in 0..10u8 {
            let data = [round, round + 1, round + 2];
            assert!(matches!(a.poll_write_priv(&mut cx, &data), Poll::Ready(Ok(3))));
            assert!(matches!(Pin::new(&mut b).poll_read(&mut cx, &mut buf), Poll::Ready(Ok(3))));
            assert_eq!(buf, data);
        }
    }

    #[test]
    fn drop_closes_both_directions() {
        let (a, mut b) = duplex(8);
        let mut cx = noop_cx();
        assert!(matches!(a.poll_write_priv(&mut cx, b"hi"), Poll::Ready(Ok(2))));
        drop(a);
        let mut buf = [0u8; 8];
        assert!(matches!(Pin::new(&mut b).poll_read(&mut cx, &mut buf), Poll::Ready(Ok(2))));
        assert!(matches!(Pin::new(&mut b).poll_read(&mut cx, &mut buf), Poll::Ready(Ok(0))));
        match b.poll_write_priv(&mut cx, b"x") {
            Poll::Ready(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::BrokenPipe),
            other => panic!("expected BrokenPipe, got {other:?}"),
        }
    }

    #[test]
    #[should_panic(expected = "duplex capacity must be at least 1 byte")]
    fn zero_capacity_panics() {
        let _ = duplex(0);
    }
}
