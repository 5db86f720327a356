//! Leaf resources consume the cooperative budget: a task whose timer or
//! socket is always ready still lets other tasks run on a current-thread
//! runtime (where nothing else could preempt it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn current_thread() -> spindle::Runtime {
    spindle::Builder::new_current_thread().build().unwrap()
}

#[test]
fn always_ready_timer_yields() {
    let rt = current_thread();
    let stop = Arc::new(AtomicBool::new(false));
    let spins = rt.block_on(async {
        let hog = spindle::spawn({
            let stop = stop.clone();
            async move {
                let mut spins = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // Always elapsed: without a budget this loop never
                    // returns Pending and the other task never runs.
                    spindle::time::sleep(Duration::ZERO).await;
                    spins += 1;
                    assert!(spins < 1_000_000, "an always-ready timer never made its task yield");
                }
                spins
            }
        });
        let other = spindle::spawn(async move { stop.store(true, Ordering::Relaxed) });
        other.await.unwrap();
        hog.await.unwrap()
    });
    // One budget of ready sleeps, then the one that yielded and completed.
    assert!(spins <= u64::from(spindle::coop::BUDGET) + 1, "the hog yielded within one budget, after {spins} sleeps");
}

#[cfg(unix)]
#[test]
fn always_ready_socket_yields() {
    use futures_util::AsyncReadExt;
    let rt = current_thread();
    let stop = Arc::new(AtomicBool::new(false));
    let reads = rt.block_on(async {
        let (a, mut b) = spindle::net::UnixStream::pair().unwrap();
        // Plenty of data: every read below is ready at once.
        a.write_all(&[7u8; 64 * 1024]).await.unwrap();
        let hog = spindle::spawn({
            let stop = stop.clone();
            async move {
                let mut reads = 0u64;
                let mut byte = [0u8; 1];
                while !stop.load(Ordering::Relaxed) {
                    b.read_exact(&mut byte).await.unwrap();
                    reads += 1;
                }
                reads
            }
        });
        let other = spindle::spawn(async move { stop.store(true, Ordering::Relaxed) });
        other.await.unwrap();
        let reads = hog.await.unwrap();
        drop(a);
        reads
    });
    assert!((1..64 * 1024).contains(&reads), "the hog was preempted by its budget after {reads} reads");
}
