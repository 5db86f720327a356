//! Loom models of spindle's cross-thread protocols.
//!
//! Build and run with
//!
//! ```text
//! RUSTFLAGS="--cfg spindle_loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p spindle-loom-tests --release --target-dir target/loom
//! ```
//!
//! Without `--cfg spindle_loom` every model compiles to nothing. Under it,
//! the crates swap their primitives for loom's (each crate's `sync.rs`) and
//! replace crossbeam's deques with a `Mutex<VecDeque>` model, so loom checks
//! our protocols (task state, JoinHandle, abort, wakers, parking, idle
//! accounting, shutdown, `block_on`); crossbeam and polling check theirs.
//!
//! The `user_*.rs` models are different in kind: they are what a user of
//! spindle writes, against the public API only (`spindle::runtime::Builder`
//! inside `loom::model`), and the real runtime runs underneath them in
//! virtual time (see the README's "Model-check your own code"). Their
//! planted bugs are user-level code, run as mutants are (`common::Planted`),
//! and print the failing interleaving in the code's own terms.
//!
//! Every key model has a *mutant* twin: the same model run with one
//! protocol step deliberately broken (each crate's own `loom_api::Mutant`,
//! all switched through the executor's one `with_mutant`),
//! expected to fail (`#[should_panic]`). A model that cannot fail proves
//! nothing.
//!
//! | file | models (test names) | preemption bound | time (2-core VM, release) |
//! |---|---|---|---|
//! | `tests/task_state.rs` | `wake_racing_poll_is_never_lost` (a wake racing a poll re-schedules exactly once), `wake_after_completion_is_noop`; mutant: `mutant_idle_drops_wake_is_caught` | 3 | < 0.1 s |
//! | `tests/join_handle.rs` | `drop_join_handle_racing_completion`, `await_racing_completion_gets_output`; mutant: `CompleteIgnoresJoinInterest`, caught twice | 3 | < 0.1 s |
//! | `tests/abort.rs` | `abort_racing_poll_and_completion`, `abort_before_first_poll` | 3 | 0.7 s |
//! | `tests/waker.rs` | `wakers_from_several_threads` (clone / drop / wake) | 3 | 0.3 s |
//! | `tests/worker_park.rs` | `one_worker_external_spawn_is_run`, `two_workers_external_spawn_is_run` (the real worker loop), `one_worker_in_the_driver_external_spawn_is_run`, `two_workers_one_in_the_driver_external_spawn_is_run` (a worker asleep in the driver, woken through it), `searching_is_zero_when_all_parked`, `one_worker_task_woken_by_the_driver_is_run`, `two_workers_task_woken_by_the_driver_is_run` (the driver's dispatch wakes a task on the thread of the worker parked in it: into that worker's deque, waking nobody; the worker finds it when its park returns and hands the driver on); mutants: `mutant_skip_park_recheck_is_caught`, `mutant_unpark_skips_driver_is_caught`, `mutant_parked_ignores_deque_is_caught` | `LOOM_MAX_PREEMPTIONS` (CI: 2) | 134 s, 127 s of it the two-worker dispatch model (loaded VM; at 3: much longer) |
//! | `tests/lifo_watch.rs` | `lifo_task_runs_exactly_once` (owner and thief race for the stealable LIFO slot), `deep_watcher_never_misses_a_fill` (a fill racing the watcher's decision to sleep without a timeout); mutants: `mutant_lifo_steal_not_atomic_is_caught`, `mutant_watch_misses_fill_is_caught` | `LOOM_MAX_PREEMPTIONS` (CI: 2) | < 0.2 s |
//! | `tests/shutdown.rs` | `shutdown_racing_wake`, `shutdown_racing_spawn` (every future dropped once, no task leaked), `shutdown_racing_a_worker_releasing_its_batch`; mutant: `mutant_batch_releases_closed_task_is_caught` | 3 | 4 s |
//! | `tests/timer.rs` | `cancel_racing_fire_wakes_at_most_once_and_never_after_cancel`, `reset_racing_fire_fires_once_per_arming`, `two_threads_firing_fire_each_deadline_once`, `earlier_deadline_while_parked_unparks_the_driver` | 3 | < 0.1 s |
//! | `tests/reactor.rs` | `readiness_racing_waker_registration`; mutant: `mutant_reactor_skips_recheck_is_caught` (the reactor's own `Mutant`) | 3 | < 0.1 s |
//! | `tests/block_on.rs` | `block_on_woken_while_parking`; mutant: `mutant_parker_ignores_notified_is_caught` | 3 | < 0.1 s |
//! | `tests/sync_oneshot.rs` | S1. `spindle::sync::oneshot` (state word + cells): send racing the receiver's drop (value dropped once), a waiting receiver, a receiver replacing its waker; sender drop racing a waiting receiver; `closed()` racing the receiver's drop and `close`; a received value dropped once as both sides let go of the channel; mutant: `OneshotSendSkipsWake` | 3 | 0.2 s |
//! | `tests/sync_mpsc.rs` | S2. bounded mpsc, full: send racing the recv that frees its slot; a dropped `send` future passes its slot on; mutant: `ReleaseIgnoresWaiters` | 3 | 6.7 s |
//! | `tests/sync_mutex.rs` | S3. `Mutex` lock racing unlock; a cancelled `lock` future passes the lock on; mutant: `CancelledAcquireKeepsPermits`. S4. `Semaphore` permits neither lost nor duplicated under a cancelled `acquire_many` (same mutant, caught again) | 3 | 0.2 s |
//! | `tests/sync_notify.rs` | S5. `Notify::notify_one` racing `notified()` (permit stored); `notify_waiters` racing an enabled waiter; mutant: `NotifyOneDropsPermit` | 3 | < 0.1 s |
//! | `tests/sync_watch.rs` | S6. `watch` `changed()` racing `send` and the sender's drop (last value seen, receiver woken) | 3 | < 0.1 s |
//! | `tests/user_check_then_act.rs` | worked example, public API only, the whole runtime (2 workers + `block_on`): planted check-then-act across an `.await` on a shared counter, caught with its interleaving printed (`check_then_act_across_await_is_caught`, `common::Planted`); the fix `check_and_take_in_one_critical_section_is_correct`; the README's example `readme_example` | 1 (`user_common::PREEMPTION_BOUND`) | 1.0 s caught, 3.4 s fix, 3.2 s README |
//! | `tests/user_lost_wakeup.rs` | worked example (1 worker + `block_on`): planted lost wake-up in a hand-written future (no re-check after storing the waker), caught as loom's deadlock with its interleaving printed; the fix `recheck_after_storing_the_waker_is_correct` | 1 | 0.2 s caught, < 0.1 s fix |
//! | `tests/user_time.rs` | virtual time on the whole runtime: `sleep_an_hour_in_virtual_time` (2 workers, exactly one hour on the clock), `timeout_outcome_follows_the_deadlines`, `clock_stands_still_while_block_on_runs` (found the first `block_on` accounting, which went idle for a moment after waking itself), `clock_stands_still_while_a_task_can_run`, `current_thread_sleeps_in_virtual_time`; mutant: `mutant_clock_allow_skips_driver_is_caught` (the executor's `ClockAllowSkipsDriver`: the clock never jumps, every thread blocks) | 1 | 0.6 s, then < 0.1 to 0.3 s each |
//! | `tests/user_duplex.rs` | `spindle::io::duplex` echo through a 4-byte pipe; sockets panic naming `spindle::io::duplex`; the three blocking spawns panic at the call (`spawn_blocking_panics`, `try_spawn_blocking_panics_at_the_call`, `spawn_blocking_bounded_panics_at_the_call`) | 1 (the panics: `LOOM_MAX_PREEMPTIONS`) | 0.5 s, < 0.1 s each |
//! | `tests/user_block_in_place.rs` | `task::block_in_place` on the whole runtime, its worker threads on loom threads: `the_core_goes_to_a_replacement_thread` (1 worker: a task blocks in place until a task queued behind it on the same worker runs), `the_lifo_task_runs_once_whoever_takes_it` (2 workers: the LIFO task moved to the deque at the hand-off runs exactly once, by the replacement or a thief), `clock_stands_still_while_a_task_blocks_in_place` (1 worker: an armed hour-long timer does not fire while the closure and the rest of its poll run); mutant: `mutant_hand_off_skips_busy_is_caught` (the executor's `HandOffSkipsBusy`: the clock jumps during the closure); `past_loom_thread_limit_block_in_place_panics_clearly` (the fourth hand-off of a 1-worker model would be loom's sixth thread) | 1 (the limit: 0) | 0.1 s, 3.4 s, 0.1 s, < 0.1 s mutant, 0.6 s limit |
//!
//! The `user_*.rs` times are one `--exact` run of each test on the 2-core
//! VM with other builds running (load average about 6); the whole suite
//! ran in 2 min 31 s there, build included (about 50 s of tests, the user
//! models about 7 s of it).
//!
//! Not modelled (see the README's Layout section): the LIFO watch's timed
//! parks, with the non-blocking look at the driver before each (the
//! worker-loop models run with the watch off; the `user_*.rs` models run
//! the real worker loop with the LIFO slot on, at preemption bound 1;
//! `tests/lifo_watch.rs` drives the slot and the watch by hand), the
//! blocking pool, the spare worker threads (a model keeps none),
//! the current-thread core hand-off between `block_on` callers, worker
//! exits, the reactor's blocking-job slot. The driver's dispatch into a
//! parked worker's queues is modelled with a stand-in driver that delivers
//! one event (`LoomRuntime::start_with_event_driver`), not the reactor.
//!
//! A mutant runs in a child process of its test binary ([`mutant_must_fail`],
//! beside [`model`] in this crate's one module, `runner.rs`), because loom reports a deadlock by panicking
//! inside a destructor, which aborts the process. Every crate's `Mutant`
//! goes through the runtime's one switch, the executor's
//! `loom_api::with_mutant`.
//!
//! loom models `SeqCst` fences but treats `SeqCst` loads and stores as
//! `AcqRel`; every store-then-load handshake between two threads (idle
//! accounting, the timer's park handshake, shutdown) therefore uses a
//! `SeqCst` fence on both sides, which is also what the C++ memory model
//! needs. The timer's handshake model
//! (`earlier_deadline_while_parked_unparks_the_driver`) found the timer's
//! first version, which relied on `SeqCst` accesses alone.

#[cfg(spindle_loom)]
mod runner;

#[cfg(spindle_loom)]
pub use runner::{model, mutant_must_fail, PREEMPTION_BOUND};
