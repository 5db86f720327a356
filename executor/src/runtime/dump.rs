//! `Handle::dump`: a snapshot of every live task ([`Dump`], [`TaskInfo`]).
//!
//! The registry is walked one shard at a time under that shard's lock
//! (`Registry::for_each`), so workers keep running and a spawn waits at
//! most for the one shard being copied; every task seen is held by the
//! registry while it is read, so a dump never shows a freed task. The
//! snapshot is not atomic across shards: a task spawned or finished during
//! the walk may or may not appear.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::Location;
use std::time::Duration;

use super::Handle;
use crate::task::{Id, RawTask};

/// What a task was doing when the dump was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting to be woken.
    Idle,
    /// Woken, waiting in a queue.
    Scheduled,
    /// Being polled; `worker` is the worker's index where it is known (it
    /// is not for a task polled by `block_on` or the blocking pool).
    Running {
        /// The polling worker.
        worker: Option<usize>,
    },
    /// Finished, waiting to leave the registry.
    Complete,
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskState::Idle => f.write_str("idle"),
            TaskState::Scheduled => f.write_str("scheduled"),
            TaskState::Running { worker: Some(w) } => write!(f, "running on worker {w}"),
            TaskState::Running { worker: None } => f.write_str("running"),
            TaskState::Complete => f.write_str("complete"),
        }
    }
}

/// One task in a [`Dump`].
///
/// Poll figures (`polls`, `age`, `since_last_poll`, `busy`) are kept only
/// for named tasks ([`task::Builder::name`](crate::task::Builder::name)),
/// which carry a small block for them; for unnamed tasks they are `None`,
/// which keeps an unnamed task's cost at one pointer.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    id: Id,
    name: Option<String>,
    location: &'static Location<'static>,
    state: TaskState,
    polls: Option<u64>,
    age: Option<Duration>,
    since_last_poll: Option<Duration>,
    busy: Option<Duration>,
}

impl TaskInfo {
    /// Reads a task's header; the caller holds a reference to it.
    pub(crate) fn read(task: RawTask, now: u64, running_on: impl Fn(Id) -> Option<usize>) -> TaskInfo {
        let meta = task.meta();
        let snapshot = task.state().load();
        let id = task.id();
        let state = if snapshot.is_complete() {
            TaskState::Complete
        } else if snapshot.is_running() {
            TaskState::Running { worker: running_on(id) }
        } else if snapshot.is_scheduled() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        let stats = meta.stats();
        TaskInfo {
            id,
            name: meta.name().map(str::to_owned),
            location: meta.location(),
            state,
            polls: stats.map(|s| s.polls()),
            age: stats.map(|s| s.age(now)),
            since_last_poll: stats.and_then(|s| s.since_last_poll(now)),
            busy: stats.map(|s| s.busy()),
        }
    }

    /// The task's id.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let join = rt.spawn(std::future::pending::<()>());
    /// assert!(rt.dump().tasks().any(|t| t.id() == join.id()));
    /// ```
    pub fn id(&self) -> Id {
        self.id
    }

    /// The task's name, if it was spawned with one.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = spindle_executor::task::Builder::new().name("a").spawn_on(std::future::pending::<()>(), rt.handle());
    /// assert_eq!(rt.dump().tasks().next().unwrap().name(), Some("a"));
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the task was spawned (the caller of `spawn`).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.dump().tasks().next().unwrap().location().line(), line!() - 1);
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// What the task was doing.
    ///
    /// ```
    /// use spindle_executor::runtime::TaskState;
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = rt.spawn(std::future::pending::<()>());
    /// std::thread::sleep(std::time::Duration::from_millis(50));
    /// assert_eq!(rt.dump().tasks().next().unwrap().state(), TaskState::Idle);
    /// ```
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// Polls so far (named tasks only).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let j = spindle_executor::task::Builder::new().name("p").spawn_on(std::future::pending::<()>(), rt.handle()).unwrap();
    /// std::thread::sleep(std::time::Duration::from_millis(50));
    /// assert_eq!(rt.dump().tasks().find(|t| t.id() == j.id()).unwrap().polls(), Some(1));
    /// ```
    pub fn polls(&self) -> Option<u64> {
        self.polls
    }

    /// Time since the task was spawned (named tasks only).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = spindle_executor::task::Builder::new().name("a").spawn_on(std::future::pending::<()>(), rt.handle());
    /// std::thread::sleep(std::time::Duration::from_millis(20));
    /// assert!(rt.dump().tasks().next().unwrap().age().unwrap() >= std::time::Duration::from_millis(20));
    /// ```
    pub fn age(&self) -> Option<Duration> {
        self.age
    }

    /// Time since the task's last poll started (named tasks that were
    /// polled).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = spindle_executor::task::Builder::new().name("a").spawn_on(std::future::pending::<()>(), rt.handle());
    /// std::thread::sleep(std::time::Duration::from_millis(50));
    /// assert!(rt.dump().tasks().next().unwrap().since_last_poll().is_some());
    /// ```
    pub fn since_last_poll(&self) -> Option<Duration> {
        self.since_last_poll
    }

    /// Total time spent in the task's polls (named tasks only).
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = spindle_executor::task::Builder::new().name("a").spawn_on(std::future::pending::<()>(), rt.handle());
    /// assert!(rt.dump().tasks().next().unwrap().busy().is_some());
    /// ```
    pub fn busy(&self) -> Option<Duration> {
        self.busy
    }
}

/// A snapshot of a runtime's live tasks, from [`Handle::dump`].
///
/// `Display` prints a table grouped by spawn site, the busiest site first,
/// each group headed by its task count (like a thread dump).
///
/// ```
/// let rt = spindle_executor::Runtime::new().unwrap();
/// let _a: Vec<_> = (0..3).map(|_| rt.spawn(std::future::pending::<()>())).collect();
/// let dump = rt.dump();
/// assert_eq!(dump.len(), 3);
/// assert!(dump.to_string().contains("3 tasks spawned at"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Dump {
    tasks: Vec<TaskInfo>,
}

impl Dump {
    /// Copies every live task of `handle`'s runtime.
    pub(crate) fn take(handle: &Handle) -> Dump {
        let scheduler = &handle.inner.scheduler;
        let workers: Vec<Option<u64>> =
            (0..scheduler.num_workers()).map(|w| scheduler.worker_metrics(w).polling()).collect();
        let running_on = |id: Id| workers.iter().position(|p| *p == Some(id.as_u64()));
        let now = crate::metrics_clock::now();
        let mut tasks = Vec::new();
        scheduler.registry().for_each(|task| tasks.push(TaskInfo::read(task, now, running_on)));
        Dump { tasks }
    }

    /// The tasks, in registry order.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert_eq!(rt.dump().tasks().count(), 0);
    /// ```
    pub fn tasks(&self) -> impl ExactSizeIterator<Item = &TaskInfo> + '_ {
        self.tasks.iter()
    }

    /// Number of tasks in the dump.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = rt.spawn(std::future::pending::<()>());
    /// assert_eq!(rt.dump().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the dump holds no task.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// assert!(rt.dump().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

impl<'a> IntoIterator for &'a Dump {
    type Item = &'a TaskInfo;
    type IntoIter = std::slice::Iter<'a, TaskInfo>;

    fn into_iter(self) -> Self::IntoIter {
        self.tasks.iter()
    }
}

fn opt_duration(d: Option<Duration>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| format!("{d:.1?}"))
}

/// Writes `tasks` grouped by spawn site (shared with `ShutdownReport`).
pub(crate) fn write_grouped(f: &mut fmt::Formatter<'_>, tasks: &[TaskInfo]) -> fmt::Result {
    let mut sites: BTreeMap<(&str, u32, u32), Vec<&TaskInfo>> = BTreeMap::new();
    for t in tasks {
        sites.entry((t.location.file(), t.location.line(), t.location.column())).or_default().push(t);
    }
    let mut sites: Vec<_> = sites.into_iter().collect();
    sites.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    for ((file, line, col), group) in sites {
        let noun = if group.len() == 1 { "task" } else { "tasks" };
        writeln!(f, "{} {noun} spawned at {file}:{line}:{col}", group.len())?;
        writeln!(
            f,
            "  {:>10}  {:<16}  {:<20}  {:>7}  {:>10}  {:>10}  {:>10}",
            "id", "name", "state", "polls", "age", "idle", "busy"
        )?;
        for t in group {
            writeln!(
                f,
                "  {:>10}  {:<16}  {:<20}  {:>7}  {:>10}  {:>10}  {:>10}",
                t.id.as_u64(),
                t.name.as_deref().unwrap_or("-"),
                t.state.to_string(),
                t.polls.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                opt_duration(t.age),
                opt_duration(t.since_last_poll),
                opt_duration(t.busy),
            )?;
        }
    }
    Ok(())
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} live tasks", self.tasks.len())?;
        write_grouped(f, &self.tasks)
    }
}

impl Handle {
    /// A snapshot of every live task of this runtime (see [`Dump`]). The
    /// runtime keeps running while it is taken.
    ///
    /// ```
    /// let rt = spindle_executor::Runtime::new().unwrap();
    /// let _j = spindle_executor::task::Builder::new().name("ticker").spawn_on(std::future::pending::<()>(), rt.handle());
    /// let dump = rt.handle().dump();
    /// assert_eq!(dump.tasks().next().unwrap().name(), Some("ticker"));
    /// ```
    pub fn dump(&self) -> Dump {
        Dump::take(self)
    }
}
