//! The poll-time histogram: off by default, counts every poll when on, and
//! puts a long poll in a long bucket; both flavors.

mod common;

use std::thread;
use std::time::Duration;

use common::wait_until;
use spindle_executor::runtime::{HistogramConfiguration, LogHistogram};
use spindle_executor::{Builder, Runtime, RuntimeMetrics};

fn with_histogram(mut builder: Builder) -> Runtime {
    builder.enable_metrics_poll_time_histogram().build().unwrap()
}

fn both() -> [Runtime; 2] {
    let mut multi = Builder::new_multi_thread();
    multi.worker_threads(2);
    [with_histogram(Builder::new_current_thread()), with_histogram(multi)]
}

fn counted(m: &RuntimeMetrics) -> u64 {
    (0..m.num_workers())
        .map(|w| {
            (0..m.poll_time_histogram_num_buckets()).map(|b| m.poll_time_histogram_bucket_count(w, b)).sum::<u64>()
        })
        .sum()
}

fn polls(m: &RuntimeMetrics) -> u64 {
    (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum()
}

#[test]
fn off_by_default() {
    let rt = common::multi(1);
    let m = rt.metrics();
    rt.block_on(rt.spawn(async {})).unwrap();
    assert!(!m.poll_time_histogram_enabled());
    assert_eq!(m.poll_time_histogram_num_buckets(), 0);
    assert_eq!(m.poll_time_histogram_bucket_count(0, 0), 0);
}

#[test]
#[should_panic(expected = "the poll-time histogram is off")]
fn bucket_range_panics_when_off() {
    let _ = common::current().metrics().poll_time_histogram_bucket_range(0);
}

#[test]
fn buckets_count_every_poll() {
    for rt in both() {
        let m = rt.metrics();
        assert!(m.poll_time_histogram_enabled());
        assert_eq!(m.poll_time_histogram_num_buckets(), LogHistogram::default().num_buckets());
        rt.block_on(async {
            let hs: Vec<_> = (0..200)
                .map(|_| {
                    spindle_executor::spawn(async {
                        for _ in 0..3 {
                            spindle_executor::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        // A worker records a poll just after it returns: wait for the last.
        assert!(
            wait_until(Duration::from_secs(5), || counted(&m) == polls(&m)),
            "{} polls counted, {} polls",
            counted(&m),
            polls(&m)
        );
        assert!(polls(&m) >= 800);
    }
}

#[test]
fn a_long_poll_lands_in_a_long_bucket() {
    for rt in both() {
        let m = rt.metrics();
        rt.block_on(rt.spawn(async { thread::sleep(Duration::from_millis(20)) })).unwrap();
        assert!(wait_until(Duration::from_secs(5), || counted(&m) == polls(&m)));
        let long: u64 = (0..m.num_workers())
            .flat_map(|w| (0..m.poll_time_histogram_num_buckets()).map(move |b| (w, b)))
            .filter(|&(_, b)| m.poll_time_histogram_bucket_range(b).end > Duration::from_millis(20))
            .map(|(w, b)| m.poll_time_histogram_bucket_count(w, b))
            .sum();
        assert_eq!(long, 1, "the 20 ms poll, and only it");
    }
}

#[test]
fn configured_linear_buckets() {
    let rt = Builder::new_current_thread()
        .enable_metrics_poll_time_histogram()
        .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(Duration::from_millis(5), 4))
        .build()
        .unwrap();
    let m = rt.metrics();
    assert_eq!(m.poll_time_histogram_num_buckets(), 4);
    rt.block_on(async {
        spindle_executor::spawn(async {}).await.unwrap();
        spindle_executor::spawn(async { thread::sleep(Duration::from_millis(30)) }).await.unwrap();
    });
    assert_eq!(m.poll_time_histogram_bucket_count(0, 0), 1, "the empty task");
    assert_eq!(m.poll_time_histogram_bucket_count(0, 3), 1, "the 30 ms poll, in the open-ended last bucket");
    assert_eq!(m.poll_time_histogram_bucket_range(3).start, Duration::from_millis(15));
}

#[test]
fn the_watchdog_still_sees_a_stuck_poll_with_the_histogram_on() {
    // Timing polls leaves the watchdog's view of them as it was.
    let (tx, rx) = std::sync::mpsc::channel();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_metrics_poll_time_histogram()
        .watchdog(Duration::from_millis(40))
        .on_blocked_poll(move |p| {
            let _ = tx.send((p.elapsed(), p.is_finished()));
        })
        .build()
        .unwrap();
    rt.block_on(rt.spawn(async { thread::sleep(Duration::from_millis(200)) })).unwrap();
    let (elapsed, _) = rx.recv_timeout(Duration::from_secs(10)).expect("a report");
    assert!(elapsed >= Duration::from_millis(20), "{elapsed:?}");
}

#[test]
fn a_named_task_shares_the_workers_clock_readings() {
    // With the histogram on, a named task's poll figures come from the
    // worker's readings: they agree with the histogram.
    for rt in both() {
        let m = rt.metrics();
        let join = spindle_executor::task::Builder::new()
            .name("sleeper")
            .spawn_on(
                async {
                    thread::sleep(Duration::from_millis(20));
                    spindle_executor::task::yield_now().await;
                    std::future::pending::<()>().await;
                },
                rt.handle(),
            )
            .unwrap();
        if m.num_workers() == 1 {
            // Current-thread: let `block_on` run it up to the pending.
            rt.block_on(async {
                for _ in 0..4 {
                    spindle_executor::task::yield_now().await;
                }
            });
        }
        assert!(wait_until(Duration::from_secs(5), || {
            rt.dump().tasks().any(|t| t.name() == Some("sleeper") && t.polls() == Some(2))
        }));
        let info = rt.dump().tasks().find(|t| t.name() == Some("sleeper")).map(|t| (t.busy(), t.since_last_poll()));
        let (busy, since) = info.unwrap();
        assert!(busy.unwrap() >= Duration::from_millis(20), "{busy:?}");
        assert!(since.is_some());
        assert!(wait_until(Duration::from_secs(5), || counted(&m) == polls(&m)));
        drop(join);
    }
}
