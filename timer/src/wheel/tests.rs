//! The wheel against a `BTreeMap` model, plus hand-written edge cases.

use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Fires everything due at `now` and returns the fired payloads, sorted.
fn advance(wheel: &mut Wheel<u32>, now: u64) -> Vec<u32> {
    let mut fired = Vec::new();
    wheel.advance(now, |_, v| fired.push(v));
    wheel.assert_valid();
    fired.sort_unstable();
    fired
}

#[test]
fn geometry_matches_the_documented_table() {
    assert_eq!(1u64 << TICK_SHIFT, 65_536, "level-0 slot: 65.5 µs");
    assert_eq!(HORIZON_NS, 1 << 58, "7 levels x 6 bits over a 2^16 ns tick");
    // About 9.13 years: past tokio's 2.2, short of a saturated 30-year sleep.
    let years = HORIZON_NS as f64 / 1e9 / 86_400.0 / 365.25;
    assert!((9.1..9.2).contains(&years), "{years}");
}

#[test]
fn fires_in_order_and_never_early() {
    let mut wheel = Wheel::new();
    for (id, deadline) in [(0, 10), (1, 70_000), (2, 5_000_000), (3, 1 << 40)] {
        wheel.insert(deadline, id);
    }
    assert_eq!(wheel.next_expiration(), Some(10));
    assert_eq!(advance(&mut wheel, 9), Vec::<u32>::new());
    assert_eq!(advance(&mut wheel, 10), vec![0]);
    assert_eq!(wheel.next_expiration(), Some(70_000), "exact, not a tick");
    assert_eq!(advance(&mut wheel, 69_999), Vec::<u32>::new());
    assert_eq!(advance(&mut wheel, 70_000), vec![1]);
    assert_eq!(wheel.next_expiration(), Some(5_000_000));
    assert_eq!(advance(&mut wheel, (1 << 40) - 1), vec![2]);
    assert_eq!(advance(&mut wheel, 1 << 40), vec![3]);
    assert_eq!(wheel.next_expiration(), None);
    assert_eq!(wheel.armed(), 0);
}

#[test]
fn zero_and_past_deadlines_are_due_at_once() {
    let mut wheel = Wheel::new();
    advance(&mut wheel, 1_000_000_000);
    wheel.insert(0, 1);
    wheel.insert(999_999_999, 2);
    wheel.insert(1_000_000_000, 3);
    wheel.assert_valid();
    assert_eq!(wheel.next_expiration(), Some(0));
    assert_eq!(advance(&mut wheel, 1_000_000_000), vec![1, 2, 3]);
}

#[test]
fn same_tick_entries_fire_separately() {
    // Three deadlines inside one 65.5 µs tick: each fires on its own nanosecond.
    let mut wheel = Wheel::new();
    let base = 7 << TICK_SHIFT;
    for (id, offset) in [(0, 100), (1, 200), (2, 300)] {
        wheel.insert(base + offset, id);
    }
    assert_eq!(advance(&mut wheel, base + 150), vec![0]);
    assert_eq!(wheel.next_expiration(), Some(base + 200));
    assert_eq!(advance(&mut wheel, base + 299), vec![1]);
    assert_eq!(advance(&mut wheel, base + 300), vec![2]);
}

#[test]
fn cancel_is_not_fired_and_reset_moves() {
    let mut wheel = Wheel::new();
    let a = wheel.insert(1_000, 0);
    let b = wheel.insert(2_000, 1);
    let c = wheel.insert(3_000_000_000, 2);
    assert_eq!(wheel.remove(a), 0);
    wheel.reset(c, 1_500);
    wheel.reset(b, 10_000_000_000);
    wheel.assert_valid();
    assert_eq!(advance(&mut wheel, 5_000_000_000), vec![2]);
    assert!(!wheel.contains(c), "firing removes the entry");
    assert!(wheel.is_armed(b));
    assert_eq!(wheel.deadline(b), 10_000_000_000);
    // The fired entry's slot is reused, under a new generation.
    let d = wheel.insert(6_000_000_000, 3);
    assert!(wheel.contains(d) && !wheel.contains(c));
    assert_eq!(advance(&mut wheel, 6_000_000_000), vec![3]);
    assert_eq!(advance(&mut wheel, u64::MAX), vec![1]);
    assert_eq!(wheel.len(), 0, "fired entries are gone");
}

#[test]
fn overflow_holds_huge_deadlines() {
    let mut wheel = Wheel::new();
    let far = HORIZON_NS * 3 + 12_345;
    wheel.insert(far, 0);
    wheel.insert(u64::MAX, 1);
    wheel.insert(HORIZON_NS - 1, 2);
    wheel.assert_valid();
    assert_eq!(wheel.next_expiration(), Some(HORIZON_NS - 1));
    assert_eq!(advance(&mut wheel, HORIZON_NS * 2), vec![2]);
    assert_eq!(wheel.next_expiration(), Some(far));
    assert_eq!(advance(&mut wheel, far - 1), Vec::<u32>::new());
    assert_eq!(advance(&mut wheel, far), vec![0]);
    assert_eq!(advance(&mut wheel, u64::MAX - 1), Vec::<u32>::new());
    assert_eq!(advance(&mut wheel, u64::MAX), vec![1]);
}

#[test]
fn disarm_all_empties_the_wheel() {
    let mut wheel = Wheel::new();
    for (id, deadline) in [(0, 5), (1, 1 << 30), (2, u64::MAX)] {
        wheel.insert(deadline, id);
    }
    let mut seen = Vec::new();
    wheel.disarm_all(|_, v| seen.push(*v));
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2]);
    assert_eq!(wheel.next_expiration(), None);
    assert_eq!(advance(&mut wheel, u64::MAX), Vec::<u32>::new());
    wheel.assert_valid();
}

#[derive(Clone, Debug)]
enum Op {
    /// Insert at `now + delta` (or `now - delta` when `past`).
    Insert { delta: u64, past: bool },
    /// Remove the `n`-th live entry (modulo).
    Remove(usize),
    /// Re-arm the `n`-th live entry at `now + delta`.
    Reset(usize, u64),
    /// Move time forward by `delta`, firing in batches of the given size.
    Advance(u64, usize),
    /// Move time to the wheel's own next expiration.
    AdvanceToNext(usize),
    /// Move time forward by `delta` and run one batch of at most the given
    /// size, leaving the rest due (a slot may stay part way cascaded while
    /// later ops insert, remove and reset).
    AdvanceOneBatch(u64, usize),
}

/// Durations from zero to "forever", weighted towards the interesting ones.
fn delta() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => Just(0u64),
        6 => 0u64..(1 << 16),          // within a tick
        6 => 0u64..(1 << 24),          // levels 0-1
        4 => 0u64..(1 << 40),          // up to level 4
        2 => 0u64..(HORIZON_NS * 4),   // across horizon blocks
        1 => any::<u64>(),             // huge, saturating
        1 => Just(u64::MAX),
    ]
}

/// Batch limits for `advance_bounded`: tiny, small, or unbounded.
fn batch() -> impl Strategy<Value = usize> {
    prop_oneof![1 => 0usize..3, 1 => 3usize..20, 2 => Just(usize::MAX)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (delta(), proptest::bool::weighted(0.1))
            .prop_map(|(delta, past)| Op::Insert { delta, past }),
        2 => any::<usize>().prop_map(Op::Remove),
        2 => (any::<usize>(), delta()).prop_map(|(n, d)| Op::Reset(n, d)),
        4 => (delta(), batch()).prop_map(|(d, b)| Op::Advance(d, b)),
        2 => batch().prop_map(Op::AdvanceToNext),
        3 => (delta(), 0usize..40).prop_map(|(d, b)| Op::AdvanceOneBatch(d, b)),
    ]
}

/// The model: every live entry's deadline and whether it is armed.
#[derive(Default)]
struct Model {
    /// id -> (key, deadline, armed)
    live: BTreeMap<u32, (EntryKey, u64, bool)>,
    next_id: u32,
}

impl Model {
    fn nth(&self, n: usize) -> Option<u32> {
        if self.live.is_empty() {
            None
        } else {
            self.live.keys().nth(n % self.live.len()).copied()
        }
    }

    fn earliest_armed(&self) -> Option<u64> {
        self.live.values().filter(|e| e.2).map(|e| e.1).min()
    }

    fn due(&self, now: u64) -> BTreeSet<u32> {
        self.live.iter().filter(|(_, e)| e.2 && e.1 <= now).map(|(id, _)| *id).collect()
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut wheel: Wheel<u32> = Wheel::new();
    let mut model = Model::default();
    let mut now: u64 = 0;
    for op in ops {
        let step = |now: u64, wheel: &mut Wheel<u32>, model: &mut Model, limit: usize| {
            let expected = model.due(now);
            let mut fired = BTreeSet::new();
            let mut deadlines = Vec::new();
            // Batches of `limit`, as the shard fires them.
            while wheel.advance_bounded(now, limit, |key, id| {
                assert!(fired.insert(id), "fired twice");
                deadlines.push((id, key));
            }) {
                wheel.assert_valid();
            }
            for (id, key) in deadlines {
                // Firing removes the entry: its key is dead.
                let entry = model.live.remove(&id).expect("fired a removed entry");
                assert_eq!(entry.0, key);
                assert!(entry.1 <= now, "fired {} early: now {now}", entry.1);
                assert!(!wheel.contains(key), "a fired key stays live");
            }
            assert_eq!(fired, expected, "fire set at now = {now}");
            if let Some(next) = wheel.next_expiration() {
                assert!(next > now, "due entry left behind at {now}");
            }
        };
        match op {
            Op::Insert { delta, past } => {
                let deadline = if past { now.saturating_sub(delta) } else { now.saturating_add(delta) };
                let id = model.next_id;
                model.next_id += 1;
                let key = wheel.insert(deadline, id);
                model.live.insert(id, (key, deadline, true));
            }
            Op::Remove(n) => {
                if let Some(id) = model.nth(n) {
                    let (key, _, _) = model.live.remove(&id).unwrap();
                    prop_assert_eq!(wheel.remove(key), id);
                }
            }
            Op::Reset(n, delta) => {
                if let Some(id) = model.nth(n) {
                    let entry = model.live.get_mut(&id).unwrap();
                    entry.1 = now.saturating_add(delta);
                    entry.2 = true;
                    wheel.reset(entry.0, entry.1);
                }
            }
            Op::Advance(delta, limit) => {
                now = now.saturating_add(delta);
                step(now, &mut wheel, &mut model, limit);
            }
            Op::AdvanceToNext(limit) => {
                if let Some(next) = wheel.next_expiration() {
                    now = now.max(next);
                    step(now, &mut wheel, &mut model, limit);
                }
            }
            Op::AdvanceOneBatch(delta, limit) => {
                now = now.saturating_add(delta);
                let due = model.due(now);
                let mut fired = Vec::new();
                wheel.advance_bounded(now, limit, |key, id| fired.push((id, key)));
                for (id, key) in fired {
                    prop_assert!(due.contains(&id), "fired {} early or twice", id);
                    let entry = model.live.remove(&id).expect("fired a removed entry");
                    prop_assert_eq!(entry.0, key);
                    prop_assert!(!wheel.contains(key), "a fired key stays live");
                }
            }
        }
        wheel.assert_valid();
        let earliest = model.earliest_armed();
        let next = wheel.next_expiration();
        prop_assert_eq!(next.is_some(), earliest.is_some());
        if let (Some(next), Some(earliest)) = (next, earliest) {
            prop_assert!(next <= earliest, "next_expiration {} > earliest {}", next, earliest);
        }
        prop_assert_eq!(wheel.armed(), model.live.values().filter(|e| e.2).count());
        prop_assert_eq!(wheel.len(), model.live.len());
    }
    // Drain: everything armed fires by the end of time, exactly once.
    let expected = model.due(u64::MAX);
    let fired: BTreeSet<u32> = advance(&mut wheel, u64::MAX).into_iter().collect();
    prop_assert_eq!(fired, expected);
    prop_assert_eq!(wheel.next_expiration(), None);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 8 } else { 512 },
        ..ProptestConfig::default()
    })]

    #[test]
    fn matches_btreemap_model(ops in proptest::collection::vec(op(), 1..200)) {
        run(ops)?;
    }
}

/// Without cancels, `next_expiration` is exact: advancing to it always fires.
#[test]
fn next_expiration_is_exact_without_cancels() {
    let mut wheel = Wheel::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut now = 0u64;
    for id in 0..2_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        wheel.insert(now + (x % (1 << (x % 40))), id);
        if id % 4 == 0 {
            let next = wheel.next_expiration().unwrap();
            now = next;
            assert!(!advance(&mut wheel, next).is_empty(), "woke for nothing");
        }
    }
    while let Some(next) = wheel.next_expiration() {
        assert!(!advance(&mut wheel, next).is_empty(), "woke for nothing");
    }
}

/// A crowded level-1 slot cascades across several batches; timers inserted,
/// reset and removed between the batches are placed and fired correctly.
#[test]
fn crowded_slot_cascades_across_batches() {
    const MS: u64 = 1_000_000;
    let mut wheel = Wheel::new();
    // 1,000 entries in [5 ms, 8 ms): one level-1 slot (4.19 ms wide) seen
    // from time 0, except the few past 8.39 ms that spill into the next.
    let keys: Vec<_> = (0..1_000u32).map(|i| wheel.insert(5 * MS + u64::from(i) * 3_000, i)).collect();
    wheel.assert_valid();
    // At 4.2 ms the slot is due (its first tick has come) but no entry is.
    let now = 4_200_000;
    let mut batches = 0;
    let mut fired = Vec::new();
    while wheel.advance_bounded(now, 64, |_, id| fired.push(id)) {
        batches += 1;
        wheel.assert_valid();
        // The entries still in the slot (the earliest: a list pops its
        // newest first) keep counting for the park timeout.
        let earliest = if batches > 3 { 4_250_000 } else { 5 * MS };
        assert!(wheel.next_expiration().unwrap() <= earliest, "batch {batches}: a cascading entry is missed");
        if batches == 3 {
            // Part way through: an earlier timer, a moved one, a cancelled one.
            wheel.insert(4_300_000, 5_000);
            wheel.reset(keys[999], 4_250_000);
            wheel.remove(keys[998]);
            wheel.assert_valid();
            assert!(wheel.next_expiration().unwrap() <= 4_250_000, "the earlier timers count");
        }
    }
    assert!(batches > 3, "the slot took several batches ({batches})");
    assert!(fired.is_empty(), "nothing was due at 4.2 ms: {fired:?}");
    wheel.assert_valid();
    assert_eq!(wheel.next_expiration(), Some(4_250_000));
    assert_eq!(advance(&mut wheel, 4_300_000), vec![999, 5_000]);
    let rest = advance(&mut wheel, 10 * MS);
    assert_eq!(rest.len(), 998);
    assert!(!rest.contains(&998) && !rest.contains(&999));
    assert_eq!(wheel.next_expiration(), None);
}

/// A slot emptied by cancels part way through its cascade stops being
/// resumed: a later timer that reuses it must not shadow earlier due ones.
#[test]
fn cascade_emptied_by_cancels_is_forgotten() {
    let t = |k: u64| k << TICK_SHIFT;
    let mut wheel = Wheel::new();
    // Level-1 slot 40 (ticks 2560..2624).
    let keys: Vec<_> = (0..8u32).map(|i| wheel.insert(t(2600) + u64::from(i), i)).collect();
    assert!(wheel.advance_bounded(t(2560), 2, |_, _| {}), "stops part way");
    wheel.assert_valid();
    for k in &keys[..6] {
        wheel.remove(*k);
    }
    wheel.assert_valid();
    // A late driver: the two entries that moved down fire.
    assert_eq!(advance(&mut wheel, t(4196)).len(), 2);
    wheel.insert(t(4096 + 40 * 64 + 5), 100); // level-1 slot 40 again
    wheel.insert(t(4206), 101); // level 0
    wheel.assert_valid();
    let mut fired = vec![];
    assert!(!wheel.advance_bounded(t(4210), usize::MAX, |_, id| fired.push(id)));
    assert_eq!(fired, vec![101]);
    wheel.assert_valid();
}
