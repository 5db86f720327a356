//! Task lifecycle hooks ([`Builder::on_task_spawn`](crate::Builder::on_task_spawn),
//! [`Builder::on_task_terminate`](crate::Builder::on_task_terminate)) and
//! [`TaskMeta`], what they are shown.
//!
//! The spawn hook runs on the spawning thread before the task is queued;
//! the terminate hook on the thread that completes (or cancels) the task,
//! right after its future was dropped and before its `JoinHandle` is told.
//! Each runs once per task of a scheduler (blocking closures are not
//! included). A panic in a hook is caught and dropped: it must not unwind
//! a worker or a spawner. The thread park hooks live here too.

use std::fmt;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::Arc;

use super::meta::Meta;
use super::Id;

/// A task as a hook sees it (tokio's `TaskMeta`).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// let spawned = Arc::new(AtomicUsize::new(0));
/// let s = spawned.clone();
/// let rt = spindle_executor::Builder::new_multi_thread()
///     .on_task_spawn(move |meta| {
///         assert!(meta.location().file().ends_with(".rs"));
///         s.fetch_add(1, Ordering::SeqCst);
///     })
///     .build()
///     .unwrap();
/// rt.block_on(rt.spawn(async {})).unwrap();
/// assert_eq!(spawned.load(Ordering::SeqCst), 1);
/// ```
pub struct TaskMeta<'a> {
    id: Id,
    meta: &'a Meta,
}

impl<'a> TaskMeta<'a> {
    pub(crate) fn new(id: Id, meta: &'a Meta) -> TaskMeta<'a> {
        TaskMeta { id, meta }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The task's name, if it was spawned with one.
    pub fn name(&self) -> Option<&str> {
        self.meta.name()
    }

    /// Where the task was spawned.
    pub fn location(&self) -> &'static Location<'static> {
        self.meta.location()
    }
}

impl fmt::Debug for TaskMeta<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskMeta")
            .field("id", &self.id)
            .field("name", &self.name())
            .field("location", &self.location())
            .finish()
    }
}

/// A hook's callback.
pub(crate) type TaskCallback = Arc<dyn Fn(&TaskMeta<'_>) + Send + Sync>;

/// The hooks a runtime was built with.
#[derive(Clone, Default)]
pub(crate) struct TaskHooks {
    pub(crate) on_spawn: Option<TaskCallback>,
    pub(crate) on_terminate: Option<TaskCallback>,
    /// `on_thread_park` / `on_thread_unpark`: around a worker's sleep (kept
    /// here, with the task hooks, because the schedulers reach these through
    /// their `Config`).
    pub(crate) on_park: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_unpark: Option<Arc<dyn Fn() + Send + Sync>>,
    /// What a panic nobody will read does to the runtime.
    pub(crate) unhandled_panic: UnhandledPanic,
}

/// What the runtime does when a task panics and its `JoinHandle` is gone
/// (so nobody can read the panic): tokio's `UnhandledPanic`.
///
/// ```
/// use spindle_executor::runtime::UnhandledPanic;
/// let rt = spindle_executor::Builder::new_multi_thread()
///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
///     .build()
///     .unwrap();
/// let idle = rt.spawn(std::future::pending::<()>());
/// drop(rt.spawn(async { panic!("nobody reads this") }));
/// assert!(rt.block_on(idle).unwrap_err().is_cancelled());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// The panic is dropped; the runtime goes on (the default).
    #[default]
    Ignore,
    /// The runtime shuts down: every task is cancelled (their
    /// `JoinHandle`s resolve to cancelled), workers stop, and later spawns
    /// give cancelled handles.
    ShutdownRuntime,
}

impl TaskHooks {
    pub(crate) fn is_empty(&self) -> bool {
        self.on_spawn.is_none()
            && self.on_terminate.is_none()
            && self.on_park.is_none()
            && self.on_unpark.is_none()
            && self.unhandled_panic == UnhandledPanic::Ignore
    }

    /// A worker is about to sleep.
    pub(crate) fn parking(&self) {
        if let Some(f) = &self.on_park {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| f()));
        }
    }

    /// A worker woke up.
    pub(crate) fn unparked(&self) {
        if let Some(f) = &self.on_unpark {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| f()));
        }
    }

    pub(crate) fn spawned(&self, id: Id, meta: &Meta) {
        if let Some(f) = &self.on_spawn {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| f(&TaskMeta::new(id, meta))));
        }
    }

    pub(crate) fn terminated(&self, id: Id, meta: &Meta) {
        if let Some(f) = &self.on_terminate {
            let _ = panic::catch_unwind(AssertUnwindSafe(|| f(&TaskMeta::new(id, meta))));
        }
    }
}

impl fmt::Debug for TaskHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHooks")
            .field("on_spawn", &self.on_spawn.is_some())
            .field("on_terminate", &self.on_terminate.is_some())
            .field("on_park", &self.on_park.is_some())
            .field("on_unpark", &self.on_unpark.is_some())
            .finish()
    }
}
