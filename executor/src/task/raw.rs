//! The task cell (one allocation per task), its vtable, and [`RawTask`],
//! the type-erased pointer the rest of the executor passes around.
//!
//! ```text
//! Cell<F, S>  (#[repr(C)], one Box)
//! +-----------------------------+
//! | Header                      |  state word, vtable (+ stage tag), id,
//! |                             |  registry key, meta (spawn site, name)
//! | scheduler: S                |  where wakes send the task
//! | stage: the future F         |  -> F::Output | cancelled | panic payload
//! |                             |  -> nothing (output taken or dropped)
//! | join_waker: Option<Waker>   |  the JoinHandle's waker (see JOIN_WAKER)
//! +-----------------------------+
//! ```
//!
//! The stage is a union whose variant lives in the low bits of the vtable
//! word (`stage.rs`): 8 bytes per task less than an enum's tag word.
//!
//! Everything that needs to know `F` or `S` goes through [`Vtable`], whose
//! functions live in `harness.rs` (what running, completing and cancelling
//! do to the cell); the wake entry points are in `waker.rs`. The rest of the
//! executor sees only a [`RawTask`] (or, at the scheduler boundary, a
//! `NonNull<Header>`).

use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

use super::harness;
use super::meta::Meta;
use super::stage::{StageData, StageRef, TaggedVtable};
use super::state::State;
use super::{Schedule, TaskId};
use crate::sync::UnsafeCell;

/// The type-independent part at the start of every cell.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    /// Index of the task's entry in the registry shard: written once, under
    /// that shard's lock, before the task is first queued; read under the
    /// lock, or by a holder of a reference after that first queueing (a
    /// worker noting a completed task for its batch). Beside the 32-bit
    /// state word so the header packs into 24 bytes.
    pub(crate) registry_key: UnsafeCell<u32>,
    /// The vtable, with the stage's tag in its low bits (`stage.rs`).
    pub(crate) vtable: TaggedVtable,
    pub(crate) id: TaskId,
    /// Spawn site, and the name block of a named task (see `meta.rs`):
    /// written at allocation, read only afterwards.
    pub(crate) meta: Meta,
}

/// Operations that need the concrete future and scheduler types. Aligned
/// to 8 so that a pointer to it has three free low bits (the stage tag).
#[repr(align(8))]
pub(crate) struct Vtable {
    /// Runs a `Notified` (consumes its reference).
    pub(crate) run: unsafe fn(NonNull<Header>),
    /// Hands a `Notified` (its reference included) to the scheduler.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the cell. The reference count is zero.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// `JoinHandle::poll`: writes `Poll<Result<T, JoinError>>` to `dst`.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// `JoinHandle::drop` (consumes the handle's reference).
    pub(crate) drop_join_handle: unsafe fn(NonNull<Header>),
    /// Shutdown: cancels the task if nobody runs it (borrows a reference).
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) scheduler: S,
    pub(super) stage: UnsafeCell<StageData<F>>,
    pub(super) join_waker: UnsafeCell<Option<Waker>>,
}

/// Allocates a task. The returned pointer carries the three initial
/// references: registry, `JoinHandle`, `Notified`.
fn allocate<F, S>(future: F, scheduler: S, id: TaskId, meta: Meta) -> NonNull<Header>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(),
            registry_key: UnsafeCell::new(u32::MAX),
            vtable: TaggedVtable::new(vtable::<F, S>()),
            id,
            meta,
        },
        scheduler,
        stage: UnsafeCell::new(StageData::running(future)),
        join_waker: UnsafeCell::new(None),
    });
    // `Header` is the first field of a `#[repr(C)]` struct, so a pointer to
    // the cell is a pointer to its header.
    NonNull::from(Box::leak(cell)).cast()
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    &Vtable {
        run: harness::run::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle: harness::drop_join_handle::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    }
}

/// A pointer to a task cell, through which its header is read.
///
/// # Invariant
/// Whoever uses a `RawTask` holds one of the task's references (counted in
/// its state word) for as long as it does, or borrows the `RawTask` from
/// such a holder: a handle (`Task`, `Notified`, `JoinHandle`,
/// `AbortHandle`, a `Waker`) stores one and owns its reference. So the cell
/// is live, and the header borrows below last no longer than `&self`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask(NonNull<Header>);

impl RawTask {
    /// # Safety
    /// `ptr` points to a live task cell, and the caller holds a reference
    /// to it for as long as this `RawTask` (or a copy) is used.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask(ptr)
    }

    /// A freshly allocated task; the pointer carries its three initial
    /// references (see [`allocate`]).
    pub(super) fn new<F, S>(future: F, scheduler: S, id: TaskId, meta: Meta) -> RawTask
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        RawTask(allocate(future, scheduler, id, meta))
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.0
    }

    fn header(&self) -> &Header {
        // SAFETY: # Invariant: a reference is held while `self` is used, so
        // the cell is live for the borrow.
        unsafe { self.0.as_ref() }
    }

    /// The state word.
    pub(crate) fn state(&self) -> &State {
        &self.header().state
    }

    pub(crate) fn id(self) -> TaskId {
        self.header().id
    }

    /// The task's spawn site and name block.
    pub(crate) fn meta(&self) -> &Meta {
        &self.header().meta
    }

    pub(crate) fn vtable(self) -> &'static Vtable {
        self.header().vtable.get()
    }

    /// The task's key in its registry shard.
    ///
    /// # Safety
    /// Read under the registry's shard lock, or by a holder of a reference
    /// to a task already queued once (the key is then written for good).
    pub(crate) unsafe fn registry_key(self) -> u32 {
        // SAFETY: the caller's contract orders this read after the one
        // write (see `Header::registry_key`).
        self.header().registry_key.with(|k| unsafe { *k })
    }

    /// Stores the task's key in its registry shard.
    ///
    /// # Safety
    /// Only the registry calls this, under its shard lock, once per task.
    pub(crate) unsafe fn set_registry_key(self, key: u32) {
        // SAFETY: written under the shard lock, read only under that lock
        // or after the task was first queued (which follows this write).
        self.header().registry_key.with_mut(|k| unsafe { *k = key })
    }

    /// Releases the reference held through `self`, freeing the cell if it
    /// was the last. `self` must not be used afterwards.
    pub(crate) fn drop_reference(self) {
        if self.state().ref_dec() {
            // SAFETY: ours was the last reference.
            unsafe { (self.vtable().dealloc)(self.0) }
        }
    }
}

/// # Safety
/// `ptr` is a `Cell<F, S>` whose reference count is zero.
pub(super) unsafe fn dealloc<F, S>(ptr: NonNull<Header>)
where
    F: Future,
{
    // SAFETY: the cell came from `Box::leak` in `allocate`, and with no
    // references left nobody else can reach it.
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // The stage is a union: drop what it still holds (an unread output; a
    // future only for a task freed without completing, which the registry
    // prevents). A panic from that drop is swallowed: the task is over.
    cell.stage.with_mut(|data| {
        // SAFETY: with the last reference gone, the stage is ours.
        let _ = unsafe { StageRef::new(&cell.header.vtable, data) }.drop_value();
    });
    // Dropping the box drops the scheduler handle and the join waker.
    drop(cell);
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;
    use crate::task::Notified;

    struct NoSchedule;
    impl Schedule for NoSchedule {
        fn schedule(&self, _task: Notified) {}
        unsafe fn release(&self, _task: NonNull<Header>) -> bool {
            false
        }
    }

    #[test]
    fn cell_is_small() {
        // Header (state, vtable and stage tag, id, registry key, meta), a
        // pointer-sized scheduler, the stage, and the join waker.
        assert_eq!(std::mem::size_of::<Header>(), 32);
        let cell = std::mem::size_of::<Cell<std::future::Ready<()>, NoSchedule>>();
        assert!(cell <= 64, "task cell grew to {cell} bytes");
        // The stage has no tag word: an `async` block awaiting one pointer
        // (the compare row's idle task) makes an 80-byte cell.
        struct Pointer(#[allow(dead_code)] Box<u8>);
        impl Future for Pointer {
            type Output = ();
            fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
                std::task::Poll::Pending
            }
        }
        fn cell_size<F: Future>(_: &F) -> usize {
            std::mem::size_of::<Cell<F, std::sync::Arc<()>>>()
        }
        let rx = Pointer(Box::new(0));
        let idle = async move {
            let _ = rx.await;
        };
        assert!(std::mem::size_of_val(&idle) <= 24);
        assert!(cell_size(&idle) <= 80, "idle task cell {} bytes", cell_size(&idle));
    }
}
