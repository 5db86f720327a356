//! A TCP echo server: every connection is a spawned task that writes back
//! whatever it reads. An error on one connection ends that connection
//! only; when `accept` itself fails (out of file descriptors, say) the
//! server logs it and backs off briefly instead of spinning.
//!
//! ```text
//! cargo run --release --example echo_server [ADDR (127.0.0.1:7000)] [WORKERS]
//! cargo run --release --example echo_client -- --addr 127.0.0.1:7000
//! ```
//!
//! It runs until killed (Ctrl-C).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use spindle::net::{TcpListener, TcpStream};

/// Connections served at once; further ones are closed on arrival.
const MAX_CONNECTIONS: usize = 10_000;
/// Bytes read (and echoed) at a time, per connection.
const BUF_SIZE: usize = 16 * 1024;

static OPEN: AtomicUsize = AtomicUsize::new(0);

/// Echoes until the peer closes its write side.
async fn echo(stream: TcpStream) -> io::Result<u64> {
    let mut buf = vec![0u8; BUF_SIZE];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

/// Whether an `accept` error concerns only the connection being accepted
/// (retry at once) rather than the process (file descriptors, memory:
/// back off).
fn is_per_connection(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted)
}

async fn serve(listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if is_per_connection(&e) => continue,
            Err(e) => {
                eprintln!("accept: {e}; retrying in 100 ms");
                spindle::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if OPEN.fetch_add(1, Ordering::Relaxed) >= MAX_CONNECTIONS {
            OPEN.fetch_sub(1, Ordering::Relaxed);
            eprintln!("{peer}: over {MAX_CONNECTIONS} connections, closed");
            continue;
        }
        spindle::spawn(async move {
            if let Err(e) = stream.set_nodelay(true) {
                eprintln!("{peer}: nodelay: {e}");
            }
            if let Err(e) = echo(stream).await {
                eprintln!("{peer}: {e}");
            }
            OPEN.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = match args.next() {
        Some(a) => a.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("address {a}: {e}")))?,
        None => SocketAddr::from(([127, 0, 0, 1], 7000)),
    };
    let workers = match args.next() {
        Some(w) => w.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("workers {w}: {e}")))?,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let rt = spindle::Builder::new_multi_thread().worker_threads(workers).build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(addr).await?;
        println!("echo server on {} with {workers} workers", listener.local_addr()?);
        serve(listener).await;
        Ok(())
    })
}
