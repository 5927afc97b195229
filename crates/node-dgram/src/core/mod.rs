//! The core: one socket engine owning Node's dgram semantics.
//!
//! It decides everything (state, queueing, validation, which event fires when, which error with
//! which code) and performs the non-blocking system calls, but it never blocks, never spawns,
//! never waits and never calls user code. An adapter (the tokio one in `socket.rs`; the Node
//! addon's libuv one) drives it: it calls [`Core::advance`] after every change, tells it when the
//! socket is readable or writable, runs the lookups it asks for, and delivers the [`Output`]s it
//! produces, in order, outside its lock.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};

use socket2::{Domain, Protocol, Socket as RawSocket, Type};

use crate::error::Error;
use crate::op::Completer;
use crate::sys::{self, IoHandle};
use crate::types::{parse_ip, AddressInfo, BindOptions, Family, Message, SocketOptions};

/// The open socket: bound but not yet watched by the event loop (a bind made synchronously, for
/// a membership call), or handed to the adapter's handle.
pub enum Sock<H> {
    /// Bound, not watched yet.
    Raw(RawSocket),
    /// Held by the adapter's handle.
    Watched(H),
}

impl<H: IoHandle> Sock<H> {
    fn socket(&self) -> &RawSocket {
        match self {
            Sock::Raw(s) => s,
            Sock::Watched(h) => h.socket(),
        }
    }
}

/// Which membership call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// `addMembership`.
    Add,
    /// `dropMembership`.
    Drop,
    /// `addSourceSpecificMembership`.
    AddSource,
    /// `dropSourceSpecificMembership`.
    DropSource,
}

impl Membership {
    fn syscall(self) -> &'static str {
        match self {
            Membership::Add => "addMembership",
            Membership::Drop => "dropMembership",
            Membership::AddSource => "addSourceSpecificMembership",
            Membership::DropSource => "dropSourceSpecificMembership",
        }
    }
}

/// Node's bind states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub enum ConnectState {
    /// Not connected.
    Disconnected,
    /// `connect()` called; waiting for the bind or the lookup.
    Connecting,
    /// Connected.
    Connected,
}

/// Where an operation's address stands.
enum Target {
    /// Waiting for lookup `id`.
    Lookup(u64),
    /// Resolved.
    Ready(SocketAddr),
    /// The connected peer (a `send` without address).
    Peer,
    /// The lookup failed.
    Failed(Error),
}

struct BindReq {
    port: u16,
    target: Target,
    op: Option<Completer<()>>,
}

struct ConnectReq {
    host: String,
    port: u16,
    target: Target,
    op: Option<Completer<()>>,
}

struct SendReq {
    msg: Message,
    /// The address argument as given (Node's error messages use it), `None` when omitted.
    host: Option<String>,
    port: u16,
    target: Target,
    op: Option<Completer<usize>>,
}

/// Whether a queued send can go now.
enum Next {
    Wait,
    Fail(Error),
    Go(Option<SocketAddr>),
}

/// Something the adapter must do or deliver, in order.
pub enum Output {
    /// Emit `listening`.
    Listening,
    /// Emit `connect`.
    Connect,
    /// Emit `error`.
    Error(Error),
    /// Emit `close` (always last).
    Close,
    /// Complete an operation; an error nobody takes is emitted as `error` unless `reported`.
    Done(Box<dyn FnOnce() -> Option<Error> + Send>),
    /// Resolve `host` for the socket's family, then call [`Core::resolved`] with `id`.
    Lookup {
        /// What to give back to [`Core::resolved`].
        id: u64,
        /// The host to resolve for the socket's family.
        host: String,
    },
}

/// What one receive attempt found.
pub enum Recv {
    /// The arena holds this many datagrams.
    Batch(usize),
    /// Nothing waiting.
    WouldBlock,
}

fn done<T: Send + 'static>(c: Completer<T>, r: Result<T, Error>, reported: bool) -> Output {
    Output::Done(Box::new(move || {
        let unclaimed = c.complete(r);
        if reported {
            None
        } else {
            unclaimed
        }
    }))
}

/// The socket engine. Not thread-safe by itself: the adapter keeps it behind its lock.
pub struct Core<H> {
    family: Family,
    opts: SocketOptions,
    bind_state: BindState,
    connect_state: ConnectState,
    closed: bool,
    sock: Option<Sock<H>>,
    remote: Option<SocketAddr>,
    bind_req: Option<BindReq>,
    connect_req: Option<ConnectReq>,
    sends: VecDeque<SendReq>,
    queued_bytes: usize,
    blocked_on_write: bool,
    next_id: u64,
    out: VecDeque<Output>,
}

impl<H: IoHandle> Core<H> {
    /// A socket engine, unbound, with these options.
    pub fn new(opts: SocketOptions) -> Core<H> {
        Core {
            family: opts.ty.family(),
            opts,
            bind_state: BindState::Unbound,
            connect_state: ConnectState::Disconnected,
            closed: false,
            sock: None,
            remote: None,
            bind_req: None,
            connect_req: None,
            sends: VecDeque::new(),
            queued_bytes: 0,
            blocked_on_write: false,
            next_id: 1,
            out: VecDeque::new(),
        }
    }

    /// Whether `close()` was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
    /// Whether the socket is connected (Node checks this before validating a send's port).
    pub fn is_connected(&self) -> bool {
        self.connect_state == ConnectState::Connected
    }
    /// Node's bind state.
    pub fn bind_state(&self) -> BindState {
        self.bind_state
    }
    /// The open descriptor, if any.
    pub fn fd(&self) -> Option<RawFd> {
        self.sock.as_ref().map(|s| s.socket().as_raw_fd())
    }
    /// Whether the adapter should watch for writability (sends wait on a full buffer).
    pub fn wants_write(&self) -> bool {
        self.blocked_on_write && !self.sends.is_empty()
    }
    /// Whether any operation is still pending (the socket must not be dropped quietly).
    pub fn has_pending(&self) -> bool {
        self.bind_req.is_some() || self.connect_req.is_some() || !self.sends.is_empty()
    }
    /// Takes what the adapter must do or deliver, in order.
    pub fn take_output(&mut self) -> VecDeque<Output> {
        std::mem::take(&mut self.out)
    }
    /// Queues the successful completion of `op` (after what is queued already).
    pub fn push_done(&mut self, op: Completer<()>) {
        self.out.push_back(done(op, Ok(()), false));
    }

    fn lookup_target(&mut self, host: &str, default: IpAddr) -> Target {
        self.lookup_target_as(host, default, self.opts.lookup_all)
    }

    /// [`Core::lookup_target`], asking the resolver for every address when `all`.
    fn lookup_target_as(&mut self, host: &str, default: IpAddr, all: bool) -> Target {
        if all {
            // Node's way: the resolver sees every address, literals and defaults included.
            let host = if host.is_empty() { default.to_string() } else { host.to_string() };
            let id = self.next_id;
            self.next_id += 1;
            self.out.push_back(Output::Lookup { id, host });
            return Target::Lookup(id);
        }
        if host.is_empty() {
            return Target::Ready(SocketAddr::new(default, 0));
        }
        if let Some((ip, scope)) = parse_ip(host) {
            let mut sa = SocketAddr::new(ip, 0);
            if let SocketAddr::V6(v6) = &mut sa {
                v6.set_scope_id(scope);
            }
            return Target::Ready(sa);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.out.push_back(Output::Lookup { id, host: host.to_string() });
        Target::Lookup(id)
    }

    // ---- user operations (synchronous parts; the rest happens in `advance`) ----

    /// `bind()`: Node's checks, then a pending bind. `op` is `None` for an implicit bind.
    pub fn bind(&mut self, o: BindOptions, op: Option<Completer<()>>) -> Result<(), Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        if self.bind_state != BindState::Unbound {
            return Err(Error::already_bound());
        }
        if let Some(fd) = o.fd {
            let sock = adopt(fd)?;
            self.sock = Some(Sock::Raw(sock));
            self.bind_state = BindState::Bound;
            // As for any other bind, Node applies the buffer sizes before `listening`.
            self.apply_buffer_sizes();
            self.out.push_back(Output::Listening);
            if let Some(op) = op {
                self.out.push_back(done(op, Ok(()), false));
            }
            return Ok(());
        }
        self.bind_state = BindState::Binding;
        let host = o.address.unwrap_or_default();
        let target = self.lookup_target(&host, self.family.any());
        self.bind_req = Some(BindReq { port: o.port, target, op });
        Ok(())
    }

    fn implicit_bind(&mut self) {
        if self.bind_state == BindState::Unbound {
            // Cannot fail: the socket is open and unbound.
            let _ = self.bind(BindOptions::new().exclusive(true), None);
        }
    }

    /// `connect(port, address)`.
    pub fn connect(&mut self, port: u16, host: &str, op: Completer<()>) -> Result<(), Error> {
        // Node checks the connection before whether the socket runs.
        if self.connect_state != ConnectState::Disconnected {
            return Err(Error::is_connected());
        }
        if self.closed {
            return Err(Error::not_running());
        }
        self.connect_state = ConnectState::Connecting;
        self.implicit_bind();
        let target = self.lookup_target(host, self.family.loopback());
        self.connect_req = Some(ConnectReq { host: host.to_string(), port, target, op: Some(op) });
        Ok(())
    }

    /// `disconnect()`.
    pub fn disconnect(&mut self) -> Result<(), Error> {
        if self.connect_state != ConnectState::Connected {
            return Err(Error::not_connected());
        }
        let Some(fd) = self.fd() else {
            return Err(Error::not_running());
        };
        sys::disconnect(fd).map_err(|e| Error::from_io(&e, "disconnect", None, None))?;
        self.connect_state = ConnectState::Disconnected;
        self.remote = None;
        Ok(())
    }

    /// `send(msg)` on a connected (or connecting) socket.
    pub fn send_connected(&mut self, msg: Message, op: Completer<usize>) -> Result<(), Error> {
        if self.connect_state == ConnectState::Disconnected {
            // Node: without a connection the port is required.
            return Err(Error::bad_port("undefined", false));
        }
        if self.closed {
            return Err(Error::not_running());
        }
        self.push_send(SendReq { msg, host: None, port: 0, target: Target::Peer, op: Some(op) });
        Ok(())
    }

    /// `send(msg, port, address)` on an unconnected socket.
    pub fn send_to(&mut self, msg: Message, port: u16, host: &str, op: Completer<usize>) -> Result<(), Error> {
        if self.connect_state == ConnectState::Connected {
            return Err(Error::is_connected());
        }
        let all = self.opts.lookup_all;
        self.push_send_to(msg, port, host, op, all)
    }

    /// Queues a send to `host:port`; `ask`: the resolver is asked for the address even when it
    /// is an IP literal.
    fn push_send_to(
        &mut self,
        msg: Message,
        port: u16,
        host: &str,
        op: Completer<usize>,
        ask: bool,
    ) -> Result<(), Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        self.implicit_bind();
        let target = match self.lookup_target_as(host, self.family.loopback(), ask) {
            Target::Ready(a) => Target::Ready(SocketAddr::new(a.ip(), port)).with_scope(a),
            t => t,
        };
        let host = (!host.is_empty()).then(|| host.to_string());
        self.push_send(SendReq { msg, host, port, target, op: Some(op) });
        Ok(())
    }

    /// `send_to` for an address the adapter knows to be an IP literal that its resolver would
    /// answer unchanged: no lookup is asked for, even with `lookup_all`. The adapter checked the
    /// connection when the call was made, as Node does, and hands the send over when the lookup
    /// would have answered: a connection made meanwhile fails it with `send EISCONN`.
    pub fn send_to_literal(&mut self, msg: Message, port: u16, host: &str, op: Completer<usize>) -> Result<(), Error> {
        self.push_send_to(msg, port, host, op, false)
    }

    fn push_send(&mut self, req: SendReq) {
        self.queued_bytes += req.msg.len();
        if self.opts.lookup_all && !matches!(req.target, Target::Lookup(_)) {
            let at = self.handover_point();
            self.sends.insert(at, req);
        } else {
            self.sends.push_back(req);
        }
    }

    /// With `lookup_all` (Node's way), a send joins the queue proper once its address is known,
    /// as Node hands a send to the system when its own lookup answers: the sends still waiting
    /// for a lookup stay at the tail and hold back nobody. This is where the next one goes.
    fn handover_point(&self) -> usize {
        let mut i = self.sends.len();
        while i > 0 && matches!(self.sends[i - 1].target, Target::Lookup(_)) {
            i -= 1;
        }
        i
    }

    /// The send at `i` got its address (or its lookup failed): with `lookup_all`, it moves ahead
    /// of the sends still waiting for theirs.
    fn handed_over(&mut self, i: usize) {
        if !self.opts.lookup_all {
            return;
        }
        if let Some(req) = self.sends.remove(i) {
            let at = self.handover_point();
            self.sends.insert(at, req);
        }
    }

    /// `close()`: closes the descriptor now (returned to the adapter, which must stop polling
    /// it before dropping it), ends every pending operation, and queues `close`.
    pub fn close(&mut self) -> Result<Option<Sock<H>>, Error> {
        if self.closed {
            return Err(Error::not_running());
        }
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
        match (&self.sock, self.bind_state) {
            (Some(s), BindState::Bound) => match s.socket().local_addr() {
                Ok(a) => a
                    .as_socket()
                    .map(AddressInfo::from)
                    .ok_or_else(|| Error::system(libc::EINVAL, "getsockname", None, None)),
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
            (ConnectState::Connected, Some(a)) => Ok(AddressInfo::from(a)),
            _ => Err(Error::not_connected()),
        }
    }

    /// `getSendQueueSize()`: bytes of sends not yet handed to the kernel.
    pub fn send_queue_size(&self) -> usize {
        self.queued_bytes
    }
    /// `getSendQueueCount()`: sends not yet handed to the kernel.
    pub fn send_queue_count(&self) -> usize {
        self.sends.len()
    }

    // ---- adapter inputs ----

    /// A lookup asked for with [`Output::Lookup`] finished.
    pub fn resolved(&mut self, id: u64, r: Result<IpAddr, Error>) {
        self.resolved_addr(id, r.map(|ip| SocketAddr::new(ip, 0)));
    }

    /// A lookup answered with text that is no IP address: the operation fails as the system
    /// call given that text would (`bind EINVAL text`, `send EINVAL host:port`), as Node's does
    /// when a custom `lookup` returns garbage.
    pub fn resolved_unparsable(&mut self, id: u64, text: &str) {
        if self.closed {
            return;
        }
        let is = |t: &Target| matches!(t, Target::Lookup(x) if *x == id);
        if let Some(b) = &mut self.bind_req {
            if is(&b.target) {
                let port = (b.port != 0).then_some(b.port);
                b.target = Target::Failed(Error::system(libc::EINVAL, "bind", Some(text.to_string()), port));
                return;
            }
        }
        if let Some(c) = &mut self.connect_req {
            if is(&c.target) {
                let host = if c.host.is_empty() { text.to_string() } else { c.host.clone() };
                c.target = Target::Failed(Error::system(libc::EINVAL, "connect", Some(host), Some(c.port)));
                return;
            }
        }
        for (i, s) in self.sends.iter_mut().enumerate() {
            if is(&s.target) {
                let host = s.host.clone().or_else(|| Some(text.to_string()));
                s.target = Target::Failed(send_error(libc::EINVAL, &host, s.port));
                self.handed_over(i);
                return;
            }
        }
    }

    /// Node's `getSendQueueCount()` and `getSendQueueSize()`: the sends handed to the system
    /// and waiting for room, not those still waiting for the bind or a lookup.
    pub fn kernel_queue(&self) -> (usize, usize) {
        if self.bind_state != BindState::Bound {
            return (0, 0);
        }
        self.sends
            .iter()
            .filter(|s| matches!(self.classify(s), Next::Go(_)))
            .fold((0, 0), |(n, b), s| (n + 1, b + s.msg.len()))
    }

    /// Like [`Core::resolved`], with an IPv6 scope (the port of `r` is ignored).
    pub fn resolved_addr(&mut self, id: u64, r: Result<SocketAddr, Error>) {
        if self.closed {
            return; // closing during a lookup ends quietly
        }
        let settle = |t: &mut Target| {
            if matches!(t, Target::Lookup(x) if *x == id) {
                *t = match &r {
                    Ok(a) => Target::Ready(SocketAddr::new(a.ip(), 0).with_scope_of(*a)),
                    Err(e) => Target::Failed(e.clone()),
                };
                true
            } else {
                false
            }
        };
        if let Some(b) = &mut self.bind_req {
            if settle(&mut b.target) {
                return;
            }
        }
        if let Some(c) = &mut self.connect_req {
            if settle(&mut c.target) {
                return;
            }
        }
        for (i, s) in self.sends.iter_mut().enumerate() {
            if settle(&mut s.target) {
                if let Target::Ready(a) = &mut s.target {
                    a.set_port(s.port);
                }
                self.handed_over(i);
                return;
            }
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

    fn do_bind(&mut self, addr: SocketAddr, op: Option<Completer<()>>) {
        let ip = addr.ip().to_string();
        let port = Some(addr.port());
        if Family::of(&addr.ip()) != self.family || (self.opts.ipv6_only && addr.is_ipv4()) {
            // libuv refuses an IPv4 address on a udp6 socket, and ipv6Only on an IPv4 bind.
            return self.bind_failed(Error::system(libc::EINVAL, "bind", Some(ip), port), op);
        }
        match self.open_and_bind(addr, false) {
            Ok(sock) => {
                claim_fd(sock.as_raw_fd());
                self.sock = Some(Sock::Raw(sock));
                self.watch();
                self.bind_state = BindState::Bound;
                // Node applies the buffer sizes before it emits `listening`.
                self.apply_buffer_sizes();
                self.out.push_back(Output::Listening);
                if let Some(op) = op {
                    self.out.push_back(done(op, Ok(()), false));
                }
            }
            Err(e) => self.bind_failed(Error::from_io(&e, "bind", Some(ip), port), op),
        }
    }

    fn open_and_bind(&self, addr: SocketAddr, reuse_addr: bool) -> std::io::Result<RawSocket> {
        let domain = if addr.is_ipv4() { Domain::IPV4 } else { Domain::IPV6 };
        let s = RawSocket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
        s.set_nonblocking(true)?;
        if self.opts.reuse_addr || reuse_addr {
            s.set_reuse_address(true)?;
        }
        if self.opts.reuse_port {
            s.set_reuse_port(true)?;
        }
        if addr.is_ipv6() {
            s.set_only_v6(self.opts.ipv6_only)?;
        }
        if self.opts.gro {
            sys::set_gro(s.as_raw_fd(), true)?;
        }
        s.bind(&addr.into())?;
        Ok(s)
    }

    fn apply_buffer_sizes(&mut self) {
        let Some(s) = self.sock.as_ref().map(|h| h.socket()) else { return };
        let fits =
            |n: u32| if n > i32::MAX as u32 { Err(std::io::Error::from_raw_os_error(libc::EINVAL)) } else { Ok(()) };
        if let Some(n) = self.opts.recv_buffer_size {
            if let Err(e) = fits(n).and_then(|_| s.set_recv_buffer_size(n as usize)) {
                let e = Error::buffer_size(e.raw_os_error().unwrap_or(libc::EINVAL), "recv");
                self.out.push_back(Output::Error(e));
            }
        }
        if let Some(n) = self.opts.send_buffer_size {
            if let Err(e) = fits(n).and_then(|_| s.set_send_buffer_size(n as usize)) {
                let e = Error::buffer_size(e.raw_os_error().unwrap_or(libc::EINVAL), "send");
                self.out.push_back(Output::Error(e));
            }
        }
    }

    /// A failed bind: `error` always (Node's rule), the bind's own Op too, and everything
    /// queued behind the bind ends with the same error (Node drops them silently; an
    /// operation here always ends).
    fn bind_failed(&mut self, e: Error, op: Option<Completer<()>>) {
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

    fn do_connect(&mut self, c: ConnectReq) {
        let result = match c.target {
            Target::Failed(e) => Err(e),
            Target::Ready(a) => {
                let addr = SocketAddr::new(a.ip(), c.port).with_scope_of(a);
                let host = if c.host.is_empty() { self.family.loopback().to_string() } else { c.host.clone() };
                if self.opts.send_block_list.as_ref().is_some_and(|l| l.check_ip(addr.ip())) {
                    Err(Error::ip_blocked(&addr.ip().to_string()))
                } else if Family::of(&addr.ip()) != self.family {
                    Err(Error::system(libc::EINVAL, "connect", Some(host), Some(c.port)))
                } else {
                    match self.sock.as_ref().map(|s| s.socket().connect(&addr.into())) {
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
                    self.out.push_back(done(op, Ok(()), false));
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

    /// Writes ready sends in order until one must wait (a lookup, the connection, or a full
    /// buffer).
    pub fn flush(&mut self) {
        let Some(fd) = self.fd() else { return };
        self.blocked_on_write = false;
        while let Some(front) = self.sends.front() {
            let to = match self.classify(front) {
                Next::Wait => return,
                Next::Fail(e) => {
                    self.finish_front(Err(e));
                    continue;
                }
                Next::Go(to) => to,
            };
            let batch = self.batch_len();
            if batch >= 2 {
                match self.send_batch(fd, to, batch) {
                    Ok(()) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        self.blocked_on_write = true;
                        return;
                    }
                    // Anything else: send the front alone, which reports its own error.
                    Err(_) => {}
                }
            }
            let r = self.sends[0].msg.with_parts(|parts| sys::send_gather(fd, parts, to.as_ref()));
            match r {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    self.blocked_on_write = true;
                    return;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(n) => self.finish_front(Ok(n)),
                Err(e) => {
                    let errno = e.raw_os_error().unwrap_or(libc::EIO);
                    let (host, port) = (self.sends[0].host.clone(), self.sends[0].port);
                    self.finish_front(Err(send_error(errno, &host, port)));
                }
            }
        }
    }

    /// Whether a queued send can be written now, and where to.
    fn classify(&self, s: &SendReq) -> Next {
        match &s.target {
            Target::Lookup(_) => Next::Wait,
            Target::Peer if self.connect_state != ConnectState::Connected => Next::Wait,
            Target::Peer => Next::Go(None),
            Target::Failed(e) => Next::Fail(e.clone()),
            Target::Ready(a) => {
                if self.opts.send_block_list.as_ref().is_some_and(|l| l.check_ip(a.ip())) {
                    Next::Fail(Error::ip_blocked(&a.ip().to_string()))
                } else if self.connect_state == ConnectState::Connected {
                    // An addressed send on a socket connected meanwhile: libuv refuses it.
                    Next::Fail(send_error(libc::EISCONN, &s.host, s.port))
                } else if Family::of(&a.ip()) != self.family {
                    Next::Fail(send_error(libc::EINVAL, &s.host, s.port))
                } else {
                    Next::Go(Some(*a))
                }
            }
        }
    }

    /// How many sends from the front can go out in one system call: single-buffer messages
    /// that are ready now.
    fn batch_len(&self) -> usize {
        let mut n = 0;
        for s in self.sends.iter().take(sys::GSO_MAX_SEGMENTS) {
            if !matches!(s.msg, Message::One(_)) {
                break;
            }
            match self.classify(s) {
                Next::Go(_) => n += 1,
                _ => break,
            }
        }
        n
    }

    /// Writes the first `n` sends with one system call: a GSO send when they fit one
    /// (same destination, equal sizes but the last), else `sendmmsg`.
    fn send_batch(&mut self, fd: RawFd, to: Option<SocketAddr>, n: usize) -> std::io::Result<()> {
        let bufs: Vec<&[u8]> = self
            .sends
            .iter()
            .take(n)
            .filter_map(|s| match &s.msg {
                Message::One(b) => Some(b.as_ref()),
                Message::Many(_) => None,
            })
            .collect();
        // GSO: the longest run from the front to the same destination, all of the first one's
        // size but the last, which may be shorter, within one 64 KiB super-datagram.
        let seg = bufs[0].len();
        let mut run = 0;
        let mut total = 0;
        if self.opts.gso && seg > 0 {
            for (s, b) in self.sends.iter().zip(&bufs) {
                let dest = if let Target::Ready(a) = s.target { Some(a) } else { None };
                // An empty datagram cannot be a segment: it would vanish.
                if dest != to || b.is_empty() || b.len() > seg || total + b.len() > 65_000 {
                    break;
                }
                run += 1;
                total += b.len();
                if b.len() < seg {
                    break;
                }
            }
        }
        let sent = if run >= 2 {
            match sys::send_segmented(fd, &bufs[..run], seg as u16, to.as_ref()) {
                Ok(_) => run,
                Err(e) => {
                    if e.kind() != std::io::ErrorKind::WouldBlock && e.raw_os_error() != Some(libc::ENOBUFS) {
                        // The path refuses segmentation (a segment above the MTU: EMSGSIZE;
                        // no checksum offload: EIO; an old kernel: EINVAL): ordinary sends from
                        // now on, which report their own errors.
                        self.opts.gso = false;
                    }
                    return Err(e);
                }
            }
        } else {
            let items: Vec<(&[u8], Option<SocketAddr>)> = self
                .sends
                .iter()
                .take(n)
                .zip(&bufs)
                .map(|(s, b)| (*b, if let Target::Ready(a) = s.target { Some(a) } else { None }))
                .collect();
            sys::send_many(fd, &items)?
        };
        drop(bufs);
        if sent == 0 {
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        for _ in 0..sent {
            let len = self.sends[0].msg.len();
            self.finish_front(Ok(len));
        }
        Ok(())
    }

    /// Ends the front send with `r`.
    fn finish_front(&mut self, r: Result<usize, Error>) {
        if let Some(s) = self.sends.pop_front() {
            self.queued_bytes -= s.msg.len();
            if let Some(op) = s.op {
                self.out.push_back(done(op, r, false));
            }
        }
    }

    /// Takes the outcome of a receive attempt made with [`sys::recv_batch`] on [`Core::fd`]:
    /// errors other than "nothing waiting" are emitted as `error` (`recvmsg ECONNREFUSED`
    /// after an ICMP port-unreachable on a connected socket, as Node reports it).
    pub fn received(&mut self, r: std::io::Result<usize>) -> Recv {
        match r {
            Ok(n) => Recv::Batch(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Recv::WouldBlock,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Recv::Batch(0),
            Err(e) => {
                self.out.push_back(Output::Error(Error::from_io(&e, "recvmsg", None, None)));
                Recv::Batch(0)
            }
        }
    }

    /// Takes a pending asynchronous error (`SO_ERROR`, e.g. an ICMP port-unreachable on a
    /// connected socket) and emits it as Node does: `recvmsg ECONNREFUSED`. Returns whether
    /// there was one.
    pub fn take_socket_error(&mut self) -> bool {
        let err = self.sock.as_ref().and_then(|h| match h.socket().take_error() {
            Ok(Some(e)) => Some(e),
            Ok(None) => None,
            Err(e) => Some(e),
        });
        match err {
            Some(e) => {
                self.out.push_back(Output::Error(Error::from_io(&e, "recvmsg", None, None)));
                true
            }
            None => false,
        }
    }

    /// The event-loop handle of the open socket, if it is watched.
    pub fn handle(&self) -> Option<&H> {
        match &self.sock {
            Some(Sock::Watched(h)) => Some(h),
            _ => None,
        }
    }

    /// Hands a socket bound outside the loop to the adapter's handle.
    fn watch(&mut self) {
        if let Some(Sock::Raw(_)) = &self.sock {
            if let Some(Sock::Raw(raw)) = self.sock.take() {
                match H::open(raw) {
                    Ok(h) => self.sock = Some(Sock::Watched(h)),
                    Err(e) => self.out.push_back(Output::Error(Error::from_io(&e, "uv_poll_start", None, None))),
                }
            }
        }
    }

    /// The membership calls. An unbound socket is bound at once to a random port on all
    /// interfaces (with `SO_REUSEADDR`, as libuv does), and `listening` follows.
    pub fn membership(
        &mut self,
        which: Membership,
        group: &str,
        source: Option<&str>,
        iface: Option<&str>,
    ) -> Result<(), Error> {
        let syscall = which.syscall();
        if self.closed {
            return Err(Error::not_running());
        }
        if matches!(which, Membership::Add | Membership::Drop) && group.is_empty() {
            return Err(Error::missing_args("multicastAddress"));
        }
        let einval = || Error::system(libc::EINVAL, syscall, None, None);
        let group = parse_ip(group).ok_or_else(einval)?.0;
        let source = match source {
            Some(src) => {
                let (ip, _) = parse_ip(src).ok_or_else(einval)?;
                if Family::of(&ip) != Family::of(&group) {
                    return Err(einval());
                }
                Some(ip)
            }
            None => None,
        };
        if self.bind_state == BindState::Unbound {
            let any = SocketAddr::new(self.family.any(), 0);
            let s = self.open_and_bind(any, true).map_err(|e| Error::from_io(&e, syscall, None, None))?;
            claim_fd(s.as_raw_fd());
            self.sock = Some(Sock::Raw(s));
            self.bind_state = BindState::Bound;
            self.out.push_back(Output::Listening);
            self.apply_buffer_sizes();
        }
        let Some(sock) = self.sock.as_ref().map(|s| s.socket()) else {
            return Err(Error::system(libc::EBADF, syscall, None, None));
        };
        let add = matches!(which, Membership::Add | Membership::AddSource);
        let r = match (group, source) {
            (IpAddr::V4(g), src) => {
                let ifaddr = match iface {
                    Some(i) => match i.parse::<std::net::Ipv4Addr>() {
                        Ok(a) => a,
                        Err(_) => return Err(einval()),
                    },
                    None => std::net::Ipv4Addr::UNSPECIFIED,
                };
                match (src, add) {
                    (None, true) => sock.join_multicast_v4(&g, &ifaddr),
                    (None, false) => sock.leave_multicast_v4(&g, &ifaddr),
                    (Some(IpAddr::V4(s)), true) => sock.join_ssm_v4(&s, &g, &ifaddr),
                    (Some(IpAddr::V4(s)), false) => sock.leave_ssm_v4(&s, &g, &ifaddr),
                    _ => return Err(einval()),
                }
            }
            (IpAddr::V6(g), src) => {
                let index = match iface {
                    Some(i) => parse_ip(i).ok_or_else(einval)?.1,
                    None => 0,
                };
                match (src, add) {
                    (None, true) => sock.join_multicast_v6(&g, index),
                    (None, false) => sock.leave_multicast_v6(&g, index),
                    (Some(IpAddr::V6(s)), join) => sys::source_group_v6(sock.as_raw_fd(), join, index, g, s),
                    _ => return Err(einval()),
                }
            }
        };
        r.map_err(|e| Error::from_io(&e, syscall, None, None))
    }

    /// `setMulticastInterface(address)`: for udp4 an interface address; for udp6 `::%scope`
    /// (an interface name or index). The family's any address gives the choice back to the
    /// system.
    pub fn set_multicast_interface(&self, iface: &str) -> Result<(), Error> {
        let syscall = "setMulticastInterface";
        let family = self.family;
        self.with_socket(syscall, |s| match (family, parse_ip(iface)) {
            (Family::IPv6, Some((IpAddr::V6(_), scope))) => s.set_multicast_if_v6(scope),
            (_, Some((IpAddr::V4(a), _))) => s.set_multicast_if_v4(&a),
            (Family::IPv4, Some((IpAddr::V6(_), scope))) => s.set_multicast_if_v6(scope),
            (_, None) => Err(std::io::Error::from_raw_os_error(libc::EINVAL)),
        })
    }

    /// `setTTL` (`multicast` false, 1 to 255) and `setMulticastTTL` (0 to 255). libuv checks
    /// the range before the descriptor, so an unbound socket answers `EINVAL` for a bad value.
    pub fn set_hops(&self, multicast: bool, ttl: i64) -> Result<i64, Error> {
        let (syscall, min) = if multicast { ("setMulticastTTL", 0) } else { ("setTTL", 1) };
        if self.closed {
            return Err(Error::not_running());
        }
        let Some(t) = u32::try_from(ttl).ok().filter(|t| (min..=255).contains(t)) else {
            return Err(Error::system(libc::EINVAL, syscall, None, None));
        };
        self.with_socket(syscall, |s| {
            match (multicast, sys::domain(s)? == Domain::IPV6) {
                (false, false) => s.set_ttl(t)?,
                (false, true) => s.set_unicast_hops_v6(t)?,
                (true, false) => s.set_multicast_ttl_v4(t)?,
                (true, true) => s.set_multicast_hops_v6(t)?,
            }
            Ok(ttl)
        })
    }

    /// `setMulticastLoopback(flag)`: returns the flag.
    pub fn set_multicast_loopback(&self, on: bool) -> Result<bool, Error> {
        self.with_socket("setMulticastLoopback", |s| {
            if sys::domain(s)? == Domain::IPV6 {
                s.set_multicast_loop_v6(on)?;
            } else {
                s.set_multicast_loop_v4(on)?;
            }
            Ok(on)
        })
    }

    /// `get/setRecvBufferSize`, `get/setSendBufferSize`: `ERR_SOCKET_BUFFER_SIZE` while
    /// unbound or for a size the system refuses; a size of 0 reads, as libuv has it.
    pub fn buffer_size(&self, recv: bool, set: Option<usize>) -> Result<usize, Error> {
        let which = if recv { "recv" } else { "send" };
        if self.closed {
            return Err(Error::not_running());
        }
        if self.bind_state != BindState::Bound {
            return Err(Error::buffer_size(libc::EBADF, which));
        }
        if set.is_some_and(|n| n > i32::MAX as usize) {
            return Err(Error::buffer_size(libc::EINVAL, which));
        }
        self.with_socket(which, |s| match (recv, set.filter(|n| *n > 0)) {
            (true, Some(n)) => s.set_recv_buffer_size(n).map(|_| n),
            (false, Some(n)) => s.set_send_buffer_size(n).map(|_| n),
            (true, None) => s.recv_buffer_size(),
            (false, None) => s.send_buffer_size(),
        })
        .map_err(|e| Error::buffer_size(e.errno().map(|n| -n).unwrap_or(libc::EINVAL), which))
    }

    /// Gets or sets a socket option that needs a bound socket: Node's `EBADF` while unbound
    /// and `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn with_socket<R>(&self, syscall: &str, f: impl FnOnce(&RawSocket) -> std::io::Result<R>) -> Result<R, Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        match (&self.sock, self.bind_state) {
            (Some(s), BindState::Bound) => f(s.socket()).map_err(|e| Error::from_io(&e, syscall, None, None)),
            _ => Err(Error::system(libc::EBADF, syscall, None, None)),
        }
    }
}

/// Descriptors owned by open sockets of this process, so that adopting one twice is refused
/// (libuv's `uv__fd_exists`).
static OWNED_FDS: parking_lot::Mutex<Vec<RawFd>> = parking_lot::Mutex::new(Vec::new());

/// Marks a descriptor as owned by an open socket; false when it already was.
fn claim_fd(fd: RawFd) -> bool {
    let mut fds = OWNED_FDS.lock();
    if fds.contains(&fd) {
        return false;
    }
    fds.push(fd);
    true
}

fn release_fd(fd: RawFd) {
    OWNED_FDS.lock().retain(|f| *f != fd);
}

/// Node's `guessHandleType` for a descriptor that is not a UDP socket.
fn handle_type(fd: &std::os::fd::OwnedFd) -> &'static str {
    let sock = socket2::SockRef::from(fd);
    match (sock.r#type(), sys::domain(&sock)) {
        (Ok(Type::DGRAM), Ok(Domain::IPV4 | Domain::IPV6)) => "UDP",
        (Ok(Type::STREAM), Ok(Domain::UNIX)) => "PIPE",
        (Ok(Type::STREAM), Ok(_)) => "TCP",
        (Ok(_), _) => "UNKNOWN",
        (Err(_), _) => {
            let file = std::fs::File::from(match fd.try_clone() {
                Ok(f) => f,
                Err(_) => return "UNKNOWN",
            });
            match file.metadata().map(|m| m.file_type()) {
                Ok(t) if std::os::unix::fs::FileTypeExt::is_fifo(&t) => "PIPE",
                Ok(t) if std::os::unix::fs::FileTypeExt::is_char_device(&t) => "TTY",
                Ok(t) if t.is_file() => "FILE",
                _ => "UNKNOWN",
            }
        }
    }
}

/// `bind({ fd })`: takes a UDP socket's descriptor, refusing other kinds and descriptors that
/// another open socket owns (that one is not closed: it belongs to the other socket).
fn adopt(fd: std::os::fd::OwnedFd) -> Result<RawSocket, Error> {
    use std::os::fd::IntoRawFd;
    let kind = handle_type(&fd);
    if kind != "UDP" {
        // Not ours to close: Node leaves a refused descriptor open.
        let _ = fd.into_raw_fd();
        return Err(Error::invalid_fd_type(kind));
    }
    if !claim_fd(fd.as_raw_fd()) {
        // Someone else's descriptor under our name: never close it.
        let _ = fd.into_raw_fd();
        return Err(Error::system(libc::EEXIST, "open", None, None));
    }
    let sock = RawSocket::from(fd);
    if let Err(e) = sock.set_nonblocking(true) {
        release_fd(sock.as_raw_fd());
        return Err(Error::from_io(&e, "open", None, None));
    }
    Ok(sock)
}

/// Node's `ExceptionWithHostPort(err, 'send', address, port)`: the address as the caller gave
/// it (JavaScript prints an omitted one as `undefined`).
fn send_error(errno: i32, host: &Option<String>, port: u16) -> Error {
    let e = Error::system(errno, "send", host.clone(), Some(port));
    if host.is_none() && port > 0 {
        let m = format!("{} undefined:{port}", e.message());
        return e.with_message(m);
    }
    e
}

trait WithScope {
    fn with_scope_of(self, from: SocketAddr) -> Self;
}
impl WithScope for SocketAddr {
    fn with_scope_of(mut self, from: SocketAddr) -> SocketAddr {
        if let (SocketAddr::V6(to), SocketAddr::V6(f)) = (&mut self, from) {
            to.set_scope_id(f.scope_id());
        }
        self
    }
}

impl Target {
    fn with_scope(self, from: SocketAddr) -> Target {
        match self {
            Target::Ready(a) => Target::Ready(a.with_scope_of(from)),
            t => t,
        }
    }
}

/// Holds the loop alive while a bound, referenced socket stays open.
pub fn wants_hold<H: IoHandle>(core: &Core<H>, referenced: bool) -> bool {
    referenced && !core.closed && core.bind_state == BindState::Bound
}
