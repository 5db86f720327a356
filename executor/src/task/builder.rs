//! `task::Builder`: spawning a task with a name.
//!
//! A name costs one small allocation (the task's name block, which holds
//! a name of up to 22 bytes and keeps the task's poll figures for
//! [`Handle::dump`](crate::Handle::dump); a longer name is a second); an
//! unnamed task costs nothing beyond its spawn site, a pointer in its
//! header. Names need not be unique.

use std::future::Future;
use std::io;
use std::panic::Location;

use super::meta::Meta;
use super::JoinHandle;
use crate::runtime::{context, Handle};

/// Configures a task before spawning it (tokio's `task::Builder`).
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// rt.block_on(async {
///     let join = spindle_executor::task::Builder::new().name("conn-42").spawn(async { 42 })?;
///     assert_eq!(join.await.unwrap(), 42);
///     std::io::Result::Ok(())
/// })
/// # .unwrap();
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    ///
    /// ```
    /// let b = spindle_executor::task::Builder::new();
    /// # let _ = b;
    /// ```
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the task; the name shows in dumps, watchdog reports and hooks.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _join = spindle_executor::task::Builder::new()
    ///     .name("ticker")
    ///     .spawn_on(std::future::pending::<()>(), rt.handle())
    ///     .unwrap();
    /// let dump = rt.dump();
    /// assert!(dump.tasks().any(|t| t.name() == Some("ticker")));
    /// ```
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    #[track_caller]
    fn meta(&self) -> Meta {
        let location = Location::caller();
        match self.name {
            Some(name) => Meta::named(location, name),
            None => Meta::located(location),
        }
    }

    /// Spawns the task on the current runtime.
    ///
    /// # Errors
    /// `ErrorKind::Other` outside a runtime (where [`spawn`](crate::spawn)
    /// panics).
    ///
    /// ```
    /// let err = spindle_executor::task::Builder::new().spawn(async {}).unwrap_err();
    /// assert!(err.to_string().contains("outside a spindle runtime"));
    /// ```
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let meta = self.meta();
        context::with_current(|h| h.map(|h| h.inner.scheduler.spawn(future, meta))).ok_or_else(outside)
    }

    /// Spawns the task on the runtime behind `handle`.
    ///
    /// # Errors
    /// None today; the `Result` matches [`Builder::spawn`].
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let join = spindle_executor::task::Builder::new().name("one").spawn_on(async { 1 }, rt.handle()).unwrap();
    /// assert_eq!(rt.block_on(join).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(handle.inner.scheduler.spawn(future, self.meta()))
    }

    /// Runs a blocking closure on the current runtime's blocking pool.
    ///
    /// # Errors
    /// `ErrorKind::Other` outside a runtime.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let join = spindle_executor::task::Builder::new().name("hash").spawn_blocking(|| 6 * 7).unwrap();
    /// assert_eq!(rt.block_on(join).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = self.meta();
        Ok(current()?.inner.spawn_blocking(f, meta))
    }

    /// Runs a blocking closure on the current runtime's blocking pool if it
    /// has room within `max_blocking_queue` (see
    /// [`try_spawn_blocking`](crate::task::try_spawn_blocking)).
    ///
    /// # Errors
    /// `ErrorKind::Other` outside a runtime or after shutdown;
    /// `ErrorKind::WouldBlock` when the queue is full (the closure is
    /// dropped: use [`try_spawn_blocking`](crate::task::try_spawn_blocking)
    /// to get it back).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// let join = spindle_executor::task::Builder::new().name("hash").try_spawn_blocking(|| 6 * 7).unwrap();
    /// assert_eq!(rt.block_on(join).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn try_spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = self.meta();
        Ok(current()?.inner.try_spawn_blocking(f, meta)?)
    }

    /// Returns a future that waits for room within `max_blocking_queue`,
    /// then runs a blocking closure on the current runtime's blocking pool
    /// (see [`spawn_blocking_bounded`](crate::task::spawn_blocking_bounded),
    /// and its cancel safety).
    ///
    /// # Errors
    /// `ErrorKind::Other` outside a runtime (at the call).
    ///
    /// ```
    /// let rt = spindle_executor::Builder::new_multi_thread().max_blocking_queue(4).build().unwrap();
    /// let n = rt.block_on(async {
    ///     let spawn = spindle_executor::task::Builder::new().name("hash").spawn_blocking_bounded(|| 6 * 7)?;
    ///     std::io::Result::Ok(spawn.await.await.unwrap())
    /// });
    /// assert_eq!(n.unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_bounded<F, R>(self, f: F) -> io::Result<impl Future<Output = JoinHandle<R>> + Send + 'static>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = self.meta();
        Ok(current()?.inner.spawn_blocking_bounded(f, meta))
    }
}

/// The current runtime (whose blocking spawns dispatch the closure: see
/// `runtime/blocking_spawns.rs`), or the error outside one.
fn current() -> io::Result<Handle> {
    context::with_current(|h| h.cloned()).ok_or_else(outside)
}

fn outside() -> io::Error {
    io::Error::other(
        "task::Builder::spawn called outside a spindle runtime: call it from inside `block_on`, a task, or a \
         runtime thread, or use `spawn_on`",
    )
}
