//! `broadcast`: every receiver sees every value sent after it subscribed,
//! from a ring of `capacity` values; a receiver that falls further behind
//! is told how many it missed (`Lagged(n)`) and skips ahead.
//!
//! # Protocol
//!
//! One lock guards the ring (`VecDeque` of the last `capacity` values), the
//! position of its first value, the receiver count and the closed flag.
//! A receiver keeps the position of the next value it wants. `send` pushes
//! (dropping the oldest value when the ring is full) and wakes every
//! waiting receiver through a [`Notify`]; a receiver takes its `Notified`
//! before it checks the ring, so a send between check and wait is seen.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use super::facade::Mutex;
use super::notify::Notify;

struct Ring<T> {
    values: VecDeque<T>,
    /// Position of `values[0]`.
    head: u64,
    receivers: usize,
    senders: usize,
}

struct Shared<T> {
    ring: Mutex<Ring<T>>,
    capacity: usize,
    sent: Notify,
}

/// A broadcast channel keeping the last `capacity` values.
///
/// # Panics
///
/// If `capacity` is 0.
///
/// ```
/// spindle::block_on(async {
///     let (tx, mut a) = spindle::sync::broadcast::channel(4);
///     let mut b = tx.subscribe();
///     tx.send("hi").unwrap();
///     assert_eq!(a.recv().await, Ok("hi"));
///     assert_eq!(b.recv().await, Ok("hi"));
/// });
/// ```
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel capacity must be > 0");
    // The ring grows as values come (up to `capacity`): a large capacity
    // reserved up front would be allocated before anything is sent, and
    // one past `isize::MAX` bytes would panic here ("capacity overflow").
    let ring = Ring { values: VecDeque::with_capacity(capacity.min(64)), head: 0, receivers: 1, senders: 1 };
    let shared = Arc::new(Shared { ring: Mutex::new(ring), capacity, sent: Notify::new() });
    (Sender { shared: shared.clone() }, Receiver { shared, next: 0 })
}

/// Sends to every receiver; clone it for more senders.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it subscribed.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
}

/// Errors of [`broadcast`](self).
pub mod error {
    use std::error::Error;
    use std::fmt;

    /// No receiver is left; the value comes back.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub struct SendError<T>(pub T);

    /// Why `recv` returned no value.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum RecvError {
        /// Every sender is gone and every value was received.
        Closed,
        /// This receiver missed that many values (overwritten); the next
        /// `recv` returns the oldest value still kept.
        Lagged(u64),
    }

    /// Why `try_recv` returned no value.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum TryRecvError {
        /// Nothing new yet.
        Empty,
        /// Every sender is gone and every value was received.
        Closed,
        /// This receiver missed that many values.
        Lagged(u64),
    }

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> Error for SendError<T> {}

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl Error for RecvError {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

impl<T> Sender<T> {
    /// Sends `value` to every receiver; returns how many there are.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if no receiver is left.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::broadcast::channel(2);
    /// assert_eq!(tx.send(1).unwrap(), 1);
    /// drop(rx);
    /// assert!(tx.send(2).is_err());
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (receivers, overwritten) = {
            let mut ring = self.shared.ring.lock();
            if ring.receivers == 0 {
                return Err(SendError(value));
            }
            ring.values.push_back(value);
            let overwritten = if ring.values.len() > self.shared.capacity {
                ring.head += 1;
                ring.values.pop_front()
            } else {
                None
            };
            (ring.receivers, overwritten)
        };
        drop(overwritten); // outside the lock
        self.shared.sent.notify_waiters();
        Ok(receivers)
    }

    /// A new receiver that sees values sent from now on.
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::broadcast::channel::<u8>(2);
    /// let mut late = tx.subscribe();
    /// assert!(late.try_recv().is_err());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut ring = self.shared.ring.lock();
        ring.receivers += 1;
        let next = ring.head + ring.values.len() as u64;
        Receiver { shared: self.shared.clone(), next }
    }

    /// Live receivers.
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::broadcast::channel::<u8>(2);
    /// assert_eq!(tx.receiver_count(), 1);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.ring.lock().receivers
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.ring.lock().senders += 1;
        Sender { shared: self.shared.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let last = {
            let mut ring = self.shared.ring.lock();
            ring.senders -= 1;
            ring.senders == 0
        };
        if last {
            self.shared.sent.notify_waiters();
        }
    }
}

impl<T: Clone> Receiver<T> {
    /// Takes the next value without waiting.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Closed`] or
    /// [`TryRecvError::Lagged`] (then the receiver has skipped ahead).
    ///
    /// ```
    /// use spindle::sync::broadcast::{self, error::TryRecvError};
    /// let (tx, mut rx) = broadcast::channel(2);
    /// for i in 0..3 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let ring = self.shared.ring.lock();
        if self.next < ring.head {
            let missed = ring.head - self.next;
            self.next = ring.head;
            return Err(TryRecvError::Lagged(missed));
        }
        let index = (self.next - ring.head) as usize;
        match ring.values.get(index) {
            Some(v) => {
                self.next += 1;
                Ok(v.clone())
            }
            None if ring.senders == 0 => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Waits for the next value. Cancel-safe: a dropped `recv` future
    /// consumes nothing.
    ///
    /// # Errors
    ///
    /// [`RecvError::Closed`] when every sender is gone and everything was
    /// received; [`RecvError::Lagged`] when values were missed.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (tx, mut rx) = spindle::sync::broadcast::channel(2);
    ///     tx.send(1).unwrap();
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Ok(1));
    ///     assert_eq!(rx.recv().await, Err(spindle::sync::broadcast::error::RecvError::Closed));
    /// });
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        let shared = self.shared.clone();
        loop {
            let notified = shared.sent.notified();
            match self.try_recv() {
                Ok(v) => {
                    spindle_executor::coop::consume_budget().await;
                    return Ok(v);
                }
                Err(TryRecvError::Closed) => return Err(RecvError::Closed),
                Err(TryRecvError::Lagged(n)) => return Err(RecvError::Lagged(n)),
                Err(TryRecvError::Empty) => notified.await,
            }
        }
    }

    /// A new receiver at the same position as this one.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut copy = rx.resubscribe();
    /// assert!(copy.try_recv().is_err()); // starts at the tail
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut ring = self.shared.ring.lock();
        ring.receivers += 1;
        let next = ring.head + ring.values.len() as u64;
        Receiver { shared: self.shared.clone(), next }
    }

    /// Values waiting for this receiver (including any it lagged past).
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let ring = self.shared.ring.lock();
        (ring.head + ring.values.len() as u64 - self.next) as usize
    }

    /// Whether nothing waits for this receiver.
    ///
    /// ```
    /// let (_tx, rx) = spindle::sync::broadcast::channel::<u8>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.ring.lock().receivers -= 1;
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("next", &self.next).finish_non_exhaustive()
    }
}
