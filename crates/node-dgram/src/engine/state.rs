//! The socket's life: Node's bind and connect states, the pending bind and connect, what a
//! failed bind leaves, and `close()`.

use std::net::SocketAddr;

use super::*;
use crate::error::Error;
use crate::sys::{IoHandle, SocketIo};
use crate::types::{AddressInfo, BindOptions, Family};

/// Node's bind states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BindState {
    /// Not bound.
    Unbound,
    /// `bind()` called; waiting for its lookup.
    Binding,
    /// Bound: `listening` was emitted.
    Bound,
}

/// Node's connect states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectState {
    /// Not connected.
    Disconnected,
    /// `connect()` called; waiting for the bind or the lookup.
    Connecting,
    /// Connected.
    Connected,
}

pub(super) struct BindReq {
    pub(super) port: u16,
    pub(super) target: Target,
    pub(super) op: Option<OpId>,
}

pub(super) struct ConnectReq {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) target: Target,
    pub(super) op: Option<OpId>,
}

impl<H: IoHandle> Core<H> {
    /// `bind()`: Node's checks, then a pending bind. `op` is `None` for an implicit bind.
    /// The same as [`Core::reserve_bind`] followed by [`Core::bind_reserved`].
    pub fn bind(&mut self, o: BindOptions, op: Option<OpId>) -> Result<(), Error> {
        self.reserve_bind()?;
        self.bind_reserved(o, op)
    }

    /// The first step of Node's `bind()`: its checks (`ERR_SOCKET_DGRAM_NOT_RUNNING`, then
    /// `ERR_SOCKET_ALREADY_BOUND`), then the state `Binding`, before anything else of the call
    /// is looked at. An adapter whose own code works out what to bind (the addon's JavaScript
    /// face: its arguments, a cluster's shared descriptor) reserves first; whatever fails
    /// after that leaves the socket `Binding`, as Node leaves it, until it calls
    /// [`Core::bind_reserved`] or [`Core::abandon_bind`].
    pub fn reserve_bind(&mut self) -> Result<(), Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        if self.bind_state != BindState::Unbound {
            return Err(Error::already_bound());
        }
        self.bind_state = BindState::Binding;
        Ok(())
    }

    /// The rest of a bind [reserved](Core::reserve_bind): adopts `o.fd` (bound at once) or asks
    /// for the address's lookup. Fails with `ERR_SOCKET_ALREADY_BOUND` unless a reserved bind
    /// waits for its address; a descriptor it cannot adopt fails it and leaves it reserved.
    pub fn bind_reserved(&mut self, o: BindOptions, op: Option<OpId>) -> Result<(), Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        if self.bind_state != BindState::Binding || self.bind_req.is_some() {
            return Err(Error::already_bound());
        }
        if let Some(fd) = o.fd {
            let sock = adopt::<H::Sock>(fd)?;
            self.sock = Some(Sock::Raw(sock));
            self.now_bound(op);
            return Ok(());
        }
        let host = o.address.unwrap_or_default();
        let target = self.lookup_target(&host, self.family.any());
        self.bind_req = Some(BindReq { port: o.port, target, op });
        Ok(())
    }

    /// Ends a [reserved](Core::reserve_bind) bind that failed outside the engine (a cluster
    /// worker's lookup or the primary's refusal): `Unbound` again, `error` with `e`, and what
    /// waited for the bind ends with it. Does nothing unless a reserved bind waits.
    pub fn abandon_bind(&mut self, e: Error) {
        if self.closed || self.bind_state != BindState::Binding || self.bind_req.is_some() {
            return;
        }
        self.bind_failed(e, None);
    }

    pub(super) fn implicit_bind(&mut self) {
        if self.bind_state == BindState::Unbound {
            // Cannot fail: the socket is open and unbound.
            let _ = self.bind(BindOptions::new().exclusive(true), None);
        }
    }

    /// `connect(port, address)`: Node's checks, the state `Connecting`, the implicit bind,
    /// then the pending connect (see [`Core::reserve_connect`], [`Core::connect_reserved`]).
    pub fn connect(&mut self, port: u16, host: &str, op: Option<OpId>) -> Result<(), Error> {
        // Node checks the connection before whether the socket runs.
        if self.connect_state != ConnectState::Disconnected {
            return Err(Error::is_connected());
        }
        if self.closed {
            return Err(Error::not_running());
        }
        self.reserve_connect()?;
        self.implicit_bind();
        self.connect_reserved(port, host, op)
    }

    /// The first step of Node's `connect()`: `ERR_SOCKET_DGRAM_IS_CONNECTED` unless
    /// disconnected, then the state `Connecting`, which stays while the connect waits for the
    /// bind (in the addon, in its JavaScript face's queue) and after a failed bind drops it.
    pub fn reserve_connect(&mut self) -> Result<(), Error> {
        if self.connect_state != ConnectState::Disconnected {
            return Err(Error::is_connected());
        }
        self.connect_state = ConnectState::Connecting;
        Ok(())
    }

    /// The rest of a [reserved](Core::reserve_connect) connect: asks for the address's lookup;
    /// it connects once bound. Fails with `ERR_SOCKET_DGRAM_IS_CONNECTED` unless a reserved
    /// connect waits for its address.
    pub fn connect_reserved(&mut self, port: u16, host: &str, op: Option<OpId>) -> Result<(), Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        if self.connect_state != ConnectState::Connecting || self.connect_req.is_some() {
            return Err(Error::is_connected());
        }
        let target = self.lookup_target(host, self.family.loopback());
        self.connect_req = Some(ConnectReq { host: host.to_string(), port, target, op });
        Ok(())
    }

    /// `disconnect()`.
    pub fn disconnect(&mut self) -> Result<(), Error> {
        if self.connect_state != ConnectState::Connected {
            return Err(Error::not_connected());
        }
        let Some(s) = self.sock.as_ref().map(|s| s.socket()) else {
            return Err(Error::not_running());
        };
        s.disconnect().map_err(|e| Error::from_io(&e, "disconnect", None, None))?;
        self.connect_state = ConnectState::Disconnected;
        self.remote = None;
        Ok(())
    }

    /// `close()`: closes the descriptor now (returned to the adapter, which must stop polling
    /// it before dropping it), ends every pending operation, and queues `close`.
    pub fn close(&mut self) -> Result<Option<Sock<H>>, Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        self.bind_before_close();
        self.closed = true;
        if let Some(b) = self.bind_req.take() {
            if let Some(op) = b.op {
                self.out.push_back(done(op, Err(Error::not_running()), true));
            }
        }
        if let Some(c) = self.connect_req.take() {
            if let Some(op) = c.op {
                self.out.push_back(done(op, Err(Error::not_running()), true));
            }
        }
        for s in std::mem::take(&mut self.sends) {
            if let Some(op) = s.op {
                let e = send_error(libc::ECANCELED, &s.host, s.port);
                // Like libuv's ECANCELED: to the callback only, never to `error`.
                self.out.push_back(done(op, Err(e), true));
            }
        }
        self.queued_bytes = 0;
        self.blocked_on_write = false;
        self.out.push_back(Output::Close);
        if let Some(fd) = self.fd() {
            release_fd(fd);
        }
        Ok(self.sock.take())
    }

    /// `address()`.
    pub fn address(&self) -> Result<AddressInfo, Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        // Node asks the handle's socket whatever the bind state: a socket kept by a failed
        // bind reports the unbound address, even while the next bind waits for its lookup.
        match &self.sock {
            Some(s) => match s.socket().local_addr() {
                Ok(a) => Ok(AddressInfo::from(a)),
                Err(e) => Err(Error::from_io(&e, "getsockname", None, None)),
            },
            _ => Err(Error::system(libc::EBADF, "getsockname", None, None)),
        }
    }

    /// `remoteAddress()`.
    pub fn remote_address(&self) -> Result<AddressInfo, Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        match (self.connect_state, self.remote) {
            // The system's answer (a connect to `0.0.0.0` reaches 127.0.0.1, to `::` ::1).
            (ConnectState::Connected, Some(a)) => {
                Ok(AddressInfo::from(self.sock.as_ref().and_then(|s| s.socket().peer_addr().ok()).unwrap_or(a)))
            }
            _ => Err(Error::not_connected()),
        }
    }

    /// Makes all the progress possible now: a resolved bind binds, a resolved connect
    /// connects, ready sends are written in order.
    pub fn advance(&mut self) {
        if self.closed {
            return;
        }
        self.watch();
        if self.bind_state == BindState::Binding {
            let ready =
                matches!(self.bind_req.as_ref().map(|b| &b.target), Some(Target::Ready(_)) | Some(Target::Failed(_)));
            if !ready {
                return;
            }
            if let Some(b) = self.bind_req.take() {
                match b.target {
                    Target::Ready(a) => self.do_bind(SocketAddr::new(a.ip(), b.port).with_scope_of(a), b.op),
                    Target::Failed(e) => self.bind_failed(e, b.op),
                    _ => {}
                }
            }
        }
        if self.bind_state != BindState::Bound {
            return;
        }
        if self.connect_state == ConnectState::Connecting {
            let ready = matches!(
                self.connect_req.as_ref().map(|c| &c.target),
                Some(Target::Ready(_)) | Some(Target::Failed(_))
            );
            if ready {
                if let Some(c) = self.connect_req.take() {
                    self.do_connect(c);
                }
            }
        }
        self.flush();
    }

    /// With [`SocketOptions::listening_before_close`](crate::types::SocketOptions) (the tokio
    /// adapter's setting): a `close()` while sends or a connect wait behind a pending bind is
    /// queued behind them in Node (`state.queue`), so the bind completes first: `listening`,
    /// then `close`. Node then drops the queued sends without calling their callbacks; here
    /// they end with `send ECANCELED` (reported: never as `error`), as every pending send at
    /// `close()` does. Only a bind whose address is known is completed this way (one waiting
    /// on a lookup is abandoned, with no `listening`, as before). The Node addon keeps this
    /// off: its JavaScript side keeps Node's queue itself.
    fn bind_before_close(&mut self) {
        if !self.opts.listening_before_close
            || self.bind_state != BindState::Binding
            || (self.sends.is_empty() && self.connect_req.is_none())
        {
            return;
        }
        let Some(b) = self.bind_req.take_if(|b| matches!(b.target, Target::Ready(_))) else { return };
        if let Target::Ready(a) = b.target {
            // Not watched: the descriptor is closed right after.
            self.bind_now(SocketAddr::new(a.ip(), b.port).with_scope_of(a), b.op);
        }
    }

    pub(super) fn do_bind(&mut self, addr: SocketAddr, op: Option<OpId>) {
        if self.bind_now(addr, op) {
            self.watch();
        }
    }

    /// The socket in `self.sock` is bound: Node applies the buffer sizes, then emits
    /// `listening`, then ends the bind's operation.
    fn now_bound(&mut self, op: Option<OpId>) {
        self.bind_state = BindState::Bound;
        let before = self.out.len();
        self.apply_buffer_sizes();
        if self.opts.buffer_size_error_ends_bind && self.out.len() > before {
            // Node throws it from the bind's own callback: `listening` never comes.
            if let Some(op) = op {
                let e = match self.out.back() {
                    Some(Output::Error(e)) => e.clone(),
                    _ => Error::not_running(),
                };
                self.out.push_back(done(op, Err(e), true));
            }
            return;
        }
        self.out.push_back(Output::Listening);
        if let Some(op) = op {
            self.out.push_back(done(op, Ok(0), false));
        }
    }

    /// Binds, emits `listening` (or the failure); true when bound.
    fn bind_now(&mut self, addr: SocketAddr, op: Option<OpId>) -> bool {
        let ip = addr.ip().to_string();
        let port = Some(addr.port());
        if Family::of(&addr.ip()) != self.family || (self.opts.ipv6_only && addr.is_ipv4()) {
            // libuv refuses an IPv4 address on a udp6 socket, and ipv6Only on an IPv4 bind.
            self.bind_failed(Error::system(libc::EINVAL, "bind", Some(ip), port), op);
            return false;
        }
        match self.open_and_bind(addr, false) {
            Ok(()) => {
                self.now_bound(op);
                true
            }
            Err(e) => {
                self.bind_failed(Error::from_io(&e, "bind", Some(ip), port), op);
                false
            }
        }
    }

    /// Opens a socket and binds it to `addr`; once bound, `self.sock` holds it. With
    /// `keep_failed_bind_socket`, the socket a failed bind left is bound instead of a new one,
    /// and a socket whose `bind(2)` fails is kept (unbound, in `self.sock`), as Node's handle
    /// keeps it.
    pub(super) fn open_and_bind(&mut self, addr: SocketAddr, reuse_addr: bool) -> std::io::Result<()> {
        if self.opts.keep_failed_bind_socket {
            if let Some(s) = self.sock.as_ref().map(|s| s.socket()) {
                self.configure_for_bind(s, addr, reuse_addr)?;
                return s.bind(addr);
            }
        }
        let s = H::Sock::udp(addr.is_ipv6())?;
        let bound = self.configure_for_bind(&s, addr, reuse_addr).and_then(|_| s.bind(addr));
        if bound.is_ok() || self.opts.keep_failed_bind_socket {
            claim_fd(s.raw());
            self.sock = Some(Sock::Raw(s));
        }
        bound
    }

    pub(super) fn configure_for_bind(&self, s: &H::Sock, addr: SocketAddr, reuse_addr: bool) -> std::io::Result<()> {
        if self.opts.reuse_addr || reuse_addr {
            s.set_reuse_address(true)?;
        }
        if self.opts.reuse_port {
            s.set_reuse_port()?;
        }
        if addr.is_ipv6() {
            s.set_only_v6(self.opts.ipv6_only)?;
        }
        match self.opts.gro {
            Some(true) => s.set_gro(true)?,
            // (Best effort: a kernel without it reads one datagram per entry, as before.)
            None => {
                let _ = s.set_gro(true);
            }
            Some(false) => {}
        }
        Ok(())
    }

    /// A failed bind: `error` always (Node's rule), the bind's own Op too, and everything
    /// queued behind the bind ends with the same error (Node drops them silently; an
    /// operation here always ends).
    pub(super) fn bind_failed(&mut self, e: Error, op: Option<OpId>) {
        self.bind_state = BindState::Unbound;
        self.out.push_back(Output::Error(e.clone()));
        if let Some(op) = op {
            self.out.push_back(done(op, Err(e.clone()), true));
        }
        if let Some(c) = self.connect_req.take() {
            self.connect_state = ConnectState::Disconnected;
            if let Some(op) = c.op {
                self.out.push_back(done(op, Err(e.clone()), true));
            }
        }
        for s in std::mem::take(&mut self.sends) {
            if let Some(op) = s.op {
                self.out.push_back(done(op, Err(e.clone()), true));
            }
        }
        self.queued_bytes = 0;
    }

    pub(super) fn do_connect(&mut self, c: ConnectReq) {
        let result = match c.target {
            Target::Failed(e) => Err(e),
            Target::Ready(a) => {
                let addr = SocketAddr::new(a.ip(), c.port).with_scope_of(a);
                // The address the connect was given, as Node's error has it: '' (`connect E... :9`)
                // for a connect without one, not the loopback address it went to.
                let host = c.host.clone();
                if self.opts.send_block_list.as_ref().is_some_and(|l| l.check_ip(addr.ip())) {
                    Err(Error::ip_blocked(&addr.ip().to_string()))
                } else if Family::of(&addr.ip()) != self.family {
                    Err(Error::system(libc::EINVAL, "connect", Some(host), Some(c.port)))
                } else {
                    match self.sock.as_ref().map(|s| s.socket().connect(addr)) {
                        Some(Ok(())) => Ok(addr),
                        Some(Err(e)) => Err(Error::from_io(&e, "connect", Some(host), Some(c.port))),
                        None => Err(Error::not_running()),
                    }
                }
            }
            _ => return,
        };
        match result {
            Ok(addr) => {
                self.connect_state = ConnectState::Connected;
                self.remote = Some(addr);
                self.out.push_back(Output::Connect);
                if let Some(op) = c.op {
                    self.out.push_back(done(op, Ok(0), false));
                }
            }
            Err(e) => {
                self.connect_state = ConnectState::Disconnected;
                if let Some(op) = c.op {
                    self.out.push_back(done(op, Err(e), false));
                }
                // Sends waiting for the connection can no longer go anywhere.
                let waiting: Vec<SendReq> = {
                    let (peer, rest): (Vec<_>, Vec<_>) =
                        std::mem::take(&mut self.sends).into_iter().partition(|s| matches!(s.target, Target::Peer));
                    self.sends = rest.into();
                    peer
                };
                for s in waiting {
                    self.queued_bytes -= s.msg.len();
                    if let Some(op) = s.op {
                        self.out.push_back(done(op, Err(Error::not_connected()), false));
                    }
                }
            }
        }
    }
}
