//! A counting wrapper around the allocator every runtime in the run uses,
//! for memory rows: the system allocator ([`System`](std::alloc::System): glibc's malloc on
//! Linux), or mimalloc with the crate's `mimalloc` feature
//! (`cargo run --release -p spindle-benches --features mimalloc --bin compare`).
//!
//! The choice moves the spawn and timer rows: with glibc, a task cell
//! allocated on one worker and freed on another contends on the first
//! worker's malloc arena lock (a futex call when contended), and all three
//! runtimes free most cells away from where they were allocated in those
//! rows. mimalloc frees such blocks without a lock. Production users pick
//! their allocator; the table should be read with the one they use.
//!
//! Install it in a binary with
//! `#[global_allocator] static A: spindle_benches::alloc::Counting = spindle_benches::alloc::Counting;`.
//! It counts only while a [`Window`] is open (a relaxed flag load is all it
//! costs otherwise, so it does not tax the timed rows), and then keeps the
//! *net* number of requested bytes: allocations minus frees, by any thread,
//! since the window opened. Allocator overhead (malloc chunk headers,
//! rounding) is not included.

use std::alloc::{GlobalAlloc, Layout};

#[cfg(not(feature = "mimalloc"))]
use std::alloc::System as Inner;

#[cfg(feature = "mimalloc")]
use mimalloc::MiMalloc as Inner;

/// The allocator underneath [`Counting`]: `"system"` or `"mimalloc"`.
pub const INNER: &str = if cfg!(feature = "mimalloc") { "mimalloc" } else { "system" };
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

static COUNTING: AtomicBool = AtomicBool::new(false);
static NET: AtomicIsize = AtomicIsize::new(0);
/// Set when an allocation of exactly [`PROBE_SIZE`] bytes goes through
/// [`Counting`] (see [`installed`]).
static PROBE_SEEN: AtomicBool = AtomicBool::new(false);
const PROBE_SIZE: usize = 7919;

/// The counting allocator.
#[derive(Debug)]
pub struct Counting;

#[inline]
fn record(delta: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        NET.fetch_add(delta, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `Inner` with the caller's arguments
// unchanged, so `Inner`'s guarantees carry over; the counting on the side
// never touches the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::alloc`'s contract.
        let ptr = unsafe { Inner.alloc(layout) };
        if !ptr.is_null() {
            record(layout.size() as isize);
            if layout.size() == PROBE_SIZE {
                PROBE_SEEN.store(true, Ordering::Relaxed);
            }
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded, as in `alloc`.
        let ptr = unsafe { Inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record(layout.size() as isize);
            if layout.size() == PROBE_SIZE {
                PROBE_SEEN.store(true, Ordering::Relaxed);
            }
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; `ptr` came from this allocator, i.e. `Inner`.
        unsafe { Inner.dealloc(ptr, layout) };
        record(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded; `ptr` came from `Inner` with `layout`.
        let new = unsafe { Inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            record(new_size as isize - layout.size() as isize);
        }
        new
    }
}

/// While alive, the allocator counts; [`net_bytes`](Window::net_bytes)
/// reads the growth since [`open`](Window::open). One window at a time.
#[derive(Debug)]
pub struct Window(());

impl Window {
    /// Resets the count and starts counting.
    pub fn open() -> Window {
        NET.store(0, Ordering::SeqCst);
        COUNTING.store(true, Ordering::SeqCst);
        Window(())
    }

    /// Net bytes allocated since the window opened.
    pub fn net_bytes(&self) -> isize {
        NET.load(Ordering::SeqCst)
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        COUNTING.store(false, Ordering::SeqCst);
    }
}

/// Whether [`Counting`] is this process's global allocator.
pub fn installed() -> bool {
    // A probe of an unusual size rather than the net count: runtimes left
    // running by earlier tests free memory concurrently, which would make a
    // net count unreliable here.
    let probe = std::hint::black_box(vec![0u8; PROBE_SIZE]);
    drop(probe);
    PROBE_SEEN.load(Ordering::Relaxed)
}
