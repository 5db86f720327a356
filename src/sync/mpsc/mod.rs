//! Multi-producer, single-consumer channels: [`channel`] (bounded: `send`
//! waits for a free slot) and [`unbounded_channel`].
//!
//! Both share one core (`chan.rs`): a queue under a lock, which the
//! receiver (`rx.rs`, one for both flavours) drains a whole batch at a time. The bounded channel's slots are
//! permits of the crate's batch semaphore, so waiting senders are served in
//! FIFO order and a cancelled `send` passes its slot on. Messages are
//! received in the order their sends completed; dropping the receiver drops
//! every queued message exactly once.
//!
//! ```
//! use spindle::sync::mpsc;
//!
//! spindle::block_on(async {
//!     let (tx, mut rx) = mpsc::channel(16);
//!     for id in 0..4 {
//!         let tx = tx.clone();
//!         spindle::spawn(async move { tx.send(id).await.unwrap() });
//!     }
//!     drop(tx);
//!     let mut got = Vec::new();
//!     while let Some(id) = rx.recv().await {
//!         got.push(id);
//!     }
//!     got.sort();
//!     assert_eq!(got, [0, 1, 2, 3]);
//! });
//! ```

mod bounded;
mod chan;
pub mod error;
mod rx;
mod unbounded;

pub use bounded::{channel, Permit, Receiver, Sender, WeakSender};
pub use unbounded::{unbounded_channel, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};
