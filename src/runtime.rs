//! The runtime: [`Builder`], [`Runtime`], [`Handle`] and their metrics.
//!
//! ```
//! let rt = spindle::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! assert_eq!(rt.block_on(async { 1 }), 1);
//! ```

pub use spindle_executor::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics, TryCurrentError};
