//! A minimal HTTP/1.1 server that answers every request with
//! `Hello, world!`, written by hand on spindle's TCP sockets: one task per
//! connection, keep-alive, requests read up to the blank line into a
//! bounded buffer, `Content-Length` bodies read and dropped (chunked ones
//! refused with 501, big ones with 413), `Connection: close` honoured, and
//! a 400 plus a closed connection for anything malformed. Requests are
//! answered in order, so pipelined ones work too.
//!
//! ```text
//! cargo run --release --example http_hello [ADDR (127.0.0.1:8080)] [WORKERS]
//! curl -v http://127.0.0.1:8080/
//! wrk -t2 -c50 -d5s http://127.0.0.1:8080/
//! ```
//!
//! It runs until killed (Ctrl-C). The `http_hello` row of `spindle-benches`
//! runs the same logic on spindle, tokio and async-io.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use spindle::net::{TcpListener, TcpStream};

/// Most bytes of a request line plus headers.
const MAX_HEAD: usize = 8 * 1024;
/// Largest request body accepted (and dropped).
const MAX_BODY: usize = 64 * 1024;

const OK_KEEP_ALIVE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
const OK_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, world!";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const TOO_LARGE: &[u8] = b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const NOT_IMPLEMENTED: &[u8] = b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// What a request head asks for.
struct Head {
    content_length: usize,
    close: bool,
}

/// The length of the head (through the blank line), if it is all in `buf`.
fn head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses a head; on refusal, the response to send before closing.
fn parse_head(head: &[u8]) -> Result<Head, &'static [u8]> {
    let text = std::str::from_utf8(head).map_err(|_| BAD_REQUEST)?;
    let text = text.strip_suffix("\r\n\r\n").ok_or(BAD_REQUEST)?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(BAD_REQUEST),
    };
    if !is_token(method) || target.is_empty() || target.bytes().any(|b| b.is_ascii_control()) {
        return Err(BAD_REQUEST);
    }
    let mut close = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(BAD_REQUEST),
    };
    let mut content_length = None;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(BAD_REQUEST)?;
        if !is_token(name) {
            return Err(BAD_REQUEST);
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("content-length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BAD_REQUEST);
            }
            let n = value.parse::<usize>().map_err(|_| TOO_LARGE)?;
            if content_length.is_some_and(|m| m != n) {
                return Err(BAD_REQUEST);
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(NOT_IMPLEMENTED);
        } else if name.eq_ignore_ascii_case("connection") {
            for option in value.split(',').map(str::trim) {
                if option.eq_ignore_ascii_case("close") {
                    close = true;
                } else if option.eq_ignore_ascii_case("keep-alive") && version == "HTTP/1.0" {
                    close = false;
                }
            }
        }
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > MAX_BODY {
        return Err(TOO_LARGE);
    }
    Ok(Head { content_length, close })
}

/// Serves one connection until the peer closes it, asks to, or sends
/// something malformed.
async fn serve(stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; MAX_HEAD].into_boxed_slice();
    let mut filled = 0;
    loop {
        let end = loop {
            if let Some(end) = head_len(&buf[..filled]) {
                break end;
            }
            if filled == buf.len() {
                return stream.write_all(BAD_REQUEST).await;
            }
            match stream.read(&mut buf[filled..]).await? {
                0 => return Ok(()),
                n => filled += n,
            }
        };
        let head = match parse_head(&buf[..end]) {
            Ok(head) => head,
            Err(response) => return stream.write_all(response).await,
        };
        // Drop the body: first what is buffered, then the rest as it comes.
        let buffered = head.content_length.min(filled - end);
        let mut body_left = head.content_length - buffered;
        buf.copy_within(end + buffered..filled, 0);
        filled -= end + buffered;
        while body_left > 0 {
            // `filled` is 0 here: the whole buffer went to the body.
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            let take = n.min(body_left);
            body_left -= take;
            buf.copy_within(take..n, 0);
            filled = n - take;
        }
        if head.close {
            return stream.write_all(OK_CLOSE).await;
        }
        stream.write_all(OK_KEEP_ALIVE).await?;
    }
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = match args.next() {
        Some(a) => a.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("address {a}: {e}")))?,
        None => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let workers = match args.next() {
        Some(w) => w.parse().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("workers {w}: {e}")))?,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let rt = spindle::Builder::new_multi_thread().worker_threads(workers).build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(addr).await?;
        println!("http://{} ({workers} workers)", listener.local_addr()?);
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    drop(spindle::spawn(async move {
                        let _ = stream.set_nodelay(true);
                        // A reset or a vanished client ends its connection only.
                        let _ = serve(stream).await;
                    }));
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::Interrupted) => {}
                Err(e) => {
                    // Out of file descriptors or memory: back off, don't spin.
                    eprintln!("accept: {e}; retrying in 100 ms");
                    spindle::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    })
}
