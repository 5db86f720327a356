//! `mutex_contended`: 8 tasks × 10,000 lock / increment / unlock on one
//! async mutex: spindle's, tokio's and async-lock's. The home row runs each
//! runtime's own mutex on it (async-lock on async-executor); the
//! `mutex_contended/<mutex>` rows run one mutex on all three runtimes.

use std::future::Future;
use std::ops::DerefMut;
use std::sync::Arc;

use super::{wait, Latch};
use crate::rt::{BenchRuntime, Spawner};

/// Contending tasks.
pub const TASKS: usize = 8;
/// Lock / increment / unlock rounds per task.
pub const ROUNDS: u64 = 10_000;

/// One async mutex crate.
pub trait AsyncMutex: Send + Sync + 'static {
    /// Row suffix.
    const NAME: &'static str;
    /// A mutex holding 0.
    fn new() -> Self;
    /// Locks it.
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send + '_;
}

impl AsyncMutex for spindle::sync::Mutex<u64> {
    const NAME: &'static str = "spindle";
    fn new() -> Self {
        spindle::sync::Mutex::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send + '_ {
        spindle::sync::Mutex::lock(self)
    }
}

impl AsyncMutex for tokio::sync::Mutex<u64> {
    const NAME: &'static str = "tokio";
    fn new() -> Self {
        tokio::sync::Mutex::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send + '_ {
        tokio::sync::Mutex::lock(self)
    }
}

impl AsyncMutex for async_lock::Mutex<u64> {
    const NAME: &'static str = "async-lock";
    fn new() -> Self {
        async_lock::Mutex::new(0)
    }
    fn lock(&self) -> impl Future<Output = impl DerefMut<Target = u64> + Send + '_> + Send + '_ {
        async_lock::Mutex::lock(self)
    }
}

/// Runs the workload with mutex `M` on runtime `R` and checks the count.
pub fn mutex_contended<R: BenchRuntime, M: AsyncMutex>(rt: &R) {
    let (latch, done) = Latch::new(TASKS);
    let m = Arc::new(M::new());
    let spawner = rt.spawner();
    rt.spawn_remote({
        let m = m.clone();
        async move {
            for _ in 0..TASKS {
                let (m, latch) = (m.clone(), latch.clone());
                spawner.spawn(async move {
                    for _ in 0..ROUNDS {
                        *m.lock().await += 1;
                    }
                    latch.count_down();
                });
            }
        }
    });
    wait(rt, done);
    let total = rt.block_on(async { *m.lock().await });
    assert_eq!(total, TASKS as u64 * ROUNDS, "{}: increments lost", M::NAME);
}
