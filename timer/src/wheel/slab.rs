//! Storage for wheel entries: a slab whose nodes double as the links of the
//! per-slot doubly linked lists.
//!
//! Each entry lives at a stable [`EntryKey`] from insertion until removal, so
//! the owner of a timer holds a key, not a pointer, and unlinking it from its
//! slot is O(1) without `unsafe`: the node knows its neighbours and its
//! [`Loc`]ation. Vacant slots form a free list, so a steady state of
//! register/cancel does not allocate.
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
    /// A free slot; links to the next free slot's index.
    Vacant(Option<u32>),
    Occupied(Node<T>),
}

/// A slot: its entry and its generation.
#[derive(Debug)]
struct SlabSlot<T> {
    generation: u32,
    entry: Entry<T>,
}

/// A slab of [`Node`]s with a free list.
#[derive(Debug)]
pub(crate) struct Slab<T> {
    slots: Vec<SlabSlot<T>>,
    free: Option<u32>,
    len: usize,
}

impl<T> Slab<T> {
    pub(crate) fn new() -> Slab<T> {
        Slab { slots: Vec::new(), free: None, len: 0 }
    }

    /// Number of occupied entries.
    #[cfg(any(test, spindle_loom))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn insert(&mut self, node: Node<T>) -> EntryKey {
        self.len += 1;
        match self.free {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                match std::mem::replace(&mut slot.entry, Entry::Occupied(node)) {
                    Entry::Vacant(next) => self.free = next,
                    Entry::Occupied(_) => unreachable!("free list points at occupied slot {index}"),
                }
                EntryKey { index, generation: slot.generation }
            }
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&i| i != u32::MAX)
                    .expect("more than u32::MAX - 1 timers registered in one shard");
                self.slots.push(SlabSlot { generation: 0, entry: Entry::Occupied(node) });
                EntryKey { index, generation: 0 }
            }
        }
    }

    /// Whether `key` names a live entry (not one removed since, even if its
    /// slot was reused).
    pub(crate) fn contains(&self, key: EntryKey) -> bool {
        self.slots
            .get(key.index as usize)
            .is_some_and(|slot| slot.generation == key.generation && matches!(slot.entry, Entry::Occupied(_)))
    }

    pub(crate) fn remove(&mut self, key: EntryKey) -> Node<T> {
        assert!(self.contains(key), "removing vacant timer entry {key:?}");
        let slot = &mut self.slots[key.index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        let Entry::Occupied(node) = std::mem::replace(&mut slot.entry, Entry::Vacant(self.free)) else {
            unreachable!("checked occupied above")
        };
        self.free = Some(key.index);
        self.len -= 1;
        node
    }

    pub(crate) fn get(&self, key: EntryKey) -> &Node<T> {
        let slot = &self.slots[key.index as usize];
        match &slot.entry {
            Entry::Occupied(node) if slot.generation == key.generation => node,
            _ => panic!("timer entry {key:?} is vacant"),
        }
    }

    pub(crate) fn get_mut(&mut self, key: EntryKey) -> &mut Node<T> {
        let slot = &mut self.slots[key.index as usize];
        match &mut slot.entry {
            Entry::Occupied(node) if slot.generation == key.generation => node,
            _ => panic!("timer entry {key:?} is vacant"),
        }
    }

    /// Every occupied key (tests only: O(capacity)).
    #[cfg(test)]
    pub(crate) fn keys(&self) -> impl Iterator<Item = EntryKey> + '_ {
        self.slots.iter().enumerate().filter_map(|(i, slot)| match slot.entry {
            Entry::Occupied(_) => Some(EntryKey { index: i as u32, generation: slot.generation }),
            Entry::Vacant(_) => None,
        })
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
