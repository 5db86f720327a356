//! criterion's [`AsyncExecutor`] for [`Runtime`] and [`Handle`] (the
//! `criterion` feature), so that `b.to_async(&rt)` works. It lives here, not
//! in the facade, because both the trait and the types are foreign to the
//! facade (Rust's orphan rule). The mapping is `block_on`, nothing more;
//! `spindle::criterion` documents the use.

use std::future::Future;

use criterion::async_executor::AsyncExecutor;

use super::{Handle, Runtime};

impl<D> AsyncExecutor for Runtime<D> {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Runtime::block_on(self, future)
    }
}

impl<D> AsyncExecutor for &Runtime<D> {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Runtime::block_on(self, future)
    }
}

impl AsyncExecutor for Handle {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Handle::block_on(self, future)
    }
}

impl AsyncExecutor for &Handle {
    fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        Handle::block_on(self, future)
    }
}
