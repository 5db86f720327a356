//! [`stream_readiness!`]: tokio's readiness family for the stream types
//! (`ready`, `readable`, `writable`, `poll_read_ready`,
//! `poll_write_ready`, `try_read`, `try_read_vectored`, `try_write`,
//! `try_write_vectored`, `try_io`, `async_io`), written once for every
//! stream whose `io` field is its `Async`. The behaviour is
//! `crate::readiness`'s, shared with `UdpSocket`; the macro only gives
//! each stream type the inherent methods (tokio's callers name them
//! without importing a trait) and their documentation, whose examples run
//! on a connected pair `a`, `b` that the caller's `$pair` sets up.

/// See the module docs. `$pair`: hidden doc-test lines that open an
/// `async` block with a runtime entered and bind a connected pair `a`,
/// `b` of `$ty`; the macro closes the block.
macro_rules! stream_readiness {
    ($ty:ident, $pair:literal) => {
        impl $ty {
            /// Waits until the stream is ready for any of `interest`, and
            /// says which. Readiness can be spurious: the next `try_*` may
            /// still see `WouldBlock`, which clears it.
            ///
            /// # Errors
            ///
            /// Fails once the reactor is shut down.
            ///
            /// ```
            #[doc = $pair]
            /// use spindle_reactor::net::Interest;
            ///
            /// let ready = a.ready(Interest::READABLE | Interest::WRITABLE).await?;
            /// assert!(ready.is_writable());
            /// # let _ = b;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn ready(&self, interest: $crate::net::Interest) -> std::io::Result<$crate::net::Ready> {
                self.io.ready(interest).await
            }

            /// Waits until the stream may be readable (for
            #[doc = concat!("[`try_read`](", stringify!($ty), "::try_read)).")]
            ///
            /// # Errors
            ///
            /// Fails once the reactor is shut down.
            ///
            /// ```
            #[doc = $pair]
            /// b.write_all(b"ping").await?;
            /// let mut buf = [0u8; 8];
            /// let n = loop {
            ///     a.readable().await?;
            ///     match a.try_read(&mut buf) {
            ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            ///         other => break other?,
            ///     }
            /// };
            /// assert_eq!(&buf[..n], &b"ping"[..n]);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn readable(&self) -> std::io::Result<()> {
                self.io.ready($crate::net::Interest::READABLE).await.map(|_| ())
            }

            /// Waits until the stream may be writable (for
            #[doc = concat!("[`try_write`](", stringify!($ty), "::try_write)).")]
            ///
            /// # Errors
            ///
            /// Fails once the reactor is shut down.
            ///
            /// ```
            #[doc = $pair]
            /// a.writable().await?; // a fresh connection has room
            /// assert_eq!(a.try_write(b"now")?, 3);
            /// # let _ = b;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn writable(&self) -> std::io::Result<()> {
                self.io.ready($crate::net::Interest::WRITABLE).await.map(|_| ())
            }

            /// Poll form of
            #[doc = concat!("[`readable`](", stringify!($ty), "::readable).")]
            ///
            /// # Errors
            ///
            /// Fails once the reactor is shut down.
            ///
            /// ```
            #[doc = $pair]
            /// b.write_all(b"x").await?;
            /// std::future::poll_fn(|cx| a.poll_read_ready(cx)).await?;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn poll_read_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
                self.io.poll_ready(cx, $crate::net::Interest::READABLE).map_ok(|_| ())
            }

            /// Poll form of
            #[doc = concat!("[`writable`](", stringify!($ty), "::writable).")]
            ///
            /// # Errors
            ///
            /// Fails once the reactor is shut down.
            ///
            /// ```
            #[doc = $pair]
            /// std::future::poll_fn(|cx| a.poll_write_ready(cx)).await?;
            /// # let _ = b;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn poll_write_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
                self.io.poll_ready(cx, $crate::net::Interest::WRITABLE).map_ok(|_| ())
            }

            /// Reads into `buf` without waiting: `WouldBlock` if nothing is
            /// there now (or the calling task's coop budget is spent);
            /// `Ok(0)` is EOF.
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the `read` error.
            ///
            /// ```
            #[doc = $pair]
            /// let err = a.try_read(&mut [0u8; 8]).unwrap_err();
            /// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
            /// # let _ = b;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.io.try_read_with(|s| std::io::Read::read(&mut &*s, buf))
            }

            /// Reads into several buffers without waiting (`readv`).
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the `readv` error.
            ///
            /// ```
            #[doc = $pair]
            /// use std::io::IoSliceMut;
            /// b.write_all(b"hello world").await?;
            /// let (mut head, mut tail) = ([0u8; 5], [0u8; 6]);
            /// let n = loop {
            ///     a.readable().await?;
            ///     let mut bufs = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut tail)];
            ///     match a.try_read_vectored(&mut bufs) {
            ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            ///         other => break other?,
            ///     }
            /// };
            /// assert!(n > 0);
            /// assert_eq!(&head[..n.min(5)], &b"hello"[..n.min(5)]);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_read_vectored(&self, bufs: &mut [std::io::IoSliceMut<'_>]) -> std::io::Result<usize> {
                self.io.try_read_with(|s| std::io::Read::read_vectored(&mut &*s, bufs))
            }

            /// Writes some of `buf` without waiting: `WouldBlock` if the
            /// send buffer is full now (or the task's budget is spent).
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the `write` error (`BrokenPipe`,
            /// `ConnectionReset` once the peer is gone).
            ///
            /// ```
            #[doc = $pair]
            /// a.writable().await?;
            /// assert_eq!(a.try_write(b"hey")?, 3);
            /// # let _ = b;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.io.try_write_with(|s| std::io::Write::write(&mut &*s, buf))
            }

            /// Writes from several buffers without waiting (`writev`).
            ///
            /// # Errors
            ///
            /// `WouldBlock`, or the `writev` error.
            ///
            /// ```
            #[doc = $pair]
            /// use std::io::IoSlice;
            /// a.writable().await?;
            /// assert_eq!(a.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])?, 4);
            /// # let _ = b;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                self.io.try_write_with(|s| std::io::Write::write_vectored(&mut &*s, bufs))
            }

            /// Runs a custom non-blocking operation `f` (on
            #[doc = concat!("[`get_ref`](", stringify!($ty), "::get_ref)),")]
            /// if the stream is ready for `interest` (reading if it includes
            /// `READABLE`, else writing); a `WouldBlock` from `f` clears that
            /// readiness.
            ///
            /// # Errors
            ///
            /// `WouldBlock` if not ready, or `f`'s error.
            ///
            /// ```
            #[doc = $pair]
            /// use spindle_reactor::net::Interest;
            /// a.writable().await?;
            /// let n = a.try_io(Interest::WRITABLE, || std::io::Write::write(&mut a.get_ref(), b"raw"))?;
            /// assert_eq!(n, 3);
            /// # let _ = b;
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub fn try_io<R>(
                &self,
                interest: $crate::net::Interest,
                f: impl FnOnce() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.io.try_io(interest, f)
            }

            /// Runs `f` until it stops returning `WouldBlock`, waiting for
            /// `interest` readiness in between (reading if it includes
            /// `READABLE`, else writing).
            ///
            /// # Errors
            ///
            /// `f`'s error, or the reactor's once it is shut down.
            ///
            /// ```
            #[doc = $pair]
            /// use spindle_reactor::net::Interest;
            /// b.write_all(b"custom").await?;
            /// let mut buf = [0u8; 8];
            /// let n = a.async_io(Interest::READABLE, || std::io::Read::read(&mut a.get_ref(), &mut buf)).await?;
            /// assert_eq!(&buf[..n], &b"custom"[..n]);
            /// # std::io::Result::Ok(()) })?;
            /// # std::io::Result::Ok(())
            /// ```
            pub async fn async_io<R>(
                &self,
                interest: $crate::net::Interest,
                f: impl FnMut() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.io.async_io(interest, f).await
            }
        }
    };
}
