//! `tokio_io_codec`: what running a tokio-util codec costs on each
//! runtime's TCP stream, the path a tokio-io crate takes on spindle.
//!
//! One loopback connection per sample: a writer task sends
//! [`CODEC_LINES`] lines through `FramedWrite<_, LinesCodec>`, a reader
//! task counts them through `FramedRead`. The streams seen through tokio's
//! io traits:
//!
//! | runtime | stream |
//! |---|---|
//! | spindle | `spindle::net::TcpStream` itself (feature `tokio-io`: tokio's traits implemented on it, reading into the `ReadBuf`'s uninitialised part) |
//! | tokio | `tokio::net::TcpStream` (native) |
//! | async-executor | `tokio_util::compat::Compat<async_io::Async<TcpStream>>` |
//!
//! async-io's column pays a mapping (futures-io's `&mut [u8]` read behind
//! tokio's `ReadBuf`: the unfilled part is zeroed before each read);
//! spindle's and tokio's read straight into the `ReadBuf`, so the
//! spindle/tokio ratio is the cost of spindle's impls. Through
//! `spindle::io::TokioIo` (the adapter other futures-io types still use,
//! and this row's spindle column before the direct impls) the ratio was
//! the same within noise: 0.92 and 0.80 against 0.94 and 0.99 directly,
//! two alternations of both binaries, 6 rounds each, on the 2-core VM.

use futures_channel::oneshot;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec};
use tokio_util::compat::FuturesAsyncReadCompatExt;

use crate::net::NetRuntime;
use crate::rt::{AsyncExecutorRt, Runtimes, SpindleRt, TokioRt, Which};

/// Lines per sample (release builds; debug builds send a hundredth).
pub const CODEC_LINES: usize = 100_000;

fn lines() -> usize {
    if cfg!(debug_assertions) {
        CODEC_LINES / 100
    } else {
        CODEC_LINES
    }
}

/// One sample: connect, stream the lines, wait until the reader has all.
fn codec_lines<R, S>(rt: &R, adapt: fn(R::Stream) -> S)
where
    R: NetRuntime,
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let n = lines();
    let (listener, addr) = rt.block_on(R::bind()).expect("tokio_io_codec: bind");
    let (tx, rx) = oneshot::channel();
    rt.spawn_remote(async move {
        let stream = R::accept(&listener).await.expect("tokio_io_codec: accept");
        let mut framed = FramedRead::new(adapt(stream), LinesCodec::new());
        let mut count = 0;
        while let Some(line) = framed.next().await {
            line.expect("tokio_io_codec: bad line");
            count += 1;
        }
        let _ = tx.send(count);
    });
    rt.spawn_remote(async move {
        let stream = R::connect(addr).await.expect("tokio_io_codec: connect");
        let mut framed = FramedWrite::new(adapt(stream), LinesCodec::new());
        for i in 0..n {
            framed.feed(format!("line {i:09}")).await.expect("tokio_io_codec: write");
            if i % 64 == 63 {
                SinkExt::<String>::flush(&mut framed).await.expect("tokio_io_codec: flush");
            }
        }
        SinkExt::<String>::close(&mut framed).await.expect("tokio_io_codec: close");
    });
    let got = rt.block_on(rx).expect("tokio_io_codec: reader lost");
    assert_eq!(got, n);
}

fn spindle_adapt(stream: spindle::net::TcpStream) -> spindle::net::TcpStream {
    stream
}

fn tokio_adapt(stream: tokio::net::TcpStream) -> tokio::net::TcpStream {
    stream
}

fn async_io_adapt(
    stream: async_io::Async<std::net::TcpStream>,
) -> tokio_util::compat::Compat<async_io::Async<std::net::TcpStream>> {
    stream.compat()
}

/// One sample on `which`, in seconds.
pub fn tokio_io_codec(rts: &Runtimes, which: Which) -> f64 {
    let start = std::time::Instant::now();
    match which {
        Which::Spindle => codec_lines::<SpindleRt, _>(&rts.spindle, spindle_adapt),
        Which::Tokio => {
            let rt = TokioRt::net(rts.spindle.runtime().metrics().num_workers());
            codec_lines::<TokioRt, _>(rt, tokio_adapt)
        }
        Which::AsyncExecutor => codec_lines::<AsyncExecutorRt, _>(&rts.async_executor, async_io_adapt),
    }
    start.elapsed().as_secs_f64()
}
