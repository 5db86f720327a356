//! spindle's reactor: one [`polling`] poller per runtime, per-source
//! readiness with wake-ups that are never lost, and the async socket types.
//!
//! The runtime facade owns an [`IoDriver`] (a [`Park`] that waits in the
//! poller and dispatches events), installs its [`Handle`] among the
//! runtime's driver handles (the executor's one runtime context, current on
//! every runtime thread), and calls [`set_blocking_spawner`] so that name
//! lookup and the Unix-domain `connect` run on its blocking pool (a TCP
//! `connect` is a non-blocking connect on the reactor). Sockets in [`net`]
//! and the generic [`Async<T>`] capture the current handle when they are
//! created.
//!
//! | module | owns |
//! |---|---|
//! | `source.rs` | per-source readiness and the readiness-vs-waker protocol |
//! | `reactor.rs` | the poller, the slab of sources, registration |
//! | `driver.rs` | [`IoDriver`]: the `Park` that waits in the poller and dispatches |
//! | `handle.rs` | [`Handle`], and how a thread finds the current one |
//! | `async_io.rs` | [`Async<T>`] |
//! | `blocking.rs` | the blocking-job slot (name lookup, Unix-domain connect) |
//! | `net/` | TCP (`tcp/`: listener, stream, split halves, the `TcpSocket` builder over socket2), UDP and (on Unix) Unix-domain sockets |
//! | `sys/` | the platform seam: `unix.rs` (fds; epoll, kqueue) or `windows.rs` (sockets; IOCP) |
//!
//! # Examples
//!
//! Without a runtime, a thread can drive the reactor and `block_on` can run
//! the futures:
//!
//! ```
//! use spindle_executor::park::Park;
//! use spindle_reactor::net::{TcpListener, TcpStream};
//! use spindle_reactor::IoDriver;
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//!
//! let mut driver = IoDriver::new()?;
//! let handle = driver.handle();
//! let unparker = driver.unparker();
//! let stop = Arc::new(AtomicBool::new(false));
//! let stop2 = stop.clone();
//! let thread = std::thread::spawn(move || {
//!     while !stop2.load(Ordering::SeqCst) {
//!         driver.park(None);
//!     }
//! });
//!
//! let _guard = handle.enter();
//! futures_executor::block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (server, _) = listener.accept().await?;
//!     client.write_all(b"ping").await?;
//!     let mut buf = [0u8; 4];
//!     let mut got = 0;
//!     while got < 4 {
//!         got += server.read(&mut buf[got..]).await?;
//!     }
//!     assert_eq!(&buf, b"ping");
//!     std::io::Result::Ok(())
//! })?;
//!
//! stop.store(true, Ordering::SeqCst);
//! unparker.unpark();
//! thread.join().unwrap();
//! # std::io::Result::Ok(())
//! ```
//!
//! [`Park`]: spindle_executor::park::Park
// The rest of the lint set is `[workspace.lints]` (root Cargo.toml).
#![warn(missing_docs, missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

mod async_io;
mod blocking;
mod driver;
mod handle;
pub mod net;
mod reactor;
mod readiness;
mod source;
mod sync;
// The one platform seam: raw source types and the few platform calls.
#[cfg_attr(unix, path = "sys/unix.rs")]
#[cfg_attr(windows, path = "sys/windows.rs")]
mod sys;

pub use async_io::Async;
pub use blocking::{set_blocking_spawner, BlockingSpawner};
pub use driver::IoDriver;
pub use handle::{EnterGuard, Handle, NoReactor};

/// What the loom models in `loom-tests/` need: the per-source readiness
/// state machine ([`source`](crate::source)), built on loom primitives.
#[cfg(spindle_loom)]
#[doc(hidden)]
pub mod loom_api {
    pub use crate::source::{ClearOutcome, Direction, Ready, ReadyEvent, ScheduledIo, READABLE, SHUTDOWN, WRITABLE};
    pub use crate::sync::{with_mutant, Mutant};
}

#[allow(dead_code)]
fn _ensure_send_and_sync() {
    fn is_send_sync<T: Send + Sync>() {}
    fn is_send<T: Send>() {}
    is_send_sync::<Handle>();
    is_send::<IoDriver>();
    is_send_sync::<net::TcpStream>();
    is_send_sync::<net::TcpListener>();
    is_send_sync::<net::UdpSocket>();
    is_send_sync::<net::OwnedReadHalf>();
    is_send_sync::<Async<std::net::TcpStream>>();
}
