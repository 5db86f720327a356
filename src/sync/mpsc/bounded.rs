//! The bounded channel's handles: slots are permits of a [batch
//! semaphore](crate::sync::Semaphore), acquired by `send`/`reserve` and
//! given back when `recv` returns the message.

use std::fmt;
use std::sync::Arc;

use super::super::batch_semaphore::{Acquire, TryAcquireError};
use super::chan::Chan;
use super::error::{SendError, TrySendError};
use super::rx::{receiver_methods, Rx};

/// A channel holding at most `capacity` messages; `send` waits for a free
/// slot, in FIFO order with the other waiting senders.
///
/// # Panics
///
/// If `capacity` is 0 or above [`Semaphore::MAX_PERMITS`](crate::sync::Semaphore::MAX_PERMITS).
///
/// ```
/// spindle::block_on(async {
///     let (tx, mut rx) = spindle::sync::mpsc::channel(2);
///     for i in 0..2 {
///         tx.send(i).await.unwrap();
///     }
///     assert!(tx.try_send(9).is_err()); // full
///     assert_eq!(rx.recv().await, Some(0));
///     tx.try_send(2).unwrap();
///     drop(tx);
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, Some(2));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "mpsc bounded channel requires capacity > 0");
    let chan = Arc::new(Chan::new(Some(capacity)));
    (Sender { chan: chan.clone(), capacity }, Receiver { rx: Rx::new(chan) })
}

/// Sends to a bounded channel; clone it for more producers.
///
/// `Send` and `Sync` when `T: Send`:
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<spindle::sync::mpsc::Sender<std::rc::Rc<()>>>();
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
    capacity: usize,
}

/// A sender that does not keep the channel open: the receiver sees `None`
/// once every [`Sender`] is gone, weak ones or not. Upgrade it to send.
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
    capacity: usize,
}

/// Receives from a bounded channel.
pub struct Receiver<T> {
    rx: Rx<T>,
}

/// A reserved slot: [`send`](Permit::send) fills it without waiting;
/// dropping it gives the slot back.
#[must_use = "the slot is given back at once when the permit is dropped"]
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> Sender<T> {
    fn sem(&self) -> &super::super::batch_semaphore::BatchSemaphore {
        self.chan.sem.as_ref().expect("a bounded channel has a semaphore")
    }

    /// Sends `value`, waiting for a free slot.
    ///
    /// Cancel-safe: dropping the future before it completes sends nothing
    /// and passes on the slot it may just have been given.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is closed or dropped.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (tx, rx) = spindle::sync::mpsc::channel(1);
    ///     drop(rx);
    ///     assert_eq!(tx.send(4).await.unwrap_err().0, 4);
    /// });
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        if Acquire::new(self.sem(), 1).await.is_err() {
            return Err(SendError(value));
        }
        self.chan.push(value).map_err(|value| {
            self.sem().release(1);
            SendError(value)
        })
    }

    /// Sends `value` if a slot is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    ///
    /// ```
    /// use spindle::sync::mpsc::{self, error::TrySendError};
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.sem().try_acquire(1) {
            Ok(()) => {}
            Err(TryAcquireError::NoPermits) => return Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => return Err(TrySendError::Closed(value)),
        }
        self.chan.push(value).map_err(|value| {
            self.sem().release(1);
            TrySendError::Closed(value)
        })
    }

    /// Waits for a free slot and reserves it.
    ///
    /// # Errors
    ///
    /// [`SendError`] (holding `()`) if the receiver is closed or dropped.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (tx, mut rx) = spindle::sync::mpsc::channel(1);
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert_eq!(tx.capacity(), 0);
    ///     permit.send("hi");
    ///     assert_eq!(rx.recv().await, Some("hi"));
    /// });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        match Acquire::new(self.sem(), 1).await {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(_) => Err(SendError(())),
        }
    }

    /// Reserves a slot if one is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`] (holding `()`).
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::mpsc::channel::<u8>(1);
    /// let _p = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().is_err());
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.sem().try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Free slots now.
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::mpsc::channel::<u8>(3);
    /// assert_eq!(tx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.sem().available_permits()
    }

    /// The capacity the channel was made with.
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::mpsc::channel::<u8>(3);
    /// assert_eq!(tx.max_capacity(), 3);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.capacity
    }

    /// Whether the receiver was closed or dropped.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::mpsc::channel::<u8>(1);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.chan.is_rx_closed()
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (tx, rx) = spindle::sync::mpsc::channel::<u8>(1);
    ///     spindle::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    /// });
    /// ```
    pub async fn closed(&self) {
        self.chan.rx_closed().await
    }

    /// Whether both senders feed the same channel.
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::mpsc::channel::<u8>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A [`WeakSender`] for this channel.
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender { chan: self.chan.clone(), capacity: self.capacity }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any strong sender is still alive.
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::mpsc::channel(1);
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().try_send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.try_add_sender().then(|| Sender { chan: self.chan.clone(), capacity: self.capacity })
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        WeakSender { chan: self.chan.clone(), capacity: self.capacity }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Permit<'_, T> {
    /// Fills the reserved slot. If the receiver has gone meanwhile, the
    /// value is dropped.
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::mpsc::channel(1);
    /// tx.try_reserve().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn send(self, value: T) {
        let chan = self.chan;
        std::mem::forget(self);
        if chan.push(value).is_err() {
            chan.sem.as_ref().expect("bounded").release(1);
        }
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.sem.as_ref().expect("bounded").release(1);
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.add_sender();
        Sender { chan: self.chan.clone(), capacity: self.capacity }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Receiver<T> {
    receiver_methods!("channel::<u8>(8)", "try_send");

    /// Free slots now.
    ///
    /// ```
    /// let (_tx, rx) = spindle::sync::mpsc::channel::<u8>(2);
    /// assert_eq!(rx.capacity(), 2);
    /// ```
    pub fn capacity(&self) -> usize {
        self.rx.free_slots()
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}
