//! The task state word: one `AtomicU32` per task, changed only through the
//! named transitions below.
//!
//! # Layout
//!
//! ```text
//!  31                                6   5           4            3          2          1         0
//! +-------------------------------+-----------+-------------+-----------+----------+---------+-----------+
//! |       reference count         | JOIN_WAKER|JOIN_INTEREST| CANCELLED | COMPLETE | RUNNING | SCHEDULED |
//! +-------------------------------+-----------+-------------+-----------+----------+---------+-----------+
//! ```
//!
//! * `SCHEDULED`: a `Notified` for the task exists (in a queue, or about to be
//!   pushed, or being re-queued after a poll). At most one exists at a time.
//! * `RUNNING`: one thread owns the future (polling it, or cancelling it).
//! * `COMPLETE`: the future is gone and the output (or the `JoinError`) is
//!   stored. Never together with `RUNNING`. Final: never cleared.
//! * `CANCELLED`: abort or shutdown asked for the task to stop. The owner of
//!   `RUNNING` (or the next one) drops the future instead of polling it.
//! * `JOIN_INTEREST`: a `JoinHandle` exists and will read or drop the output.
//! * `JOIN_WAKER`: the `JoinHandle` stored a waker in the cell, and the task
//!   side may read it. While it is set only the task side touches the slot;
//!   while it is clear only the `JoinHandle` does. Never set after `COMPLETE`.
//! * reference count (units of [`REF_ONE`]): the registry's reference, the
//!   `JoinHandle`'s, one per `Waker`, and the `Notified`'s. The cell is freed
//!   when it reaches zero. The word is 32 bits (so the header packs it with
//!   the 32-bit registry key): 26 bits of count, and like `Arc` the process
//!   aborts rather than overflow (past 2^25 references).
//!
//! # Lifecycle
//!
//! ```text
//!            spawn (refs: registry + JoinHandle + Notified)
//!              |
//!              v
//!   +-----> idle|SCHEDULED --run--> RUNNING --Ready/panic--> COMPLETE
//!   |                                  |  ^                    ^
//!   |                    Pending       |  | wake while running:|
//!   |       (SCHEDULED set? re-queue)  |  | set SCHEDULED      |
//!   +---- wake (idle) <---- idle <-----+  +                    |
//!                             |                                |
//!                             +--abort/shutdown: CANCELLED ----+ (future dropped
//!                                                                 by the runner)
//! ```
//!
//! Who may touch which part of the cell:
//! * the future (stage `Running`): only the holder of `RUNNING`;
//! * the output (stage `Finished`): once `COMPLETE` is set, only the
//!   `JoinHandle` if `JOIN_INTEREST` was set at completion, else the task;
//! * the join waker slot: see `JOIN_WAKER` above.

use std::fmt;

use crate::sync::{mutant, AtomicU32, Mutant, Ordering};

/// A `Notified` exists for the task.
pub(crate) const SCHEDULED: u32 = 1 << 0;
/// A thread owns the future.
pub(crate) const RUNNING: u32 = 1 << 1;
/// The output is stored; the future is gone. Excludes `RUNNING`.
pub(crate) const COMPLETE: u32 = 1 << 2;
/// The task has been asked to stop.
pub(crate) const CANCELLED: u32 = 1 << 3;
/// A `JoinHandle` exists.
pub(crate) const JOIN_INTEREST: u32 = 1 << 4;
/// The join waker slot belongs to the task side (a waker is stored).
pub(crate) const JOIN_WAKER: u32 = 1 << 5;

const FLAG_MASK: u32 = REF_ONE - 1;
/// One reference.
pub(crate) const REF_ONE: u32 = 1 << 6;
const REF_MASK: u32 = !FLAG_MASK;
/// Past this word value, taking a reference aborts (half the count range,
/// as `Arc` does with `isize::MAX`).
const REF_LIMIT: u32 = 1 << 31;

/// A new task: three references (registry, `JoinHandle`, the first
/// `Notified`), a join handle, and scheduled.
const INITIAL: u32 = (REF_ONE * 3) | JOIN_INTEREST | SCHEDULED;

/// The atomic state word of a task.
pub(crate) struct State(AtomicU32);

/// A copy of the state word, with helpers to read and edit it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(pub(crate) u32);

/// What the thread that popped a `Notified` must do.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToRunning {
    /// It owns the future: poll it.
    Success,
    /// It owns the future but the task was cancelled: drop it.
    Cancelled,
    /// Someone else owns it or it is complete; the `Notified` reference was
    /// released and others remain.
    Failed,
    /// As `Failed`, and that was the last reference: free the cell.
    Dealloc,
}

/// What the runner must do after a poll returned `Pending`.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToIdle {
    /// The task is idle; the runner's reference was released.
    Ok,
    /// As `Ok`, and that was the last reference: free the cell.
    OkDealloc,
    /// The task was woken during the poll: the runner's reference becomes a
    /// new `Notified` that must be queued.
    OkNotified,
    /// The task was cancelled during the poll: the runner keeps `RUNNING` and
    /// must drop the future.
    Cancelled,
}

/// What a waker must do.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TransitionToNotified {
    /// Nothing: the task is scheduled, running (it will re-queue itself) or
    /// complete.
    DoNothing,
    /// A `Notified` was created and must be handed to the scheduler.
    Submit,
    /// Nothing to schedule, and the waker's reference was the last one.
    Dealloc,
}

impl Snapshot {
    pub(crate) fn is_scheduled(self) -> bool {
        self.0 & SCHEDULED != 0
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        ((self.0 & REF_MASK) / REF_ONE) as usize
    }
    fn ref_inc(&mut self) {
        assert!(self.0 < REF_LIMIT, "task reference count overflow; state = {self:?}");
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        assert!(self.ref_count() > 0, "task reference count underflow; state = {self:?}");
        self.0 -= REF_ONE;
    }
    fn set(&mut self, bits: u32) {
        self.0 |= bits;
    }
    fn unset(&mut self, bits: u32) {
        self.0 &= !bits;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("scheduled", &self.is_scheduled())
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

impl State {
    /// The state of a freshly spawned task.
    pub(crate) fn new() -> State {
        State(AtomicU32::new(INITIAL))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// The one CAS loop: applies `f` until the exchange succeeds. `f` returns
    /// the outcome and, if the word must change, its new value.
    fn fetch_update_action<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.load();
        loop {
            let (output, next) = f(curr);
            let Some(next) = next else { return output };
            match self.0.compare_exchange_weak(curr.0, next.0, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return output,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// A `Notified` was popped: claim the future, consuming `SCHEDULED`.
    pub(crate) fn transition_to_running(&self) -> TransitionToRunning {
        self.fetch_update_action(|mut next| {
            debug_assert!(next.is_scheduled(), "running a task that is not scheduled; state = {next:?}");
            if !next.is_idle() {
                // Complete, or running elsewhere (a stale Notified after a
                // cancel-in-place): drop the Notified's reference.
                next.ref_dec();
                let action =
                    if next.ref_count() == 0 { TransitionToRunning::Dealloc } else { TransitionToRunning::Failed };
                return (action, Some(next));
            }
            next.set(RUNNING);
            next.unset(SCHEDULED);
            let action =
                if next.is_cancelled() { TransitionToRunning::Cancelled } else { TransitionToRunning::Success };
            (action, Some(next))
        })
    }

    /// The poll returned `Pending`. `self_woken`: the task woke itself
    /// during the poll on the polling thread (recorded thread-locally, see
    /// `waker::wake_by_ref`), which counts as `SCHEDULED`.
    pub(crate) fn transition_to_idle(&self, self_woken: bool) -> TransitionToIdle {
        self.fetch_update_action(|mut next| {
            debug_assert!(next.is_running(), "idling a task that is not running; state = {next:?}");
            if next.is_cancelled() {
                return (TransitionToIdle::Cancelled, None);
            }
            next.unset(RUNNING);
            if self_woken {
                next.set(SCHEDULED);
            }
            if next.is_scheduled() && !mutant(Mutant::IdleDropsWake) {
                // Woken during the poll: the runner's reference is reused by
                // the new Notified.
                (TransitionToIdle::OkNotified, Some(next))
            } else {
                next.ref_dec();
                let action = if next.ref_count() == 0 { TransitionToIdle::OkDealloc } else { TransitionToIdle::Ok };
                (action, Some(next))
            }
        })
    }

    /// The future is gone and the output stored: `RUNNING` -> `COMPLETE`.
    /// Returns the state from just before, for the `JOIN_*` bits.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, Ordering::AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete(), "completing a task in state {prev:?}");
        prev
    }

    /// Releases `count` references after completion. Returns `true` if the
    /// cell must be freed.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.0.fetch_sub(count as u32 * REF_ONE, Ordering::AcqRel));
        assert!(prev.ref_count() >= count, "task reference count underflow: releasing {count} from {prev:?}");
        prev.ref_count() == count
    }

    /// `wake_by_ref`: may create a `Notified` (and a reference for it).
    pub(crate) fn transition_to_notified_by_ref(&self) -> TransitionToNotified {
        self.fetch_update_action(|mut next| {
            if next.is_complete() || next.is_scheduled() {
                (TransitionToNotified::DoNothing, None)
            } else if next.is_running() {
                next.set(SCHEDULED);
                (TransitionToNotified::DoNothing, Some(next))
            } else {
                next.set(SCHEDULED);
                next.ref_inc();
                (TransitionToNotified::Submit, Some(next))
            }
        })
    }

    /// `wake` by value: the waker's reference becomes the `Notified`'s, or is
    /// released.
    pub(crate) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.fetch_update_action(|mut next| {
            if next.is_complete() || next.is_scheduled() || next.is_running() {
                if next.is_running() {
                    next.set(SCHEDULED);
                }
                next.ref_dec();
                let action =
                    if next.ref_count() == 0 { TransitionToNotified::Dealloc } else { TransitionToNotified::DoNothing };
                (action, Some(next))
            } else {
                next.set(SCHEDULED);
                (TransitionToNotified::Submit, Some(next))
            }
        })
    }

    /// Abort: mark cancelled; if the task is idle and not queued, create a
    /// `Notified` so that a worker drops the future.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> TransitionToNotified {
        self.fetch_update_action(|mut next| {
            if next.is_complete() || next.is_cancelled() {
                (TransitionToNotified::DoNothing, None)
            } else if next.is_running() || next.is_scheduled() {
                // The runner, or whoever pops the Notified, sees CANCELLED.
                next.set(CANCELLED);
                (TransitionToNotified::DoNothing, Some(next))
            } else {
                next.set(CANCELLED | SCHEDULED);
                next.ref_inc();
                (TransitionToNotified::Submit, Some(next))
            }
        })
    }

    /// Shutdown: mark cancelled and, if nobody owns the future, claim it.
    /// Returns `true` if the caller now owns `RUNNING` and must drop the
    /// future.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update_action(|mut next| {
            if next.is_complete() {
                return (false, None);
            }
            let claim = next.is_idle();
            if claim {
                next.set(RUNNING);
            }
            next.set(CANCELLED);
            (claim, Some(next))
        })
    }

    /// The `JoinHandle` is dropped. Returns the state just before: if it was
    /// complete, the handle must drop the output; if not, and `JOIN_WAKER`
    /// was set, the handle now owns the waker slot again.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> Snapshot {
        self.fetch_update_action(|mut next| {
            let prev = next;
            debug_assert!(next.is_join_interested(), "JoinHandle dropped twice; state = {next:?}");
            if next.is_complete() {
                next.unset(JOIN_INTEREST);
            } else {
                next.unset(JOIN_INTEREST | JOIN_WAKER);
            }
            (prev, Some(next))
        })
    }

    /// The `JoinHandle` stored a waker: hand the slot to the task side.
    /// Fails (returning the state) if the task completed meanwhile.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update_action(|mut next| {
            debug_assert!(next.is_join_interested() && !next.is_join_waker_set(), "state = {next:?}");
            if next.is_complete() {
                return (Err(next), None);
            }
            next.set(JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// The `JoinHandle` wants to replace its waker: take the slot back.
    /// Fails (returning the state) if the task completed meanwhile.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update_action(|mut next| {
            debug_assert!(next.is_join_interested() && next.is_join_waker_set(), "state = {next:?}");
            if next.is_complete() {
                return (Err(next), None);
            }
            next.unset(JOIN_WAKER);
            (Ok(next), Some(next))
        })
    }

    /// Takes one more reference (a `Waker` clone).
    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Ordering::Relaxed);
        // Like `Arc`: abort rather than wrap around.
        if prev >= REF_LIMIT {
            std::process::abort();
        }
    }

    /// Releases one reference. Returns `true` if it was the last one.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.0.fetch_sub(REF_ONE, Ordering::AcqRel));
        assert!(prev.ref_count() >= 1, "task reference count underflow; state = {prev:?}");
        prev.ref_count() == 1
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    #[test]
    fn initial_state() {
        let s = State::new().load();
        assert!(s.is_scheduled() && s.is_join_interested() && s.is_idle());
        assert_eq!(s.ref_count(), 3);
    }

    #[test]
    fn wake_during_poll_requeues_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_notified_by_ref(), TransitionToNotified::DoNothing);
        assert_eq!(s.transition_to_notified_by_ref(), TransitionToNotified::DoNothing);
        assert_eq!(s.transition_to_idle(false), TransitionToIdle::OkNotified);
        assert_eq!(s.load().ref_count(), 3, "the runner's reference became the new Notified");
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle(false), TransitionToIdle::Ok);
        assert_eq!(s.load().ref_count(), 2);
    }

    #[test]
    fn self_wake_requeues_without_touching_the_word() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert!(!s.load().is_scheduled());
        assert_eq!(s.transition_to_idle(true), TransitionToIdle::OkNotified);
        assert!(s.load().is_scheduled() && !s.load().is_running());
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn wake_after_complete_is_noop() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let prev = s.transition_to_complete();
        assert!(prev.is_running());
        assert!(s.load().is_complete() && !s.load().is_running());
        assert_eq!(s.transition_to_notified_by_ref(), TransitionToNotified::DoNothing);
        s.ref_inc();
        assert_eq!(s.transition_to_notified_by_val(), TransitionToNotified::DoNothing);
        assert!(!s.transition_to_terminal(2));
        assert!(s.ref_dec());
    }

    #[test]
    fn cancel_idle_task_schedules_it() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle(false), TransitionToIdle::Ok);
        assert_eq!(s.transition_to_notified_and_cancel(), TransitionToNotified::Submit);
        assert_eq!(s.transition_to_notified_and_cancel(), TransitionToNotified::DoNothing);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Cancelled);
    }

    #[test]
    fn cancel_running_task_is_seen_at_idle() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_notified_and_cancel(), TransitionToNotified::DoNothing);
        assert_eq!(s.transition_to_idle(false), TransitionToIdle::Cancelled);
        assert!(s.load().is_running());
    }

    #[test]
    fn shutdown_claims_idle_task_even_if_scheduled() {
        let s = State::new();
        assert!(s.transition_to_shutdown());
        assert!(s.load().is_running() && s.load().is_cancelled());
        // A stale Notified popped later must not run it.
        assert_eq!(s.transition_to_running(), TransitionToRunning::Failed);
    }

    #[test]
    fn join_waker_handoff() {
        let s = State::new();
        assert!(s.set_join_waker().is_ok());
        assert!(s.unset_join_waker().is_ok());
        assert!(s.set_join_waker().is_ok());
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let prev = s.transition_to_complete();
        assert!(prev.is_join_waker_set());
        assert!(s.unset_join_waker().is_err(), "the slot stays with the task side after completion");
    }
}
