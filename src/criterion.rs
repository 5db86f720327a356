//! criterion's async benchmarks on spindle (the `criterion` feature):
//! [`AsyncExecutor`] for [`Runtime`](crate::Runtime), `&Runtime`,
//! [`Handle`](crate::Handle) and `&Handle`, so that `b.to_async(&rt)` works
//! (the impls sit beside the types, in `spindle-executor`, because of Rust's
//! orphan rule). The mapping
//! is `Runtime::block_on`, nothing more; criterion runs its whole timing
//! loop inside one `block_on`, so its cost is paid once per sample, not per
//! iteration.
//!
//! ```
//! use criterion::Criterion;
//!
//! let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let mut c = Criterion::default()
//!     .sample_size(10)
//!     .warm_up_time(std::time::Duration::from_millis(10))
//!     .measurement_time(std::time::Duration::from_millis(50));
//! c.bench_function("spawn", |b| b.to_async(&rt).iter(|| async { spindle::spawn(async { 1 }).await.unwrap() }));
//!
//! // The trait itself, as criterion calls it:
//! use criterion::async_executor::AsyncExecutor;
//! assert_eq!(AsyncExecutor::block_on(&&rt, async { 6 * 7 }), 42);
//! ```
//!
//! # divan
//!
//! divan has no async support (divan#39): call `block_on` inside the
//! bench. A spindle `block_on` of a ready future costs well under a
//! microsecond (the `block_on_overhead` row of `compare` measures it), so
//! for benches of a few microseconds or more it stays out of the numbers;
//! build the runtime once, outside the bench:
//!
//! ```
//! static RT: std::sync::LazyLock<spindle::Runtime> = std::sync::LazyLock::new(|| spindle::Runtime::new().unwrap());
//!
//! // #[divan::bench]
//! fn spawn_one() -> usize {
//!     RT.block_on(async { spindle::spawn(async { 1 }).await.unwrap() })
//! }
//! # assert_eq!(spawn_one(), 1);
//! ```
//!
//! A `Handle` benches the same way: `b.to_async(rt.handle())`.

/// criterion's trait, implemented for spindle's `Runtime` and `Handle`.
pub use ::criterion::async_executor::AsyncExecutor;
