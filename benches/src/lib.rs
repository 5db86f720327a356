//! spindle's benchmarks: spindle against tokio and async-executor, on the
//! same workloads, in one process. They track regressions and the gap to
//! the faster peer (see `DESIGN.md`, "Performance targets").
//!
//! - [`rt`]: the three runtimes behind [`rt::BenchRuntime`], built once.
//! - [`workloads`]: each benchmark, written once, generic over the runtime.
//! - [`net`]: the socket rows (`tcp_echo`, `http_hello`) and their runtimes.
//! - [`rows`]: the registry of table rows that the `compare` binary runs.
//! - [`report`]: medians, percentiles, the markdown table.
//! - [`alloc`]: the counting allocator behind `bytes_per_idle_task`.
//!
//! The criterion benches (`benches/executor.rs`) run the same workloads.
//!
//! ```
//! use spindle_benches::rt::Runtimes;
//! use spindle_benches::workloads::{SpawnManyRemote, Workload};
//!
//! let rts = Runtimes::new(2).unwrap();
//! SpawnManyRemote::run(&rts.spindle);
//! SpawnManyRemote::run(&rts.tokio);
//! SpawnManyRemote::run(&rts.async_executor);
//! ```
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

pub mod alloc;
pub mod net;
pub mod report;
pub mod rows;
pub mod rt;
pub mod soak;
pub mod workloads;
