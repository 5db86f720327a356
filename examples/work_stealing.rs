//! Work stealing, visible: a recursive parallel sum splits itself into
//! thousands of tasks on one worker, and the other workers steal them.
//! Prints each worker's polls and steals.
//!
//! ```text
//! cargo run --release --example work_stealing [workers]
//! ```

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

/// Sums `lo..hi` by splitting the range in two tasks until it is small.
fn parallel_sum(lo: u64, hi: u64) -> Pin<Box<dyn Future<Output = u64> + Send>> {
    Box::pin(async move {
        if hi - lo <= 1_000 {
            // A little CPU work per leaf, so stealing has something to win.
            return (lo..hi).map(|x| x.wrapping_mul(x) % 7).sum();
        }
        let mid = lo + (hi - lo) / 2;
        let left = spindle::spawn(parallel_sum(lo, mid));
        let right = parallel_sum(mid, hi).await;
        left.await.expect("leaf task panicked") + right
    })
}

fn main() -> std::io::Result<()> {
    let workers = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(num_workers);
    let rt = spindle::Builder::new_multi_thread().worker_threads(workers).build()?;
    let n = 20_000_000;
    let start = Instant::now();
    let total = rt.block_on(rt.spawn(parallel_sum(0, n))).expect("root task panicked");
    let elapsed = start.elapsed();
    let expected: u64 = (0..n).map(|x| x.wrapping_mul(x) % 7).sum();
    assert_eq!(total, expected);
    println!("sum of x*x mod 7 for x < {n}: {total} in {elapsed:.2?} on {workers} workers");

    let m = rt.metrics();
    println!("{:>6} {:>10} {:>10} {:>12} {:>8}", "worker", "polls", "steals", "steal ops", "parks");
    for w in 0..m.num_workers() {
        println!(
            "{:>6} {:>10} {:>10} {:>12} {:>8}",
            w,
            m.worker_poll_count(w),
            m.worker_steal_count(w),
            m.worker_steal_operations(w),
            m.worker_park_count(w)
        );
    }
    Ok(())
}

fn num_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
