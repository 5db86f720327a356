//! The batch semaphore under `Semaphore`, `Mutex` and the bounded `mpsc`
//! channel (tokio's design: one permit count plus a FIFO of waiters that
//! may each want several permits).
//!
//! # Protocol
//!
//! The state word holds the free permits and two bits:
//!
//! | bits | meaning |
//! |---|---|
//! | `0` `CLOSED` | closed: every acquire fails from now on |
//! | `1` `WAITERS` | the wait list is non-empty; the permit count is then 0 |
//! | `2..` | free permits (at most [`MAX_PERMITS`]) |
//!
//! 1. An acquire first tries a CAS that takes its permits while `WAITERS`
//!    is clear (the fast path, no lock).
//! 2. Failing that it locks the wait list, retries the CAS, and otherwise
//!    takes every free permit as a part payment and sets `WAITERS` with
//!    the count at 0 (one CAS), then queues itself. `WAITERS` is set and
//!    cleared only under the lock.
//! 3. A release adds to the count with a CAS while `WAITERS` is clear. If
//!    it is set, the release locks the list, pays the queued waiters in
//!    FIFO order (a waiter paid in full is woken), and when the list is
//!    empty clears `WAITERS` and adds the remainder to the count. Because
//!    the count is 0 while anyone waits, nobody overtakes the queue.
//! 4. A dropped acquire future removes its waiter and releases what it had
//!    been paid (all its permits if it had been woken but not yet polled).
//! 5. `close` sets `CLOSED` under the lock and wakes every waiter; a woken
//!    waiter that is not paid in full fails and releases its part payment.
//!
//! Wakers are woken after the lock is released.

use std::fmt;
use std::task::{Context, Poll, Waker};

use super::facade::atomic::{AtomicUsize, Ordering};
use super::facade::{mutant, Mutant, Mutex, MutexGuard};
use super::wait_list::{WaitKey, WaitList};

const CLOSED: usize = 0b01;
const WAITERS: usize = 0b10;
const SHIFT: usize = 2;

/// The most permits a semaphore holds.
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// Why an acquire failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

/// The semaphore was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// A queued acquire: how many permits it wants and how many it still needs.
#[derive(Debug)]
struct Waiter {
    wanted: usize,
    needed: usize,
}

pub(crate) struct BatchSemaphore {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

impl BatchSemaphore {
    pub(crate) fn new(permits: usize) -> BatchSemaphore {
        assert!(permits <= MAX_PERMITS, "a semaphore holds at most {MAX_PERMITS} permits, asked for {permits}");
        BatchSemaphore { state: AtomicUsize::new(permits << SHIFT), waiters: Mutex::new(WaitList::new()) }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Takes `n` permits if they are free and nobody is queued.
    #[inline]
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut curr = self.state.load(Ordering::Acquire);
        loop {
            if curr & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if curr >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self.state.compare_exchange_weak(curr, curr - (n << SHIFT), Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Ok(()),
                Err(actual) => curr = actual,
            }
        }
    }

    /// Gives `n` permits back (or adds new ones).
    ///
    /// # Panics
    ///
    /// If the count would exceed [`MAX_PERMITS`].
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Refused before anyone is paid: past this point an overflow could
        // only panic in `release_locked` after it had marked waiters woken
        // (their wakers then dropped unwoken, paid from permits never
        // added). With `WAITERS` set the count is 0, so a remainder of at
        // most `n` always fits; with it clear, `add_permits` panics before
        // its CAS changes anything.
        if n > MAX_PERMITS {
            panic!("adding {n} permits would exceed MAX_PERMITS ({MAX_PERMITS})");
        }
        let mut curr = self.state.load(Ordering::Acquire);
        while curr & WAITERS == 0 || mutant(Mutant::ReleaseIgnoresWaiters) {
            let new = add_permits(curr, n);
            match self.state.compare_exchange_weak(curr, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
        self.release_slow(n);
    }

    #[cold]
    fn release_slow(&self, n: usize) {
        let waiters = self.waiters.lock();
        self.release_locked(n, waiters);
    }

    /// Pays `n` permits to the queued waiters in order, then to the count
    /// once nobody is queued; wakes the paid waiters after unlocking.
    fn release_locked(&self, mut n: usize, mut waiters: MutexGuard<'_, WaitList<Waiter>>) {
        let mut wake: Option<Waker> = None;
        let mut more: Vec<Waker> = Vec::new();
        while let Some(front) = waiters.front_mut() {
            let paid = n.min(front.needed);
            front.needed -= paid;
            n -= paid;
            if front.needed > 0 {
                break;
            }
            if let Some(w) = waiters.wake_front() {
                match wake {
                    None => wake = Some(w),
                    Some(_) => more.push(w),
                }
            }
        }
        if waiters.is_empty() {
            let mut curr = self.state.load(Ordering::Acquire);
            loop {
                let new = add_permits(curr & !WAITERS, n);
                match self.state.compare_exchange_weak(curr, new, Ordering::AcqRel, Ordering::Acquire) {
                    Ok(_) => break,
                    Err(actual) => curr = actual,
                }
            }
        } else {
            debug_assert_eq!(n, 0, "permits left over while a waiter is unpaid");
        }
        drop(waiters);
        if let Some(w) = wake {
            w.wake();
        }
        more.into_iter().for_each(Waker::wake);
    }

    /// Closes the semaphore and fails every queued acquire.
    pub(crate) fn close(&self) {
        let mut wakers = Vec::new();
        {
            let mut waiters = self.waiters.lock();
            self.state.fetch_or(CLOSED, Ordering::AcqRel);
            waiters.wake_all(&mut wakers, |_| {});
        }
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Polls an acquire of `n` permits whose wait-list key lives in `node`.
    /// Costs one unit of coop budget when it completes.
    pub(crate) fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        n: usize,
        node: &mut Option<WaitKey>,
    ) -> Poll<Result<(), Closed>> {
        let coop = std::task::ready!(spindle_executor::coop::poll_proceed(cx));
        let out = match *node {
            None => self.start_acquire(cx, n, node),
            Some(key) => self.poll_queued(cx, key, node),
        };
        if out.is_ready() {
            coop.made_progress();
        }
        out
    }

    fn start_acquire(&self, cx: &mut Context<'_>, n: usize, node: &mut Option<WaitKey>) -> Poll<Result<(), Closed>> {
        match self.try_acquire(n) {
            Ok(()) => return Poll::Ready(Ok(())),
            Err(TryAcquireError::Closed) => return Poll::Ready(Err(Closed)),
            Err(TryAcquireError::NoPermits) => {}
        }
        let mut waiters = self.waiters.lock();
        let mut curr = self.state.load(Ordering::Acquire);
        let paid = loop {
            if curr & CLOSED != 0 {
                return Poll::Ready(Err(Closed));
            }
            let free = curr >> SHIFT;
            let (new, paid) = if curr & WAITERS == 0 && free >= n {
                (curr - (n << SHIFT), n)
            } else {
                ((curr & CLOSED) | WAITERS, free)
            };
            match self.state.compare_exchange_weak(curr, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break paid,
                Err(actual) => curr = actual,
            }
        };
        if paid == n {
            return Poll::Ready(Ok(()));
        }
        *node = Some(waiters.push_back(Waiter { wanted: n, needed: n - paid }, Some(cx.waker().clone())));
        Poll::Pending
    }

    fn poll_queued(&self, cx: &mut Context<'_>, key: WaitKey, node: &mut Option<WaitKey>) -> Poll<Result<(), Closed>> {
        let mut waiters = self.waiters.lock();
        if !waiters.is_woken(key) {
            waiters.register(key, cx.waker());
            return Poll::Pending;
        }
        *node = None;
        let (waiter, _) = waiters.remove(key);
        if waiter.needed == 0 {
            return Poll::Ready(Ok(()));
        }
        // Woken by `close` before being paid in full: hand back the part.
        self.release_locked(waiter.wanted - waiter.needed, waiters);
        Poll::Ready(Err(Closed))
    }

    /// The `Drop` of an acquire future: removes its waiter and hands on
    /// every permit it had been paid.
    pub(crate) fn cancel_acquire(&self, node: &mut Option<WaitKey>) {
        let Some(key) = node.take() else { return };
        let mut waiters = self.waiters.lock();
        let (waiter, _) = waiters.remove(key);
        let paid = waiter.wanted - waiter.needed;
        if paid == waiter.wanted && mutant(Mutant::CancelledAcquireKeepsPermits) {
            return;
        }
        // Also with nothing paid: the list may now be empty, and
        // `release_locked` clears `WAITERS` then.
        self.release_locked(paid, waiters);
    }
}

fn add_permits(curr: usize, n: usize) -> usize {
    let permits = (curr >> SHIFT).checked_add(n).filter(|&p| p <= MAX_PERMITS);
    let permits = permits
        .unwrap_or_else(|| panic!("adding {n} permits to {} would exceed MAX_PERMITS ({MAX_PERMITS})", curr >> SHIFT));
    (permits << SHIFT) | (curr & (CLOSED | WAITERS))
}

impl fmt::Debug for BatchSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state.load(Ordering::Relaxed);
        f.debug_struct("Semaphore")
            .field("permits", &(s >> SHIFT))
            .field("waiters", &(s & WAITERS != 0))
            .field("closed", &(s & CLOSED != 0))
            .finish()
    }
}

/// A pending acquire of `n` permits; cancel-safe (its `Drop` hands on what
/// it was paid).
pub(crate) struct Acquire<'a> {
    sem: &'a BatchSemaphore,
    n: usize,
    node: Option<WaitKey>,
}

impl<'a> Acquire<'a> {
    pub(crate) fn new(sem: &'a BatchSemaphore, n: usize) -> Acquire<'a> {
        Acquire { sem, n, node: None }
    }
}

impl std::future::Future for Acquire<'_> {
    type Output = Result<(), Closed>;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Closed>> {
        let this = &mut *self;
        this.sem.poll_acquire(cx, this.n, &mut this.node)
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.sem.cancel_acquire(&mut self.node);
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").field("n", &self.n).field("queued", &self.node.is_some()).finish()
    }
}
