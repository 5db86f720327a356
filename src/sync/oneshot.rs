//! `oneshot`: a channel for exactly one value.
//!
//! # Protocol
//!
//! One small lock guards the value cell, three flags and two waker cells
//! (the receiver's, and the sender's for `closed()`); an uncontended lock
//! costs about what tokio's state-word CAS does, and leaves no `unsafe`.
//!
//! | flag | set by | meaning |
//! |---|---|---|
//! | `sent` | `send` | a value was put in the cell (it may since be taken) |
//! | `tx_dropped` | the sender's drop without sending | no value will come |
//! | `rx_closed` | `close`, the receiver's drop | a `send` fails and returns its value |
//!
//! `send` fails once `rx_closed` is set; the receiver's drop sets it and
//! takes any value out of the cell in the same critical section, so a
//! value is dropped exactly once: by the receiver, or (returned in the
//! error) by the sender. Each side wakes the other after unlocking.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::facade::{mutant, Mutant, Mutex};

/// A new oneshot channel.
///
/// ```
/// spindle::block_on(async {
///     let (tx, rx) = spindle::sync::oneshot::channel();
///     spindle::spawn(async move { tx.send(7).unwrap() });
///     assert_eq!(rx.await, Ok(7));
/// });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            value: None,
            sent: false,
            tx_dropped: false,
            rx_closed: false,
            rx_waker: None,
            tx_waker: None,
        }),
    });
    (Sender { inner: Some(inner.clone()) }, Receiver { inner })
}

struct Inner<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    value: Option<T>,
    sent: bool,
    tx_dropped: bool,
    rx_closed: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
}

/// Sends the one value.
pub struct Sender<T> {
    /// `None` once `send` consumed it (so `Drop` knows).
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the one value: a future of `Result<T, RecvError>`.
///
/// `Send` and `Sync` when `T: Send`; not when `T` is not `Send`:
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<spindle::sync::oneshot::Receiver<std::rc::Rc<()>>>();
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
}

/// The sender was dropped without sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError(());

/// Why `try_recv` returned no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// No value yet; the sender is alive.
    Empty,
    /// No value will come (the sender is gone, the value was taken, or the
    /// receiver was closed before it was sent).
    Closed,
}

fn wake(waker: Option<Waker>) {
    if let Some(w) = waker {
        w.wake();
    }
}

fn store(slot: &mut Option<Waker>, waker: &Waker) {
    match slot {
        Some(w) if w.will_wake(waker) => {}
        _ => *slot = Some(waker.clone()),
    }
}

impl<T> Sender<T> {
    fn inner(&self) -> &Inner<T> {
        self.inner.as_ref().expect("the sender is alive until send consumes it")
    }

    /// Sends `value`, failing (and returning it) if the receiver is closed
    /// or dropped.
    ///
    /// # Errors
    ///
    /// `Err(value)` if the receiver is gone.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(3), Err(3));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("the sender is alive until send consumes it");
        let waker = {
            let mut s = inner.state.lock();
            if s.rx_closed {
                return Err(value);
            }
            s.value = Some(value);
            s.sent = true;
            let w = s.rx_waker.take();
            if mutant(Mutant::OneshotSendSkipsWake) {
                None
            } else {
                w
            }
        };
        wake(waker);
        Ok(())
    }

    /// Whether the receiver was closed or dropped.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().state.lock().rx_closed
    }

    /// Waits until the receiver is closed or dropped.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (mut tx, rx) = spindle::sync::oneshot::channel::<()>();
    ///     spindle::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls for the receiver's closing; stores the waker otherwise.
    ///
    /// ```
    /// use std::task::{Context, Waker};
    /// let (mut tx, rx) = spindle::sync::oneshot::channel::<()>();
    /// let mut cx = Context::from_waker(Waker::noop());
    /// assert!(tx.poll_closed(&mut cx).is_pending());
    /// drop(rx);
    /// assert!(tx.poll_closed(&mut cx).is_ready());
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.inner().state.lock();
        if s.rx_closed {
            return Poll::Ready(());
        }
        store(&mut s.tx_waker, cx.waker());
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        let waker = {
            let mut s = inner.state.lock();
            s.tx_dropped = true;
            s.rx_waker.take()
        };
        wake(waker);
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: a later `send`
    /// fails; a value sent before stays receivable.
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        let waker = {
            let mut s = self.inner.state.lock();
            s.rx_closed = true;
            s.tx_waker.take()
        };
        wake(waker);
    }

    /// Whether no value can arrive any more (the sender is gone, the value
    /// was taken, or the channel was closed) and none is waiting.
    ///
    /// ```
    /// let (tx, rx) = spindle::sync::oneshot::channel::<()>();
    /// assert!(!rx.is_terminated());
    /// drop(tx);
    /// assert!(rx.is_terminated());
    /// ```
    pub fn is_terminated(&self) -> bool {
        let s = self.inner.state.lock();
        s.value.is_none() && (s.sent || s.tx_dropped || s.rx_closed)
    }

    /// Takes the value if it was sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] before it is sent, [`TryRecvError::Closed`]
    /// when none will come.
    ///
    /// ```
    /// use spindle::sync::oneshot::{self, TryRecvError};
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(5).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(5));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut s = self.inner.state.lock();
        match s.value.take() {
            Some(v) => Ok(v),
            None if s.sent || s.tx_dropped || s.rx_closed => Err(TryRecvError::Closed),
            None => Err(TryRecvError::Empty),
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let coop = std::task::ready!(spindle_executor::coop::poll_proceed(cx));
        let mut s = self.inner.state.lock();
        if let Some(v) = s.value.take() {
            coop.made_progress();
            return Poll::Ready(Ok(v));
        }
        if s.sent || s.tx_dropped {
            coop.made_progress();
            return Poll::Ready(Err(RecvError(())));
        }
        store(&mut s.rx_waker, cx.waker());
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let (value, waker) = {
            let mut s = self.inner.state.lock();
            s.rx_closed = true;
            (s.value.take(), s.tx_waker.take())
        };
        // The value's destructor runs outside the lock.
        drop(value);
        wake(waker);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
        }
    }
}

impl Error for TryRecvError {}
