//! The registry of live tasks, so that shutdown can cancel every one of them,
//! including idle tasks that only wakers still point to.
//!
//! A task is inserted when spawned and removed when it completes. Shards are
//! `Mutex<Slab>`es chosen by task id; each task remembers its slot index, so
//! removal is O(1). Closing the registry (shutdown) refuses further inserts
//! and hands every remaining task to the closer, which cancels it.

use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use std::future::Future;

use super::{Header, JoinHandle, Notified, Schedule, Task, TaskId};
use crate::sync::Mutex;

pub(crate) struct Registry {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: usize,
}

#[derive(Default)]
struct Shard {
    slots: Vec<Option<Task>>,
    free: Vec<usize>,
    len: usize,
    closed: bool,
}

impl Registry {
    /// A registry with at least `shards` shards (rounded up to a power of
    /// two).
    pub(crate) fn new(shards: usize) -> Registry {
        let n = shards.max(1).next_power_of_two();
        Registry { shards: (0..n).map(|_| CachePadded::new(Mutex::new(Shard::default()))).collect(), mask: n - 1 }
    }

    fn shard(&self, header: NonNull<Header>) -> &Mutex<Shard> {
        &self.shards[Header::id(header).as_u64() as usize & self.mask]
    }

    /// Adds a task. Fails, giving it back, once the registry is closed.
    pub(crate) fn insert(&self, task: Task) -> Result<(), Task> {
        let mut shard = self.shard(task.header()).lock();
        if shard.closed {
            return Err(task);
        }
        let key = shard.free.pop().unwrap_or(shard.slots.len());
        let Ok(key32) = u32::try_from(key) else { panic!("more than {} live tasks in one registry shard", u32::MAX) };
        // SAFETY: we hold the shard lock, and this is the task's only insert.
        unsafe { task.set_registry_key(key32) };
        if key == shard.slots.len() {
            shard.slots.push(Some(task));
        } else {
            shard.slots[key] = Some(task);
        }
        shard.len += 1;
        Ok(())
    }

    /// Creates a task and registers it. Returns its first `Notified` (to
    /// be queued) and its `JoinHandle`; once the registry is closed the task
    /// is cancelled at once and no `Notified` is returned, so spawning after
    /// shutdown gives a handle that resolves to cancelled.
    pub(crate) fn bind<F, S>(&self, future: F, scheduler: S, id: TaskId) -> (Option<Notified>, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        let (task, notified, join) = super::new_task(future, scheduler, id);
        match self.insert(task) {
            Ok(()) => (Some(notified), join),
            Err(task) => {
                task.shutdown();
                drop(notified);
                (None, join)
            }
        }
    }

    /// Removes a task, returning the registry's reference, or `None` if the
    /// closer already took it.
    pub(crate) fn remove(&self, header: NonNull<Header>) -> Option<Task> {
        let mut shard = self.shard(header).lock();
        // SAFETY: read under the shard lock, which covers the key.
        let key = unsafe { Task::registry_key(header) } as usize;
        match shard.slots.get(key) {
            Some(Some(task)) if task.header() == header => {}
            _ => return None,
        }
        let task = shard.slots[key].take();
        shard.free.push(key);
        shard.len -= 1;
        task
    }

    /// `Schedule::release` for schedulers backed by this registry: removes
    /// a completed task and returns `true` if the registry's reference was
    /// still held; that reference is then the caller's to release, together
    /// with its own (so it is forgotten here, not dropped).
    pub(crate) fn release(&self, header: NonNull<Header>) -> bool {
        match self.remove(header) {
            Some(task) => {
                std::mem::forget(task);
                true
            }
            None => false,
        }
    }

    /// Closes the registry and cancels every task in it. Tasks being polled
    /// elsewhere are marked cancelled and finish when their poll returns.
    pub(crate) fn close_and_shutdown_all(&self) {
        for shard in self.shards.iter() {
            let tasks: Vec<Task> = {
                let mut shard = shard.lock();
                shard.closed = true;
                shard.len = 0;
                shard.free.clear();
                shard.slots.drain(..).flatten().collect()
            };
            for task in tasks {
                task.shutdown();
            }
        }
    }

    /// Number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }
}
