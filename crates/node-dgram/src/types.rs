//! Plain values of the API: socket types and options, addresses, messages and arguments.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;

use crate::error::{describe, Error, Value};
use crate::lookup::Resolver;

/// An address family, as Node names it in `rinfo.family` and `address().family`.
///
/// Exhaustive on purpose (unlike the crate's other enums): UDP over IP has these two families,
/// and programs match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `'IPv4'`
    IPv4,
    /// `'IPv6'`
    IPv6,
}

impl Family {
    /// Node's string: `"IPv4"` or `"IPv6"`.
    ///
    /// [Node: `address().family`](https://nodejs.org/api/dgram.html#socketaddress)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Family;
    /// assert_eq!(Family::IPv6.as_str(), "IPv6");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::IPv4 => "IPv4",
            Family::IPv6 => "IPv6",
        }
    }
    /// The family of an address.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Family;
    /// assert_eq!(Family::of(&"::1".parse().unwrap()), Family::IPv6);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn of(ip: &IpAddr) -> Family {
        if ip.is_ipv4() {
            Family::IPv4
        } else {
            Family::IPv6
        }
    }
    /// 4 or 6, as `dns.lookup`'s `family` option.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Family;
    /// assert_eq!(Family::IPv4.number(), 4);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn number(self) -> u8 {
        match self {
            Family::IPv4 => 4,
            Family::IPv6 => 6,
        }
    }
    /// The family's "any" address (`0.0.0.0` or `::`).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Family;
    /// assert_eq!(Family::IPv6.any().to_string(), "::");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn any(self) -> IpAddr {
        match self {
            Family::IPv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::IPv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }
    /// The family's loopback address (`127.0.0.1` or `::1`), the default destination.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Family;
    /// assert_eq!(Family::IPv4.loopback().to_string(), "127.0.0.1");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn loopback(self) -> IpAddr {
        match self {
            Family::IPv4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Family::IPv6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The socket type of `dgram.createSocket`: `'udp4'` or `'udp6'`.
///
/// ```
/// use node_dgram::SocketType;
/// assert_eq!("udp6".parse::<SocketType>().unwrap(), SocketType::Udp6);
/// assert_eq!("udp5".parse::<SocketType>().unwrap_err().code(), "ERR_SOCKET_BAD_TYPE");
/// ```
///
/// Exhaustive on purpose: Node's `dgram` has exactly these two types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketType {
    /// `'udp4'`
    Udp4,
    /// `'udp6'`
    Udp6,
}

impl SocketType {
    /// The address family of this socket type.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{Family, SocketType};
    /// assert_eq!(SocketType::Udp6.family(), Family::IPv6);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn family(self) -> Family {
        match self {
            SocketType::Udp4 => Family::IPv4,
            SocketType::Udp6 => Family::IPv6,
        }
    }
}

impl FromStr for SocketType {
    type Err = Error;
    fn from_str(s: &str) -> Result<SocketType, Error> {
        match s {
            "udp4" => Ok(SocketType::Udp4),
            "udp6" => Ok(SocketType::Udp6),
            _ => Err(Error::bad_socket_type()),
        }
    }
}

/// The options of `dgram.createSocket(options)`, as a builder.
///
/// ```
/// use node_dgram::{SocketOptions, SocketType};
/// let opts = SocketOptions::new(SocketType::Udp6).reuse_addr(true).ipv6_only(true);
/// assert_eq!(opts.socket_type(), SocketType::Udp6);
/// ```
#[derive(Clone)]
pub struct SocketOptions {
    pub(crate) ty: SocketType,
    pub(crate) reuse_addr: bool,
    pub(crate) reuse_port: bool,
    pub(crate) ipv6_only: bool,
    pub(crate) recv_buffer_size: Option<u32>,
    pub(crate) send_buffer_size: Option<u32>,
    pub(crate) lookup: Option<Arc<dyn Resolver>>,
    pub(crate) signal: Option<tokio_util::sync::CancellationToken>,
    pub(crate) receive_block_list: Option<crate::BlockList>,
    pub(crate) send_block_list: Option<crate::BlockList>,
    pub(crate) gso: bool,
    /// `None`: asked for where the kernel has it, silently off where not (the default);
    /// `Some(true)`: required (the bind fails without it); `Some(false)`: off.
    pub(crate) gro: Option<bool>,
    pub(crate) receive_thread: bool,
    pub(crate) receive_pause: Option<std::time::Duration>,
    pub(crate) lookup_all: bool,
    pub(crate) keep_failed_bind_socket: bool,
    /// Node's order for `close()` while sends wait behind the implicit bind: `listening`, then
    /// `close` (see the engine's `bind_before_close`). Set by the tokio adapter; off for other
    /// adapters (the Node addon keeps Node's queue in JavaScript).
    pub(crate) listening_before_close: bool,
    pub(crate) silent_membership_bind: bool,
    pub(crate) buffer_size_error_ends_bind: bool,
}

impl fmt::Debug for SocketOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketOptions")
            .field("type", &self.ty)
            .field("reuse_addr", &self.reuse_addr)
            .field("reuse_port", &self.reuse_port)
            .field("ipv6_only", &self.ipv6_only)
            .field("recv_buffer_size", &self.recv_buffer_size)
            .field("send_buffer_size", &self.send_buffer_size)
            .field("lookup", &self.lookup.is_some())
            .field("signal", &self.signal.is_some())
            .field("receive_block_list", &self.receive_block_list)
            .field("send_block_list", &self.send_block_list)
            .field("gso", &self.gso)
            .field("gro", &self.gro)
            .field("receive_thread", &self.receive_thread)
            .field("receive_pause", &self.receive_pause)
            .finish()
    }
}

impl SocketOptions {
    /// Options for a socket of `ty`, everything else at Node's defaults.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4);
    /// assert_eq!(o.socket_type(), SocketType::Udp4);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn new(ty: SocketType) -> SocketOptions {
        SocketOptions {
            ty,
            reuse_addr: false,
            reuse_port: false,
            ipv6_only: false,
            recv_buffer_size: None,
            send_buffer_size: None,
            lookup: None,
            signal: None,
            receive_block_list: None,
            send_block_list: None,
            gso: false,
            gro: None,
            receive_thread: false,
            receive_pause: None,
            lookup_all: false,
            keep_failed_bind_socket: false,
            listening_before_close: false,
            silent_membership_bind: false,
            buffer_size_error_ends_bind: false,
        }
    }
    /// The socket type.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// assert_eq!(SocketOptions::new(SocketType::Udp6).socket_type(), SocketType::Udp6);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn socket_type(&self) -> SocketType {
        self.ty
    }
    /// `reuseAddr`: `SO_REUSEADDR` at bind.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).reuse_addr(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a refused option fails the bind (`bind EINVAL ...`).
    pub fn reuse_addr(mut self, on: bool) -> Self {
        self.reuse_addr = on;
        self
    }
    /// `reusePort`: `SO_REUSEPORT` at bind (Linux spreads datagrams over the sockets).
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).reuse_port(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a system without `SO_REUSEPORT` fails the bind.
    pub fn reuse_port(mut self, on: bool) -> Self {
        self.reuse_port = on;
        self
    }
    /// `ipv6Only`: `IPV6_V6ONLY` on a udp6 socket.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp6).ipv6_only(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; an IPv4 bind of such a socket fails with `bind EINVAL`.
    pub fn ipv6_only(mut self, on: bool) -> Self {
        self.ipv6_only = on;
        self
    }
    /// `recvBufferSize`: `SO_RCVBUF`, set once the socket is bound.
    ///
    /// Node validates the value: it must be an integer from 0 to 2^31 - 1.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).recv_buffer_size(1 << 20);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a size the system refuses fails the bind with `ERR_SOCKET_BUFFER_SIZE`.
    pub fn recv_buffer_size(mut self, size: u32) -> Self {
        self.recv_buffer_size = Some(size);
        self
    }
    /// `sendBufferSize`: `SO_SNDBUF`, set once the socket is bound.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).send_buffer_size(1 << 20);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a size the system refuses fails the bind with `ERR_SOCKET_BUFFER_SIZE`.
    pub fn send_buffer_size(mut self, size: u32) -> Self {
        self.send_buffer_size = Some(size);
        self
    }
    /// `lookup`: the resolver the socket asks for every address it meets, as Node calls its
    /// `lookup` option: a `bind()` with no address asks it for `0.0.0.0` / `::` (the implicit
    /// bind of a first `send()` or `connect()` too), a `connect()` with no address for
    /// `127.0.0.1` / `::1`, and IP literals are asked as they are. A program can so observe or
    /// redirect every bind and send, and a resolver that fails makes the bind fail (`error`).
    /// (This turns on [`lookup_all`](SocketOptions::lookup_all).) Default: the system's
    /// `getaddrinfo`, off the event loop, which IP literals skip.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{Error, Family, SocketOptions, SocketType};
    /// use std::net::IpAddr;
    /// // Every address goes through it, literals and the implicit bind's `0.0.0.0` included.
    /// let o = SocketOptions::new(SocketType::Udp4).lookup(|host: String, _family: Family| async move {
    ///     match host.as_str() {
    ///         "db.internal" => Ok(IpAddr::from([127, 0, 0, 1])),
    ///         _ => host.parse::<IpAddr>().map_err(|_| Error::lookup("ENOTFOUND", &host)),
    ///     }
    /// });
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; the resolver's errors end the operation that asked (and, for a bind, go to `error`).
    pub fn lookup(mut self, resolver: impl Resolver) -> Self {
        self.lookup = Some(Arc::new(resolver));
        self.lookup_all = true;
        self
    }
    /// `signal`: cancelling the token closes the socket, as `close()` would.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let token = node_dgram::CancellationToken::new();
    /// let o = SocketOptions::new(SocketType::Udp4).signal(token.clone());
    /// # let _ = o;
    /// // token.cancel() closes the socket.
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn signal(mut self, token: tokio_util::sync::CancellationToken) -> Self {
        self.signal = Some(token);
        self
    }

    /// `receiveBlockList`: datagrams from listed senders are dropped before any listener sees
    /// them. The list is shared: rules added later apply.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let list = node_dgram::BlockList::new();
    /// list.add_address("192.0.2.1").unwrap();
    /// let o = SocketOptions::new(SocketType::Udp4).receive_block_list(list);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn receive_block_list(mut self, list: crate::BlockList) -> Self {
        self.receive_block_list = Some(list);
        self
    }
    /// `sendBlockList`: `send` and `connect` to a listed address fail with `ERR_IP_BLOCKED`
    /// (`IP(10.0.0.1) is blocked by net.BlockList`), through the operation or `error`.
    ///
    /// [Node: `dgram.createSocket` options](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let list = node_dgram::BlockList::new();
    /// list.add_subnet("10.0.0.0", 8).unwrap();
    /// let o = SocketOptions::new(SocketType::Udp4).send_block_list(list);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; blocked sends and connects fail with `ERR_IP_BLOCKED`.
    pub fn send_block_list(mut self, list: crate::BlockList) -> Self {
        self.send_block_list = Some(list);
        self
    }

    /// UDP GSO (an extra of node-dgram, off by default): when several sends of equal size to
    /// one destination are queued together, they leave in one system call with the kernel
    /// cutting the datagrams (`UDP_SEGMENT`). The receiver sees the same datagrams; only the
    /// cost changes. Off by default because Node has no such option.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).gso(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None: where the kernel refuses segmentation, sends fall back to one datagram each.
    pub fn gso(mut self, on: bool) -> Self {
        self.gso = on;
        self
    }
    /// UDP GRO (an extra of node-dgram): the kernel may hand over several same-sized datagrams
    /// of one flow as one buffer (`UDP_GRO`); node-dgram splits it back before any listener
    /// runs, so the `message` events are exactly those without GRO, one per datagram, in
    /// order. A burst from a GSO sender (or one a NIC coalesced) then costs one read instead of
    /// one per datagram.
    ///
    /// By default every socket node-dgram creates asks for it when it binds, and goes on
    /// without it where the kernel has none (Linux before 5.0, other systems), as the Node
    /// addon's sockets do. `gro(true)` requires it: the bind fails where the kernel refuses.
    /// `gro(false)` leaves it off. A descriptor handed over with [`BindOptions::fd`](crate::BindOptions::fd) is
    /// never changed (other readers may share it).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// // Off: every read returns one datagram per entry, as a plain recvmmsg loop gets them.
    /// let o = SocketOptions::new(SocketType::Udp4).gro(false);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; with `gro(true)`, a kernel without `UDP_GRO` fails the bind.
    pub fn gro(mut self, on: bool) -> Self {
        self.gro = Some(on);
        self
    }
    /// A thread of its own for the socket's reads (an extra of node-dgram, off by default; Linux
    /// only, ignored elsewhere). Once the socket is bound, that thread waits for datagrams in
    /// `epoll_wait(2)` and reads them with `recvmmsg(2)`, and the `message` listeners run there,
    /// one at a time and in order as always; everything else (sends, `listening`, `error`,
    /// `close`) stays on the runtime. For a socket that takes a flood: each wake of a thread that
    /// does nothing else costs less than a wake of the runtime's task (see the README's
    /// plain-flood table), at the price of a thread and its arena per socket, which is why it
    /// is not the default. `close()`, and dropping the socket by the ownership rule, end the
    /// thread before the descriptor closes.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use node_dgram::{create_socket, SocketOptions, SocketType};
    /// let s = create_socket(SocketOptions::new(SocketType::Udp4).receive_thread(true)).unwrap();
    /// s.on_message(|msg, rinfo| println!("{} bytes from {}", msg.len(), rinfo.address));
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// # s.close().unwrap().await.unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a thread that cannot be started is reported as an `error` event
    /// (`pthread_create` with the system's code) and the socket receives nothing.
    pub fn receive_thread(mut self, on: bool) -> Self {
        self.receive_thread = on;
        self
    }
    /// Pacing for a flood (an extra of node-dgram, off by default; Linux only, ignored
    /// elsewhere, like [`receive_thread`](SocketOptions::receive_thread), which it turns on):
    /// after a wake whose reads found 2 datagrams or more (they come faster than they are
    /// read), the socket's reading thread waits this long before it reads again, and then reads
    /// everything that came meanwhile, up to 64 datagrams a `recvmmsg(2)`. Fewer wakes and
    /// system calls per datagram under a steady flow, for a latency of up to the pause on each
    /// datagram; a lone datagram is never held (only a busy wake starts a pause). The
    /// `message` events are the same, in the same order, each later by up to the pause. The
    /// kernel holds what arrives meanwhile: size [`recv_buffer_size`](SocketOptions::recv_buffer_size)
    /// for it (a full buffer drops datagrams, as always). `close()`, and every other way a
    /// socket ends, ends a pause at once. This is the addon's `messagesDelay`, to the
    /// microsecond; `Duration::ZERO` turns pacing off (the thread stays).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use node_dgram::{SocketOptions, SocketType};
    /// // Wakes of a busy socket at most every 200 µs: each datagram later by up to 200 µs.
    /// let o = SocketOptions::new(SocketType::Udp4).receive_pause(Duration::from_micros(200));
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn receive_pause(mut self, pause: std::time::Duration) -> Self {
        self.receive_thread = true;
        self.receive_pause = Some(pause).filter(|p| !p.is_zero());
        self
    }
    /// Asks the resolver for every address, IP literals and the default ones (`0.0.0.0`,
    /// `127.0.0.1`, `::`, `::1`) included, as Node's dgram calls its `lookup` for each. Off by
    /// default: IP literals skip the resolver. The Node addon turns it on, so that a `lookup`
    /// option or a replaced `dns.lookup` sees what it would see with the built-in module.
    /// With it, a send also goes out once its own lookup answers, as Node's does, rather than
    /// after the sends made before it (whose lookups may take longer).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).lookup_all(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn lookup_all(mut self, on: bool) -> Self {
        self.lookup_all = on;
        self
    }

    /// Keeps the socket a failed `bind(2)` opened, unbound, as Node's handle does: methods
    /// that only need a socket (`getRecvBufferSize()`, `setTTL()`, `setBroadcast()`, ...) then
    /// work on it, `address()` reports the unbound address (`0.0.0.0:0`, `[::]:0`), and a
    /// later `bind()` binds that same socket. A bind that fails before any socket is opened
    /// (an address of the other family) leaves none. Off by default, where a failed bind
    /// leaves the socket as it was before the call; the Node addon turns it on.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).keep_failed_bind_socket(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn keep_failed_bind_socket(mut self, on: bool) -> Self {
        self.keep_failed_bind_socket = on;
        self
    }

    /// A membership call on an unbound socket binds it as libuv does under Node: silently.
    /// The bind state stays `Unbound`, no `listening` is emitted, the buffer sizes are not
    /// applied, nothing is received, and a later `bind()` (or a send's implicit bind) fails
    /// with `bind EINVAL` once its lookup answers, as the system refuses a second bind. A
    /// socket that already has a descriptor (kept by a failed bind) is not bound at all. Off by
    /// default, where the membership call binds the socket for good and `listening` follows;
    /// the Node addon turns it on.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).silent_membership_bind(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn silent_membership_bind(mut self, on: bool) -> Self {
        self.silent_membership_bind = on;
        self
    }

    /// A buffer size the system refuses at bind time (`recvBufferSize`, `sendBufferSize`)
    /// ends the bind as in Node, which throws `ERR_SOCKET_BUFFER_SIZE` from the bind's own
    /// callback: the socket is bound, the `error` output comes, and `listening` never does (nor
    /// does anything that waited for it). Off by default, where `listening` follows the
    /// `error`; the Node addon turns it on (its JavaScript face throws that error).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{SocketOptions, SocketType};
    /// let o = SocketOptions::new(SocketType::Udp4).buffer_size_error_ends_bind(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn buffer_size_error_ends_bind(mut self, on: bool) -> Self {
        self.buffer_size_error_ends_bind = on;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        // Node accepts any 32-bit size here; one the system refuses fails at bind.
        Ok(())
    }
}

impl From<SocketType> for SocketOptions {
    fn from(ty: SocketType) -> SocketOptions {
        SocketOptions::new(ty)
    }
}

/// What `create_socket` accepts: a [`SocketType`], a type string (`"udp4"`, `"udp6"`), or
/// [`SocketOptions`].
pub trait IntoSocketOptions {
    /// Converts, failing with `ERR_SOCKET_BAD_TYPE` for an unknown type string.
    fn into_socket_options(self) -> Result<SocketOptions, Error>;
}

impl IntoSocketOptions for SocketOptions {
    fn into_socket_options(self) -> Result<SocketOptions, Error> {
        Ok(self)
    }
}
impl IntoSocketOptions for SocketType {
    fn into_socket_options(self) -> Result<SocketOptions, Error> {
        Ok(SocketOptions::new(self))
    }
}
impl IntoSocketOptions for &str {
    fn into_socket_options(self) -> Result<SocketOptions, Error> {
        Ok(SocketOptions::new(self.parse()?))
    }
}
impl IntoSocketOptions for String {
    fn into_socket_options(self) -> Result<SocketOptions, Error> {
        self.as_str().into_socket_options()
    }
}

/// `socket.address()` and `socket.remoteAddress()`: `{ address, family, port }`.
///
/// The fields are public to read; the struct is `#[non_exhaustive]` (Node may add fields), so
/// build one from a [`SocketAddr`] (`AddressInfo::from(addr)`), and convert it back with
/// [`socket_addr`](AddressInfo::socket_addr) or `SocketAddr::from`.
///
/// ```
/// use node_dgram::{AddressInfo, Family};
/// use std::net::SocketAddr;
/// let addr: SocketAddr = "127.0.0.1:41234".parse().unwrap();
/// let info = AddressInfo::from(addr);
/// assert_eq!((info.family, info.port), (Family::IPv4, 41234));
/// assert_eq!(info.to_string(), "127.0.0.1:41234");
/// assert_eq!(SocketAddr::from(&info), addr);
/// ```
///
/// A struct literal does not compile outside the crate (`#[non_exhaustive]`):
///
/// ```compile_fail,E0639
/// use node_dgram::{AddressInfo, Family};
/// let info = AddressInfo { address: [127, 0, 0, 1].into(), family: Family::IPv4, port: 1, scope_id: 0 };
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddressInfo {
    /// The IP address.
    pub address: IpAddr,
    /// Its family.
    pub family: Family,
    /// The port.
    pub port: u16,
    /// The IPv6 scope (interface index) of a link-local address; 0 otherwise.
    pub scope_id: u32,
}

impl AddressInfo {
    /// The address as Node prints it: with `%iface` for an IPv6 link-local address.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::AddressInfo;
    /// let a = AddressInfo::from("[::1]:9".parse::<std::net::SocketAddr>().unwrap());
    /// assert_eq!(a.address_string(), "::1");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn address_string(&self) -> String {
        zoned(&self.address, self.scope_id)
    }
    /// The address with its port (and scope), for `std::net` and tokio APIs; the same as
    /// `SocketAddr::from(&info)`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind("127.0.0.1:0").unwrap().await.unwrap();
    /// let local: std::net::SocketAddr = s.address().unwrap().socket_addr();
    /// assert!(local.ip().is_loopback());
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn socket_addr(&self) -> SocketAddr {
        scoped(self.address, self.port, self.scope_id)
    }
}

impl From<SocketAddr> for AddressInfo {
    fn from(a: SocketAddr) -> AddressInfo {
        let scope_id = match a {
            SocketAddr::V6(v6) if v6.ip().is_unicast_link_local() => v6.scope_id(),
            _ => 0,
        };
        AddressInfo { address: a.ip(), family: Family::of(&a.ip()), port: a.port(), scope_id }
    }
}

/// `addr%iface` (or `addr%index` when the interface has no name) for a scoped address.
fn zoned(address: &IpAddr, scope_id: u32) -> String {
    if scope_id != 0 {
        if let Some(name) = crate::sys::if_indextoname(scope_id) {
            return format!("{address}%{name}");
        }
        return format!("{address}%{scope_id}");
    }
    address.to_string()
}

impl From<&AddressInfo> for SocketAddr {
    /// The address with its port (and scope), for `std::net` and tokio APIs.
    fn from(a: &AddressInfo) -> SocketAddr {
        scoped(a.address, a.port, a.scope_id)
    }
}
impl From<AddressInfo> for SocketAddr {
    fn from(a: AddressInfo) -> SocketAddr {
        SocketAddr::from(&a)
    }
}
impl From<&RemoteInfo> for SocketAddr {
    /// The sender's address with its port (and scope): where a reply goes.
    fn from(r: &RemoteInfo) -> SocketAddr {
        scoped(r.address, r.port, r.scope_id)
    }
}
impl From<RemoteInfo> for SocketAddr {
    fn from(r: RemoteInfo) -> SocketAddr {
        SocketAddr::from(&r)
    }
}

fn scoped(ip: IpAddr, port: u16, scope_id: u32) -> SocketAddr {
    match ip {
        IpAddr::V4(v4) => SocketAddr::V4(SocketAddrV4::new(v4, port)),
        IpAddr::V6(v6) => SocketAddr::V6(SocketAddrV6::new(v6, port, 0, scope_id)),
    }
}

impl fmt::Display for AddressInfo {
    /// `address:port`, as the seed's examples print it (`0.0.0.0:41234`, `:::41234`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.address, self.port)
    }
}

/// `rinfo` of the `message` event: the sender and the datagram's size.
///
/// The fields are public to read; the struct is `#[non_exhaustive]` (Node may add fields), so
/// build one with [`RemoteInfo::new`] (to test a listener, say). A reply takes it as it is
/// (`socket.send_to(msg, rinfo)`); [`socket_addr`](RemoteInfo::socket_addr) or
/// `SocketAddr::from` give the sender as a [`SocketAddr`].
///
/// ```compile_fail,E0639
/// use node_dgram::{Family, RemoteInfo};
/// // `#[non_exhaustive]`: use `RemoteInfo::new(addr, size)`.
/// let r = RemoteInfo { address: [127, 0, 0, 1].into(), family: Family::IPv4, port: 1, size: 0, scope_id: 0 };
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteInfo {
    /// The sender's address.
    pub address: IpAddr,
    /// `'IPv4'` or `'IPv6'`.
    pub family: Family,
    /// The sender's port.
    pub port: u16,
    /// The message's size in bytes.
    pub size: usize,
    /// The IPv6 scope (interface index) of a link-local sender; 0 otherwise.
    pub scope_id: u32,
}

impl RemoteInfo {
    /// The `rinfo` of a datagram of `size` bytes from `from`, as a `message` listener gets it
    /// (the scope of an IPv6 link-local sender is kept, others have scope 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{Family, RemoteInfo};
    /// let rinfo = RemoteInfo::new("[::1]:5353".parse().unwrap(), 12);
    /// assert_eq!((rinfo.family, rinfo.port, rinfo.size), (Family::IPv6, 5353, 12));
    /// assert_eq!(rinfo.socket_addr(), "[::1]:5353".parse().unwrap());
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn new(from: SocketAddr, size: usize) -> RemoteInfo {
        let a = AddressInfo::from(from);
        RemoteInfo { address: a.address, family: a.family, port: a.port, size, scope_id: a.scope_id }
    }
    /// The sender's address with its port (and scope): where a reply goes; the same as
    /// `SocketAddr::from(&rinfo)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::RemoteInfo;
    /// let rinfo = RemoteInfo::new("127.0.0.1:41234".parse().unwrap(), 3);
    /// assert_eq!(rinfo.socket_addr().port(), 41234);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn socket_addr(&self) -> SocketAddr {
        scoped(self.address, self.port, self.scope_id)
    }
    /// The address as Node prints it: with `%iface` for IPv6 link-local senders.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.on_message(|_msg, rinfo| println!("from {}", rinfo.address_string()));
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn address_string(&self) -> String {
        zoned(&self.address, self.scope_id)
    }
}

/// A message to send: one buffer, or several sent as one gathered datagram.
///
/// Converts from bytes (`&[u8]`, `Vec<u8>`, [`Bytes`]), strings (UTF-8), and lists of these
/// (`Vec<Bytes>`, `Vec<Vec<u8>>`, `Vec<&str>`, ...). Owned bytes and [`Bytes`] are not copied.
///
/// ```
/// use node_dgram::Message;
/// let m = Message::from(vec!["Some ", "bytes"]);
/// assert_eq!(m.len(), 10);
/// let part = Message::from("hello").range(1, 3).unwrap();
/// assert_eq!(part.to_vec(), b"ell");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// One buffer.
    One(Bytes),
    /// Several buffers, sent as one datagram (one iovec each).
    Many(Vec<Bytes>),
}

impl Message {
    /// The datagram's size in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Message;
    /// assert_eq!(Message::from(vec!["ab", "c"]).len(), 3);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn len(&self) -> usize {
        match self {
            Message::One(b) => b.len(),
            Message::Many(v) => v.iter().map(|b| b.len()).sum(),
        }
    }
    /// Whether the datagram is empty (empty datagrams are valid and are sent).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Message;
    /// assert!(Message::from("").is_empty());
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The bytes, concatenated (a copy; sending never does this).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Message;
    /// assert_eq!(Message::from(vec!["ab", "c"]).to_vec(), b"abc");
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Message::One(b) => b.to_vec(),
            Message::Many(v) => v.iter().flat_map(|b| b.iter().copied()).collect(),
        }
    }
    /// `offset` and `length` of `send(msg, offset, length, ...)`: the part of a single buffer
    /// to send. Node's errors: `ERR_BUFFER_OUT_OF_BOUNDS` when either reaches past the end, and
    /// `ERR_INVALID_ARG_TYPE` for a list of buffers (Node allows offsets on one buffer only).
    ///
    /// [Node: `socket.send` offset and length](https://nodejs.org/api/dgram.html#socketsendmsg-offset-length-port-address-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::Message;
    /// // Node: socket.send(buf, 1, 3, port, address)
    /// let part = Message::from("hello").range(1, 3).unwrap();
    /// assert_eq!(part.to_vec(), b"ell");
    /// assert_eq!(Message::from("hello").range(6, 1).unwrap_err().code(), "ERR_BUFFER_OUT_OF_BOUNDS");
    /// ```
    ///
    /// # Errors
    ///
    /// `ERR_BUFFER_OUT_OF_BOUNDS` (`"offset" is outside of buffer bounds`, or `"length"`) as
    /// Node's `send(msg, offset, length)` checks them; a message of several buffers cannot be
    /// sliced (`ERR_INVALID_ARG_TYPE`, as Node refuses an array with an offset).
    pub fn range(self, offset: usize, length: usize) -> Result<Message, Error> {
        match self {
            Message::One(b) => {
                if offset > b.len() {
                    return Err(Error::buffer_out_of_bounds("offset"));
                }
                if offset.checked_add(length).is_none_or(|end| end > b.len()) {
                    return Err(Error::buffer_out_of_bounds("length"));
                }
                Ok(Message::One(b.slice(offset..offset + length)))
            }
            Message::Many(_) => Err(Error::invalid_arg_type(
                "buffer",
                "of type string or an instance of Buffer, TypedArray, or DataView",
                "an instance of Array",
            )),
        }
    }
    pub(crate) fn with_parts<R>(&self, f: impl FnOnce(&[&[u8]]) -> R) -> R {
        match self {
            Message::One(b) => f(&[b.as_ref()]),
            Message::Many(v) if v.len() <= 8 => {
                let mut arr: [&[u8]; 8] = [&[]; 8];
                for (slot, b) in arr.iter_mut().zip(v) {
                    *slot = b.as_ref();
                }
                f(&arr[..v.len()])
            }
            Message::Many(v) => {
                let parts: Vec<&[u8]> = v.iter().map(|b| b.as_ref()).collect();
                f(&parts)
            }
        }
    }
}

impl From<Bytes> for Message {
    fn from(b: Bytes) -> Message {
        Message::One(b)
    }
}
impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Message {
        Message::One(Bytes::from(b))
    }
}
impl From<&[u8]> for Message {
    fn from(b: &[u8]) -> Message {
        Message::One(Bytes::copy_from_slice(b))
    }
}
impl<const N: usize> From<&[u8; N]> for Message {
    fn from(b: &[u8; N]) -> Message {
        Message::One(Bytes::copy_from_slice(b))
    }
}
impl From<&str> for Message {
    fn from(s: &str) -> Message {
        Message::One(Bytes::copy_from_slice(s.as_bytes()))
    }
}
impl From<String> for Message {
    fn from(s: String) -> Message {
        Message::One(Bytes::from(s))
    }
}
impl From<&String> for Message {
    fn from(s: &String) -> Message {
        Message::from(s.as_str())
    }
}
impl From<Vec<Bytes>> for Message {
    fn from(v: Vec<Bytes>) -> Message {
        Message::Many(v)
    }
}
impl From<Vec<Vec<u8>>> for Message {
    fn from(v: Vec<Vec<u8>>) -> Message {
        Message::Many(v.into_iter().map(Bytes::from).collect())
    }
}
impl From<Vec<&[u8]>> for Message {
    fn from(v: Vec<&[u8]>) -> Message {
        Message::Many(v.into_iter().map(Bytes::copy_from_slice).collect())
    }
}
impl From<Vec<&str>> for Message {
    fn from(v: Vec<&str>) -> Message {
        Message::Many(v.into_iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect())
    }
}
impl From<Vec<String>> for Message {
    fn from(v: Vec<String>) -> Message {
        Message::Many(v.into_iter().map(Bytes::from).collect())
    }
}
impl<const N: usize> From<[&str; N]> for Message {
    fn from(v: [&str; N]) -> Message {
        Message::from(v.to_vec())
    }
}
impl<const N: usize> From<[Bytes; N]> for Message {
    fn from(v: [Bytes; N]) -> Message {
        Message::Many(v.to_vec())
    }
}

/// A port argument, validated as Node's `validatePort` does.
///
/// Integers, floats and numeric strings convert; Node's `ERR_SOCKET_BAD_PORT` (with its exact
/// message) for anything outside 0..=65535, non-integers, empty strings, and for 0 where the
/// operation needs a real port (connect, send).
///
/// ```
/// use node_dgram::IntoPort;
/// assert_eq!(8080.into_port(false).unwrap(), 8080);
/// assert_eq!("80".into_port(false).unwrap(), 80);
/// let e = (-1).into_port(false).unwrap_err();
/// assert_eq!(e.message(), "Port should be > 0 and < 65536. Received type number (-1).");
/// ```
pub trait IntoPort {
    /// Validates; `allow_zero` is true for bind (0 picks a free port).
    fn into_port(self, allow_zero: bool) -> Result<u16, Error>;
}

fn check_port_number(n: f64, v: Value<'_>, allow_zero: bool) -> Result<u16, Error> {
    if !(n.is_finite() && n.fract() == 0.0 && (0.0..=65535.0).contains(&n)) || (n == 0.0 && !allow_zero) {
        return Err(Error::bad_port(&describe(&v), allow_zero));
    }
    Ok(n as u16)
}

macro_rules! int_port {
    ($($t:ty),*) => {$(
        impl IntoPort for $t {
            #[allow(clippy::cast_lossless, clippy::unnecessary_cast)]
            fn into_port(self, allow_zero: bool) -> Result<u16, Error> {
                let n = self as f64;
                check_port_number(n, Value::Number(n), allow_zero)
            }
        }
    )*};
}
int_port!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64);

impl IntoPort for &str {
    fn into_port(self, allow_zero: bool) -> Result<u16, Error> {
        let t = self.trim();
        let n = if t.is_empty() { f64::NAN } else { t.parse::<f64>().unwrap_or(f64::NAN) };
        check_port_number(n, Value::Str(self), allow_zero)
    }
}
impl IntoPort for String {
    fn into_port(self, allow_zero: bool) -> Result<u16, Error> {
        self.as_str().into_port(allow_zero)
    }
}
impl<T: IntoPort> IntoPort for Option<T> {
    fn into_port(self, allow_zero: bool) -> Result<u16, Error> {
        match self {
            Some(p) => p.into_port(allow_zero),
            None => Err(Error::bad_port("undefined", allow_zero)),
        }
    }
}

/// The options form of `socket.bind(options)`.
///
/// ```
/// use node_dgram::BindOptions;
/// let o = BindOptions::new().port(41234).address("127.0.0.1").exclusive(true);
/// assert_eq!(o.port_number(), 41234);
/// ```
#[derive(Debug, Default)]
pub struct BindOptions {
    pub(crate) port: u16,
    pub(crate) address: Option<String>,
    pub(crate) exclusive: bool,
    pub(crate) fd: Option<crate::sys::OwnedFd>,
}

impl BindOptions {
    /// Port 0 (any free port), all interfaces, not exclusive.
    ///
    /// [Node: `socket.bind(options)`](https://nodejs.org/api/dgram.html#socketbindoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::BindOptions::new();
    /// assert_eq!(o.port_number(), 0);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn new() -> BindOptions {
        BindOptions::default()
    }
    /// The port (0: a free one).
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::BindOptions::new().port(41234);
    /// assert_eq!(o.port_number(), 41234);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// The address or host name (empty: all interfaces).
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::BindOptions::new().address("::1");
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a bad address fails the bind (`bind EINVAL`, lookup errors).
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }
    /// `exclusive`: meaningful for servers spread over several event loops; a socket created
    /// with `reusePort` always binds exclusively.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::BindOptions::new().exclusive(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn exclusive(mut self, on: bool) -> Self {
        self.exclusive = on;
        self
    }
    /// `fd`: adopt an existing, already bound UDP socket (from a parent process, socket
    /// activation, or `socket2`) instead of creating one; port and address are then ignored, as
    /// in Node. The socket takes ownership and closes the descriptor on `close()`.
    ///
    /// A descriptor that is not a UDP socket is refused with `ERR_INVALID_FD_TYPE`
    /// (`Unsupported fd type: TCP`), one already used by another open socket with
    /// `open EEXIST`. In both cases it is left open, as Node leaves it (Node's caller keeps the
    /// number and closes it): the `OwnedFd` given is forgotten, not closed, so keep its number
    /// (`as_raw_fd()`) before handing it over if you may need to close it after a refusal. A
    /// descriptor of another open socket must never be closed by the refusal: it is that
    /// socket's. From a raw number you were handed (e.g. fd 3 from a parent), build the
    /// `OwnedFd` with `OwnedFd::from_raw_fd` in your own code. As in Node, the socket stays
    /// binding after such a refusal: a later `bind()` fails with `ERR_SOCKET_ALREADY_BOUND`.
    ///
    /// On Windows this takes an `OwnedSocket` and, as Node there, refuses it with
    /// `ERR_INVALID_FD_TYPE` (Node's type check never finds a socket in the C runtime's
    /// descriptor table), leaving it open.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let raw = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let port = raw.local_addr().unwrap().port();
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind(node_dgram::BindOptions::new().fd(raw)).unwrap().await.unwrap();
    /// assert_eq!(s.address().unwrap().port, port);
    /// s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None here; the bind refuses a descriptor that is not a UDP socket (`ERR_INVALID_FD_TYPE`) or
    /// that another open socket owns (`open EEXIST`).
    pub fn fd(mut self, fd: impl Into<crate::sys::OwnedFd>) -> Self {
        self.fd = Some(fd.into());
        self
    }
    /// The port set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(node_dgram::BindOptions::new().port(7).port_number(), 7);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn port_number(&self) -> u16 {
        self.port
    }
}

/// Where [`Socket::send_to`](crate::Socket::send_to) sends and
/// [`Socket::connect`](crate::Socket::connect) connects (and, through [`BindArgs`], what
/// [`Socket::bind`](crate::Socket::bind) binds): one value for the address and its port.
///
/// | Form | Example | Address |
/// | --- | --- | --- |
/// | `std::net` | [`SocketAddr`], [`SocketAddrV4`], [`SocketAddrV6`], `(IpAddr, u16)`, `(Ipv4Addr, u16)`, `(Ipv6Addr, u16)` | the IP |
/// | a sender or a socket's address | [`&RemoteInfo`](RemoteInfo) (to reply), [`AddressInfo`] | the IP |
/// | text with a port | `"127.0.0.1:41234"`, `"[::1]:41234"`, `"[fe80::1%eth0]:5"`, `"localhost:53"` | the text before the port |
/// | a host and a port | `("localhost", 53)` (`u16` port) | the host |
/// | Node's order | `(41234, "127.0.0.1")`: `socket.send(msg, 41234, '127.0.0.1')` | the host (`""`: none) |
/// | a port alone | `41234`, `"41234"`: `socket.send(msg, 41234)` | none |
///
/// With no address (a port alone, or `""`), a send or a connect goes to `127.0.0.1` / `::1` and a
/// bind binds all interfaces, as in Node. Every address, IP literals included, is handled as
/// Node's `address` argument: a host name goes to the socket's resolver (its custom
/// [`lookup`](SocketOptions::lookup) too, which also sees the literals, as in Node).
///
/// Ports are checked as Node checks them, when the method is called: `ERR_SOCKET_BAD_PORT` for
/// a port outside 0..=65535, a non-integer, and 0 for a send or a connect (a bind takes 0: any
/// free port). Text that is neither an address with a port nor a port is a bad port too, with
/// Node's message for that text given as the port
/// (`Port should be > 0 and < 65536. Received type string ('localhost').`).
///
/// Sealed: the forms above are the ones there are; convert other types to a [`SocketAddr`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use node_dgram::create_socket;
/// use std::net::{Ipv4Addr, SocketAddr};
/// let server = create_socket("udp4").unwrap();
/// server.bind("127.0.0.1:0").unwrap().await.unwrap();
/// let to: SocketAddr = server.address().unwrap().into();
/// let port = to.port();
///
/// let client = create_socket("udp4").unwrap();
/// client.send_to("a", to).unwrap().await.unwrap();
/// client.send_to("b", (Ipv4Addr::LOCALHOST, port)).unwrap().await.unwrap();
/// client.send_to("c", format!("127.0.0.1:{port}")).unwrap().await.unwrap();
/// client.send_to("d", (port, "127.0.0.1")).unwrap().await.unwrap(); // Node's order
/// client.send_to("e", port).unwrap().await.unwrap(); // no address: 127.0.0.1
///
/// let e = client.send_to("f", "127.0.0.1").unwrap_err(); // no port
/// assert_eq!(e.code(), "ERR_SOCKET_BAD_PORT");
/// assert_eq!(e.message(), "Port should be > 0 and < 65536. Received type string ('127.0.0.1').");
/// assert_eq!(client.send_to("g", (Ipv4Addr::LOCALHOST, 0)).unwrap_err().code(), "ERR_SOCKET_BAD_PORT");
/// # server.close().unwrap(); client.close().unwrap();
/// # }
/// ```
pub trait Destination: args_sealed::Sealed {
    /// Calls `f` with the address (`None`: not given) and the port, checked as Node checks it
    /// (`allow_zero` for a bind), without copying borrowed text. Not public API: the crate's
    /// methods call it.
    #[doc(hidden)]
    fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error>;
}

/// What [`Socket::bind`](crate::Socket::bind) accepts: every [`Destination`] form (the address
/// and port to bind: `"127.0.0.1:0"`, a [`SocketAddr`], `(IpAddr, u16)`, a port alone,
/// `(port, "address")`, ...), `()` (any port, all interfaces), or [`BindOptions`]. Ports are
/// validated as Node validates them (0 picks a free port).
///
/// Sealed, as [`Destination`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use node_dgram::{create_socket, BindOptions};
/// use std::net::Ipv4Addr;
/// let a = create_socket("udp4").unwrap();
/// a.bind("127.0.0.1:0").unwrap().await.unwrap();
/// let b = create_socket("udp4").unwrap();
/// b.bind((Ipv4Addr::LOCALHOST, 0)).unwrap().await.unwrap();
/// let c = create_socket("udp4").unwrap();
/// c.bind(BindOptions::new().address("127.0.0.1")).unwrap().await.unwrap();
/// let d = create_socket("udp4").unwrap();
/// assert_eq!(d.bind("127.0.0.1").unwrap_err().code(), "ERR_SOCKET_BAD_PORT"); // no port
/// # for s in [a, b, c, d] { let _ = s.close(); }
/// # }
/// ```
pub trait BindArgs: args_sealed::Sealed {
    /// Converts into options, failing with `ERR_SOCKET_BAD_PORT` for a bad port. Not public
    /// API: [`Socket::bind`](crate::Socket::bind) calls it.
    #[doc(hidden)]
    fn into_bind_options(self) -> Result<BindOptions, Error>;
}

mod args_sealed {
    /// Implemented by the address forms [`Destination`](super::Destination) and
    /// [`BindArgs`](super::BindArgs) take; not nameable outside the crate.
    pub trait Sealed {}
}

impl<T: Destination> BindArgs for T {
    fn into_bind_options(self) -> Result<BindOptions, Error> {
        self.with_host_port(true, |host, port| {
            let o = BindOptions::new().port(port);
            match host {
                Some(h) => o.address(h),
                None => o,
            }
        })
    }
}
impl args_sealed::Sealed for () {}
impl BindArgs for () {
    fn into_bind_options(self) -> Result<BindOptions, Error> {
        Ok(BindOptions::new())
    }
}
impl args_sealed::Sealed for BindOptions {}
impl BindArgs for BindOptions {
    fn into_bind_options(self) -> Result<BindOptions, Error> {
        Ok(self)
    }
}

/// A port alone: Node's `send(msg, port)`, `connect(port)`, `bind(port)`.
macro_rules! port_forms {
    ($($t:ty),*) => {$(
        impl args_sealed::Sealed for $t {}
        impl Destination for $t {
            fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
                Ok(f(None, self.into_port(allow_zero)?))
            }
        }
        port_forms!(@node_order $t; &str, String, &String);
    )*};
    // Node's order, `(port, address)`: `send(msg, port, address)`, `bind(port, address)`.
    (@node_order $p:ty; $($h:ty),*) => {$(
        impl args_sealed::Sealed for ($p, $h) {}
        impl Destination for ($p, $h) {
            fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
                let port = self.0.into_port(allow_zero)?;
                Ok(f(Some(AsRef::<str>::as_ref(&self.1)), port))
            }
        }
    )*};
}
port_forms!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, f32, f64);
// A port that may be missing, as JavaScript's `undefined`: `None` is a bad port (`Received undefined`).
port_forms!(Option<u16>);
// A port as text in Node's order: `("41234", "127.0.0.1")`.
port_forms!(@node_order &str; &str, String, &String);
port_forms!(@node_order String; &str, String, &String);

/// A host (or IP text) and its port, `std::net::ToSocketAddrs`'s order: `("localhost", 53)`.
macro_rules! host_port_forms {
    ($($h:ty),*) => {$(
        impl args_sealed::Sealed for ($h, u16) {}
        impl Destination for ($h, u16) {
            fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
                let port = self.1.into_port(allow_zero)?;
                Ok(f(Some(AsRef::<str>::as_ref(&self.0)), port))
            }
        }
    )*};
}
host_port_forms!(&str, String, &String);

/// The forms that are a socket address: its IP as text (`fe80::1%2` with a scope), formatted on
/// the stack.
macro_rules! socket_addr_forms {
    ($($t:ty => $to:expr),* $(,)?) => {$(
        impl args_sealed::Sealed for $t {}
        impl Destination for $t {
            fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
                #[allow(clippy::redundant_closure_call)]
                let a: SocketAddr = ($to)(self);
                let port = a.port().into_port(allow_zero)?;
                let mut buf = [0u8; 64];
                Ok(f(Some(socket_addr_host(&a, &mut buf)), port))
            }
        }
    )*};
}
socket_addr_forms!(
    SocketAddr => |a| a,
    &SocketAddr => |a: &SocketAddr| *a,
    SocketAddrV4 => SocketAddr::V4,
    SocketAddrV6 => SocketAddr::V6,
    &RemoteInfo => |r: &RemoteInfo| r.socket_addr(),
    RemoteInfo => |r: RemoteInfo| r.socket_addr(),
    &AddressInfo => |a: &AddressInfo| a.socket_addr(),
    AddressInfo => |a: AddressInfo| a.socket_addr(),
);
impl<I: IpLike> args_sealed::Sealed for (I, u16) {}
impl<I: IpLike> Destination for (I, u16) {
    fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
        SocketAddr::new(self.0.into(), self.1).with_host_port(allow_zero, f)
    }
}

/// Text: `"127.0.0.1:41234"`, `"[::1]:41234"`, `"[fe80::1%eth0]:41234"`, `"host:41234"`
/// (`":41234"`: no address), or a port alone (`"41234"`, as Node takes a port). Anything else
/// is a bad port, as Node reports that text given as the port.
impl args_sealed::Sealed for &str {}
impl Destination for &str {
    fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
        // `[v6]:port`, with a zone by number or by name (which `SocketAddr` does not parse).
        if let Some((host, port)) = self.strip_prefix('[').and_then(|r| r.rsplit_once("]:")) {
            if parse_ip(host).is_some_and(|(ip, _)| ip.is_ipv6()) {
                return Ok(f(Some(host), port.into_port(allow_zero)?));
            }
        }
        match self.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') && !host.contains('[') => {
                let port = port.into_port(allow_zero)?;
                Ok(f((!host.is_empty()).then_some(host), port))
            }
            _ => Ok(f(None, self.into_port(allow_zero)?)),
        }
    }
}
impl args_sealed::Sealed for &String {}
impl Destination for &String {
    fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
        self.as_str().with_host_port(allow_zero, f)
    }
}
impl args_sealed::Sealed for String {}
impl Destination for String {
    fn with_host_port<R>(self, allow_zero: bool, f: impl FnOnce(Option<&str>, u16) -> R) -> Result<R, Error> {
        self.as_str().with_host_port(allow_zero, f)
    }
}

/// `IpAddr`, `Ipv4Addr` and `Ipv6Addr`: the address half of `(ip, port)` pairs.
pub trait IpLike: Into<IpAddr> + sealed::Sealed {}
impl IpLike for IpAddr {}
impl IpLike for Ipv4Addr {}
impl IpLike for Ipv6Addr {}
mod sealed {
    pub trait Sealed {}
    impl Sealed for std::net::IpAddr {}
    impl Sealed for std::net::Ipv4Addr {}
    impl Sealed for std::net::Ipv6Addr {}
}

/// The host text of a socket address as node-dgram reads it back (`fe80::1%2` for a scoped
/// IPv6 address), written into `buf` (64 bytes hold the longest: 39 + `%` + 10 digits).
fn socket_addr_host<'b>(a: &SocketAddr, buf: &'b mut [u8; 64]) -> &'b str {
    use std::io::Write;
    let mut w = std::io::Cursor::new(&mut buf[..]);
    let written = match a {
        SocketAddr::V6(v6) if v6.scope_id() != 0 => write!(w, "{}%{}", v6.ip(), v6.scope_id()),
        a => write!(w, "{}", a.ip()),
    };
    debug_assert!(written.is_ok(), "an IP address is at most 50 bytes");
    let n = w.position() as usize;
    std::str::from_utf8(&buf[..n]).unwrap_or_default()
}

/// Parses an IP literal as node-dgram reads addresses: IPv4 dotted quad or IPv6, the latter
/// with an optional `%zone` (an interface name or index; an unknown name or an empty zone is
/// scope 0, as libuv reads it). Returns the address and its scope; `None` for anything else
/// (a host name, which would go to the resolver).
///
/// # Examples
///
/// ```
/// use node_dgram::parse_ip;
/// assert_eq!(parse_ip("127.0.0.1").unwrap().0.to_string(), "127.0.0.1");
/// assert_eq!(parse_ip("fe80::1%1").unwrap().1, 1);
/// assert!(parse_ip("localhost").is_none());
/// ```
///
/// # Errors
///
/// None.
pub fn parse_ip(s: &str) -> Option<(IpAddr, u32)> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some((ip, 0));
    }
    let (addr, zone) = s.split_once('%')?;
    let ip = addr.parse::<std::net::Ipv6Addr>().ok()?;
    if zone.is_empty() {
        // As libuv parses it: an empty zone is scope 0.
        return Some((IpAddr::V6(ip), 0));
    }
    let scope = zone.parse::<u32>().ok().or_else(|| crate::sys::if_nametoindex(zone)).unwrap_or(0);
    Some((IpAddr::V6(ip), scope))
}
