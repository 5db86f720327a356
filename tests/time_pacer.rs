//! `spindle::time::Pacer` on spindle's runtimes: shares spawned as tasks on
//! the work-stealing runtime, and shares handed to `PerCore` runtimes (the
//! load generator's layout), together yield every event once, none early.
//! Assertions are on the schedule and on "never early", not on timing.

use spindle::time::Instant;

use spindle::runtime::PerCore;
use spindle::time::Pacer;

const EVENTS: u64 = 400;

fn check(mut seen: Vec<(u64, Instant)>, reference: &Pacer) {
    seen.sort_unstable();
    assert_eq!(seen.len() as u64, EVENTS);
    for (i, (index, intended)) in seen.into_iter().enumerate() {
        assert_eq!(index, i as u64);
        assert_eq!(intended, reference.intended(index));
    }
}

async fn drive(mut share: Pacer) -> Vec<(u64, Instant)> {
    let mut seen = Vec::new();
    while share.next_index() < EVENTS {
        let tick = share.tick().await;
        assert!(tick.woke() >= tick.intended(), "event {} went early", tick.index());
        seen.push((tick.index(), tick.intended()));
    }
    seen
}

#[test]
fn shares_as_tasks() {
    let rt = spindle::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let whole = Pacer::new(20_000);
    let reference = whole.clone_schedule();
    let seen = rt.block_on(async {
        let tasks: Vec<_> = whole.shares(4).into_iter().map(|s| spindle::spawn(drive(s))).collect();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    check(seen, &reference);
}

#[test]
fn shares_per_core_precise() {
    let whole = Pacer::new(20_000).precise(std::time::Duration::from_micros(50));
    let reference = whole.clone_schedule();
    let shares: Vec<_> = whole.shares(2).into_iter().map(|s| std::sync::Mutex::new(Some(s))).collect();
    let per = PerCore::new()
        .cores(2)
        .run(|ctx| {
            let share = shares[ctx.index()].lock().unwrap().take().unwrap();
            ctx.block_on(drive(share))
        })
        .unwrap();
    check(per.into_iter().flatten().collect(), &reference);
}
