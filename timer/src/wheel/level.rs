//! One level of the wheel (64 slots and an occupancy bitmap) and the pure
//! arithmetic that places a deadline: [`level_for`], [`slot_for`],
//! [`slot_start`].
//!
//! All times here are in *ticks* (`ns >> TICK_SHIFT`, see the
//! [wheel docs](super)). Level `l` has slots `64^l` ticks wide and spans
//! `64^(l+1)` ticks. An entry due at tick `when`, seen from tick `elapsed`,
//! lives on the level of the highest 6-bit group in which `when` and
//! `elapsed` differ, in the slot named by `when`'s bits of that group.

use super::slab::EntryKey;
use super::NUM_LEVELS;

/// Bits of the tick consumed by each level.
pub(crate) const BITS_PER_LEVEL: u32 = 6;

/// Slots per level: one bit each in a `u64` bitmap.
pub(crate) const SLOTS_PER_LEVEL: usize = 1 << BITS_PER_LEVEL;

const SLOT_MASK: u64 = SLOTS_PER_LEVEL as u64 - 1;

/// The head of one list of entries, with a lower bound of their deadlines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) head: Option<EntryKey>,
    /// A lower bound (ns) of the deadlines in this list, `u64::MAX` when
    /// empty. Exact after an insert or a rebuild; a cancel leaves it alone,
    /// so it may be stale-low, which only costs one early look.
    pub(crate) min_deadline: u64,
}

impl Slot {
    pub(crate) const EMPTY: Slot = Slot { head: None, min_deadline: u64::MAX };
}

/// One level: 64 slots and the bitmap of the non-empty ones.
#[derive(Debug)]
pub(crate) struct Level {
    /// Bit `i` set iff `slots[i]` is non-empty.
    occupied: u64,
    /// On the heap: seven levels of 64 slots are 7 KiB per shard.
    slots: Box<[Slot; SLOTS_PER_LEVEL]>,
}

impl Level {
    pub(crate) fn new() -> Level {
        Level { occupied: 0, slots: Box::new([Slot::EMPTY; SLOTS_PER_LEVEL]) }
    }

    /// The lowest non-empty slot.
    ///
    /// The wheel keeps every occupied slot at or after its current position
    /// on each level (slots behind it have been processed), so the lowest set
    /// bit is also the earliest slot: no rotation is needed.
    pub(crate) fn next_occupied(&self) -> Option<usize> {
        if self.occupied == 0 {
            None
        } else {
            Some(self.occupied.trailing_zeros() as usize)
        }
    }

    pub(crate) fn slot(&self, slot: usize) -> &Slot {
        &self.slots[slot]
    }

    /// The slot, for linking into. Callers keep `occupied` in step through
    /// [`Level::sync_occupied`].
    pub(crate) fn slot_mut(&mut self, slot: usize) -> &mut Slot {
        &mut self.slots[slot]
    }

    /// Sets or clears the occupancy bit of `slot` from its list head.
    pub(crate) fn sync_occupied(&mut self, slot: usize) {
        if self.slots[slot].head.is_some() {
            self.occupied |= 1 << slot;
        } else {
            self.occupied &= !(1 << slot);
            self.slots[slot].min_deadline = u64::MAX;
        }
    }

    /// The occupancy bitmap (tests and invariant checks).
    #[cfg(test)]
    pub(crate) fn occupied(&self) -> u64 {
        self.occupied
    }
}

/// The level on which an entry due at tick `when` lives, seen from tick
/// `elapsed` (`when >= elapsed`), or `None` when it lies beyond the wheel's
/// horizon and belongs in the overflow list.
pub(crate) fn level_for(elapsed: u64, when: u64) -> Option<usize> {
    // Or-ing the slot mask makes `when == elapsed` (and any difference within
    // one level-0 span) land on level 0.
    let masked = (elapsed ^ when) | SLOT_MASK;
    let significant = 63 - masked.leading_zeros();
    let level = (significant / BITS_PER_LEVEL) as usize;
    (level < NUM_LEVELS).then_some(level)
}

/// The slot of `level` that holds tick `when`.
pub(crate) fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (level as u32 * BITS_PER_LEVEL)) & SLOT_MASK) as usize
}

/// The first tick covered by `slot` of `level`, seen from tick `elapsed`.
pub(crate) fn slot_start(elapsed: u64, level: usize, slot: usize) -> u64 {
    let span_bits = (level as u32 + 1) * BITS_PER_LEVEL;
    let level_start = elapsed & !((1u64 << span_bits) - 1);
    level_start | ((slot as u64) << (level as u32 * BITS_PER_LEVEL))
}

/// Ticks covered by one slot of `level`.
#[cfg(test)]
pub(crate) const fn slot_ticks(level: usize) -> u64 {
    1 << (level as u32 * BITS_PER_LEVEL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_for_boundaries() {
        assert_eq!(level_for(0, 0), Some(0));
        assert_eq!(level_for(0, 63), Some(0));
        assert_eq!(level_for(0, 64), Some(1));
        assert_eq!(level_for(0, 4095), Some(1));
        assert_eq!(level_for(0, 4096), Some(2));
        for level in 0..NUM_LEVELS {
            let first = slot_ticks(level) * SLOTS_PER_LEVEL as u64;
            assert_eq!(level_for(0, first - 1), Some(level), "level {level}");
        }
        let horizon = 1u64 << (BITS_PER_LEVEL * NUM_LEVELS as u32);
        assert_eq!(level_for(0, horizon - 1), Some(NUM_LEVELS - 1));
        assert_eq!(level_for(0, horizon), None, "beyond the horizon");
        assert_eq!(level_for(0, u64::MAX), None);
    }

    #[test]
    fn level_for_is_relative_to_elapsed() {
        // Same 64-tick block: level 0, however far into the block.
        assert_eq!(level_for(64, 127), Some(0));
        // Crossing a level-0 block boundary is level 1 even one tick apart.
        assert_eq!(level_for(63, 64), Some(1));
        assert_eq!(level_for(4095, 4096), Some(2));
    }

    #[test]
    fn slot_for_picks_the_levels_bits() {
        assert_eq!(slot_for(0, 0), 0);
        assert_eq!(slot_for(5, 0), 5);
        assert_eq!(slot_for(64 + 5, 0), 5);
        assert_eq!(slot_for(64 * 3 + 5, 1), 3);
        assert_eq!(slot_for(4096 * 7, 2), 7);
        assert_eq!(slot_for(u64::MAX, NUM_LEVELS - 1), 63);
    }

    #[test]
    fn slot_start_inverts_slot_for() {
        let elapsed = 0x1234_5678_9abc;
        for level in 0..NUM_LEVELS {
            for slot in [0, 1, 17, 63] {
                let start = slot_start(elapsed, level, slot);
                assert_eq!(slot_for(start, level), slot);
                assert_eq!(start % slot_ticks(level), 0, "aligned to the slot");
                // Same higher-level block as `elapsed`.
                let span_bits = (level as u32 + 1) * BITS_PER_LEVEL;
                assert_eq!(start >> span_bits, elapsed >> span_bits);
            }
        }
    }

    #[test]
    fn bitmap_tracks_list_heads() {
        let mut level = Level::new();
        assert_eq!(level.next_occupied(), None);
        level.slot_mut(9).head = Some(crate::wheel::slab::tests_key(0));
        level.slot_mut(9).min_deadline = 5;
        level.sync_occupied(9);
        level.slot_mut(40).head = Some(crate::wheel::slab::tests_key(1));
        level.sync_occupied(40);
        assert_eq!(level.next_occupied(), Some(9));
        level.slot_mut(9).head = None;
        level.sync_occupied(9);
        assert_eq!(level.slot(9).min_deadline, u64::MAX, "empty slots reset");
        assert_eq!(level.next_occupied(), Some(40));
        assert_eq!(level.occupied(), 1 << 40);
    }
}
