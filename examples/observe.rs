//! Observability: a small server-like program in which one task blocks its
//! worker for 300 ms. The watchdog reports the stuck poll (once while it is
//! stuck, once when it returns), and a task dump lists every live task
//! grouped by spawn site, with names for the tasks spawned through
//! `task::Builder`. Finally `shutdown_timeout` reports a clean shutdown.
//!
//! ```sh
//! cargo run --example observe
//! ```

use std::time::Duration;

use spindle::task::Builder as TaskBuilder;

fn main() -> std::io::Result<()> {
    let rt = spindle::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .watchdog(Duration::from_millis(100))
        .on_blocked_poll(|report| println!("watchdog: {report}"))
        .build()?;

    rt.block_on(async {
        // "Connections": named tasks that wait on a timer, like handlers
        // waiting for a request.
        let conns: Vec<_> = (0..4)
            .map(|i| {
                let name = format!("conn-{i}");
                TaskBuilder::new().name(&name).spawn(spindle::time::sleep(Duration::from_secs(2)))
            })
            .collect::<std::io::Result<_>>()?;
        // Background tickers, unnamed: the dump shows their spawn site.
        let tickers: Vec<_> = (0..3)
            .map(|_| {
                spindle::spawn(async {
                    let mut tick = spindle::time::interval(Duration::from_millis(20));
                    for _ in 0..10 {
                        tick.tick().await;
                    }
                })
            })
            .collect();
        // The culprit: a handler doing blocking work on its worker.
        let bad =
            TaskBuilder::new().name("hash-password").spawn(async { std::thread::sleep(Duration::from_millis(300)) })?;

        spindle::time::sleep(Duration::from_millis(150)).await;
        println!("\n--- task dump while the poll is stuck ---");
        print!("{}", spindle::Handle::current().dump());

        bad.await.expect("the blocking task finishes");
        for t in tickers {
            t.await.expect("ticker");
        }
        for c in conns {
            c.abort();
        }
        std::io::Result::Ok(())
    })?;
    // Let the watchdog notice that the poll returned.
    std::thread::sleep(Duration::from_millis(100));
    println!("\n--- shutdown ---");
    print!("{}", rt.shutdown_timeout(Duration::from_secs(1)));
    Ok(())
}
