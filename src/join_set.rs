//! `JoinSet`: a collection of spawned tasks, awaited in completion order.
//!
//! # How `join_next` stays O(1)
//!
//! Each entry owns its task's [`JoinHandle`] and a waker of its own
//! (`EntryWaker`: the entry's slot index, its generation, and the set's
//! `Ready` list). The handle is only ever polled with that waker, so when a
//! task completes, the executor wakes exactly that entry, which pushes its
//! `(slot, generation)` onto the ready list and wakes whoever waits in
//! `join_next`. `join_next` pops from the ready list and polls only those
//! entries: a set of 100,000 tasks costs one handle poll per completion,
//! not one per entry.
//!
//! * A new entry starts queued (on the set's local batch of ready keys), so
//!   its handle is polled once and registers the entry's waker.
//! * `queued` keeps an entry on the list at most once between polls: a wake
//!   sets it and pushes only if it was clear; `join_next` clears it before
//!   polling the handle, so a wake that lands during the poll pushes again.
//! * A slot is reused after its entry leaves; its generation goes up, so a
//!   stale `(slot, generation)` still on the list (or pushed later by a
//!   waker the old task kept) is skipped.
//!
//! The ready list and the parked waker sit behind one `std` mutex, held
//! for a push or a swap of the whole list, never while polling or waking.
//!
//! # Why no wake-up is lost
//!
//! The owner clears `queued`, then polls the handle (which reads the
//! task's state word); a completing task writes its state, then wakes the
//! entry (which swaps `queued`). That is the store-buffering shape: with
//! acquire/release alone both sides could read the old value, the owner
//! seeing "not done" and the waker seeing "already queued", and the entry
//! would never be polled again (x86 allows it too: the owner's store can
//! sit in its store buffer). A `SeqCst` fence on each side, between its
//! write and its read, forbids that outcome: either the owner's poll sees
//! the completion, or the wake sees `queued == false` and pushes the
//! entry. The parked waker of `join_next` needs no such care: it is
//! stored and taken under the ready list's mutex, and the owner re-checks
//! the list under that mutex before parking.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use crate::runtime::Handle;

/// Handles polled without a result before `poll_join_next` yields: new
/// entries are polled once each to register their wakers, and a set filled
/// with many tasks should not make one `join_next` poll a long one.
const POLLS_PER_CALL: u32 = 64;
use crate::task::{AbortHandle, Id, JoinError, JoinHandle};

/// A collection of tasks spawned on a runtime, awaited in the order they
/// complete; tokio's `JoinSet`.
///
/// All tasks must have the same output type `T`. Dropping the set aborts
/// every task still in it; [`detach_all`](JoinSet::detach_all) lets them
/// run on instead.
///
/// ```
/// use spindle::task::JoinSet;
///
/// spindle::block_on(async {
///     let mut set = JoinSet::new();
///     for i in 0..10u32 {
///         set.spawn(async move { i * 2 });
///     }
///     let mut sum = 0;
///     while let Some(res) = set.join_next().await {
///         sum += res.unwrap();
///     }
///     assert_eq!(sum, 90);
///     assert!(set.is_empty());
/// });
/// ```
#[must_use = "dropping a JoinSet aborts every task in it"]
pub struct JoinSet<T> {
    /// Entries by slot; `None` is a free slot (its index is in `free`).
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
    ready: Arc<Ready>,
    /// Ready keys owned by the set, oldest first: new entries, and the
    /// keys moved out of `ready` in one locked drain when this runs dry.
    batch: VecDeque<Key>,
}

struct Slot<T> {
    generation: u32,
    entry: Option<Entry<T>>,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    waker: Arc<EntryWaker>,
    /// `waker` as a `Waker`, kept so that repeated polls hand the executor
    /// the same waker (it skips re-registering one that `will_wake`).
    std_waker: Waker,
}

/// A slot and the generation of the entry it held when the key was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    slot: u32,
    generation: u32,
}

/// What the set's entry wakers share with the set.
#[derive(Default)]
struct Ready {
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    keys: Vec<Key>,
    /// The waker of the task waiting in `join_next`, taken by the first
    /// entry that becomes ready.
    parked: Option<Waker>,
}

struct EntryWaker {
    key: Key,
    queued: AtomicBool,
    ready: Arc<Ready>,
}

impl Ready {
    fn lock(&self) -> std::sync::MutexGuard<'_, ReadyInner> {
        // Nothing panics while the lock is held (a push, a swap, a waker
        // moved in or out), so a poisoned lock still holds a sound list.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, key: Key) {
        let parked = {
            let mut inner = self.lock();
            inner.keys.push(key);
            inner.parked.take()
        };
        if let Some(waker) = parked {
            waker.wake();
        }
    }
}

impl Wake for EntryWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Pairs with the fence in `poll_entry`; see "Why no wake-up is
        // lost" in the module docs.
        fence(Ordering::SeqCst);
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.ready.push(self.key);
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = spindle::task::JoinSet::<()>::new();
    /// assert_eq!(set.len(), 0);
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet { slots: Vec::new(), free: Vec::new(), len: 0, ready: Arc::default(), batch: VecDeque::new() }
    }

    /// The number of tasks in the set, finished or not, that have not been
    /// joined yet.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert_eq!(set.len(), 1);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 0);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no tasks.
    ///
    /// ```
    /// assert!(spindle::task::JoinSet::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a spawned task's handle to the set.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.slots.len()).expect("a JoinSet holds at most u32::MAX tasks");
                self.slots.push(Slot { generation: 0, entry: None });
                slot
            }
        };
        let generation = self.slots[slot as usize].generation;
        let key = Key { slot, generation };
        // Queued from the start: the first poll registers the entry's waker.
        let waker = Arc::new(EntryWaker { key, queued: AtomicBool::new(true), ready: self.ready.clone() });
        let std_waker = Waker::from(waker.clone());
        self.slots[slot as usize].entry = Some(Entry { handle, waker, std_waker });
        self.len += 1;
        // Straight onto the local batch: no lock, and no waiter to wake
        // (`join_next` needs `&mut self`, so it is not waiting now).
        self.batch.push_back(key);
        abort
    }

    /// Takes an entry out, freeing its slot for reuse under a new
    /// generation.
    fn remove(&mut self, slot: u32) -> Entry<T> {
        let s = &mut self.slots[slot as usize];
        let entry = s.entry.take().expect("JoinSet removed an empty slot");
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        self.len -= 1;
        entry
    }

    /// The next ready key that still names a live entry.
    fn pop_ready(&mut self) -> Option<Key> {
        loop {
            if self.batch.is_empty() {
                // Oldest first, as they were pushed; the list keeps its
                // buffer for the next pushes.
                self.batch.extend(self.ready.lock().keys.drain(..));
            }
            let key = self.batch.pop_front()?;
            let slot = &self.slots[key.slot as usize];
            if slot.generation == key.generation && slot.entry.is_some() {
                return Some(key);
            }
        }
    }

    /// Polls one ready entry's handle with the entry's own waker; removes
    /// the entry if the task is done.
    fn poll_entry(&mut self, key: Key) -> Poll<Result<(Id, T), JoinError>> {
        let entry = self.slots[key.slot as usize].entry.as_mut().expect("pop_ready returns live entries");
        entry.waker.queued.store(false, Ordering::Relaxed);
        // Orders the clear before the handle reads the task's state; pairs
        // with the fence in `EntryWaker::wake_by_ref`.
        fence(Ordering::SeqCst);
        let mut cx = Context::from_waker(&entry.std_waker);
        match Pin::new(&mut entry.handle).poll(&mut cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(res) => {
                let entry = self.remove(key.slot);
                Poll::Ready(res.map(|value| (entry.handle.id(), value)))
            }
        }
    }

    /// Polls for the next finished task; what [`join_next_with_id`] awaits.
    ///
    /// `Ready(None)` when the set is empty; `Pending` (with `cx`'s waker
    /// registered) while no task is done. Only entries whose task woke them
    /// are polled, at most 64 per call.
    ///
    /// [`join_next_with_id`]: JoinSet::join_next_with_id
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(async { 5 });
    ///     let res = std::future::poll_fn(|cx| set.poll_join_next_with_id(cx)).await;
    ///     assert_eq!(res.unwrap().unwrap().1, 5);
    /// });
    /// ```
    pub fn poll_join_next_with_id(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.is_empty() {
            return Poll::Ready(None);
        }
        let mut polled = 0;
        loop {
            let key = match self.pop_ready() {
                Some(key) => key,
                None => {
                    // Park, then look again: an entry may have become ready
                    // between the swap in `pop_ready` and the waker stored
                    // here.
                    let mut inner = self.ready.lock();
                    if inner.keys.is_empty() {
                        match &inner.parked {
                            Some(w) if w.will_wake(cx.waker()) => {}
                            _ => inner.parked = Some(cx.waker().clone()),
                        }
                        return Poll::Pending;
                    }
                    continue;
                }
            };
            if let Poll::Ready(res) = self.poll_entry(key) {
                return Poll::Ready(Some(res));
            }
            // Still running: its waker is registered now (a new entry's
            // first poll), or it re-woke itself because the coop budget is
            // spent. Go on to the next ready entry, but yield to the
            // scheduler after a batch, or at once when the budget is out.
            polled += 1;
            if polled == POLLS_PER_CALL || !crate::coop::has_budget_remaining() {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }

    /// Polls for the next finished task, without its id.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(async { 'x' });
    ///     let res = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
    ///     assert_eq!(res.unwrap().unwrap(), 'x');
    /// });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx).map(|res| res.map(|res| res.map(|(_, value)| value)))
    }

    /// Waits for the next task to finish and returns its output; `None`
    /// when the set is empty.
    ///
    /// # Cancel safety
    /// Cancel-safe: if the future is dropped before it completes, no task
    /// output is lost; the next call returns it.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 1);
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// As [`join_next`](JoinSet::join_next), with the finished task's id.
    /// A cancelled or panicked task's id is in its `JoinError`.
    ///
    /// # Cancel safety
    /// Cancel-safe, as `join_next`.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     let abort = set.spawn(async { 3 });
    ///     let (id, value) = set.join_next_with_id().await.unwrap().unwrap();
    ///     assert_eq!((id, value), (abort.id(), 3));
    /// });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns a finished task's output if one is ready now, without
    /// waiting; `None` if none is (or the set is empty).
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(async { 9 });
    ///     loop {
    ///         if let Some(res) = set.try_join_next() {
    ///             assert_eq!(res.unwrap(), 9);
    ///             break;
    ///         }
    ///         spindle::task::yield_now().await;
    ///     }
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id().map(|res| res.map(|(_, value)| value))
    }

    /// As [`try_join_next`](JoinSet::try_join_next), with the task's id.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::<()>::new();
    ///     assert!(set.try_join_next_with_id().is_none());
    /// });
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        // Bounded by the entries ready now: a handle that re-wakes itself
        // (a spent coop budget) is not polled twice in one call.
        let mut budget = self.batch.len() + self.ready.lock().keys.len();
        while budget > 0 {
            budget -= 1;
            let key = self.pop_ready()?;
            if let Poll::Ready(res) = self.poll_entry(key) {
                return Some(res);
            }
        }
        None
    }

    /// Aborts every task in the set. They stay in it: awaiting
    /// [`join_next`](JoinSet::join_next) gives each one's result (a
    /// cancelled `JoinError` for those aborted before finishing).
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for entry in self.slots.iter().filter_map(|s| s.entry.as_ref()) {
            entry.handle.abort();
        }
    }

    /// Aborts every task and waits until all have stopped; the set is empty
    /// afterwards. Outputs are dropped.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Empties the set without aborting anything: the tasks run on,
    /// detached.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let (tx, rx) = std::sync::mpsc::channel();
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn(async move { tx.send(1).unwrap() });
    ///     set.detach_all();
    ///     drop(set);
    ///     assert_eq!(rx.recv().unwrap(), 1);
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.batch.clear();
        self.len = 0;
        // Wakers still held by the detached tasks push into the old list.
        self.ready = Arc::default();
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    /// If a task panicked, the panic is resumed here; if one was cancelled,
    /// this panics with "a task in the JoinSet was cancelled". Either way
    /// the remaining tasks are aborted (the set is dropped).
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     for i in 0..3 {
    ///         set.spawn(async move { i });
    ///     }
    ///     let mut all = set.join_all().await;
    ///     all.sort();
    ///     assert_eq!(all, [0, 1, 2]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len);
        while let Some(res) = self.join_next().await {
            match res {
                Ok(value) => out.push(value),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("a task in the JoinSet was cancelled: {e}"),
            }
        }
        out
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` on the current runtime and adds it to the set.
    /// Returns a handle that can abort the task.
    ///
    /// # Panics
    /// Outside a runtime, as [`spawn`](crate::spawn).
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     let abort = set.spawn(std::future::pending::<()>());
    ///     abort.abort();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// Spawns `future` on the runtime behind `handle` and adds it to the
    /// set.
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// let mut set = spindle::task::JoinSet::new();
    /// set.spawn_on(async { 4 }, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 4);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Runs a blocking closure on the current runtime's blocking pool and
    /// adds it to the set. Aborting does not stop a closure already
    /// running.
    ///
    /// # Panics
    /// Outside a runtime, as [`spawn_blocking`](crate::spawn_blocking).
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let mut set = spindle::task::JoinSet::new();
    ///     set.spawn_blocking(|| 2 + 2);
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), 4);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(crate::spawn_blocking(f))
    }

    /// As [`spawn_blocking`](JoinSet::spawn_blocking), on the runtime
    /// behind `handle`.
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// let mut set = spindle::task::JoinSet::new();
    /// set.spawn_blocking_on(|| 8, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 8);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(handle.spawn_blocking(f))
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns every future on the current runtime.
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}

impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns every future on the current runtime into a new set.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let set: spindle::task::JoinSet<u32> = (0..4).map(|i| async move { i }).collect();
    ///     assert_eq!(set.join_all().await.len(), 4);
    /// });
    /// ```
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}
