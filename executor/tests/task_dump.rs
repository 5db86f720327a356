//! `task::Builder` names, spawn sites, `task::id()`, and `Handle::dump`.

use std::future::pending;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spindle_executor::runtime::TaskState;
use spindle_executor::task::{self, Builder};
use spindle_executor::{Handle, Runtime};

fn settle() {
    std::thread::sleep(Duration::from_millis(50));
}

#[test]
fn smoke() {
    let rt = Runtime::new().unwrap();
    let line_a = line!() + 1;
    let a: Vec<_> = (0..3).map(|_| rt.spawn(pending::<()>())).collect();
    let line_b = line!() + 1;
    let b = Builder::new().name("conn-42").spawn_on(pending::<()>(), rt.handle()).unwrap();
    settle();
    let dump = rt.dump();
    assert_eq!(dump.len(), 4);
    let at_a: Vec<_> = dump.tasks().filter(|t| t.location().line() == line_a).collect();
    assert_eq!(at_a.len(), 3);
    assert!(at_a.iter().all(|t| t.name().is_none() && t.location().file().ends_with("task_dump.rs")));
    assert!(at_a.iter().all(|t| t.state() == TaskState::Idle && t.polls().is_none()));
    let named = dump.tasks().find(|t| t.id() == b.id()).unwrap();
    assert_eq!(named.location().line(), line_b);
    assert_eq!(named.name(), Some("conn-42"));
    assert_eq!(named.polls(), Some(1));
    assert!(named.age().unwrap() >= Duration::from_millis(50));
    let text = dump.to_string();
    assert!(text.contains(&format!("3 tasks spawned at {}:{line_a}:", file!())), "{text}");
    assert!(text.contains(&format!("1 task spawned at {}:{line_b}:", file!())), "{text}");
    assert!(text.find("3 tasks").unwrap() < text.find("1 task ").unwrap(), "busiest site first:\n{text}");
    assert!(text.contains("conn-42"));
    drop(a);
}

#[test]
fn running_on_worker() {
    let rt = spindle_executor::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let j = Builder::new()
        .name("spinner")
        .spawn_on(
            async move {
                while !s.load(Ordering::Relaxed) {
                    std::thread::yield_now();
                }
            },
            rt.handle(),
        )
        .unwrap();
    settle();
    let dump = rt.dump();
    let t = dump.tasks().find(|t| t.id() == j.id()).unwrap();
    assert!(matches!(t.state(), TaskState::Running { worker: Some(w) } if w < 2), "{:?}", t.state());
    assert!(dump.to_string().contains("running on worker"));
    stop.store(true, Ordering::Relaxed);
    rt.block_on(j).unwrap();
}

#[test]
fn task_id() {
    let rt = Runtime::new().unwrap();
    assert!(task::try_id().is_none());
    let j = rt.spawn(async { (task::id(), task::try_id()) });
    let id = j.id();
    assert_eq!(rt.block_on(j).unwrap(), (id, Some(id)));
    assert!(rt.block_on(async { task::try_id() }).is_none());
}

#[test]
fn builder_outside_runtime() {
    let err = Builder::new().name("x").spawn(async {}).unwrap_err();
    assert!(err.to_string().contains("outside a spindle runtime"), "{err}");
    let rt = Runtime::new().unwrap();
    let _g = rt.enter();
    let j = Builder::new().name("blocking").spawn_blocking(task::try_id).unwrap();
    assert!(rt.block_on(j).unwrap().is_some());
}

/// Dumps taken while 100,000 tasks come and go: every task seen is live
/// (the dump reads its header under the registry's reference; a freed cell
/// would show as garbage or crash under ASan/Miri), and spawning keeps up.
#[test]
fn stress() {
    let n: usize = if cfg!(miri) { 200 } else { 100_000 };
    let rt = spindle_executor::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let handle: Handle = rt.handle().clone();
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let dumper = std::thread::spawn(move || {
        let mut dumps = 0u32;
        let mut longest = Duration::ZERO;
        while !d.load(Ordering::Relaxed) {
            let t = Instant::now();
            let dump = handle.dump();
            longest = longest.max(t.elapsed());
            for info in &dump {
                assert!(info.location().file().ends_with("task_dump.rs"), "{:?}", info.location());
                assert!(info.name().is_none_or(|n| n == "churn"), "{:?}", info.name());
            }
            dumps += 1;
        }
        (dumps, longest)
    });
    rt.block_on(async {
        let mut batch = Vec::with_capacity(1000);
        for i in 0..n {
            let j = if i % 7 == 0 {
                Builder::new().name("churn").spawn(async { task::yield_now().await }).unwrap()
            } else {
                spindle_executor::spawn(async { task::yield_now().await })
            };
            batch.push(j);
            if batch.len() == 1000 {
                for j in batch.drain(..) {
                    j.await.unwrap();
                }
            }
        }
        for j in batch.drain(..) {
            j.await.unwrap();
        }
    });
    done.store(true, Ordering::Relaxed);
    let (dumps, _longest) = dumper.join().unwrap();
    assert!(dumps > 0);
}
