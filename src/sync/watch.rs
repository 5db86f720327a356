//! `watch`: one value, many readers, each told when it changed.
//!
//! # Protocol
//!
//! The value lives under a reader-writer lock. A version word counts sends
//! in steps of 2 and keeps the sender's drop in bit 0 (`CLOSED`). `send`
//! replaces the value and bumps the version under the write lock, then
//! wakes every `changed()` waiter through a [`Notify`]. Each receiver
//! remembers the version it last saw; `changed()` first takes a `Notified`
//! (so a send after its check is not missed), then compares versions, and
//! waits only if nothing changed and the sender is alive.

use std::error::Error;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use super::facade::atomic::{AtomicUsize, Ordering};
use super::facade::{RwLock, RwLockReadGuard};
use super::notify::Notify;

const CLOSED: usize = 1;
const STEP: usize = 2;

struct Shared<T> {
    value: RwLock<T>,
    version: AtomicUsize,
    receivers: AtomicUsize,
    /// Woken on every send and on the sender's drop.
    changed: Notify,
    /// Woken when the last receiver goes, for `Sender::closed`.
    rx_gone: Notify,
}

/// A watch channel holding `init`.
///
/// ```
/// spindle::block_on(async {
///     let (tx, mut rx) = spindle::sync::watch::channel("init");
///     spindle::spawn(async move { tx.send("next").unwrap() });
///     rx.changed().await.unwrap();
///     assert_eq!(*rx.borrow_and_update(), "next");
/// });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        version: AtomicUsize::new(0),
        receivers: AtomicUsize::new(1),
        changed: Notify::new(),
        rx_gone: Notify::new(),
    });
    (Sender { shared: shared.clone() }, Receiver { shared, seen: 0 })
}

/// Sends new values to every [`Receiver`].
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the latest value and waits for changes; clone it for more readers.
///
/// `Send` and `Sync` when `T: Send + Sync` (receivers on several threads
/// read the value at once), not otherwise:
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<spindle::sync::watch::Receiver<std::cell::Cell<u8>>>();
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version (without `CLOSED`) this receiver last saw.
    seen: usize,
}

/// A read lock on the value; hold it briefly, as it blocks `send`.
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

/// Errors of [`watch`](self).
pub mod error {
    use super::*;

    /// No receiver is left; the value comes back.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub struct SendError<T>(pub T);

    /// The sender is gone.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct RecvError(pub(super) ());

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
            f.write_str("channel closed")
        }
    }

    impl Error for RecvError {}
}

use error::{RecvError, SendError};

impl<T> Sender<T> {
    /// Replaces the value and notifies every receiver.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if no receiver is left.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// drop(rx);
    /// assert!(tx.send(2).is_err());
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value whether or not anyone listens; returns the old
    /// one.
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut old = value;
        self.send_modify(|v| std::mem::swap(v, &mut old));
        old
    }

    /// Modifies the value in place and notifies every receiver.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        {
            let mut value = self.shared.value.write();
            modify(&mut value);
            self.shared.version.fetch_add(STEP, Ordering::Release);
        }
        self.shared.changed.notify_waiters();
    }

    /// The current value.
    ///
    /// ```
    /// let (tx, _rx) = spindle::sync::watch::channel(5);
    /// assert_eq!(*tx.borrow(), 5);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref { guard: self.shared.value.read(), has_changed: false }
    }

    /// A new receiver that has seen the current value.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(0);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        let seen = self.shared.version.load(Ordering::Acquire) & !CLOSED;
        Receiver { shared: self.shared.clone(), seen }
    }

    /// Live receivers.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(0);
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Acquire)
    }

    /// Whether every receiver is gone.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(0);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (tx, rx) = spindle::sync::watch::channel(0);
    ///     spindle::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    /// });
    /// ```
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.rx_gone.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.version.fetch_or(CLOSED, Ordering::Release);
        self.shared.changed.notify_waiters();
    }
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let version = self.shared.version.load(Ordering::Acquire) & !CLOSED;
        Ref { guard, has_changed: version != self.seen }
    }

    /// The current value, marking it seen.
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow_and_update().has_changed());
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let version = self.shared.version.load(Ordering::Acquire) & !CLOSED;
        let has_changed = version != self.seen;
        self.seen = version;
        Ref { guard, has_changed }
    }

    /// Whether a value was sent since this receiver last looked.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender is gone.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(0);
    /// assert!(!rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let version = self.shared.version.load(Ordering::Acquire);
        if version & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(version != self.seen)
    }

    /// Marks the current value seen.
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.load(Ordering::Acquire) & !CLOSED;
    }

    /// Waits for a value newer than the one last seen, and marks it seen.
    /// Returns at once if one was sent already. Cancel-safe.
    ///
    /// # Errors
    ///
    /// [`RecvError`] once the sender is gone (and nothing new was sent).
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (tx, mut rx) = spindle::sync::watch::channel(0);
    ///     tx.send(1).unwrap();
    ///     rx.changed().await.unwrap();
    ///     drop(tx);
    ///     assert!(rx.changed().await.is_err());
    /// });
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        loop {
            let notified = self.shared.changed.notified();
            let version = self.shared.version.load(Ordering::Acquire);
            if version & !CLOSED != self.seen {
                self.seen = version & !CLOSED;
                spindle_executor::coop::consume_budget().await;
                return Ok(());
            }
            if version & CLOSED != 0 {
                return Err(RecvError(()));
            }
            notified.await;
        }
    }

    /// Whether both receivers watch the same channel.
    ///
    /// ```
    /// let (_tx, rx) = spindle::sync::watch::channel(0);
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Ordering::Relaxed);
        Receiver { shared: self.shared.clone(), seen: self.seen }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.rx_gone.notify_waiters();
        }
    }
}

impl<T> Ref<'_, T> {
    /// Whether this value is newer than the one the receiver last saw.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::watch::channel(0);
    /// assert!(!rx.borrow().has_changed());
    /// tx.send(1).unwrap();
    /// assert!(rx.borrow().has_changed());
    /// ```
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("seen", &self.seen).finish_non_exhaustive()
    }
}
