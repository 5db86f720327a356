//! `block_on_overhead`: the cost of one `block_on` of a future that is
//! ready at once, on the calling (non-worker) thread: entering the runtime
//! context, one poll, leaving. It is what a divan bench pays per iteration
//! when it calls `rt.block_on` inside the bench (divan has no async
//! support), and what criterion pays once per sample. spindle and tokio use
//! `Runtime::block_on`, async-executor's column `futures_lite::future::block_on`.

use std::hint::black_box;
use std::time::Instant;

use crate::rt::BenchRuntime;

/// `block_on` calls per sample.
pub const BLOCK_ONS: u32 = 100_000;

/// Seconds per `block_on` of a ready future, over [`BLOCK_ONS`] calls.
pub fn block_on_overhead<R: BenchRuntime>(rt: &R) -> f64 {
    let start = Instant::now();
    for i in 0..BLOCK_ONS {
        black_box(rt.block_on(async move { black_box(i) }));
    }
    start.elapsed().as_secs_f64() / f64::from(BLOCK_ONS)
}
