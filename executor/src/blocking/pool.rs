//! The pool itself: its threads, its queue, and who may enter the queue.
//!
//! Elastic and capped: a closure goes to an idle thread if there is one,
//! else a new thread is started while fewer than `max_threads` exist, else
//! it waits in the queue. An idle thread exits after `keep_alive`. Each
//! closure runs inside a task cell, so its `JoinHandle`, panic capture and
//! cancellation work as for any task; a closure that has started cannot be
//! stopped, one still queued at shutdown is cancelled.
//!
//! # Counts, all under one mutex
//!
//! Spawning a blocking closure is not a hot path, so the threads, the idle
//! threads, the queue and the waiters of the bounded spawns (`bounded.rs`)
//! share one lock. A closure in the queue is either *claimed*, by an idle
//! thread already notified (`num_notify`) or by a thread started for it
//! and not yet running (`num_starting`), or *waiting* for a busy thread to
//! finish. [`State::waiting`] counts the latter; the queue bound
//! (`max_queue`) applies to it.
//!
//! # Who enters the queue
//!
//! "Room" ([`State::has_room`]) is an idle thread nobody was sent to, a
//! thread that may still be started, or a waiting count below the bound.
//!
//! | spawn | without room |
//! |---|---|
//! | `spawn_blocking` (and an abort's re-queue) | queued anyway: the bound is the bounded spawns' contract, and `spawn_blocking` keeps tokio's (unbounded) behaviour |
//! | `try_spawn_blocking` | refused, the closure given back (`bounded.rs`) |
//! | `spawn_blocking_bounded` | waits in line for room (`bounded.rs`) |
//!
//! The bounded spawns check for room and push under the same lock hold, so
//! the waiting count never exceeds the bound through them. Every change
//! that can make room (a closure leaves the queue, a thread goes idle)
//! wakes the first waiter of `bounded.rs`, after the lock is released.
//!
//! # The paused clock
//!
//! A blocking closure inhibits the auto-advance of its runtime's paused
//! clock (`clock.rs`) from its spawn until its task completes (tokio's
//! rule): the clock does not jump while code that may wake a task without
//! the timer still runs. Every spawn that queues a closure (the three of
//! the table) builds its task in [`BlockingPool::new_task`], which counts
//! it, and only once the closure is admitted: a refused
//! `try_spawn_blocking` and a `spawn_blocking_bounded` still waiting (or
//! dropped) count nothing. The count ends in `BlockingSchedule::release`,
//! which the task harness calls once per task after the `JoinHandle` was
//! woken (also when the task is cancelled without running, at shutdown or
//! because no thread could start), so the task waiting for the result is
//! already queued when the clock may move.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};

use super::bounded::Waiters;
use crate::clock::Clock;
use crate::config::{BlockingConfig, ThreadHooks};
use crate::task::meta::Meta;
use crate::task::{self, Header, JoinHandle, Notified, Schedule, TaskId};

#[derive(Clone)]
pub(crate) struct BlockingPool {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) state: Mutex<State>,
    condvar: Condvar,
    config: BlockingConfig,
    hooks: ThreadHooks,
    /// Guards a runtime context for the threads (set by the runtime).
    enter: Box<dyn Fn() -> Box<dyn std::any::Any> + Send + Sync>,
    /// The runtime's clock: each blocking task inhibits its auto-advance.
    clock: Clock,
}

#[derive(Default)]
pub(super) struct State {
    queue: VecDeque<Notified>,
    num_threads: usize,
    num_idle: usize,
    /// Wake-ups sent to idle threads and not yet consumed.
    num_notify: usize,
    /// Threads started for a queued closure that have not yet taken the
    /// lock (each will take one closure).
    num_starting: usize,
    pub(super) shutdown: bool,
    next_thread_id: usize,
    threads: Vec<(usize, std::thread::JoinHandle<()>)>,
    /// A thread that exited on keep-alive, joined by the next thread to exit
    /// that way, or by shutdown.
    last_exiting: Option<std::thread::JoinHandle<()>>,
    /// The pending `spawn_blocking_bounded` futures (`bounded.rs`).
    pub(super) waiters: Waiters,
}

/// Why a push did not queue its task.
#[derive(Debug)]
pub(super) enum Refused {
    /// The runtime is shut down.
    Shutdown,
    /// No thread exists and none could be started.
    NoThread(io::Error),
}

impl State {
    /// Queued closures no idle or starting thread is about to take.
    pub(super) fn waiting(&self) -> usize {
        self.queue.len().saturating_sub(self.num_notify + self.num_starting)
    }

    /// Whether a bounded push could be queued now (ignoring the waiters).
    pub(super) fn has_room(&self, config: &BlockingConfig) -> bool {
        self.num_idle > self.num_notify
            || self.num_threads < config.max_threads
            || config.max_queue.is_none_or(|max| self.waiting() < max)
    }
}

/// The blocking closure as a future: runs once, on its first poll (on a
/// blocking thread, or as a task on a simulated runtime's virtual workers).
pub(crate) struct BlockingTask<F>(Option<F>);

impl<F> BlockingTask<F> {
    pub(crate) fn new(f: F) -> BlockingTask<F> {
        BlockingTask(Some(f))
    }
}

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("blocking task polled after completion");
        // Blocking code is not cooperative: no budget.
        Poll::Ready(crate::coop::without_budget(f))
    }
}

/// The `Schedule` of blocking tasks: they are never woken (the closure does
/// not await), except by abort, which queues them to be cancelled.
struct BlockingSchedule(BlockingPool);

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        let mut state = self.0.inner.state.lock();
        if let Err((task, _refused)) = self.0.push_locked(&mut state, task) {
            drop(state);
            // Never left pending: the JoinHandle resolves to cancelled. The
            // drop of our reference waits until `schedule` has returned.
            task.shutdown_after_schedule();
        }
    }

    unsafe fn release(&self, _task: NonNull<Header>) -> bool {
        // Called once per blocking task, after its JoinHandle was woken: the
        // end of its `inhibit_auto_advance` (see the module docs).
        self.0.inner.clock.allow_auto_advance();
        // Blocking tasks are not in the runtime's registry.
        false
    }
}

impl BlockingPool {
    pub(crate) fn new(
        config: BlockingConfig,
        hooks: ThreadHooks,
        enter: Box<dyn Fn() -> Box<dyn std::any::Any> + Send + Sync>,
        clock: Clock,
    ) -> BlockingPool {
        let config = BlockingConfig { max_threads: config.max_threads.max(1), ..config };
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                condvar: Condvar::new(),
                config,
                hooks,
                enter,
                clock,
            }),
        }
    }

    pub(super) fn config(&self) -> &BlockingConfig {
        &self.inner.config
    }

    /// A task cell for `f`, with its first `Notified` and its `JoinHandle`.
    pub(super) fn new_task<F, R>(&self, f: F, meta: Meta) -> (Notified, JoinHandle<R>)
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // Ended by `BlockingSchedule::release` when the task completes (also
        // when it is cancelled without running).
        self.inner.clock.inhibit_auto_advance();
        let (task, notified, join) =
            task::new_task(BlockingTask(Some(f)), BlockingSchedule(self.clone()), TaskId::next(), meta);
        // No registry: drop its reference at once.
        drop(task);
        (notified, join)
    }

    /// `spawn_blocking`: queues `f` whatever the bound (see the module
    /// docs). After shutdown the `JoinHandle` resolves to cancelled.
    pub(crate) fn spawn<F, R>(&self, f: F, meta: Meta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (notified, join) = self.new_task(f, meta);
        let mut state = self.inner.state.lock();
        let pushed = self.push_locked(&mut state, notified);
        drop(state);
        if let Err((notified, refused)) = pushed {
            refuse(notified, &refused);
        }
        join
    }

    /// Queues a task, starting a thread if needed. Room is the caller's
    /// business (see the module docs).
    pub(super) fn push_locked(&self, state: &mut State, task: Notified) -> Result<(), (Notified, Refused)> {
        if state.shutdown {
            return Err((task, Refused::Shutdown));
        }
        if state.num_idle > state.num_notify {
            state.queue.push_back(task);
            state.num_notify += 1;
            self.inner.condvar.notify_one();
            return Ok(());
        }
        if state.num_threads < self.inner.config.max_threads {
            let id = state.next_thread_id;
            state.next_thread_id += 1;
            match self.start_thread(id) {
                Ok(handle) => {
                    state.num_threads += 1;
                    state.num_starting += 1;
                    state.threads.push((id, handle));
                    state.queue.push_back(task);
                    return Ok(());
                }
                Err(err) if state.num_threads == 0 => {
                    let err = io::Error::new(err.kind(), format!("failed to start a blocking thread: {err}"));
                    return Err((task, Refused::NoThread(err)));
                }
                // Other threads exist and will get to it: queue it.
                Err(_) => {}
            }
        }
        // At the cap: a busy thread takes it when it finishes.
        state.queue.push_back(task);
        Ok(())
    }

    fn start_thread(&self, id: usize) -> io::Result<std::thread::JoinHandle<()>> {
        let pool = self.clone();
        let enter_pool = self.clone();
        self.inner.hooks.spawn_thread(move || (enter_pool.inner.enter)(), move || pool.run(id))
    }

    /// The first waiter to wake if there is room now.
    fn waiter_to_wake(&self, state: &State) -> Option<Waker> {
        if state.waiters.is_empty() || !state.has_room(&self.inner.config) {
            return None;
        }
        state.waiters.first_waker()
    }

    fn run(&self, id: usize) {
        let inner = &*self.inner;
        let mut state = inner.state.lock();
        state.num_starting -= 1;
        'outer: loop {
            while let Some(task) = state.queue.pop_front() {
                let shutdown = state.shutdown;
                // A closure left the queue: room for a waiter.
                let waiter = self.waiter_to_wake(&state);
                drop(state);
                if let Some(waiter) = waiter {
                    waiter.wake();
                }
                if shutdown {
                    notified_shutdown(task);
                } else {
                    task.run();
                }
                state = inner.state.lock();
            }
            if state.shutdown {
                break;
            }
            // A keep-alive too large for `Instant` means "never time out".
            let deadline = Instant::now().checked_add(inner.config.keep_alive);
            state.num_idle += 1;
            // An idle thread is room too (a waiter may have been queued
            // while we were busy and found the queue at its bound).
            if let Some(waiter) = self.waiter_to_wake(&state) {
                MutexGuard::unlocked(&mut state, || waiter.wake());
            }
            loop {
                // Checked before each wait, not only after: the wake-up above
                // ran with the lock released, and a push it let in may have
                // notified before this thread waits.
                if state.num_notify > 0 {
                    state.num_notify -= 1;
                    state.num_idle -= 1;
                    continue 'outer;
                }
                if state.shutdown {
                    state.num_idle -= 1;
                    continue 'outer;
                }
                let timed_out = match deadline {
                    Some(deadline) => inner.condvar.wait_until(&mut state, deadline).timed_out(),
                    None => {
                        inner.condvar.wait(&mut state);
                        false
                    }
                };
                if timed_out && state.num_notify == 0 && !state.shutdown {
                    state.num_idle -= 1;
                    if !state.queue.is_empty() {
                        // Queued while we were counted busy: take it.
                        continue 'outer;
                    }
                    // Keep-alive elapsed: leave. Stop counting ourselves in
                    // the same critical section, so a `push` from now on
                    // starts a thread instead of waiting for us.
                    state.num_threads -= 1;
                    let prev = match state.threads.iter().position(|(tid, _)| *tid == id) {
                        Some(pos) => {
                            let (_, handle) = state.threads.swap_remove(pos);
                            // Our handle is joined by the next thread to exit
                            // or by shutdown; we join the previous one.
                            state.last_exiting.replace(handle)
                        }
                        None => None,
                    };
                    drop(state);
                    if let Some(prev) = prev {
                        let _ = prev.join();
                    }
                    return;
                }
            }
        }
        state.num_threads -= 1;
        drop(state);
    }

    /// Stops the pool: queued tasks are cancelled, idle threads exit,
    /// waiters of `spawn_blocking_bounded` resolve (to cancelled
    /// `JoinHandle`s), and running closures are waited for up to `timeout`
    /// (`None`: no limit). Returns the number of threads left detached,
    /// still running a closure at the deadline.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> usize {
        let (threads, last, waiters) = {
            let mut state = self.inner.state.lock();
            if state.shutdown {
                return 0;
            }
            state.shutdown = true;
            self.inner.condvar.notify_all();
            (std::mem::take(&mut state.threads), state.last_exiting.take(), state.waiters.all_wakers())
        };
        waiters.into_iter().for_each(Waker::wake);
        let current = std::thread::current().id();
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut detached = 0;
        for handle in threads.into_iter().map(|(_, h)| h).chain(last) {
            if handle.thread().id() == current {
                continue;
            }
            match deadline {
                None => {
                    let _ = handle.join();
                }
                Some(deadline) => {
                    // Poll for the thread's end until the deadline; a thread
                    // still running then is left detached.
                    while !handle.is_finished() && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    if handle.is_finished() {
                        let _ = handle.join();
                    } else {
                        detached += 1;
                    }
                }
            }
        }
        // Anything queued after the threads left.
        let queued: Vec<Notified> = self.inner.state.lock().queue.drain(..).collect();
        queued.into_iter().for_each(notified_shutdown);
        detached
    }

    pub(crate) fn num_threads(&self) -> usize {
        self.inner.state.lock().num_threads
    }

    pub(crate) fn num_idle_threads(&self) -> usize {
        self.inner.state.lock().num_idle
    }

    pub(crate) fn queue_depth(&self) -> usize {
        self.inner.state.lock().queue.len()
    }
}

/// Cancels a task the pool refused (its `JoinHandle` resolves to
/// cancelled), saying why through the diagnostics seam.
pub(super) fn refuse(task: Notified, why: &Refused) {
    let why: &dyn fmt::Display = match why {
        Refused::Shutdown => &"the runtime is shut down",
        Refused::NoThread(err) => err,
    };
    crate::diagnostics::warn(format_args!("blocking task {} cancelled: {why}", task.id()));
    notified_shutdown(task);
}

/// Cancels a queued task that will never run.
fn notified_shutdown(task: Notified) {
    task.shutdown();
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("BlockingPool")
            .field("threads", &state.num_threads)
            .field("idle", &state.num_idle)
            .field("queued", &state.queue.len())
            .field("waiters", &state.waiters.len())
            .finish()
    }
}
