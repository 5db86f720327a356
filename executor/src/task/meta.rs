//! What a task remembers about itself for observability: where it was
//! spawned, and, for named tasks, a small block with its name and poll
//! figures. One pointer in the [`Header`](super::Header), no allocation for
//! an unnamed task.
//!
//! ```text
//! Meta (one word, tagged by its low bit)
//!   ...0  &'static Location<'static>      unnamed task: the spawn site
//!   ...1  Box<Named>                       named task: site, name, PollStats
//! ```
//!
//! `Location` and `Named` are both aligned to at least 8, so the low bit is
//! free. The word is written once, before the task is first queued, and
//! read only afterwards; the `Named` block is freed with the cell (`Meta`'s
//! `Drop`). Its [`PollStats`] are written by the thread that polls the task
//! (it holds `RUNNING`) with relaxed stores, and read by dumps with relaxed
//! loads: the figures are each exact, not a consistent snapshot. A named
//! task's poll is timed (two clock reads), except that a worker timing its
//! polls anyway (the poll-time histogram) hands its reading over
//! (`current::take_poll_start`), so such a poll costs one read in all.

use std::fmt;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::metrics_clock;

const NAMED: usize = 1;

/// A task's spawn site, and its name block if it has one.
pub(crate) struct Meta(NonNull<()>);

// SAFETY: `Meta` points either to a `&'static Location` (immutable, `Sync`)
// or to a `Named` it owns, whose fields are immutable or atomics; so it may
// be sent and shared like those.
unsafe impl Send for Meta {}
// SAFETY: as above.
unsafe impl Sync for Meta {}

/// The block of a named task.
#[repr(align(8))]
struct Named {
    location: &'static Location<'static>,
    name: Name,
    stats: PollStats,
}

/// Bytes of a name kept in the block itself (no allocation of its own).
const INLINE_NAME: usize = 22;

/// A task's name: inside the name block when short (most are: "conn-42"),
/// else in an allocation of its own.
enum Name {
    Inline { len: u8, bytes: [u8; INLINE_NAME] },
    Heap(Box<str>),
}

impl Name {
    fn new(name: &str) -> Name {
        if name.len() > INLINE_NAME {
            return Name::Heap(name.into());
        }
        let mut bytes = [0; INLINE_NAME];
        bytes[..name.len()].copy_from_slice(name.as_bytes());
        Name::Inline { len: name.len() as u8, bytes }
    }

    fn as_str(&self) -> &str {
        match self {
            Name::Inline { len, bytes } => std::str::from_utf8(&bytes[..usize::from(*len)])
                .expect("an inline name is the UTF-8 it was copied from"),
            Name::Heap(name) => name,
        }
    }
}

/// Poll figures of a named task; times are `metrics_clock::now` readings (never
/// 0, so 0 means "never").
pub(crate) struct PollStats {
    spawned_at: u64,
    polls: AtomicU64,
    /// When the last poll started (0: never polled).
    last_poll: AtomicU64,
    busy_nanos: AtomicU64,
}

impl PollStats {
    fn new() -> PollStats {
        PollStats {
            spawned_at: metrics_clock::now(),
            polls: AtomicU64::new(0),
            last_poll: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
        }
    }

    /// Notes the start of a poll at `now` (a `metrics_clock::now`). Only the
    /// polling thread (holding `RUNNING`) calls this.
    pub(crate) fn start(&self, now: u64) {
        self.polls.store(self.polls.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        self.last_poll.store(now, Ordering::Relaxed);
    }

    /// Adds the poll from `started` to `ended` to the busy time.
    pub(crate) fn finish(&self, started: u64, ended: u64) {
        let took = ended.saturating_sub(started);
        self.busy_nanos.store(self.busy_nanos.load(Ordering::Relaxed) + took, Ordering::Relaxed);
    }

    pub(crate) fn polls(&self) -> u64 {
        self.polls.load(Ordering::Relaxed)
    }

    /// Time since the spawn, at `now` (a `metrics_clock::now`).
    pub(crate) fn age(&self, now: u64) -> Duration {
        Duration::from_nanos(now.saturating_sub(self.spawned_at))
    }

    /// Time since the last poll started, at `now`.
    pub(crate) fn since_last_poll(&self, now: u64) -> Option<Duration> {
        match self.last_poll.load(Ordering::Relaxed) {
            0 => None,
            at => Some(Duration::from_nanos(now.saturating_sub(at))),
        }
    }

    pub(crate) fn busy(&self) -> Duration {
        Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed))
    }
}

impl Meta {
    /// An unnamed task spawned at `location`: no allocation.
    pub(crate) fn located(location: &'static Location<'static>) -> Meta {
        Meta(NonNull::from(location).cast())
    }

    /// The caller's location (through `#[track_caller]` chains).
    #[track_caller]
    pub(crate) fn caller() -> Meta {
        Meta::located(Location::caller())
    }

    /// A named task: allocates its block.
    pub(crate) fn named(location: &'static Location<'static>, name: &str) -> Meta {
        let named = Box::new(Named { location, name: Name::new(name), stats: PollStats::new() });
        let ptr = Box::into_raw(named) as usize | NAMED;
        // SAFETY: a box pointer with its (free) low bit set is not null.
        Meta(unsafe { NonNull::new_unchecked(ptr as *mut ()) })
    }

    fn named_block(&self) -> Option<&Named> {
        let bits = self.0.as_ptr() as usize;
        if bits & NAMED == 0 {
            return None;
        }
        // SAFETY: a tagged word is a `Box<Named>` that `self` owns until
        // its drop, so it is live for the borrow.
        Some(unsafe { &*((bits & !NAMED) as *const Named) })
    }

    /// Where the task was spawned.
    pub(crate) fn location(&self) -> &'static Location<'static> {
        match self.named_block() {
            Some(named) => named.location,
            // SAFETY: an untagged word is a `&'static Location`.
            None => unsafe { self.0.cast::<Location<'static>>().as_ref() },
        }
    }

    /// The task's name, if it was given one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.named_block().map(|n| n.name.as_str())
    }

    /// The poll figures, kept for named tasks only.
    #[inline]
    pub(crate) fn stats(&self) -> Option<&PollStats> {
        self.named_block().map(|n| &n.stats)
    }
}

impl Drop for Meta {
    fn drop(&mut self) {
        let bits = self.0.as_ptr() as usize;
        if bits & NAMED != 0 {
            // SAFETY: the tagged word came from `Box::into_raw` in `named`,
            // and is dropped once, with the cell.
            drop(unsafe { Box::from_raw((bits & !NAMED) as *mut Named) });
        }
    }
}

impl fmt::Debug for Meta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meta").field("location", &self.location()).field("name", &self.name()).finish()
    }
}

#[cfg(all(test, not(spindle_loom)))]
mod tests {
    use super::*;

    #[test]
    fn located_and_named() {
        let here = Location::caller();
        let a = Meta::located(here);
        assert_eq!(a.location(), here);
        assert!(a.name().is_none() && a.stats().is_none());
        let b = Meta::named(here, "conn-42");
        assert_eq!(b.location(), here);
        assert_eq!(b.name(), Some("conn-42"));
        let stats = b.stats().unwrap();
        assert!(stats.since_last_poll(metrics_clock::now()).is_none());
        let t = metrics_clock::now();
        stats.start(t);
        stats.finish(t, t + 1_000);
        assert_eq!(stats.polls(), 1);
        assert_eq!(stats.busy(), Duration::from_nanos(1_000));
        assert_eq!(stats.since_last_poll(t + 5_000), Some(Duration::from_nanos(5_000)));
        assert_eq!(std::mem::size_of::<Meta>(), 8);
        // Short names live in the block; long ones in an allocation.
        let long = "a-name-longer-than-twenty-two-bytes";
        assert_eq!(Meta::named(here, long).name(), Some(long));
        assert_eq!(Meta::named(here, "").name(), Some(""));
        assert_eq!(Meta::named(here, "é22-bytes-of-utf8-xxx").name(), Some("é22-bytes-of-utf8-xxx"));
        assert!(std::mem::size_of::<Named>() <= 64, "{}", std::mem::size_of::<Named>());
    }
}
