//! Storage for wheel entries: a slab whose nodes double as the links of the
//! per-slot doubly linked lists.
//!
//! Each entry lives at a stable [`EntryKey`] from insertion until removal, so
//! the owner of a timer holds a key, not a pointer, and unlinking it from its
//! slot is O(1) without `unsafe`: the node knows its neighbours and its
//! [`Loc`]ation. Vacant slots form a free list, so a steady state of
//! register/cancel does not allocate.

use std::fmt;

/// The index of an entry in the wheel's slab.
///
/// Keys are handed to exactly one owner (the timer that registered the
/// entry), which gives them back through `Wheel::remove`; a key is never used
/// after that, so keys need no generation counter.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct EntryKey(u32);

impl fmt::Debug for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EntryKey({})", self.0)
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
    /// A free slot; links to the next free slot.
    Vacant(Option<EntryKey>),
    Occupied(Node<T>),
}

/// A slab of [`Node`]s with a free list.
#[derive(Debug)]
pub(crate) struct Slab<T> {
    entries: Vec<Entry<T>>,
    free: Option<EntryKey>,
    len: usize,
}

impl<T> Slab<T> {
    pub(crate) fn new() -> Slab<T> {
        Slab { entries: Vec::new(), free: None, len: 0 }
    }

    /// Number of occupied entries.
    #[cfg(any(test, spindle_loom))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn insert(&mut self, node: Node<T>) -> EntryKey {
        self.len += 1;
        match self.free {
            Some(key) => {
                let slot = &mut self.entries[key.0 as usize];
                match std::mem::replace(slot, Entry::Occupied(node)) {
                    Entry::Vacant(next) => self.free = next,
                    Entry::Occupied(_) => {
                        unreachable!("free list points at occupied {key:?}")
                    }
                }
                key
            }
            None => {
                let index = u32::try_from(self.entries.len())
                    .ok()
                    .filter(|&i| i != u32::MAX)
                    .expect("more than u32::MAX - 1 timers registered in one shard");
                self.entries.push(Entry::Occupied(node));
                EntryKey(index)
            }
        }
    }

    pub(crate) fn remove(&mut self, key: EntryKey) -> Node<T> {
        let slot = &mut self.entries[key.0 as usize];
        match std::mem::replace(slot, Entry::Vacant(self.free)) {
            Entry::Occupied(node) => {
                self.free = Some(key);
                self.len -= 1;
                node
            }
            Entry::Vacant(next) => {
                // Put the slot back as it was before reporting the bug.
                *slot = Entry::Vacant(next);
                panic!("removing vacant timer entry {key:?}")
            }
        }
    }

    pub(crate) fn get(&self, key: EntryKey) -> &Node<T> {
        match &self.entries[key.0 as usize] {
            Entry::Occupied(node) => node,
            Entry::Vacant(_) => panic!("timer entry {key:?} is vacant"),
        }
    }

    pub(crate) fn get_mut(&mut self, key: EntryKey) -> &mut Node<T> {
        match &mut self.entries[key.0 as usize] {
            Entry::Occupied(node) => node,
            Entry::Vacant(_) => panic!("timer entry {key:?} is vacant"),
        }
    }

    /// Every occupied key (tests only: O(capacity)).
    #[cfg(test)]
    pub(crate) fn keys(&self) -> impl Iterator<Item = EntryKey> + '_ {
        self.entries.iter().enumerate().filter_map(|(i, e)| match e {
            Entry::Occupied(_) => Some(EntryKey(i as u32)),
            Entry::Vacant(_) => None,
        })
    }
}

/// A key for tests that build lists by hand.
#[cfg(test)]
pub(crate) fn tests_key(index: u32) -> EntryKey {
    EntryKey(index)
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
        assert_eq!(c, a, "a freed slot is reused before the slab grows");
        assert_eq!(slab.get(b).deadline, 2);
        assert_eq!(slab.get(c).value, 'c');
        assert_eq!(slab.len(), 2);
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
