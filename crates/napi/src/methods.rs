//! What JavaScript can call: the methods of `Handle` and the module's functions.
//!
//! A method that changes anything returns the events it produced (see [`crate::protocol`]);
//! one that only reads returns its value.

use std::net::SocketAddr;
use std::rc::Rc;

use node_dgram::embed::{BindState, ConnectState, Membership};
use node_dgram::{parse_ip, BindOptions, Error, Message};

use crate::handle::{take_queued, Handle};
use crate::marshal::{
    address_object, arg_address, arg_bool, arg_i64, arg_string, error_descriptor, read_message, throw_error, type_error,
};
use crate::sys::{self, Cx, Env, JsResult, Method, Type};
use crate::{Callbacks, Module};

/// Wraps a method so that corked sends of any handle go out first.
macro_rules! uncorked {
    ($method:ident) => {{
        fn after_uncork(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
            h.module().uncork(cx.env);
            $method(cx, h)
        }
        after_uncork as Method<Handle>
    }};
}

/// The class's methods. Those wrapped in `uncorked!` first write the sends some handle holds
/// corked: Node would have made their system calls before this method's. (`send` and `flush`
/// manage the cork themselves; the bare ones make no system call whose order can be seen.)
pub const TABLE: &[(&std::ffi::CStr, Method<Handle>)] = &[
    (c"state", m_state),
    (c"reserveBind", m_reserve_bind),
    (c"bind", uncorked!(m_bind)),
    (c"abandonBind", uncorked!(m_abandon_bind)),
    (c"reserveConnect", m_reserve_connect),
    (c"connect", uncorked!(m_connect)),
    (c"disconnect", uncorked!(m_disconnect)),
    (c"send", m_send),
    (c"sendHeld", m_send_held),
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

/// The module's functions.
pub const FUNCTIONS: &[(&std::ffi::CStr, sys::Function)] = &[
    (c"init", f_init),
    (c"take", f_take),
    (c"dup", f_dup),
    (c"guessHandleType", f_guess_handle_type),
    (c"uncaught", f_uncaught),
];

/// Ends a changing method: throws its error (its events stay queued for the next call or
/// `take()`), or returns the events queued so far.
fn respond(env: Env, h: &Rc<Handle>, r: Result<(), Error>) -> JsResult {
    h.pump(env);
    r.map_err(|e| throw_error(env, &e))?;
    take_queued(env, h.module())
}

/// `state()`: the engine's bind and connect states as one number, `bind | connect << 2`, each
/// with Node's values (0 unbound / disconnected, 1 binding / connecting, 2 bound / connected).
/// The JavaScript face reads its state here; it keeps none of its own.
fn m_state(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let core = h.core().borrow();
    let bind = match core.bind_state() {
        BindState::Unbound => 0,
        BindState::Binding => 1,
        _ => 2,
    };
    let connect = match core.connect_state() {
        ConnectState::Disconnected => 0,
        ConnectState::Connecting => 1,
        _ => 2,
    };
    Ok(cx.env.int(bind | connect << 2))
}

/// A state check's outcome, returned rather than thrown (the JavaScript face throws it from
/// the public method, whose frame then tops its stack): `undefined`, or the error's descriptor.
fn checked(env: Env, r: Result<(), Error>) -> JsResult {
    match r {
        Ok(()) => Ok(env.undefined()),
        Err(e) => error_descriptor(env, &e, None),
    }
}

/// `reserveBind()`: Node's first step of `bind()` (see `Core::reserve_bind`).
fn m_reserve_bind(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let r = h.core().borrow_mut().reserve_bind();
    checked(cx.env, r)
}

/// `reserveConnect()`: Node's first step of `connect()` (see `Core::reserve_connect`).
fn m_reserve_connect(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let r = h.core().borrow_mut().reserve_connect();
    checked(cx.env, r)
}

/// `abandonBind(err)`: a reserved bind failed outside the engine (a cluster worker's lookup or
/// the primary's refusal); `error` comes back with the very value given.
fn m_abandon_bind(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let token = h.keep_lookup_error(env.reference(cx.arg(0), true)?);
    h.core().borrow_mut().abandon_bind(Error::external(token, "ERR_BIND", "bind failed"));
    respond(env, h, Ok(()))
}

/// `bind(port, address, fd)`, after `reserveBind()`: `fd` >= 0 adopts that descriptor, as
/// `bind({ fd })`.
fn m_bind(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let fd = env.get_f64(cx.arg(2)).unwrap_or(-1.0);
    let o = if fd >= 0.0 && fd <= i32::MAX as f64 {
        let fd = fd as i32;
        let kind = sys::guess_handle_type(fd);
        if kind != "UDP" {
            return Err(throw_error(env, &node_dgram::embed::invalid_fd_type(kind)));
        }
        if sys::loop_watches(env, fd) {
            // Another handle of this loop has it: Node's open fails the same way.
            return Err(throw_error(env, &Error::system(libc::EEXIST, "open", None, None)));
        }
        match sys::adopt_fd(fd) {
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
    let adopted = fd >= 0.0 && fd <= i32::MAX as f64;
    let r = h.core().borrow_mut().bind_reserved(o, None);
    if adopted && r.is_ok() {
        // (A descriptor from elsewhere, a cluster primary's shared socket or one passed in, may
        // have other readers: read one datagram at a time, as Node does.)
        h.read_one_at_a_time();
    }
    respond(env, h, r)
}

/// `connect(port, address)`, after `reserveConnect()`.
fn m_connect(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let port = arg_i64(env, cx.arg(0)).clamp(0, 65535) as u16;
    let addr = arg_string(env, cx.arg(1)).unwrap_or_default();
    // (Id 0 is the connect's; sends have ids from 1.)
    let r = h.core().borrow_mut().connect_reserved(port, &addr, Some(0));
    respond(env, h, r)
}

fn m_disconnect(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let r = h.core().borrow_mut().disconnect();
    respond(cx.env, h, r)
}

/// A send on the connected socket (no port, no address).
const SEND_CONNECTED: u64 = 1;
/// A send to an IP literal that needs no lookup.
const SEND_LITERAL: u64 = 2;
/// A literal send held with the ones before it (more of the burst follow).
const SEND_CORK: u64 = 4;

/// `send(msg, address, word)`, `word` = (id * 8 + flags) * 65536 + port (flags
/// [`SEND_CONNECTED`], [`SEND_LITERAL`], [`SEND_CORK`]; port 0 when connected): `literal` for an
/// IP literal that needs no lookup (id 0: no callback, nothing reported); `cork` holds it with
/// the sends corked before it until the burst's last send (sent without `cork`), a `flush()`,
/// or any other call on any handle.
fn m_send(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let module = h.module().clone();
    // (`word`: one argument rather than four; see sendWord in index.js.)
    let word = env.get_f64(cx.arg(2)).unwrap_or(0.0);
    let word = if word.is_finite() && word >= 0.0 { word as u64 } else { 0 };
    let port = (word & 0xffff) as u16;
    let word = word >> 16;
    let (id, connected, literal) = ((word >> 3) as u32, word & SEND_CONNECTED != 0, word & SEND_LITERAL != 0);
    let cork = literal && word & SEND_CORK != 0;
    // A literal send joins the sends this handle holds corked; anything else, or a send of
    // another handle, lets them go first.
    if !(literal && module.holds_cork(h)) {
        module.uncork(env);
    }
    let msg = read_message(env, cx.arg(0))?;
    // A literal send without callback (id 0) reports nothing.
    let c = (!(literal && id == 0)).then_some(id as u64);
    let r = if connected {
        h.core().borrow_mut().send_connected(msg, c)
    } else {
        let mut text = [0u8; 80];
        let addr = arg_address(env, cx.arg(1), &mut text);
        if literal {
            h.core().borrow_mut().send_to_literal(msg, port, &addr, c)
        } else {
            h.core().borrow_mut().send_to(msg, port, &addr, c)
        }
    };
    if cork && r.is_ok() {
        h.set_cork();
        module.set_corked(h);
        return take_queued(env, &module);
    }
    if literal && module.holds_cork(h) {
        // The burst's last send: out together with the ones corked before it.
        module.clear_corked();
        h.take_cork();
    }
    respond(env, h, r)
}

/// `sendHeld(words, bytes, count, address)`: `count` literal sends to `address` that the
/// JavaScript face held during a burst, handed over in one call, each then corked as a `send`
/// with `cork` would be. `words` holds three 32-bit words per send (length, port, id; id 0: no
/// callback, nothing reported), `bytes` the payloads back to back. Anything that does not add
/// up (a detached or short buffer, a port above 65535) is refused with a `TypeError` before any
/// send is taken.
fn m_send_held(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let module = h.module().clone();
    if !module.holds_cork(h) {
        module.uncork(env);
    }
    let one = |v| match read_message(env, v)? {
        Message::One(b) => Ok(b),
        _ => Err(type_error(env, "node-dgram: sendHeld needs buffers")),
    };
    let (words, bytes) = (one(cx.arg(0))?, one(cx.arg(1))?);
    let count = env.get_f64(cx.arg(2)).filter(|c| c.is_finite() && *c >= 0.0).map_or(0, |c| c as usize);
    let refused = || type_error(env, "node-dgram: sendHeld: the held sends do not add up");
    if words.len() / 12 < count {
        return Err(refused());
    }
    let word = |i: usize| u32::from_ne_bytes([words[i * 4], words[i * 4 + 1], words[i * 4 + 2], words[i * 4 + 3]]);
    // (Checked whole first: a refusal takes nothing.)
    let mut at = 0usize;
    for i in 0..count {
        let len = word(i * 3) as usize;
        if word(i * 3 + 1) > 0xffff || bytes.len() - at < len {
            return Err(refused());
        }
        at += len;
    }
    let mut text = [0u8; 80];
    let host = arg_address(env, cx.arg(3), &mut text);
    let mut at = 0usize;
    for i in 0..count {
        let (len, port, id) = (word(i * 3) as usize, word(i * 3 + 1) as u16, word(i * 3 + 2));
        let msg = Message::One(bytes.slice(at..at + len));
        at += len;
        let r = h.core().borrow_mut().send_to_literal(msg, port, &host, (id != 0).then_some(id as u64));
        if r.is_err() {
            return respond(env, h, r);
        }
        h.set_cork();
        module.set_corked(h);
    }
    take_queued(env, &module)
}

/// `flush()`: writes the corked sends (with one system call where it can) and returns the
/// events queued, theirs among them.
fn m_flush(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let module = h.module().clone();
    if module.holds_cork(h) {
        module.clear_corked();
        h.take_cork();
        h.pump(env);
    }
    take_queued(env, &module)
}

/// `resolved(id, err, address)`: a lookup the core asked for finished.
fn m_resolved(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let id = env.get_f64(cx.arg(0)).unwrap_or(0.0) as u64;
    let err = cx.arg(1);
    if env.is_nullish(err) {
        let a = arg_string(env, cx.arg(2)).unwrap_or_default();
        match parse_ip(&a) {
            Some((ip, scope)) => {
                let mut sa = SocketAddr::new(ip, 0);
                if let SocketAddr::V6(v6) = &mut sa {
                    v6.set_scope_id(scope);
                }
                h.core().borrow_mut().resolved_addr(id, Ok(sa));
            }
            // Node hands an address it cannot parse to the system call, which refuses it.
            None => h.core().borrow_mut().resolved_unparsable(id, &a),
        }
    } else {
        let code = if env.type_of(err) == Type::Object {
            env.get(err, c"code").ok().and_then(|c| env.get_string(c))
        } else {
            None
        };
        let token = h.keep_lookup_error(env.reference(err, true)?);
        let e = Error::external(token, code.as_deref().unwrap_or("ERR_LOOKUP"), "lookup failed");
        h.core().borrow_mut().resolved_addr(id, Err(e));
    }
    respond(env, h, Ok(()))
}

fn m_close(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let r = h.core().borrow_mut().close();
    match r {
        Ok(sock) => {
            h.stop_polling();
            drop(sock);
            respond(env, h, Ok(()))
        }
        Err(e) => respond(env, h, Err(e)),
    }
}

fn m_address(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let a = h.core().borrow().address().map_err(|e| throw_error(env, &e))?;
    address_object(env, &a)
}

fn m_remote_address(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let a = h.core().borrow().remote_address().map_err(|e| throw_error(env, &e))?;
    address_object(env, &a)
}

fn m_set_broadcast(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let on = arg_bool(env, cx.arg(0), false);
    h.core().borrow().with_socket("setBroadcast", |s| s.set_broadcast(on)).map_err(|e| throw_error(env, &e))?;
    Ok(env.undefined())
}

/// `setHops(ttl, multicast)`: `setTTL(ttl)` / `setMulticastTTL(ttl)`.
fn m_set_hops(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let ttl = arg_i64(env, cx.arg(0));
    let multicast = arg_bool(env, cx.arg(1), false);
    let v = h.core().borrow().set_hops(multicast, ttl).map_err(|e| throw_error(env, &e))?;
    Ok(env.number(v as f64))
}

fn m_set_multicast_loopback(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let on = arg_bool(env, cx.arg(0), false);
    let v = h.core().borrow().set_multicast_loopback(on).map_err(|e| throw_error(env, &e))?;
    Ok(env.boolean(v))
}

fn m_set_multicast_interface(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let iface = arg_string(env, cx.arg(0)).unwrap_or_default();
    h.core().borrow().set_multicast_interface(&iface).map_err(|e| throw_error(env, &e))?;
    Ok(env.undefined())
}

/// `membership(which, group, source, iface)`; which: 0 add, 1 drop, 2 add source-specific,
/// 3 drop source-specific. A failed call may still have bound the socket: its events stay
/// queued for `take()`.
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
    let r = h.core().borrow_mut().membership(which, &group, source.as_deref(), iface.as_deref());
    respond(env, h, r)
}

/// `bufferSize(recv, size)`: size undefined reads.
fn m_buffer_size(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    let env = cx.env;
    let recv = arg_bool(env, cx.arg(0), true);
    let set = env.get_f64(cx.arg(1)).map(|n| n as usize);
    let v = h.core().borrow().buffer_size(recv, set).map_err(|e| throw_error(env, &e))?;
    Ok(env.number(v as f64))
}

fn m_queue_size(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    Ok(cx.env.number(h.core().borrow().kernel_queue().1 as f64))
}

fn m_queue_count(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    Ok(cx.env.number(h.core().borrow().kernel_queue().0 as f64))
}

/// `ref(on)`.
fn m_ref(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    h.set_referenced(arg_bool(cx.env, cx.arg(0), true));
    Ok(cx.env.undefined())
}

fn m_has_ref(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    Ok(cx.env.boolean(h.has_ref()))
}

fn m_fd(cx: &mut Cx, h: &Rc<Handle>) -> JsResult {
    Ok(cx.env.int(sys::js_fd(h.core().borrow().fd())))
}

/// `init(onevent, onmessage, makeError, staging, onbatch)`, once per loaded instance: `staging`
/// is an `ArrayBuffer` private to the addon's JavaScript.
fn f_init(cx: &mut Cx) -> JsResult {
    let env = cx.env;
    let module = Module::of(env)?;
    if module.callbacks().is_some() {
        return Err(type_error(env, "node-dgram: init may be called once"));
    }
    const USAGE: &str = "node-dgram: init needs three functions, an ArrayBuffer and a function";
    for i in [0, 1, 2, 4] {
        if env.type_of(cx.arg(i)) != Type::Function {
            return Err(type_error(env, USAGE));
        }
    }
    let Some(staging) = env.staging(cx.arg(3)) else {
        return Err(type_error(env, USAGE));
    };
    let cb = Callbacks {
        onevent: env.reference(cx.arg(0), true)?,
        onmessage: env.reference(cx.arg(1), true)?,
        onbatch: env.reference(cx.arg(4), true)?,
        make_error: env.reference(cx.arg(2), true)?,
        staging,
    };
    *module.callbacks.borrow_mut() = Some(Rc::new(cb));
    Ok(env.undefined())
}

/// `take()`: the events queued by calls that threw (see [`crate::protocol`]).
fn f_take(cx: &mut Cx) -> JsResult {
    let env = cx.env;
    take_queued(env, &*Module::of(env)?)
}

/// `dup(fd)`: a duplicate descriptor (for a cluster worker's shared socket), or a thrown
/// system error.
fn f_dup(cx: &mut Cx) -> JsResult {
    let env = cx.env;
    let fd = env.get_f64(cx.arg(0)).unwrap_or(-1.0) as i32;
    match sys::dup_fd(fd) {
        Ok(n) => Ok(env.int(n)),
        Err(errno) => Err(throw_error(env, &Error::system(errno, "dup", None, None))),
    }
}

/// `uncaught(err)`: hands `err` to Node's uncaught-exception handling at once: for an exception
/// a listener threw inside the socket's async context, which 'uncaughtException' listeners then
/// see (and which Node's handling leaves, emitting its `after` hooks), as with Node's own handles.
fn f_uncaught(cx: &mut Cx) -> JsResult {
    let env = cx.env;
    env.fatal_exception(cx.arg(0));
    Ok(env.undefined())
}

/// `guessHandleType(fd)`: Node's name for what `fd` is (`UDP`, `TCP`, `PIPE`, `TTY`, `FILE`,
/// `UNKNOWN`).
fn f_guess_handle_type(cx: &mut Cx) -> JsResult {
    let env = cx.env;
    let fd = env.get_f64(cx.arg(0)).unwrap_or(-1.0);
    let fd = if fd >= 0.0 && fd <= i32::MAX as f64 { fd as i32 } else { -1 };
    Ok(env.string(sys::guess_handle_type(fd)))
}
