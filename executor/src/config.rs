//! Runtime settings, as leaves every other module may import: the
//! scheduler [`Config`] both flavors read, the `DEFAULT_*` constants the
//! [`Builder`](crate::Builder) starts from, and [`ThreadHooks`], which
//! starts every runtime thread with the same name, stack size and hooks:
//! blocking threads through [`ThreadHooks::spawn_thread`] (OS threads), the
//! worker threads (`runtime/worker_threads.rs`) through its twin
//! [`ThreadHooks::spawn_worker`], on `crate::sync`'s thread type, so that a
//! user's loom model runs them as loom threads.
//!
//! Nothing here depends on the schedulers or the runtime: they import this
//! module, never the other way round.

use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Default interval, in ticks, between checks of the global queue (Go's
/// and tokio's 61).
pub const DEFAULT_GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// What the multi-thread workers tune their global queue interval for: a
/// task scheduled from outside waits about this long behind a busy worker
/// (tokio's 200 µs, since 1.31).
pub(crate) const GLOBAL_QUEUE_LATENCY_NANOS: u64 = 200_000;

/// The global queue interval for a mean poll time of `mean_poll_nanos`:
/// [`GLOBAL_QUEUE_LATENCY_NANOS`] divided by it, clamped to 2..=127
/// (tokio's rule).
pub(crate) fn tuned_global_queue_interval(mean_poll_nanos: u64) -> u32 {
    (GLOBAL_QUEUE_LATENCY_NANOS / mean_poll_nanos.max(1)).clamp(2, 127) as u32
}

/// Default interval, in ticks, between non-blocking driver polls (tokio's 61).
pub const DEFAULT_EVENT_INTERVAL: u32 = 61;
/// Default cap on blocking threads (tokio's 512).
pub const DEFAULT_MAX_BLOCKING_THREADS: usize = 512;
/// Default keep-alive of an idle blocking thread (tokio's 10 s).
pub const DEFAULT_THREAD_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// The blocking pool's settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockingConfig {
    /// Cap on blocking threads ([`DEFAULT_MAX_BLOCKING_THREADS`]).
    pub(crate) max_threads: usize,
    /// Cap on closures waiting for a thread, for the bounded spawns
    /// (`None`: unbounded, the default).
    pub(crate) max_queue: Option<usize>,
    /// How long an idle blocking thread waits for work before exiting.
    pub(crate) keep_alive: Duration,
}

impl Default for BlockingConfig {
    fn default() -> BlockingConfig {
        BlockingConfig {
            max_threads: DEFAULT_MAX_BLOCKING_THREADS,
            max_queue: None,
            keep_alive: DEFAULT_THREAD_KEEP_ALIVE,
        }
    }
}

/// Scheduler settings shared by both flavors.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) global_queue_interval: u32,
    /// Whether multi-thread workers tune the interval themselves (from
    /// `global_queue_interval`, see [`tuned_global_queue_interval`]); off
    /// when the builder set a value.
    pub(crate) tune_global_queue: bool,
    pub(crate) event_interval: u32,
    pub(crate) lifo_enabled: bool,
    /// Whether the multi-thread scheduler pads its task cells apart
    /// (`Builder::pad_task_cells`; `task/raw.rs`'s `cell_layout`).
    pub(crate) pad_task_cells: bool,
    /// Whether one parked worker watches the busy ones (LIFO rescue and
    /// the stealable-work backstop). Off only in loom models, which cannot
    /// model its timed wait.
    pub(crate) monitor: bool,
    pub(crate) seed: u64,
    /// A simulated runtime (`Builder::new_simulated`): the scheduler reads
    /// a simulated [`SchedClock`](crate::sched_clock::SchedClock) and keeps one registry
    /// shard, so that nothing it decides depends on the machine.
    pub(crate) simulated: bool,
    /// `on_task_spawn` / `on_task_terminate` (issue 15), `None` when unset.
    pub(crate) task_hooks: Option<Arc<crate::task::hooks::TaskHooks>>,
    /// The runtime's clock: the schedulers tell it when auto-advance must
    /// wait (`clock.rs`). Real unless the builder made another.
    pub(crate) clock: crate::clock::Clock,
    /// The poll-time histogram's layout, `None` when it is off (the
    /// default: timing every poll costs a clock read per poll).
    pub(crate) poll_time_histogram: Option<crate::histogram::HistogramConfiguration>,
}

impl Config {
    /// The builder's defaults, with the RNG seeded by `seed`. Inside a loom
    /// model the two settings that read real time are off: the LIFO watch's
    /// timed parks (loom does not model timed waits) and the tuning of the
    /// global queue interval (it would make a model's schedule depend on
    /// how fast the host runs it).
    pub(crate) fn with_seed(seed: u64) -> Config {
        Config {
            global_queue_interval: DEFAULT_GLOBAL_QUEUE_INTERVAL,
            tune_global_queue: !cfg!(spindle_loom),
            event_interval: DEFAULT_EVENT_INTERVAL,
            lifo_enabled: true,
            pad_task_cells: true,
            monitor: !cfg!(spindle_loom),
            seed,
            simulated: false,
            task_hooks: None,
            clock: crate::clock::Clock::real(),
            poll_time_histogram: None,
        }
    }
}

/// Default number of worker threads: one per CPU. The one source of the
/// CPU count for the whole runtime: the builder's default worker count (the
/// facade's timer shards follow the count it resolves), a standalone
/// `TimerDriver::new`'s shard count, and `PerCore`'s core count when the
/// cores cannot be listed.
///
/// ```
/// assert!(spindle_executor::default_worker_threads() >= 1);
/// ```
pub fn default_worker_threads() -> usize {
    num_cpus::get().max(1)
}

/// What every runtime thread runs at its start and end, and how it is
/// named and sized.
#[derive(Clone)]
pub(crate) struct ThreadHooks {
    pub(crate) thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_thread_start: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_thread_stop: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl ThreadHooks {
    /// Starts a runtime thread: named and sized as configured, it first
    /// calls `enter` (the runtime context and whatever guards the caller
    /// needs; dropped last, after the stop hook), then the start hook, then
    /// `body`, then the stop hook.
    ///
    /// # Errors
    /// If the OS cannot start the thread.
    pub(crate) fn spawn_thread<G>(
        &self,
        enter: impl FnOnce() -> G + Send + 'static,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<std::thread::JoinHandle<()>> {
        let mut builder = std::thread::Builder::new().name((self.thread_name)());
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        builder.spawn(self.thread_main(enter, body))
    }
}

impl ThreadHooks {
    /// What a runtime thread runs: `enter` (its guard dropped last), the
    /// start hook, `body`, the stop hook.
    fn thread_main<G>(
        &self,
        enter: impl FnOnce() -> G + Send + 'static,
        body: impl FnOnce() + Send + 'static,
    ) -> impl FnOnce() + Send + 'static {
        let hooks = self.clone();
        move || {
            let _entered = enter();
            if let Some(f) = &hooks.on_thread_start {
                f();
            }
            body();
            if let Some(f) = &hooks.on_thread_stop {
                f();
            }
        }
    }

    /// Starts a worker thread as [`spawn_thread`](ThreadHooks::spawn_thread)
    /// does, on the thread type of `crate::sync::thread`: an OS thread, or a
    /// loom thread inside a user's loom model.
    ///
    /// # Errors
    /// If the OS cannot start the thread.
    pub(crate) fn spawn_worker<G>(
        &self,
        enter: impl FnOnce() -> G + Send + 'static,
        body: impl FnOnce() + Send + 'static,
    ) -> io::Result<crate::sync::thread::JoinHandle<()>> {
        let mut builder = crate::sync::thread::Builder::new().name((self.thread_name)());
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        builder.spawn(self.thread_main(enter, body))
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    #[test]
    fn tuned_interval_follows_the_mean_poll_and_is_clamped() {
        assert_eq!(tuned_global_queue_interval(50_000), 4, "50 us polls: check every 4 ticks");
        assert_eq!(tuned_global_queue_interval(10_000_000), 2, "long polls: at least every 2 ticks");
        assert_eq!(tuned_global_queue_interval(100), 127, "short polls: at most every 127 ticks");
        assert_eq!(tuned_global_queue_interval(0), 127);
    }
}
