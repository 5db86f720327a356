//! The channel core shared by the bounded and unbounded `mpsc` channels: a
//! queue under a lock plus the receiver's private batch.
//!
//! # Protocol
//!
//! * Senders push onto `Queue::buf` under the lock and take the receiver's
//!   waker, if one is stored, to wake after unlocking. A push fails (the
//!   value comes back) once `rx_closed` is set.
//! * The receiver owns a private batch. When it is empty it locks the queue
//!   once and swaps the whole shared buffer in, so a busy receiver takes
//!   the lock once per batch, not once per message. With nothing queued it
//!   stores its waker (replacing it only if `will_wake` says it differs)
//!   unless the channel is closed.
//! * A message counts as in the channel until `recv` returns it: for the
//!   bounded channel its slot (a semaphore permit) is given back then.
//! * The last sender's drop sets `tx_closed` and wakes the receiver.
//!   `close` sets `rx_closed` (and closes the bounded channel's
//!   semaphore, failing waiting senders); the receiver's drop closes and
//!   drops every queued message exactly once, outside the lock.

use std::collections::VecDeque;
use std::fmt;
use std::task::{Context, Poll, Waker};

use super::super::batch_semaphore::BatchSemaphore;
use super::super::facade::atomic::{AtomicUsize, Ordering};
use super::super::facade::Mutex;
use super::super::notify::Notify;
use super::error::TryRecvError;

struct Queue<T> {
    buf: VecDeque<T>,
    rx_waker: Option<Waker>,
    tx_closed: bool,
    rx_closed: bool,
}

pub(crate) struct Chan<T> {
    queue: Mutex<Queue<T>>,
    senders: AtomicUsize,
    /// The bounded channel's slots; `None` for the unbounded channel.
    pub(crate) sem: Option<BatchSemaphore>,
    /// Notified (all waiters) when the receiver closes; for `Sender::closed`.
    rx_closed_notify: Notify,
}

impl<T> Chan<T> {
    pub(crate) fn new(capacity: Option<usize>) -> Chan<T> {
        let queue = Queue { buf: VecDeque::new(), rx_waker: None, tx_closed: false, rx_closed: false };
        Chan {
            queue: Mutex::new(queue),
            senders: AtomicUsize::new(1),
            sem: capacity.map(BatchSemaphore::new),
            rx_closed_notify: Notify::new(),
        }
    }

    /// Queues `value` unless the receiver is closed or gone.
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let waker = {
            let mut q = self.queue.lock();
            if q.rx_closed {
                return Err(value);
            }
            q.buf.push_back(value);
            q.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    pub(crate) fn add_sender(&self) {
        self.senders.fetch_add(1, Ordering::Relaxed);
    }

    /// A weak sender's upgrade: adds a sender unless none is left (then the
    /// sending side is closed for good).
    pub(crate) fn try_add_sender(&self) -> bool {
        let mut curr = self.senders.load(Ordering::Acquire);
        loop {
            if curr == 0 {
                return false;
            }
            match self.senders.compare_exchange_weak(curr, curr + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(actual) => curr = actual,
            }
        }
    }

    /// Drops one sender; the last one closes the sending side.
    pub(crate) fn drop_sender(&self) {
        if self.senders.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let waker = {
            let mut q = self.queue.lock();
            q.tx_closed = true;
            q.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn is_rx_closed(&self) -> bool {
        self.queue.lock().rx_closed
    }

    /// Waits until the receiver is closed or dropped.
    pub(crate) async fn rx_closed(&self) {
        loop {
            let notified = self.rx_closed_notify.notified();
            if self.is_rx_closed() {
                return;
            }
            notified.await;
        }
    }

    fn close_rx(&self) {
        self.queue.lock().rx_closed = true;
        if let Some(sem) = &self.sem {
            sem.close();
        }
        self.rx_closed_notify.notify_waiters();
    }
}

/// The receiving half's state, for both flavours.
pub(crate) struct Rx<T> {
    pub(crate) chan: std::sync::Arc<Chan<T>>,
    batch: VecDeque<T>,
}

/// Whether the receive loop found a message, an end, or nothing yet.
enum Fill {
    Ready,
    Closed,
    Empty,
}

// SAFETY: `batch` holds `T`s, which would make `Rx` `Sync` only for
// `T: Sync`; but no `&self` method touches a `T` (only `&mut self` ones do,
// and `len` reads the length), so sharing `&Rx` shares no `T`. The rest is
// `Sync` on its own when `T: Send`.
unsafe impl<T: Send> Sync for Rx<T> {}

impl<T> Rx<T> {
    pub(crate) fn new(chan: std::sync::Arc<Chan<T>>) -> Rx<T> {
        Rx { chan, batch: VecDeque::new() }
    }

    /// Refills the private batch from the shared queue; with `cx`, stores
    /// the waker when nothing is queued and the channel is open.
    fn fill(&mut self, cx: Option<&mut Context<'_>>) -> Fill {
        if !self.batch.is_empty() {
            return Fill::Ready;
        }
        let mut q = self.chan.queue.lock();
        if !q.buf.is_empty() {
            std::mem::swap(&mut q.buf, &mut self.batch);
            return Fill::Ready;
        }
        if q.tx_closed || q.rx_closed {
            return Fill::Closed;
        }
        if let Some(cx) = cx {
            match &q.rx_waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => q.rx_waker = Some(cx.waker().clone()),
            }
        }
        Fill::Empty
    }

    fn release(&self, n: usize) {
        if let Some(sem) = &self.chan.sem {
            sem.release(n);
        }
    }

    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = std::task::ready!(spindle_executor::coop::poll_proceed(cx));
        match self.fill(Some(cx)) {
            Fill::Ready => {
                coop.made_progress();
                let value = self.batch.pop_front();
                self.release(1);
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
        match self.fill(Some(cx)) {
            Fill::Ready => {
                coop.made_progress();
                let n = limit.min(self.batch.len());
                out.extend(self.batch.drain(..n));
                self.release(n);
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
        match self.fill(None) {
            Fill::Ready => {
                let value = self.batch.pop_front().expect("a filled batch has a message");
                self.release(1);
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
        let q = self.chan.queue.lock();
        q.rx_closed || q.tx_closed
    }

    /// Messages queued, counting the private batch.
    pub(crate) fn len(&self) -> usize {
        self.batch.len() + self.chan.queue.lock().buf.len()
    }

    pub(crate) fn sender_count(&self) -> usize {
        self.chan.senders.load(Ordering::Acquire)
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        self.chan.close_rx();
        // Taken out under the lock, dropped after it: a message's destructor
        // may do anything, including touching this channel.
        let queued = std::mem::take(&mut self.chan.queue.lock().buf);
        drop(queued);
    }
}

impl<T> fmt::Debug for Rx<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rx").field("batch", &self.batch.len()).finish_non_exhaustive()
    }
}
