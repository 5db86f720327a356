//! `RwLock`: a fair, write-preferring async reader-writer lock over the
//! [batch semaphore](super::batch_semaphore) (tokio's design).
//!
//! The semaphore holds [`MAX_READS`] permits: a reader takes one, a writer
//! takes them all. Because waiters queue in FIFO order and a queued writer
//! holds the part it was paid, readers that arrive after a waiting writer
//! wait behind it: writers are never starved.
//!
//! # Invariant
//!
//! A write guard holds every permit, so no other guard exists; a read guard
//! holds one, so no write guard exists while it lives.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::batch_semaphore::{Acquire, BatchSemaphore};
use super::facade::UnsafeCell;
use super::mutex::TryLockError;

/// Readers at once (as tokio's).
const MAX_READS: usize = (u32::MAX >> 3) as usize;

/// An async reader-writer lock: many readers or one writer, served in
/// arrival order (write-preferring: a waiting writer holds back later
/// readers).
///
/// ```
/// spindle::block_on(async {
///     let lock = spindle::sync::RwLock::new(5);
///     {
///         let a = lock.read().await;
///         let b = lock.read().await;
///         assert_eq!(*a + *b, 10);
///     }
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 6);
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    sem: BatchSemaphore,
    cell: UnsafeCell<T>,
}

// SAFETY: readers on several threads share `&T` (hence `T: Sync`), and a
// writer may be on any thread (hence `T: Send`); the semaphore keeps the
// invariant above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}
// SAFETY: the lock owns its `T`.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}

/// Shared access to an [`RwLock`]'s value; released on drop.
#[must_use = "the lock is released at once when the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

// SAFETY: the guard only hands out `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: dropping the guard elsewhere only releases a permit; it gives
// `&T`, which may move between threads when `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}

/// Exclusive access to an [`RwLock`]'s value; released on drop.
#[must_use = "the lock is released at once when the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
}

// SAFETY: shared, the guard gives `&T` only.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: the guard gives `&mut T`, so moving it moves access to the `T`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}

impl<T> RwLock<T> {
    /// An unlocked lock holding `value`.
    ///
    /// ```
    /// assert_eq!(spindle::sync::RwLock::new(1).into_inner(), 1);
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock { sem: BatchSemaphore::new(MAX_READS), cell: UnsafeCell::new(value) }
    }

    /// The value, consuming the lock.
    ///
    /// ```
    /// assert_eq!(spindle::sync::RwLock::new("v").into_inner(), "v");
    /// ```
    pub fn into_inner(self) -> T {
        self.cell.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared access. Cancel-safe.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let lock = spindle::sync::RwLock::new(1);
    ///     assert_eq!(*lock.read().await, 1);
    /// });
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        Acquire::new(&self.sem, 1).await.expect("an RwLock's semaphore is never closed");
        RwLockReadGuard { lock: self }
    }

    /// Waits for exclusive access. Cancel-safe: a dropped `write` future
    /// passes on the permits it had gathered.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let lock = spindle::sync::RwLock::new(1);
    ///     *lock.write().await = 2;
    ///     assert_eq!(*lock.read().await, 2);
    /// });
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        Acquire::new(&self.sem, MAX_READS).await.expect("an RwLock's semaphore is never closed");
        RwLockWriteGuard { lock: self }
    }

    /// Shared access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    ///
    /// ```
    /// let lock = spindle::sync::RwLock::new(1);
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError::new())?;
        Ok(RwLockReadGuard { lock: self })
    }

    /// Exclusive access if nobody holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    ///
    /// ```
    /// let lock = spindle::sync::RwLock::new(1);
    /// let _w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.sem.try_acquire(MAX_READS).map_err(|_| TryLockError::new())?;
        Ok(RwLockWriteGuard { lock: self })
    }

    /// The value, through an exclusive borrow.
    ///
    /// ```
    /// let mut lock = spindle::sync::RwLock::new(1);
    /// *lock.get_mut() = 3;
    /// assert_eq!(lock.into_inner(), 3);
    /// ```
    pub fn get_mut(&mut self) -> &mut T
    where
        T: Sized,
    {
        self.cell.get_mut()
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read guard excludes every write guard (the invariant),
        // so no `&mut T` exists while this borrow lives.
        self.lock.cell.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release(1);
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a write guard excludes every other guard (the invariant).
        self.lock.cell.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: a write guard excludes every other guard (the invariant),
        // and it is borrowed mutably here, so this is the only access.
        self.lock.cell.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.sem.release(MAX_READS);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(g) => d.field("data", &&*g),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
