//! The sync rows' registrations (listed in [`crate::rows::ROWS`]): the
//! plain rows run each runtime's own primitive on it; the `/<crate>` rows
//! run one crate's primitive on all three runtimes (see `sync_mpsc`,
//! `sync_mutex`, `sync_oneshot`).

use std::time::Instant;

use super::sync_mpsc::{self as mpsc, AsyncChannel, BoundedChannel, FuturesMpsc, SpindleMpsc, TokioMpsc};
use super::sync_mutex::{self as mutex, AsyncMutex};
use super::sync_oneshot::{self as oneshot, Oneshot, SpindleOneshot, TokioOneshot};
use crate::rows::{Row, Unit};
use crate::rt::{BenchRuntime, Runtimes, Which};

fn timed_with<R: BenchRuntime>(rt: &R, run: fn(&R)) -> f64 {
    let start = Instant::now();
    run(rt);
    start.elapsed().as_secs_f64()
}

fn mpsc_home(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => timed_with(&rts.spindle, mpsc::mpsc_bounded::<_, SpindleMpsc>),
        Which::Tokio => timed_with(&rts.tokio, mpsc::mpsc_bounded::<_, TokioMpsc>),
        Which::AsyncExecutor => timed_with(&rts.async_executor, mpsc::mpsc_bounded::<_, AsyncChannel>),
    }
}

fn mpsc_on<C: BoundedChannel>(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => timed_with(&rts.spindle, mpsc::mpsc_bounded::<_, C>),
        Which::Tokio => timed_with(&rts.tokio, mpsc::mpsc_bounded::<_, C>),
        Which::AsyncExecutor => timed_with(&rts.async_executor, mpsc::mpsc_bounded::<_, C>),
    }
}

fn mutex_home(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => timed_with(&rts.spindle, mutex::mutex_contended::<_, spindle::sync::Mutex<u64>>),
        Which::Tokio => timed_with(&rts.tokio, mutex::mutex_contended::<_, tokio::sync::Mutex<u64>>),
        Which::AsyncExecutor => timed_with(&rts.async_executor, mutex::mutex_contended::<_, async_lock::Mutex<u64>>),
    }
}

fn mutex_on<M: AsyncMutex>(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => timed_with(&rts.spindle, mutex::mutex_contended::<_, M>),
        Which::Tokio => timed_with(&rts.tokio, mutex::mutex_contended::<_, M>),
        Which::AsyncExecutor => timed_with(&rts.async_executor, mutex::mutex_contended::<_, M>),
    }
}

fn oneshot_on<O: Oneshot>(rts: &Runtimes, which: Which) -> f64 {
    match which {
        Which::Spindle => timed_with(&rts.spindle, oneshot::oneshot_ping_pong::<_, O>),
        Which::Tokio => timed_with(&rts.tokio, oneshot::oneshot_ping_pong::<_, O>),
        Which::AsyncExecutor => timed_with(&rts.async_executor, oneshot::oneshot_ping_pong::<_, O>),
    }
}

const fn row(name: &'static str, sample: fn(&Runtimes, Which) -> f64) -> Row {
    Row { name, unit: Unit::Seconds, max_rounds: usize::MAX, sample }
}

/// The sync rows, in table order.
pub const ROWS: [Row; 11] = [
    row("mpsc_bounded", mpsc_home),
    row("mpsc_bounded/spindle", mpsc_on::<SpindleMpsc>),
    row("mpsc_bounded/tokio", mpsc_on::<TokioMpsc>),
    row("mpsc_bounded/async-channel", mpsc_on::<AsyncChannel>),
    row("mpsc_bounded/futures-channel", mpsc_on::<FuturesMpsc>),
    row("mutex_contended", mutex_home),
    row("mutex_contended/spindle", mutex_on::<spindle::sync::Mutex<u64>>),
    row("mutex_contended/tokio", mutex_on::<tokio::sync::Mutex<u64>>),
    row("mutex_contended/async-lock", mutex_on::<async_lock::Mutex<u64>>),
    row("oneshot_ping_pong", oneshot_on::<SpindleOneshot>),
    row("oneshot_ping_pong/tokio", oneshot_on::<TokioOneshot>),
];
