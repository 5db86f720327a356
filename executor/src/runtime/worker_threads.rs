//! [`WorkerThreads`]: the threads that run a multi-thread runtime's worker
//! loops, started at build time and by `block_in_place` (which hands its
//! worker's core to another thread, `scheduler/multi_thread/handoff.rs`),
//! kept as spares between jobs, and joined at shutdown.
//!
//! Each thread holds, for its whole life, the runtime entered, the
//! "driving" mark (`block_on` there panics) and an [`ExitSignal`]; it runs
//! worker jobs one after another. A job ends at shutdown, or when its poll
//! hands the core away: the thread then waits as a spare for the next
//! hand-off up to the blocking pool's `thread_keep_alive`, and exits. So a
//! runtime whose tasks call `block_in_place` over and over reuses a few
//! threads instead of starting one per call (tokio gets the same from
//! running its workers on the blocking pool). There is no cap: each
//! thread beyond the worker count stands for a `block_in_place` in
//! progress (or for one that recently ended).
//!
//! Jobs, spares and the thread list live under one mutex: a hand-off is
//! not a hot path.
//!
//! # Inside a loom model
//!
//! A user's loom model (`loom::model(|| Builder::new_multi_thread()...)`)
//! runs this same code on `crate::sync`'s primitives: the threads are loom
//! threads (started through `ThreadHooks::spawn_worker`), the mutex and
//! condvar are loom's, a spare's timed wait times out at once (so a thread
//! exits when its job ends: a model keeps no spares), and shutdown joins
//! every thread without a deadline. loom never reuses a thread's slot and
//! allows `loom::MAX_THREADS` (5) in a model, its main thread included, so
//! [`start`](WorkerThreads::start) refuses (with a clear panic) a thread
//! that would pass that count by the runtime's own threads alone: a
//! `block_in_place` there starts one.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::context::{self, DrivingGuard};
use super::worker_exits::{ExitSignal, WorkerExits};
use crate::config::ThreadHooks;
use crate::scheduler::multi_thread::{StartWorker, WorkerJob};
use crate::sync::thread::{self as sync_thread, JoinHandle};
use crate::sync::{Condvar, Mutex};

/// Inside a loom model, when one more thread after the `started` ones
/// would pass the threads a model may have (the main thread included;
/// loom's default, `loom::MAX_THREADS`, and loom never reuses the slot of a
/// finished thread): that limit. `None` outside loom.
#[cfg(spindle_loom)]
fn past_model_thread_limit(started: usize) -> Option<usize> {
    (started + 2 > loom::MAX_THREADS).then_some(loom::MAX_THREADS)
}

#[cfg(not(spindle_loom))]
fn past_model_thread_limit(_started: usize) -> Option<usize> {
    None
}

/// Enters the runtime on a new thread; the guards live as long as it.
pub(crate) type EnterThread = Box<dyn Fn() -> Box<dyn Any> + Send + Sync>;

pub(crate) struct WorkerThreads {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    condvar: Condvar,
    hooks: ThreadHooks,
    keep_alive: Duration,
    enter: EnterThread,
    exits: Arc<WorkerExits>,
}

#[derive(Default)]
struct State {
    /// Jobs handed to spares and not yet taken.
    jobs: VecDeque<WorkerJob>,
    num_spare: usize,
    /// Threads ever started (each counts one exit in `exits`).
    started: usize,
    shutdown: bool,
    /// The live threads (finished ones are dropped at the next start; a
    /// loom model's, which cannot say whether they finished, are all kept
    /// and joined at shutdown).
    threads: Vec<JoinHandle<()>>,
}

impl WorkerThreads {
    pub(crate) fn new(hooks: ThreadHooks, keep_alive: Duration, enter: EnterThread) -> WorkerThreads {
        WorkerThreads {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                condvar: Condvar::new(),
                hooks,
                keep_alive,
                enter,
                exits: Arc::new(WorkerExits::default()),
            }),
        }
    }

    /// A handle for the scheduler (`Shared::starter`).
    pub(crate) fn starter(&self) -> Arc<dyn StartWorker> {
        Arc::new(WorkerThreads { inner: self.inner.clone() })
    }

    /// Runs `job` on a spare thread, or on a new one.
    ///
    /// # Errors
    /// After shutdown (the job comes back unrun), or if the OS cannot
    /// start a thread.
    pub(crate) fn start(&self, job: WorkerJob) -> Result<(), (WorkerJob, Option<std::io::Error>)> {
        let inner = &self.inner;
        let mut state = inner.state.lock();
        if state.shutdown {
            return Err((job, None));
        }
        state.jobs.push_back(job);
        if state.num_spare >= state.jobs.len() {
            inner.condvar.notify_one();
            return Ok(());
        }
        if let Some(limit) = past_model_thread_limit(state.started) {
            // The model's main thread, the runtime's threads so far and
            // this one: over loom's count, whose own failure is an assert
            // deep inside loom. The job goes back unrun (dropped here).
            let started = state.started;
            drop(state.jobs.pop_back());
            drop(state);
            panic!(
                "a loom model allows {limit} threads, its main thread included, and this runtime has started \
                 {started} (its workers, and one per `block_in_place` that handed its worker off; loom never reuses a \
                 thread): use fewer workers or fewer `block_in_place` calls in the model"
            );
        }
        let run = self.inner.clone();
        let enter = self.inner.clone();
        let spawned = inner.hooks.spawn_worker(
            move || {
                // Dropped in this order after the stop hook: the thread
                // counts as exited once all of it has run.
                // The exit signal is made here, on the thread: a thread that
                // never started counts no exit.
                let entered: (Box<dyn Any>, DrivingGuard, ExitSignal) =
                    ((enter.enter)(), context::enter_driving(), WorkerExits::signal(&enter.exits));
                entered
            },
            move || run.run(),
        );
        match spawned {
            Ok(thread) => {
                state.started += 1;
                state.threads.retain(|t| !sync_thread::is_finished(t));
                state.threads.push(thread);
                Ok(())
            }
            Err(err) => {
                let job = state.jobs.pop_back().expect("the job just queued");
                Err((job, Some(err)))
            }
        }
    }

    /// Stops the spares and joins every thread but the calling one, or
    /// with a deadline, waits for them until it passes and leaves the rest
    /// detached. Returns whether all exited. No thread starts afterwards:
    /// `start` checks `shutdown` under the same lock. A loom model's
    /// threads are joined plainly: loom has no timed wait, and each leaves
    /// its loop once it sees the shutdown flag.
    pub(crate) fn shutdown_and_join(&self, deadline: Option<Instant>) -> bool {
        let inner = &self.inner;
        let deadline = if cfg!(spindle_loom) { None } else { deadline };
        let current = sync_thread::current().id();
        let (threads, expected) = {
            let mut state = inner.state.lock();
            state.shutdown = true;
            inner.condvar.notify_all();
            let ours = state.threads.iter().any(|t| t.thread().id() == current);
            (std::mem::take(&mut state.threads), state.started - usize::from(ours))
        };
        let all_exited = match deadline {
            None => true,
            Some(deadline) => inner.exits.wait_until(expected, deadline),
        };
        for thread in threads.into_iter().filter(|t| t.thread().id() != current) {
            if all_exited || sync_thread::is_finished(&thread) {
                let _ = thread.join();
            }
        }
        all_exited
    }
}

impl Inner {
    /// A thread's life: jobs, then spare waits between them.
    fn run(&self) {
        let mut state = self.state.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                drop(state);
                job();
                state = self.state.lock();
                continue;
            }
            if state.shutdown {
                return;
            }
            // A keep-alive too large for `Instant` means "never time out".
            let deadline = Instant::now().checked_add(self.keep_alive);
            state.num_spare += 1;
            let timed_out = match deadline {
                Some(deadline) => self.condvar.wait_until(&mut state, deadline).timed_out(),
                None => {
                    self.condvar.wait(&mut state);
                    false
                }
            };
            state.num_spare -= 1;
            if timed_out && state.jobs.is_empty() {
                return;
            }
        }
    }
}

impl StartWorker for WorkerThreads {
    fn start(&self, job: WorkerJob) -> Result<(), WorkerJob> {
        WorkerThreads::start(self, job).map_err(|(job, err)| {
            if let Some(err) = err {
                crate::diagnostics::warn(format_args!("failed to start a worker thread for `block_in_place`: {err}"));
            }
            job
        })
    }
}

impl fmt::Debug for WorkerThreads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("WorkerThreads").field("live", &state.threads.len()).field("spare", &state.num_spare).finish()
    }
}
