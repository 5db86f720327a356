//! `#[spindle::test]` (and, through it, the expansion `#[spindle::main]`
//! shares): flavors, worker counts, return types, `crate = "..."`.

use std::io;

#[spindle::test]
async fn defaults_to_current_thread() {
    // A current-thread runtime runs its tasks on the thread in `block_on`.
    let here = std::thread::current().id();
    let there = spindle::spawn(async { std::thread::current().id() }).await.unwrap();
    assert_eq!(here, there);
    assert_eq!(spindle::Handle::current().metrics().num_workers(), 1);
}

#[spindle::test(flavor = "multi_thread", worker_threads = 3)]
async fn multi_thread_with_workers() {
    assert_eq!(spindle::Handle::current().metrics().num_workers(), 3);
    let there = spindle::spawn(async { std::thread::current().id() }).await.unwrap();
    assert_ne!(std::thread::current().id(), there);
}

#[spindle::test(flavor = "current_thread")]
async fn explicit_current_thread() {
    spindle::task::yield_now().await;
}

#[spindle::test]
async fn returns_result() -> io::Result<()> {
    let n: u32 = "7".parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    assert_eq!(n, 7);
    Ok(())
}

#[spindle::test]
#[should_panic(expected = "inside the test")]
async fn panics_propagate() {
    panic!("inside the test");
}

mod reexport {
    pub use spindle as inner;
}

#[spindle::test(crate = "crate::reexport::inner")]
async fn crate_path() {
    assert_eq!(reexport::inner::spawn(async { 5 }).await.unwrap(), 5);
}

#[spindle::test]
async fn sleeps_on_its_runtime() {
    spindle::time::sleep(std::time::Duration::from_millis(1)).await;
}

#[spindle::test(start_paused = true)]
async fn start_paused_sleeps_in_virtual_time() {
    let start = spindle::time::Instant::now();
    let wall = std::time::Instant::now();
    spindle::time::sleep(std::time::Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(3600));
    assert!(wall.elapsed() < std::time::Duration::from_secs(60));
}

#[spindle::test(start_paused = false)]
async fn start_paused_false_runs_in_real_time() {
    let start = spindle::time::Instant::now();
    spindle::time::sleep(std::time::Duration::from_millis(2)).await;
    assert!(start.elapsed() >= std::time::Duration::from_millis(2));
}

#[test]
fn main_start_paused() {
    #[spindle::main(flavor = "current_thread", start_paused = true)]
    async fn main() -> std::time::Duration {
        let start = spindle::time::Instant::now();
        spindle::time::sleep(std::time::Duration::from_secs(60)).await;
        start.elapsed()
    }
    assert_eq!(main(), std::time::Duration::from_secs(60));
}

#[test]
fn main_expands_to_a_blocking_fn() {
    #[spindle::main(flavor = "current_thread")]
    async fn main() -> u32 {
        spindle::spawn(async { 40 + 2 }).await.unwrap()
    }
    assert_eq!(main(), 42);
}

#[test]
fn main_multi_thread() {
    #[spindle::main(worker_threads = 2)]
    async fn main() -> usize {
        spindle::Handle::current().metrics().num_workers()
    }
    assert_eq!(main(), 2);
}
