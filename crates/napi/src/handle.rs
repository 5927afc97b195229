//! A socket's native half: the engine, its poll handle on Node's loop, its receive loop, and the
//! events it hands to JavaScript.

use crate::sys::RawFd;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::rc::{Rc, Weak};

use node_dgram::embed::{Batch, Core, IoHandle, Output, Receiver, PER_WAKE};
use node_dgram::{AddressInfo, Error, SocketOptions, SocketType};

use crate::marshal::{arg_bool, error_descriptor, option, type_error};
use crate::protocol;
use crate::sys::{self, Cx, Env, Finalize, Poll, PollTarget, Ref, Thrown, Timer, Type, Val};
use crate::{Callbacks, Module};

/// Datagrams up to this size reach JavaScript through the staging area, which makes their
/// `Buffer` there; larger ones as a `Buffer` made natively, which costs less from that size on.
pub const STAGED: usize = 64;

/// The 32-bit words (native byte order) that describe each datagram at the start of a batch's
/// buffer, before the payloads: the payload's offset (from the end of these words), its
/// length, the sender's port (bit 16 set for IPv6), and the index of the sender's address in
/// the batch's `senders`.
pub const BATCH_WORDS: usize = 4;

/// The open socket, as the core keeps it; polling is the [`Handle`]'s business.
pub struct UvFd(socket2::Socket);

impl IoHandle for UvFd {
    type Sock = socket2::Socket;
    fn open(sock: socket2::Socket) -> std::io::Result<Self> {
        Ok(UvFd(sock))
    }
    fn socket(&self) -> &socket2::Socket {
        &self.0
    }
}

/// What a handle hands to JavaScript (see [`crate::protocol`]).
pub enum Event {
    /// `LOOKUP(id, host)`.
    Lookup(u64, String),
    /// `LISTENING`.
    Listening,
    /// `CONNECT`.
    Connect,
    /// `ERROR(err)`.
    Error(Error),
    /// `CLOSE`.
    Close,
    /// `DONE(id, err, bytes)`.
    Done(u32, Result<usize, Error>),
}

/// A socket's native half.
pub struct Handle {
    module: Rc<Module>,
    core: RefCell<Core<UvFd>>,
    /// The JavaScript socket: strong from construction until `close` is handed over.
    owner: Ref,
    ctx: RefCell<Option<sys::AsyncCtx>>,
    poll: RefCell<Option<Poll>>,
    polled_fd: Cell<RawFd>,
    /// A descriptor the loop refused to watch: not tried again.
    poll_refused: Cell<RawFd>,
    referenced: Cell<bool>,
    /// The socket's side of the one receive path (the size of its next read).
    receiver: RefCell<Receiver>,
    /// Errors a JavaScript lookup gave, by token, until the core hands them back.
    lookup_errors: RefCell<HashMap<u64, Ref>>,
    next_token: Cell<u64>,
    /// Events of the handle's own making (not the core's), delivered with the core's next ones.
    pending: RefCell<VecDeque<Event>>,
    /// The last sender and its address string (see [`Handle::sender_string`]).
    last_from: RefCell<Option<(SocketAddr, Ref)>>,
    me: Weak<Handle>,
    /// Sends taken with `cork` that the core holds until the burst ends or another call.
    corked: Cell<bool>,
    /// Whether reads go to JavaScript as batches (`onbatch`, one call per read) rather than one
    /// `onmessage` per datagram: switched on when `onmessage` returns true (the socket has a
    /// `messages` listener, the extension), off when `onbatch` returns false.
    batched: Cell<bool>,
    /// Whether the receive callbacks (`onmessage`, `onbatch`) are called without a callback
    /// scope of Node's: the JavaScript face asked for it (`runsTicks`: it then runs the tick
    /// queue itself at the end of each) and enters the socket's async context itself (no `ctx`).
    direct: bool,
    /// Whether reading asks the kernel for UDP GRO (the `gro` option): a burst a GSO sender
    /// sent in one piece (or that a NIC coalesced) then arrives in one read and is split back
    /// into its datagrams here, each delivered as if read alone. Not on a descriptor that may
    /// have other readers (`shared`): a coalesced read would take datagrams from them.
    gro: bool,
    /// Whether GRO was asked for (when the descriptor is first watched).
    gro_asked: Cell<bool>,
    /// Whether the descriptor may have other readers (adopted with `bind({ fd })`, a cluster
    /// worker's): one datagram per read, no GRO.
    shared: Cell<bool>,
    /// The `messagesDelay` extension, in milliseconds (0: off): after a read of 2 datagrams or
    /// more (a batch, or as many `onmessage` calls), reading pauses that long once the wake has
    /// read what waits, so that the next read finds more.
    delay_ms: u64,
    /// Whether reading waits for `pause_timer`: the descriptor is not watched for reading
    /// meanwhile, and nothing is read.
    reading_paused: Cell<bool>,
    /// The pause's timer, made at the first pause; of the socket's ref state, closed with the
    /// poll handle.
    pause_timer: RefCell<Option<Timer>>,
}

impl Finalize for Handle {
    fn finalize(&self, env: Env) {
        if let Some(p) = self.poll.borrow_mut().take() {
            p.close();
        }
        if let Some(t) = self.pause_timer.borrow_mut().take() {
            t.close();
        }
        if let Some(ctx) = self.ctx.borrow_mut().take() {
            env.drop_async_context(ctx);
        }
        self.release(env);
        env.release_ref(&self.owner);
        // Dropping the core closes the descriptor (after the poll stopped above).
    }
}

/// The most datagrams a wake delivers to a socket pausing between reads (`messagesDelay`):
/// about 10 ms of a loopback flood of small datagrams.
const PAUSED_PER_WAKE: usize = 4096;

/// `new Handle(owner, { family, reuseAddr, reusePort, ipv6Only, recvBufferSize,
/// sendBufferSize, gso, gro, messagesDelay, asyncResource })`: `asyncResource`, an object, is the resource of
/// the async context (`napi_async_init`) the handle's callbacks run in (else the owner); `null`:
/// the callbacks run in none of their own, the JavaScript side entering the socket's (so async
/// hooks see no resource of the addon's making); `gro`: batches ask for UDP GRO.
pub fn ctor(cx: &mut Cx) -> Result<Rc<Handle>, Thrown> {
    let env = cx.env;
    let owner_val = cx.arg(0);
    if env.type_of(owner_val) != Type::Object {
        return Err(type_error(env, "node-dgram: the owner must be an object"));
    }
    let o = cx.arg(1);
    let ty = if env.get_f64(option(env, o, c"family")?) == Some(6.0) { SocketType::Udp6 } else { SocketType::Udp4 };
    let mut opts = SocketOptions::new(ty)
        .reuse_addr(arg_bool(env, option(env, o, c"reuseAddr")?, false))
        .reuse_port(arg_bool(env, option(env, o, c"reusePort")?, false))
        .ipv6_only(arg_bool(env, option(env, o, c"ipv6Only")?, false))
        .lookup_all(true)
        .keep_failed_bind_socket(true)
        .silent_membership_bind(true)
        .buffer_size_error_ends_bind(true)
        .gso(arg_bool(env, option(env, o, c"gso")?, false))
        // (GRO is this adapter's to ask for, once the descriptor is watched and known not to
        // be shared with other readers: see `ask_gro`. The core leaves it alone.)
        .gro(false);
    if let Some(n) = env.get_f64(option(env, o, c"recvBufferSize")?) {
        opts = opts.recv_buffer_size(n as u32);
    }
    if let Some(n) = env.get_f64(option(env, o, c"sendBufferSize")?) {
        opts = opts.send_buffer_size(n as u32);
    }
    let gro = arg_bool(env, option(env, o, c"gro")?, false);
    // (Validated by the JavaScript face: an integer from 0 to 1000.)
    let delay_ms = env
        .get_f64(option(env, o, c"messagesDelay")?)
        .filter(|v| v.is_finite() && *v >= 1.0)
        .map_or(0, |v| v.min(1000.0) as u64);
    let module = Module::of(env)?;
    let owner = env.reference(owner_val, true)?;
    let resource = option(env, o, c"asyncResource")?;
    let ctx = match env.type_of(resource) {
        Type::Null => None,
        Type::Object => Some(env.async_context(resource, "UDPWRAP")?),
        _ => Some(env.async_context(owner_val, "UDPWRAP")?),
    };
    let direct = ctx.is_none() && arg_bool(env, option(env, o, c"runsTicks")?, false);
    Ok(Rc::new_cyclic(|me| Handle {
        module,
        core: RefCell::new(Core::new(opts)),
        owner,
        ctx: RefCell::new(ctx),
        poll: RefCell::new(None),
        polled_fd: Cell::new(sys::NO_FD),
        poll_refused: Cell::new(sys::NO_FD),
        referenced: Cell::new(true),
        receiver: RefCell::new(Receiver::new()),
        lookup_errors: RefCell::new(HashMap::new()),
        next_token: Cell::new(1),
        pending: RefCell::new(VecDeque::new()),
        last_from: RefCell::new(None),
        me: me.clone(),
        corked: Cell::new(false),
        batched: Cell::new(false),
        direct,
        gro,
        gro_asked: Cell::new(false),
        shared: Cell::new(false),
        delay_ms,
        reading_paused: Cell::new(false),
        pause_timer: RefCell::new(None),
    }))
}

impl Handle {
    pub fn module(&self) -> &Rc<Module> {
        &self.module
    }

    /// Reads one datagram at a time from now on (see `Receiver::one_at_a_time`): the socket's
    /// descriptor was adopted and may have other readers.
    pub fn read_one_at_a_time(&self) {
        self.receiver.borrow_mut().one_at_a_time();
        self.shared.set(true);
        if self.gro_asked.replace(false) {
            if let Some(fd) = self.core.borrow().fd() {
                let _ = node_dgram::embed::batch::set_gro(fd, false);
            }
        }
    }

    /// Asks the kernel for UDP GRO once the socket is watched (see `gro`). A kernel without it
    /// refuses, and reads get one datagram per entry as before.
    fn ask_gro(&self) {
        if !self.gro || self.shared.get() || self.gro_asked.get() {
            return;
        }
        if let Some(fd) = self.core.borrow().fd() {
            let _ = node_dgram::embed::batch::set_gro(fd, true);
            self.gro_asked.set(true);
        }
    }

    pub fn core(&self) -> &RefCell<Core<UvFd>> {
        &self.core
    }

    fn me(&self) -> Rc<Handle> {
        self.me.upgrade().expect("a handle in use is alive")
    }

    /// Remembers an error a JavaScript lookup gave; the core carries its token.
    pub fn keep_lookup_error(&self, r: Ref) -> u64 {
        let token = self.next_token.get();
        self.next_token.set(token + 1);
        self.lookup_errors.borrow_mut().insert(token, r);
        token
    }

    /// The error a JavaScript lookup gave, by its token.
    pub fn take_lookup_error(&self, env: Env, token: u64) -> Option<Val> {
        let r = self.lookup_errors.borrow_mut().remove(&token)?;
        let v = env.deref(&r);
        env.drop_ref(r);
        Some(v)
    }

    pub fn set_cork(&self) {
        self.corked.set(true);
    }

    /// Ends the cork; whether there was one.
    pub fn take_cork(&self) -> bool {
        self.corked.replace(false)
    }

    pub fn set_referenced(&self, on: bool) {
        self.referenced.set(on);
        if let Some(p) = self.poll.borrow().as_ref() {
            p.set_ref(on);
        }
        if let Some(t) = self.pause_timer.borrow().as_ref() {
            t.set_ref(on);
        }
    }

    /// After a read of 2 datagrams or more (they come faster than they are read): reading
    /// pauses for `delay_ms`, unless it already does or the extension is off.
    fn pause_after_read(&self, env: Env) {
        // (Not once closed, say by the listener that just ran: the timer went with the poll.)
        if self.delay_ms == 0 || self.reading_paused.get() || self.core.borrow().is_closed() {
            return;
        }
        if self.pause_timer.borrow().is_none() {
            let target: Rc<dyn PollTarget> = self.me();
            let Ok(t) = Timer::new(env, target) else { return };
            t.set_ref(self.referenced.get());
            *self.pause_timer.borrow_mut() = Some(t);
        }
        let started = self.pause_timer.borrow().as_ref().is_some_and(|t| t.start(self.delay_ms).is_ok());
        if started {
            self.reading_paused.set(true);
            self.sync_poll(env);
        }
    }

    /// Ends a pause (its timer fired, or the wake ran out of turns): the descriptor is watched
    /// again, and what waits is read at the loop's next poll.
    fn resume_reading(&self, env: Env) {
        if let Some(t) = self.pause_timer.borrow().as_ref() {
            t.stop();
        }
        if self.reading_paused.replace(false) {
            self.sync_poll(env);
        }
    }

    /// Whether the poll handle keeps the loop alive.
    pub fn has_ref(&self) -> bool {
        self.poll.borrow().is_some() && self.referenced.get()
    }

    /// Stops watching the descriptor (before the core closes it).
    pub fn stop_polling(&self) {
        if let Some(p) = self.poll.borrow_mut().take() {
            p.close();
        }
        if let Some(t) = self.pause_timer.borrow_mut().take() {
            t.close();
        }
        self.reading_paused.set(false);
        self.polled_fd.set(sys::NO_FD);
    }

    /// Lets the core progress and queues, in the module's queue, what it produced.
    pub fn pump(&self, env: Env) {
        let me = self.me();
        loop {
            let outs = {
                let mut core = self.core.borrow_mut();
                core.advance();
                core.take_output()
            };
            self.sync_poll(env);
            let mut events: Vec<Event> = self.pending.borrow_mut().drain(..).collect();
            for o in outs {
                match o {
                    Output::Lookup { id, host } => events.push(Event::Lookup(id, host)),
                    Output::Listening => events.push(Event::Listening),
                    Output::Connect => events.push(Event::Connect),
                    Output::Close => events.push(Event::Close),
                    Output::Error(e) => events.push(Event::Error(e)),
                    // (Whether an error goes to `error` is the JavaScript face's decision.)
                    Output::Done { id, result, .. } => events.push(Event::Done(id as u32, result)),
                    _ => {}
                }
            }
            if events.is_empty() {
                return;
            }
            let mut q = self.module.queue.borrow_mut();
            for e in events {
                q.push((me.clone(), e));
            }
        }
    }

    /// The JavaScript socket, for an event about to be handed over; once its `close` is, the
    /// handle keeps nothing of JavaScript alive (the value returned stays alive for the call).
    fn owner_for(&self, env: Env, e: &Event) -> Val {
        let owner = env.deref(&self.owner);
        if matches!(e, Event::Close) {
            self.release(env);
        }
        owner
    }

    /// After `close`: the JavaScript object no longer needs to stay alive for the loop.
    fn release(&self, env: Env) {
        env.set_strong(&self.owner, false);
        if let Some((_, r)) = self.last_from.borrow_mut().take() {
            env.drop_ref(r);
        }
        for (_, r) in self.lookup_errors.borrow_mut().drain() {
            env.drop_ref(r);
        }
    }

    /// Keeps the poll handle in step with the core: started once the socket is open, watching
    /// writability while sends wait for room, stopped and closed when the socket closes.
    fn sync_poll(&self, env: Env) {
        let (fd, wants_write) = {
            let core = self.core.borrow();
            // Only a bound socket is watched (a socket kept by a failed bind is not: like
            // Node's, it keeps nothing alive and receives nothing).
            let bound = core.bind_state() == node_dgram::embed::BindState::Bound;
            (core.fd().filter(|_| bound), core.wants_write())
        };
        let Some(fd) = fd else {
            self.stop_polling();
            return;
        };
        if self.polled_fd.get() != fd && self.poll_refused.get() != fd {
            self.stop_polling();
            let target: Rc<dyn PollTarget> = self.me();
            match Poll::start(env, fd, target) {
                Ok(p) => {
                    p.set_ref(self.referenced.get());
                    *self.poll.borrow_mut() = Some(p);
                    self.polled_fd.set(fd);
                    // (Before the first datagram: a burst queued meanwhile would come cut.)
                    self.ask_gro();
                }
                Err(e) => {
                    // Reported once; the socket stays open but is not watched.
                    self.poll_refused.set(fd);
                    let e = Error::from_io(&e, "uv_poll_start", None, None);
                    self.pending.borrow_mut().push_back(Event::Error(e));
                }
            }
        }
        if let Some(p) = self.poll.borrow().as_ref() {
            let _ = p.watch(!self.reading_paused.get(), wants_write);
        }
    }

    /// The sender's values as one array, `[address, family, port]` (family 4 or 6), made once
    /// per sender in a row: the last one is kept and handed again while the sender stays the
    /// same (JavaScript only reads it). `None` when Node-API fails (an exception is pending).
    fn sender(&self, env: Env, from: SocketAddr) -> Option<Val> {
        let mut last = self.last_from.borrow_mut();
        if let Some((a, r)) = last.as_ref() {
            if *a == from {
                return Some(env.deref(r));
            }
        }
        let values = [
            env.string(&AddressInfo::from(from).address_string()),
            env.int(if from.is_ipv4() { 4 } else { 6 }),
            env.int(from.port() as i32),
        ];
        let arr = env.array(values.len()).ok()?;
        for (i, v) in values.into_iter().enumerate() {
            env.set_element(arr, i as u32, v).ok()?;
        }
        if let Ok(r) = env.reference(arr, true) {
            if let Some((_, old)) = last.replace((from, r)) {
                env.drop_ref(old);
            }
        }
        Some(arr)
    }

    /// The address string of `from` (from [`Handle::sender`]'s array).
    fn sender_string(&self, env: Env, from: SocketAddr) -> Val {
        if let Some(v) = self.sender(env, from).and_then(|arr| env.element(arr, 0).ok()) {
            if env.type_of(v) == Type::String {
                return v;
            }
        }
        env.string(&AddressInfo::from(from).address_string())
    }

    /// Reads and delivers what is waiting, up to [`PER_WAKE`] datagrams (the loop's other
    /// handles get their turn then), through the one receive path: one `onmessage` per
    /// datagram, or, once the socket asked for batches, one `onbatch` per read.
    fn receive(&self, env: Env) {
        let Some(cb) = self.module.callbacks() else { return };
        let mut delivered = 0;
        // A socket pausing between reads (`messagesDelay`) reads what waits to the end, or up to
        // PAUSED_PER_WAKE: the pause that follows is the loop's turn.
        let turn = || if self.reading_paused.get() { PAUSED_PER_WAKE } else { PER_WAKE };
        while delivered < turn() {
            let Some(fd) = self.core.borrow().fd() else { return };
            // (Batches end the wake at a short read; `'message'` reads on to `EAGAIN`.)
            let batched = self.batched.get();
            let read = {
                let mut receiver = self.receiver.borrow_mut();
                receiver.set_ending_wakes_at_short_reads(batched);
                receiver.read(fd)
            };
            let batch = read.into_batch(&mut *self.core.borrow_mut());
            let Some(batch) = batch.filter(|b| !b.is_empty()) else {
                // Nothing more now; an error may have been queued (recvmsg ECONNREFUSED).
                self.pump(env);
                deliver_queued(env, &self.module);
                return;
            };
            let n = if batched { self.deliver_batch(env, &cb, &batch) } else { self.deliver_each(env, &cb, &batch) };
            delivered += n;
            // (The same pacing for batches and for `'message'`, where each datagram is still its
            // own callback and the wake still reads on until the queue is empty, as Node's does.)
            if n >= 2 {
                self.pause_after_read(env);
            }
            let full = batch.is_full();
            drop(batch);
            // On until the queue is empty (EAGAIN), as libuv reads: a datagram that arrived
            // while a handler ran comes before the immediates that handler queued. Batches
            // promise no such order: a read that came back short ends the wake (the queue was
            // empty then; the loop wakes us again for what came since), saving the read that
            // would only have said so.
            if self.core.borrow().is_closed() || (batched && !full) {
                return;
            }
        }
        // Out of turns with datagrams still waiting: a pause begun meanwhile (`messagesDelay`)
        // would let the queue grow while the receiver cannot keep up, so reading goes on from
        // the loop's next poll, and the next batch that finds more than one pauses again.
        self.resume_reading(env);
    }

    /// One `onmessage(data, sender)` per datagram (`sender`: see [`Handle::sender`]), each in
    /// its own callback scope (Node's tick semantics); stops once the socket is closed.
    fn deliver_each(&self, env: Env, cb: &Callbacks, batch: &Batch) -> usize {
        let f = env.deref(&cb.onmessage);
        let owner = env.deref(&self.owner);
        let staging = cb.staging.value(env);
        // The sender's array, looked up again only when the sender changes (values live as long
        // as the wake's handle scope).
        let mut sender: Option<(SocketAddr, Val)> = None;
        // (The receive block list is the JavaScript face's: a net.BlockList.)
        batch.deliver(None, |bytes, from| {
            if self.core.borrow().is_closed() {
                return false;
            }
            let who = match sender {
                Some((a, v)) if a == from => v,
                _ => match self.sender(env, from) {
                    Some(v) => {
                        sender = Some((from, v));
                        v
                    }
                    None => return true,
                },
            };
            let buf = if bytes.len() <= STAGED && cb.staging.write_to(env, staging, bytes) {
                env.int(bytes.len() as i32)
            } else {
                match env.buffer_copy(bytes) {
                    Ok(buf) => buf,
                    Err(_) => return true,
                }
            };
            let r = self.call_receiver(env, owner, f, &[buf, who]);
            if r.is_some_and(|r| env.get_bool(r) == Some(true)) {
                // From the next read on, batches (see `batched`).
                self.batched.set(true);
            }
            true
        })
    }

    /// Calls a receive callback (`onmessage`, `onbatch`) with the socket as `this`: as Node
    /// calls into JavaScript from its loop, or, for a [`Handle::direct`] socket, plainly (its
    /// JavaScript ends the call as Node's callback scope would). What it returned, `None` when
    /// it threw (the exception is then reported as uncaught).
    fn call_receiver(&self, env: Env, owner: Val, f: Val, args: &[Val]) -> Option<Val> {
        if self.direct {
            env.call_from_loop(owner, f, args)
        } else {
            env.make_callback_value(self.ctx.borrow().as_ref(), owner, f, args)
        }
    }

    /// The whole read in one `onbatch(buffer, count, senders)` call (see [`BATCH_WORDS`] for the
    /// buffer's layout; `senders` is the one sender's address string, or an array of them).
    /// The buffer is new for every batch and never written once JavaScript has it.
    fn deliver_batch(&self, env: Env, cb: &Callbacks, batch: &Batch) -> usize {
        if self.core.borrow().is_closed() {
            return 0;
        }
        let (mut count, mut bytes) = (0usize, 0usize);
        batch.deliver(None, |b, _| {
            count += 1;
            bytes += b.len();
            true
        });
        if count == 0 {
            return 0;
        }
        let meta = count * BATCH_WORDS * 4;
        let mut senders: Vec<SocketAddr> = Vec::new();
        let buf = env.buffer_filled(meta + bytes, |out| {
            let (m, d) = out.split_at_mut(meta);
            let (mut i, mut at) = (0usize, 0usize);
            batch.deliver(None, |b, from| {
                if i == count || at + b.len() > d.len() {
                    return false;
                }
                let s = match senders.iter().rposition(|x| *x == from) {
                    Some(k) => k,
                    None => {
                        senders.push(from);
                        senders.len() - 1
                    }
                };
                d[at..at + b.len()].copy_from_slice(b);
                let words = [
                    at as u32,
                    b.len() as u32,
                    from.port() as u32 | if from.is_ipv6() { 1 << 16 } else { 0 },
                    s as u32,
                ];
                for (k, w) in words.iter().enumerate() {
                    let o = (i * BATCH_WORDS + k) * 4;
                    m[o..o + 4].copy_from_slice(&w.to_ne_bytes());
                }
                at += b.len();
                i += 1;
                true
            });
        });
        let Ok(buf) = buf else { return count };
        let who = if senders.len() == 1 {
            self.sender_string(env, senders[0])
        } else {
            let Ok(arr) = env.array(senders.len()) else { return count };
            for (i, from) in senders.iter().enumerate() {
                let v = self.sender_string(env, *from);
                if env.set_element(arr, i as u32, v).is_err() {
                    return count;
                }
            }
            arr
        };
        let f = env.deref(&cb.onbatch);
        let owner = env.deref(&self.owner);
        let r = self.call_receiver(env, owner, f, &[buf, env.int(count as i32), who]);
        if r.is_some_and(|r| env.get_bool(r) == Some(false)) {
            // No `messages` listener any more: one `onmessage` per datagram again.
            self.batched.set(false);
        }
        count
    }

    fn ready_inner(&self, env: Env, status: i32, readable: bool, writable: bool) {
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
            self.pump(env);
            deliver_queued(env, &self.module);
            return;
        }
        // Sends corked by a burst that JavaScript never ended (a throwing tick callback).
        self.module.uncork(env);
        if writable {
            self.core.borrow_mut().flush();
            self.pump(env);
        }
        deliver_queued(env, &self.module);
        if readable && !self.reading_paused.get() {
            self.receive(env);
        }
    }
}

impl PollTarget for Handle {
    fn ready(&self, env: Env, status: i32, readable: bool, writable: bool) {
        self.ready_inner(env, status, readable, writable);
    }
    fn timer(&self, env: Env) {
        self.resume_reading(env);
    }
}

/// The JavaScript arguments of an event: `(kind, a, b, c)`.
fn event_args(env: Env, h: &Handle, e: Event) -> Result<[Val; 4], Thrown> {
    let u = env.undefined();
    Ok(match e {
        Event::Lookup(id, host) => [env.int(protocol::LOOKUP), env.number(id as f64), env.string(&host), u],
        Event::Listening => [env.int(protocol::LISTENING), u, u, u],
        Event::Connect => [env.int(protocol::CONNECT), u, u, u],
        Event::Close => [env.int(protocol::CLOSE), u, u, u],
        Event::Error(e) => [env.int(protocol::ERROR), error_descriptor(env, &e, Some(h))?, u, u],
        Event::Done(id, r) => {
            let (err, n) = match r {
                Ok(n) => (env.null(), env.number(n as f64)),
                Err(e) => (error_descriptor(env, &e, Some(h))?, u),
            };
            [env.int(protocol::DONE), env.number(id as f64), err, n]
        }
    })
}

/// Hands the queued events to JavaScript from the loop: one `onevent` per event, each in its own
/// callback scope, so ticks and microtasks run between them as with Node's own handles.
pub fn deliver_queued(env: Env, module: &Module) {
    let Some(cb) = module.callbacks() else { return };
    loop {
        let items = std::mem::take(&mut *module.queue.borrow_mut());
        if items.is_empty() {
            return;
        }
        let f = env.deref(&cb.onevent);
        for (h, e) in items {
            let owner = h.owner_for(env, &e);
            let Ok([k, a, b, c]) = event_args(env, &h, e) else { continue };
            env.make_callback(h.ctx.borrow().as_ref(), owner, f, &[k, a, b, c, env.boolean(false)]);
        }
    }
}

/// The queued events as a method's return value: `undefined`, or the flat array of
/// [`crate::protocol`] (consecutive successful ends of one socket's sends with consecutive ids
/// and equal sizes as one `DONE_RUN`).
pub fn take_queued(env: Env, module: &Module) -> Result<Val, Thrown> {
    let items = std::mem::take(&mut *module.queue.borrow_mut());
    if items.is_empty() {
        // (Most calls: a send that made no event.)
        return Ok(Val::returns_undefined());
    }
    // Group the runs first: (item index, run length).
    let mut groups: Vec<(usize, u32)> = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        let mut n = 1;
        if let (h, Event::Done(id, Ok(bytes))) = &items[i] {
            if *id != 0 {
                while let Some((h2, Event::Done(id2, Ok(b2)))) = items.get(i + n) {
                    if !Rc::ptr_eq(h, h2) || *id2 != id.wrapping_add(n as u32) || b2 != bytes {
                        break;
                    }
                    n += 1;
                }
            }
        }
        groups.push((i, n as u32));
        i += n;
    }
    let stride = protocol::STRIDE as usize;
    let arr = env.array(groups.len() * stride)?;
    let mut at = 0u32;
    let mut rest = items.into_iter();
    let mut taken = 0usize;
    for (start, n) in groups {
        debug_assert_eq!(start, taken);
        let (h, e) = rest.next().expect("grouped items exist");
        taken += 1;
        let owner = h.owner_for(env, &e);
        let vals = if n > 1 {
            let Event::Done(id, Ok(bytes)) = &e else { unreachable!("a run is of DONEs") };
            for _ in 1..n {
                rest.next();
                taken += 1;
            }
            [env.int(protocol::DONE_RUN), env.number(*id as f64), env.number(n as f64), env.number(*bytes as f64)]
        } else {
            match event_args(env, &h, e) {
                Ok(v) => v,
                Err(t) => {
                    // Keep what was not handed over for the next call.
                    module.queue.borrow_mut().extend(rest);
                    return Err(t);
                }
            }
        };
        env.set_element(arr, at, owner)?;
        for (k, v) in vals.into_iter().enumerate() {
            env.set_element(arr, at + 1 + k as u32, v)?;
        }
        at += stride as u32;
    }
    Ok(arr)
}
