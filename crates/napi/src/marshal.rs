//! Values between Rust and JavaScript: errors as descriptors, addresses, messages, arguments.

use node_dgram::{AddressInfo, Error, ErrorClass, Family, Message};

use crate::handle::Handle;
use crate::sys::{Env, JsResult, Thrown, Type, Val};
use crate::Module;

/// The descriptor of `e` (see [`crate::protocol`]); an error a JavaScript lookup gave comes
/// back as `{ given }`, the very value it gave.
pub fn error_descriptor(env: Env, e: &Error, h: Option<&Handle>) -> JsResult {
    let o = env.object();
    if let (Some(t), Some(h)) = (e.token(), h) {
        if let Some(v) = h.take_lookup_error(env, t) {
            env.set(o, c"given", v)?;
            return Ok(o);
        }
    }
    env.set(o, c"code", env.string(e.code()))?;
    env.set(o, c"message", env.string(e.message()))?;
    let kind = match e.class() {
        ErrorClass::Error => "Error",
        ErrorClass::TypeError => "TypeError",
        ErrorClass::RangeError => "RangeError",
        ErrorClass::SystemError => "SystemError",
        _ => "Error",
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
    Ok(o)
}

/// The exception to throw for `e`, made by the JavaScript face's `makeError` (our own function,
/// which calls no user code), so that it has Node's class and shape.
pub fn throw_error(env: Env, e: &Error) -> Thrown {
    let made = || -> JsResult {
        let d = error_descriptor(env, e, None)?;
        let cbs = Module::of(env)?.callbacks();
        let Some(cbs) = cbs else { return Ok(env.plain_error(e.message())) };
        let f = env.deref(&cbs.make_error);
        env.call(env.undefined(), f, &[d])
    };
    match made() {
        Ok(v) => Thrown::Value(v),
        Err(t) => t,
    }
}

/// `{ address, family, port }`, as `address()` returns it.
pub fn address_object(env: Env, a: &AddressInfo) -> JsResult {
    let o = env.object();
    env.set(o, c"address", env.string(&a.address_string()))?;
    env.set(o, c"family", env.string(if a.family == Family::IPv4 { "IPv4" } else { "IPv6" }))?;
    env.set(o, c"port", env.int(a.port as i32))?;
    Ok(o)
}

/// A string argument (`None` for `null`/`undefined` or a non-string).
pub fn arg_string(env: Env, v: Val) -> Option<String> {
    if env.is_nullish(v) {
        None
    } else {
        env.get_string(v)
    }
}

/// An address argument: read into `buf` without allocating when it fits (addresses are short),
/// else as a new string; empty when it is no string.
pub fn arg_address<'a>(env: Env, v: Val, buf: &'a mut [u8; 80]) -> std::borrow::Cow<'a, str> {
    match env.get_str_in(v, buf) {
        Some(a) => std::borrow::Cow::Borrowed(a),
        None => std::borrow::Cow::Owned(arg_string(env, v).unwrap_or_default()),
    }
}

/// A number argument as an integer (0 when not a number).
pub fn arg_i64(env: Env, v: Val) -> i64 {
    env.get_f64(v).map(|x| x as i64).unwrap_or(0)
}

/// A boolean argument (`dflt` when not a boolean).
pub fn arg_bool(env: Env, v: Val, dflt: bool) -> bool {
    env.get_bool(v).unwrap_or(dflt)
}

/// `TypeError` with `msg`, for arguments only the addon's own JavaScript passes.
pub fn type_error(env: Env, msg: &str) -> Thrown {
    Thrown::Value(env.plain_error(msg))
}

/// How much memory the copies of sent messages take at a time: the messages of a burst share
/// it, and it is freed with the last of them (a large message gets an allocation of its size).
const STAGING_CHUNK: usize = 16 * 1024;

thread_local! {
    /// Where this thread's copies of sent messages are made (see `Env::copy_buffer_staged`).
    static STAGING: std::cell::RefCell<bytes::BytesMut> = std::cell::RefCell::new(bytes::BytesMut::new());
}

/// Reads a message argument: a `Uint8Array` or an array of them (the JavaScript face converts
/// every other form). The bytes are copied (see [`Env::copy_buffer_staged`]).
pub fn read_message(env: Env, v: Val) -> Result<Message, Thrown> {
    let one = |el: Val| -> Result<bytes::Bytes, Thrown> {
        STAGING
            .with(|s| env.copy_buffer_staged(el, &mut s.borrow_mut(), STAGING_CHUNK))
            .ok_or_else(|| type_error(env, "node-dgram: not a Buffer"))
    };
    // (A Buffer first: the common case then asks Node-API one question.)
    if let Some(b) = STAGING.with(|s| env.copy_buffer_staged(v, &mut s.borrow_mut(), STAGING_CHUNK)) {
        return Ok(Message::One(b));
    }
    if let Some(len) = env.array_len(v) {
        let mut parts = Vec::with_capacity(len as usize);
        for i in 0..len {
            parts.push(one(env.element(v, i)?)?);
        }
        return Ok(if parts.len() == 1 { Message::One(parts.pop().unwrap_or_default()) } else { Message::Many(parts) });
    }
    Err(type_error(env, "node-dgram: not a Buffer"))
}

/// `o[key]` of an options object, or `undefined` when `o` is no object.
pub fn option(env: Env, o: Val, key: &std::ffi::CStr) -> Result<Val, Thrown> {
    if env.type_of(o) != Type::Object {
        return Ok(env.undefined());
    }
    env.get(o, key)
}
