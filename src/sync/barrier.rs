//! `Barrier`: `n` tasks wait until all `n` have arrived.
//!
//! A lock guards the arrival count and a generation number; the `n`-th
//! arrival starts the next generation and wakes the others through a
//! [`Notify`] (each waiter takes its `Notified` before checking the
//! generation, so the wake-up cannot slip between check and wait).

use std::fmt;

use super::facade::Mutex;
use super::notify::Notify;

/// Lets `n` tasks wait for each other; reusable for the next round.
///
/// As with tokio's, a `wait` future counts as arrived from its first poll:
/// cancelling it afterwards does not take the arrival back.
///
/// ```
/// use std::sync::Arc;
/// spindle::block_on(async {
///     let barrier = Arc::new(spindle::sync::Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let b = barrier.clone();
///             spindle::spawn(async move { b.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for t in tasks {
///         leaders += t.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1);
/// });
/// ```
pub struct Barrier {
    state: Mutex<State>,
    n: usize,
    released: Notify,
}

struct State {
    arrived: usize,
    generation: u64,
}

/// What [`Barrier::wait`] returns: exactly one task per round is the leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task was the round's leader (its last arrival).
    ///
    /// ```
    /// spindle::block_on(async {
    ///     assert!(spindle::sync::Barrier::new(1).wait().await.is_leader());
    /// });
    /// ```
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` tasks (`n = 0` behaves as `n = 1`, as tokio's).
    ///
    /// ```
    /// let _b = spindle::sync::Barrier::new(4);
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier { state: Mutex::new(State { arrived: 0, generation: 0 }), n: n.max(1), released: Notify::new() }
    }

    /// Waits until `n` tasks have called `wait` in this round.
    ///
    /// ```
    /// spindle::block_on(async {
    ///     let b = spindle::sync::Barrier::new(1);
    ///     b.wait().await;
    ///     b.wait().await; // a new round
    /// });
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        let generation = {
            let mut s = self.state.lock();
            s.arrived += 1;
            if s.arrived == self.n {
                s.arrived = 0;
                s.generation += 1;
                drop(s);
                self.released.notify_waiters();
                return BarrierWaitResult(true);
            }
            s.generation
        };
        loop {
            let notified = self.released.notified();
            if self.state.lock().generation != generation {
                return BarrierWaitResult(false);
            }
            notified.await;
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("n", &self.n).finish_non_exhaustive()
    }
}
