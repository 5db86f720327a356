//! `Mutex`: a fair async mutex, a one-permit [batch
//! semaphore](super::batch_semaphore) guarding an `UnsafeCell`.
//!
//! # Invariant
//!
//! Whoever holds the semaphore's single permit, and only they, may touch
//! the cell; every guard holds that permit from its creation to its drop.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::batch_semaphore::{Acquire, BatchSemaphore};
use super::facade::UnsafeCell;

/// An async mutual-exclusion lock whose guard may be held across `.await`.
///
/// Fair: waiters get the lock in the order they started waiting, and a
/// cancelled `lock()` future loses nothing (if the lock had just been handed
/// to it, it goes to the next waiter).
///
/// ```
/// use std::sync::Arc;
/// use spindle::sync::Mutex;
///
/// spindle::block_on(async {
///     let count = Arc::new(Mutex::new(0));
///     let tasks: Vec<_> = (0..4)
///         .map(|_| {
///             let count = count.clone();
///             spindle::spawn(async move { *count.lock().await += 1 })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(*count.lock().await, 4);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    sem: BatchSemaphore,
    cell: UnsafeCell<T>,
}

// SAFETY: the cell is only reached through a guard, and guards exclude one
// another (the invariant above), so sharing the mutex moves `T` between
// threads (hence `T: Send`) but never shares it.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: the mutex owns its `T`; sending it sends the `T`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

/// The lock on a [`Mutex`], released on drop.
///
/// `Send` when `T: Send`; `Sync` when `T: Send + Sync`.
///
/// ```compile_fail
/// fn assert_send<T: Send>() {}
/// assert_send::<spindle::sync::MutexGuard<'static, std::rc::Rc<()>>>();
/// ```
#[must_use = "the lock is released at once when the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

// SAFETY: a shared guard gives `&T` only, so sharing it across threads needs
// `T: Sync` (and `T: Send`, as the guard may also be dropped elsewhere).
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

/// The lock on an `Arc<Mutex<T>>`, released on drop; it can move into a
/// task.
#[must_use = "the lock is released at once when the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
}

// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}

/// `try_lock` found the mutex locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TryLockError(());

impl TryLockError {
    pub(crate) fn new() -> TryLockError {
        TryLockError(())
    }
}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    ///
    /// ```
    /// let m = spindle::sync::Mutex::new(5);
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex { sem: BatchSemaphore::new(1), cell: UnsafeCell::new(value) }
    }

    /// The value, consuming the mutex.
    ///
    /// ```
    /// assert_eq!(spindle::sync::Mutex::new("x").into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        self.cell.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits for the lock (in FIFO order with the other waiters).
    ///
    /// Cancel-safe: dropping the future before it completes gives up its
    /// place, and passes the lock on if it had just been handed over.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let m = spindle::sync::Mutex::new(1);
    ///     *m.lock().await += 1;
    ///     assert_eq!(*m.lock().await, 2);
    /// });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard { lock: self }
    }

    /// Takes the lock if it is free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if it is held (or others wait for it).
    ///
    /// ```
    /// let m = spindle::sync::Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(MutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// [`lock`](Mutex::lock) for an `Arc<Mutex<T>>`: the guard owns a
    /// reference and can move into a task.
    ///
    /// ```
    /// use std::sync::Arc;
    /// spindle::block_on(async {
    ///     let m = Arc::new(spindle::sync::Mutex::new(0));
    ///     let mut g = m.clone().lock_owned().await;
    ///     spindle::spawn(async move { *g = 7 }).await.unwrap();
    ///     assert_eq!(*m.lock().await, 7);
    /// });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard { lock: self }
    }

    /// [`try_lock`](Mutex::try_lock) for an `Arc<Mutex<T>>`.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if it is held (or others wait for it).
    ///
    /// ```
    /// let m = std::sync::Arc::new(spindle::sync::Mutex::new(0));
    /// let _g = m.clone().try_lock_owned().unwrap();
    /// assert!(m.try_lock_owned().is_err());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through an exclusive borrow (no locking needed).
    ///
    /// ```
    /// let mut m = spindle::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T
    where
        T: Sized,
    {
        self.cell.get_mut()
    }

    async fn acquire(&self) {
        // The semaphore is never closed, so the acquire cannot fail.
        Acquire::new(&self.sem, 1).await.expect("a mutex's semaphore is never closed");
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the permit (the invariant), so no `&mut T`
        // exists elsewhere while this borrow of the guard lives.
        self.lock.cell.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the permit and is borrowed mutably, so
        // this is the only access to the value while the borrow lives.
        self.lock.cell.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: ?Sized> MutexGuard<'_, T> {
    /// The mutex this guard locks.
    ///
    /// ```
    /// let m = spindle::sync::Mutex::new(());
    /// let g = m.try_lock().unwrap();
    /// assert!(std::ptr::eq(spindle::sync::MutexGuard::mutex(&g), &m));
    /// ```
    pub fn mutex<'a>(this: &Self) -> &'a Mutex<T>
    where
        Self: 'a,
    {
        this.lock
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: as for `MutexGuard::deref`.
        self.lock.cell.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `MutexGuard::deref_mut`.
        self.lock.cell.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}
