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
//! not a hot path. Real OS-thread bookkeeping with timed waits, never in a
//! loom model: `parking_lot` directly, not `crate::sync`.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::context::{self, DrivingGuard};
use super::worker_exits::{ExitSignal, WorkerExits};
use crate::config::ThreadHooks;
use crate::scheduler::multi_thread::{StartWorker, WorkerJob};

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
    /// The live threads (finished ones are dropped at the next start).
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
        let run = self.inner.clone();
        let enter = self.inner.clone();
        let spawned = inner.hooks.spawn_thread(
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
                state.threads.retain(|t| !t.is_finished());
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
    /// `start` checks `shutdown` under the same lock.
    pub(crate) fn shutdown_and_join(&self, deadline: Option<Instant>) -> bool {
        let inner = &self.inner;
        let current = std::thread::current().id();
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
            if all_exited || thread.is_finished() {
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
