//! The bounded spawns: `try_spawn_blocking` (refused at once when the
//! queue is at its bound) and `spawn_blocking_bounded` (waits for room),
//! and the FIFO list of the waiting ones.
//!
//! # The waiting protocol (all under the pool's one lock)
//!
//! 1. A `SpawnBlockingBounded` future polls: if it is first in line (the
//!    list is empty, or it heads it) and the pool [has room]
//!    (`State::has_room`), it leaves the list, builds its task and queues
//!    it; if room is left and others wait, it wakes the new first one.
//!    Otherwise it joins the back of the list (or updates its waker there)
//!    and returns `Pending`.
//! 2. The pool wakes the first waiter whenever room may have appeared (a
//!    closure left the queue, a thread went idle: see `pool.rs`), after
//!    releasing the lock. A waker that finds no room on its poll waits
//!    again, in place.
//! 3. A future dropped while in the list leaves it and, if room exists,
//!    wakes the new first waiter: it may have been woken for room it will
//!    never use. Dropping it drops the closure, unrun.
//! 4. At shutdown every waiter is woken; a poll that sees `shutdown`
//!    resolves to a `JoinHandle` whose task is already cancelled (as
//!    `spawn_blocking` after shutdown).
//!
//! Only the first in line is ever admitted, so waiters are served in
//! order, and `try_spawn_blocking` is refused while anyone waits (it does
//! not jump the line). No wake-up is lost: room appears and waiters
//! register only under the lock, and every room-making change checks the
//! list.
//!
//! [has room]: super::pool::State::has_room

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use super::error::TrySpawnBlockingError;
use super::pool::{refuse, BlockingPool, Refused};
use crate::task::meta::Meta;
use crate::task::JoinHandle;

/// The pending `spawn_blocking_bounded` futures, first in line first.
#[derive(Default)]
pub(super) struct Waiters {
    list: VecDeque<(u64, Waker)>,
    next_id: u64,
}

impl Waiters {
    pub(super) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    fn is_first(&self, id: Option<u64>) -> bool {
        match (self.list.front(), id) {
            (None, _) => true,
            (Some((first, _)), Some(id)) => *first == id,
            (Some(_), None) => false,
        }
    }

    /// Joins the back of the line, or updates the waker of `id`.
    fn register(&mut self, id: Option<u64>, waker: &Waker) -> u64 {
        if let Some(id) = id {
            if let Some((_, w)) = self.list.iter_mut().find(|(i, _)| *i == id) {
                w.clone_from(waker);
                return id;
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        self.list.push_back((id, waker.clone()));
        id
    }

    fn remove(&mut self, id: u64) {
        if let Some(pos) = self.list.iter().position(|(i, _)| *i == id) {
            self.list.remove(pos);
        }
    }

    pub(super) fn first_waker(&self) -> Option<Waker> {
        self.list.front().map(|(_, w)| w.clone())
    }

    /// Empties the list (shutdown), returning the wakers to wake.
    pub(super) fn all_wakers(&mut self) -> Vec<Waker> {
        self.list.drain(..).map(|(_, w)| w).collect()
    }
}

impl BlockingPool {
    /// `try_spawn_blocking`: queues `f` if it can run now or wait within
    /// the bound (and nobody waits for room before it); otherwise gives it
    /// back.
    pub(crate) fn try_spawn<F, R>(&self, f: F, meta: Meta) -> Result<JoinHandle<R>, TrySpawnBlockingError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let mut state = self.inner.state.lock();
        if state.shutdown {
            return Err(TrySpawnBlockingError::Shutdown(f));
        }
        if !state.has_room(self.config()) || !state.waiters.is_empty() {
            return Err(TrySpawnBlockingError::Full(f));
        }
        // Room now, and the push is under the same lock hold.
        let (notified, join) = self.new_task(f, meta);
        if let Err((notified, refused)) = self.push_locked(&mut state, notified) {
            drop(state);
            // No thread exists and none could be started: as
            // `spawn_blocking`, the JoinHandle resolves to cancelled.
            refuse(notified, &refused);
        }
        Ok(join)
    }

    /// `spawn_blocking_bounded`: a future that waits for room, then queues
    /// `f` and resolves to its `JoinHandle`.
    pub(crate) fn spawn_bounded<F, R>(&self, f: F, meta: Meta) -> SpawnBlockingBounded<F>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        SpawnBlockingBounded { pool: self.clone(), f: Some(f), meta: Some(meta), id: None }
    }
}

/// The future of `spawn_blocking_bounded` (see the module docs).
pub(crate) struct SpawnBlockingBounded<F> {
    pool: BlockingPool,
    f: Option<F>,
    meta: Option<Meta>,
    /// Our place in the list, once we joined it.
    id: Option<u64>,
}

// `f` is never pinned: it is moved out whole.
impl<F> Unpin for SpawnBlockingBounded<F> {}

impl<F, R> Future for SpawnBlockingBounded<F>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    type Output = JoinHandle<R>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<JoinHandle<R>> {
        let this = &mut *self;
        let pool = &this.pool;
        let mut state = pool.inner.state.lock();
        let shutdown = state.shutdown;
        let admitted = shutdown || (state.waiters.is_first(this.id) && state.has_room(pool.config()));
        if !admitted {
            this.id = Some(state.waiters.register(this.id, cx.waker()));
            return Poll::Pending;
        }
        if let Some(id) = this.id.take() {
            state.waiters.remove(id);
        }
        let f = this.f.take().expect("`spawn_blocking_bounded` polled after completion");
        let meta = this.meta.take().expect("the spawn site is kept until the spawn");
        let (notified, join) = pool.new_task(f, meta);
        // Room was checked under this lock hold.
        let pushed = if shutdown { Err((notified, Refused::Shutdown)) } else { pool.push_locked(&mut state, notified) };
        let next = if state.has_room(pool.config()) { state.waiters.first_waker() } else { None };
        drop(state);
        if let Some(next) = next {
            next.wake();
        }
        if let Err((notified, refused)) = pushed {
            refuse(notified, &refused);
        }
        Poll::Ready(join)
    }
}

impl<F> Drop for SpawnBlockingBounded<F> {
    fn drop(&mut self) {
        let Some(id) = self.id else { return };
        let mut state = self.pool.inner.state.lock();
        state.waiters.remove(id);
        // We may have been woken for room we will not use: pass it on.
        let next = if state.has_room(self.pool.config()) { state.waiters.first_waker() } else { None };
        drop(state);
        if let Some(next) = next {
            next.wake();
        }
    }
}
