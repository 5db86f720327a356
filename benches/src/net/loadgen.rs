//! The `http_hello` load generator: plain std threads and blocking
//! sockets, one request in flight per keep-alive connection.
//!
//! A thread owns a few connections: it sends a request on each, then walks
//! them in turn, reading each one's response (its latency is the time since
//! that request was written) and sending the next request on it. A request
//! that waits behind a slower neighbour counts that wait, the same way for
//! every runtime.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::http::{head_len, HELLO};

/// The request every connection sends.
pub const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// Sends `requests` requests over `conns` and returns each latency in
/// nanoseconds.
///
/// # Errors
/// Socket errors, and `InvalidData` for a response that is not
/// `200 Hello, world!`.
pub fn drive(mut conns: Vec<TcpStream>, requests: usize) -> io::Result<Vec<u64>> {
    let mut latencies = Vec::with_capacity(requests);
    let mut sent_at: Vec<Option<Instant>> = vec![None; conns.len()];
    let mut sent = 0;
    for (conn, at) in conns.iter_mut().zip(&mut sent_at) {
        if sent < requests {
            conn.write_all(REQUEST)?;
            *at = Some(Instant::now());
            sent += 1;
        }
    }
    let mut buf = vec![0u8; 1024];
    while latencies.len() < requests {
        for (conn, at) in conns.iter_mut().zip(&mut sent_at) {
            let Some(start) = at.take() else { continue };
            read_response(conn, &mut buf)?;
            latencies.push(start.elapsed().as_nanos() as u64);
            if sent < requests {
                conn.write_all(REQUEST)?;
                *at = Some(Instant::now());
                sent += 1;
            }
        }
    }
    Ok(latencies)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Reads one `200 Hello, world!` response (nothing else is in flight).
fn read_response(conn: &mut TcpStream, buf: &mut [u8]) -> io::Result<()> {
    let mut filled = 0;
    let end = loop {
        if let Some(end) = head_len(&buf[..filled]) {
            break end;
        }
        if filled == buf.len() {
            return Err(invalid("response head too long"));
        }
        match conn.read(&mut buf[filled..])? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    };
    let head = std::str::from_utf8(&buf[..end]).map_err(|_| invalid("response head not UTF-8"))?;
    if !head.starts_with("HTTP/1.1 200 ") {
        return Err(invalid("status not 200"));
    }
    let length = head
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .ok_or_else(|| invalid("no Content-Length"))?;
    if end + length > buf.len() {
        return Err(invalid("response body too long"));
    }
    while filled < end + length {
        match conn.read(&mut buf[filled..end + length])? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    }
    if filled != end + length {
        return Err(invalid("bytes after the response"));
    }
    if &buf[end..filled] != HELLO.as_bytes() {
        return Err(invalid("body not Hello, world!"));
    }
    Ok(())
}
