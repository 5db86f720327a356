//! `on_task_spawn` / `on_task_terminate`: once per task, whether it
//! completes, panics, is aborted or is cancelled by shutdown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use spindle_executor::task::Id;
use spindle_executor::Builder;

type Counts = Arc<Mutex<HashMap<Id, (u32, u32, Option<String>)>>>;

fn runtime(multi: bool, counts: &Counts) -> spindle_executor::Runtime {
    let (a, b) = (counts.clone(), counts.clone());
    let mut builder = if multi { Builder::new_multi_thread() } else { Builder::new_current_thread() };
    if multi {
        builder.worker_threads(2);
    }
    builder
        .on_task_spawn(move |m| {
            let mut c = a.lock().unwrap();
            let e = c.entry(m.id()).or_default();
            e.0 += 1;
            e.2 = m.name().map(str::to_owned);
            assert!(m.location().file().ends_with("task_hooks.rs"), "{:?}", m.location());
        })
        .on_task_terminate(move |m| b.lock().unwrap().entry(m.id()).or_default().1 += 1)
        .build()
        .unwrap()
}

#[test]
fn once_per_task() {
    for multi in [true, false] {
        let counts: Counts = Arc::default();
        let rt = runtime(multi, &counts);
        rt.block_on(async {
            let hs: Vec<_> = (0..500).map(|i| spindle_executor::spawn(async move { i })).collect();
            for h in hs {
                h.await.unwrap();
            }
            let p = spindle_executor::spawn(async { panic!("boom") });
            assert!(p.await.unwrap_err().is_panic());
            let a = spindle_executor::spawn(std::future::pending::<()>());
            a.abort();
            assert!(a.await.unwrap_err().is_cancelled());
            spindle_executor::task::Builder::new().name("named").spawn(async {}).unwrap().await.unwrap();
        });
        let _left: Vec<_> = (0..50).map(|_| rt.spawn(std::future::pending::<()>())).collect();
        drop(rt);
        let counts = counts.lock().unwrap();
        assert_eq!(counts.len(), 553);
        assert!(counts.values().all(|&(s, t, _)| (s, t) == (1, 1)), "multi = {multi}");
        assert_eq!(counts.values().filter(|e| e.2.as_deref() == Some("named")).count(), 1);
    }
}

#[test]
fn park_and_unpark() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    for multi in [true, false] {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let (p, u) = (parks.clone(), unparks.clone());
        let mut builder = if multi { Builder::new_multi_thread() } else { Builder::new_current_thread() };
        if multi {
            builder.worker_threads(1);
        }
        let rt = builder
            .on_thread_park(move || {
                p.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_unpark(move || {
                u.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async {
            for _ in 0..3 {
                spindle_executor::spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(20)))
                    .await
                    .unwrap();
            }
        });
        drop(rt);
        let (p, u) = (parks.load(Ordering::SeqCst), unparks.load(Ordering::SeqCst));
        assert!(p >= 1 && u >= 1 && u <= p, "multi = {multi}: parks {p}, unparks {u}");
    }
}
