//! The task cell (one allocation per task), its vtable, and [`RawTask`],
//! the type-erased pointer the rest of the executor passes around.
//!
//! ```text
//! Cell<F, S>  (#[repr(C)], one allocation; see `cell_layout`)
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
    let layout = cell_layout::<F, S>(scheduler.pads_cells());
    // SAFETY: the layout has a non-zero size (a cell holds a header).
    let Some(ptr) = NonNull::new(unsafe { std::alloc::alloc(layout) }.cast::<Cell<F, S>>()) else {
        std::alloc::handle_alloc_error(layout)
    };
    let cell = Cell {
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
    };
    // SAFETY: `ptr` is a fresh allocation for a `Cell<F, S>`: the layout's
    // alignment is the cell's, its size at least the cell's.
    unsafe { ptr.as_ptr().write(cell) };
    // `Header` is the first field of a `#[repr(C)]` struct, so a pointer to
    // the cell is a pointer to its header.
    ptr.cast()
}

/// A cache line.
const CACHE_LINE: usize = 64;
/// The least padding after a padded cell: with the allocator's chunk
/// header (16 bytes in glibc) it keeps the next cell's first byte on
/// another line than this cell's last.
const CELL_GAP: usize = 48;

/// The layout a `Cell<F, S>` is allocated with: its own, or, with `pad`
/// ([`Schedule::pads_cells`]), with the size raised to the next multiple
/// of a cache line that leaves [`CELL_GAP`] bytes after the cell (an
/// 80-byte cell takes 128). The alignment stays the cell's own, so the
/// allocator's ordinary path serves it: an over-aligned request goes
/// through glibc's `memalign`, which made the spawn rows 30-70 % slower
/// when tried.
///
/// Why: tasks are allocated wherever the allocator puts them, and after a
/// few rounds of spawning and freeing, neighbours in memory run on
/// different workers. Unpadded, two workers polling neighbouring cells
/// wrote each other's lines (state word, future) on every poll: on the
/// 2-core VM `yield_many` ran no faster on two workers than on one (8.1 ms
/// both; 4.1 ms padded). tokio aligns its cells to 128 bytes for the same
/// reason.
pub(super) fn cell_layout<F: Future, S>(pad: bool) -> std::alloc::Layout {
    let cell = std::alloc::Layout::new::<Cell<F, S>>();
    let size = if pad { (cell.size() + CELL_GAP).next_multiple_of(CACHE_LINE) } else { cell.size() };
    std::alloc::Layout::from_size_align(size, cell.align()).expect("a task cell's layout")
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
    S: Schedule,
{
    let ptr = ptr.cast::<Cell<F, S>>();
    // SAFETY: the cell was written in `allocate`, and with no references
    // left nobody else can reach it.
    let cell = unsafe { ptr.as_ref() };
    // Read before the scheduler handle is dropped below.
    let layout = cell_layout::<F, S>(cell.scheduler.pads_cells());
    // The stage is a union: drop what it still holds (an unread output; a
    // future only for a task freed without completing, which the registry
    // prevents). A panic from that drop is swallowed: the task is over.
    cell.stage.with_mut(|data| {
        // SAFETY: with the last reference gone, the stage is ours.
        let _ = unsafe { StageRef::new(&cell.header.vtable, data) }.drop_value();
    });
    /// Frees the allocation when dropped: after the cell's fields, or while
    /// a panicking field's drop (a join waker's) unwinds, as a `Box` would.
    struct Free(NonNull<u8>, std::alloc::Layout);
    impl Drop for Free {
        fn drop(&mut self) {
            // SAFETY: the allocation `allocate` made with this layout; the
            // cell in it has been dropped (or is being unwound past), and
            // nothing reaches it any more.
            unsafe { std::alloc::dealloc(self.0.as_ptr(), self.1) }
        }
    }
    let _free = Free(ptr.cast(), layout);
    // SAFETY: as above; this drops the scheduler handle and the join waker
    // (the stage's union has no drop of its own). `_free` then frees the
    // allocation, also if one of those drops panics.
    unsafe { std::ptr::drop_in_place(ptr.as_ptr()) };
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

    struct PaddingSchedule;
    impl Schedule for PaddingSchedule {
        fn schedule(&self, _task: Notified) {}
        unsafe fn release(&self, _task: NonNull<Header>) -> bool {
            false
        }
        fn pads_cells(&self) -> bool {
            true
        }
    }

    #[test]
    fn padded_cells_leave_a_gap_of_whole_lines() {
        type Small = std::future::Ready<()>;
        type Big = std::future::Ready<[u8; 200]>;
        // Unpadded: exactly the cell.
        assert_eq!(cell_layout::<Small, NoSchedule>(false), std::alloc::Layout::new::<Cell<Small, NoSchedule>>());
        for (size, layout) in [
            (std::mem::size_of::<Cell<Small, PaddingSchedule>>(), cell_layout::<Small, PaddingSchedule>(true)),
            (std::mem::size_of::<Cell<Big, PaddingSchedule>>(), cell_layout::<Big, PaddingSchedule>(true)),
        ] {
            assert_eq!(layout.size() % CACHE_LINE, 0, "{size}-byte cell padded to {}", layout.size());
            assert!(layout.size() >= size + CELL_GAP, "{size}-byte cell padded to {}", layout.size());
            assert!(layout.size() < size + CELL_GAP + CACHE_LINE, "{size}-byte cell padded to {}", layout.size());
        }
        // The compare row's 80-byte idle cell takes two lines.
        assert_eq!((80 + CELL_GAP).next_multiple_of(CACHE_LINE), 128);
    }

    #[test]
    fn padded_cells_are_freed_with_their_layout() {
        // A task created and dropped unrun: the last handle frees the cell
        // through the padded layout, dropping the future (Miri and valgrind
        // check that `dealloc` frees what `allocate` took).
        let drops = std::sync::Arc::new(());
        let held = drops.clone();
        let (task, notified, join) =
            crate::task::new_task(async move { drop(held) }, PaddingSchedule, crate::task::Id::next(), Meta::caller());
        drop((task, notified, join));
        assert_eq!(std::sync::Arc::strong_count(&drops), 1);
    }
}
