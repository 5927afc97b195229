//! Name resolution: the `lookup` option's resolver trait and the default (`getaddrinfo`).

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use crate::error::Error;
use crate::types::Family;

/// A boxed resolver future.
pub type LookupFuture = Pin<Box<dyn Future<Output = Result<IpAddr, Error>> + Send + 'static>>;

/// The `lookup` option: resolves a host name for a socket of a given family.
///
/// Called for every address the socket meets (bind, connect, send, in whichever
/// [`Destination`](crate::Destination) form it was given): set with
/// [`SocketOptions::lookup`](crate::SocketOptions::lookup) it is asked for IP literals and the
/// default addresses (`0.0.0.0`, `127.0.0.1`, ...) too, as Node calls its `lookup` option.
/// Its error reaches the operation's callback, or the `error` event when there is none, with
/// the code it gave. Closures `Fn(String, Family) -> impl Future<Output = Result<IpAddr, Error>>`
/// are resolvers:
///
/// ```
/// use node_dgram::{Error, Family, SocketOptions, SocketType};
/// use std::net::{IpAddr, Ipv4Addr};
/// let opts = SocketOptions::new(SocketType::Udp4).lookup(|host: String, _family: Family| async move {
///     if host == "service.test" {
///         Ok(IpAddr::V4(Ipv4Addr::LOCALHOST))
///     } else {
///         Err(Error::lookup("ENOTFOUND", &host))
///     }
/// });
/// ```
pub trait Resolver: Send + Sync + 'static {
    /// Resolves `host` to one address of `family`.
    fn lookup(&self, host: String, family: Family) -> LookupFuture;
}

impl<F, Fut> Resolver for F
where
    F: Fn(String, Family) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<IpAddr, Error>> + Send + 'static,
{
    fn lookup(&self, host: String, family: Family) -> LookupFuture {
        Box::pin(self(host, family))
    }
}

/// The default resolver: the system's `getaddrinfo` with the socket's family as hint, run on
/// a blocking thread (never on the event loop), first address first, as `dns.lookup` does.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn lookup(&self, host: String, family: Family) -> LookupFuture {
        Box::pin(async move {
            let h = host.clone();
            let res = tokio::task::spawn_blocking(move || crate::sys::getaddrinfo(&h, family.number())).await;
            match res {
                Ok(Ok(addrs)) => match addrs.into_iter().find(|a| Family::of(a) == family) {
                    Some(a) => Ok(a),
                    None => Err(Error::lookup("ENOTFOUND", &host)),
                },
                Ok(Err(code)) => Err(Error::lookup(code, &host)),
                Err(_) => Err(Error::lookup("EAI_FAIL", &host)),
            }
        })
    }
}
