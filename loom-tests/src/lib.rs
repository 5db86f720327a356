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
//! protocol step deliberately broken (`spindle_executor::loom_api::Mutant`),
//! expected to fail (`#[should_panic]`). A model that cannot fail proves
//! nothing.
//!
//! | file | model | preemption bound | time (2-core VM, release) |
//! |---|---|---|---|
//! | `tests/task_state.rs` | 1. a wake racing a poll re-schedules exactly once; a wake after completion is a no-op; mutant: `IdleDropsWake` | 3 | < 0.1 s |
//! | `tests/join_handle.rs` | 2. JoinHandle drop / await racing completion; mutant: `CompleteIgnoresJoinInterest` (caught twice) | 3 | < 0.1 s |
//! | `tests/abort.rs` | 3. abort racing poll and completion; abort before the first poll | 3 | 0.7 s |
//! | `tests/waker.rs` | 4. waker clone / drop / wake from several threads | 3 | 0.3 s |
//! | `tests/worker_park.rs` | 5. a task pushed from outside while 1 or 2 workers decide to sleep always runs (the real worker loop); 6. searching count is zero once all are parked; mutant: `SkipParkRecheck` | `LOOM_MAX_PREEMPTIONS` (CI: 2) | 11 s (at 3: about 190 s) |
//! | `tests/shutdown.rs` | 7. shutdown racing spawn and wake: every future dropped once, no task leaked; 11. the registry closed while a worker releases its batch of completed tasks; mutant: `BatchReleasesClosedTask` | 3 | 4 s |
//! | `tests/timer.rs` | 8. timer cancel / reset racing fire, no deadline fired twice, the driver's park handshake | 3 | < 0.1 s |
//! | `tests/reactor.rs` | 9. a readiness event racing waker registration; mutant: `ReactorSkipsRecheck` | 3 | < 0.1 s |
//! | `tests/block_on.rs` | 10. `block_on` woken while about to park; mutant: `ParkerIgnoresNotified` | 3 | < 0.1 s |
//! | `tests/sync_oneshot.rs` | S1. `spindle::sync::oneshot` (state word + cells): send racing the receiver's drop (value dropped once), a waiting receiver, a receiver replacing its waker; sender drop racing a waiting receiver; `closed()` racing the receiver's drop and `close`; mutant: `OneshotSendSkipsWake` | 3 | 0.1 s |
//! | `tests/sync_mpsc.rs` | S2. bounded mpsc, full: send racing the recv that frees its slot; a dropped `send` future passes its slot on; mutant: `ReleaseIgnoresWaiters` | 3 | 6.7 s |
//! | `tests/sync_mutex.rs` | S3. `Mutex` lock racing unlock; a cancelled `lock` future passes the lock on; mutant: `CancelledAcquireKeepsPermits`. S4. `Semaphore` permits neither lost nor duplicated under a cancelled `acquire_many` (same mutant, caught again) | 3 | 0.2 s |
//! | `tests/sync_notify.rs` | S5. `Notify::notify_one` racing `notified()` (permit stored); `notify_waiters` racing an enabled waiter; mutant: `NotifyOneDropsPermit` | 3 | < 0.1 s |
//! | `tests/sync_watch.rs` | S6. `watch` `changed()` racing `send` and the sender's drop (last value seen, receiver woken) | 3 | < 0.1 s |
//!
//! A mutant runs in a child process of its test binary (`common::mutant_must_fail`),
//! because loom reports a deadlock by panicking inside a destructor, which
//! aborts the process.
//!
//! loom models `SeqCst` fences but treats `SeqCst` loads and stores as
//! `AcqRel`; every store-then-load handshake between two threads (idle
//! accounting, the timer's park handshake, shutdown) therefore uses a
//! `SeqCst` fence on both sides, which is also what the C++ memory model
//! needs. Model 8's handshake test found the timer's first version, which
//! relied on `SeqCst` accesses alone.

//! Models 8 (timer) and 9 (reactor) live beside these once those crates
//! expose their `loom_api`.
