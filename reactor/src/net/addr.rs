//! Socket addresses, resolved without blocking a worker.
//!
//! [`ToSocketAddrs`] is sealed and implemented for the same types as
//! `std::net::ToSocketAddrs`. Each value first says what it is: literal
//! addresses become `SocketAddr`s right away (a parse, no syscall); host
//! names become a lookup job that runs on the blocking spawner.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::blocking;

/// Something that names one or more socket addresses: a `SocketAddr`, an
/// `(ip, port)` pair, a `"host:port"` string, a `(host, port)` pair, or a
/// slice of `SocketAddr`. Sealed; mirrors `std::net::ToSocketAddrs`.
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use std::net::SocketAddr;

    /// What an address argument turned out to be.
    #[derive(Debug)]
    pub enum Resolve {
        /// Already addresses; no lookup needed.
        Done(Vec<SocketAddr>),
        /// A `"host:port"` string for the resolver.
        HostPort(String),
        /// A host and a port for the resolver.
        Host(String, u16),
    }

    /// The sealed half of `ToSocketAddrs`.
    pub trait ToSocketAddrsPriv {
        /// Classifies the address without any syscall.
        fn to_resolve(&self) -> Resolve;
    }
}

use sealed::{Resolve, ToSocketAddrsPriv};

/// Resolves `addr` to socket addresses: at once for literal addresses, on
/// the blocking spawner for host names.
///
/// # Errors
///
/// Returns the resolver's error (unknown host, bad port, ...).
///
/// ```
/// # let mut driver = spindle_reactor::IoDriver::new()?;
/// # let handle = driver.handle();
/// # std::thread::spawn(move || loop { spindle_executor::park::Park::park(&mut driver, None) });
/// # let _guard = handle.enter();
/// # futures_executor::block_on(async {
/// let addrs = spindle_reactor::net::lookup_host("localhost:8080").await?;
/// assert!(addrs.iter().all(|a| a.port() == 8080));
/// let literal = spindle_reactor::net::lookup_host("127.0.0.1:80").await?; // no lookup
/// assert_eq!(literal, ["127.0.0.1:80".parse().unwrap()]);
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub fn lookup_host(
    addr: impl ToSocketAddrs,
) -> impl Future<Output = io::Result<Vec<std::net::SocketAddr>>> + Send + 'static {
    let resolve = addr.to_resolve();
    async move {
        match resolve {
            Resolve::Done(addrs) => Ok(addrs),
            Resolve::HostPort(s) => {
                blocking::run(move || std::net::ToSocketAddrs::to_socket_addrs(&s).map(Vec::from_iter)).await
            }
            Resolve::Host(host, port) => {
                blocking::run(move || {
                    std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Vec::from_iter)
                })
                .await
            }
        }
    }
}

macro_rules! literal {
    ($($ty:ty),*) => {$(
        impl ToSocketAddrs for $ty {}
        impl ToSocketAddrsPriv for $ty {
            fn to_resolve(&self) -> Resolve {
                Resolve::Done(vec![SocketAddr::from(*self)])
            }
        }
    )*};
}

literal!(SocketAddr, SocketAddrV4, SocketAddrV6, (IpAddr, u16), (Ipv4Addr, u16), (Ipv6Addr, u16));

impl ToSocketAddrs for [SocketAddr] {}
impl ToSocketAddrsPriv for [SocketAddr] {
    fn to_resolve(&self) -> Resolve {
        Resolve::Done(self.to_vec())
    }
}

impl ToSocketAddrs for str {}
impl ToSocketAddrsPriv for str {
    fn to_resolve(&self) -> Resolve {
        match self.parse::<SocketAddr>() {
            Ok(addr) => Resolve::Done(vec![addr]),
            Err(_) => Resolve::HostPort(self.to_owned()),
        }
    }
}

impl ToSocketAddrs for String {}
impl ToSocketAddrsPriv for String {
    fn to_resolve(&self) -> Resolve {
        self.as_str().to_resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl ToSocketAddrsPriv for (&str, u16) {
    fn to_resolve(&self) -> Resolve {
        let (host, port) = *self;
        match host.parse::<IpAddr>() {
            Ok(ip) => Resolve::Done(vec![SocketAddr::new(ip, port)]),
            Err(_) => Resolve::Host(host.to_owned(), port),
        }
    }
}

impl ToSocketAddrs for (String, u16) {}
impl ToSocketAddrsPriv for (String, u16) {
    fn to_resolve(&self) -> Resolve {
        (self.0.as_str(), self.1).to_resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> ToSocketAddrsPriv for &T {
    fn to_resolve(&self) -> Resolve {
        (**self).to_resolve()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_need_no_lookup() {
        for r in [
            "127.0.0.1:80".to_resolve(),
            "[::1]:80".to_resolve(),
            ("10.0.0.1", 80).to_resolve(),
            SocketAddr::from(([127, 0, 0, 1], 1)).to_resolve(),
            (Ipv4Addr::LOCALHOST, 9).to_resolve(),
        ] {
            assert!(matches!(r, Resolve::Done(ref v) if v.len() == 1), "{r:?}");
        }
        assert!(matches!("localhost:80".to_resolve(), Resolve::HostPort(_)));
        assert!(matches!(("localhost", 80).to_resolve(), Resolve::Host(_, 80)));
    }

    #[test]
    fn localhost_resolves_off_thread() {
        let addrs = futures_executor::block_on(lookup_host("localhost:4242")).unwrap();
        assert!(!addrs.is_empty());
        assert!(addrs.iter().all(|a| a.port() == 4242 && a.ip().is_loopback()));
    }
}
