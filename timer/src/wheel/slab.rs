//! Storage for wheel entries: a slab whose nodes double as the links of the
//! per-slot doubly linked lists.
//!
//! Each entry lives at a stable [`EntryKey`] from insertion until removal, so
//! the owner of a timer holds a key, not a pointer, and unlinking it from its
//! slot is O(1) without `unsafe`: the node knows its neighbours and its
//! [`Loc`]ation. Vacant slots form a free list, so a steady state of
//! register/cancel does not allocate. Slots come in pages of 1,024 that are
//! freed when their last entry goes (see [`Slab`]), so the memory follows
//! the live timers rather than their peak.
//!
//! A key carries its slot's generation, bumped at each removal: the driver
//! removes the entries it fires, so an owner may still hold the key of an
//! entry that is gone, and [`Slab::contains`] tells it so even after the slot
//! was reused (a 32-bit generation would have to wrap between the fire and
//! the owner's next look for a stale key to match).

use std::fmt;

/// The index of an entry in the wheel's slab, and the slot's generation at
/// insertion.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct EntryKey {
    index: u32,
    generation: u32,
}

impl fmt::Debug for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntryKey({}@{})", self.index, self.generation)
    }
}

/// Where an entry is linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    /// Not in any list: fired, disarmed, or being moved.
    Unarmed,
    /// In slot `slot` of level `level`.
    Slot {
        /// The wheel level.
        level: u8,
        /// The slot within the level.
        slot: u8,
    },
    /// In the overflow list (deadline beyond the wheel's horizon).
    Overflow,
}

/// One entry: its exact deadline, its list links and the caller's payload.
#[derive(Debug)]
pub(crate) struct Node<T> {
    /// Exact deadline in nanoseconds since the wheel's origin.
    pub(crate) deadline: u64,
    pub(crate) prev: Option<EntryKey>,
    pub(crate) next: Option<EntryKey>,
    pub(crate) loc: Loc,
    pub(crate) value: T,
}

impl<T> Node<T> {
    pub(crate) fn new(deadline: u64, value: T) -> Node<T> {
        Node { deadline, prev: None, next: None, loc: Loc::Unarmed, value }
    }
}

#[derive(Debug)]
enum Entry<T> {
    /// A free slot; links to the next free slot's offset in its page.
    Vacant(Option<u16>),
    Occupied(Node<T>),
}

/// A slot: its entry and its generation.
#[derive(Debug)]
struct SlabSlot<T> {
    generation: u32,
    entry: Entry<T>,
}

/// log2 of the slots per page. Tests use tiny pages, so that every test
/// (the wheel's model test included) crosses page boundaries and frees and
/// re-creates pages.
const PAGE_BITS: u32 = if cfg!(test) { 3 } else { 10 };
/// Slots per page: 1,024 (about 64 KiB of nodes) outside tests.
const PAGE: usize = 1 << PAGE_BITS;

/// Up to [`PAGE`] slots, allocated as they are first used.
#[derive(Debug)]
struct Page<T> {
    slots: Vec<SlabSlot<T>>,
    /// Head of this page's free list.
    free: Option<u16>,
    len: usize,
    /// Position in [`Slab::open`] while the page has a vacant slot.
    open_at: Option<usize>,
    /// Above every generation a key into this page was given.
    next_generation: u32,
}

impl<T> Page<T> {
    fn is_full(&self) -> bool {
        self.free.is_none() && self.slots.len() == PAGE
    }
}

/// A slab of [`Node`]s with a free list, in pages that are freed when their
/// last entry goes: after a burst of timers (a connection timeout for each
/// of a million connections, say), the memory goes back with the timers
/// instead of staying at the peak. A long-lived entry keeps only its page.
///
/// An empty page is kept while it is the only page with room, so a steady
/// register/cancel cycle at a page boundary does not allocate and free in
/// turn. A page's slots start, when the page is (re)created, above every
/// generation its keys had before, so a stale key never matches.
#[derive(Debug)]
pub(crate) struct Slab<T> {
    pages: Vec<Option<Page<T>>>,
    /// Per page index, the generation its slots start at when created.
    first_generation: Vec<u32>,
    /// Pages with a vacant slot; inserts go to the last.
    open: Vec<u32>,
    /// Indices of freed pages, for reuse.
    unused: Vec<u32>,
    len: usize,
}

fn split(index: u32) -> (usize, usize) {
    ((index >> PAGE_BITS) as usize, index as usize & (PAGE - 1))
}

impl<T> Slab<T> {
    pub(crate) fn new() -> Slab<T> {
        Slab { pages: Vec::new(), first_generation: Vec::new(), open: Vec::new(), unused: Vec::new(), len: 0 }
    }

    /// Number of occupied entries.
    #[cfg(any(test, spindle_loom))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of allocated pages (tests only).
    #[cfg(test)]
    fn allocated_pages(&self) -> usize {
        self.pages.iter().filter(|p| p.is_some()).count()
    }

    pub(crate) fn insert(&mut self, node: Node<T>) -> EntryKey {
        let p = match self.open.last() {
            Some(&p) => p as usize,
            None => self.new_page(),
        };
        let page = self.pages[p].as_mut().expect("an open page is allocated");
        let offset = match page.free {
            Some(offset) => {
                let slot = &mut page.slots[offset as usize];
                match std::mem::replace(&mut slot.entry, Entry::Occupied(node)) {
                    Entry::Vacant(next) => page.free = next,
                    Entry::Occupied(_) => unreachable!("free list points at occupied slot {p}:{offset}"),
                }
                offset as usize
            }
            None => {
                page.slots.push(SlabSlot { generation: page.next_generation, entry: Entry::Occupied(node) });
                page.slots.len() - 1
            }
        };
        page.len += 1;
        let generation = page.slots[offset].generation;
        if page.is_full() {
            self.close(p);
        }
        self.len += 1;
        EntryKey { index: ((p << PAGE_BITS) | offset) as u32, generation }
    }

    /// Allocates a page (reusing a freed index first) and opens it.
    fn new_page(&mut self) -> usize {
        let p = match self.unused.pop() {
            Some(p) => p as usize,
            None => {
                let p = self.pages.len();
                assert!(
                    p < (u32::MAX as usize >> PAGE_BITS),
                    "more than {} timers registered in one shard",
                    u32::MAX as usize >> PAGE_BITS << PAGE_BITS
                );
                self.pages.push(None);
                self.first_generation.push(0);
                p
            }
        };
        let generation = self.first_generation[p];
        self.pages[p] =
            Some(Page { slots: Vec::new(), free: None, len: 0, open_at: None, next_generation: generation });
        self.open_page(p);
        p
    }

    fn open_page(&mut self, p: usize) {
        let page = self.pages[p].as_mut().expect("opening an allocated page");
        debug_assert!(page.open_at.is_none());
        page.open_at = Some(self.open.len());
        self.open.push(p as u32);
    }

    /// Takes page `p` out of [`Slab::open`] (O(1): the last open page moves
    /// into its place).
    fn close(&mut self, p: usize) {
        let at = self.pages[p].as_mut().and_then(|page| page.open_at.take()).expect("closing an open page");
        self.open.swap_remove(at);
        if let Some(&moved) = self.open.get(at) {
            self.pages[moved as usize].as_mut().expect("an open page is allocated").open_at = Some(at);
        }
    }

    /// Whether `key` names a live entry (not one removed since, even if its
    /// slot or page was reused).
    pub(crate) fn contains(&self, key: EntryKey) -> bool {
        self.slot(key).is_some_and(|slot| slot.generation == key.generation && matches!(slot.entry, Entry::Occupied(_)))
    }

    fn slot(&self, key: EntryKey) -> Option<&SlabSlot<T>> {
        let (p, offset) = split(key.index);
        self.pages.get(p)?.as_ref()?.slots.get(offset)
    }

    pub(crate) fn remove(&mut self, key: EntryKey) -> Node<T> {
        assert!(self.contains(key), "removing vacant timer entry {key:?}");
        let (p, offset) = split(key.index);
        let page = self.pages[p].as_mut().expect("checked live above");
        let slot = &mut page.slots[offset];
        slot.generation = slot.generation.wrapping_add(1);
        page.next_generation = page.next_generation.max(slot.generation);
        let Entry::Occupied(node) = std::mem::replace(&mut slot.entry, Entry::Vacant(page.free)) else {
            unreachable!("checked occupied above")
        };
        page.free = Some(offset as u16);
        page.len -= 1;
        self.len -= 1;
        let (empty, was_full) = (page.len == 0, page.open_at.is_none());
        if was_full {
            self.open_page(p);
        }
        if empty && self.open.len() > 1 {
            self.free_page(p);
        }
        node
    }

    /// Frees empty page `p`, noting where its generations resume.
    fn free_page(&mut self, p: usize) {
        self.close(p);
        let page = self.pages[p].take().expect("freeing an allocated page");
        self.first_generation[p] = page.next_generation.wrapping_add(1);
        self.unused.push(p as u32);
    }

    pub(crate) fn get(&self, key: EntryKey) -> &Node<T> {
        match self.slot(key) {
            Some(SlabSlot { generation, entry: Entry::Occupied(node) }) if *generation == key.generation => node,
            _ => panic!("timer entry {key:?} is vacant"),
        }
    }

    pub(crate) fn get_mut(&mut self, key: EntryKey) -> &mut Node<T> {
        let (p, offset) = split(key.index);
        let slot = self.pages.get_mut(p).and_then(Option::as_mut).and_then(|page| page.slots.get_mut(offset));
        match slot {
            Some(SlabSlot { generation, entry: Entry::Occupied(node) }) if *generation == key.generation => node,
            _ => panic!("timer entry {key:?} is vacant"),
        }
    }

    /// Every occupied key (tests only: O(capacity)).
    #[cfg(test)]
    pub(crate) fn keys(&self) -> impl Iterator<Item = EntryKey> + '_ {
        self.pages.iter().enumerate().filter_map(|(p, page)| page.as_ref().map(|page| (p, page))).flat_map(
            |(p, page)| {
                page.slots.iter().enumerate().filter_map(move |(offset, slot)| match slot.entry {
                    Entry::Occupied(_) => {
                        Some(EntryKey { index: ((p << PAGE_BITS) | offset) as u32, generation: slot.generation })
                    }
                    Entry::Vacant(_) => None,
                })
            },
        )
    }
}

/// A key for tests that build lists by hand.
#[cfg(test)]
pub(crate) fn tests_key(index: u32) -> EntryKey {
    EntryKey { index, generation: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_list_reuses_slots() {
        let mut slab = Slab::new();
        let a = slab.insert(Node::new(1, 'a'));
        let b = slab.insert(Node::new(2, 'b'));
        assert_eq!(slab.len(), 2);
        assert_eq!(slab.remove(a).value, 'a');
        let c = slab.insert(Node::new(3, 'c'));
        assert_eq!(c.index, a.index, "a freed slot is reused before the slab grows");
        assert_ne!(c, a, "with a new generation");
        assert!(!slab.contains(a), "the old key is stale");
        assert!(slab.contains(b) && slab.contains(c));
        assert_eq!(slab.get(b).deadline, 2);
        assert_eq!(slab.get(c).value, 'c');
        assert_eq!(slab.len(), 2);
    }

    #[test]
    fn pages_follow_the_live_entries() {
        let mut slab = Slab::new();
        let keys: Vec<_> = (0..5 * PAGE as u64).map(|i| slab.insert(Node::new(i, i))).collect();
        assert_eq!(slab.allocated_pages(), 5);
        for &key in &keys {
            slab.remove(key);
        }
        assert_eq!(slab.len(), 0);
        assert_eq!(slab.allocated_pages(), 1, "only the last page with room is kept");
        // Refill: pages come back, and no old key names a new entry.
        let again: Vec<_> = (0..5 * PAGE as u64).map(|i| slab.insert(Node::new(i, i))).collect();
        assert_eq!(slab.allocated_pages(), 5);
        assert!(keys.iter().all(|&k| !slab.contains(k)), "a key from a freed page is stale");
        assert!(again.iter().all(|&k| slab.contains(k)));
        for (i, &key) in again.iter().enumerate() {
            assert_eq!(slab.get(key).value, i as u64);
        }
    }

    #[test]
    fn a_long_lived_entry_keeps_only_its_page() {
        let mut slab = Slab::new();
        let keys: Vec<_> = (0..4 * PAGE).map(|i| slab.insert(Node::new(i as u64, i))).collect();
        let survivor = keys[2 * PAGE + 1];
        for &key in keys.iter().filter(|&&k| k != survivor) {
            slab.remove(key);
        }
        assert!(slab.allocated_pages() <= 2, "{} pages for one entry", slab.allocated_pages());
        assert_eq!(slab.get(survivor).value, 2 * PAGE + 1);
    }

    #[test]
    #[should_panic(expected = "is vacant")]
    fn stale_key_into_a_recreated_page_panics() {
        let mut slab = Slab::new();
        let first: Vec<_> = (0..PAGE).map(|i| slab.insert(Node::new(i as u64, ()))).collect();
        let _other = slab.insert(Node::new(0, ())); // a second page, open
        for &key in &first {
            slab.remove(key);
        }
        assert_eq!(slab.allocated_pages(), 1, "the emptied first page is freed");
        // Fill the open page, then the first page's index comes back.
        for _ in 0..2 * PAGE {
            slab.insert(Node::new(0, ()));
        }
        assert!(first.iter().all(|&k| !slab.contains(k)));
        slab.get(first[0]);
    }

    #[test]
    #[should_panic(expected = "is vacant")]
    fn stale_key_of_a_reused_slot_panics() {
        let mut slab = Slab::new();
        let a = slab.insert(Node::new(1, ()));
        slab.remove(a);
        let _b = slab.insert(Node::new(2, ()));
        slab.get(a);
    }

    #[test]
    #[should_panic(expected = "is vacant")]
    fn vacant_access_panics() {
        let mut slab = Slab::new();
        let a = slab.insert(Node::new(1, ()));
        slab.remove(a);
        slab.get(a);
    }
}
