//! The waiting core shared by every primitive: a FIFO queue of waiters kept
//! in a slab with generations (no `unsafe`, no intrusive pointers).
//!
//! A primitive keeps one `WaitList` inside its internal lock, next to the
//! state it protects. A waiting future owns a [`WaitKey`] into the list and
//! goes through three states:
//!
//! | state | in the FIFO | who moves it on |
//! |---|---|---|
//! | queued | yes | the primitive, with [`WaitList::wake_front`] / [`WaitList::wake_all`] (→ woken) |
//! | woken | no, the slot kept with its data | the future: it reads the data and [`WaitList::remove`]s the slot |
//! | free | no | [`WaitList::push_back`] reuses it, with the generation bumped |
//!
//! Only the future that owns a key removes its slot: on completion, or in
//! its `Drop` (cancellation). A removed slot hands back its data and whether
//! it had been woken, so the primitive can pass on what the cancelled
//! waiter was given (permits, a notification). Waking hands the waker out
//! instead of calling it, so the caller wakes after releasing its lock.
//! A waiter's waker is stored once and replaced only when the new one
//! would not wake the same task ([`WaitList::register`]). Freed slots are
//! reused (most recently freed first); the slab keeps its peak length, one
//! small slot per waiter that was ever queued at once.

use std::task::Waker;

/// Marks the end of the FIFO and of the free list.
const NIL: u32 = u32::MAX;

/// A waiter's handle on its slot: index plus the generation it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WaitKey {
    index: u32,
    generation: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotState {
    Free,
    Queued,
    Woken,
}

#[derive(Debug)]
struct Slot<T> {
    generation: u32,
    state: SlotState,
    /// FIFO neighbours while queued; `next` links the free list while free.
    prev: u32,
    next: u32,
    waker: Option<Waker>,
    data: Option<T>,
}

/// A FIFO of waiters, each with a waker and some data `T` (what it asked
/// for, what it was given).
///
/// # Invariant
///
/// `head`..`tail` through `next` visits exactly the queued slots, oldest
/// first; `free` through `next` visits exactly the free slots. A slot's
/// `data` is `Some` unless it is free.
#[derive(Debug)]
pub(crate) struct WaitList<T> {
    slots: Vec<Slot<T>>,
    head: u32,
    tail: u32,
    free: u32,
    queued: usize,
}

impl<T> WaitList<T> {
    pub(crate) const fn new() -> WaitList<T> {
        WaitList { slots: Vec::new(), head: NIL, tail: NIL, free: NIL, queued: 0 }
    }

    /// Whether no waiter is queued (woken ones do not count).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Queues a waiter at the back.
    pub(crate) fn push_back(&mut self, data: T, waker: Option<Waker>) -> WaitKey {
        let index = if self.free != NIL {
            let index = self.free;
            self.free = self.slots[index as usize].next;
            index
        } else {
            let index = u32::try_from(self.slots.len()).ok().filter(|&i| i != NIL);
            let index = index.expect("more than u32::MAX - 1 waiters on one primitive");
            self.slots.push(Slot {
                generation: 0,
                state: SlotState::Free,
                prev: NIL,
                next: NIL,
                waker: None,
                data: None,
            });
            index
        };
        let tail = self.tail;
        let slot = &mut self.slots[index as usize];
        slot.generation = slot.generation.wrapping_add(1);
        slot.state = SlotState::Queued;
        slot.prev = tail;
        slot.next = NIL;
        slot.waker = waker;
        slot.data = Some(data);
        let key = WaitKey { index, generation: slot.generation };
        match tail {
            NIL => self.head = index,
            t => self.slots[t as usize].next = index,
        }
        self.tail = index;
        self.queued += 1;
        key
    }

    fn slot(&self, key: WaitKey) -> &Slot<T> {
        let slot = &self.slots[key.index as usize];
        assert!(
            slot.generation == key.generation && slot.state != SlotState::Free,
            "stale wait key: {key:?}, slot generation {} state {:?}",
            slot.generation,
            slot.state
        );
        slot
    }

    fn slot_mut(&mut self, key: WaitKey) -> &mut Slot<T> {
        let _ = self.slot(key);
        &mut self.slots[key.index as usize]
    }

    /// Whether the waiter was woken (taken off the FIFO) by the primitive.
    #[inline]
    pub(crate) fn is_woken(&self, key: WaitKey) -> bool {
        self.slot(key).state == SlotState::Woken
    }

    /// Stores `waker` for a queued waiter, unless the stored one already
    /// wakes the same task.
    pub(crate) fn register(&mut self, key: WaitKey, waker: &Waker) {
        let slot = self.slot_mut(key);
        match &slot.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => slot.waker = Some(waker.clone()),
        }
    }

    /// The oldest queued waiter's data.
    pub(crate) fn front_mut(&mut self) -> Option<&mut T> {
        match self.head {
            NIL => None,
            h => self.slots[h as usize].data.as_mut(),
        }
    }

    fn unlink(&mut self, index: u32) {
        let (prev, next) = {
            let s = &self.slots[index as usize];
            (s.prev, s.next)
        };
        match prev {
            NIL => self.head = next,
            p => self.slots[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slots[n as usize].prev = prev,
        }
        self.queued -= 1;
    }

    /// Takes the oldest queued waiter off the FIFO (it becomes woken) and
    /// returns its waker, to be woken after the caller's lock is released.
    pub(crate) fn wake_front(&mut self) -> Option<Waker> {
        let head = self.head;
        if head == NIL {
            return None;
        }
        self.unlink(head);
        let slot = &mut self.slots[head as usize];
        slot.state = SlotState::Woken;
        slot.waker.take()
    }

    /// Wakes every queued waiter, pushing their wakers onto `wakers`; `f`
    /// sees each one's data first.
    pub(crate) fn wake_all(&mut self, wakers: &mut Vec<Waker>, mut f: impl FnMut(&mut T)) {
        while let Some(data) = self.front_mut() {
            f(data);
            if let Some(w) = self.wake_front() {
                wakers.push(w);
            }
        }
    }

    /// Frees the waiter's slot (unlinking it if still queued). Returns its
    /// data and whether it had been woken.
    pub(crate) fn remove(&mut self, key: WaitKey) -> (T, bool) {
        let woken = self.is_woken(key);
        if !woken {
            self.unlink(key.index);
        }
        let free = self.free;
        let slot = &mut self.slots[key.index as usize];
        slot.state = SlotState::Free;
        slot.waker = None;
        slot.next = free;
        self.free = key.index;
        (slot.data.take().expect("a live slot has data"), woken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_and_removal_from_the_middle() {
        let mut list = WaitList::new();
        let a = list.push_back('a', None);
        let b = list.push_back('b', None);
        let c = list.push_back('c', None);
        assert_eq!(list.remove(b), ('b', false));
        assert_eq!(list.front_mut(), Some(&mut 'a'));
        list.wake_front();
        assert!(list.is_woken(a));
        assert_eq!(list.front_mut(), Some(&mut 'c'));
        assert_eq!(list.remove(a), ('a', true));
        list.wake_front();
        assert!(list.is_empty());
        assert_eq!(list.remove(c), ('c', true));
    }

    #[test]
    fn slots_are_reused_with_a_new_generation() {
        let mut list = WaitList::new();
        let a = list.push_back(1, None);
        list.remove(a);
        let b = list.push_back(2, None);
        assert_eq!(a.index, b.index);
        assert_ne!(a.generation, b.generation);
        assert_eq!(list.slots.len(), 1);
        assert_eq!(list.remove(b), (2, false));
    }

    #[test]
    #[should_panic(expected = "stale wait key")]
    fn a_stale_key_is_refused() {
        let mut list = WaitList::new();
        let a = list.push_back(1, None);
        list.remove(a);
        list.push_back(2, None);
        list.is_woken(a);
    }

    #[test]
    fn register_keeps_a_waker_that_wakes_the_same_task() {
        let mut list = WaitList::new();
        let a = list.push_back((), Some(Waker::noop().clone()));
        list.register(a, Waker::noop());
        assert!(list.wake_front().is_some());
    }

    #[test]
    fn wake_all_empties_the_fifo_in_order() {
        let mut list = WaitList::new();
        let keys: Vec<_> = (0..5).map(|i| list.push_back(i, Some(Waker::noop().clone()))).collect();
        let mut seen = Vec::new();
        let mut wakers = Vec::new();
        list.wake_all(&mut wakers, |d| seen.push(*d));
        assert_eq!(seen, [0, 1, 2, 3, 4]);
        assert_eq!(wakers.len(), 5);
        assert!(keys.iter().all(|&k| list.is_woken(k)));
    }
}
