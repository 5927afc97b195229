//! The tokio adapter and the public `Socket`: it drives the core on a tokio runtime (readiness
//! through `AsyncFd`, lookups on tasks) and delivers its events to listeners, one socket's
//! callbacks never concurrently and always in order.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::task::Poll;

use parking_lot::{Mutex, ReentrantMutex, ReentrantMutexGuard};
use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::engine::{wants_hold, BindState, Core, Membership, OpId, Output};
use crate::error::Error;
use crate::listeners::{Entry, Event, Handler, ListenerId, Listeners};
use crate::lookup::{Resolver, SystemResolver};
use crate::op::{op_pair, Completer, Op};
use crate::recv::{Batch, Receiver, PER_WAKE};
use crate::runtime::{fallback_handle, Hold, Loop, OnIdle};
use crate::sys::TokioFd;
use crate::types::{AddressInfo, BindArgs, Destination, Family, IntoSocketOptions, Message, RemoteInfo, SocketType};

#[cfg(any(target_os = "linux", target_os = "android"))]
mod reader;

struct Guarded {
    core: Core<TokioFd>,
    /// The reading thread's gate, once started (`SocketOptions::receive_thread`).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    reader: Option<Arc<reader::Gate>>,
    /// Keeps the loop alive while the socket is bound, referenced and open.
    hold: Option<Hold>,
    lookups: Vec<AbortHandle>,
    /// The operations started and not ended yet, by the id the engine hands back.
    ops: HashMap<OpId, Pending>,
    next_op: OpId,
}

impl Guarded {
    /// Ends the reading thread's use of the descriptor, before the descriptor closes.
    fn stop_reader(&mut self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(gate) = self.reader.take() {
            gate.stop();
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // (The core, dropped next, closes the descriptor.)
        self.stop_reader();
    }
}

thread_local! {
    /// How many sockets' deliveries this thread is inside (their delivery locks held).
    static DELIVERING: Cell<usize> = const { Cell::new(0) };
}

/// A socket's delivery lock, held; the thread counts as delivering while it is.
struct Delivering<'a> {
    _lock: ReentrantMutexGuard<'a, ()>,
}

impl Drop for Delivering<'_> {
    fn drop(&mut self) {
        DELIVERING.with(|d| d.set(d.get() - 1));
    }
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
/// Cloning gives another handle to the same socket. Listeners get the socket as their first
/// argument (what Node gives them as `this`), so they need no handle of their own.
///
/// # Ownership
///
/// A socket lives while something can still observe it, as a Node socket does, and no longer:
///
/// - while a handle ([`Socket`], or a [`WeakSocket`] upgraded for the moment) exists, it stays
///   as it is until [`close`](Socket::close)d;
/// - while an operation is pending (a bind, a connect, a lookup, a queued send, whether or not
///   its [`Op`] was kept), it stays until the operation ends;
/// - with no handle and nothing pending, a bound socket that still has a listener keeps
///   receiving and calling it (a server whose handle went out of scope keeps serving, as in
///   Node); an unbound one stays only while its `signal` can still close it (and a listener
///   would see that `close`);
/// - otherwise it is closed at once, as by [`close`](Socket::close): its descriptor and task
///   are freed. 200 sockets bound and dropped hold no descriptor.
///
/// A listener that captures a clone of its own socket is a handle, and keeps the socket open
/// until it is closed; use the listener's socket argument (or a [`WeakSocket`]) instead.
/// The stream of [`messages`](Socket::messages) is a listener until it is dropped.
pub struct Socket {
    sh: Arc<Shared>,
}

/// A handle to a [`Socket`] that does not keep it open (see the ownership rule on
/// [`Socket`]); [`upgrade`](WeakSocket::upgrade) it to use it.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let s = node_dgram::create_socket("udp4").unwrap();
/// let weak = s.downgrade();
/// assert!(weak.upgrade().is_some());
/// s.close().unwrap().await.unwrap();
/// drop(s);
/// # }
/// ```
#[derive(Clone)]
pub struct WeakSocket {
    sh: Weak<Shared>,
}

impl WeakSocket {
    /// A handle to the socket, or `None` once it is gone (closed and dropped).
    ///
    /// # Examples
    ///
    /// See [`WeakSocket`].
    ///
    /// # Errors
    ///
    /// None.
    pub fn upgrade(&self) -> Option<Socket> {
        self.sh.upgrade().map(|sh| Socket::of(&sh))
    }
}

impl std::fmt::Debug for WeakSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeakSocket").finish_non_exhaustive()
    }
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
/// # Examples
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
///
/// [Node: `dgram.createSocket`](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
///
/// # Errors
///
/// `ERR_SOCKET_BAD_TYPE` for a type other than `udp4`/`udp6`; an `uv_loop_init` system error
/// when no tokio runtime is running and the background one cannot start.
pub fn create_socket(opts: impl IntoSocketOptions) -> Result<Socket, Error> {
    let mut opts = opts.into_socket_options()?;
    opts.validate()?;
    opts.listening_before_close = true;
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
            #[cfg(any(target_os = "linux", target_os = "android"))]
            reader: None,
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
            let cancelled = token.cancelled();
            let ended = closed.cancelled();
            tokio::pin!(cancelled, ended);
            let fired = poll_fn(|cx| {
                if cancelled.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(true);
                }
                ended.as_mut().poll(cx).map(|_| false)
            })
            .await;
            if let (true, Some(sh)) = (fired, weak.upgrade()) {
                Socket::of(&sh).check_signal();
            }
        });
        // The loop runs this when it would end: a cancelled signal closes the socket first.
        let idle: Arc<dyn OnIdle> = sh.clone();
        lp.watch_idle(Arc::downgrade(&idle));
    }
    let socket = Socket { sh };
    // A signal already cancelled closes the socket at once, as in Node.
    socket.check_signal();
    Ok(socket)
}

/// `dgram.createSocket(type, onMessage)`: a socket with a `message` listener already added.
/// The listener gets the socket (Node's `this`), the datagram and its sender, so it can reply.
///
/// [Node: `dgram.createSocket`](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
///
/// # Examples
///
/// An echo server:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let echo = node_dgram::create_socket_with_listener("udp4", |socket, msg, rinfo| {
///     socket.send_to(msg.to_vec(), rinfo).ok();
/// })
/// .unwrap();
/// echo.bind((0, "127.0.0.1")).unwrap().await.unwrap();
/// # echo.close().unwrap();
/// # }
/// ```
///
/// # Errors
///
/// As [`create_socket`]: `ERR_SOCKET_BAD_TYPE` for an unknown type.
pub fn create_socket_with_listener(
    opts: impl IntoSocketOptions,
    on_message: impl FnMut(&Socket, &[u8], &RemoteInfo) + Send + 'static,
) -> Result<Socket, Error> {
    let s = create_socket(opts)?;
    s.on_message_with(on_message);
    Ok(s)
}

enum Wake {
    Notified,
    Batch(Batch),
}

async fn drive(sh: Arc<Shared>) {
    /// Stops the reading thread when the task goes, e.g. with its runtime: nothing of the
    /// socket runs once its runtime is gone.
    struct StopReader(Arc<Shared>);
    impl Drop for StopReader {
        fn drop(&mut self) {
            self.0.g.lock().stop_reader();
        }
    }
    let _stop = StopReader(sh.clone());
    // (Until the reading thread of a `receive_thread` socket started, or never will: the
    // loop's other sockets pay nothing for it.)
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let mut reader_started = false;
    // (A short read ends the wake: the readiness is forgotten, and the next edge wakes it.)
    let mut receiver = Receiver::ending_wakes_at_short_reads();
    let mut since_yield = 0;
    loop {
        let outs = sh.step();
        sh.deliver(outs);
        if sh.closed.load(Ordering::Acquire) {
            // `close()` may have run on another thread after the step above: deliver what it
            // queued (the ends of pending operations, then `close`). Nothing can follow.
            let rest = sh.g.lock().core.take_output();
            sh.deliver(rest);
            sh.listeners.lock().remove_all(None, true);
            return;
        }
        match sh.orphaned() {
            Orphaned::No => {}
            Orphaned::Close => {
                // The ownership rule (see `Socket`): nothing can observe it any more.
                let _ = sh.shut();
                continue;
            }
            Orphaned::Forget => {
                // Never bound: nothing to emit (Node's would be garbage collected). Closed all
                // the same, for a `WeakSocket` upgraded meanwhile.
                if sh.shut().is_ok() {
                    drop(sh.g.lock().core.take_output());
                }
                return;
            }
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if !reader_started {
            reader_started = reader::start(&sh);
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
            // (Not on Windows: an ICMP report shows on the receive path there, and a socket's
            // write readiness, reported again at once after each clear, would wake this task
            // in a loop.)
            // (A socket read by a thread of its own: that thread's `recvmmsg` reports errors.)
            let elsewhere = g.core.reads_elsewhere();
            if cfg!(unix) && !g.core.wants_write() && !elsewhere {
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
            let Some(fd) = g.core.fd().filter(|_| !elsewhere) else { return Poll::Pending };
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

enum Orphaned {
    /// Something can still observe the socket.
    No,
    /// Nothing can: close it (it has a descriptor or a task to free).
    Close,
    /// Nothing can and it was never bound: end quietly.
    Forget,
}

impl OnIdle for Shared {
    fn on_idle(self: Arc<Self>) {
        Socket::of(&self).check_signal();
    }
}

impl Shared {
    /// The ownership rule of [`Socket`]: whether anything can still observe the socket.
    fn orphaned(&self) -> Orphaned {
        if self.handles.load(Ordering::Acquire) != 0 {
            return Orphaned::No;
        }
        let g = self.g.lock();
        if g.core.has_pending() || !g.ops.is_empty() {
            return Orphaned::No;
        }
        let listened = self.listeners.lock().any();
        if g.core.bind_state() == BindState::Unbound {
            // Its `signal` can still close it (or is closing it), which a listener would see.
            if listened && self.signal.is_some() {
                return Orphaned::No;
            }
            return Orphaned::Forget;
        }
        if listened {
            Orphaned::No
        } else {
            Orphaned::Close
        }
    }

    /// Closes the descriptor now, ends what is pending and queues `close` (without an [`Op`]).
    fn shut(&self) -> Result<(), Error> {
        let _d = self.delivery.lock();
        let mut g = self.g.lock();
        g.stop_reader();
        // Dropping the handle stops polling the descriptor, then closes it.
        drop(g.core.close()?);
        g.hold = None;
        for l in g.lookups.drain(..) {
            l.abort();
        }
        self.closed.store(true, Ordering::Release);
        self.closed_token.cancel();
        Ok(())
    }

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

    /// Takes the delivery lock (see [`Delivering`]).
    fn delivering(&self) -> Delivering<'_> {
        let lock = self.delivery.lock();
        DELIVERING.with(|d| d.set(d.get() + 1));
        Delivering { _lock: lock }
    }

    fn deliver(self: &Arc<Self>, outs: VecDeque<Output>) {
        if outs.is_empty() {
            return;
        }
        let _d = self.delivering();
        let me = Socket::of(self);
        for o in outs {
            match o {
                Output::Listening => self.emit_unit(&me, Event::Listening),
                Output::Connect => self.emit_unit(&me, Event::Connect),
                Output::Close => self.emit_unit(&me, Event::Close),
                Output::Error(e) => self.emit_error(&me, &e),
                Output::Done { id, result, reported } => {
                    let pending = self.g.lock().ops.remove(&id);
                    let Some(p) = pending else { continue };
                    if let Pending::Unit(_) = p {
                        // A bind, connect or close: its place among the listeners is no longer
                        // needed (it ended another way, e.g. a failed bind).
                        self.listeners.lock().remove_op(id);
                    }
                    if let Some(Some(e)) = guarded("an operation callback", || p.complete(result)) {
                        if !reported {
                            self.emit_error(&me, &e);
                        }
                    }
                }
                Output::Lookup { id, host } => self.start_lookup(id, host),
            }
        }
    }

    fn start_lookup(self: &Arc<Self>, id: u64, host: String) {
        let mut fut = self.resolver.lookup(host.clone(), self.family);
        // A resolver that answers at once (as `dns.lookup` answers an IP literal, in the next
        // tick and in order) is taken at once: lookups that run as tasks could finish in any
        // order, and with every address going to the resolver, sends leave as their lookups
        // answer.
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let answer = match guarded("a resolver", || fut.as_mut().poll(&mut cx)) {
            Some(Poll::Pending) => None,
            Some(Poll::Ready(r)) => Some(r),
            // A resolver that panics has failed: its operation must still end.
            None => Some(Err(Error::lookup("EAI_FAIL", &host))),
        };
        if let Some(r) = answer {
            self.g.lock().core.resolved(id, r);
            self.wake.notify_one();
            return;
        }
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

    fn emit_unit(&self, me: &Socket, ev: Event) {
        let list = self.listeners.lock().for_emit(ev);
        for e in list.iter() {
            match e.handler() {
                Handler::Unit(f) => {
                    if let Some(mut f) = f.try_lock() {
                        guarded("a listener", || f(me));
                    }
                }
                Handler::Op(id) => {
                    // The operation's callback, in the place Node gives it among the listeners.
                    let pending = self.g.lock().ops.remove(id);
                    if let Some(p) = pending {
                        guarded("an operation callback", || p.complete(Ok(0)));
                    }
                }
                _ => {}
            }
        }
    }

    fn emit_error(&self, me: &Socket, err: &Error) {
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
                    guarded("an 'error' listener", || f(me, err));
                }
            }
        }
    }

    /// Delivers a batch; returns how many datagrams it delivered.
    fn deliver_batch(self: &Arc<Self>, batch: &Batch) -> usize {
        let _d = self.delivering();
        let me = Socket::of(self);
        let version = self.listeners.lock().version();
        // The `message` listeners as the last emit found them, kept while no list changed, so
        // each emit still works on the list as it is when it begins (a list with `once`
        // listeners is another list at the next emit: not kept).
        let mut kept: Option<(Option<u64>, Arc<Vec<Entry>>)> = None;
        batch.deliver(self.receive_block.as_ref(), |bytes, from| {
            if self.closed.load(Ordering::Acquire) || self.signal.as_ref().is_some_and(|t| t.is_cancelled()) {
                return false;
            }
            let now = version.load(Ordering::Acquire);
            if !matches!(&kept, Some((Some(v), _)) if *v == now) {
                let mut l = self.listeners.lock();
                let list = l.for_emit(Event::Message);
                let v = (!list.iter().any(Entry::once)).then(|| version.load(Ordering::Acquire));
                kept = Some((v, list));
            }
            let Some((_, list)) = &kept else { return true };
            let rinfo = RemoteInfo::new(from, bytes.len());
            for e in list.iter() {
                if let Handler::Message(f) = e.handler() {
                    if let Some(mut f) = f.try_lock() {
                        guarded("a 'message' listener", || f(&me, bytes, &rinfo));
                    }
                }
            }
            true
        })
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
    ($($(#[$doc:meta])* $name:literal, $on:ident, $once:ident, $on_with:ident, $once_with:ident, $ev:expr, $variant:ident, ($($a:ident: $arg:ty),*);)*) => {$(
        $(#[$doc])*
        ///
        /// Listeners run on the socket's event loop, one at a time and in the order they were
        /// added; each emit works on the list as it was when the emit began. Returns an id for
        /// [`off`](Socket::off).
        #[doc = concat!("The form with the socket as first argument (Node's `this`) is [`", stringify!($on_with), "`](Socket::", stringify!($on_with), ").")]
        ///
        #[doc = concat!("[Node: event `'", $name, "'`](https://nodejs.org/api/dgram.html#event-", $name, ")")]
        ///
        /// # Errors
        ///
        /// None: adding a listener cannot fail (on a closed socket it is never called).
        ///
        /// # Examples
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")] async fn main() {
        /// # let s = node_dgram::create_socket("udp4").unwrap();
        /// // See the examples of each event below.
        /// # s.close().unwrap();
        /// # }
        /// ```
        pub fn $on(&self, mut f: impl FnMut($($arg),*) + Send + 'static) -> ListenerId {
            self.add_listener($ev, false, Handler::$variant(Arc::new(Mutex::new(move |_: &Socket, $($a: $arg),*| f($($a),*)))))
        }
        #[doc = concat!("Like [`", stringify!($on), "`](Socket::", stringify!($on), "), called at most once, then removed (`socket.once('", $name, "', ..)`).")]
        ///
        /// # Errors
        ///
        /// None.
        ///
        /// #[doc = concat!("# Examples\n\n```\n# #[tokio::main(flavor = \"current_thread\")] async fn main() {\nlet s = node_dgram::create_socket(\"udp4\").unwrap();\ns.", stringify!($once), "(|", stringify!($($a),*), "| {});\n# s.close().unwrap();\n# }\n```")]
        pub fn $once(&self, mut f: impl FnMut($($arg),*) + Send + 'static) -> ListenerId {
            self.add_listener($ev, true, Handler::$variant(Arc::new(Mutex::new(move |_: &Socket, $($a: $arg),*| f($($a),*)))))
        }
        #[doc = concat!("Like [`", stringify!($on), "`](Socket::", stringify!($on), "), the listener getting the socket first, borrowed for the call: what Node gives listeners as `this`. It holds no handle, so it keeps no socket alive (see [ownership](Socket#ownership)).")]
        ///
        /// # Errors
        ///
        /// None.
        ///
        /// #[doc = concat!("# Examples\n\n```\n# #[tokio::main(flavor = \"current_thread\")] async fn main() {\nlet s = node_dgram::create_socket(\"udp4\").unwrap();\ns.", stringify!($on_with), "(|socket, ", stringify!($($a),*), "| { let _ = socket.address(); });\n# s.close().unwrap();\n# }\n```")]
        pub fn $on_with(&self, f: impl FnMut(&Socket, $($arg),*) + Send + 'static) -> ListenerId {
            self.add_listener($ev, false, Handler::$variant(Arc::new(Mutex::new(f))))
        }
        #[doc = concat!("Like [`", stringify!($on_with), "`](Socket::", stringify!($on_with), "), called at most once, then removed.")]
        ///
        /// # Errors
        ///
        /// None.
        ///
        /// #[doc = concat!("# Examples\n\n```\n# #[tokio::main(flavor = \"current_thread\")] async fn main() {\nlet s = node_dgram::create_socket(\"udp4\").unwrap();\ns.", stringify!($once_with), "(|socket, ", stringify!($($a),*), "| { let _ = socket.address(); });\n# s.close().unwrap();\n# }\n```")]
        pub fn $once_with(&self, f: impl FnMut(&Socket, $($arg),*) + Send + 'static) -> ListenerId {
            self.add_listener($ev, true, Handler::$variant(Arc::new(Mutex::new(f))))
        }
    )*};
}

impl Socket {
    /// Another handle for this socket, made from its shared state (counted as a handle).
    fn of(sh: &Arc<Shared>) -> Socket {
        sh.handles.fetch_add(1, Ordering::AcqRel);
        Socket { sh: sh.clone() }
    }

    /// A handle that does not keep the socket open ([`WeakSocket`]), for code that should
    /// not own it (a listener of another socket, a registry).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// let weak = s.downgrade();
    /// weak.upgrade().unwrap().bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn downgrade(&self) -> WeakSocket {
        WeakSocket { sh: Arc::downgrade(&self.sh) }
    }

    fn add_listener(&self, ev: Event, once: bool, h: Handler) -> ListenerId {
        self.sh.listeners.lock().add(ev, once, h)
    }

    listener_methods! {
        /// Adds a `'message'` listener: the datagram's bytes (borrowed, valid during the call)
        /// and `rinfo`.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")] async fn main() {
        /// let s = node_dgram::create_socket("udp4").unwrap();
        /// s.on_message(|msg, rinfo| println!("{} bytes from {}", msg.len(), rinfo.address));
        /// // Replying needs the socket: `on_message_with` hands it over.
        /// s.on_message_with(|socket, msg, rinfo| {
        ///     socket.send_to(msg.to_vec(), rinfo).ok();
        /// });
        /// # s.close().unwrap();
        /// # }
        /// ```
        "message", on_message, once_message, on_message_with, once_message_with, Event::Message, Message, (m: &[u8], r: &RemoteInfo);
        /// Adds a `'listening'` listener: the socket is bound and receiving.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")] async fn main() {
        /// let s = node_dgram::create_socket("udp4").unwrap();
        /// s.on_listening_with(|s| println!("listening on {}", s.address().unwrap()));
        /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
        /// # s.close().unwrap();
        /// # }
        /// ```
        "listening", on_listening, once_listening, on_listening_with, once_listening_with, Event::Listening, Unit, ();
        /// Adds a `'connect'` listener: `connect()` succeeded.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")] async fn main() {
        /// let s = node_dgram::create_socket("udp4").unwrap();
        /// s.on_connect_with(|s| println!("connected to {}", s.remote_address().unwrap()));
        /// # s.close().unwrap();
        /// # }
        /// ```
        "connect", on_connect, once_connect, on_connect_with, once_connect_with, Event::Connect, Unit, ();
        /// Adds an `'error'` listener.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")] async fn main() {
        /// let s = node_dgram::create_socket("udp4").unwrap();
        /// s.on_error_with(|s, err| {
        ///     eprintln!("socket error: {err}");
        ///     s.close().ok();
        /// });
        /// # s.close().ok();
        /// # }
        /// ```
        "error", on_error, once_error, on_error_with, once_error_with, Event::Error, Error, (e: &Error);
        /// Adds a `'close'` listener: the socket is closed; no event follows.
        ///
        /// # Examples
        ///
        /// ```
        /// # #[tokio::main(flavor = "current_thread")] async fn main() {
        /// let s = node_dgram::create_socket("udp4").unwrap();
        /// s.on_close(|| println!("closed"));
        /// s.close().unwrap().await.unwrap();
        /// # }
        /// ```
        "close", on_close, once_close, on_close_with, once_close_with, Event::Close, Unit, ();
    }

    /// Removes a listener (`emitter.off`). Returns whether it was still there.
    ///
    /// [Node: `emitter.off`](https://nodejs.org/api/events.html#emitteroffeventname-listener)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// let id = s.on_close(|| {});
    /// assert!(s.off(id));
    /// assert!(!s.off(id));
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn off(&self, id: ListenerId) -> bool {
        let r = self.sh.listeners.lock().remove(id);
        // Without listeners, a socket nobody holds may now be closed (the ownership rule).
        self.after();
        r
    }

    /// Removes every listener of `event`, or of all events (`removeAllListeners`). The
    /// callbacks of pending operations ([`Op::callback`]) are not listeners here and stay.
    ///
    /// [Node: `emitter.removeAllListeners`](https://nodejs.org/api/events.html#emitterremovealllistenerseventname)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use node_dgram::Event;
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.on_close(|| {});
    /// s.remove_all_listeners(Some(Event::Close));
    /// assert_eq!(s.listener_count(Event::Close), 0);
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn remove_all_listeners(&self, event: Option<Event>) {
        self.sh.listeners.lock().remove_all(event, false);
        self.after();
    }

    /// How many listeners `event` has.
    ///
    /// [Node: `emitter.listenerCount`](https://nodejs.org/api/events.html#emitterlistenercounteventname-listener)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use node_dgram::Event;
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.on_message(|_, _| {});
    /// assert_eq!(s.listener_count(Event::Message), 1);
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn listener_count(&self, event: Event) -> usize {
        self.sh.listeners.lock().count(event)
    }

    /// The socket's type.
    ///
    /// [Node: `type` of `dgram.createSocket`](https://nodejs.org/api/dgram.html#dgramcreatesocketoptions-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use node_dgram::SocketType;
    /// let s = node_dgram::create_socket("udp6").unwrap();
    /// assert_eq!(s.socket_type(), SocketType::Udp6);
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
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
    ///
    /// With `event`, the operation also takes its place among that event's listeners (Node
    /// adds the callback of `bind`, `connect` and `close` as a listener at the call), where it
    /// completes when the event is emitted.
    fn start<T>(
        &self,
        g: &mut Guarded,
        event: Option<Event>,
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
            Ok(()) => {
                if let Some(ev) = event {
                    // Under the socket's lock: no output of `f` is delivered before this.
                    self.sh.listeners.lock().add(ev, true, Handler::Op(id));
                }
                Ok(op)
            }
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
    /// Accepts any [`BindArgs`](crate::BindArgs): the address and port as one value
    /// (`"127.0.0.1:0"`, `"[::1]:0"`, a [`SocketAddr`](std::net::SocketAddr), `(IpAddr, u16)`,
    /// Node's `(port, "address")`, a port alone), `()`, or [`BindOptions`](crate::BindOptions).
    /// Port 0 picks a free port; no address means all interfaces; a host name is resolved with
    /// the socket's family (through its custom `lookup`, if any, as Node does). The `listening`
    /// event fires when bound; a failure emits `error` (with Node's message, e.g.
    /// `bind EADDRINUSE 0.0.0.0:41234`) and also resolves the returned [`Op`] with it.
    ///
    /// [Node: `socket.bind`](https://nodejs.org/api/dgram.html#socketbindport-address-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use node_dgram::BindOptions;
    /// use std::net::Ipv4Addr;
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// // Node: socket.bind(0, '127.0.0.1', cb); also `bind((0, "127.0.0.1"))`, a `SocketAddr`, ...
    /// s.bind("127.0.0.1:0").unwrap().await.unwrap();
    /// assert_ne!(s.address().unwrap().port, 0);
    /// assert_eq!(s.bind(0).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
    /// let t = node_dgram::create_socket("udp4").unwrap();
    /// let taken = s.address().unwrap().port;
    /// let e = t.bind((Ipv4Addr::LOCALHOST, taken)).unwrap().await.unwrap_err();
    /// assert_eq!(e.code(), "EADDRINUSE");
    /// let u = node_dgram::create_socket("udp4").unwrap();
    /// u.bind(BindOptions::new().address("127.0.0.1").exclusive(true)).unwrap().await.unwrap();
    /// # s.close().unwrap(); t.close().unwrap(); u.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// At once: `ERR_SOCKET_BAD_PORT` for a bad port (text without a port included),
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` when closed, `ERR_SOCKET_ALREADY_BOUND` when bound or
    /// binding, `ERR_INVALID_FD_TYPE` / `open EEXIST` for a refused
    /// [`BindOptions::fd`](crate::BindOptions::fd). Through the [`Op`] (and always `error`, as in
    /// Node): `bind EADDRINUSE 0.0.0.0:41234`, `bind EADDRNOTAVAIL ...`, `bind EACCES ...`,
    /// `bind EINVAL ...`, and lookup errors (`getaddrinfo ENOTFOUND host`).
    pub fn bind(&self, args: impl BindArgs) -> Result<Op<()>, Error> {
        self.check_signal();
        let o = args.into_bind_options()?;
        let op = self.start(&mut self.sh.g.lock(), Some(Event::Listening), |core, id| core.bind(o, Some(id)))?;
        self.after();
        Ok(op)
    }

    /// `socket.connect(port[, address][, callback])`, the peer as one [`Destination`]: a
    /// [`SocketAddr`](std::net::SocketAddr), `(IpAddr, u16)`, `"127.0.0.1:41234"`,
    /// `"localhost:53"`, a [`RemoteInfo`], Node's `(port, "address")`, or a port alone (no
    /// address: `127.0.0.1` or `::1`). A host name goes to the socket's resolver. Binds
    /// implicitly when unbound. Sends made while connecting go out after the `connect` event.
    ///
    /// [Node: `socket.connect`](https://nodejs.org/api/dgram.html#socketconnectport-address-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::net::Ipv4Addr;
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// // Node: socket.connect((9, '127.0.0.1')); also `connect((9, "127.0.0.1"))`, `connect("127.0.0.1:9")`.
    /// s.connect((Ipv4Addr::LOCALHOST, 9)).unwrap().await.unwrap();
    /// assert_eq!(s.remote_address().unwrap().port, 9);
    /// assert_eq!(s.connect(9).unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
    /// assert_eq!(s.connect(0).unwrap_err().code(), "ERR_SOCKET_BAD_PORT"); // the port first, as in Node
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// At once: `ERR_SOCKET_BAD_PORT` (port 0 and text without a port included; checked first, as
    /// Node does), `ERR_SOCKET_DGRAM_IS_CONNECTED`, `ERR_SOCKET_DGRAM_NOT_RUNNING`. A failed
    /// lookup (`getaddrinfo ENOTFOUND host`), `connect EINVAL ...` or `ERR_IP_BLOCKED` goes to
    /// the returned [`Op`], or to `error` when it is dropped.
    pub fn connect(&self, to: impl Destination) -> Result<Op<()>, Error> {
        self.check_signal();
        let op = to.with_host_port(false, |host, port| {
            let address = host.unwrap_or_default();
            self.start(&mut self.sh.g.lock(), Some(Event::Connect), |core, id| core.connect(port, address, Some(id)))
        })??;
        self.after();
        Ok(op)
    }

    /// `socket.disconnect()`: synchronous; `ERR_SOCKET_DGRAM_NOT_CONNECTED` when not connected.
    ///
    /// [Node: `socket.disconnect`](https://nodejs.org/api/dgram.html#socketdisconnect)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.connect((9, "127.0.0.1")).unwrap().await.unwrap();
    /// s.disconnect().unwrap();
    /// assert_eq!(s.disconnect().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `ERR_SOCKET_DGRAM_NOT_CONNECTED` when not connected, `ERR_SOCKET_DGRAM_NOT_RUNNING` when
    /// closed, a `disconnect` system error if the kernel refuses.
    pub fn disconnect(&self) -> Result<(), Error> {
        self.check_signal();
        self.sh.g.lock().core.disconnect()
    }

    /// `socket.send(msg[, callback])` on a connected socket (or one connecting: the datagram
    /// goes out once connected). On an unconnected socket Node's error: `ERR_SOCKET_BAD_PORT`.
    ///
    /// The [`Op`] yields the bytes sent, or the error (`send EMSGSIZE`, ...); when it is
    /// dropped, errors go to `error`.
    ///
    /// [Node: `socket.send`](https://nodejs.org/api/dgram.html#socketsendmsg-offset-length-port-address-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let server = node_dgram::create_socket("udp4").unwrap();
    /// server.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// let client = node_dgram::create_socket("udp4").unwrap();
    /// client.connect(server.address().unwrap()).unwrap().await.unwrap();
    /// assert_eq!(client.send("Some bytes").unwrap().await.unwrap(), 10);
    /// # server.close().unwrap(); client.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// At once: `ERR_SOCKET_BAD_PORT` on a socket that is not connected (Node's error for a send
    /// without port), `ERR_SOCKET_DGRAM_NOT_RUNNING` when closed. Through the [`Op`] (or `error` when
    /// it was dropped): `send EMSGSIZE ...`, `send ECONNREFUSED ...`, `send ECANCELED` when closed
    /// first, `ERR_IP_BLOCKED`.
    pub fn send(&self, msg: impl Into<Message>) -> Result<Op<usize>, Error> {
        self.check_signal();
        let op = self.start(&mut self.sh.g.lock(), None, |core, id| core.send_connected(msg.into(), Some(id)))?;
        self.after();
        Ok(op)
    }

    /// `socket.send(msg, port[, address][, callback])` on an unconnected socket, the
    /// destination as one [`Destination`]: a [`SocketAddr`](std::net::SocketAddr),
    /// `(IpAddr, u16)`, the [`RemoteInfo`] of a datagram (to reply), an [`AddressInfo`],
    /// `"127.0.0.1:41234"`, `"localhost:53"`, Node's `(port, "address")`, or a port alone (no
    /// address: `127.0.0.1` / `::1`). Host names are resolved for each send, by the socket's
    /// resolver. An unbound socket binds implicitly; sends made before the bind (or their
    /// lookup) completes are queued and go out in order.
    ///
    /// For `send(msg, offset, length, ...)`, slice with [`Message::range`].
    ///
    /// [Node: `socket.send`](https://nodejs.org/api/dgram.html#socketsendmsg-offset-length-port-address-callback)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::net::SocketAddr;
    /// let server = node_dgram::create_socket("udp4").unwrap();
    /// server.bind("127.0.0.1:0").unwrap().await.unwrap();
    /// let to: SocketAddr = server.address().unwrap().into();
    /// let client = node_dgram::create_socket("udp4").unwrap();
    /// assert_eq!(client.send_to("Some bytes", to).unwrap().await.unwrap(), 10);
    /// // Node: client.send('Some bytes', port, '127.0.0.1', cb)
    /// assert_eq!(client.send_to("Some bytes", (to.port(), "127.0.0.1")).unwrap().await.unwrap(), 10);
    /// assert_eq!(client.send_to("x", "127.0.0.1:0").unwrap_err().code(), "ERR_SOCKET_BAD_PORT");
    /// // A reply goes to the sender's `RemoteInfo`, with no formatting.
    /// server.on_message_with(|s, msg, rinfo| drop(s.send_to(msg.to_vec(), rinfo)));
    /// # server.close().unwrap(); client.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// At once: `ERR_SOCKET_DGRAM_IS_CONNECTED` on a connected socket (checked first, as Node
    /// does), `ERR_SOCKET_BAD_PORT` (0 and text without a port included),
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` when closed. Asynchronous ones
    /// (`send EMSGSIZE 127.0.0.1:12345`, lookup errors, `ERR_IP_BLOCKED`, `send ECANCELED` at
    /// close) through the [`Op`], or `error` when it was dropped.
    pub fn send_to(&self, msg: impl Into<Message>, to: impl Destination) -> Result<Op<usize>, Error> {
        self.check_signal();
        let mut g = self.sh.g.lock();
        if g.core.is_connected() {
            // Node refuses the address before looking at the port.
            return Err(Error::is_connected());
        }
        let op = to.with_host_port(false, |host, port| {
            self.start(&mut g, None, |core, id| core.send_to(msg.into(), port, host.unwrap_or_default(), Some(id)))
        })??;
        drop(g);
        self.after();
        Ok(op)
    }

    /// `socket.close([callback])`: closes the descriptor now (the port is free when this
    /// returns), ends pending operations (queued sends with `ECANCELED`), and emits `close`
    /// last. No `message` is delivered after this returns. A second call gives
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING`. The [`Op`] completes after the `close` listeners ran.
    ///
    /// [Node: `socket.close`](https://nodejs.org/api/dgram.html#socketclosecallback)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// s.on_close(|| println!("closed"));
    /// s.close().unwrap().await.unwrap();
    /// assert_eq!(s.close().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` when already closed. The [`Op`] itself never fails.
    pub fn close(&self) -> Result<Op<()>, Error> {
        self.check_signal();
        self.close_now()
    }

    fn close_now(&self) -> Result<Op<()>, Error> {
        // Waits for a delivery of this socket that runs on another thread to end (no `message`
        // after `close()` returns), except from inside a delivery of another socket: two
        // listeners closing each other's socket would wait for each other for ever. The
        // delivery running elsewhere then sees the socket closed from its next datagram on.
        let _d = match self.sh.delivery.try_lock() {
            Some(d) => Some(d),
            None if DELIVERING.with(Cell::get) > 0 => None,
            None => Some(self.sh.delivery.lock()),
        };
        let mut g = self.sh.g.lock();
        if !g.core.is_closed() {
            g.stop_reader();
        }
        // Dropping the handle stops polling the descriptor, then closes it.
        let op = self.start(&mut g, Some(Event::Close), |core, id| {
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
    ///
    /// [Node: `socket[Symbol.asyncDispose]`](https://nodejs.org/api/dgram.html#socketsymbolasyncdispose)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.async_dispose().await.unwrap();
    /// s.async_dispose().await.unwrap(); // closed already: nothing to do
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None in practice: a socket already closed gives `Ok(())`, as Node's resolves.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the close happens at the first poll and is not undone; dropping the future only
    /// stops waiting for the `close` event.
    pub async fn async_dispose(&self) -> Result<(), Error> {
        match self.close() {
            Ok(op) => op.await,
            Err(_) => Ok(()),
        }
    }

    /// `socket.address()`: `EBADF` (`getsockname EBADF`) until bound,
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    ///
    /// [Node: `socket.address`](https://nodejs.org/api/dgram.html#socketaddress)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// assert_eq!(s.address().unwrap_err().code(), "EBADF");
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// let a = s.address().unwrap();
    /// assert_eq!(a.address.to_string(), "127.0.0.1");
    /// let _std: std::net::SocketAddr = a.into();
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `EBADF` (`getsockname EBADF`) until bound, `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn address(&self) -> Result<AddressInfo, Error> {
        self.check_signal();
        self.sh.g.lock().core.address()
    }

    /// `socket.remoteAddress()`: `ERR_SOCKET_DGRAM_NOT_CONNECTED` unless connected.
    ///
    /// [Node: `socket.remoteAddress`](https://nodejs.org/api/dgram.html#socketremoteaddress)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// assert_eq!(s.remote_address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
    /// s.connect((9, "127.0.0.1")).unwrap().await.unwrap();
    /// assert_eq!(s.remote_address().unwrap().port, 9);
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `ERR_SOCKET_DGRAM_NOT_CONNECTED` unless connected, `ERR_SOCKET_DGRAM_NOT_RUNNING` once
    /// closed.
    pub fn remote_address(&self) -> Result<AddressInfo, Error> {
        self.check_signal();
        self.sh.g.lock().core.remote_address()
    }

    /// `socket.ref()`: a bound socket keeps its loop ([`run`](crate::run)) alive again.
    ///
    /// [Node: `socket.ref`](https://nodejs.org/api/dgram.html#socketref)
    ///
    /// # Examples
    ///
    /// ```
    /// node_dgram::run(|| {
    ///     let s = node_dgram::create_socket("udp4").unwrap();
    ///     s.unref().ref_(); // referenced again: `run` waits for it
    ///     s.on_listening_with(|s| {
    ///         s.close().ok();
    ///     });
    ///     s.bind((0, "127.0.0.1")).unwrap();
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn ref_(&self) -> &Socket {
        self.check_signal();
        self.set_ref(true)
    }

    /// `socket.unref()`: the loop may end while this socket stays open.
    ///
    /// [Node: `socket.unref`](https://nodejs.org/api/dgram.html#socketunref)
    ///
    /// # Examples
    ///
    /// ```
    /// node_dgram::run(|| {
    ///     let s = node_dgram::create_socket("udp4").unwrap();
    ///     s.bind((0, "127.0.0.1")).unwrap();
    ///     s.unref(); // `run` returns without waiting for this socket
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// None.
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
    ///
    /// [Node: `socket.getSendQueueSize`](https://nodejs.org/api/dgram.html#socketgetsendqueuesize)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.send_to("1234", (9, "127.0.0.1")).unwrap(); // queued behind the implicit bind
    /// assert_eq!(s.get_send_queue_size(), 4);
    /// assert_eq!(s.get_send_queue_count(), 1);
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn get_send_queue_size(&self) -> usize {
        self.check_signal();
        self.sh.g.lock().core.send_queue_size()
    }

    /// `socket.getSendQueueCount()`: how many sends are not yet handed to the kernel.
    ///
    /// [Node: `socket.getSendQueueCount`](https://nodejs.org/api/dgram.html#socketgetsendqueuecount)
    ///
    /// # Examples
    ///
    /// See [`get_send_queue_size`](Socket::get_send_queue_size).
    ///
    /// # Errors
    ///
    /// None.
    pub fn get_send_queue_count(&self) -> usize {
        self.check_signal();
        self.sh.g.lock().core.send_queue_count()
    }

    /// `socket.setBroadcast(flag)`.
    ///
    /// [Node: `socket.setBroadcast`](https://nodejs.org/api/dgram.html#socketsetbroadcastflag)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// assert_eq!(s.set_broadcast(true).unwrap_err().code(), "EBADF");
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// s.set_broadcast(true).unwrap();
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `EBADF` (`setBroadcast EBADF`) while unbound, `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn set_broadcast(&self, on: bool) -> Result<(), Error> {
        self.check_signal();
        self.sh.g.lock().core.with_socket("setBroadcast", |s| s.set_broadcast(on))
    }

    /// `socket.setTTL(ttl)`: 1 to 255; returns the value set. `setTTL EINVAL` outside.
    ///
    /// [Node: `socket.setTTL`](https://nodejs.org/api/dgram.html#socketsetttlttl)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// assert_eq!(s.set_ttl(64).unwrap(), 64);
    /// assert_eq!(s.set_ttl(0).unwrap_err().code(), "EINVAL");
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `setTTL EINVAL` outside 1..=255, `EBADF` while unbound, `ERR_SOCKET_DGRAM_NOT_RUNNING` once
    /// closed.
    pub fn set_ttl(&self, ttl: i64) -> Result<i64, Error> {
        self.check_signal();
        self.sh.g.lock().core.set_hops(false, ttl)
    }

    /// `socket.setMulticastTTL(ttl)`: 0 to 255; returns the value set.
    ///
    /// [Node: `socket.setMulticastTTL`](https://nodejs.org/api/dgram.html#socketsetmulticastttlttl)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// assert_eq!(s.set_multicast_ttl(0).unwrap(), 0);
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `setMulticastTTL EINVAL` outside 0..=255, `EBADF` while unbound,
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn set_multicast_ttl(&self, ttl: i64) -> Result<i64, Error> {
        self.check_signal();
        self.sh.g.lock().core.set_hops(true, ttl)
    }

    /// `socket.setMulticastLoopback(flag)`: returns the flag.
    ///
    /// [Node: `socket.setMulticastLoopback`](https://nodejs.org/api/dgram.html#socketsetmulticastloopbackflag)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// assert!(!s.set_multicast_loopback(false).unwrap());
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `EBADF` while unbound, `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
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
    ///
    /// [Node: `socket.getRecvBufferSize`](https://nodejs.org/api/dgram.html#socketgetrecvbuffersize)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// assert_eq!(s.get_recv_buffer_size().unwrap_err().code(), "ERR_SOCKET_BUFFER_SIZE");
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// s.set_recv_buffer_size(65536).unwrap();
    /// assert!(s.get_recv_buffer_size().unwrap() >= 65536);
    /// s.set_send_buffer_size(65536).unwrap();
    /// assert!(s.get_send_buffer_size().unwrap() >= 65536);
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `ERR_SOCKET_BUFFER_SIZE` while unbound or closed (Node's `SystemError` wrapping `EBADF`).
    pub fn get_recv_buffer_size(&self) -> Result<usize, Error> {
        self.buffer_size(true, None)
    }
    /// `socket.getSendBufferSize()`: `SO_SNDBUF`. `ERR_SOCKET_BUFFER_SIZE` while unbound.
    ///
    /// [Node: `socket.getSendBufferSize`](https://nodejs.org/api/dgram.html#socketgetsendbuffersize)
    ///
    /// # Examples
    ///
    /// See [`get_recv_buffer_size`](Socket::get_recv_buffer_size).
    ///
    /// # Errors
    ///
    /// `ERR_SOCKET_BUFFER_SIZE` while unbound or closed.
    pub fn get_send_buffer_size(&self) -> Result<usize, Error> {
        self.buffer_size(false, None)
    }
    /// `socket.setRecvBufferSize(size)`. `ERR_SOCKET_BUFFER_SIZE` while unbound.
    ///
    /// [Node: `socket.setRecvBufferSize`](https://nodejs.org/api/dgram.html#socketsetrecvbuffersizesize)
    ///
    /// # Examples
    ///
    /// See [`get_recv_buffer_size`](Socket::get_recv_buffer_size).
    ///
    /// # Errors
    ///
    /// `ERR_SOCKET_BUFFER_SIZE` while unbound or closed, or when the system refuses the size.
    pub fn set_recv_buffer_size(&self, size: u32) -> Result<(), Error> {
        self.buffer_size(true, Some(size as usize)).map(|_| ())
    }
    /// `socket.setSendBufferSize(size)`. `ERR_SOCKET_BUFFER_SIZE` while unbound.
    ///
    /// [Node: `socket.setSendBufferSize`](https://nodejs.org/api/dgram.html#socketsetsendbuffersizesize)
    ///
    /// # Examples
    ///
    /// See [`get_recv_buffer_size`](Socket::get_recv_buffer_size).
    ///
    /// # Errors
    ///
    /// `ERR_SOCKET_BUFFER_SIZE` while unbound or closed, or when the system refuses the size.
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
    ///
    /// [Node: `socket.addMembership`](https://nodejs.org/api/dgram.html#socketaddmembershipmulticastaddress-multicastinterface)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// assert_eq!(s.add_membership("", None).unwrap_err().code(), "ERR_MISSING_ARGS");
    /// assert_eq!(s.add_membership("10.0.0.1", None).unwrap_err().code(), "EINVAL");
    /// // s.add_membership("239.1.2.3", Some("10.0.0.2")) joins a group on that interface.
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `ERR_MISSING_ARGS` for an empty group, `addMembership EINVAL` for an unparsable or
    /// non-multicast group, other `addMembership` system errors (`ENODEV`, `EADDRNOTAVAIL`),
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn add_membership(&self, group: &str, interface: Option<&str>) -> Result<(), Error> {
        self.membership(Membership::Add, group, None, interface)
    }

    /// `socket.dropMembership(multicastAddress[, multicastInterface])`: leaves a group;
    /// `dropMembership EADDRNOTAVAIL` when it was never joined.
    ///
    /// [Node: `socket.dropMembership`](https://nodejs.org/api/dgram.html#socketdropmembershipmulticastaddress-multicastinterface)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// assert_eq!(s.drop_membership("239.1.2.3", None).unwrap_err().code(), "EADDRNOTAVAIL");
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `dropMembership EADDRNOTAVAIL` when not a member, `ERR_MISSING_ARGS`, `dropMembership EINVAL`,
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn drop_membership(&self, group: &str, interface: Option<&str>) -> Result<(), Error> {
        self.membership(Membership::Drop, group, None, interface)
    }

    /// `socket.addSourceSpecificMembership(sourceAddress, groupAddress[, multicastInterface])`:
    /// joins a source-specific channel (IPv4 `IP_ADD_SOURCE_MEMBERSHIP`, IPv6
    /// `MCAST_JOIN_SOURCE_GROUP`); only datagrams from `source` are admitted.
    ///
    /// [Node: `socket.addSourceSpecificMembership`](https://nodejs.org/api/dgram.html#socketaddsourcespecificmembershipsourceaddress-groupaddress-multicastinterface)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// let e = s.add_source_specific_membership("10.0.0.1", "10.0.0.2", None).unwrap_err();
    /// assert_eq!(e.code(), "EINVAL"); // the group must be a multicast address
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `ERR_MISSING_ARGS`, `addSourceSpecificMembership EINVAL` for a bad source or group, other
    /// system errors, `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn add_source_specific_membership(
        &self,
        source: &str,
        group: &str,
        interface: Option<&str>,
    ) -> Result<(), Error> {
        self.membership(Membership::AddSource, group, Some(source), interface)
    }

    /// `socket.dropSourceSpecificMembership(sourceAddress, groupAddress[, multicastInterface])`.
    ///
    /// [Node: `socket.dropSourceSpecificMembership`](https://nodejs.org/api/dgram.html#socketdropsourcespecificmembershipsourceaddress-groupaddress-multicastinterface)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// assert!(s.drop_source_specific_membership("10.0.0.1", "232.1.1.1", None).is_err());
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `dropSourceSpecificMembership EADDRNOTAVAIL` when not a member, `ERR_MISSING_ARGS`, `EINVAL`
    /// for bad addresses, `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
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
    /// choice back to the system.
    ///
    /// # Errors
    ///
    /// `setMulticastInterface EINVAL` for an unparsable address, `setMulticastInterface
    /// EADDRNOTAVAIL` when no interface has it, `EBADF` while unbound,
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    ///
    /// [Node: `socket.setMulticastInterface`](https://nodejs.org/api/dgram.html#socketsetmulticastinterfacemulticastinterface)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// s.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// s.set_multicast_interface("0.0.0.0").unwrap(); // the system's choice
    /// assert_eq!(s.set_multicast_interface("nonsense").unwrap_err().code(), "EINVAL");
    /// # s.close().unwrap();
    /// # }
    /// ```
    pub fn set_multicast_interface(&self, interface: &str) -> Result<(), Error> {
        self.check_signal();
        self.sh.g.lock().core.set_multicast_interface(interface)
    }

    /// The async form of the `message` event: a [`Stream`](futures_core::Stream) of owned
    /// datagrams (each copied once, its own bytes only), the counterpart of Node's
    /// `for await (const [msg, rinfo] of on(socket, 'message'))`. It holds at most `capacity`
    /// datagrams not yet taken; beyond that, new ones are dropped, as the kernel drops them when
    /// a socket's buffer is full. It ends once the socket is closed. While it exists it is a
    /// `message` listener (it keeps a socket nobody else holds receiving); dropping it removes
    /// that listener.
    ///
    /// [Node: `events.on`](https://nodejs.org/api/events.html#eventsonemitter-eventname-options)
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use node_dgram::create_socket;
    /// let server = create_socket("udp4").unwrap();
    /// let mut messages = server.messages(1024);
    /// server.bind((0, "127.0.0.1")).unwrap().await.unwrap();
    /// let client = create_socket("udp4").unwrap();
    /// client.send_to("hello", server.address().unwrap()).unwrap().await.unwrap();
    /// let (msg, rinfo) = messages.recv().await.unwrap();
    /// assert_eq!(&msg[..], b"hello");
    /// assert_eq!(rinfo.size, 5);
    /// server.close().unwrap();
    /// assert!(messages.recv().await.is_none());
    /// client.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None: on a closed socket the stream is empty and ended.
    pub fn messages(&self, capacity: usize) -> Messages {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity.max(1));
        let id = self.on_message(move |msg, rinfo| {
            let _ = tx.try_send((bytes::Bytes::copy_from_slice(msg), rinfo.clone()));
        });
        if self.sh.closed.load(Ordering::Acquire) {
            // Closed already: nothing will ever arrive.
            self.off(id);
        }
        Messages { rx, socket: self.downgrade(), id }
    }
}

/// Datagrams received by a socket, as owned values; see [`Socket::messages`]. A
/// [`Stream`](futures_core::Stream) of `(Bytes, RemoteInfo)`.
///
/// Its items are not `Result`s: a socket's errors are events of the socket (`error`, or the
/// [`Op`] of the operation that failed), not failures of receiving, and Node's message
/// iterator yields only messages too. The stream ends (`None`) when the socket is closed.
#[derive(Debug)]
pub struct Messages {
    rx: tokio::sync::mpsc::Receiver<(bytes::Bytes, RemoteInfo)>,
    socket: WeakSocket,
    id: ListenerId,
}

impl Messages {
    /// The next datagram and its sender, or `None` once the socket is closed and everything
    /// received before has been taken.
    ///
    /// # Examples
    ///
    /// See [`Socket::messages`].
    ///
    /// # Errors
    ///
    /// None (see [`Messages`] for why the items are not `Result`s).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a datagram is taken only when this returns it.
    pub async fn recv(&mut self) -> Option<(bytes::Bytes, RemoteInfo)> {
        self.rx.recv().await
    }
    /// The next datagram if one is waiting, without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// let mut m = s.messages(16);
    /// assert!(m.try_recv().is_none());
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn try_recv(&mut self) -> Option<(bytes::Bytes, RemoteInfo)> {
        self.rx.try_recv().ok()
    }
}

impl futures_core::Stream for Messages {
    type Item = (bytes::Bytes, RemoteInfo);
    fn poll_next(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx)
    }
}

impl Drop for Messages {
    fn drop(&mut self) {
        if let Some(s) = self.socket.upgrade() {
            s.off(self.id);
        }
    }
}
