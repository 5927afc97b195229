//! # node-dgram
//!
//! Node.js's `node:dgram` module (UDP datagram sockets) in Rust, with Node's behaviour: the
//! same events in the same order, the same errors with the same codes and messages, the same
//! implicit binds and queues, on a tokio event loop, and fast (recvmmsg batches into a reused
//! arena, gathered sends without copies).
//!
//! ```no_run
//! // The seed's server: prints "server listening 0.0.0.0:41234".
//! use node_dgram::{create_socket, run};
//! run(|| {
//!     let server = create_socket("udp4").unwrap();
//!     // Listeners get their socket (Node's `this`) with the `_with` forms: no clone needed.
//!     server.on_error_with(|s, err| {
//!         eprintln!("server error:\n{err}");
//!         s.close().ok();
//!     });
//!     server.on_message(|msg, rinfo| {
//!         println!("server got: {} from {}:{}", String::from_utf8_lossy(msg), rinfo.address, rinfo.port);
//!     });
//!     server.on_listening_with(|s| {
//!         let address = s.address().unwrap();
//!         println!("server listening {}:{}", address.address, address.port);
//!     });
//!     server.bind(41234).unwrap();
//! })
//! .unwrap();
//! ```
//!
//! ## Node to Rust
//!
//! | Node | Rust |
//! | --- | --- |
//! | `dgram.createSocket(type[, onMessage])` | [`create_socket`]`(SocketType::Udp4)` or `create_socket("udp4")`; [`create_socket_with_listener`] |
//! | `dgram.createSocket(options[, onMessage])` | `create_socket(SocketOptions::new(SocketType::Udp6).reuse_addr(true))` ([`SocketOptions`]) |
//! | options `type, reuseAddr, reusePort, ipv6Only, recvBufferSize, sendBufferSize, lookup, signal` | [`SocketOptions`] builder methods; `lookup` takes a [`Resolver`] (or an async closure), `signal` a `CancellationToken` |
//! | event `'listening'` | [`Socket::on_listening`] / [`Socket::once_listening`] |
//! | event `'message'` `(msg, rinfo)` | [`Socket::on_message`]`(\|msg: &[u8], rinfo: &RemoteInfo\| ..)` |
//! | event `'connect'`, `'error'`, `'close'` | [`Socket::on_connect`], [`Socket::on_error`], [`Socket::on_close`] (+ `once_*`) |
//! | `emitter.off(...)`, `removeAllListeners`, `listenerCount` | [`Socket::off`], [`Socket::remove_all_listeners`], [`Socket::listener_count`] |
//! | `for await` over messages (`events.on(socket, 'message')`) | [`Socket::messages`]`(capacity)` then `.recv().await` |
//! | `rinfo {address, family, port, size}` | [`RemoteInfo`] `{ address, family: Family::IPv4/IPv6, port, size }` |
//! | `socket.bind([port][, address][, cb])` | [`Socket::bind`]`(41234)`, `bind((41234, "127.0.0.1"))`, `bind("127.0.0.1:0")`, `bind(SocketAddr)`, `bind(())` ([`BindArgs`]) |
//! | `socket.bind(options[, cb])` | `bind(BindOptions::new().port(..).address(..).exclusive(..))` ([`BindOptions`]) |
//! | `socket.connect(port[, address][, cb])` | [`Socket::connect`]`(to)`: a [`Destination`] (`SocketAddr`, `(IpAddr, u16)`, `"127.0.0.1:41234"`, `(41234, "localhost")`, a port alone: loopback) |
//! | `socket.disconnect()` | [`Socket::disconnect`] |
//! | `socket.address()`, `socket.remoteAddress()` | [`Socket::address`], [`Socket::remote_address`] ([`AddressInfo`]) |
//! | `socket.send(msg[, cb])` (connected) | [`Socket::send`]`(msg)` |
//! | `socket.send(msg[, offset, length], port[, address][, cb])` | [`Socket::send_to`]`(msg, to)`: a [`Destination`] (`SocketAddr`, `(IpAddr, u16)`, `&rinfo`, `"host:port"`, Node's `(port, "address")`, a port alone); offset/length with [`Message::range`] |
//! | `this` in a listener | [`Socket::on_message_with`]`(\|socket, msg, rinfo\| ..)` and the other `_with` forms; [`WeakSocket`] |
//! | `msg` as Buffer, string, array of buffers | anything `Into<`[`Message`]`>`: bytes, `&str`/`String`, `Vec` of buffers (one gathered datagram) |
//! | callbacks of bind, connect, send, close | the returned [`Op`]: `.await` it or [`Op::callback`] |
//! | `socket.close([cb])`, `socket[Symbol.asyncDispose]()` | [`Socket::close`], [`Socket::async_dispose`] |
//! | `socket.ref()`, `socket.unref()` | [`Socket::ref_`], [`Socket::unref`]; the loop: [`run`] / [`scope`] |
//! | `getSendQueueSize()`, `getSendQueueCount()` | [`Socket::get_send_queue_size`], [`Socket::get_send_queue_count`] |
//! | `setMulticastInterface(iface)` | [`Socket::set_multicast_interface`] |
//! | `addMembership`, `dropMembership` | [`Socket::add_membership`], [`Socket::drop_membership`] |
//! | `addSourceSpecificMembership`, `dropSourceSpecificMembership` | [`Socket::add_source_specific_membership`], [`Socket::drop_source_specific_membership`] |
//! | options `receiveBlockList`, `sendBlockList`; `net.BlockList` | [`SocketOptions::receive_block_list`], [`SocketOptions::send_block_list`]; [`BlockList`] |
//! | `bind({ fd })` | [`BindOptions::fd`] |
//! | `cluster` workers sharing a port (`exclusive`) | [`serve`] with [`ServerOptions`]: N event-loop threads, optionally pinned to cores |
//! | (extras) UDP GSO / GRO | [`SocketOptions::gso`], [`SocketOptions::gro`] |
//! | (extra) a thread of its own for a socket's reads (Linux) | [`SocketOptions::receive_thread`] |
//! | (extra) pacing under a flood, the addon's `messagesDelay` (Linux) | [`SocketOptions::receive_pause`] |
//! | `setBroadcast, setTTL, setMulticastTTL, setMulticastLoopback` | [`Socket::set_broadcast`], [`Socket::set_ttl`], [`Socket::set_multicast_ttl`], [`Socket::set_multicast_loopback`] |
//! | `get/setRecvBufferSize`, `get/setSendBufferSize` | [`Socket::get_recv_buffer_size`], [`Socket::set_recv_buffer_size`], ... |
//! | errors (`err.code`, `errno`, `syscall`, `address`, `port`, `message`) | [`Error`]: [`Error::code`], [`Error::errno`], ... |
//!
//! Ownership follows one rule, stated on [`Socket`](Socket#ownership): a socket lives while a
//! handle, a pending operation or (once bound) a listener can still observe it, and no longer.
//!
//! ## Differences from Node, on purpose
//!
//! - An `error` event with no listener is printed to stderr instead of crashing the process.
//! - Every operation ends exactly once: sends queued behind a bind that fails end with the
//!   bind's error, and sends pending at `close()` end with `send ECANCELED` (Node drops the
//!   former silently, and calls no callback of sends queued behind the implicit bind when
//!   `close()` follows in the same tick, where it emits `listening` then `close`, as here). A
//!   send failing in the kernel with nobody awaiting it is emitted as `error`, as Node's
//!   documentation states.
//! - The callbacks of `bind`, `connect` and `close` run where Node runs them (between the
//!   listeners added before and after the call) but are not listeners for
//!   [`Socket::listener_count`] or [`Socket::remove_all_listeners`].
//! - A socket nothing can observe any more is closed (see [ownership](Socket#ownership)).
//! - `send()` on a socket that is still connecting waits for the connection (Node throws
//!   `ERR_SOCKET_BAD_PORT`).
//! - `getSendQueueCount()` also counts sends queued behind a bind or a lookup.
//! - `bind()` validates its port (`ERR_SOCKET_BAD_PORT`); Node 24 silently truncates `-1` to
//!   65535.
//! - A panicking listener or callback is reported on stderr and the socket goes on; Node would
//!   report the exception and exit.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod blocklist;
mod engine;
mod error;
mod listeners;
mod lookup;
mod op;
mod recv;
mod runtime;
mod server;
mod socket;
mod sys;
mod types;

pub use blocklist::BlockList;
pub use error::{Error, ErrorClass};
pub use listeners::{Event, ListenerId};
pub use lookup::{LookupFuture, Resolver, SystemResolver};
pub use op::Op;
pub use runtime::{run, scope};

/// The adapter interface: the socket engine and the raw receive/send paths, for event-loop
/// adapters other than the tokio one (the Node addon drives it from libuv; a JavaScript runtime
/// written in Rust can drive it from its own loop). Not needed to use sockets: everything
/// here may change with the engine's design, unlike the rest of the crate.
///
/// The adapter owns a [`Core`](embed::Core) per socket. It calls the user operations on it,
/// then [`Core::advance`](embed::Core::advance), and delivers the [`Output`](embed::Output)s
/// from [`Core::take_output`](embed::Core::take_output) in order: it emits events, ends the
/// operations it started (by the [`OpId`](embed::OpId) it gave each), and answers lookups with
/// [`Core::resolved`](embed::Core::resolved). When the descriptor is readable it reads it with
/// a [`Receiver`](embed::Receiver); when [`Core::wants_write`](embed::Core::wants_write) and
/// the descriptor is writable, [`Core::flush`](embed::Core::flush). Its
/// [`IoHandle`](embed::IoHandle) type holds the open socket while the loop watches it; its
/// socket type is the engine's one way to the kernel, a [`SocketIo`](embed::SocketIo):
/// [`socket2`]'s sockets (re-exported here on purpose) are one, a test's fake kernel another.
///
/// # Example: the protocol, end to end
///
/// A bind, a send to itself, a read, and a close, driven by hand as an adapter's loop would
/// drive them (a real adapter registers the descriptor with its loop in
/// [`IoHandle::open`](embed::IoHandle::open) and reacts to readiness instead):
///
/// ```
/// use node_dgram::embed::{socket2, Core, IoHandle, Output, Receiver};
/// use node_dgram::{BindOptions, Message, SocketOptions, SocketType};
///
/// /// The adapter's handle for an open socket (a real one holds its loop's registration).
/// struct Plain(socket2::Socket);
/// impl IoHandle for Plain {
///     type Sock = socket2::Socket;
///     fn open(sock: socket2::Socket) -> std::io::Result<Plain> {
///         Ok(Plain(sock))
///     }
///     fn socket(&self) -> &socket2::Socket {
///         &self.0
///     }
/// }
///
/// /// One turn of the loop: let the engine move, then deliver its outputs in order.
/// fn turn(core: &mut Core<Plain>) -> Vec<String> {
///     core.advance();
///     if core.wants_write() {
///         core.flush();
///         core.advance();
///     }
///     core.take_output()
///         .into_iter()
///         .map(|o| match o {
///             Output::Listening => "listening".to_string(),
///             Output::Close => "close".to_string(),
///             // Operations end by the ids the adapter gave them.
///             Output::Done { id, result, .. } => format!("done {id}: {:?}", result.map_err(|e| e.code().to_string())),
///             // A lookup is answered later with `core.resolved(id, ..)`; errors are emitted.
///             _ => "other".to_string(),
///         })
///         .collect()
/// }
///
/// let mut core: Core<Plain> = Core::new(SocketOptions::new(SocketType::Udp4));
/// core.bind(BindOptions::new().address("127.0.0.1"), Some(1)).unwrap();
/// assert_eq!(turn(&mut core), ["listening", "done 1: Ok(0)"]);
/// let port = core.address().unwrap().port;
///
/// core.send_to(Message::from("hi"), port, "127.0.0.1", Some(2)).unwrap();
/// assert_eq!(turn(&mut core), ["done 2: Ok(2)"]);
///
/// // The descriptor is readable: read it, let the engine see the outcome, deliver `message`s.
/// let read = Receiver::new().read(core.fd().unwrap());
/// let batch = read.into_batch(&mut core).expect("the datagram to itself is waiting");
/// let mut got = Vec::new();
/// batch.deliver(None, |bytes, from| {
///     got.push((bytes.to_vec(), from.port()));
///     true // false once the socket closed: stop delivering
/// });
/// assert_eq!(got, [(b"hi".to_vec(), port)]);
///
/// // close() hands the socket back: stop watching it, then drop it.
/// drop(core.close().unwrap());
/// assert_eq!(turn(&mut core), ["close"]);
/// ```
///
/// # Documentation sections
///
/// The engine and the receive path ([`Core`](embed::Core) and its state and output types,
/// [`Receiver`](embed::Receiver), [`Read`](embed::Read), [`Batch`](embed::Batch),
/// [`IoHandle`](embed::IoHandle), and the system calls of [`SocketIo`](embed::SocketIo)) are
/// documented for adapter authors, and unlike the rest of the
/// crate their methods carry no per-method `# Examples` / `# Errors` sections: a method of the
/// engine does nothing observable alone, only within the protocol above (an operation, then
/// `advance`, then the outputs), so the example above, which runs as a test, is the example of
/// each of them; and their errors are those the [`Socket`] methods of the same names document,
/// as the tokio adapter passes them through unchanged. The crate's `tests/doc_sections.rs`
/// names this exemption and checks that this section and the example are here. The functions
/// that stand alone ([`batch`](embed::batch), [`errno_name`](embed::errno_name), ...) have
/// their sections, checked like the rest of the crate.
pub mod embed {
    pub use crate::engine::{BindState, ConnectState, Core, Membership, OpId, Output, Recv, Sock};
    pub use crate::recv::{Batch, Read, Receiver, MAX_BATCH, PER_WAKE};
    pub use crate::sys::{errno_description, errno_from_uv, errno_name, guess_handle_type, IoHandle, SocketIo};
    pub use socket2;

    /// `ERR_INVALID_FD_TYPE` (`Unsupported fd type: TCP`), for an adapter that checks the
    /// descriptors it adopts itself.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = node_dgram::embed::invalid_fd_type("TCP");
    /// assert_eq!((e.code(), e.message()), ("ERR_INVALID_FD_TYPE", "Unsupported fd type: TCP"));
    /// ```
    ///
    /// # Errors
    ///
    /// None: it builds the error.
    pub fn invalid_fd_type(kind: &str) -> crate::Error {
        crate::Error::invalid_fd_type(kind)
    }

    /// Batched datagram system calls on a raw descriptor (recvmmsg, sendmmsg, gathered
    /// sendmsg): what node-dgram's receive and send paths use, for code that owns a blocking
    /// socket, such as the benchmarks' raw baseline.
    ///
    /// [`RawFd`](batch::RawFd), [`OwnedFd`](batch::OwnedFd) and [`AsRawFd`](batch::AsRawFd) are the
    /// platform's descriptor types and the trait that gives one: `std::os::fd`'s on Unix,
    /// `SOCKET` handles on Windows.
    pub mod batch {
        pub use crate::sys::{
            gro_enabled, recv_batch, recv_batch_blocking, send_batch, send_gather, send_segmented, set_gro, AsRawFd,
            OwnedFd, RawFd, RecvArena,
        };
    }
}

/// Old path of [`embed::batch`], kept for the benchmarks until they move.
#[doc(hidden)]
pub mod batch {
    pub use crate::embed::batch::*;
}
pub use bytes::Bytes;
pub use server::{pin_current_thread, serve, Handler, MultiCoreServer, ServerOptions};
pub use socket::{create_socket, create_socket_with_listener, Messages, Socket, WeakSocket};
pub use tokio_util::sync::CancellationToken;
pub use types::{
    parse_ip, AddressInfo, BindArgs, BindOptions, Destination, Family, IntoPort, IntoSocketOptions, IpLike, Message,
    RemoteInfo, SocketOptions, SocketType,
};
