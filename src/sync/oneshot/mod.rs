//! `oneshot`: a channel for exactly one value.
//!
//! # Protocol
//!
//! tokio's design: one state word (`state.rs`: `RX_TASK_SET`, `COMPLETE`,
//! `CLOSED`, `TX_TASK_SET`) plus three cells, the value and the two sides'
//! wakers. Who may touch which cell when:
//!
//! * `value` belongs to the sender until `COMPLETE` is set: `send` writes
//!   it, then sets `COMPLETE` unless `CLOSED` is set; if it is, `COMPLETE`
//!   stays clear and the sender takes its value back. Once `COMPLETE` is
//!   set the cell belongs to the receiver (`poll`, `try_recv`, its drop).
//!   The sender's drop sets `COMPLETE` with the cell empty: no value.
//! * `rx_task` is written by the receiver only while `RX_TASK_SET` is
//!   clear and `COMPLETE` was not seen; then it sets the bit. Whoever sets
//!   `COMPLETE` and finds the bit set wakes the waker in place. To replace
//!   its waker (only if `will_wake` says it differs) the receiver clears
//!   the bit first, and if that shows `COMPLETE`, it leaves the cell alone
//!   (the sender may be reading it) and takes the value.
//! * `tx_task` is the same for the sender's `poll_closed`, with `CLOSED`
//!   in place of `COMPLETE` and the receiver's close doing the waking.
//!
//! So a value is dropped exactly once: by the receiver (taken, or dropped
//! with the receiver) or, returned in the error, by the sender.
//!
//! The receiver lets go of the channel as soon as it has returned the value
//! or the error (tokio's shape): by then no sender is left to read `CLOSED`
//! (it saw `COMPLETE`), or its own `close` set it, so only a receiver that
//! never finished publishes `CLOSED` when dropped. A poll that finds
//! nothing to take spends no coop budget.

mod state;

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use self::state::State;
use super::facade::{mutant, Mutant, UnsafeCell};

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
        state: State::new(),
        value: UnsafeCell::new(None),
        rx_task: UnsafeCell::new(None),
        tx_task: UnsafeCell::new(None),
    });
    (Sender { inner: Some(inner.clone()) }, Receiver { inner: Some(inner) })
}

/// # Invariant
///
/// The cells are accessed only as the module docs say.
struct Inner<T> {
    state: State,
    value: UnsafeCell<Option<T>>,
    rx_task: UnsafeCell<Option<Waker>>,
    tx_task: UnsafeCell<Option<Waker>>,
}

// SAFETY: the state word hands each cell to one side at a time (the
// invariant), so sharing `Inner` moves a `T` from the sender to the
// receiver (hence `T: Send`) but never shares one; wakers are `Send + Sync`.
unsafe impl<T: Send> Sync for Inner<T> {}
// SAFETY: as above; `Inner` owns at most one `T`.
unsafe impl<T: Send> Send for Inner<T> {}

impl<T> Inner<T> {
    /// Wakes the receiver's stored waker in place.
    ///
    /// # Safety
    ///
    /// The caller's transition set `COMPLETE` and found `RX_TASK_SET` set,
    /// so the receiver will not write `rx_task` again.
    unsafe fn wake_rx(&self) {
        // SAFETY: the caller's contract: only reads of the cell remain.
        self.rx_task.with(|p| unsafe { (*p).as_ref() }.map(Waker::wake_by_ref));
    }

    /// Wakes the sender's stored waker in place.
    ///
    /// # Safety
    ///
    /// The caller's transition set `CLOSED` and found `TX_TASK_SET` set, so
    /// the sender will not write `tx_task` again.
    unsafe fn wake_tx(&self) {
        // SAFETY: the caller's contract: only reads of the cell remain.
        self.tx_task.with(|p| unsafe { (*p).as_ref() }.map(Waker::wake_by_ref));
    }
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
    /// `None` once the value or the error was returned (`.await` or
    /// `try_recv`): the channel is then let go at once, as tokio's is.
    inner: Option<Arc<Inner<T>>>,
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
        // SAFETY: `COMPLETE` is clear (only this sender sets it), so the
        // value cell is the sender's.
        inner.value.with_mut(|p| unsafe { *p = Some(value) });
        let prev = inner.state.transition_to_sent();
        if prev.is_closed() {
            // SAFETY: the transition left `COMPLETE` clear, so the receiver
            // never touches the cell: it is still the sender's.
            let value = inner.value.with_mut(|p| unsafe { (*p).take() });
            return Err(value.expect("the value was just written"));
        }
        if prev.is_rx_task_set() && !mutant(Mutant::OneshotSendSkipsWake) {
            // SAFETY: this transition set `COMPLETE` and found the bit set.
            unsafe { inner.wake_rx() };
        }
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
        self.inner().state.load().is_closed()
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
        let inner = self.inner();
        let mut state = inner.state.load();
        if state.is_closed() {
            return Poll::Ready(());
        }
        if state.is_tx_task_set() {
            // SAFETY: the sender is the cell's only writer, and this is it.
            let same = inner.tx_task.with(|p| unsafe { (*p).as_ref() }.is_some_and(|w| w.will_wake(cx.waker())));
            if same {
                return Poll::Pending;
            }
            state = inner.state.unset_tx_task();
            if state.is_closed() {
                // The receiver may be reading the cell: leave it.
                return Poll::Ready(());
            }
        }
        // SAFETY: `TX_TASK_SET` is clear and `CLOSED` was not set when it
        // was cleared (or loaded), so the receiver does not read the cell.
        inner.tx_task.with_mut(|p| unsafe { *p = Some(cx.waker().clone()) });
        if inner.state.set_tx_task().is_closed() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        let prev = inner.state.transition_to_tx_dropped();
        if prev.is_rx_task_set() && !prev.is_complete() {
            // SAFETY: this transition set `COMPLETE` and found the bit set.
            unsafe { inner.wake_rx() };
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value after `COMPLETE` was seen, and lets the channel go.
    fn take_value(&mut self) -> Option<T> {
        let inner = self.inner.take()?;
        // SAFETY: `COMPLETE` was seen (acquire), so the cell is the
        // receiver's, and `&mut self` makes this the only access.
        inner.value.with_mut(|p| unsafe { (*p).take() })
    }

    /// Closes the channel without dropping the receiver: a later `send`
    /// fails; a value sent before stays receivable.
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// ```
    pub fn close(&mut self) {
        let Some(inner) = &self.inner else { return };
        let prev = inner.state.transition_to_closed();
        if prev.is_tx_task_set() && !prev.is_complete() && !prev.is_closed() {
            // SAFETY: this transition set `CLOSED` and found the bit set.
            unsafe { inner.wake_tx() };
        }
    }

    /// Whether this receiver has returned its value or its error (from
    /// `.await` or `try_recv`).
    ///
    /// ```
    /// let (tx, mut rx) = spindle::sync::oneshot::channel();
    /// assert!(!rx.is_terminated());
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.is_terminated());
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
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
        let Some(inner) = &self.inner else { return Err(TryRecvError::Closed) };
        let state = inner.state.load();
        if state.is_complete() {
            return self.take_value().ok_or(TryRecvError::Closed);
        }
        if state.is_closed() {
            self.inner = None;
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let Some(inner) = &self.inner else { return Poll::Ready(Err(RecvError(()))) };
        let mut state = inner.state.load();
        if state.is_complete() {
            return Poll::Ready(self.take_value().ok_or(RecvError(())));
        }
        if state.is_closed() {
            self.inner = None;
            return Poll::Ready(Err(RecvError(())));
        }
        if state.is_rx_task_set() {
            // SAFETY: the receiver is the cell's only writer, and this is it.
            let same = inner.rx_task.with(|p| unsafe { (*p).as_ref() }.is_some_and(|w| w.will_wake(cx.waker())));
            if same {
                return Poll::Pending;
            }
            state = inner.state.unset_rx_task();
            if state.is_complete() {
                // The sender may be reading the cell: leave it.
                return Poll::Ready(self.take_value().ok_or(RecvError(())));
            }
        }
        // SAFETY: `RX_TASK_SET` is clear and `COMPLETE` was not set when it
        // was cleared (or loaded), so the sender does not read the cell.
        inner.rx_task.with_mut(|p| unsafe { *p = Some(cx.waker().clone()) });
        if inner.state.set_rx_task().is_complete() {
            return Poll::Ready(self.take_value().ok_or(RecvError(())));
        }
        Poll::Pending
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let this = self.get_mut();
        let ready = this.inner.as_ref().is_none_or(|inner| {
            let state = inner.state.load();
            state.is_complete() || state.is_closed()
        });
        if ready {
            std::task::ready!(spindle_executor::coop::poll_proceed(cx)).made_progress();
        }
        // Nothing to take yet: wait without touching the coop budget (a
        // poll that returns `Pending` gives its unit back anyway). A value
        // that races in while the waker is stored is taken without spending
        // a unit: there is one value, once.
        this.poll_recv(cx)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // `None`: the value or the error was returned, so no sender is left
        // to read `CLOSED` (it saw `COMPLETE`), or this receiver's own
        // `close` already set it and woke the sender.
        let Some(inner) = self.inner.take() else { return };
        let prev = inner.state.transition_to_closed();
        if prev.is_tx_task_set() && !prev.is_complete() && !prev.is_closed() {
            // SAFETY: this transition set `CLOSED` and found the bit set.
            unsafe { inner.wake_tx() };
        }
        if prev.is_complete() {
            // SAFETY: `COMPLETE` was seen (acquire), so the cell is the
            // receiver's; the value's destructor runs here, once.
            drop(inner.value.with_mut(|p| unsafe { (*p).take() }));
        }
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
