//! Blocking work that must not run on a worker thread: name lookup and the
//! Unix-domain `connect`.
//!
//! `std` has no non-blocking resolver, and a Unix-domain `connect` to a
//! listener whose backlog is full waits. So both run as a blocking job,
//! awaited through a one-shot slot (a TCP `connect` does not come here: it
//! is a non-blocking connect on the reactor, `net/tcp/socket.rs`):
//!
//! * by default a job runs on a fresh thread named `spindle-blocking`;
//! * the runtime facade routes jobs to its blocking pool by calling
//!   [`set_blocking_spawner`] once with a function that calls its
//!   `spawn_blocking`.
//!
//! Literal addresses (`"127.0.0.1:8080"`, `SocketAddr`, `(IpAddr, u16)`)
//! never get here for *resolution*: [`crate::net::ToSocketAddrs`] parses
//! them without a syscall.
//!
//! A job the spawner drops without running (a pool that is shutting down, a
//! thread that failed to start) completes its future with an error rather
//! than leaving it pending forever.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use crate::reactor::wake_quietly;

/// A function that runs a blocking job on a thread where blocking is fine.
///
/// It must run the job eventually or drop it (the awaiting future then
/// fails with an error).
pub type BlockingSpawner = fn(Box<dyn FnOnce() + Send + 'static>);

static SPAWNER: RwLock<Option<BlockingSpawner>> = RwLock::new(None);

/// Routes the reactor's blocking jobs (name lookup, `connect`) through
/// `spawner` from now on, process-wide. The runtime facade calls this with
/// its `spawn_blocking`; without it, each job gets its own thread.
///
/// ```
/// fn on_a_thread(job: Box<dyn FnOnce() + Send + 'static>) {
///     std::thread::spawn(job);
/// }
/// spindle_reactor::set_blocking_spawner(on_a_thread);
/// ```
pub fn set_blocking_spawner(spawner: BlockingSpawner) {
    *SPAWNER.write().unwrap_or_else(|e| e.into_inner()) = Some(spawner);
}

fn spawn(job: Box<dyn FnOnce() + Send + 'static>) {
    let spawner = *SPAWNER.read().unwrap_or_else(|e| e.into_inner());
    match spawner {
        Some(spawner) => spawner(job),
        None => {
            // On failure the job is dropped, and its `Sender` reports that.
            let _ = std::thread::Builder::new().name("spindle-blocking".into()).spawn(job);
        }
    }
}

/// Runs `f` through the blocking spawner and waits for its result.
pub(crate) fn run<T, F>(f: F) -> BlockingJob<T>
where
    T: Send + 'static,
    F: FnOnce() -> io::Result<T> + Send + 'static,
{
    let shared = Arc::new(Mutex::new(Slot { result: None, waker: None }));
    let sender = Sender(Some(shared.clone()));
    spawn(Box::new(move || sender.send(f())));
    BlockingJob { shared }
}

struct Slot<T> {
    result: Option<io::Result<T>>,
    waker: Option<Waker>,
}

/// The job's end of the slot; reports an error if dropped unsent.
struct Sender<T>(Option<Arc<Mutex<Slot<T>>>>);

impl<T> Sender<T> {
    fn send(mut self, result: io::Result<T>) {
        if let Some(shared) = self.0.take() {
            complete(&shared, result);
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            complete(&shared, Err(io::Error::other("blocking job was dropped before it ran")));
        }
    }
}

fn complete<T>(shared: &Mutex<Slot<T>>, result: io::Result<T>) {
    let waker = {
        let mut slot = shared.lock();
        slot.result = Some(result);
        slot.waker.take()
    };
    if let Some(waker) = waker {
        wake_quietly(waker);
    }
}

/// The future of [`run`].
pub(crate) struct BlockingJob<T> {
    shared: Arc<Mutex<Slot<T>>>,
}

impl<T> Future for BlockingJob<T> {
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let mut slot = self.shared.lock();
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for BlockingJob<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingJob").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_returns() {
        let v = futures_executor::block_on(run(|| Ok(6 * 7))).unwrap();
        assert_eq!(v, 42);
    }

    #[test]
    fn dropped_job_fails_instead_of_hanging() {
        let shared = Arc::new(Mutex::new(Slot::<u8> { result: None, waker: None }));
        drop(Sender(Some(shared.clone())));
        let err = futures_executor::block_on(BlockingJob { shared }).unwrap_err();
        assert!(err.to_string().contains("dropped"), "{err}");
    }
}
