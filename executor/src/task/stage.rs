//! The stage of a task cell (its future, then its output or why there is
//! none), stored as an untagged union whose variant is kept in the low bits
//! of the header's vtable word.
//!
//! ```text
//! Header::vtable (TaggedVtable, one word)
//! +---------------------------------------------+-----+
//! | &'static Vtable (aligned to 8)              | tag |  bits 2..0
//! +---------------------------------------------+-----+
//!
//! tag        the stage holds            may become
//! RUNNING    the future F (pinned)      CONSUMED (dropped), then FINISHED,
//!                                       PANICKED or CANCELLED
//! FINISHED   F::Output                  CONSUMED (read or dropped)
//! PANICKED   the panic payload          CONSUMED
//! CANCELLED  nothing                    CONSUMED
//! CONSUMED   nothing                    FINISHED / PANICKED / CANCELLED
//!                                       (written right after a drop)
//! ```
//!
//! # Why not an enum
//!
//! A `Stage` enum needs a tag of its own: the future's state byte has no
//! niche the compiler will share (an `async` block exposes none), so the
//! tag takes a whole word after alignment. The vtable pointer's three low
//! bits are free, so the cell is 8 bytes smaller: `bytes_per_idle_task`
//! 88 B -> 80 B (the compare row).
//!
//! # Who touches what
//!
//! The stage (union and tag) belongs to one thread at a time, as
//! `state.rs` lays out ("Who may touch which part of the cell"): the holder
//! of `RUNNING`, then after `COMPLETE` the `JoinHandle` (if it had join
//! interest) or the task side, and finally whoever drops the last
//! reference. Ownership passes through the state word's acquire/release
//! transitions, which also order the tag writes. Every reference holder
//! reads the vtable word at any time for the *pointer* bits, which never
//! change, so the owner rewrites the tag with a relaxed atomic store of the
//! same pointer: no data race, and any reader sees the right vtable.
//!
//! The word is a `std` atomic even under loom: it carries no protocol of
//! its own (its ordering is the state word's, which the models check), and
//! modelling every vtable load would multiply the models' interleavings.

use std::any::Any;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, Ordering};

use super::raw::Vtable;

/// The bits of the vtable word that hold the tag.
const TAG_MASK: usize = 0b111;

/// Which variant the stage holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    Running = 0,
    Finished = 1,
    Panicked = 2,
    Cancelled = 3,
    Consumed = 4,
}

impl Tag {
    fn from_bits(bits: usize) -> Tag {
        match bits {
            0 => Tag::Running,
            1 => Tag::Finished,
            2 => Tag::Panicked,
            3 => Tag::Cancelled,
            4 => Tag::Consumed,
            _ => unreachable!("stage tag out of range: {bits}"),
        }
    }
}

/// The header's vtable pointer with the stage's [`Tag`] in its low bits.
pub(crate) struct TaggedVtable(AtomicPtr<Vtable>);

impl TaggedVtable {
    /// The word of a new task: its vtable, stage `RUNNING`.
    pub(crate) fn new(vtable: &'static Vtable) -> TaggedVtable {
        const { assert!(align_of::<Vtable>() > TAG_MASK, "the vtable leaves no room for the stage tag") };
        let ptr = std::ptr::from_ref(vtable).cast_mut();
        TaggedVtable(AtomicPtr::new(ptr.map_addr(|a| a | Tag::Running as usize)))
    }

    /// The vtable (any reference holder, any time).
    #[inline]
    pub(crate) fn get(&self) -> &'static Vtable {
        let ptr = self.0.load(Ordering::Relaxed).map_addr(|a| a & !TAG_MASK);
        // SAFETY: the pointer bits are those of the `&'static Vtable` the
        // word was made from (`new`), never changed since: tag writes keep
        // them (`set_tag`).
        unsafe { &*ptr }
    }

    fn tag(&self) -> Tag {
        Tag::from_bits(self.0.load(Ordering::Relaxed).addr() & TAG_MASK)
    }

    /// Rewrites the tag, keeping the pointer. Only the stage's owner calls
    /// this, so no other write races it.
    fn set_tag(&self, tag: Tag) {
        let ptr = self.0.load(Ordering::Relaxed);
        self.0.store(ptr.map_addr(|a| (a & !TAG_MASK) | tag as usize), Ordering::Relaxed);
    }
}

/// A panic payload (moved in and out as one value, [`Stage::Panicked`]).
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// A stage as a value: what is moved into the cell and out of it.
pub(crate) enum Stage<F: Future> {
    /// Only at allocation (`StageData::running`).
    #[allow(dead_code)]
    Running(F),
    /// The output, waiting for the `JoinHandle`.
    Finished(F::Output),
    /// Cancelled; the `JoinError` is built when read (it only needs the
    /// id), which keeps the cell small.
    Cancelled,
    /// The poll (or the future's destructor) panicked with this payload.
    Panicked(Payload),
    Consumed,
}

/// The stage's storage in the cell; which field is live is the tag's
/// business.
pub(crate) union StageData<F: Future> {
    running: ManuallyDrop<F>,
    finished: ManuallyDrop<F::Output>,
    panicked: ManuallyDrop<Payload>,
    empty: (),
}

impl<F: Future> StageData<F> {
    /// The stage of a new task (its tag starts at `RUNNING`).
    pub(crate) fn running(future: F) -> StageData<F> {
        StageData { running: ManuallyDrop::new(future) }
    }
}

/// The stage of one cell, for its owner: the union and the tag together.
pub(crate) struct StageRef<'a, F: Future> {
    tag: &'a TaggedVtable,
    data: *mut StageData<F>,
}

impl<F: Future> Clone for StageRef<'_, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: Future> Copy for StageRef<'_, F> {}

impl<'a, F: Future> StageRef<'a, F> {
    /// # Safety
    /// `data` is the stage of the cell whose header holds `tag`, valid for
    /// `'a`, and the caller owns the stage (see the module docs) for as
    /// long as it uses this value or a copy.
    pub(crate) unsafe fn new(tag: &'a TaggedVtable, data: *mut StageData<F>) -> StageRef<'a, F> {
        StageRef { tag, data }
    }

    /// Which variant the stage holds.
    pub(crate) fn tag(self) -> Tag {
        self.tag.tag()
    }

    /// The future, pinned where it lies, if the stage still holds it.
    ///
    /// # Safety
    /// No other borrow of the stage is used while the returned one is.
    pub(crate) unsafe fn future(self) -> Option<Pin<&'a mut F>> {
        if self.tag() != Tag::Running {
            return None;
        }
        // SAFETY: the tag says `running` is the live field; the owner's
        // contract (`new`, and ours) makes this the only borrow; the cell is
        // heap-allocated and the future is only ever dropped in place
        // (`drop_value`), so pinning it where it lies is sound.
        Some(unsafe { Pin::new_unchecked(&mut *(*self.data).running) })
    }

    /// Drops what the stage holds, in place (a `Running` future is pinned,
    /// and `Pin` promises it is dropped at the address it was polled at),
    /// and leaves it `CONSUMED`. A panic from that drop is caught and
    /// returned; the value counts as dropped all the same.
    pub(crate) fn drop_value(self) -> Result<(), Payload> {
        let tag = self.tag();
        self.tag.set_tag(Tag::Consumed);
        panic::catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: `tag` names the live field, dropped once: the tag
            // already says `CONSUMED`, so nothing drops it again.
            unsafe {
                match tag {
                    Tag::Running => ManuallyDrop::drop(&mut (*self.data).running),
                    Tag::Finished => ManuallyDrop::drop(&mut (*self.data).finished),
                    Tag::Panicked => ManuallyDrop::drop(&mut (*self.data).panicked),
                    Tag::Cancelled | Tag::Consumed => {}
                }
            }
        }))
    }

    /// Stores `stage` in a stage left empty (`CONSUMED`) by
    /// [`drop_value`](Self::drop_value) or [`take`](Self::take).
    pub(crate) fn set(self, stage: Stage<F>) {
        debug_assert_eq!(self.tag(), Tag::Consumed, "stage overwritten while it holds a value");
        let (tag, data) = match stage {
            Stage::Running(future) => (Tag::Running, StageData::running(future)),
            Stage::Finished(output) => (Tag::Finished, StageData { finished: ManuallyDrop::new(output) }),
            Stage::Panicked(payload) => (Tag::Panicked, StageData { panicked: ManuallyDrop::new(payload) }),
            Stage::Cancelled => (Tag::Cancelled, StageData { empty: () }),
            Stage::Consumed => (Tag::Consumed, StageData { empty: () }),
        };
        // SAFETY: the stage is empty, so nothing is overwritten undropped;
        // `data` is valid for writes (`new`).
        unsafe { self.data.write(data) };
        self.tag.set_tag(tag);
    }

    /// Moves the value out, leaving the stage `CONSUMED`.
    pub(crate) fn take(self) -> Stage<F> {
        let tag = self.tag();
        self.tag.set_tag(Tag::Consumed);
        // SAFETY: `tag` names the live field, moved out once: the tag
        // already says `CONSUMED`.
        unsafe {
            match tag {
                Tag::Running => Stage::Running(ManuallyDrop::take(&mut (*self.data).running)),
                Tag::Finished => Stage::Finished(ManuallyDrop::take(&mut (*self.data).finished)),
                Tag::Panicked => Stage::Panicked(ManuallyDrop::take(&mut (*self.data).panicked)),
                Tag::Cancelled => Stage::Cancelled,
                Tag::Consumed => Stage::Consumed,
            }
        }
    }
}
