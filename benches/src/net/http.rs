//! A tiny HTTP/1.1 server that answers every request with
//! `Hello, world!`: keep-alive, `Content-Length` bodies read and dropped,
//! `Connection: close`, bounded buffers, 400 and a close for anything
//! malformed. The same logic as `examples/http_hello.rs`, written over
//! [`Conn`] so that every runtime runs the same code.

use std::io;

use super::Conn;

/// Most bytes of a request line plus headers.
pub const MAX_HEAD: usize = 8 * 1024;
/// Largest request body accepted (and dropped).
pub const MAX_BODY: usize = 64 * 1024;
/// Body of every 200 response.
pub const HELLO: &str = "Hello, world!";

const OK_KEEP_ALIVE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
const OK_CLOSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nHello, world!";
const BAD_REQUEST: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const TOO_LARGE: &[u8] = b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const NOT_IMPLEMENTED: &[u8] = b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// What a request head asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// `Content-Length`, 0 if absent.
    pub content_length: usize,
    /// Whether the connection closes after the response.
    pub close: bool,
}

/// Why a head is refused; each is answered and the connection closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Malformed: 400.
    BadRequest,
    /// Body over [`MAX_BODY`]: 413.
    TooLarge,
    /// `Transfer-Encoding` (chunked bodies): 501.
    NotImplemented,
}

impl Refusal {
    /// The response sent before closing.
    pub fn response(self) -> &'static [u8] {
        match self {
            Refusal::BadRequest => BAD_REQUEST,
            Refusal::TooLarge => TOO_LARGE,
            Refusal::NotImplemented => NOT_IMPLEMENTED,
        }
    }
}

/// The length of the head (through the blank line) at the start of `buf`,
/// if it is all there.
pub fn head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses a head (request line and headers, through the blank line).
///
/// # Errors
/// The [`Refusal`] to answer with.
pub fn parse_head(head: &[u8]) -> Result<Head, Refusal> {
    let text = std::str::from_utf8(head).map_err(|_| Refusal::BadRequest)?;
    let text = text.strip_suffix("\r\n\r\n").ok_or(Refusal::BadRequest)?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) => (m, t, v),
        _ => return Err(Refusal::BadRequest),
    };
    if !is_token(method) || target.is_empty() || target.bytes().any(|b| b.is_ascii_control()) {
        return Err(Refusal::BadRequest);
    }
    let mut close = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(Refusal::BadRequest),
    };
    let mut content_length = None;
    for line in lines {
        let (name, value) = line.split_once(':').ok_or(Refusal::BadRequest)?;
        if !is_token(name) {
            return Err(Refusal::BadRequest);
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("content-length") {
            if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Refusal::BadRequest);
            }
            let n = value.parse::<usize>().map_err(|_| Refusal::TooLarge)?;
            if content_length.is_some_and(|m| m != n) {
                return Err(Refusal::BadRequest);
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Refusal::NotImplemented);
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
        return Err(Refusal::TooLarge);
    }
    Ok(Head { content_length, close })
}

/// Serves one connection until the peer closes it, asks to, or sends
/// something malformed.
///
/// # Errors
/// Socket errors.
pub async fn serve<C: Conn>(mut conn: C) -> io::Result<()> {
    let mut buf = vec![0u8; MAX_HEAD].into_boxed_slice();
    let mut filled = 0;
    loop {
        let end = loop {
            if let Some(end) = head_len(&buf[..filled]) {
                break end;
            }
            if filled == buf.len() {
                return conn.write_all(BAD_REQUEST).await;
            }
            match conn.read(&mut buf[filled..]).await? {
                0 => return Ok(()),
                n => filled += n,
            }
        };
        let head = match parse_head(&buf[..end]) {
            Ok(head) => head,
            Err(refusal) => return conn.write_all(refusal.response()).await,
        };
        // Drop the body: first what is buffered, then the rest as it comes.
        let buffered = head.content_length.min(filled - end);
        let mut body_left = head.content_length - buffered;
        buf.copy_within(end + buffered..filled, 0);
        filled -= end + buffered;
        while body_left > 0 {
            // `filled` is 0 here: the whole buffer went to the body.
            let n = conn.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            let take = n.min(body_left);
            body_left -= take;
            buf.copy_within(take..n, 0);
            filled = n - take;
        }
        if head.close {
            return conn.write_all(OK_CLOSE).await;
        }
        conn.write_all(OK_KEEP_ALIVE).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let get = parse_head(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(get, Ok(Head { content_length: 0, close: false }));
        let post = parse_head(b"POST /a HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
        assert_eq!(post, Ok(Head { content_length: 5, close: true }));
        assert_eq!(parse_head(b"GET / HTTP/1.0\r\n\r\n").map(|h| h.close), Ok(true));
        assert_eq!(parse_head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").map(|h| h.close), Ok(false));
        assert_eq!(parse_head(b"GET /\r\n\r\n"), Err(Refusal::BadRequest));
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nNoColon\r\n\r\n"), Err(Refusal::BadRequest));
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), Err(Refusal::BadRequest));
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"), Err(Refusal::TooLarge));
        assert_eq!(parse_head(b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), Err(Refusal::NotImplemented));
        assert_eq!(head_len(b"GET / HTTP/1.1\r\n\r\nextra"), Some(18));
    }
}
