//! The harness: what running, completing, cancelling and joining a task do
//! to its cell. These are the [`Vtable`](super::raw::Vtable) functions, the
//! only code that knows the future's and the scheduler's types; each
//! starts from the reference its caller hands over or borrows (see each
//! `# Safety`), and follows the transitions of `state.rs`.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::error::JoinError;
use super::raw::{dealloc, Cell, Header};
use super::stage::{Payload, Stage, StageRef, Tag};
use super::state::{State, TransitionToIdle, TransitionToRunning};
use super::{waker, Notified, Schedule};
use crate::metrics_clock;
use crate::sync::{mutant, Mutant, UnsafeCell};

/// A typed view of a cell, valid while its holder owns a reference.
struct Harness<F: Future, S> {
    cell: NonNull<Cell<F, S>>,
}

impl<F, S> Harness<F, S>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    /// # Safety
    /// `ptr` points to a live `Cell<F, S>` and the caller owns a reference.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Harness { cell: ptr.cast() }
    }

    fn cell(&self) -> &Cell<F, S> {
        // SAFETY: `from_raw`'s caller holds a reference for as long as the
        // harness lives, so the cell is not freed under us.
        unsafe { self.cell.as_ref() }
    }

    fn header(&self) -> &Header {
        &self.cell().header
    }

    fn header_ptr(&self) -> NonNull<Header> {
        self.cell.cast()
    }

    fn state(&self) -> &State {
        &self.header().state
    }

    /// Runs `f` on the stage.
    ///
    /// # Safety
    /// The caller owns the stage (`state.rs`: it holds `RUNNING`, or
    /// `COMPLETE` with the output access rights), and `f` uses it only
    /// during the call.
    unsafe fn with_stage<R>(&self, f: impl FnOnce(StageRef<'_, F>) -> R) -> R {
        self.cell().stage.with_mut(|data| {
            // SAFETY: the caller's contract; `data` is this cell's stage and
            // `header().vtable` its tag.
            f(unsafe { StageRef::new(&self.header().vtable, data) })
        })
    }

    /// Polls the future. Caller holds `RUNNING`.
    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, Payload>> {
        let poll = |stage: StageRef<'_, F>| {
            // SAFETY: the only borrow of the stage until the poll ends (the
            // unwind guard below touches it only once the poll's frame, and
            // with it the borrow, is gone).
            let Some(future) = (unsafe { stage.future() }) else {
                unreachable!("polling a task whose future is gone; state = {:?}", self.state().load())
            };
            // As tokio: a future whose poll panics is dropped during the
            // unwind (its `Drop` sees `thread::panicking()`), in place.
            // Should that drop panic too, the process aborts, as in tokio.
            struct DropOnUnwind<'a, F: Future>(StageRef<'a, F>);
            impl<F: Future> Drop for DropOnUnwind<'_, F> {
                fn drop(&mut self) {
                    // Only reached while the poll below unwinds: the
                    // `RUNNING` holder (this thread) still owns the stage,
                    // the pinned borrow of the future died with the
                    // panicking frame, and the future is dropped where it
                    // was polled. A second panic aborts (it unwinds out of
                    // a destructor that runs during an unwind).
                    if let Err(payload) = self.0.drop_value() {
                        panic::resume_unwind(payload);
                    }
                }
            }
            match panic::catch_unwind(AssertUnwindSafe(|| {
                let on_unwind = DropOnUnwind(stage);
                let polled = future.poll(cx);
                std::mem::forget(on_unwind);
                polled
            })) {
                Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(payload) => Poll::Ready(Err(payload)),
            }
        };
        // SAFETY: `RUNNING` gives this thread the stage.
        unsafe { self.with_stage(poll) }
    }

    /// Replaces the stage, dropping what was there. A panic from that drop is
    /// caught and returned. Caller has exclusive access to the stage.
    fn set_stage(&self, new: Stage<F>) -> Result<(), Payload> {
        // SAFETY: the caller holds `RUNNING`, or `COMPLETE` with the output
        // access rights (see state.rs), so nobody else touches the stage.
        unsafe {
            self.with_stage(|stage| {
                // The old value is dropped *in place*: a running future is
                // pinned, and `Pin` promises it is dropped at the address it
                // was polled at (an intrusive waiter, such as tokio::sync's,
                // unlinks itself by that address; moving the future out
                // first left such a list pointing at freed memory). The
                // value counts as dropped even if its drop panicked, so
                // `new` is written over it.
                let dropped = stage.drop_value();
                stage.set(new);
                dropped
            })
        }
    }

    /// Whether the stage holds a panic payload. Caller owns the stage.
    fn is_panicked(&self) -> bool {
        // SAFETY: the caller owns the stage (`complete`, `drop_join_handle`).
        unsafe { self.with_stage(|stage| stage.tag() == Tag::Panicked) }
    }

    /// Drops the future and stores the cancellation error. Caller holds
    /// `RUNNING`.
    fn cancel_future(&self) {
        let outcome = match self.set_stage(Stage::Consumed) {
            Ok(()) => Stage::Cancelled,
            Err(payload) => Stage::Panicked(payload),
        };
        // Dropping `Consumed` cannot panic.
        let _ = self.set_stage(outcome);
    }

    /// Applies the runtime's `UnhandledPanic` policy to a panic nobody
    /// will read.
    fn unhandled_panic(&self) {
        let scheduler = &self.cell().scheduler;
        if scheduler.hooks().is_some_and(|h| h.unhandled_panic == super::UnhandledPanic::ShutdownRuntime) {
            scheduler.shutdown_on_unhandled_panic();
        }
    }

    /// Stores the outcome of the poll that ended the task. Caller holds
    /// `RUNNING`.
    fn store_output(&self, output: Result<F::Output, Payload>) {
        // The future is dropped here; a panic in its destructor turns the
        // outcome into that panic (unless the poll itself already panicked).
        let dropped = self.set_stage(Stage::Consumed);
        let outcome = match (output, dropped) {
            (Ok(value), Ok(())) => Stage::Finished(value),
            (Ok(_value), Err(payload)) => Stage::Panicked(payload),
            (Err(payload), _) => Stage::Panicked(payload),
        };
        let _ = self.set_stage(outcome);
    }

    /// `RUNNING` -> `COMPLETE`; notify or drop for the `JoinHandle`; leave
    /// the registry (or join the completing worker's batch, which releases
    /// the registry's reference later); release `held` references (the
    /// runner's own, plus the registry's if it came back here).
    fn complete(self, held: usize) {
        if let Some(hooks) = self.cell().scheduler.hooks() {
            hooks.terminated(self.header().id, &self.header().meta);
        }
        let snapshot = self.state().transition_to_complete();
        if !snapshot.is_join_interested() || mutant(Mutant::CompleteIgnoresJoinInterest) {
            // COMPLETE without join interest: the stage is ours.
            let panicked = self.is_panicked();
            // Nobody will read the output: drop it here. A panicking drop is
            // swallowed (the output has no reader to report to).
            let _ = self.set_stage(Stage::Consumed);
            if panicked {
                self.unhandled_panic();
            }
        } else if snapshot.is_join_waker_set() {
            self.cell().join_waker.with(|slot| {
                // SAFETY: JOIN_WAKER was set at completion, so the slot
                // belongs to the task side and the JoinHandle will not write
                // it again (it only re-takes the slot before COMPLETE).
                if let Some(waker) = unsafe { &*slot } {
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref()));
                }
            });
        }
        // SAFETY: we hold the runner's reference to the task, complete now.
        let registry_ref = unsafe { self.cell().scheduler.release(self.header_ptr()) };
        let count = held + usize::from(registry_ref);
        if self.state().transition_to_terminal(count) {
            // SAFETY: that was the last reference.
            unsafe { dealloc::<F, S>(self.header_ptr()) };
        }
    }
}

/// # Safety
/// `ptr` is a `Cell<F, S>`, and the caller gives up a `Notified` reference.
pub(super) unsafe fn run<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the Notified's reference keeps the cell alive until released
    // below.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    match harness.state().transition_to_running() {
        TransitionToRunning::Success => {}
        TransitionToRunning::Cancelled => {
            harness.cancel_future();
            return harness.complete(1);
        }
        TransitionToRunning::Failed => return,
        TransitionToRunning::Dealloc => {
            // SAFETY: the Notified held the last reference.
            return unsafe { dealloc::<F, S>(ptr) };
        }
    }

    // The waker borrows the Notified's reference for the poll; it is never
    // dropped, so the count is untouched (clones take their own).
    // SAFETY: the cell outlives the poll (we hold a reference).
    let waker = ManuallyDrop::new(unsafe { waker::borrowed(ptr) });
    let mut cx = Context::from_waker(&waker);
    let _current = super::current::enter(harness.header().id);
    let stats = harness.header().meta.stats();
    let started = stats.map(|s| {
        // The worker's reading if it times this poll (`current.rs`).
        let now = super::current::take_poll_start().unwrap_or_else(metrics_clock::now);
        s.start(now);
        now
    });
    let ((polled, forced), self_woken) =
        waker::polling(ptr, || crate::coop::with_budget_counted(|| harness.poll_future(&mut cx)));
    if let (Some(stats), Some(started)) = (stats, started) {
        let now = metrics_clock::now();
        stats.finish(started, now);
        super::current::set_poll_end(now);
    }
    if forced {
        harness.cell().scheduler.budget_forced_yield();
    }
    match polled {
        Poll::Ready(output) => {
            harness.store_output(output);
            harness.complete(1);
        }
        Poll::Pending => match harness.state().transition_to_idle(self_woken) {
            TransitionToIdle::Ok => {}
            TransitionToIdle::OkDealloc => {
                // SAFETY: the runner held the last reference.
                unsafe { dealloc::<F, S>(ptr) };
            }
            TransitionToIdle::OkNotified => {
                // SAFETY: the runner's reference is now a Notified's.
                let notified = unsafe { Notified::from_raw(ptr) };
                harness.cell().scheduler.yield_now(notified);
                // As in `schedule`: drops postponed by the scheduler happen
                // only now that `cell.scheduler` is no longer borrowed.
                super::release_postponed();
            }
            TransitionToIdle::Cancelled => {
                harness.cancel_future();
                harness.complete(1);
            }
        },
    }
}

/// # Safety
/// `ptr` is a `Cell<F, S>`, and the caller gives up a `Notified` reference.
pub(super) unsafe fn schedule<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the Notified's reference keeps the cell alive until the
    // scheduler drops it; a scheduler that drops it while this call borrows
    // `cell.scheduler` defers that drop (`Notified::drop_after_schedule`)
    // until `release_postponed` below, after the borrow ends.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    // SAFETY: the caller hands over a Notified reference.
    let notified = unsafe { Notified::from_raw(ptr) };
    harness.cell().scheduler.schedule(notified);
    super::release_postponed();
}

/// # Safety
/// `ptr` is a `Cell<F, S>` the caller (a `JoinHandle`) holds a reference to,
/// and `dst` points to a valid `Poll<Result<F::Output, JoinError>>`.
pub(super) unsafe fn try_read_output<F, S>(ptr: NonNull<Header>, dst: *mut (), waker: &Waker)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the JoinHandle's reference keeps the cell alive.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if !can_read_output(harness.state(), &harness.cell().join_waker, waker) {
        return;
    }
    // SAFETY: COMPLETE is set and the JoinHandle has join interest, so it
    // has exclusive access to the stage (see state.rs).
    let taken = unsafe { harness.with_stage(|stage| stage.take()) };
    let id = harness.header().id;
    let result = match taken {
        Stage::Finished(value) => Ok(value),
        Stage::Cancelled => Err(JoinError::cancelled(id)),
        Stage::Panicked(payload) => Err(JoinError::panic(id, payload)),
        Stage::Running(_) | Stage::Consumed => panic!("JoinHandle polled after it returned the output"),
    };
    let dst = dst.cast::<Poll<Result<F::Output, JoinError>>>();
    // SAFETY: the caller passes a valid, initialized `Poll` of this type;
    // assigning drops the old `Poll::Pending`.
    unsafe { *dst = Poll::Ready(result) };
}

/// Whether the output is ready; if not, stores `waker` for the task side.
fn can_read_output(state: &State, slot: &UnsafeCell<Option<Waker>>, waker: &Waker) -> bool {
    let snapshot = state.load();
    if snapshot.is_complete() {
        return true;
    }
    if snapshot.is_join_waker_set() {
        let same = slot.with(|slot| {
            // SAFETY: JOIN_WAKER is set, so only reads happen on the task
            // side and the slot is initialized; we only read it too.
            unsafe { (*slot).as_ref() }.is_some_and(|w| w.will_wake(waker))
        });
        if same {
            return false;
        }
        // Take the slot back to replace the waker.
        if state.unset_join_waker().is_err() {
            return true;
        }
    }
    slot.with_mut(|slot| {
        // SAFETY: JOIN_WAKER is clear, so the JoinHandle owns the slot.
        unsafe { *slot = Some(waker.clone()) };
    });
    if state.set_join_waker().is_err() {
        // Completed before we could publish the waker: take it back out, we
        // still own the slot.
        slot.with_mut(|slot| {
            // SAFETY: JOIN_WAKER is still clear: the slot is ours.
            unsafe { *slot = None };
        });
        return true;
    }
    false
}

/// # Safety
/// `ptr` is a `Cell<F, S>`; the caller gives up the `JoinHandle` reference.
pub(super) unsafe fn drop_join_handle<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the JoinHandle's reference keeps the cell alive until released.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    let prev = harness.state().transition_to_join_handle_dropped();
    if prev.is_complete() {
        // COMPLETE with join interest until now: the stage is ours.
        let panicked = harness.is_panicked();
        // The output is ours to drop (JOIN_INTEREST was set at completion).
        let _ = harness.set_stage(Stage::Consumed);
        if panicked {
            // A panic nobody read: the handle is dropped unread.
            harness.unhandled_panic();
        }
    } else if prev.is_join_waker_set() {
        // The slot came back to us with JOIN_WAKER: drop the stored waker.
        let waker = harness.cell().join_waker.with_mut(|slot| {
            // SAFETY: we just cleared JOIN_WAKER before COMPLETE, so the task
            // side will never read the slot again.
            unsafe { (*slot).take() }
        });
        drop(waker);
    }
    if harness.state().ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { dealloc::<F, S>(ptr) };
    }
}

/// # Safety
/// `ptr` is a `Cell<F, S>` the caller holds a reference to (kept).
pub(super) unsafe fn shutdown<F, S>(ptr: NonNull<Header>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: the caller's reference keeps the cell alive for the call.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if !harness.state().transition_to_shutdown() {
        return;
    }
    // We now own RUNNING. `complete` releases one reference: take one for
    // it so the caller's stays valid.
    harness.state().ref_inc();
    harness.cancel_future();
    harness.complete(1);
}
