//! The receiving side shared by [`Receiver`](super::Receiver) and
//! [`UnboundedReceiver`](super::UnboundedReceiver): [`Rx`], the receiver's
//! private batch over the channel core (`chan.rs`), and
//! `receiver_methods!`, which writes the public receivers' common methods
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

/// The methods both public receivers have, written once, docs and
/// doctests included: each method is a call into the receiver's
/// `rx: Rx<T>` field. `$new` is the channel constructor the examples call
/// (`spindle::sync::mpsc::` prefixed, `u8` messages) and `$send` the
/// sender's non-waiting send, so each public type's examples run on its
/// own flavour.
macro_rules! receiver_methods {
    ($new:literal, $send:literal) => {
        /// The next message, or `None` once every sender is gone (or the
        /// receiver closed) and the channel is empty.
        ///
        /// Cancel-safe: a dropped `recv` future loses no message.
        ///
        /// ```
        /// spindle::block_on(async {
        #[doc = concat!("    let (tx, mut rx) = spindle::sync::mpsc::", $new, ";")]
        #[doc = concat!("    tx.", $send, "(1).unwrap();")]
        ///     assert_eq!(rx.recv().await, Some(1));
        /// });
        /// ```
        pub async fn recv(&mut self) -> Option<T> {
            std::future::poll_fn(|cx| self.rx.poll_recv(cx)).await
        }

        /// [`recv`](Self::recv) as a poll function.
        ///
        /// ```
        /// use std::task::{Context, Poll, Waker};
        #[doc = concat!("let (tx, mut rx) = spindle::sync::mpsc::", $new, ";")]
        /// let mut cx = Context::from_waker(Waker::noop());
        /// assert!(rx.poll_recv(&mut cx).is_pending());
        #[doc = concat!("tx.", $send, "(3).unwrap();")]
        /// assert_eq!(rx.poll_recv(&mut cx), Poll::Ready(Some(3)));
        /// ```
        pub fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<T>> {
            self.rx.poll_recv(cx)
        }

        /// Waits for at least one message, then moves up to `limit` of them
        /// into `buffer`. Returns how many; 0 only when the channel is closed
        /// and empty (or `limit` is 0).
        ///
        /// ```
        /// spindle::block_on(async {
        #[doc = concat!("    let (tx, mut rx) = spindle::sync::mpsc::", $new, ";")]
        ///     for i in 0..5 {
        #[doc = concat!("        tx.", $send, "(i).unwrap();")]
        ///     }
        ///     let mut buf = Vec::new();
        ///     assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
        ///     assert_eq!(buf, [0, 1, 2]);
        /// });
        /// ```
        pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
            std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
        }

        /// The next message if one is queued.
        ///
        /// # Errors
        ///
        /// [`TryRecvError::Empty`](crate::sync::mpsc::error::TryRecvError::Empty)
        /// or [`TryRecvError::Disconnected`](crate::sync::mpsc::error::TryRecvError::Disconnected).
        ///
        /// ```
        /// use spindle::sync::mpsc::error::TryRecvError;
        #[doc = concat!("let (tx, mut rx) = spindle::sync::mpsc::", $new, ";")]
        /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        #[doc = concat!("tx.", $send, "(1).unwrap();")]
        /// assert_eq!(rx.try_recv(), Ok(1));
        /// drop(tx);
        /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        /// ```
        pub fn try_recv(&mut self) -> Result<T, $crate::sync::mpsc::error::TryRecvError> {
            self.rx.try_recv()
        }

        /// Closes the channel: sends fail from now on (a bounded channel's
        /// waiting senders are woken with an error), and queued messages can
        /// still be received.
        ///
        /// ```
        /// spindle::block_on(async {
        #[doc = concat!("    let (tx, mut rx) = spindle::sync::mpsc::", $new, ";")]
        #[doc = concat!("    tx.", $send, "(1).unwrap();")]
        ///     rx.close();
        #[doc = concat!("    assert!(tx.", $send, "(2).is_err());")]
        ///     assert_eq!(rx.recv().await, Some(1));
        ///     assert_eq!(rx.recv().await, None);
        /// });
        /// ```
        pub fn close(&mut self) {
            self.rx.close();
        }

        /// Whether the channel is closed (by the receiver or by every sender
        /// going away).
        ///
        /// ```
        #[doc = concat!("let (tx, rx) = spindle::sync::mpsc::", $new, ";")]
        /// assert!(!rx.is_closed());
        /// drop(tx);
        /// assert!(rx.is_closed());
        /// ```
        pub fn is_closed(&self) -> bool {
            self.rx.is_closed()
        }

        /// Messages waiting to be received.
        ///
        /// ```
        #[doc = concat!("let (tx, rx) = spindle::sync::mpsc::", $new, ";")]
        #[doc = concat!("tx.", $send, "(1).unwrap();")]
        /// assert_eq!(rx.len(), 1);
        /// ```
        pub fn len(&self) -> usize {
            self.rx.len()
        }

        /// Whether no message is waiting.
        ///
        /// ```
        #[doc = concat!("let (_tx, rx) = spindle::sync::mpsc::", $new, ";")]
        /// assert!(rx.is_empty());
        /// ```
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Live senders.
        ///
        /// ```
        #[doc = concat!("let (tx, rx) = spindle::sync::mpsc::", $new, ";")]
        /// let _tx2 = tx.clone();
        /// assert_eq!(rx.sender_strong_count(), 2);
        /// ```
        pub fn sender_strong_count(&self) -> usize {
            self.rx.sender_count()
        }
    };
}

pub(super) use receiver_methods;
