//! The blocked-poll watchdog: one thread per runtime that notices a poll
//! running longer than a threshold, and reports it ([`BlockedPoll`]) once
//! while it is stuck and once more when it returns.
//!
//! # How it sees a stuck poll
//!
//! Each worker already stores, per poll, its poll counter and the id of
//! the task it starts polling (`WorkerMetrics::poll_started`, one relaxed
//! store; `poll_finished` clears the id). Every `threshold / 2` the
//! watchdog reads each worker's `(polls, task)` pair: a pair that has not
//! changed since its previous look, with a task in it, is one poll still
//! running; the poll began after the look before the one that first saw
//! it. Its start is taken as the middle of that interval, so the elapsed
//! times reported are within `threshold / 4` of the truth, and a poll is
//! reported after between `0.75 × threshold` and `1.25 × threshold` (the
//! finishing report comes up to `threshold / 2` after it returned). No clock is read on the poll path (Go's sysmon
//! watches its `schedtick` the same way; the exec branch's LIFO rescue
//! does too).
//!
//! # Sleeping when idle
//!
//! 1. A look that finds no worker polling and no counter moved is quiet.
//! 2. After a quiet look the watchdog sets every worker's
//!    `watchdog_asleep` flag, waits one more `threshold / 2`, and looks
//!    again; if that look is quiet too it sleeps with no deadline.
//! 3. A worker starting a poll sees its flag (a relaxed load beside its
//!    store) and wakes the watchdog, which clears all flags and resumes
//!    step 1.
//!
//! The confirming look in step 2 covers a poll that started while the
//! flags were being set and missed them: it is still running (and seen) or
//! it was shorter than the threshold. An idle runtime's watchdog therefore
//! costs no CPU, and a busy one one wake-up per `threshold / 2`.
//!
//! # Shutdown
//! The runtime drops its [`Watchdog`] after its own shutdown: the drop sets
//! `stop`, wakes the thread and joins it.

use std::fmt;
use std::panic::Location;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Handle;
use crate::task::Id;

/// Default threshold of the watchdog (tokio's and console's 100 ms
/// "long poll" figure).
pub const DEFAULT_WATCHDOG_THRESHOLD: Duration = Duration::from_millis(100);

/// The callback of [`Builder::on_blocked_poll`](crate::Builder::on_blocked_poll).
pub(crate) type OnBlockedPoll = Arc<dyn Fn(&BlockedPoll) + Send + Sync>;

/// The builder's watchdog settings.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) threshold: Option<Duration>,
    pub(crate) callback: Option<OnBlockedPoll>,
    pub(crate) to_stderr: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { threshold: Some(DEFAULT_WATCHDOG_THRESHOLD), callback: None, to_stderr: false }
    }
}

/// One poll that ran longer than the watchdog's threshold.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let rt = spindle_executor::Builder::new_multi_thread()
///     .worker_threads(1)
///     .watchdog(std::time::Duration::from_millis(20))
///     .on_blocked_poll(move |p| s.lock().unwrap().push((p.worker(), p.task_id(), p.is_finished())))
///     .build()
///     .unwrap();
/// let j = rt.spawn(async { std::thread::sleep(std::time::Duration::from_millis(150)) });
/// let id = j.id();
/// rt.block_on(j).unwrap();
/// std::thread::sleep(std::time::Duration::from_millis(50));
/// let seen = seen.lock().unwrap();
/// assert_eq!(seen[0], (0, id, false));
/// ```
#[derive(Debug, Clone)]
pub struct BlockedPoll {
    worker: usize,
    task_id: Id,
    task_name: Option<String>,
    location: Option<&'static Location<'static>>,
    elapsed: Duration,
    finished: bool,
}

impl BlockedPoll {
    /// Index of the worker stuck in the poll.
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// The task being polled.
    pub fn task_id(&self) -> Id {
        self.task_id
    }

    /// Its name, if it was spawned with one.
    pub fn task_name(&self) -> Option<&str> {
        self.task_name.as_deref()
    }

    /// Where it was spawned. A task that completed before the watchdog
    /// could look it up shows `BlockedPoll::location`'s own site.
    pub fn location(&self) -> &'static Location<'static> {
        self.location.unwrap_or_else(Location::caller)
    }

    /// How long the poll has run (to within a quarter of the threshold);
    /// with [`is_finished`](Self::is_finished), its total.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether the poll has returned (the second report of a stuck poll).
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

impl fmt::Display for BlockedPoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.finished { "returned after" } else { "has been running for" };
        write!(f, "worker {}: a poll of task {}", self.worker, self.task_id)?;
        if let Some(name) = &self.task_name {
            write!(f, " ({name:?})")?;
        }
        if let Some(loc) = self.location {
            write!(f, " spawned at {loc}")?;
        }
        write!(f, " {verb} {:?}", self.elapsed)
    }
}

/// What the workers and the watchdog thread share.
struct Shared {
    state: Mutex<WakeState>,
    condvar: Condvar,
}

#[derive(Default)]
struct WakeState {
    woken: bool,
    stop: bool,
}

/// The running watchdog; dropping it stops the thread.
pub(crate) struct Watchdog {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What the watchdog remembers of one worker between looks.
#[derive(Clone, Default)]
struct Seen {
    polls: u64,
    task: Option<u64>,
    /// When a look first saw this `(polls, task)` pair.
    since: Option<Instant>,
    /// Set when the stuck poll was reported: its task's name and spawn
    /// site, for the report when it returns (the task may be gone by then).
    reported: Option<SiteAndName>,
}

impl Watchdog {
    /// Starts the watchdog of `handle`'s runtime, if `settings` enable it.
    pub(crate) fn start(handle: &Handle, settings: Settings) -> std::io::Result<Option<Watchdog>> {
        let Some(threshold) = settings.threshold else { return Ok(None) };
        if cfg!(spindle_loom) {
            // Inside a loom model: an OS thread reading real time is outside
            // loom's world, and a model's polls are not "stuck".
            return Ok(None);
        }
        let shared = Arc::new(Shared { state: Mutex::new(WakeState::default()), condvar: Condvar::new() });
        let scheduler = &handle.inner.scheduler;
        for w in 0..scheduler.num_workers() {
            let s = shared.clone();
            scheduler.worker_metrics(w).set_watchdog(Arc::new(move || {
                s.state.lock().unwrap_or_else(|e| e.into_inner()).woken = true;
                s.condvar.notify_one();
            }));
        }
        let thread_shared = shared.clone();
        let handle = handle.clone();
        let thread = std::thread::Builder::new()
            .name("spindle-watchdog".to_owned())
            .spawn(move || run(&handle, &thread_shared, threshold, &settings))?;
        Ok(Some(Watchdog { shared, thread: Some(thread) }))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
        self.shared.condvar.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Waits `timeout` (or until woken, with `None`); returns `false` on stop.
fn wait(shared: &Shared, timeout: Option<Duration>) -> bool {
    let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        if state.stop {
            return false;
        }
        if std::mem::take(&mut state.woken) && timeout.is_none() {
            return true;
        }
        match deadline {
            None => state = shared.condvar.wait(state).unwrap_or_else(|e| e.into_inner()),
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return true;
                }
                state = shared.condvar.wait_timeout(state, deadline - now).unwrap_or_else(|e| e.into_inner()).0;
            }
        }
    }
}

fn run(handle: &Handle, shared: &Shared, threshold: Duration, settings: &Settings) {
    let scheduler = &handle.inner.scheduler;
    let workers = scheduler.num_workers();
    let mut seen = vec![Seen::default(); workers];
    let tick = (threshold / 2).max(Duration::from_millis(1));
    let mut quiet_looks = 0;
    while wait(shared, Some(tick)) {
        let now = Instant::now();
        let mut quiet = true;
        for (w, seen) in seen.iter_mut().enumerate() {
            let metrics = scheduler.worker_metrics(w);
            let task = metrics.polling();
            let polls = crate::worker_metrics::WorkerMetrics::get(&metrics.polls);
            if task.is_some() || polls != seen.polls {
                quiet = false;
            }
            if polls == seen.polls && task == seen.task && task.is_some() {
                let since = *seen.since.get_or_insert(now);
                let elapsed = now - since;
                if seen.reported.is_none() && elapsed >= threshold {
                    let meta = lookup(handle, task);
                    report(settings, BlockedPoll::new(w, task, meta.clone(), elapsed, false));
                    seen.reported = Some(meta);
                }
                continue;
            }
            if let Some(meta) = seen.reported.take() {
                let elapsed = seen.since.map_or(Duration::ZERO, |s| now - s);
                report(settings, BlockedPoll::new(w, seen.task, meta, elapsed, true));
            }
            // The poll began between the previous look and this one: take
            // the middle as its start.
            *seen = Seen { polls, task, since: task.map(|_| now.checked_sub(tick / 2).unwrap_or(now)), reported: None };
        }
        quiet_looks = if quiet { quiet_looks + 1 } else { 0 };
        let set_asleep =
            |asleep: bool| (0..workers).for_each(|w| scheduler.worker_metrics(w).set_watchdog_asleep(asleep));
        match quiet_looks {
            1 => set_asleep(true),
            n if n >= 2 => {
                if !wait(shared, None) {
                    return;
                }
                set_asleep(false);
                quiet_looks = 0;
            }
            _ => set_asleep(false),
        }
    }
}

type SiteAndName = (Option<String>, Option<&'static Location<'static>>);

/// The name and spawn site of the task with this id, if still registered.
fn lookup(handle: &Handle, task: Option<u64>) -> SiteAndName {
    task.and_then(Id::from_u64)
        .and_then(|id| {
            handle
                .inner
                .scheduler
                .registry()
                .find(id, |raw| (raw.meta().name().map(str::to_owned), raw.meta().location()))
        })
        .map_or((None, None), |(n, l)| (n, Some(l)))
}

impl BlockedPoll {
    fn new(worker: usize, task: Option<u64>, meta: SiteAndName, elapsed: Duration, finished: bool) -> BlockedPoll {
        let task_id = task.and_then(Id::from_u64).expect("a stuck poll has a task");
        BlockedPoll { worker, task_id, task_name: meta.0, location: meta.1, elapsed, finished }
    }
}

fn report(settings: &Settings, report: BlockedPoll) {
    match &settings.callback {
        Some(cb) => {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cb(&report)));
        }
        None if settings.to_stderr => eprintln!("spindle watchdog: {report}"),
        None => crate::diagnostics::warn(format_args!("blocked poll: {report}")),
    }
}
