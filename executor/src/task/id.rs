//! Task ids: unique for the life of the process, cheap to allocate.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;

use crate::sync::{AtomicU64, Ordering};

/// A task's id, unique among all tasks of the process.
///
/// ```
/// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
/// let a = rt.spawn(async {});
/// let b = rt.spawn(async {});
/// assert_ne!(a.id(), b.id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

pub(crate) type TaskId = Id;

/// Ids are handed to threads in blocks, so spawning does not touch a shared
/// counter each time.
const BLOCK: u64 = 1024;

#[cfg(not(spindle_loom))]
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

#[cfg(spindle_loom)]
loom::lazy_static! {
    static ref NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);
}

crate::sync::thread_local! {
    /// The next id to hand out on this thread and the end of its block.
    static LOCAL: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

impl Id {
    pub(crate) fn next() -> Id {
        LOCAL.with(|local| {
            let (mut next, mut end) = local.get();
            if next == end {
                next = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
                end = next + BLOCK;
            }
            local.set((next + 1, end));
            Id(NonZeroU64::new(next).expect("task id counter started at 1"))
        })
    }

    /// Reserves `n` consecutive ids and returns the first: a simulated
    /// runtime numbers its tasks from such a range, so that a task's id
    /// minus the first is its spawn ordinal, the same in every replay.
    pub(crate) fn reserve(n: u64) -> u64 {
        NEXT_BLOCK.fetch_add(n, Ordering::Relaxed)
    }

    /// The id whose number is `n`, if `n` is not zero.
    pub(crate) fn from_u64(n: u64) -> Option<Id> {
        NonZeroU64::new(n).map(Id)
    }

    /// The id as a number.
    ///
    /// ```
    /// # let rt = spindle_executor::Builder::new_current_thread().build().unwrap();
    /// assert!(rt.spawn(async {}).id().as_u64() > 0);
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
