//! The client side of loadgen: the [`Target`] (HTTP/1.1 or echo) and one
//! keep-alive [`Conn`] that sends a request and reads its whole answer,
//! plus the [`Watchdog`] that bounds each request in time.

use spindle::time::Instant;
use std::future::{poll_fn, Future};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::{pin, Pin};
use std::task::Poll;

use spindle::net::TcpStream;
use spindle::time::{sleep_until, Sleep};

/// Bytes an echo request sends (and expects back).
pub(crate) const ECHO_PAYLOAD: &[u8; 64] = &[b'x'; 64];
/// Largest response head or body accepted.
const MAX_RESPONSE: usize = 1 << 20;

/// What to load.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Http { addr: SocketAddr, request: Vec<u8> },
    Echo { addr: SocketAddr },
}

impl Target {
    pub(crate) fn parse(url: &str) -> io::Result<Target> {
        let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("target {url:?}: {why}"));
        let (scheme, rest) =
            url.split_once("://").ok_or_else(|| bad("expected http://HOST:PORT/PATH or echo://HOST:PORT"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let resolve = |default_port: u16| -> io::Result<SocketAddr> {
            let with_port = if authority.rsplit_once(':').is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())) {
                authority.to_string()
            } else {
                format!("{authority}:{default_port}")
            };
            with_port.to_socket_addrs()?.next().ok_or_else(|| bad("the host resolves to no address"))
        };
        match scheme {
            "http" => {
                let addr = resolve(80)?;
                let request =
                    format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: spindle-loadgen\r\n\r\n");
                Ok(Target::Http { addr, request: request.into_bytes() })
            }
            "echo" => Ok(Target::Echo { addr: resolve(7000)? }),
            other => Err(bad(&format!("unknown scheme {other:?} (http or echo)"))),
        }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        match self {
            Target::Http { addr, .. } | Target::Echo { addr } => *addr,
        }
    }
}

/// One client connection, with what it has read past the last response.
pub(crate) struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    filled: usize,
}

/// How a response went: 2xx or not, and whether the connection stays open.
pub(crate) struct Answer {
    pub(crate) ok: bool,
    pub(crate) keep: bool,
}

impl Conn {
    pub(crate) async fn connect(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: vec![0; 16 * 1024], filled: 0 })
    }

    /// Reads more into the buffer (growing it up to `MAX_RESPONSE`).
    async fn fill(&mut self) -> io::Result<()> {
        if self.filled == self.buf.len() {
            if self.buf.len() >= MAX_RESPONSE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "response over 1 MiB"));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        match self.stream.read(&mut self.buf[self.filled..]).await? {
            0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "server closed the connection")),
            n => {
                self.filled += n;
                Ok(())
            }
        }
    }

    /// Drops the first `n` buffered bytes.
    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.filled, 0);
        self.filled -= n;
    }

    pub(crate) async fn request(&mut self, target: &Target) -> io::Result<Answer> {
        match target {
            Target::Echo { .. } => {
                self.stream.write_all(ECHO_PAYLOAD).await?;
                while self.filled < ECHO_PAYLOAD.len() {
                    self.fill().await?;
                }
                let ok = self.buf[..ECHO_PAYLOAD.len()] == ECHO_PAYLOAD[..];
                self.consume(ECHO_PAYLOAD.len());
                Ok(Answer { ok, keep: true })
            }
            Target::Http { request, .. } => {
                self.stream.write_all(request).await?;
                let end = loop {
                    if let Some(i) = self.buf[..self.filled].windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    self.fill().await?;
                };
                let head = parse_response_head(&self.buf[..end])?;
                while self.filled < end + head.content_length {
                    self.fill().await?;
                }
                self.consume(end + head.content_length);
                Ok(Answer { ok: (200..300).contains(&head.status), keep: !head.close })
            }
        }
    }
}

pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) content_length: usize,
    pub(crate) close: bool,
}

pub(crate) fn parse_response_head(head: &[u8]) -> io::Result<ResponseHead> {
    let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad response: {why}"));
    let text = std::str::from_utf8(head).map_err(|_| invalid("not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(invalid("not HTTP/1.x"));
    }
    let status = parts.next().and_then(|s| s.parse().ok()).ok_or_else(|| invalid("no status code"))?;
    let mut content_length = 0;
    let mut close = version == "HTTP/1.0";
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("header without ':'"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse().map_err(|_| invalid("Content-Length"))?;
            if content_length > MAX_RESPONSE {
                return Err(invalid("body over 1 MiB"));
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(invalid("chunked bodies are not supported"));
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.split(',').any(|o| o.trim().eq_ignore_ascii_case("close"));
        }
    }
    Ok(ResponseHead { status, content_length, close })
}

/// A per-request timeout that costs no timer operation per request: one
/// `Sleep` per connection, re-armed only when it fires before the current
/// request's deadline (so about once per timeout period on a healthy
/// connection), where `timeout(d, request)` would register and cancel a
/// timer for every request.
pub(crate) struct Watchdog {
    sleep: Option<Sleep>,
}

impl Watchdog {
    /// A watchdog with no timer yet (it creates one on first use).
    pub(crate) fn new() -> Watchdog {
        Watchdog { sleep: None }
    }

    /// Runs `request` until it completes (`Some`) or `deadline` passes
    /// (`None`).
    pub(crate) async fn guard<F: Future>(&mut self, deadline: Instant, request: F) -> Option<F::Output> {
        let mut request = pin!(request);
        let sleep = self.sleep.get_or_insert_with(|| sleep_until(deadline));
        poll_fn(|cx| {
            if let Poll::Ready(out) = request.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            while Pin::new(&mut *sleep).poll(cx).is_ready() {
                if Instant::now() >= deadline {
                    return Poll::Ready(None);
                }
                sleep.reset(deadline);
            }
            Poll::Pending
        })
        .await
    }
}
