//! A tokio program ported by changing its paths: `#[spindle::main]`, a
//! `JoinSet` of workers, `select!` against a deadline, and the io
//! extension traits over an in-memory `duplex` stream.
//!
//! ```text
//! cargo run --release --example from_tokio
//! ```

use std::time::Duration;

use spindle::io::{AsyncReadExt, AsyncWriteExt};
use spindle::task::JoinSet;

#[spindle::main(worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    // Workers square numbers; results come back in completion order.
    let mut set = JoinSet::new();
    for i in 1..=8u64 {
        set.spawn(async move {
            spindle::time::sleep(Duration::from_millis(10 * (9 - i))).await;
            i * i
        });
    }
    let mut sum = 0;
    while let Some(res) = set.join_next().await {
        sum += res.expect("worker panicked");
    }
    println!("sum of squares 1..=8: {sum}");

    // A request/response over an in-memory stream, with a deadline.
    let (mut client, mut server) = spindle::io::duplex(64);
    spindle::spawn(async move {
        let mut buf = [0u8; 4];
        server.read_exact(&mut buf).await?;
        server.write_all(&buf.map(|b| b.to_ascii_uppercase())).await?;
        std::io::Result::Ok(())
    });
    client.write_all(b"ping").await?;
    let mut reply = [0u8; 4];
    spindle::select! {
        res = client.read_exact(&mut reply) => res?,
        _ = spindle::time::sleep(Duration::from_secs(5)) => panic!("no reply within 5 s"),
    }
    println!("reply: {}", String::from_utf8_lossy(&reply));
    Ok(())
}
