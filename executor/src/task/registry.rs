//! The registry of live tasks, so that shutdown can cancel every one of them,
//! including idle tasks that only wakers still point to.
//!
//! A task is inserted when spawned and removed when it completes. Shards are
//! `Mutex<Slab>`es chosen by task id; each task remembers its slot index, so
//! removal is O(1). Closing the registry (shutdown) refuses further inserts
//! and hands every remaining task to the closer, which cancels it.
//!
//! A worker batches its removals ([`Registry::deferred`],
//! [`Registry::release_batch`]): the tasks it completes stay registered
//! until it has a batch of them, reaches its next driver tick, goes to park
//! or exits; then each shard is locked once for the whole batch. A shard
//! written by the thread that spawns and by the one that completes its
//! tasks otherwise moves between their caches (lock, free list and slot)
//! once per task: spawn_many_local spent about a third of spindle's time in
//! the registry before batching. A completed
//! task's entry is only ever removed by its batch or by the closer, so the
//! slot is not reused while the batch waits.

use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use std::future::Future;

use super::meta::Meta;
use super::{Header, JoinHandle, Notified, RawTask, Schedule, Task, TaskId};
use crate::sync::{mutant, Mutant, Mutex};

pub(crate) struct Registry {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: usize,
}

#[derive(Default)]
struct Shard {
    slots: Vec<Option<Task>>,
    free: Vec<usize>,
    len: usize,
    /// Tasks ever inserted (`RuntimeMetrics::spawned_tasks_count`).
    inserted: u64,
    closed: bool,
}

impl Shard {
    /// Takes the entry at `key` if it is still `header`'s (the closer may
    /// have taken it, and freed the cell: addresses are compared, the
    /// header is never read), returning the registry's reference.
    fn take(&mut self, key: usize, header: NonNull<Header>) -> Option<Task> {
        let slot = self.slots.get_mut(key).filter(|s| s.as_ref().is_some_and(|t| t.header() == header))?;
        let task = slot.take();
        self.free.push(key);
        self.len -= 1;
        task
    }
}

/// Releases a reference of the registry's with no lock held. It may be the
/// last: freeing the cell drops its join waker, user code whose panic is
/// swallowed here (the task is over; nobody could be told), so it never
/// unwinds a worker or a shutdown, nor leaks the tasks still to release.
fn release_quietly(task: Task) {
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(task)));
}

/// A completed task waiting in a worker's batch for its registry entry to
/// be removed: where the entry is, noted while the task was alive.
pub(crate) struct Deferred {
    header: NonNull<Header>,
    shard: u32,
    key: u32,
    /// Set by `release_batch` once it holds the registry's reference.
    owned: bool,
}

impl Registry {
    /// A registry with at least `shards` shards (rounded up to a power of
    /// two).
    pub(crate) fn new(shards: usize) -> Registry {
        let n = shards.max(1).next_power_of_two();
        Registry { shards: (0..n).map(|_| CachePadded::new(Mutex::new(Shard::default()))).collect(), mask: n - 1 }
    }

    fn shard_index(&self, task: RawTask) -> usize {
        task.id().as_u64() as usize & self.mask
    }

    fn shard(&self, task: RawTask) -> &Mutex<Shard> {
        &self.shards[self.shard_index(task)]
    }

    /// Adds a task. Fails, giving it back, once the registry is closed.
    pub(crate) fn insert(&self, task: Task) -> Result<(), Task> {
        let mut shard = self.shard(task.raw()).lock();
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
        shard.inserted += 1;
        Ok(())
    }

    /// Creates a task and registers it. Returns its first `Notified` (to
    /// be queued) and its `JoinHandle`; once the registry is closed the task
    /// is cancelled at once and no `Notified` is returned, so spawning after
    /// shutdown gives a handle that resolves to cancelled.
    pub(crate) fn bind<F, S>(
        &self,
        future: F,
        scheduler: S,
        id: TaskId,
        meta: Meta,
    ) -> (Option<Notified>, JoinHandle<F::Output>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        let (task, notified, join) = super::new_task(future, scheduler, id, meta);
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
    pub(crate) fn remove(&self, task: RawTask) -> Option<Task> {
        let mut shard = self.shard(task).lock();
        // SAFETY: read under the shard lock, which covers the key.
        let key = unsafe { task.registry_key() } as usize;
        shard.take(key, task.header_ptr())
    }

    /// `Schedule::release` for schedulers backed by this registry: removes
    /// a completed task and returns `true` if the registry's reference was
    /// still held; that reference is then the caller's to release, together
    /// with its own (so it is forgotten here, not dropped).
    ///
    /// # Safety
    /// As [`Schedule::release`]: the caller holds a reference to the
    /// completed task for the call.
    pub(crate) unsafe fn release(&self, header: NonNull<Header>) -> bool {
        // SAFETY: the caller's contract.
        let task = unsafe { RawTask::from_raw(header) };
        match self.remove(task) {
            Some(task) => {
                std::mem::forget(task);
                true
            }
            None => false,
        }
    }

    /// Notes where a completed task's entry is, for a later
    /// [`Registry::release_batch`].
    ///
    /// # Safety
    /// The caller holds a reference to the task (so the header is readable
    /// now) and the task is complete: from now on only `release_batch` or
    /// the closer removes its entry.
    pub(crate) unsafe fn deferred(&self, header: NonNull<Header>) -> Deferred {
        // SAFETY: the caller holds a reference.
        let task = unsafe { RawTask::from_raw(header) };
        let shard = self.shard_index(task);
        // SAFETY: the key was written once, at insert, before the task was
        // first queued (so before this completion), and is never written
        // again. A task refused at insert keeps `u32::MAX`; its shard is
        // closed and empty, so it matches nothing there.
        let key = unsafe { task.registry_key() };
        Deferred { header, shard: shard as u32, key, owned: false }
    }

    /// Removes the entries of `batch` (each shard locked once), then, with
    /// no lock held, releases the registry's reference to each task removed.
    /// Entries the closer took meanwhile are skipped. Empties `batch`.
    pub(crate) fn release_batch(&self, batch: &mut Vec<Deferred>) {
        batch.sort_unstable_by_key(|d| d.shard);
        for group in batch.chunk_by_mut(|a, b| a.shard == b.shard) {
            let mut shard = self.shards[group[0].shard as usize].lock();
            for deferred in group.iter_mut() {
                // The closer may have taken (and freed) the task. No insert
                // follows a close, so a freed cell's address cannot come
                // back in this slot.
                deferred.owned = match shard.take(deferred.key as usize, deferred.header) {
                    Some(task) => {
                        // Released below, after the locks.
                        std::mem::forget(task);
                        true
                    }
                    None => mutant(Mutant::BatchReleasesClosedTask),
                };
            }
        }
        for deferred in batch.drain(..) {
            if deferred.owned {
                // The registry's reference, forgotten above.
                // SAFETY: that reference keeps the cell alive until this
                // release.
                release_quietly(Task(unsafe { RawTask::from_raw(deferred.header) }));
            }
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
                // May be the last reference: a completed task waiting in a
                // worker's batch.
                release_quietly(task);
            }
        }
    }

    /// Calls `f` for every registered task, one shard at a time, under
    /// that shard's lock: the registry's reference keeps each cell live for
    /// the call, so `f` never sees a freed task. Spawns and completions
    /// wait only for the shard being visited; `f` must be short and must
    /// not spawn, complete or release tasks.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RawTask)) {
        for shard in self.shards.iter() {
            let shard = shard.lock();
            for task in shard.slots.iter().flatten() {
                f(task.raw());
            }
        }
    }

    /// Calls `f` on the registered task with id `id`, if there is one,
    /// under its shard's lock (a scan of that one shard: for rare look-ups
    /// such as the watchdog's).
    pub(crate) fn find<R>(&self, id: TaskId, f: impl FnOnce(RawTask) -> R) -> Option<R> {
        let shard = self.shards[id.as_u64() as usize & self.mask].lock();
        shard.slots.iter().flatten().find(|t| t.id() == id).map(|t| f(t.raw()))
    }

    /// Number of live tasks.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }

    /// Tasks ever inserted (spawned before the registry closed), each
    /// shard locked in turn.
    pub(crate) fn inserted(&self) -> u64 {
        self.shards.iter().map(|s| s.lock().inserted).sum()
    }
}
