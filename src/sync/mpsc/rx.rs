//! The receiving side shared by [`Receiver`](super::Receiver) and
//! [`UnboundedReceiver`](super::UnboundedReceiver): [`Rx`], the receiver's
//! private batch over the channel core (`chan.rs`), and
//! [`receiver_methods!`], which writes the public receivers' common methods
//! once.
//!
//! The batch is refilled a whole shared queue at a time
//! ([`Chan::refill`]); a message leaves the channel when `recv` returns it,
//! and only then is its slot given back (bounded). Each receive spends one
//! unit of the task's coop budget when it returns something (a message or
//! the end), none when it waits.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::chan::{Chan, Fill};
use super::error::TryRecvError;

/// The receiving half's state, for both flavours.
pub(crate) struct Rx<T> {
    chan: Arc<Chan<T>>,
    batch: VecDeque<T>,
}

// SAFETY: `batch` holds `T`s, which would make `Rx` `Sync` only for
// `T: Sync`; but no `&self` method touches a `T` (only `&mut self` ones do,
// and `len` reads the length), so sharing `&Rx` shares no `T`. The rest is
// `Sync` on its own when `T: Send`.
unsafe impl<T: Send> Sync for Rx<T> {}

impl<T> Rx<T> {
    pub(crate) fn new(chan: Arc<Chan<T>>) -> Rx<T> {
        Rx { chan, batch: VecDeque::new() }
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(spindle_executor::coop::poll_proceed(cx));
        match self.chan.refill(&mut self.batch, Some(cx.waker())) {
            Fill::Ready => {
                coop.made_progress();
                let value = self.batch.pop_front();
                self.chan.release(1);
                Poll::Ready(value)
            }
            Fill::Closed => {
                coop.made_progress();
                Poll::Ready(None)
            }
            Fill::Empty => Poll::Pending,
        }
    }

    pub(crate) fn poll_recv_many(&mut self, cx: &mut Context<'_>, out: &mut Vec<T>, limit: usize) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = std::task::ready!(spindle_executor::coop::poll_proceed(cx));
        match self.chan.refill(&mut self.batch, Some(cx.waker())) {
            Fill::Ready => {
                coop.made_progress();
                let n = limit.min(self.batch.len());
                out.extend(self.batch.drain(..n));
                self.chan.release(n);
                Poll::Ready(n)
            }
            Fill::Closed => {
                coop.made_progress();
                Poll::Ready(0)
            }
            Fill::Empty => Poll::Pending,
        }
    }

    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.chan.refill(&mut self.batch, None) {
            Fill::Ready => {
                let value = self.batch.pop_front().expect("a filled batch has a message");
                self.chan.release(1);
                Ok(value)
            }
            Fill::Closed => Err(TryRecvError::Disconnected),
            Fill::Empty => Err(TryRecvError::Empty),
        }
    }

    pub(crate) fn close(&mut self) {
        self.chan.close_rx();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Messages queued, counting the private batch.
    pub(crate) fn len(&self) -> usize {
        self.batch.len() + self.chan.queued()
    }

    pub(crate) fn sender_count(&self) -> usize {
        self.chan.sender_count()
    }

    /// Free slots now (bounded only).
    pub(crate) fn free_slots(&self) -> usize {
        self.chan.free_slots()
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        // The batch is this struct's own and drops after this, field by
        // field; the shared queue is drained here.
        self.chan.close_and_drain();
    }
}

impl<T> fmt::Debug for Rx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rx").field("batch", &self.batch.len()).finish_non_exhaustive()
    }
}

/// The methods both public receivers have, written once: each is a call
/// into the receiver's `rx: Rx<T>` field. The caller gives every method's
/// docs (with its doctests), so each public type keeps its own, naming its
/// own constructor; the macro gives the signatures and bodies.
macro_rules! receiver_methods {
    (
        $(#[$recv:meta])* recv;
        $(#[$poll_recv:meta])* poll_recv;
        $(#[$recv_many:meta])* recv_many;
        $(#[$try_recv:meta])* try_recv;
        $(#[$close:meta])* close;
        $(#[$is_closed:meta])* is_closed;
        $(#[$len:meta])* len;
        $(#[$is_empty:meta])* is_empty;
        $(#[$sender_strong_count:meta])* sender_strong_count;
    ) => {
        $(#[$recv])*
        pub async fn recv(&mut self) -> Option<T> {
            std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
        }

        $(#[$poll_recv])*
        pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<T>> {
            self.rx.poll_recv(cx)
        }

        $(#[$recv_many])*
        pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
            std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
        }

        $(#[$try_recv])*
        pub fn try_recv(&mut self) -> Result<T, $crate::sync::mpsc::error::TryRecvError> {
            self.rx.try_recv()
        }

        $(#[$close])*
        pub fn close(&mut self) {
            self.rx.close();
        }

        $(#[$is_closed])*
        pub fn is_closed(&self) -> bool {
            self.rx.is_closed()
        }

        $(#[$len])*
        pub fn len(&self) -> usize {
            self.rx.len()
        }

        $(#[$is_empty])*
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        $(#[$sender_strong_count])*
        pub fn sender_strong_count(&self) -> usize {
            self.rx.sender_count()
        }
    };
}

pub(super) use receiver_methods;
