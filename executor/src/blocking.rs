//! The blocking pool: threads for closures that block (file I/O, DNS,
//! CPU-heavy work), so that they never stall a worker.
//!
//! Elastic and capped: a closure goes to an idle thread if there is one,
//! else a new thread is started while fewer than `max_blocking_threads`
//! exist, else it waits in the queue. An idle thread exits after
//! `thread_keep_alive`. Each closure runs inside a task cell, so its
//! `JoinHandle`, panic capture and cancellation work as for any task; a
//! closure that has started cannot be stopped, one still queued at shutdown
//! is cancelled.
//!
//! Counts (threads, idle threads, queue) live under one mutex: spawning a
//! blocking closure is not a hot path.
//!
//! A blocking closure inhibits the auto-advance of its runtime's paused
//! clock (`clock.rs`) from its spawn until its task completes (tokio's
//! rule): the clock does not jump while code that may wake a task without
//! the timer still runs. The count ends in `BlockingSchedule::release`,
//! which the task harness calls once per task after the `JoinHandle` was
//! woken, so the task waiting for the result is already queued when the
//! clock may move.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::clock::Clock;
use crate::config::ThreadHooks;
use crate::task::meta::Meta;
use crate::task::{self, Header, JoinHandle, Notified, Schedule, TaskId};

#[derive(Clone)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    condvar: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    hooks: ThreadHooks,
    /// Guards a runtime context for the threads (set by the runtime).
    enter: Box<dyn Fn() -> Box<dyn std::any::Any> + Send + Sync>,
    /// The runtime's clock: each blocking task inhibits its auto-advance.
    clock: Clock,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Notified>,
    num_threads: usize,
    num_idle: usize,
    /// Wake-ups sent to idle threads and not yet consumed.
    num_notify: usize,
    shutdown: bool,
    next_thread_id: usize,
    threads: Vec<(usize, std::thread::JoinHandle<()>)>,
    /// A thread that exited on keep-alive, joined by the next thread to exit
    /// that way, or by shutdown.
    last_exiting: Option<std::thread::JoinHandle<()>>,
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
        if let Err((task, _shut_down)) = self.0.push(task) {
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
        max_threads: usize,
        keep_alive: Duration,
        hooks: ThreadHooks,
        enter: Box<dyn Fn() -> Box<dyn std::any::Any> + Send + Sync>,
        clock: Clock,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                condvar: Condvar::new(),
                max_threads: max_threads.max(1),
                keep_alive,
                hooks,
                enter,
                clock,
            }),
        }
    }

    pub(crate) fn spawn<F, R>(&self, f: F, meta: Meta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if cfg!(spindle_loom) {
            panic!(
                "spawn_blocking is not supported inside a loom model: the blocking pool runs OS threads that loom \
                 cannot see. Run the work in a task, or on a `loom::thread` the model spawns and joins itself"
            );
        }
        // Ended by `BlockingSchedule::release` when the task completes (also
        // when it is cancelled without running).
        self.inner.clock.inhibit_auto_advance();
        let (task, notified, join) =
            task::new_task(BlockingTask(Some(f)), BlockingSchedule(self.clone()), TaskId::next(), meta);
        // No registry: drop its reference at once.
        drop(task);
        if let Err((notified, err)) = self.push(notified) {
            crate::diagnostics::warn(format_args!("blocking task {} cancelled: {err}", notified.id()));
            notified_shutdown(notified);
        }
        join
    }

    /// Queues a task, starting a thread if needed. Fails if shut down or if
    /// no thread exists and none can be started.
    fn push(&self, task: Notified) -> Result<(), (Notified, io::Error)> {
        let mut state = self.inner.state.lock();
        if state.shutdown {
            return Err((task, io::Error::other("the runtime is shut down")));
        }
        state.queue.push_back(task);
        if state.num_idle > state.num_notify {
            state.num_notify += 1;
            self.inner.condvar.notify_one();
            return Ok(());
        }
        if state.num_threads >= self.inner.max_threads {
            // At the cap: a busy thread takes it when it finishes.
            return Ok(());
        }
        let id = state.next_thread_id;
        state.next_thread_id += 1;
        match self.start_thread(id) {
            Ok(handle) => {
                state.num_threads += 1;
                state.threads.push((id, handle));
                Ok(())
            }
            Err(err) if state.num_threads == 0 => {
                let task = state.queue.pop_back().expect("the task just pushed");
                Err((task, io::Error::new(err.kind(), format!("failed to start a blocking thread: {err}"))))
            }
            // Other threads exist and will get to it.
            Err(_) => Ok(()),
        }
    }

    fn start_thread(&self, id: usize) -> io::Result<std::thread::JoinHandle<()>> {
        let pool = self.clone();
        let enter_pool = self.clone();
        self.inner.hooks.spawn_thread(move || (enter_pool.inner.enter)(), move || pool.run(id))
    }

    fn run(&self, id: usize) {
        let inner = &*self.inner;
        let mut state = inner.state.lock();
        'outer: loop {
            while let Some(task) = state.queue.pop_front() {
                let shutdown = state.shutdown;
                drop(state);
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
            let deadline = Instant::now().checked_add(inner.keep_alive);
            state.num_idle += 1;
            loop {
                let timed_out = match deadline {
                    Some(deadline) => inner.condvar.wait_until(&mut state, deadline).timed_out(),
                    None => {
                        inner.condvar.wait(&mut state);
                        false
                    }
                };
                if state.num_notify > 0 {
                    state.num_notify -= 1;
                    state.num_idle -= 1;
                    continue 'outer;
                }
                if state.shutdown {
                    state.num_idle -= 1;
                    continue 'outer;
                }
                if timed_out {
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

    /// Stops the pool: queued tasks are cancelled, idle threads exit, and
    /// running closures are waited for up to `timeout` (`None`: no limit).
    /// Returns the number of threads left detached, still running a
    /// closure at the deadline.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> usize {
        let (threads, last) = {
            let mut state = self.inner.state.lock();
            if state.shutdown {
                return 0;
            }
            state.shutdown = true;
            self.inner.condvar.notify_all();
            (std::mem::take(&mut state.threads), state.last_exiting.take())
        };
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
            .finish()
    }
}
