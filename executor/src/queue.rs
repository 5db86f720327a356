//! Run queues: each worker's FIFO deque, its stealers, and the global
//! injector.
//!
//! Normal builds wrap `crossbeam_deque` (Chase-Lev deques that grow instead
//! of overflowing, and a lock-free injector); `Steal::Retry` is retried
//! here so callers see plain `Option`s. Under `cfg(spindle_loom)` the same
//! interface is backed by `Mutex<VecDeque>`, which is linearizable: the
//! loom models then check *our* protocols (who pushes, who wakes whom, who
//! parks), while the deque's own correctness is crossbeam's responsibility
//! (it is tested there, not model-checked by us; loom cannot see inside it).

use crate::task::Notified;

pub(crate) use imp::{Injector, LocalQueue, Stealer};

#[cfg(not(spindle_loom))]
mod imp {
    use crossbeam_deque::{Steal, Worker};

    use super::Notified;

    /// A worker's own queue: push and pop at the owner's end.
    pub(crate) struct LocalQueue(Worker<Notified>);

    /// The stealing end of a worker's queue.
    pub(crate) struct Stealer(crossbeam_deque::Stealer<Notified>);

    /// The global queue for tasks scheduled from outside the workers.
    pub(crate) struct Injector(crossbeam_deque::Injector<Notified>);

    fn retry<T>(mut f: impl FnMut() -> Steal<T>) -> Option<T> {
        loop {
            match f() {
                Steal::Success(t) => return Some(t),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    impl LocalQueue {
        pub(crate) fn new() -> LocalQueue {
            LocalQueue(Worker::new_fifo())
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.stealer())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.pop()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl Stealer {
        /// Moves about half of the victim's tasks into `dest` and pops one.
        pub(crate) fn steal_batch_and_pop(&self, dest: &LocalQueue) -> Option<Notified> {
            retry(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn steal(&self) -> Option<Notified> {
            retry(|| self.0.steal())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Injector {
        pub(crate) fn new() -> Injector {
            Injector(crossbeam_deque::Injector::new())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            retry(|| self.0.steal())
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &LocalQueue) -> Option<Notified> {
            retry(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

#[cfg(spindle_loom)]
mod imp {
    use std::collections::VecDeque;

    use super::Notified;
    use crate::sync::{Arc, Mutex};

    pub(crate) struct LocalQueue(Arc<Mutex<VecDeque<Notified>>>);
    pub(crate) struct Stealer(Arc<Mutex<VecDeque<Notified>>>);
    pub(crate) struct Injector(Mutex<VecDeque<Notified>>);

    impl LocalQueue {
        pub(crate) fn new() -> LocalQueue {
            LocalQueue(Arc::new(Mutex::new(VecDeque::new())))
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.clone())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
    }

    fn take_half(src: &Mutex<VecDeque<Notified>>, dest: &LocalQueue) -> Option<Notified> {
        let mut batch = {
            let mut src = src.lock();
            let n = src.len().div_ceil(2);
            src.drain(..n).collect::<VecDeque<_>>()
        };
        let first = batch.pop_front();
        if !batch.is_empty() {
            dest.0.lock().extend(batch);
        }
        first
    }

    impl Stealer {
        pub(crate) fn steal_batch_and_pop(&self, dest: &LocalQueue) -> Option<Notified> {
            take_half(&self.0, dest)
        }
        pub(crate) fn steal(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }

    impl Injector {
        pub(crate) fn new() -> Injector {
            Injector(Mutex::new(VecDeque::new()))
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &LocalQueue) -> Option<Notified> {
            take_half(&self.0, dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }
}
