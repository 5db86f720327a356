//! Async networking: TCP, UDP and Unix sockets, and [`Async`] for any file
//! descriptor. See `spindle-reactor` for the readiness machinery.
//!
//! ```
//! use futures_util::AsyncReadExt;
//!
//! spindle::block_on(async {
//!     let listener = spindle::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = spindle::spawn(async move {
//!         let (mut conn, _) = listener.accept().await?;
//!         let mut buf = [0u8; 5];
//!         conn.read_exact(&mut buf).await?;
//!         conn.write_all(&buf).await?;
//!         std::io::Result::Ok(())
//!     });
//!     let mut client = spindle::net::TcpStream::connect(addr).await?;
//!     client.write_all(b"hello").await?;
//!     let mut back = [0u8; 5];
//!     client.read_exact(&mut back).await?;
//!     assert_eq!(&back, b"hello");
//!     server.await.unwrap()
//! })?;
//! # std::io::Result::Ok(())
//! ```

pub use spindle_reactor::net::*;
pub use spindle_reactor::Async;
