//! Thread hooks and names: every runtime thread (worker or blocking) runs
//! `on_thread_start` once and `on_thread_stop` once.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{counter, get, wait_until};
use spindle_executor::Builder;

#[test]
fn smoke() {
    let starts = counter();
    let stops = counter();
    let (s1, s2) = (starts.clone(), stops.clone());
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("spindle-test")
        .on_thread_start(move || {
            s1.fetch_add(1, Ordering::SeqCst);
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    assert!(wait_until(Duration::from_secs(2), || get(&starts) == 2));
    let names = rt.block_on(async {
        let w = spindle_executor::spawn(async { std::thread::current().name().map(str::to_owned) }).await.unwrap();
        let b = spindle_executor::spawn_blocking(|| std::thread::current().name().map(str::to_owned)).await.unwrap();
        (w, b)
    });
    assert_eq!(names.0.as_deref(), Some("spindle-test"));
    assert_eq!(names.1.as_deref(), Some("spindle-test"));
    assert_eq!(get(&starts), 3, "two workers + one blocking thread");
    drop(rt);
    assert_eq!(get(&stops), 3);
}

#[test]
fn thread_name_fn_and_keep_alive_stop_hook() {
    let n = counter();
    let stops = counter();
    let (nn, s2) = (n.clone(), stops.clone());
    let rt = Builder::new_current_thread()
        .thread_name_fn(move || format!("blk-{}", nn.fetch_add(1, Ordering::SeqCst)))
        .thread_keep_alive(Duration::from_millis(30))
        .on_thread_stop(move || {
            s2.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let name = rt.block_on(rt.spawn_blocking(|| std::thread::current().name().unwrap().to_owned())).unwrap();
    assert!(name.starts_with("blk-"), "{name}");
    // The idle thread exits on keep-alive and runs its stop hook.
    assert!(wait_until(Duration::from_secs(2), || get(&stops) == 1));
    drop(rt);
    assert_eq!(get(&stops), 1);
}
