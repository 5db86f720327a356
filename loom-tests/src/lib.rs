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
//! Every key model has a *mutant* twin: the same model run with one
//! protocol step deliberately broken (each crate's own `loom_api::Mutant`),
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
//! | `tests/sync_oneshot.rs` | S1. `spindle::sync::oneshot` (state word + cells): send racing the receiver's drop (value dropped once), a waiting receiver, a receiver replacing its waker; sender drop racing a waiting receiver; `closed()` racing the receiver's drop and `close`; mutant: `OneshotSendSkipsWake` | 3 | 0.1 s |
//! | `tests/sync_mpsc.rs` | S2. bounded mpsc, full: send racing the recv that frees its slot; a dropped `send` future passes its slot on; mutant: `ReleaseIgnoresWaiters` | 3 | 6.7 s |
//! | `tests/sync_mutex.rs` | S3. `Mutex` lock racing unlock; a cancelled `lock` future passes the lock on; mutant: `CancelledAcquireKeepsPermits`. S4. `Semaphore` permits neither lost nor duplicated under a cancelled `acquire_many` (same mutant, caught again) | 3 | 0.2 s |
//! | `tests/sync_notify.rs` | S5. `Notify::notify_one` racing `notified()` (permit stored); `notify_waiters` racing an enabled waiter; mutant: `NotifyOneDropsPermit` | 3 | < 0.1 s |
//! | `tests/sync_watch.rs` | S6. `watch` `changed()` racing `send` and the sender's drop (last value seen, receiver woken) | 3 | < 0.1 s |
//!
//! Not modelled (see the README's Layout section): the LIFO slot inside the
//! real worker loop and the LIFO watch's timed parks, with the non-blocking
//! look at the driver before each (the worker-loop models run with both
//! off; `tests/lifo_watch.rs` drives the slot and the watch by hand), the
//! blocking pool,
//! the current-thread core hand-off between `block_on` callers, worker
//! exits, the reactor's blocking-job slot. The driver's dispatch into a
//! parked worker's queues is modelled with a stand-in driver that delivers
//! one event (`LoomRuntime::start_with_event_driver`), not the reactor.
//!
//! A mutant runs in a child process of its test binary (`common::mutant_must_fail`),
//! because loom reports a deadlock by panicking inside a destructor, which
//! aborts the process.
//!
//! loom models `SeqCst` fences but treats `SeqCst` loads and stores as
//! `AcqRel`; every store-then-load handshake between two threads (idle
//! accounting, the timer's park handshake, shutdown) therefore uses a
//! `SeqCst` fence on both sides, which is also what the C++ memory model
//! needs. The timer's handshake model
//! (`earlier_deadline_while_parked_unparks_the_driver`) found the timer's
//! first version, which relied on `SeqCst` accesses alone.
