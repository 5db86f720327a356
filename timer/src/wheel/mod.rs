//! The hierarchical timing wheel: a plain data structure, no threads, no
//! clock. Time is passed in as nanoseconds since an origin the caller picks.
//!
//! See [`Wheel`] for the geometry and the algorithm.

mod level;
mod slab;
#[cfg(test)]
mod tests;

use self::level::{level_for, slot_for, slot_start, Level, Slot};
pub(crate) use self::slab::EntryKey;
use self::slab::{Loc, Node, Slab};

/// log2 of the level-0 slot width in nanoseconds: one tick is 2^16 ns
/// (65.536 µs).
pub(crate) const TICK_SHIFT: u32 = 16;

/// Number of 64-slot levels.
pub(crate) const NUM_LEVELS: usize = 7;

/// Nanoseconds spanned by the whole wheel (2^58 ns, about 9.13 years),
/// derived from the geometry. Deadlines outside the `HORIZON_NS`-aligned
/// block that holds the current time go to the overflow list.
pub(crate) const HORIZON_NS: u64 = 1 << (TICK_SHIFT + level::BITS_PER_LEVEL * NUM_LEVELS as u32);

/// Ticks spanned by the whole wheel.
const HORIZON_TICKS: u64 = HORIZON_NS >> TICK_SHIFT;

/// Converts nanoseconds to ticks (rounding down).
fn ticks(ns: u64) -> u64 {
    ns >> TICK_SHIFT
}

/// A hierarchical timing wheel (Varghese & Lauck, "Hashed and Hierarchical
/// Timing Wheels", SOSP 1987; the layout follows tokio's `time::wheel`).
///
/// # Geometry
///
/// Seven levels of 64 slots over a tick of 2^16 ns:
///
/// | level | slot width        | level span (64 slots) |
/// |-------|-------------------|-----------------------|
/// | 0     | 2^16 ns = 65.5 µs | 4.19 ms               |
/// | 1     | 2^22 ns = 4.19 ms | 268 ms                |
/// | 2     | 2^28 ns = 268 ms  | 17.2 s                |
/// | 3     | 2^34 ns = 17.2 s  | 18.3 min              |
/// | 4     | 2^40 ns = 18.3 min| 19.5 h                |
/// | 5     | 2^46 ns = 19.5 h  | 52.1 days             |
/// | 6     | 2^52 ns = 52.1 d  | 2^58 ns = 9.13 years  |
/// | overflow | one list       | anything beyond       |
///
/// # Why this tick and this many levels
///
/// The precision target (p50 lateness ≤ 50 µs) rules out tokio's 1 ms tick
/// if the park timeout is rounded to a tick. Here it is not: every slot keeps
/// a lower bound of its entries' exact deadlines (`Slot::min_deadline`),
/// and [`Wheel::next_expiration`] returns that bound, so the driver sleeps to
/// the exact nanosecond and the tick never adds lateness. The tick only sets
/// how many entries share a level-0 slot (and are looked at again when it
/// fires) and how often an entry cascades; 65.5 µs is about one thread
/// wake-up, so a level-0 slot rarely holds entries that fire at visibly
/// different moments. Seven levels then reach 9.13 years; the overflow list
/// holds the rest, chiefly `Duration::MAX` sleeps, which saturate to about
/// 30 years.
///
/// # Placement
///
/// `elapsed` is the tick the wheel has been advanced to. An entry due at
/// tick `when >= elapsed` lives on the level of the highest 6-bit group in
/// which `when` and `elapsed` differ ([`level::level_for`]), in the slot of
/// `when`'s bits of that group. So every entry of level `l` is earlier than
/// every entry of level `l + 1`, and within a level a lower slot is earlier:
/// the earliest entry sits in the lowest occupied slot of the lowest
/// non-empty level, found with one `trailing_zeros` per level. An entry whose
/// deadline is already behind `elapsed` goes to the current level-0 slot.
///
/// # Advancing
///
/// [`Wheel::advance_bounded`] takes the earliest slot while it is due and empties it:
/// entries whose exact deadline is `<= now` fire, the others are linked again
/// relative to the slot's start, which puts them on a lower level
/// (cascading) or, for the level-0 slot of the current tick, back where they
/// were. A level-0 slot is due when its `min_deadline <= now`; a higher slot
/// (or the overflow list) when its first tick is `<= now`'s tick, because
/// `elapsed` may not pass a slot that still holds entries. Nothing fires
/// before its deadline, and each entry cascades at most once per level.
///
/// A crowded slot above level 0 (thousands of timers set for the same few
/// milliseconds) cascades in place, one entry at a time, so a batch can stop
/// part way through it: the caller's lock is then released between batches,
/// and timers registered or cancelled meanwhile do not wait for the whole
/// slot. Until it is empty that slot is `cascading`: its remaining entries
/// may be earlier than level 0's (they have not moved down yet), so the next
/// batch resumes it first and [`Wheel::next_expiration`] counts it. Nothing
/// new is linked into it meanwhile: `elapsed` is its first tick, so every
/// deadline it covers now belongs to a lower level.
///
/// Insert, cancel ([`Wheel::remove`], [`Wheel::disarm`]) and
/// [`Wheel::reset`] are O(1): entries live in a slab and link to their
/// neighbours by index.
#[derive(Debug)]
pub(crate) struct Wheel<T> {
    /// The tick the wheel has been advanced to.
    elapsed: u64,
    levels: Box<[Level]>,
    /// Entries whose deadline lies outside the horizon block of `elapsed`.
    overflow: Slot,
    entries: Slab<T>,
    /// Number of entries linked into a slot or the overflow list.
    armed: usize,
    /// A slot above level 0 that [`Wheel::advance_bounded`] stopped
    /// cascading part way through (see "Advancing").
    cascading: Option<Loc>,
}

/// The earliest non-empty list, as [`Wheel::advance_bounded`] sees it.
#[derive(Clone, Copy, Debug)]
struct Expiration {
    loc: Loc,
    /// First tick the list covers (for the overflow list: the first tick of
    /// the horizon block that holds its earliest entry).
    start: u64,
    /// Lower bound of the deadlines in the list (ns).
    min_deadline: u64,
}

impl<T> Wheel<T> {
    /// An empty wheel at time 0.
    pub(crate) fn new() -> Wheel<T> {
        Wheel {
            elapsed: 0,
            levels: (0..NUM_LEVELS).map(|_| Level::new()).collect(),
            overflow: Slot::EMPTY,
            entries: Slab::new(),
            armed: 0,
            cascading: None,
        }
    }

    /// Number of armed entries (linked, waiting to fire).
    #[cfg(any(test, spindle_loom))]
    pub(crate) fn armed(&self) -> usize {
        self.armed
    }

    /// Number of entries in the slab, armed or not.
    #[cfg(any(test, spindle_loom))]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds an armed entry due at `deadline` (ns). O(1).
    pub(crate) fn insert(&mut self, deadline: u64, value: T) -> EntryKey {
        let key = self.entries.insert(Node::new(deadline, value));
        self.link(key);
        key
    }

    /// Removes an entry, armed or not, and returns its payload. O(1).
    pub(crate) fn remove(&mut self, key: EntryKey) -> T {
        self.unlink(key);
        self.entries.remove(key).value
    }

    /// Re-arms an entry with a new deadline, armed or disarmed. O(1).
    pub(crate) fn reset(&mut self, key: EntryKey, deadline: u64) {
        self.unlink(key);
        self.entries.get_mut(key).deadline = deadline;
        self.link(key);
    }

    /// Changes the deadline of an unarmed entry without arming it.
    pub(crate) fn reset_deadline(&mut self, key: EntryKey, deadline: u64) {
        let node = self.entries.get_mut(key);
        debug_assert_eq!(node.loc, Loc::Unarmed, "{key:?} is armed");
        node.deadline = deadline;
    }

    /// Unlinks an entry without firing it; returns whether it was armed. O(1).
    pub(crate) fn disarm(&mut self, key: EntryKey) -> bool {
        self.unlink(key)
    }

    /// Whether the entry is armed.
    #[cfg(test)]
    pub(crate) fn is_armed(&self, key: EntryKey) -> bool {
        self.entries.get(key).loc != Loc::Unarmed
    }

    /// Whether `key` names an entry still in the wheel, armed or not: `false`
    /// once it was removed, by its owner or by firing.
    pub(crate) fn contains(&self, key: EntryKey) -> bool {
        self.entries.contains(key)
    }

    /// The entry's deadline (ns).
    pub(crate) fn deadline(&self, key: EntryKey) -> u64 {
        self.entries.get(key).deadline
    }

    /// The entry's payload.
    pub(crate) fn get_mut(&mut self, key: EntryKey) -> &mut T {
        &mut self.entries.get_mut(key).value
    }

    /// A lower bound of the earliest armed deadline (ns), `None` when no
    /// entry is armed. Exact unless the earliest entry of its slot was
    /// cancelled since the slot was last rebuilt, or a batch stopped part
    /// way through cascading a slot (its bound still covers the entries that
    /// moved down); always `> now` after an `advance(now)` that returned
    /// `false`. O(levels).
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        let regular = self.earliest_list().map(|e| e.min_deadline);
        let cascading = self.cascading_list().map(|e| e.min_deadline);
        match (regular, cascading) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires every armed entry whose deadline is `<= now` (ns): each is
    /// removed from the slab (its key goes stale: see [`Wheel::contains`]),
    /// then handed to `fire`. Never fires an entry early.
    #[cfg(test)]
    pub(crate) fn advance(&mut self, now: u64, fire: impl FnMut(EntryKey, T)) {
        let more = self.advance_bounded(now, usize::MAX, fire);
        debug_assert!(!more);
    }

    /// `Wheel::advance` in batches: handles (fires, or links lower) about
    /// `limit` entries, at least one, and returns `true` when due entries may
    /// remain (call again with the same or a later `now`). A level-0 slot or
    /// the overflow list is processed whole, so a batch is `limit` plus at
    /// most one such list; a slot above level 0 stops part way (it is then
    /// `cascading`). The caller releases its lock between batches.
    pub(crate) fn advance_bounded(&mut self, now: u64, limit: usize, mut fire: impl FnMut(EntryKey, T)) -> bool {
        let now_tick = ticks(now);
        let mut handled = 0;
        while let Some(exp) = self.next_list() {
            let due = match exp.loc {
                Loc::Slot { level: 0, .. } => exp.min_deadline <= now,
                _ => exp.start <= now_tick,
            };
            if !due {
                break;
            }
            if handled > 0 && handled >= limit {
                // `elapsed` stays behind the lists still due.
                return true;
            }
            self.elapsed = self.elapsed.max(exp.start);
            if let Loc::Slot { level: 1.., .. } = exp.loc {
                // Cascade in place: every entry moves to a lower level (or
                // fires), never back into this slot, so popping the head
                // until the slot is empty visits each entry once.
                while let Some(key) = self.list_mut(exp.loc).head {
                    self.unlink(key);
                    self.fire_or_link(key, now, &mut fire);
                    handled += 1;
                    if handled >= limit && self.list_mut(exp.loc).head.is_some() {
                        self.cascading = Some(exp.loc);
                        return true;
                    }
                }
                self.cascading = None;
                continue;
            }
            let mut cursor = self.take_list(exp.loc);
            while let Some(key) = cursor {
                cursor = self.detach(key);
                self.fire_or_link(key, now, &mut fire);
                handled += 1;
            }
        }
        // Safe to move up to `now`: the loop stopped at a list that starts
        // after `now_tick` (or is the level-0 slot of `now_tick` itself), and
        // every other list starts later still.
        self.elapsed = self.elapsed.max(now_tick);
        false
    }

    /// Detaches `key` from a list already taken out of its slot
    /// ([`take_list`](Self::take_list)): clears its links, marks it
    /// unarmed, and returns the entry after it in that list.
    fn detach(&mut self, key: EntryKey) -> Option<EntryKey> {
        let node = self.entries.get_mut(key);
        let next = node.next;
        node.prev = None;
        node.next = None;
        node.loc = Loc::Unarmed;
        self.armed -= 1;
        next
    }

    /// An unlinked entry during an advance to `now`: fires it (removing it
    /// from the slab) if due, else links it where its deadline now belongs.
    fn fire_or_link(&mut self, key: EntryKey, now: u64, fire: &mut impl FnMut(EntryKey, T)) {
        if self.entries.get(key).deadline <= now {
            fire(key, self.entries.remove(key).value);
        } else {
            self.link(key);
        }
    }

    /// Unlinks every armed entry without firing it, handing each to `f`.
    pub(crate) fn disarm_all(&mut self, mut f: impl FnMut(EntryKey, &mut T)) {
        while let Some(exp) = self.next_list() {
            let mut cursor = self.take_list(exp.loc);
            while let Some(key) = cursor {
                cursor = self.detach(key);
                f(key, &mut self.entries.get_mut(key).value);
            }
        }
        self.cascading = None;
    }

    /// The list to advance next: the `cascading` slot while it holds
    /// entries, else [`Wheel::earliest_list`].
    fn next_list(&self) -> Option<Expiration> {
        self.cascading_list().or_else(|| self.earliest_list())
    }

    /// The slot a batch stopped cascading part way, if entries remain in it.
    fn cascading_list(&self) -> Option<Expiration> {
        match self.cascading? {
            loc @ Loc::Slot { level, slot } => {
                let (level, slot) = (level as usize, slot as usize);
                let list = self.levels[level].slot(slot);
                list.head.map(|_| Expiration {
                    loc,
                    start: slot_start(self.elapsed, level, slot),
                    min_deadline: list.min_deadline,
                })
            }
            Loc::Overflow | Loc::Unarmed => None,
        }
    }

    /// The earliest non-empty list: the lowest occupied slot of the lowest
    /// non-empty level, else the overflow list.
    fn earliest_list(&self) -> Option<Expiration> {
        for (level, lvl) in self.levels.iter().enumerate() {
            if let Some(slot) = lvl.next_occupied() {
                return Some(Expiration {
                    loc: Loc::Slot { level: level as u8, slot: slot as u8 },
                    start: slot_start(self.elapsed, level, slot),
                    min_deadline: lvl.slot(slot).min_deadline,
                });
            }
        }
        self.overflow.head.map(|_| {
            let next_block = (self.elapsed / HORIZON_TICKS + 1).saturating_mul(HORIZON_TICKS);
            let min_block = ticks(self.overflow.min_deadline) / HORIZON_TICKS * HORIZON_TICKS;
            Expiration {
                loc: Loc::Overflow,
                start: next_block.max(min_block),
                min_deadline: self.overflow.min_deadline,
            }
        })
    }

    fn list_mut(&mut self, loc: Loc) -> &mut Slot {
        match loc {
            Loc::Slot { level, slot } => self.levels[level as usize].slot_mut(slot as usize),
            Loc::Overflow => &mut self.overflow,
            Loc::Unarmed => unreachable!("an unarmed entry has no list"),
        }
    }

    /// Updates the occupancy bit of the list at `loc` after its head changed.
    fn sync_list(&mut self, loc: Loc) {
        match loc {
            Loc::Slot { level, slot } => self.levels[level as usize].sync_occupied(slot as usize),
            Loc::Overflow => {
                if self.overflow.head.is_none() {
                    self.overflow.min_deadline = u64::MAX;
                }
            }
            Loc::Unarmed => {}
        }
    }

    /// Detaches a whole list; its nodes still carry their old links and loc.
    fn take_list(&mut self, loc: Loc) -> Option<EntryKey> {
        let head = std::mem::replace(self.list_mut(loc), Slot::EMPTY).head;
        self.sync_list(loc);
        head
    }

    /// Links an unarmed entry into the list its deadline belongs to.
    fn link(&mut self, key: EntryKey) {
        let node = self.entries.get(key);
        debug_assert_eq!(node.loc, Loc::Unarmed, "{key:?} linked twice");
        let deadline = node.deadline;
        let when = ticks(deadline).max(self.elapsed);
        let loc = match level_for(self.elapsed, when) {
            Some(level) => Loc::Slot { level: level as u8, slot: slot_for(when, level) as u8 },
            None => Loc::Overflow,
        };
        let list = self.list_mut(loc);
        let old_head = list.head.replace(key);
        list.min_deadline = list.min_deadline.min(deadline);
        if let Some(old) = old_head {
            self.entries.get_mut(old).prev = Some(key);
        }
        let node = self.entries.get_mut(key);
        node.prev = None;
        node.next = old_head;
        node.loc = loc;
        self.sync_list(loc);
        self.armed += 1;
    }

    /// Unlinks an entry from its list; returns whether it was linked.
    fn unlink(&mut self, key: EntryKey) -> bool {
        let node = self.entries.get_mut(key);
        let loc = std::mem::replace(&mut node.loc, Loc::Unarmed);
        if loc == Loc::Unarmed {
            return false;
        }
        let prev = node.prev.take();
        let next = node.next.take();
        if let Some(next) = next {
            self.entries.get_mut(next).prev = prev;
        }
        match prev {
            Some(prev) => self.entries.get_mut(prev).next = next,
            None => {
                self.list_mut(loc).head = next;
                self.sync_list(loc);
                if next.is_none() && self.cascading == Some(loc) {
                    // Emptied by cancels between batches: nothing left to
                    // resume (a later timer may reuse the slot).
                    self.cascading = None;
                }
            }
        }
        self.armed -= 1;
        true
    }

    /// Checks every structural invariant (tests only; O(entries)).
    #[cfg(test)]
    pub(crate) fn assert_valid(&self) {
        if let Some(loc) = self.cascading {
            assert!(
                matches!(loc, Loc::Slot { level: 1.., .. }) && self.next_list().is_some_and(|e| e.loc == loc),
                "cascading names an empty or level-0 slot: {loc:?}"
            );
        }
        let mut linked = 0;
        let mut lists: Vec<(Loc, Slot)> = vec![(Loc::Overflow, self.overflow)];
        for (level, lvl) in self.levels.iter().enumerate() {
            for slot in 0..level::SLOTS_PER_LEVEL {
                let s = *lvl.slot(slot);
                let bit = lvl.occupied() & (1 << slot) != 0;
                assert_eq!(bit, s.head.is_some(), "bitmap of level {level} slot {slot}");
                if s.head.is_none() {
                    assert_eq!(s.min_deadline, u64::MAX, "empty slot keeps a min");
                }
                lists.push((Loc::Slot { level: level as u8, slot: slot as u8 }, s));
            }
        }
        for (loc, list) in lists {
            let mut prev = None;
            let mut cursor = list.head;
            while let Some(key) = cursor {
                let node = self.entries.get(key);
                assert_eq!(node.loc, loc, "{key:?} in the wrong list");
                assert_eq!(node.prev, prev, "{key:?} back link");
                assert!(list.min_deadline <= node.deadline, "stale-high min");
                if Some(loc) == self.cascading {
                    // Not moved down yet: due at or after `elapsed`, the
                    // slot's first tick.
                    assert!(ticks(node.deadline) >= self.elapsed, "{key:?} behind a cascading slot");
                    linked += 1;
                    prev = Some(key);
                    cursor = node.next;
                    continue;
                }
                let when = ticks(node.deadline).max(self.elapsed);
                let expected = match level_for(self.elapsed, when) {
                    Some(level) => Loc::Slot { level: level as u8, slot: slot_for(when, level) as u8 },
                    None => Loc::Overflow,
                };
                assert_eq!(loc, expected, "{key:?} (deadline {}) misplaced at elapsed {}", node.deadline, self.elapsed);
                linked += 1;
                prev = Some(key);
                cursor = node.next;
            }
        }
        assert_eq!(linked, self.armed, "armed count");
        let unarmed = self.entries.keys().filter(|&k| self.entries.get(k).loc == Loc::Unarmed).count();
        assert_eq!(linked + unarmed, self.entries.len());
    }
}
