//! The oneshot channel's state word and its named transitions.
//!
//! | bit | name | set by | meaning |
//! |---|---|---|---|
//! | 0 | `RX_TASK_SET` | the receiver | its waker is in `rx_task`; the sender may read it |
//! | 1 | `COMPLETE` | `send`, or the sender's drop | no more writes to `value`; the receiver may take it |
//! | 2 | `CLOSED` | `close`, the receiver's drop | `send` fails and returns its value |
//! | 3 | `TX_TASK_SET` | the sender (`poll_closed`) | its waker is in `tx_task`; the receiver may read it |
//!
//! Each bit is set once, except the two `*_TASK_SET` bits, which their
//! owner clears (to replace its waker) and sets again. `COMPLETE` and
//! `CLOSED` may both be set: a value was sent and the receiver then went.

use super::super::facade::atomic::{AtomicUsize, Ordering};

const RX_TASK_SET: usize = 0b0001;
const COMPLETE: usize = 0b0010;
const CLOSED: usize = 0b0100;
const TX_TASK_SET: usize = 0b1000;

/// A read of the state word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

impl Snapshot {
    pub(super) fn is_rx_task_set(self) -> bool {
        self.0 & RX_TASK_SET != 0
    }
    pub(super) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(super) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }
    pub(super) fn is_tx_task_set(self) -> bool {
        self.0 & TX_TASK_SET != 0
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("rx_task_set", &self.is_rx_task_set())
            .field("complete", &self.is_complete())
            .field("closed", &self.is_closed())
            .field("tx_task_set", &self.is_tx_task_set())
            .finish()
    }
}

/// The state word.
pub(super) struct State(AtomicUsize);

impl State {
    pub(super) fn new() -> State {
        State(AtomicUsize::new(0))
    }

    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// `send`: sets `COMPLETE` unless `CLOSED` is set. Returns the state
    /// before; the send happened iff that is not closed.
    pub(super) fn transition_to_sent(&self) -> Snapshot {
        let mut curr = self.0.load(Ordering::Relaxed);
        loop {
            if curr & CLOSED != 0 {
                return Snapshot(curr);
            }
            match self.0.compare_exchange_weak(curr, curr | COMPLETE, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Snapshot(curr),
                Err(actual) => curr = actual,
            }
        }
    }

    /// The sender's drop without a send: sets `COMPLETE` (with no value).
    pub(super) fn transition_to_tx_dropped(&self) -> Snapshot {
        Snapshot(self.0.fetch_or(COMPLETE, Ordering::AcqRel))
    }

    /// `close` or the receiver's drop: sets `CLOSED`.
    pub(super) fn transition_to_closed(&self) -> Snapshot {
        Snapshot(self.0.fetch_or(CLOSED, Ordering::AcqRel))
    }

    /// The receiver publishes the waker it just wrote.
    pub(super) fn set_rx_task(&self) -> Snapshot {
        Snapshot(self.0.fetch_or(RX_TASK_SET, Ordering::AcqRel))
    }

    /// The receiver takes its waker back to replace it.
    pub(super) fn unset_rx_task(&self) -> Snapshot {
        Snapshot(self.0.fetch_and(!RX_TASK_SET, Ordering::AcqRel))
    }

    /// The sender publishes the waker it just wrote.
    pub(super) fn set_tx_task(&self) -> Snapshot {
        Snapshot(self.0.fetch_or(TX_TASK_SET, Ordering::AcqRel))
    }

    /// The sender takes its waker back to replace it.
    pub(super) fn unset_tx_task(&self) -> Snapshot {
        Snapshot(self.0.fetch_and(!TX_TASK_SET, Ordering::AcqRel))
    }
}
