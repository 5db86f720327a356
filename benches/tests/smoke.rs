//! Every row completes on every runtime (no lost task, no hang), and the
//! memory row measures something.

use spindle_benches::alloc::{self, Counting};
use spindle_benches::rows::{Unit, ROWS};
use spindle_benches::rt::{Runtimes, Which};

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn smoke() {
    assert!(alloc::installed());
    let rts = Runtimes::new(2).unwrap();
    for row in ROWS {
        for which in Which::ALL {
            let sample = (row.sample)(&rts, which);
            match row.unit {
                Unit::Seconds => assert!(sample > 0.0, "{} on {}", row.name, which.name()),
                Unit::BytesPerTask => assert!(
                    (16.0..4096.0).contains(&sample),
                    "{} on {}: {sample} bytes per task",
                    row.name,
                    which.name()
                ),
            }
        }
    }
}
