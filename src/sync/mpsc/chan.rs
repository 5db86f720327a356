//! The channel core shared by the bounded and unbounded `mpsc` channels: a
//! queue under a lock, the sender count and (bounded) the slots. The
//! receiver's private batch and its methods live in `rx.rs`, which reaches
//! the queue only through the methods here.
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
use std::task::Waker;

use super::super::batch_semaphore::BatchSemaphore;
use super::super::facade::atomic::{AtomicUsize, Ordering};
use super::super::facade::Mutex;
use super::super::notify::Notify;

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

    /// Closes the receiving side: pushes fail from now on and waiting
    /// senders (bounded) and `Sender::closed` futures are woken.
    pub(crate) fn close_rx(&self) {
        self.queue.lock().rx_closed = true;
        if let Some(sem) = &self.sem {
            sem.close();
        }
        self.rx_closed_notify.notify_waiters();
    }

    /// The receiver's refill: with the batch empty, swaps the whole shared
    /// queue into it (one lock per batch, not per message). With nothing
    /// queued and the channel open, stores `waker` (replacing the stored
    /// one only if `will_wake` says it differs).
    pub(crate) fn refill(&self, batch: &mut VecDeque<T>, waker: Option<&Waker>) -> Fill {
        if !batch.is_empty() {
            return Fill::Ready;
        }
        let mut q = self.queue.lock();
        if !q.buf.is_empty() {
            std::mem::swap(&mut q.buf, batch);
            return Fill::Ready;
        }
        if q.tx_closed || q.rx_closed {
            return Fill::Closed;
        }
        if let Some(waker) = waker {
            match &q.rx_waker {
                Some(w) if w.will_wake(waker) => {}
                _ => q.rx_waker = Some(waker.clone()),
            }
        }
        Fill::Empty
    }

    /// Gives `n` received messages' slots back (bounded; a no-op unbounded).
    pub(crate) fn release(&self, n: usize) {
        if let Some(sem) = &self.sem {
            sem.release(n);
        }
    }

    /// Free slots now (bounded only).
    pub(crate) fn free_slots(&self) -> usize {
        self.sem.as_ref().expect("a bounded channel has a semaphore").available_permits()
    }

    /// Whether the receiver closed or every sender went away.
    pub(crate) fn is_closed(&self) -> bool {
        let q = self.queue.lock();
        q.rx_closed || q.tx_closed
    }

    /// Messages in the shared queue (not counting the receiver's batch).
    pub(crate) fn queued(&self) -> usize {
        self.queue.lock().buf.len()
    }

    pub(crate) fn sender_count(&self) -> usize {
        self.senders.load(Ordering::Acquire)
    }

    /// The receiver's drop: closes the channel, then drops every queued
    /// message exactly once. They are taken out under the lock and dropped
    /// after it: a message's destructor may do anything, including touching
    /// this channel.
    pub(crate) fn close_and_drain(&self) {
        self.close_rx();
        let queued = std::mem::take(&mut self.queue.lock().buf);
        drop(queued);
    }
}

/// What [`Chan::refill`] found: a message (in the batch), an end, or
/// nothing yet.
pub(crate) enum Fill {
    Ready,
    Closed,
    Empty,
}
