//! `Semaphore`: a counting semaphore with fair (FIFO) async acquire, over
//! the [batch semaphore](super::batch_semaphore).
//!
//! The owned forms (`acquire_owned` etc.) take `std::sync::Arc<Self>`,
//! also under `cfg(spindle_loom)`: a method receiver must be std's `Arc`,
//! so they do not take `spindle::sync::Arc` (which is loom's there).

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use super::batch_semaphore::{self, Acquire, BatchSemaphore};

/// A counting semaphore: [`acquire`](Semaphore::acquire) waits until a
/// permit is free; dropping the permit gives it back. Waiters are served in
/// FIFO order, also when they ask for several permits, and a cancelled
/// `acquire` future loses no permit (what it had been given goes to the
/// next waiter).
///
/// ```
/// use spindle::sync::Semaphore;
///
/// spindle::block_on(async {
///     let sem = Semaphore::new(2);
///     let a = sem.acquire().await.unwrap();
///     let _b = sem.acquire().await.unwrap();
///     assert!(sem.try_acquire().is_err());
///     drop(a);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
pub struct Semaphore {
    sem: BatchSemaphore,
}

/// A permit borrowed from a [`Semaphore`]; given back on drop.
#[must_use = "the permit is given back at once when dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
}

/// A permit from an `Arc<Semaphore>`, for moving into a task; given back on
/// drop.
#[must_use = "the permit is given back at once when dropped"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: u32,
}

/// The semaphore was closed while (or before) acquiring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcquireError(());

/// Why a `try_acquire` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits were free (or others are queued first).
    NoPermits,
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    pub const MAX_PERMITS: usize = batch_semaphore::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// assert_eq!(spindle::sync::Semaphore::new(3).available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> Semaphore {
        Semaphore { sem: BatchSemaphore::new(permits) }
    }

    /// The permits free right now.
    ///
    /// ```
    /// assert_eq!(spindle::sync::Semaphore::new(0).available_permits(), 0);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.sem.available_permits()
    }

    /// Adds `n` permits, serving queued waiters first.
    ///
    /// # Panics
    ///
    /// If the count would exceed [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// let sem = spindle::sync::Semaphore::new(0);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.sem.release(n);
    }

    /// Waits for one permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let sem = spindle::sync::Semaphore::new(1);
    ///     let permit = sem.acquire().await.unwrap();
    ///     assert_eq!(sem.available_permits(), 0);
    ///     drop(permit);
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits at once (queued as one waiter).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let sem = spindle::sync::Semaphore::new(5);
    ///     let permit = sem.acquire_many(3).await.unwrap();
    ///     assert_eq!(permit.num_permits(), 3);
    ///     assert_eq!(sem.available_permits(), 2);
    /// });
    /// ```
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        Acquire::new(&self.sem, n as usize).await.map_err(|_| AcquireError(()))?;
        Ok(SemaphorePermit { sem: self, permits: n })
    }

    /// Takes one permit if one is free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// use spindle::sync::{Semaphore, TryAcquireError};
    /// let sem = Semaphore::new(1);
    /// let _p = sem.try_acquire().unwrap();
    /// assert_eq!(sem.try_acquire().err(), Some(TryAcquireError::NoPermits));
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// let sem = spindle::sync::Semaphore::new(4);
    /// assert!(sem.try_acquire_many(5).is_err());
    /// assert_eq!(sem.try_acquire_many(4).unwrap().num_permits(), 4);
    /// ```
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.sem.try_acquire(n as usize).map_err(map_try)?;
        Ok(SemaphorePermit { sem: self, permits: n })
    }

    /// [`acquire`](Semaphore::acquire) for an `Arc<Semaphore>`: the permit
    /// owns a reference and can move into a task.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// spindle::block_on(async {
    ///     let sem = Arc::new(spindle::sync::Semaphore::new(1));
    ///     let permit = sem.clone().acquire_owned().await.unwrap();
    ///     spindle::spawn(async move { drop(permit) }).await.unwrap();
    ///     assert_eq!(sem.available_permits(), 1);
    /// });
    /// ```
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// [`acquire_many`](Semaphore::acquire_many) for an `Arc<Semaphore>`.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// spindle::block_on(async {
    ///     let sem = Arc::new(spindle::sync::Semaphore::new(3));
    ///     let permit = sem.clone().acquire_many_owned(3).await.unwrap();
    ///     assert_eq!(permit.num_permits(), 3);
    /// });
    /// ```
    pub async fn acquire_many_owned(self: Arc<Self>, n: u32) -> Result<OwnedSemaphorePermit, AcquireError> {
        Acquire::new(&self.sem, n as usize).await.map_err(|_| AcquireError(()))?;
        Ok(OwnedSemaphorePermit { sem: self, permits: n })
    }

    /// [`try_acquire`](Semaphore::try_acquire) for an `Arc<Semaphore>`.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// let sem = std::sync::Arc::new(spindle::sync::Semaphore::new(1));
    /// let _p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(sem.try_acquire_owned().is_err());
    /// ```
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// [`try_acquire_many`](Semaphore::try_acquire_many) for an
    /// `Arc<Semaphore>`.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::NoPermits`] or [`TryAcquireError::Closed`].
    ///
    /// ```
    /// let sem = std::sync::Arc::new(spindle::sync::Semaphore::new(2));
    /// assert_eq!(sem.try_acquire_many_owned(2).unwrap().num_permits(), 2);
    /// ```
    pub fn try_acquire_many_owned(self: Arc<Self>, n: u32) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.sem.try_acquire(n as usize).map_err(map_try)?;
        Ok(OwnedSemaphorePermit { sem: self, permits: n })
    }

    /// Closes the semaphore: queued and future acquires fail; permits
    /// already held are unaffected.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let sem = spindle::sync::Semaphore::new(1);
    ///     sem.close();
    ///     assert!(sem.is_closed());
    ///     assert!(sem.acquire().await.is_err());
    /// });
    /// ```
    pub fn close(&self) {
        self.sem.close();
    }

    /// Whether [`close`](Semaphore::close) was called.
    ///
    /// ```
    /// assert!(!spindle::sync::Semaphore::new(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.sem.is_closed()
    }
}

fn map_try(e: batch_semaphore::TryAcquireError) -> TryAcquireError {
    match e {
        batch_semaphore::TryAcquireError::Closed => TryAcquireError::Closed,
        batch_semaphore::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
    }
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = spindle::sync::Semaphore::new(2);
    /// assert_eq!(sem.try_acquire_many(2).unwrap().num_permits(), 2);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// let sem = spindle::sync::Semaphore::new(1);
    /// sem.try_acquire().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

impl OwnedSemaphorePermit {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(spindle::sync::Semaphore::new(1));
    /// assert_eq!(sem.try_acquire_owned().unwrap().num_permits(), 1);
    /// ```
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore this permit came from.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(spindle::sync::Semaphore::new(1));
    /// let p = sem.clone().try_acquire_owned().unwrap();
    /// assert!(std::sync::Arc::ptr_eq(p.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Keeps the permits out of the semaphore for good.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(spindle::sync::Semaphore::new(1));
    /// sem.clone().try_acquire_owned().unwrap().forget();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(mut self) {
        self.permits = 0;
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.sem.release(self.permits as usize);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.sem.release(self.permits as usize);
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.sem.fmt(f)
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").field("permits", &self.permits).finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit").field("permits", &self.permits).finish()
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl Error for AcquireError {}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl Error for TryAcquireError {}
