//! criterion's async benchmarks driven by spindle (`b.to_async(&rt)`, the
//! facade's `criterion` feature): spawning and awaiting one task, a
//! `yield_now`-style round trip, and a zero sleep, each awaited inside the
//! one `block_on` criterion runs its timing loop in. They track
//! regressions of the adapter and of those paths.
//!
//! ```text
//! cargo bench -p spindle-benches --bench criterion_async
//! ```

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().expect("spindle runtime");
    let mut group = c.benchmark_group("criterion_async");
    group.sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    group.bench_function("ready", |b| b.to_async(&rt).iter(|| async { std::hint::black_box(1) }));
    group.bench_function("spawn_await", |b| {
        b.to_async(&rt).iter(|| async { spindle::spawn(async { std::hint::black_box(1) }).await.unwrap() })
    });
    group.bench_function("sleep_zero", |b| b.to_async(&rt).iter(|| spindle::time::sleep(Duration::ZERO)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
