//! Task ids: unique across threads and runtimes, shared by the
//! `JoinHandle`, the `AbortHandle` and the `JoinError`.

mod common;

use std::collections::HashSet;

use common::{current, multi};

#[test]
fn smoke() {
    let rt = multi(2);
    let h = rt.spawn(async {});
    let a = h.abort_handle();
    assert_eq!(h.id(), a.id());
    assert!(h.id().as_u64() > 0);
    assert_eq!(format!("{:?}", h.id()), format!("Id({})", h.id()));
    rt.block_on(h).unwrap();
}

#[test]
fn unique_across_threads_and_runtimes() {
    let a = multi(2);
    let b = current();
    let mut all = HashSet::new();
    let ha = a.handle().clone();
    let hb = b.handle().clone();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (ha, hb) = (ha.clone(), hb.clone());
            std::thread::spawn(move || {
                (0..3000)
                    .map(|i| {
                        let h = if (i + t) % 2 == 0 { ha.spawn(async {}) } else { hb.spawn(async {}) };
                        let id = h.id();
                        h.abort();
                        id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        for id in t.join().unwrap() {
            assert!(all.insert(id), "duplicate id {id}");
        }
    }
    // From inside tasks, including blocking ones.
    let inner = a.block_on(async {
        let mut v = Vec::new();
        for _ in 0..100 {
            v.push(spindle_executor::spawn(async {}).id());
            v.push(spindle_executor::spawn_blocking(|| ()).id());
        }
        v
    });
    for id in inner {
        assert!(all.insert(id), "duplicate id {id}");
    }
    assert_eq!(all.len(), 12_200);
}
