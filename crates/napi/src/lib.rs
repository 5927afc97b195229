//! The Node.js addon of node-dgram: the Rust core's dgram semantics on Node's own libuv loop.
//!
//! `npm/node-dgram/index.js` (the JavaScript side) defines `Socket`, an `EventEmitter`, and
//! validates JavaScript argument types; each socket owns one native [`Handle`], which owns one
//! [`Core`] (the engine shared with the Rust API). The handle watches the descriptor with a
//! `uv_poll_t` on Node's loop and calls back into JavaScript with `napi_make_callback`, one call
//! per event, so `process.nextTick` callbacks and promise jobs run between events as they do with
//! the built-in module.
//!
//! What crosses to JavaScript (`init(onevent, onmessage, makeError, staging)` registers the
//! functions):
//! - `onevent.call(owner, kind, a, b, c, sync)` for the core's outputs, in order: `LOOKUP(id,
//!   host)`, `LISTENING`, `CONNECT`, `ERROR(err)`, `CLOSE`, `DONE(id, err, bytes)` (id 0: the
//!   connect). `sync` is true when the output was produced inside a call from JavaScript (the
//!   JavaScript side then defers it as Node would) and false when it comes from the loop.
//! - `onmessage.call(owner, data, address, family, port)` for each datagram: `data` is its
//!   `Buffer`, or, for datagrams of at most 64 bytes, its length, its bytes being at the start
//!   of the staging `ArrayBuffer` given to `init`.
//! - errors are built by `makeError({code, message, kind, errno, syscall, address, port,
//!   hostname})` so that they have Node's classes and shapes; errors of a JavaScript `lookup` are
//!   passed back as the very objects it gave.
//!
//! Unsafe code lives in [`sys`] only.
#![deny(unsafe_code)]

mod sys;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use node_dgram::batch::{recv_batch, RecvArena};
use node_dgram::embed::{Completer, Core, IoHandle, Membership, Output, Recv, Sock};
use node_dgram::{parse_ip, AddressInfo, BindOptions, Error, ErrorClass, Family, Message, SocketOptions, SocketType};

use sys::{Cx, Env, Finalize, JsResult, Poll, PollTarget, Ref, Staging, Thrown, Type, Val};

/// Output kinds passed to `onevent`.
const LOOKUP: i32 = 0;
const LISTENING: i32 = 1;
const CONNECT: i32 = 2;
const ERROR: i32 = 3;
const CLOSE: i32 = 4;
const DONE: i32 = 5;

/// One receive slot: any UDP payload fits.
const SLOT: usize = 65_536;
/// The largest recvmmsg batch.
const MAX_BATCH: usize = 64;
/// Datagrams delivered per readiness event at most, so timers and other handles get their turn
/// under a flood (libuv reads 32 per event for Node's own sockets).
const PER_WAKE: usize = 256;

/// The open socket, as the core keeps it; polling is the [`Handle`]'s business.
struct UvFd(socket2::Socket);

impl IoHandle for UvFd {
    fn open(sock: socket2::Socket) -> std::io::Result<Self> {
        Ok(UvFd(sock))
    }
    fn socket(&self) -> &socket2::Socket {
        &self.0
    }
}

/// The JavaScript functions every handle calls.
struct Callbacks {
    onevent: Ref,
    onmessage: Ref,
    make_error: Ref,
    /// Where datagrams of at most [`STAGED`] bytes are handed to `onmessage`.
    staging: Staging,
}

/// Datagrams up to this size reach JavaScript through the staging area, which makes their
/// `Buffer` there; larger ones as a `Buffer` made natively, which costs less from that size on.
const STAGED: usize = 64;

impl Callbacks {
    fn delete(self, env: Env) {
        env.drop_ref(self.onevent);
        env.drop_ref(self.onmessage);
        env.drop_ref(self.make_error);
        env.drop_staging(self.staging);
    }
}

thread_local! {
    /// Per JavaScript thread (main thread or worker), as each has its own env.
    static CALLBACKS: RefCell<Option<Rc<Callbacks>>> = const { RefCell::new(None) };
}

thread_local! {
    /// The one handle holding corked sends, if any: before anything else is done on any
    /// socket, they go out, so that system calls keep the order in which Node would make them.
    static CORKED: RefCell<Option<std::rc::Weak<Handle>>> = const { RefCell::new(None) };
}

/// Writes the corked sends, if any handle holds some. `sync`: inside a call from JavaScript.
fn uncork_all(env: Env, sync: bool) -> Result<(), Thrown> {
    let Some(h) = CORKED.with(|c| c.borrow_mut().take()).and_then(|w| w.upgrade()) else { return Ok(()) };
    if h.corked.replace(false) {
        h.pump(env, sync)?;
    }
    Ok(())
}

/// Whether `h` is the handle holding corked sends.
fn holds_cork(h: &Rc<Handle>) -> bool {
    CORKED.with(|c| c.borrow().as_ref().is_some_and(|w| std::ptr::eq(w.as_ptr(), Rc::as_ptr(h))))
}

fn callbacks() -> Option<Rc<Callbacks>> {
    CALLBACKS.with(|c| c.borrow().clone())
}

/// A send's (or, with id 0, the connect's) id and outcome.
type Outcome = (u32, Result<usize, Error>);

type Finished = Arc<Mutex<VecDeque<Outcome>>>;

/// A socket's native half.
struct Handle {
    core: RefCell<Core<UvFd>>,
    /// The JavaScript socket: weak while nothing is pending, strong while the socket is bound
    /// and open (Node keeps an active handle's object alive).
    owner: Ref,
    ctx: RefCell<Option<sys::AsyncCtx>>,
    poll: RefCell<Option<Poll>>,
    polled_fd: Cell<RawFd>,
    referenced: Cell<bool>,
    arena: RefCell<Option<RecvArena>>,
    want: Cell<usize>,
    finished: Finished,
    /// Errors a JavaScript lookup gave, by token, until the core hands them back.
    lookup_errors: RefCell<HashMap<u64, Ref>>,
    next_token: Cell<u64>,
    /// Outputs not delivered because a JavaScript callback threw; delivered next time.
    backlog: RefCell<VecDeque<Output>>,
    /// The last sender and its address string.
    last_from: RefCell<Option<(SocketAddr, Ref)>>,
    me: RefCell<std::rc::Weak<Handle>>,
    /// Sends taken with `cork` that the core holds until the next `flush()` or other call.
    corked: Cell<bool>,
    /// While `flush()` runs: send outcomes gathered for its return value instead of emitted.
    collect: RefCell<Option<Vec<Outcome>>>,
}

impl Finalize for Handle {
    fn finalize(&self, env: Env) {
        if let Some(p) = self.poll.borrow_mut().take() {
            p.close();
        }
        if let Some(ctx) = self.ctx.borrow_mut().take() {
            env.drop_async_context(ctx);
        }
        for (_, r) in self.lookup_errors.borrow_mut().drain() {
            env.drop_ref(r);
        }
        self.forget_sender(env);
        env.release_ref(&self.owner);
        // Dropping the core closes the descriptor (after the poll stopped above).
    }
}

fn throw_error(env: Env, e: &Error) -> Thrown {
    match js_error(env, e, None) {
        Ok(v) => Thrown::Value(v),
        Err(t) => t,
    }
}

/// Builds the JavaScript error for `e` with the JavaScript side's `makeError`.
fn js_error(env: Env, e: &Error, h: Option<&Handle>) -> JsResult {
    if let (Some(t), Some(h)) = (e.token(), h) {
        if let Some(r) = h.lookup_errors.borrow_mut().remove(&t) {
            let v = env.deref(&r);
            env.drop_ref(r);
            return Ok(v);
        }
    }
    let o = env.object();
    env.set(o, c"code", env.string(e.code()))?;
    env.set(o, c"message", env.string(e.message()))?;
    let kind = match e.class() {
        ErrorClass::Error => "Error",
        ErrorClass::TypeError => "TypeError",
        ErrorClass::RangeError => "RangeError",
        ErrorClass::SystemError => "SystemError",
    };
    env.set(o, c"kind", env.string(kind))?;
    if let Some(n) = e.errno() {
        env.set(o, c"errno", env.int(n))?;
    }
    if let Some(s) = e.syscall() {
        env.set(o, c"syscall", env.string(s))?;
    }
    if let Some(a) = e.address() {
        env.set(o, c"address", env.string(a))?;
    }
    if let Some(p) = e.port() {
        env.set(o, c"port", env.int(p as i32))?;
    }
    if let Some(hn) = e.hostname() {
        env.set(o, c"hostname", env.string(hn))?;
    }
    let Some(cb) = callbacks() else { return Ok(env.plain_error(e.message())) };
    let f = env.deref(&cb.make_error);
    let u = env.undefined();
    env.call(u, f, &[o])
}

fn arg_string(env: Env, v: Val) -> Option<String> {
    if env.is_nullish(v) {
        None
    } else {
        env.get_string(v)
    }
}

fn arg_f64(env: Env, v: Val) -> Option<f64> {
    env.get_f64(v)
}

fn arg_i64(env: Env, v: Val) -> i64 {
    env.get_f64(v).map(|x| x as i64).unwrap_or(0)
}

fn type_error(env: Env, msg: &str) -> Thrown {
    Thrown::Value(env.plain_error(msg))
}

/// Reads a message argument: a Buffer or an array of Buffers (the JavaScript side converts
/// every other form).
fn read_message(env: Env, v: Val) -> Result<Message, Thrown> {
    if let Some(len) = env.array_len(v) {
        let mut parts = Vec::with_capacity(len as usize);
        for i in 0..len {
            let el = env.element(v, i)?;
            let b =
                env.with_buffer(el, bytes::Bytes::copy_from_slice).ok_or_else(|| type_error(env, "not a Buffer"))?;
            parts.push(b);
        }
        return Ok(if parts.len() == 1 { Message::One(parts.pop().unwrap_or_default()) } else { Message::Many(parts) });
    }
    env.with_buffer(v, |b| Message::One(bytes::Bytes::copy_from_slice(b)))
        .ok_or_else(|| type_error(env, "not a Buffer"))
}

fn address_object(env: Env, a: &AddressInfo) -> JsResult {
    let o = env.object();
    env.set(o, c"address", env.string(&a.address_string()))?;
    env.set(o, c"family", env.string(if a.family == Family::IPv4 { "IPv4" } else { "IPv6" }))?;
    env.set(o, c"port", env.int(a.port as i32))?;
    Ok(o)
}

impl Handle {
    fn me(&self) -> Rc<Handle> {
        self.me.borrow().upgrade().expect("a handle in use is alive")
    }

    /// Lets the core progress and delivers what it produced, in order. `sync`: inside a call
    /// from JavaScript (plain calls) rather than from the loop (`make_callback`).
    fn pump(&self, env: Env, sync: bool) -> Result<(), Thrown> {
        loop {
            let mut outs = std::mem::take(&mut *self.backlog.borrow_mut());
            {
                let mut core = self.core.borrow_mut();
                core.advance();
                outs.extend(core.take_output());
            }
            self.sync_poll(env);
            if outs.is_empty() {
                return Ok(());
            }
            while let Some(o) = outs.pop_front() {
                if let Err(t) = self.deliver(env, o, sync) {
                    self.backlog.borrow_mut().extend(outs);
                    return Err(t);
                }
            }
        }
    }

    fn emit(&self, env: Env, sync: bool, args: &[Val]) -> Result<(), Thrown> {
        let Some(cb) = callbacks() else { return Ok(()) };
        let f = env.deref(&cb.onevent);
        let owner = env.deref(&self.owner);
        let mut all: Vec<Val> = args.to_vec();
        while all.len() < 4 {
            all.push(env.undefined());
        }
        all.push(env.boolean(sync));
        if sync {
            env.call(owner, f, &all).map(|_| ())
        } else {
            let ctx = self.ctx.borrow();
            match ctx.as_ref() {
                Some(ctx) => {
                    env.make_callback(ctx, owner, f, &all);
                    Ok(())
                }
                None => Ok(()),
            }
        }
    }

    fn deliver(&self, env: Env, o: Output, sync: bool) -> Result<(), Thrown> {
        match o {
            Output::Lookup { id, host } => {
                self.emit(env, sync, &[env.int(LOOKUP), env.number(id as f64), env.string(&host)])
            }
            Output::Listening => self.emit(env, sync, &[env.int(LISTENING)]),
            Output::Connect => self.emit(env, sync, &[env.int(CONNECT)]),
            Output::Close => {
                let r = self.emit(env, sync, &[env.int(CLOSE)]);
                self.release(env);
                r
            }
            Output::Error(e) => {
                let err = js_error(env, &e, Some(self))?;
                self.emit(env, sync, &[env.int(ERROR), err])
            }
            Output::Done(f) => {
                // Our completers all have callbacks, which queue the outcome in `finished`.
                let _ = f();
                let items: Vec<_> = self.finished.lock().map(|mut q| q.drain(..).collect()).unwrap_or_default();
                if let Some(c) = self.collect.borrow_mut().as_mut() {
                    c.extend(items);
                    return Ok(());
                }
                for (id, r) in items {
                    let (err, n) = match r {
                        Ok(n) => (env.null(), env.number(n as f64)),
                        Err(e) => (js_error(env, &e, Some(self))?, env.undefined()),
                    };
                    self.emit(env, sync, &[env.int(DONE), env.number(id as f64), err, n])?;
                }
                Ok(())
            }
        }
    }

    /// After `close`: the JavaScript object no longer needs to stay alive for the loop.
    fn release(&self, env: Env) {
        env.set_strong(&self.owner, false);
        self.forget_sender(env);
        for (_, r) in self.lookup_errors.borrow_mut().drain() {
            env.drop_ref(r);
        }
    }

    /// Keeps the poll handle in step with the core: started once the socket is open, watching
    /// writability while sends wait for room, stopped and closed when the socket closes.
    fn sync_poll(&self, env: Env) {
        let (fd, wants_write) = {
            let core = self.core.borrow();
            (core.fd(), core.wants_write())
        };
        match fd {
            Some(fd) => {
                if self.polled_fd.get() != fd {
                    if let Some(p) = self.poll.borrow_mut().take() {
                        p.close();
                    }
                    let target: Rc<dyn PollTarget> = self.me();
                    match Poll::start(env, fd, target) {
                        Ok(p) => {
                            p.set_ref(self.referenced.get());
                            *self.poll.borrow_mut() = Some(p);
                            self.polled_fd.set(fd);
                            env.set_strong(&self.owner, true);
                        }
                        Err(e) => {
                            let e = Error::from_io(&e, "uv_poll_start", None, None);
                            self.backlog.borrow_mut().push_back(Output::Error(e));
                        }
                    }
                }
                if let Some(p) = self.poll.borrow().as_ref() {
                    let _ = p.watch(true, wants_write);
                }
            }
            None => {
                if let Some(p) = self.poll.borrow_mut().take() {
                    p.close();
                }
                self.polled_fd.set(-1);
            }
        }
    }

    fn completer(&self, id: u32) -> Completer<usize> {
        let q = self.finished.clone();
        Completer::new(move |r| {
            if let Ok(mut q) = q.lock() {
                q.push_back((id, r));
            }
        })
    }

    /// Lets go of the address string [`Handle::sender_string`] kept.
    fn forget_sender(&self, env: Env) {
        if let Some((_, r)) = self.last_from.borrow_mut().take() {
            env.drop_ref(r);
        }
    }

    /// `from` as JavaScript's `rinfo.address`, kept for the next datagram from the same sender.
    fn sender_string(&self, env: Env, from: SocketAddr) -> Val {
        let mut last = self.last_from.borrow_mut();
        if let Some((a, r)) = last.as_ref() {
            if *a == from {
                return env.deref(r);
            }
        }
        let v = env.string(&AddressInfo::from(from).address_string());
        if let Ok(r) = env.reference(v, true) {
            if let Some((_, old)) = last.replace((from, r)) {
                env.drop_ref(old);
            }
        }
        v
    }

    /// Reads and delivers what is waiting, up to [`PER_WAKE`] datagrams.
    fn receive(&self, env: Env) {
        let Some(cb) = callbacks() else { return };
        let mut delivered = 0;
        while delivered < PER_WAKE {
            let Some(fd) = self.core.borrow().fd() else { return };
            let want = self.want.get();
            let mut arena = match self.arena.borrow_mut().take() {
                Some(a) => a,
                None => RecvArena::new(want, SLOT),
            };
            let r = recv_batch(fd, &mut arena, want);
            let n = match self.core.borrow_mut().received(r) {
                Recv::Batch(n) => n,
                Recv::WouldBlock => 0,
            };
            if n == 0 {
                *self.arena.borrow_mut() = Some(arena);
                // An error may have been queued (recvmsg ECONNREFUSED).
                let _ = self.pump(env, false);
                return;
            }
            let f = env.deref(&cb.onmessage);
            let owner = env.deref(&self.owner);
            for i in 0..n {
                if self.core.borrow().is_closed() {
                    return;
                }
                let (bytes, from) = arena.get(i);
                let Some(from) = from else { continue };
                let addr = self.sender_string(env, from);
                let buf = if bytes.len() <= STAGED && cb.staging.write(bytes) {
                    env.int(bytes.len() as i32)
                } else {
                    let Ok(buf) = env.buffer_copy(bytes) else { continue };
                    buf
                };
                let family = env.int(if from.is_ipv4() { 4 } else { 6 });
                let port = env.int(from.port() as i32);
                let ctx = self.ctx.borrow();
                if let Some(ctx) = ctx.as_ref() {
                    env.make_callback(ctx, owner, f, &[buf, addr, family, port]);
                }
            }
            delivered += n;
            if n == want && want < MAX_BATCH {
                self.want.set((want * 2).min(MAX_BATCH));
                *self.arena.borrow_mut() = None;
            } else {
                *self.arena.borrow_mut() = Some(arena);
            }
        }
    }
}

impl PollTarget for Handle {
    fn ready(&self, env: Env, status: i32, readable: bool, writable: bool) {
        if self.core.borrow().is_closed() {
            return;
        }
        if status < 0 {
            // EPOLLERR: a pending socket error (ICMP), taken as libuv's receive path does.
            // libuv stopped the poll handle; the pump below starts it again.
            if let Some(p) = self.poll.borrow().as_ref() {
                p.stopped_by_loop();
            }
            self.core.borrow_mut().take_socket_error();
            let _ = self.pump(env, false);
            return;
        }
        // Sends corked by a burst that JavaScript never ended (a throwing tick callback).
        let _ = uncork_all(env, false);
        if writable {
            self.core.borrow_mut().flush();
            let _ = self.pump(env, false);
        }
        if readable {
            self.receive(env);
        }
    }
}

// ---- the class exposed to JavaScript ----

fn ctor(cx: &mut Cx) -> Result<Rc<Handle>, Thrown> {
    let env = cx.env;
    let ty = if env.get_f64(cx.arg(0)) == Some(6.0) { SocketType::Udp6 } else { SocketType::Udp4 };
    let mut o = SocketOptions::new(ty)
        .reuse_addr(env.get_bool(cx.arg(1)).unwrap_or(false))
        .reuse_port(env.get_bool(cx.arg(2)).unwrap_or(false))
        .ipv6_only(env.get_bool(cx.arg(3)).unwrap_or(false))
        .lookup_all(true)
        .gso(env.get_bool(cx.arg(7)).unwrap_or(false));
    if let Some(n) = arg_f64(env, cx.arg(4)) {
        o = o.recv_buffer_size(n as u32);
    }
    if let Some(n) = arg_f64(env, cx.arg(5)) {
        o = o.send_buffer_size(n as u32);
    }
    let owner_val = cx.arg(6);
    if env.type_of(owner_val) != Type::Object {
        return Err(type_error(env, "node-dgram: the owner must be an object"));
    }
    let owner = env.reference(owner_val, false)?;
    let ctx = env.async_context(owner_val, "UDPWRAP")?;
    let h = Rc::new(Handle {
        core: RefCell::new(Core::new(o)),
        owner,
        ctx: RefCell::new(Some(ctx)),
        poll: RefCell::new(None),
        polled_fd: Cell::new(-1),
        referenced: Cell::new(true),
        arena: RefCell::new(None),
        want: Cell::new(1),
        finished: Arc::new(Mutex::new(VecDeque::new())),
        lookup_errors: RefCell::new(HashMap::new()),
        next_token: Cell::new(1),
        backlog: RefCell::new(VecDeque::new()),
        last_from: RefCell::new(None),
        me: RefCell::new(std::rc::Weak::new()),
        corked: Cell::new(false),
        collect: RefCell::new(None),
    });
    *h.me.borrow_mut() = Rc::downgrade(&h);
    Ok(h)
}

fn done(env: Env, h: &Handle, r: Result<(), Error>) -> JsResult {
    r.map_err(|e| throw_error(env, &e))?;
    h.pump(env, true)?;
    Ok(env.undefined())
}

/// `bind(port, address, fd)`.
fn m_bind(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let fd = arg_f64(env, cx.arg(2)).unwrap_or(-1.0);
    let o = if fd >= 0.0 {
        match sys::adopt_fd(fd as i32) {
            Some(owned) => BindOptions::new().fd(owned),
            None => return Err(throw_error(env, &Error::system(libc::EBADF, "open", None, None))),
        }
    } else {
        let mut o = BindOptions::new().port(arg_i64(env, cx.arg(0)).clamp(0, 65535) as u16);
        if let Some(a) = arg_string(env, cx.arg(1)) {
            o = o.address(a);
        }
        o
    };
    let r = h.core.borrow_mut().bind(o, None);
    done(env, h, r)
}

/// `connect(port, address)`.
fn m_connect(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let port = arg_i64(env, cx.arg(0)).clamp(0, 65535) as u16;
    let addr = arg_string(env, cx.arg(1)).unwrap_or_default();
    let q = h.finished.clone();
    let c = Completer::new(move |r: Result<(), Error>| {
        if let Ok(mut q) = q.lock() {
            q.push_back((0, r.map(|_| 0)));
        }
    });
    let r = h.core.borrow_mut().connect(port, &addr, c);
    done(env, h, r)
}

fn m_disconnect(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let r = h.core.borrow_mut().disconnect();
    done(cx.env, h, r)
}

/// `send(msg, port, address, id, connected, literal, cork)`: `literal` for an IP literal that
/// needs no lookup (id 0: no callback, nothing reported); `cork` holds it with the sends corked
/// before it until the burst's last send (sent without `cork`), a `flush()`, or any other call
/// on any handle.
fn m_send(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let literal = env.get_bool(cx.arg(5)) == Some(true);
    let cork = literal && env.get_bool(cx.arg(6)) == Some(true);
    // A literal send joins the sends this handle holds corked; anything else, or a send of
    // another handle, lets them go first.
    if !(literal && holds_cork(h)) {
        uncork_all(env, true)?;
    }
    let msg = read_message(env, cx.arg(0))?;
    let id = arg_f64(env, cx.arg(3)).unwrap_or(0.0) as u32;
    let c = if literal && id == 0 { Completer::new(|_| {}) } else { h.completer(id) };
    let r = if env.get_bool(cx.arg(4)) == Some(true) {
        h.core.borrow_mut().send_connected(msg, c)
    } else {
        let port = arg_i64(env, cx.arg(1)).clamp(0, 65535) as u16;
        let addr = arg_string(env, cx.arg(2)).unwrap_or_default();
        if env.get_bool(cx.arg(5)) == Some(true) {
            h.core.borrow_mut().send_to_literal(msg, port, &addr, c)
        } else {
            h.core.borrow_mut().send_to(msg, port, &addr, c)
        }
    };
    if cork && r.is_ok() {
        h.corked.set(true);
        CORKED.with(|c| *c.borrow_mut() = Some(Rc::downgrade(h)));
        return Ok(env.undefined());
    }
    if literal && holds_cork(h) {
        // The burst's last send: out together with the ones corked before it.
        CORKED.with(|c| c.borrow_mut().take());
        h.corked.set(false);
    }
    done(env, h, r)
}

/// `flush()`: writes the corked sends (with one system call where it can) and returns their
/// outcomes, and those of any other send that ended meanwhile, as `[id, error, bytes, ...]`
/// (`error` null on success), or undefined when there are none. Sends corked with id 0 have
/// no callback and report nothing.
fn m_flush(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    if !holds_cork(h) {
        return Ok(env.undefined());
    }
    CORKED.with(|c| c.borrow_mut().take());
    h.corked.set(false);
    *h.collect.borrow_mut() = Some(Vec::new());
    let r = h.pump(env, true);
    let items = h.collect.borrow_mut().take().unwrap_or_default();
    r?;
    if items.is_empty() {
        return Ok(env.undefined());
    }
    let arr = env.array(items.len() * 3)?;
    for (i, (id, r)) in items.into_iter().enumerate() {
        let (err, n) = match r {
            Ok(n) => (env.null(), env.number(n as f64)),
            Err(e) => (js_error(env, &e, Some(h))?, env.undefined()),
        };
        let at = (i * 3) as u32;
        env.set_element(arr, at, env.number(id as f64))?;
        env.set_element(arr, at + 1, err)?;
        env.set_element(arr, at + 2, n)?;
    }
    Ok(arr)
}

/// `resolved(id, err, address)`: a lookup the core asked for finished.
fn m_resolved(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let id = arg_f64(env, cx.arg(0)).unwrap_or(0.0) as u64;
    let err = cx.arg(1);
    if env.is_nullish(err) {
        let a = arg_string(env, cx.arg(2)).unwrap_or_default();
        if parse_ip(&a).is_none() {
            h.core.borrow_mut().resolved_unparsable(id, &a);
            h.pump(env, true)?;
            return Ok(env.undefined());
        }
    }
    let r = if !env.is_nullish(err) {
        let token = h.next_token.get();
        h.next_token.set(token + 1);
        let code = if env.type_of(err) == Type::Object {
            env.get(err, c"code").ok().and_then(|c| env.get_string(c))
        } else {
            None
        };
        let r = env.reference(err, true)?;
        h.lookup_errors.borrow_mut().insert(token, r);
        Err(Error::external(token, code.as_deref().unwrap_or("ERR_LOOKUP"), "lookup failed"))
    } else {
        let a = arg_string(env, cx.arg(2)).unwrap_or_default();
        match parse_ip(&a) {
            Some((ip, scope)) => {
                let mut sa = SocketAddr::new(ip, 0);
                if let SocketAddr::V6(v6) = &mut sa {
                    v6.set_scope_id(scope);
                }
                Ok(sa)
            }
            // Node hands an address it cannot parse to the system call, which refuses it.
            None => Err(Error::system(libc::EINVAL, "getaddrinfo", None, None)),
        }
    };
    h.core.borrow_mut().resolved_addr(id, r);
    h.pump(env, true)?;
    Ok(env.undefined())
}

fn m_close(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let sock = h.core.borrow_mut().close().map_err(|e| throw_error(env, &e))?;
    if let Some(p) = h.poll.borrow_mut().take() {
        p.close();
    }
    h.polled_fd.set(-1);
    drop::<Option<Sock<UvFd>>>(sock);
    *h.arena.borrow_mut() = None;
    h.pump(env, true)?;
    Ok(env.undefined())
}

fn m_address(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let a = h.core.borrow().address().map_err(|e| throw_error(env, &e))?;
    address_object(env, &a)
}

fn m_remote_address(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let a = h.core.borrow().remote_address().map_err(|e| throw_error(env, &e))?;
    address_object(env, &a)
}

fn m_set_broadcast(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let on = env.get_bool(cx.arg(0)).unwrap_or(false);
    h.core.borrow().with_socket("setBroadcast", |s| s.set_broadcast(on)).map_err(|e| throw_error(env, &e))?;
    Ok(env.undefined())
}

/// `setTTL(ttl)` / `setMulticastTTL(ttl)`: `(ttl, multicast)`.
fn m_set_hops(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let ttl = arg_i64(env, cx.arg(0));
    let multicast = env.get_bool(cx.arg(1)).unwrap_or(false);
    let v = h.core.borrow().set_hops(multicast, ttl).map_err(|e| throw_error(env, &e))?;
    Ok(env.number(v as f64))
}

fn m_set_multicast_loopback(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let on = env.get_bool(cx.arg(0)).unwrap_or(false);
    let v = h.core.borrow().set_multicast_loopback(on).map_err(|e| throw_error(env, &e))?;
    Ok(env.boolean(v))
}

fn m_set_multicast_interface(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let iface = arg_string(env, cx.arg(0)).unwrap_or_default();
    h.core.borrow().set_multicast_interface(&iface).map_err(|e| throw_error(env, &e))?;
    Ok(env.undefined())
}

/// `membership(which, group, source, iface)`; which: 0 add, 1 drop, 2 add source-specific,
/// 3 drop source-specific.
fn m_membership(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let which = match arg_i64(env, cx.arg(0)) {
        0 => Membership::Add,
        1 => Membership::Drop,
        2 => Membership::AddSource,
        _ => Membership::DropSource,
    };
    let group = arg_string(env, cx.arg(1)).unwrap_or_default();
    let source = arg_string(env, cx.arg(2));
    let iface = arg_string(env, cx.arg(3));
    let r = h.core.borrow_mut().membership(which, &group, source.as_deref(), iface.as_deref());
    // A failed call may still have bound the socket: deliver that first.
    h.pump(env, true)?;
    r.map_err(|e| throw_error(env, &e))?;
    Ok(env.undefined())
}

/// `bufferSize(recv, size)`: size undefined reads.
fn m_buffer_size(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let recv = env.get_bool(cx.arg(0)).unwrap_or(true);
    let set = arg_f64(env, cx.arg(1)).map(|n| n as usize);
    let v = h.core.borrow().buffer_size(recv, set).map_err(|e| throw_error(env, &e))?;
    Ok(env.number(v as f64))
}

fn m_queue_size(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    Ok(cx.env.number(h.core.borrow().kernel_queue().1 as f64))
}

fn m_queue_count(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    Ok(cx.env.number(h.core.borrow().kernel_queue().0 as f64))
}

/// `ref(on)`.
fn m_ref(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let on = cx.env.get_bool(cx.arg(0)).unwrap_or(true);
    h.referenced.set(on);
    if let Some(p) = h.poll.borrow().as_ref() {
        p.set_ref(on);
    }
    Ok(cx.env.undefined())
}

fn m_has_ref(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let active = h.poll.borrow().is_some();
    Ok(cx.env.boolean(active && h.referenced.get()))
}

fn m_fd(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    Ok(cx.env.int(h.core.borrow().fd().unwrap_or(-1)))
}

/// `init(onevent, onmessage, makeError, staging)`: `staging` is an `ArrayBuffer` private to
/// the addon's JavaScript.
fn f_init(cx: &mut Cx) -> JsResult {
    let env = cx.env;
    for i in 0..3 {
        if env.type_of(cx.arg(i)) != Type::Function {
            return Err(type_error(env, "node-dgram: init needs three functions and an ArrayBuffer"));
        }
    }
    let Some(staging) = env.staging(cx.arg(3)) else {
        return Err(type_error(env, "node-dgram: init needs three functions and an ArrayBuffer"));
    };
    let cb = Callbacks {
        onevent: env.reference(cx.arg(0), true)?,
        onmessage: env.reference(cx.arg(1), true)?,
        make_error: env.reference(cx.arg(2), true)?,
        staging,
    };
    sys::on_env_teardown(env, |env| {
        if let Some(old) = CALLBACKS.with(|c| c.borrow_mut().take()) {
            if let Ok(old) = Rc::try_unwrap(old) {
                old.delete(env);
            }
        }
    });
    if let Some(old) = CALLBACKS.with(|c| c.borrow_mut().replace(Rc::new(cb))) {
        if let Ok(old) = Rc::try_unwrap(old) {
            old.delete(env);
        }
    }
    Ok(env.undefined())
}

/// `dup(fd)`: a duplicate descriptor (for a cluster worker's shared socket), or a thrown
/// system error.
fn f_dup(cx: &mut Cx) -> JsResult {
    let env = cx.env;
    let fd = arg_f64(env, cx.arg(0)).unwrap_or(-1.0) as i32;
    match sys::dup_fd(fd) {
        Ok(n) => Ok(env.int(n)),
        Err(errno) => Err(throw_error(env, &Error::system(errno, "dup", None, None))),
    }
}

/// A method that first writes the corked sends, if any handle holds some: Node would have
/// made their system calls before this method's. (`send` and `flush` manage the cork
/// themselves; the methods left bare make no system call whose order can be seen.)
macro_rules! uncorked {
    ($method:ident) => {{
        fn after_uncork(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
            uncork_all(cx.env, true)?;
            $method(cx, h)
        }
        after_uncork as sys::Method<Handle>
    }};
}

/// Called by [`sys`] when Node loads the addon: defines `Handle`, `init` and `dup`.
fn init(env: Env, exports: Val) -> Result<(), Thrown> {
    let methods: &[(&'static std::ffi::CStr, sys::Method<Handle>)] = &[
        (c"bind", uncorked!(m_bind)),
        (c"connect", uncorked!(m_connect)),
        (c"disconnect", uncorked!(m_disconnect)),
        (c"send", m_send),
        (c"flush", m_flush),
        (c"resolved", uncorked!(m_resolved)),
        (c"close", uncorked!(m_close)),
        (c"address", m_address),
        (c"remoteAddress", m_remote_address),
        (c"setBroadcast", uncorked!(m_set_broadcast)),
        (c"setHops", uncorked!(m_set_hops)),
        (c"setMulticastLoopback", uncorked!(m_set_multicast_loopback)),
        (c"setMulticastInterface", uncorked!(m_set_multicast_interface)),
        (c"membership", uncorked!(m_membership)),
        (c"bufferSize", uncorked!(m_buffer_size)),
        (c"queueSize", uncorked!(m_queue_size)),
        (c"queueCount", uncorked!(m_queue_count)),
        (c"ref", m_ref),
        (c"hasRef", m_has_ref),
        (c"fd", uncorked!(m_fd)),
    ];
    let class = sys::define_class::<Handle>(env, c"Handle", ctor, methods)?;
    env.set(exports, c"Handle", class)?;
    env.set(exports, c"init", sys::define_function(env, c"init", f_init)?)?;
    env.set(exports, c"dup", sys::define_function(env, c"dup", f_dup)?)?;
    Ok(())
}
