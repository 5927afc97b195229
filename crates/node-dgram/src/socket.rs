//! The tokio adapter and the public `Socket`: it drives the core on a tokio runtime (readiness
//! through `AsyncFd`, lookups on tasks) and delivers its events to listeners, one socket's
//! callbacks never concurrently and always in order.

use std::collections::{HashMap, VecDeque};
use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::task::Poll;

use parking_lot::{Mutex, ReentrantMutex};
use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::engine::{wants_hold, BindState, Core, Membership, OpId, Output};
use crate::error::Error;
use crate::listeners::{Event, Handler, ListenerId, Listeners};
use crate::lookup::{Resolver, SystemResolver};
use crate::op::{op_pair, Completer, Op};
use crate::recv::{Batch, Receiver, PER_WAKE};
use crate::runtime::{fallback_handle, Hold, Loop};
use crate::sys::TokioFd;
use crate::types::{AddressInfo, BindArgs, Family, IntoPort, IntoSocketOptions, Message, RemoteInfo, SocketType};

struct Guarded {
    core: Core<TokioFd>,
    /// Keeps the loop alive while the socket is bound, referenced and open.
    hold: Option<Hold>,
    lookups: Vec<AbortHandle>,
    /// The operations started and not ended yet, by the id the engine hands back.
    ops: HashMap<OpId, Pending>,
    next_op: OpId,
}

/// The completing side of an operation of either result type.
enum Pending {
    Unit(Completer<()>),
    Bytes(Completer<usize>),
}

impl Pending {
    /// Completes it; returns the error nobody took.
    fn complete(self, r: Result<usize, Error>) -> Option<Error> {
        match self {
            Pending::Unit(c) => c.complete(r.map(|_| ())),
            Pending::Bytes(c) => c.complete(r),
        }
    }
}

impl From<Completer<()>> for Pending {
    fn from(c: Completer<()>) -> Pending {
        Pending::Unit(c)
    }
}

impl From<Completer<usize>> for Pending {
    fn from(c: Completer<usize>) -> Pending {
        Pending::Bytes(c)
    }
}

struct Shared {
    g: Mutex<Guarded>,
    listeners: Mutex<Listeners>,
    /// Held while events are delivered; `close()` takes it so that no `message` is delivered
    /// after `close()` returns (re-entrant: listeners may call `close()`).
    delivery: ReentrantMutex<()>,
    closed: AtomicBool,
    referenced: AtomicBool,
    handles: AtomicUsize,
    wake: Notify,
    lp: Loop,
    resolver: Arc<dyn Resolver>,
    rt: Handle,
    family: Family,
    /// The `signal` option: once cancelled, the socket behaves as closed at once, as Node's
    /// abort listener closes it synchronously.
    signal: Option<CancellationToken>,
    /// Cancelled on close, to end the task watching `signal`.
    closed_token: CancellationToken,
    /// `receiveBlockList`, checked before any listener sees a datagram.
    receive_block: Option<crate::BlockList>,
}

/// A UDP socket with Node's `dgram.Socket` behaviour. Create one with [`create_socket`].
///
/// Cloning gives another handle to the same socket (listeners usually capture one). A bound
/// socket keeps receiving after every handle is dropped, as a Node socket does, until
/// [`close`](Socket::close)d.
pub struct Socket {
    sh: Arc<Shared>,
}

impl Clone for Socket {
    fn clone(&self) -> Socket {
        self.sh.handles.fetch_add(1, Ordering::AcqRel);
        Socket { sh: self.sh.clone() }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        if self.sh.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.sh.wake.notify_one();
        }
    }
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let g = self.sh.g.lock();
        f.debug_struct("Socket")
            .field("family", &self.sh.family)
            .field("bind_state", &g.core.bind_state())
            .field("closed", &g.core.is_closed())
            .finish()
    }
}

/// `dgram.createSocket(type)` / `dgram.createSocket(options)`.
///
/// Accepts a [`SocketType`], `"udp4"`/`"udp6"`, or [`SocketOptions`](crate::SocketOptions). An unknown type gives
/// `ERR_SOCKET_BAD_TYPE`. The socket runs on the current tokio runtime (or on a small
/// background one when there is none) and belongs to the current [`run`](crate::run) /
/// [`scope`](crate::scope) loop.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use node_dgram::{create_socket, SocketOptions, SocketType};
/// let a = create_socket("udp4").unwrap();
/// let b = create_socket(SocketOptions::new(SocketType::Udp6).reuse_addr(true)).unwrap();
/// assert_eq!(create_socket("udp5").unwrap_err().code(), "ERR_SOCKET_BAD_TYPE");
/// a.close().unwrap();
/// b.close().unwrap();
/// # }
/// ```
pub fn create_socket(opts: impl IntoSocketOptions) -> Result<Socket, Error> {
    let opts = opts.into_socket_options()?;
    opts.validate()?;
    let rt = match Handle::try_current() {
        Ok(h) => h,
        Err(_) => fallback_handle().map_err(|e| Error::from_io(&e, "uv_loop_init", None, None))?,
    };
    let resolver = opts.lookup.clone().unwrap_or_else(|| Arc::new(SystemResolver));
    let signal = opts.signal.clone();
    let family = opts.ty.family();
    let receive_block = opts.receive_block_list.clone();
    let lp = Loop::current();
    let sh = Arc::new(Shared {
        g: Mutex::new(Guarded {
            core: Core::new(opts),
            hold: None,
            lookups: Vec::new(),
            ops: HashMap::new(),
            next_op: 1,
        }),
        listeners: Mutex::new(Listeners::default()),
        delivery: ReentrantMutex::new(()),
        closed: AtomicBool::new(false),
        referenced: AtomicBool::new(true),
        handles: AtomicUsize::new(1),
        wake: Notify::new(),
        lp: lp.clone(),
        resolver,
        rt: rt.clone(),
        family,
        signal: signal.clone(),
        closed_token: CancellationToken::new(),
        receive_block,
    });
    rt.spawn(lp.clone().enter(drive(sh.clone())));
    if let Some(token) = signal {
        let weak: Weak<Shared> = Arc::downgrade(&sh);
        let closed = sh.closed_token.clone();
        rt.spawn(async move {
            tokio::select! {
                _ = token.cancelled() => {
                    if let Some(sh) = weak.upgrade() {
                        sh.handles.fetch_add(1, Ordering::AcqRel);
                        Socket { sh }.check_signal();
                    }
                }
                _ = closed.cancelled() => {}
            }
        });
    }
    let socket = Socket { sh };
    // A signal already cancelled closes the socket at once, as in Node.
    socket.check_signal();
    Ok(socket)
}

/// `dgram.createSocket(type, onMessage)`: a socket with a `message` listener already added.
pub fn create_socket_with_listener(
    opts: impl IntoSocketOptions,
    on_message: impl FnMut(&[u8], &RemoteInfo) + Send + 'static,
) -> Result<Socket, Error> {
    let s = create_socket(opts)?;
    s.on_message(on_message);
    Ok(s)
}

enum Wake {
    Notified,
    Batch(Batch),
}

async fn drive(sh: Arc<Shared>) {
    let mut receiver = Receiver::new();
    let mut since_yield = 0;
    loop {
        let outs = sh.step();
        sh.deliver(outs);
        if sh.closed.load(Ordering::Acquire) {
            // `close()` may have run on another thread after the step above: deliver what it
            // queued (the ends of pending operations, then `close`). Nothing can follow.
            let rest = sh.g.lock().core.take_output();
            sh.deliver(rest);
            sh.listeners.lock().remove_all(None);
            return;
        }
        if sh.handles.load(Ordering::Acquire) == 0 {
            let g = sh.g.lock();
            if g.core.bind_state() == BindState::Unbound && !g.core.has_pending() {
                // Unbound and unreachable: nothing can ever happen to it.
                return;
            }
        }
        let notified = sh.wake.notified();
        tokio::pin!(notified);
        let wake = poll_fn(|cx| {
            if notified.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Wake::Notified);
            }
            let mut g = sh.g.lock();
            let g = &mut *g;
            if g.core.wants_write() {
                let writable = match g.core.handle().map(|h| h.poll_write_ready(cx)) {
                    Some(Poll::Ready(Ok(mut rg))) => {
                        // Cleared before trying: a later EAGAIN waits for the next edge.
                        rg.clear_ready();
                        true
                    }
                    _ => false,
                };
                if writable {
                    g.core.flush();
                    return Poll::Ready(Wake::Notified);
                }
            }
            if !g.core.wants_write() {
                // An ICMP error shows as EPOLLERR without EPOLLIN; tokio reports it with write
                // readiness. Take it as libuv does: through the receive path's error.
                let mut errored = false;
                // Poll until Pending so that the waker is registered for the next edge.
                while let Some(Poll::Ready(Ok(mut rg))) = g.core.handle().map(|h| h.poll_write_ready(cx)) {
                    let r = rg.ready();
                    rg.clear_ready();
                    errored |= r.is_error() || r.is_write_closed();
                }
                if errored && g.core.take_socket_error() {
                    return Poll::Ready(Wake::Notified);
                }
            }
            let Some(fd) = g.core.fd() else { return Poll::Pending };
            loop {
                let read = match g.core.handle().map(|h| h.poll_read_ready(cx)) {
                    Some(Poll::Ready(Ok(mut rg))) => {
                        let read = receiver.read(fd);
                        // Nothing waiting, or a short batch: the queue is drained, so forget the
                        // readiness now rather than spend a syscall to hear EAGAIN (tokio keeps
                        // any edge that arrived meanwhile).
                        if read.drained() {
                            rg.clear_ready();
                        }
                        read
                    }
                    _ => return Poll::Pending,
                };
                if let Some(batch) = read.into_batch(&mut g.core) {
                    return Poll::Ready(Wake::Batch(batch));
                }
            }
        })
        .await;
        if let Wake::Batch(batch) = wake {
            since_yield += sh.deliver_batch(&batch);
            let full = batch.is_full();
            // (The arena goes back to this thread before anything else can run on it.)
            drop(batch);
            // Under a sustained flood, let other tasks run now and then.
            if !full {
                since_yield = 0;
            } else if since_yield >= PER_WAKE {
                since_yield = 0;
                tokio::task::yield_now().await;
            }
        }
    }
}

impl Shared {
    /// Lets the core progress, keeps registration and the loop's hold in step with it, and
    /// takes what it produced.
    fn step(self: &Arc<Self>) -> VecDeque<Output> {
        let mut g = self.g.lock();
        g.core.advance();
        self.sync(&mut g);
        g.core.take_output()
    }

    fn sync(&self, g: &mut Guarded) {
        let want = wants_hold(&g.core, self.referenced.load(Ordering::Acquire));
        if want != g.hold.is_some() {
            g.hold = want.then(|| self.lp.hold());
        }
    }

    fn deliver(self: &Arc<Self>, outs: VecDeque<Output>) {
        if outs.is_empty() {
            return;
        }
        let _d = self.delivery.lock();
        for o in outs {
            match o {
                Output::Listening => self.emit_unit(Event::Listening),
                Output::Connect => self.emit_unit(Event::Connect),
                Output::Close => self.emit_unit(Event::Close),
                Output::Error(e) => self.emit_error(&e),
                Output::Done { id, result, reported } => {
                    let pending = self.g.lock().ops.remove(&id);
                    let Some(p) = pending else { continue };
                    if let Some(Some(e)) = guarded("an operation callback", || p.complete(result)) {
                        if !reported {
                            self.emit_error(&e);
                        }
                    }
                }
                Output::Lookup { id, host } => self.start_lookup(id, host),
            }
        }
    }

    fn start_lookup(self: &Arc<Self>, id: u64, host: String) {
        let fut = self.resolver.lookup(host, self.family);
        let weak = Arc::downgrade(self);
        let task = self.rt.spawn(async move {
            let r = fut.await;
            if let Some(sh) = weak.upgrade() {
                sh.g.lock().core.resolved(id, r);
                sh.wake.notify_one();
            }
        });
        let mut g = self.g.lock();
        g.lookups.retain(|h| !h.is_finished());
        g.lookups.push(task.abort_handle());
    }

    fn emit_unit(&self, ev: Event) {
        let list = self.listeners.lock().for_emit(ev);
        for e in list.iter() {
            if let Handler::Unit(f) = e.handler() {
                if let Some(mut f) = f.try_lock() {
                    guarded("a listener", &mut *f);
                }
            }
        }
    }

    fn emit_error(&self, err: &Error) {
        let list = self.listeners.lock().for_emit(Event::Error);
        if list.is_empty() {
            // Node throws an unhandled 'error' event; a Rust library must not abort the
            // program, so it reports it on stderr instead.
            eprintln!("node-dgram: unhandled 'error' event: {err}");
            return;
        }
        for e in list.iter() {
            if let Handler::Error(f) = e.handler() {
                if let Some(mut f) = f.try_lock() {
                    guarded("an 'error' listener", || f(err));
                }
            }
        }
    }

    /// Delivers a batch; returns how many datagrams it delivered.
    fn deliver_batch(&self, batch: &Batch) -> usize {
        let _d = self.delivery.lock();
        batch.deliver(self.receive_block.as_ref(), |bytes, from| self.emit_message(bytes, from))
    }

    /// Emits one `message`; false once the socket is closed (nothing more is delivered).
    fn emit_message(&self, bytes: &[u8], from: std::net::SocketAddr) -> bool {
        if self.closed.load(Ordering::Acquire) || self.signal.as_ref().is_some_and(|t| t.is_cancelled()) {
            return false;
        }
        let rinfo = RemoteInfo {
            address: from.ip(),
            family: Family::of(&from.ip()),
            port: from.port(),
            size: bytes.len(),
            scope_id: match from {
                std::net::SocketAddr::V6(v6) if v6.ip().is_unicast_link_local() => v6.scope_id(),
                _ => 0,
            },
        };
        let list = self.listeners.lock().for_emit(Event::Message);
        for e in list.iter() {
            if let Handler::Message(f) = e.handler() {
                if let Some(mut f) = f.try_lock() {
                    guarded("a 'message' listener", || f(bytes, &rinfo));
                }
            }
        }
        true
    }
}

/// Runs user code so that a panic in it cannot take the socket's event loop down with it: the
/// panic is reported on stderr (Node would report the exception and exit) and the socket goes
/// on in a consistent state, since no lock of the socket is held while user code runs.
fn guarded<R>(what: &str, f: impl FnOnce() -> R) -> Option<R> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic)".into());
            eprintln!("node-dgram: {what} panicked: {msg}");
            None
        }
    }
}

macro_rules! listener_methods {
    ($($(#[$doc:meta])* $on:ident, $once:ident, $ev:expr, $variant:ident, ($($arg:ty),*);)*) => {$(
        $(#[$doc])*
        pub fn $on(&self, f: impl FnMut($($arg),*) + Send + 'static) -> ListenerId {
            self.sh.listeners.lock().add($ev, false, Handler::$variant(Arc::new(Mutex::new(f))))
        }
        $(#[$doc])*
        ///
        /// Called at most once, then removed.
        pub fn $once(&self, f: impl FnMut($($arg),*) + Send + 'static) -> ListenerId {
            self.sh.listeners.lock().add($ev, true, Handler::$variant(Arc::new(Mutex::new(f))))
        }
    )*};
}

impl Socket {
    listener_methods! {
        /// Adds a `'message'` listener: the datagram's bytes (borrowed, valid during the call)
        /// and `rinfo`.
        on_message, once_message, Event::Message, Message, (&[u8], &RemoteInfo);
        /// Adds a `'listening'` listener: the socket is bound and receiving.
        on_listening, once_listening, Event::Listening, Unit, ();
        /// Adds a `'connect'` listener: `connect()` succeeded.
        on_connect, once_connect, Event::Connect, Unit, ();
        /// Adds an `'error'` listener.
        on_error, once_error, Event::Error, Error, (&Error);
        /// Adds a `'close'` listener: the socket is closed; no event follows.
        on_close, once_close, Event::Close, Unit, ();
    }

    /// Removes a listener (`emitter.off`). Returns whether it was still there.
    pub fn off(&self, id: ListenerId) -> bool {
        self.sh.listeners.lock().remove(id)
    }

    /// Removes every listener of `event`, or of all events (`removeAllListeners`).
    pub fn remove_all_listeners(&self, event: Option<Event>) {
        self.sh.listeners.lock().remove_all(event);
    }

    /// How many listeners `event` has.
    pub fn listener_count(&self, event: Event) -> usize {
        self.sh.listeners.lock().count(event)
    }

    /// The socket's type.
    pub fn socket_type(&self) -> SocketType {
        match self.sh.family {
            Family::IPv4 => SocketType::Udp4,
            Family::IPv6 => SocketType::Udp6,
        }
    }

    /// Closes the socket if its `signal` was cancelled (Node closes it inside `abort()`; a
    /// token has no synchronous hook, so every method checks it first).
    fn check_signal(&self) {
        if let Some(t) = &self.sh.signal {
            if t.is_cancelled() && !self.sh.closed.load(Ordering::Acquire) {
                let _ = self.close_now();
            }
        }
    }

    /// Starts an operation: registers its completer under a new id, which `f` hands to the
    /// engine. If `f` fails at once, nothing stays registered.
    fn start<T>(
        &self,
        g: &mut Guarded,
        f: impl FnOnce(&mut Core<TokioFd>, OpId) -> Result<(), Error>,
    ) -> Result<Op<T>, Error>
    where
        Completer<T>: Into<Pending>,
    {
        let (op, c) = op_pair(Some(self.sh.lp.hold()));
        let id = g.next_op;
        g.next_op += 1;
        g.ops.insert(id, c.into());
        match f(&mut g.core, id) {
            Ok(()) => Ok(op),
            Err(e) => {
                g.ops.remove(&id);
                Err(e)
            }
        }
    }

    fn after(&self) {
        self.sh.wake.notify_one();
    }

    /// `socket.bind([port][, address][, callback])` and `socket.bind(options[, callback])`.
    ///
    /// Accepts `()`, a port, `(port, address)` or [`BindOptions`](crate::BindOptions). Port 0
    /// picks a free port; no address means all interfaces; a host name is resolved with the
    /// socket's family. The `listening` event fires when bound; a failure emits `error` (with
    /// Node's message, e.g. `bind EADDRINUSE 0.0.0.0:41234`) and also resolves the returned
    /// [`Op`] with it.
    ///
    /// Synchronous errors: `ERR_SOCKET_DGRAM_NOT_RUNNING` when closed,
    /// `ERR_SOCKET_ALREADY_BOUND` when bound or binding, `ERR_SOCKET_BAD_PORT` for a bad port.
    pub fn bind(&self, args: impl BindArgs) -> Result<Op<()>, Error> {
        self.check_signal();
        let o = args.into_bind_options()?;
        let op = self.start(&mut self.sh.g.lock(), |core, id| core.bind(o, Some(id)))?;
        self.after();
        Ok(op)
    }

    /// `socket.connect(port[, address][, callback])`. An empty address means `127.0.0.1` or
    /// `::1`. Binds implicitly when unbound. Sends made while connecting go out after the
    /// `connect` event.
    ///
    /// Errors: `ERR_SOCKET_BAD_PORT` (port 0 included), `ERR_SOCKET_DGRAM_IS_CONNECTED`,
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING`; a failed lookup or `connect(2)` goes to the returned
    /// [`Op`], or to `error` when it is dropped.
    pub fn connect(&self, port: impl IntoPort, address: &str) -> Result<Op<()>, Error> {
        self.check_signal();
        let port = port.into_port(false)?;
        let op = self.start(&mut self.sh.g.lock(), |core, id| core.connect(port, address, Some(id)))?;
        self.after();
        Ok(op)
    }

    /// `socket.disconnect()`: synchronous; `ERR_SOCKET_DGRAM_NOT_CONNECTED` when not connected.
    pub fn disconnect(&self) -> Result<(), Error> {
        self.check_signal();
        self.sh.g.lock().core.disconnect()
    }

    /// `socket.send(msg[, callback])` on a connected socket (or one connecting: the datagram
    /// goes out once connected). On an unconnected socket Node's error: `ERR_SOCKET_BAD_PORT`.
    ///
    /// The [`Op`] yields the bytes sent, or the error (`send EMSGSIZE`, ...); when it is
    /// dropped, errors go to `error`.
    pub fn send(&self, msg: impl Into<Message>) -> Result<Op<usize>, Error> {
        self.check_signal();
        let op = self.start(&mut self.sh.g.lock(), |core, id| core.send_connected(msg.into(), Some(id)))?;
        self.after();
        Ok(op)
    }

    /// `socket.send(msg, port[, address][, callback])` on an unconnected socket. An empty
    /// address means `127.0.0.1` / `::1`; host names are resolved for each send. An unbound
    /// socket binds implicitly; sends made before the bind (or their lookup) completes are
    /// queued and go out in order.
    ///
    /// Errors: `ERR_SOCKET_BAD_PORT` (0 included), `ERR_SOCKET_DGRAM_IS_CONNECTED` on a
    /// connected socket, `ERR_SOCKET_DGRAM_NOT_RUNNING` when closed; asynchronous ones
    /// (`send EMSGSIZE 127.0.0.1:12345`, lookup errors) through the [`Op`] or `error`.
    ///
    /// For `send(msg, offset, length, ...)`, slice with [`Message::range`].
    pub fn send_to(&self, msg: impl Into<Message>, port: impl IntoPort, address: &str) -> Result<Op<usize>, Error> {
        self.check_signal();
        let mut g = self.sh.g.lock();
        if g.core.is_connected() {
            // Node refuses the address before looking at the port.
            return Err(Error::is_connected());
        }
        let port = port.into_port(false)?;
        let op = self.start(&mut g, |core, id| core.send_to(msg.into(), port, address, Some(id)))?;
        drop(g);
        self.after();
        Ok(op)
    }

    /// `socket.close([callback])`: closes the descriptor now (the port is free when this
    /// returns), ends pending operations (queued sends with `ECANCELED`), and emits `close`
    /// last. No `message` is delivered after this returns. A second call gives
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING`. The [`Op`] completes after the `close` listeners ran.
    pub fn close(&self) -> Result<Op<()>, Error> {
        self.check_signal();
        self.close_now()
    }

    fn close_now(&self) -> Result<Op<()>, Error> {
        let _d = self.sh.delivery.lock();
        let mut g = self.sh.g.lock();
        // Dropping the handle stops polling the descriptor, then closes it.
        let op = self.start(&mut g, |core, id| {
            drop(core.close()?);
            core.push_done(id);
            Ok(())
        })?;
        g.hold = None;
        for l in g.lookups.drain(..) {
            l.abort();
        }
        self.sh.closed.store(true, Ordering::Release);
        self.sh.closed_token.cancel();
        drop(g);
        self.after();
        Ok(op)
    }

    /// `socket[Symbol.asyncDispose]()`: closes (if still open) and waits for `close`.
    pub async fn async_dispose(&self) -> Result<(), Error> {
        match self.close() {
            Ok(op) => op.await,
            Err(_) => Ok(()),
        }
    }

    /// `socket.address()`: `EBADF` (`getsockname EBADF`) until bound,
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn address(&self) -> Result<AddressInfo, Error> {
        self.check_signal();
        self.sh.g.lock().core.address()
    }

    /// `socket.remoteAddress()`: `ERR_SOCKET_DGRAM_NOT_CONNECTED` unless connected.
    pub fn remote_address(&self) -> Result<AddressInfo, Error> {
        self.check_signal();
        self.sh.g.lock().core.remote_address()
    }

    /// `socket.ref()`: a bound socket keeps its loop ([`run`](crate::run)) alive again.
    pub fn ref_(&self) -> &Socket {
        self.check_signal();
        self.set_ref(true)
    }

    /// `socket.unref()`: the loop may end while this socket stays open.
    pub fn unref(&self) -> &Socket {
        self.check_signal();
        self.set_ref(false)
    }

    fn set_ref(&self, on: bool) -> &Socket {
        self.sh.referenced.store(on, Ordering::Release);
        let mut g = self.sh.g.lock();
        self.sh.sync(&mut g);
        self
    }

    /// `socket.getSendQueueSize()`: bytes of sends not yet handed to the kernel (queued behind
    /// a bind, a lookup, a connection, or a full send buffer).
    pub fn get_send_queue_size(&self) -> usize {
        self.check_signal();
        self.sh.g.lock().core.send_queue_size()
    }

    /// `socket.getSendQueueCount()`: how many sends are not yet handed to the kernel.
    pub fn get_send_queue_count(&self) -> usize {
        self.check_signal();
        self.sh.g.lock().core.send_queue_count()
    }

    /// `socket.setBroadcast(flag)`.
    pub fn set_broadcast(&self, on: bool) -> Result<(), Error> {
        self.check_signal();
        self.sh.g.lock().core.with_socket("setBroadcast", |s| s.set_broadcast(on))
    }

    /// `socket.setTTL(ttl)`: 1 to 255; returns the value set. `setTTL EINVAL` outside.
    pub fn set_ttl(&self, ttl: i64) -> Result<i64, Error> {
        self.check_signal();
        self.sh.g.lock().core.set_hops(false, ttl)
    }

    /// `socket.setMulticastTTL(ttl)`: 0 to 255; returns the value set.
    pub fn set_multicast_ttl(&self, ttl: i64) -> Result<i64, Error> {
        self.check_signal();
        self.sh.g.lock().core.set_hops(true, ttl)
    }

    /// `socket.setMulticastLoopback(flag)`: returns the flag.
    pub fn set_multicast_loopback(&self, on: bool) -> Result<bool, Error> {
        self.check_signal();
        self.sh.g.lock().core.set_multicast_loopback(on)
    }

    fn buffer_size(&self, recv: bool, set: Option<usize>) -> Result<usize, Error> {
        self.check_signal();
        self.sh.g.lock().core.buffer_size(recv, set)
    }

    /// `socket.getRecvBufferSize()`: `SO_RCVBUF` (Linux reports twice the value set).
    /// `ERR_SOCKET_BUFFER_SIZE` while unbound.
    pub fn get_recv_buffer_size(&self) -> Result<usize, Error> {
        self.buffer_size(true, None)
    }
    /// `socket.getSendBufferSize()`: `SO_SNDBUF`. `ERR_SOCKET_BUFFER_SIZE` while unbound.
    pub fn get_send_buffer_size(&self) -> Result<usize, Error> {
        self.buffer_size(false, None)
    }
    /// `socket.setRecvBufferSize(size)`. `ERR_SOCKET_BUFFER_SIZE` while unbound.
    pub fn set_recv_buffer_size(&self, size: u32) -> Result<(), Error> {
        self.buffer_size(true, Some(size as usize)).map(|_| ())
    }
    /// `socket.setSendBufferSize(size)`. `ERR_SOCKET_BUFFER_SIZE` while unbound.
    pub fn set_send_buffer_size(&self, size: u32) -> Result<(), Error> {
        self.buffer_size(false, Some(size as usize)).map(|_| ())
    }

    fn membership(
        &self,
        which: Membership,
        group: &str,
        source: Option<&str>,
        iface: Option<&str>,
    ) -> Result<(), Error> {
        let r = self.sh.g.lock().core.membership(which, group, source, iface);
        // A membership call may have bound the socket: let the loop watch it.
        self.after();
        r
    }

    /// `socket.addMembership(multicastAddress[, multicastInterface])`: joins a group
    /// (`IP_ADD_MEMBERSHIP` / `IPV6_ADD_MEMBERSHIP`) on the interface given by its address (IPv4)
    /// or scope (IPv6, `::%eth1`), or one the system picks. An unbound socket is bound to a
    /// random port on all interfaces first. Errors as Node's: `ERR_MISSING_ARGS` for an empty
    /// group, `addMembership EINVAL` for an unparsable or non-multicast one.
    pub fn add_membership(&self, group: &str, interface: Option<&str>) -> Result<(), Error> {
        self.membership(Membership::Add, group, None, interface)
    }

    /// `socket.dropMembership(multicastAddress[, multicastInterface])`: leaves a group;
    /// `dropMembership EADDRNOTAVAIL` when it was never joined.
    pub fn drop_membership(&self, group: &str, interface: Option<&str>) -> Result<(), Error> {
        self.membership(Membership::Drop, group, None, interface)
    }

    /// `socket.addSourceSpecificMembership(sourceAddress, groupAddress[, multicastInterface])`:
    /// joins a source-specific channel (IPv4 `IP_ADD_SOURCE_MEMBERSHIP`, IPv6
    /// `MCAST_JOIN_SOURCE_GROUP`); only datagrams from `source` are admitted.
    pub fn add_source_specific_membership(
        &self,
        source: &str,
        group: &str,
        interface: Option<&str>,
    ) -> Result<(), Error> {
        self.membership(Membership::AddSource, group, Some(source), interface)
    }

    /// `socket.dropSourceSpecificMembership(sourceAddress, groupAddress[, multicastInterface])`.
    pub fn drop_source_specific_membership(
        &self,
        source: &str,
        group: &str,
        interface: Option<&str>,
    ) -> Result<(), Error> {
        self.membership(Membership::DropSource, group, Some(source), interface)
    }

    /// `socket.setMulticastInterface(multicastInterface)`: the outgoing interface of multicast
    /// datagrams: an interface address for udp4 (`setMulticastInterface EADDRNOTAVAIL` when no
    /// interface has it), `::%eth1` or `::%2` for udp6; the family's any address gives the
    /// choice back to the system. `setMulticastInterface EINVAL` for an unparsable address,
    /// `EBADF` while unbound.
    pub fn set_multicast_interface(&self, interface: &str) -> Result<(), Error> {
        self.check_signal();
        self.sh.g.lock().core.set_multicast_interface(interface)
    }

    /// The async form of the `message` event: a receiver of owned datagrams (each copied once,
    /// its own bytes only). It holds at most `capacity` datagrams not yet taken; beyond that,
    /// new ones are dropped, as the kernel drops them when a socket's buffer is full. It ends
    /// (`None`) once the socket is closed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use node_dgram::create_socket;
    /// let server = create_socket("udp4").unwrap();
    /// let mut messages = server.messages(1024);
    /// server.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// let client = create_socket("udp4").unwrap();
    /// client.send_to("hello", server.address().unwrap().port, "127.0.0.1").unwrap().await.unwrap();
    /// let (msg, rinfo) = messages.recv().await.unwrap();
    /// assert_eq!(&msg[..], b"hello");
    /// assert_eq!(rinfo.size, 5);
    /// server.close().unwrap();
    /// assert!(messages.recv().await.is_none());
    /// client.close().unwrap();
    /// # }
    /// ```
    pub fn messages(&self, capacity: usize) -> Messages {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
        let id = self.on_message(move |msg, rinfo| {
            let _ = tx.try_send((bytes::Bytes::copy_from_slice(msg), rinfo.clone()));
        });
        if self.sh.closed.load(Ordering::Acquire) {
            // Closed already: nothing will ever arrive.
            self.off(id);
        }
        Messages { rx }
    }
}

/// Datagrams received by a socket, as owned values; see [`Socket::messages`].
#[derive(Debug)]
pub struct Messages {
    rx: tokio::sync::mpsc::Receiver<(bytes::Bytes, RemoteInfo)>,
}

impl Messages {
    /// The next datagram and its sender, or `None` once the socket is closed and everything
    /// received before has been taken.
    pub async fn recv(&mut self) -> Option<(bytes::Bytes, RemoteInfo)> {
        self.rx.recv().await
    }
    /// The next datagram if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<(bytes::Bytes, RemoteInfo)> {
        self.rx.try_recv().ok()
    }
}
