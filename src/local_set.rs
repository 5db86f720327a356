//! `!Send` tasks: [`LocalSet`] and [`spawn_local`], tokio's names.
//!
//! A `LocalSet` is a small executor of its own, owned by one thread: its
//! tasks are `Pin<Box<dyn Future>>`s in a map only that thread touches
//! (the set holds an `Rc`, so it is `!Send`, and so is everything that can
//! reach the futures). It runs its tasks while it is polled, as a future
//! (`set.await`, [`LocalSet::run_until`]) inside any runtime's `block_on`
//! or task on the same thread, so the tasks never leave that thread.
//!
//! # Waking
//! Wakers must be `Send + Sync`, and a `!Send` task's waker may be woken
//! from any thread. Each task's waker is an `Arc<TaskWaker>` holding the
//! task's key and the set's [`Remote`] (a mutex-guarded queue of woken
//! keys and the waker of whoever polls the set): waking pushes the key
//! once (the `scheduled` flag) and wakes the set. No `Rc` is touched off
//! the owning thread.
//!
//! # Joining
//! [`LocalJoinHandle`] shares an `Arc<Mutex<JoinSlot<T>>>` with its task:
//! it is `Send` exactly when `T` is, like tokio's `JoinHandle`. Aborting
//! marks the slot and wakes the task; the set then drops the future on its
//! own thread and resolves the handle to a cancelled [`JoinError`].
//! Dropping the set drops every unfinished task (cancelled), and a task
//! whose poll panics is dropped during the unwind, as spawned tasks are.
//!
//! Each task poll gets a task's coop budget, as a spawned task's does, so
//! one always-ready local task yields to its siblings.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;
use spindle_executor::__local;

use crate::task::{Id, JoinError};

/// Tasks polled per poll of the set before it yields to its own poller.
const MAX_TASKS_PER_TICK: usize = 61;

/// A set of `!Send` tasks that run on the thread that polls it.
///
/// ```
/// use std::rc::Rc;
/// use spindle::task::LocalSet;
///
/// let rt = spindle::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// let shared = Rc::new(5); // !Send
/// let v = local.block_on(&rt, async move {
///     let s = shared.clone();
///     spindle::task::spawn_local(async move { *s * 2 }).await.unwrap()
/// });
/// assert_eq!(v, 10);
/// ```
///
/// A `!Send` future is rejected by [`spawn`](crate::spawn)...
///
/// ```compile_fail
/// # let rt = spindle::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let rc = std::rc::Rc::new(1);
/// spindle::spawn(async move { *rc }); // error: `Rc<i32>` cannot be sent between threads
/// # });
/// ```
///
/// ...and accepted by [`spawn_local`] inside a set:
///
/// ```
/// # let rt = spindle::Runtime::new().unwrap();
/// let local = spindle::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let rc = std::rc::Rc::new(1);
///     assert_eq!(spindle::task::spawn_local(async move { *rc }).await.unwrap(), 1);
/// });
/// ```
///
/// The set itself is `!Send`:
///
/// ```compile_fail
/// let local = spindle::task::LocalSet::new();
/// std::thread::spawn(move || drop(local));
/// ```
pub struct LocalSet {
    inner: Rc<Inner>,
}

/// A task as the set stores it (a `LocalTask<F>`, type-erased).
type BoxedTask = Pin<Box<dyn Future<Output = ()>>>;

struct Inner {
    tasks: RefCell<HashMap<u64, BoxedTask>>,
    /// Each task's waker, kept here (not in `Remote`, which would make a
    /// cycle through `TaskWaker::remote`).
    wakers: RefCell<HashMap<u64, Arc<TaskWaker>>>,
    next_key: Cell<u64>,
    remote: Arc<Remote>,
}

/// The part of a set that wakers reach from any thread.
struct Remote {
    /// Keys of tasks to poll, each at most once (see `TaskWaker`).
    woken: Mutex<VecDeque<u64>>,
    /// Whoever polls the set (a `block_on`, or a task awaiting it).
    waker: Mutex<Option<Waker>>,
}

struct TaskWaker {
    key: u64,
    /// Set while the key is in `woken`; cleared just before a poll.
    scheduled: std::sync::atomic::AtomicBool,
    remote: Arc<Remote>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        self.remote.woken.lock().push_back(self.key);
        let waker = self.remote.waker.lock().clone();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

crate::sync::facade::thread_local! {
    /// The set being polled on this thread, for [`spawn_local`].
    static CURRENT: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
}

/// Makes `inner` the current set until dropped, restoring the previous one.
struct Entered(Option<Rc<Inner>>);

fn enter(inner: &Rc<Inner>) -> Entered {
    Entered(CURRENT.try_with(|c| c.borrow_mut().replace(inner.clone())).ok().flatten())
}

impl Drop for Entered {
    fn drop(&mut self) {
        let prev = self.0.take();
        let ours = CURRENT.try_with(|c| std::mem::replace(&mut *c.borrow_mut(), prev));
        drop(ours);
    }
}

impl LocalSet {
    /// An empty set.
    ///
    /// ```
    /// let local = spindle::task::LocalSet::new();
    /// # drop(local);
    /// ```
    pub fn new() -> LocalSet {
        LocalSet {
            inner: Rc::new(Inner {
                tasks: RefCell::new(HashMap::new()),
                wakers: RefCell::new(HashMap::new()),
                next_key: Cell::new(0),
                remote: Arc::new(Remote { woken: Mutex::new(VecDeque::new()), waker: Mutex::new(None) }),
            }),
        }
    }

    /// Spawns a `!Send` task onto this set; it runs when the set is next
    /// polled.
    ///
    /// ```
    /// let rt = spindle::Builder::new_current_thread().build().unwrap();
    /// let local = spindle::task::LocalSet::new();
    /// let h = local.spawn_local(async { std::rc::Rc::new(3) });
    /// let v = local.block_on(&rt, h).unwrap();
    /// assert_eq!(*v, 3);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs `future` to completion, running the set's tasks meanwhile, on
    /// the calling thread. [`spawn_local`] works inside it.
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// let local = spindle::task::LocalSet::new();
    /// let out = rt.block_on(local.run_until(async {
    ///     spindle::task::spawn_local(async { 1 }).await.unwrap() + 1
    /// }));
    /// assert_eq!(out, 2);
    /// ```
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil { set: self, future: Box::pin(future) }
    }

    /// `rt.block_on(self.run_until(future))`.
    ///
    /// # Panics
    /// As [`Runtime::block_on`](crate::Runtime::block_on).
    ///
    /// ```
    /// let rt = spindle::Runtime::new().unwrap();
    /// let local = spindle::task::LocalSet::new();
    /// assert_eq!(local.block_on(&rt, async { 4 }), 4);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Polls up to one tick of tasks; `true` when woken tasks remain.
    fn tick(&self, cx: &mut Context<'_>) -> bool {
        *self.inner.remote.waker.lock() = Some(cx.waker().clone());
        let _enter = enter(&self.inner);
        for _ in 0..MAX_TASKS_PER_TICK {
            let next = self.inner.remote.woken.lock().pop_front();
            let Some(key) = next else { return false };
            let Some(task_waker) = self.inner.wakers.borrow().get(&key).cloned() else { continue };
            task_waker.scheduled.store(false, std::sync::atomic::Ordering::Release);
            // Taken out while polled, so the task may spawn onto the set.
            let Some(mut task) = self.inner.tasks.borrow_mut().remove(&key) else { continue };
            let waker = Waker::from(task_waker);
            let done = task.as_mut().poll(&mut Context::from_waker(&waker)).is_ready();
            if done {
                self.inner.wakers.borrow_mut().remove(&key);
                drop(task);
            } else {
                self.inner.tasks.borrow_mut().insert(key, task);
            }
        }
        !self.inner.remote.woken.lock().is_empty()
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").field("tasks", &self.inner.tasks.borrow().len()).finish()
    }
}

/// Awaiting a set runs its tasks until all of them have finished.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// let rt = spindle::Builder::new_current_thread().build().unwrap();
/// let local = spindle::task::LocalSet::new();
/// let count = Rc::new(Cell::new(0));
/// for _ in 0..3 {
///     let c = count.clone();
///     local.spawn_local(async move { c.set(c.get() + 1) });
/// }
/// rt.block_on(local);
/// assert_eq!(count.get(), 3);
/// ```
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.tick(cx) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if self.inner.tasks.borrow().is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // Task destructors may spawn onto the set (dropped at once below)
        // or use it: let them see it.
        let _enter = enter(&self.inner);
        loop {
            let tasks: Vec<_> = self.inner.tasks.borrow_mut().drain().collect();
            if tasks.is_empty() {
                break;
            }
            // Each task's slot resolves to cancelled as its future drops.
            drop(tasks);
        }
        self.inner.wakers.borrow_mut().clear();
        self.inner.remote.woken.lock().clear();
        *self.inner.remote.waker.lock() = None;
    }
}

/// The future of [`LocalSet::run_until`]. Cancel safe: dropping it stops
/// running the set's tasks, which stay in the set.
#[must_use = "futures do nothing unless polled"]
pub struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: Pin<Box<F>>,
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunUntil").field("set", self.set).finish_non_exhaustive()
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        {
            let _enter = enter(&this.set.inner);
            if let Poll::Ready(out) = this.future.as_mut().poll(cx) {
                return Poll::Ready(out);
            }
        }
        if this.set.tick(cx) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

/// Spawns a `!Send` task onto the [`LocalSet`] being run on this thread.
///
/// # Panics
/// Outside a `LocalSet` (not inside [`LocalSet::run_until`], a set being
/// awaited, or one of its tasks), with tokio's message.
///
/// ```
/// let rt = spindle::Builder::new_current_thread().build().unwrap();
/// let local = spindle::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let cell = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
///     let c = cell.clone();
///     spindle::task::spawn_local(async move { c.borrow_mut().push(1) }).await.unwrap();
///     assert_eq!(*cell.borrow(), [1]);
/// });
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> LocalJoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match CURRENT.try_with(|c| c.borrow().clone()).ok().flatten() {
        Some(inner) => inner.spawn(future),
        None => panic!("`spawn_local` called from outside of a `task::LocalSet`"),
    }
}

impl Inner {
    fn spawn<F>(self: &Rc<Self>, future: F) -> LocalJoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let key = self.next_key.get();
        self.next_key.set(key + 1);
        let id = __local::next_task_id();
        let task_waker = Arc::new(TaskWaker {
            key,
            scheduled: std::sync::atomic::AtomicBool::new(false),
            remote: self.remote.clone(),
        });
        let waker = Waker::from(task_waker.clone());
        let slot = Arc::new(Mutex::new(JoinSlot { output: None, join_waker: None, aborted: false, finished: false }));
        let task = LocalTask { id, future: Some(Box::pin(future)), slot: slot.clone() };
        self.tasks.borrow_mut().insert(key, Box::pin(task));
        self.wakers.borrow_mut().insert(key, task_waker.clone());
        task_waker.wake_by_ref();
        LocalJoinHandle { id, slot, task: waker }
    }
}

/// What a task and its handle share.
struct JoinSlot<T> {
    output: Option<Result<T, JoinError>>,
    join_waker: Option<Waker>,
    aborted: bool,
    /// Stays set once the output is taken.
    finished: bool,
}

impl<T> JoinSlot<T> {
    fn finish(&mut self, outcome: Result<T, JoinError>) {
        self.output = Some(outcome);
        self.finished = true;
        if let Some(w) = self.join_waker.take() {
            w.wake();
        }
    }
}

/// A task of the set: the user's future and where its outcome goes.
struct LocalTask<F: Future> {
    id: Id,
    future: Option<Pin<Box<F>>>,
    slot: Arc<Mutex<JoinSlot<F::Output>>>,
}

impl<F: Future> Future for LocalTask<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // `LocalTask` is `Unpin`: the user's future is boxed.
        let this = self.get_mut();
        if this.slot.lock().aborted {
            this.future = None;
            this.slot.lock().finish(Err(__local::cancelled(this.id)));
            return Poll::Ready(());
        }
        if this.future.is_none() {
            return Poll::Ready(());
        }
        // As spawned tasks: a future whose poll panics is dropped during
        // the unwind (its `Drop` sees `thread::panicking()`).
        struct DropOnUnwind<'a, F>(&'a mut Option<Pin<Box<F>>>);
        impl<F> Drop for DropOnUnwind<'_, F> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    *self.0 = None;
                }
            }
        }
        let polled = catch_unwind(AssertUnwindSafe(|| {
            let guard = DropOnUnwind(&mut this.future);
            let future = guard.0.as_mut().expect("checked above");
            __local::with_budget(|| future.as_mut().poll(cx))
        }));
        let outcome = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(value)) => Ok(value),
            Err(payload) => Err(__local::panic(this.id, payload)),
        };
        this.future = None;
        this.slot.lock().finish(outcome);
        Poll::Ready(())
    }
}

impl<F: Future> Drop for LocalTask<F> {
    fn drop(&mut self) {
        // Dropped unfinished (the set dropped): the handle sees cancelled.
        if self.future.take().is_some() {
            self.slot.lock().finish(Err(__local::cancelled(self.id)));
        }
    }
}

/// Awaits a task spawned with [`spawn_local`] or
/// [`LocalSet::spawn_local`]: its output, or a [`JoinError`] if it panicked
/// or was aborted. Dropping the handle detaches the task. `Send` exactly
/// when the output is (as tokio's `JoinHandle`). Cancel safe.
///
/// ```
/// let rt = spindle::Builder::new_current_thread().build().unwrap();
/// let local = spindle::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let h = spindle::task::spawn_local(std::future::pending::<()>());
///     h.abort();
///     assert!(h.await.unwrap_err().is_cancelled());
/// });
/// ```
pub struct LocalJoinHandle<T> {
    id: Id,
    slot: Arc<Mutex<JoinSlot<T>>>,
    /// The task's waker, to run it for an abort.
    task: Waker,
}

impl<T> LocalJoinHandle<T> {
    /// Cancels the task: its future is dropped on the set's thread when the
    /// set next runs, and the handle resolves to a cancelled error (unless
    /// the task already finished).
    ///
    /// ```
    /// let rt = spindle::Builder::new_current_thread().build().unwrap();
    /// let local = spindle::task::LocalSet::new();
    /// let h = local.spawn_local(std::future::pending::<()>());
    /// h.abort();
    /// assert!(local.block_on(&rt, h).unwrap_err().is_cancelled());
    /// ```
    pub fn abort(&self) {
        self.slot.lock().aborted = true;
        self.task.wake_by_ref();
    }

    /// Whether the task has finished (completed, panicked or cancelled).
    ///
    /// ```
    /// let rt = spindle::Builder::new_current_thread().build().unwrap();
    /// let local = spindle::task::LocalSet::new();
    /// let h = local.spawn_local(async {});
    /// assert!(!h.is_finished());
    /// local.block_on(&rt, spindle::task::yield_now());
    /// assert!(h.is_finished());
    /// ```
    pub fn is_finished(&self) -> bool {
        self.slot.lock().finished
    }

    /// The task's id.
    ///
    /// ```
    /// let local = spindle::task::LocalSet::new();
    /// let a = local.spawn_local(async {});
    /// let b = local.spawn_local(async {});
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }
}

impl<T> Future for LocalJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let mut slot = self.slot.lock();
        match slot.output.take() {
            Some(out) => Poll::Ready(out),
            None => {
                slot.join_waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for LocalJoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalJoinHandle").field("id", &self.id).finish_non_exhaustive()
    }
}
