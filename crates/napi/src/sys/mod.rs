//! The addon's only unsafe code: Node-API calls (through napi-rs's `napi-sys` bindings) and the
//! libuv poll handle that watches a socket on Node's own loop.
//!
//! Everything outside this module is safe Rust working with the small types defined here:
//! [`Env`] and [`Val`] (valid only during the callback that produced them; they are `!Send`, so
//! they cannot leave the JavaScript thread), [`Ref`] (a persistent reference), [`Poll`] (a
//! `uv_poll_t`) and [`AsyncCtx`]. Entry points from JavaScript and from libuv catch Rust panics and
//! turn them into JavaScript errors, so no panic ever unwinds into Node.
//!
//! Windows (compile-checked only, README: platforms): the same `uv_poll_t` watches the socket.
//! libuv's own UDP there posts overlapped zero-byte `WSARecv` reads (`MSG_PEEK`) to the loop's
//! completion port and then reads without blocking; `uv_poll_init_socket` takes a `SOCKET`
//! there and polls it through the same port (`IOCTL_AFD_POLL` on the socket's base handle, or
//! a `select` thread for sockets of a non-MSAFD provider), so readiness wakes Node's loop with
//! no thread of ours, and the core's non-blocking reads and writes follow as on Unix. What
//! differs is linking: the `uv_*` functions are looked up in the host process at load time (as
//! napi-sys does for Node-API on Windows, see [`uv_win`]), since an addon there links against no
//! `node.lib`. Descriptors do not exist for sockets on Windows, so `bind({ fd })` is refused as
//! Node refuses it there, `dup` answers `ENOTSUP` and a socket's `fd` is -1 (Node's `fd` getter
//! answers -1 on Windows).
#![allow(unsafe_code)]

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::PhantomData;
#[cfg(unix)]
use std::os::fd::OwnedFd;

pub use node_dgram::embed::batch::RawFd;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::null_mut;
use std::rc::Rc;

use napi_sys as n;
use node_dgram::embed::errno_from_uv;

/// A Node-API environment, usable on the JavaScript thread during the callback that gave it.
#[derive(Clone, Copy)]
pub struct Env {
    raw: n::napi_env,
    _not_send: PhantomData<*mut ()>,
}

/// A JavaScript value, valid in the handle scope it was made in.
#[derive(Clone, Copy)]
pub struct Val(n::napi_value);

impl Val {
    /// What a method returns to give JavaScript `undefined` without asking Node-API for it
    /// (Node-API returns `undefined` for a callback's null result). Only a return value: as an
    /// argument, Node-API refuses it (`napi_invalid_arg`).
    pub fn returns_undefined() -> Val {
        Val(null_mut())
    }
}

/// A JavaScript exception: one already pending in the engine (a JavaScript function we called
/// threw), or a value to throw.
pub enum Thrown {
    /// The engine has an exception pending; return to JavaScript to let it propagate.
    Pending,
    /// Throw this value.
    Value(Val),
}

/// What a function exposed to JavaScript returns.
pub type JsResult = Result<Val, Thrown>;

/// The JavaScript type of a value (`typeof`, with `null` apart).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Type {
    /// `undefined`
    Undefined,
    /// `null`
    Null,
    /// a boolean
    Boolean,
    /// a number
    Number,
    /// a string
    String,
    /// an object (arrays, buffers and errors included)
    Object,
    /// a function
    Function,
    /// a symbol, bigint or external
    Other,
}

fn ok(status: n::napi_status) -> Result<(), Thrown> {
    if status == n::Status::napi_ok {
        Ok(())
    } else {
        Err(Thrown::Pending)
    }
}

impl Env {
    fn new(raw: n::napi_env) -> Env {
        Env { raw, _not_send: PhantomData }
    }

    /// `undefined`.
    pub fn undefined(self) -> Val {
        let mut v = null_mut();
        // SAFETY: `self.raw` is the live env of the current callback (Env values are only made
        // by this module's entry points); `v` is a valid out-pointer.
        unsafe { n::napi_get_undefined(self.raw, &mut v) };
        Val(v)
    }
    /// `null`.
    pub fn null(self) -> Val {
        let mut v = null_mut();
        // SAFETY: as in `undefined`.
        unsafe { n::napi_get_null(self.raw, &mut v) };
        Val(v)
    }
    /// A boolean.
    pub fn boolean(self, b: bool) -> Val {
        let mut v = null_mut();
        // SAFETY: as in `undefined`.
        unsafe { n::napi_get_boolean(self.raw, b, &mut v) };
        Val(v)
    }
    /// A number.
    pub fn number(self, x: f64) -> Val {
        let mut v = null_mut();
        // SAFETY: as in `undefined`.
        unsafe { n::napi_create_double(self.raw, x, &mut v) };
        Val(v)
    }
    /// A small integer.
    pub fn int(self, x: i32) -> Val {
        let mut v = null_mut();
        // SAFETY: as in `undefined`.
        unsafe { n::napi_create_int32(self.raw, x, &mut v) };
        Val(v)
    }
    /// A string.
    pub fn string(self, s: &str) -> Val {
        let mut v = null_mut();
        // SAFETY: the pointer and length describe `s`, valid UTF-8 for the call's duration.
        unsafe { n::napi_create_string_utf8(self.raw, s.as_ptr() as *const c_char, s.len() as isize, &mut v) };
        Val(v)
    }
    /// A new `Buffer` holding a copy of `bytes`.
    pub fn buffer_copy(self, bytes: &[u8]) -> Result<Val, Thrown> {
        let mut v = null_mut();
        let mut data = null_mut();
        // SAFETY: the source pointer and length describe `bytes` (napi copies them before
        // returning; an empty slice's dangling pointer is never read for length 0).
        ok(unsafe {
            n::napi_create_buffer_copy(self.raw, bytes.len(), bytes.as_ptr() as *const c_void, &mut data, &mut v)
        })?;
        Ok(Val(v))
    }
    /// A new plain object.
    pub fn object(self) -> Val {
        let mut v = null_mut();
        // SAFETY: as in `undefined`.
        unsafe { n::napi_create_object(self.raw, &mut v) };
        Val(v)
    }
    /// `obj[key] = val`.
    pub fn set(self, obj: Val, key: &CStr, val: Val) -> Result<(), Thrown> {
        // SAFETY: `key` is NUL-terminated; values belong to the current scope.
        ok(unsafe { n::napi_set_named_property(self.raw, obj.0, key.as_ptr(), val.0) })
    }
    /// `obj[key]`.
    pub fn get(self, obj: Val, key: &CStr) -> Result<Val, Thrown> {
        let mut v = null_mut();
        // SAFETY: `key` is NUL-terminated; values belong to the current scope.
        ok(unsafe { n::napi_get_named_property(self.raw, obj.0, key.as_ptr(), &mut v) })?;
        Ok(Val(v))
    }
    /// The value's type.
    pub fn type_of(self, v: Val) -> Type {
        let mut t = 0;
        // SAFETY: as in `undefined`.
        if unsafe { n::napi_typeof(self.raw, v.0, &mut t) } != n::Status::napi_ok {
            return Type::Other;
        }
        match t {
            n::ValueType::napi_undefined => Type::Undefined,
            n::ValueType::napi_null => Type::Null,
            n::ValueType::napi_boolean => Type::Boolean,
            n::ValueType::napi_number => Type::Number,
            n::ValueType::napi_string => Type::String,
            n::ValueType::napi_object => Type::Object,
            n::ValueType::napi_function => Type::Function,
            _ => Type::Other,
        }
    }
    /// `null` or `undefined`.
    pub fn is_nullish(self, v: Val) -> bool {
        matches!(self.type_of(v), Type::Null | Type::Undefined)
    }
    /// A number's value.
    pub fn get_f64(self, v: Val) -> Option<f64> {
        let mut x = 0.0;
        // SAFETY: as in `undefined`; napi refuses non-numbers with a status.
        (unsafe { n::napi_get_value_double(self.raw, v.0, &mut x) } == n::Status::napi_ok).then_some(x)
    }
    /// A boolean's value.
    pub fn get_bool(self, v: Val) -> Option<bool> {
        let mut b = false;
        // SAFETY: as in `get_f64`.
        (unsafe { n::napi_get_value_bool(self.raw, v.0, &mut b) } == n::Status::napi_ok).then_some(b)
    }
    /// A string's value (UTF-8).
    pub fn get_string(self, v: Val) -> Option<String> {
        let mut len = 0usize;
        // SAFETY: a null buffer asks for the length only.
        if unsafe { n::napi_get_value_string_utf8(self.raw, v.0, null_mut(), 0, &mut len) } != n::Status::napi_ok {
            return None;
        }
        let mut buf = vec![0u8; len + 1];
        let mut written = 0usize;
        // SAFETY: `buf` has room for `len` bytes plus the NUL napi writes.
        if unsafe {
            n::napi_get_value_string_utf8(self.raw, v.0, buf.as_mut_ptr() as *mut c_char, len + 1, &mut written)
        } != n::Status::napi_ok
        {
            return None;
        }
        buf.truncate(written);
        String::from_utf8(buf).ok()
    }
    /// A string's UTF-8 text written into `buf`, without allocating; `None` when `v` is no
    /// string or its text does not fit in `buf` (ask [`Env::get_string`] then).
    pub fn get_str_in(self, v: Val, buf: &mut [u8]) -> Option<&str> {
        if buf.len() < 2 {
            return None;
        }
        let mut written = 0usize;
        // SAFETY: napi writes at most `buf.len()` bytes (the text, cut to fit, and a NUL) into
        // `buf`, which is ours and that long; it reports the text's bytes in `written`.
        let status = unsafe {
            n::napi_get_value_string_utf8(self.raw, v.0, buf.as_mut_ptr() as *mut c_char, buf.len(), &mut written)
        };
        // A text that filled all the room may have been cut.
        if status != n::Status::napi_ok || written >= buf.len() - 1 {
            return None;
        }
        std::str::from_utf8(&buf[..written]).ok()
    }
    /// Where a `Buffer`'s (or any `Uint8Array`'s) bytes are and how many (null and 0 once
    /// detached); `None` when `v` is not one. Nothing is read: see `copy_buffer_staged`.
    fn buffer_info(self, v: Val) -> Option<(*mut c_void, usize)> {
        let mut data = null_mut();
        let mut len = 0usize;
        // SAFETY: napi checks that `v` is a Buffer or Uint8Array and reports its backing store
        // (null and 0 once detached); nothing is read here.
        if unsafe { n::napi_get_buffer_info(self.raw, v.0, &mut data, &mut len) } != n::Status::napi_ok {
            return None;
        }
        Some((data, len))
    }
    /// A copy of a `Buffer`'s (or any `Uint8Array`'s) bytes, made at the end of `staging` and
    /// split off it: many small copies share one allocation (freed with the last of them)
    /// instead of one each, `chunk` bytes at a time. `None` when `v` is not one.
    ///
    /// The bytes are copied with a raw memory copy and never seen as a Rust slice: the view may
    /// be backed by a `SharedArrayBuffer` that another thread writes meanwhile, and a `&[u8]`
    /// over it would claim that nobody does.
    pub fn copy_buffer_staged(self, v: Val, staging: &mut bytes::BytesMut, chunk: usize) -> Option<bytes::Bytes> {
        let (data, len) = self.buffer_info(v)?;
        if len == 0 || data.is_null() {
            return Some(bytes::Bytes::new());
        }
        staging.clear();
        if staging.capacity() < len {
            staging.reserve(len.max(chunk));
        }
        let dst = staging.spare_capacity_mut();
        // SAFETY: `data` points to `len` bytes of a store kept alive by `v`, which is reachable
        // from the current handle scope, and no JavaScript runs during the copy, so nothing can
        // detach or free it. It is read as raw bytes, never through a reference, so a concurrent
        // writer (a SharedArrayBuffer) can change only which bytes are copied. The destination
        // is `len` bytes of `staging`'s spare capacity (reserved above, so at least `len`),
        // memory it owns and no JavaScript view can reach, so the two do not overlap; `set_len`
        // then covers exactly the bytes just written.
        unsafe {
            std::ptr::copy_nonoverlapping(data as *const u8, dst.as_mut_ptr() as *mut u8, len);
            staging.set_len(len);
        }
        Some(staging.split().freeze())
    }
    /// An array's length (`None` when `v` is not an array).
    pub fn array_len(self, v: Val) -> Option<u32> {
        let mut is = false;
        // SAFETY: as in `undefined`.
        if unsafe { n::napi_is_array(self.raw, v.0, &mut is) } != n::Status::napi_ok || !is {
            return None;
        }
        let mut len = 0u32;
        // SAFETY: as in `undefined`.
        (unsafe { n::napi_get_array_length(self.raw, v.0, &mut len) } == n::Status::napi_ok).then_some(len)
    }
    /// `arr[i]`.
    pub fn element(self, arr: Val, i: u32) -> Result<Val, Thrown> {
        let mut v = null_mut();
        // SAFETY: as in `undefined`.
        ok(unsafe { n::napi_get_element(self.raw, arr.0, i, &mut v) })?;
        Ok(Val(v))
    }
    /// A new array of `len` holes.
    pub fn array(self, len: usize) -> JsResult {
        let mut v = null_mut();
        // SAFETY: as in `undefined`.
        ok(unsafe { n::napi_create_array_with_length(self.raw, len, &mut v) })?;
        Ok(Val(v))
    }
    /// `arr[i] = v`.
    pub fn set_element(self, arr: Val, i: u32, v: Val) -> Result<(), Thrown> {
        // SAFETY: as in `undefined`.
        ok(unsafe { n::napi_set_element(self.raw, arr.0, i, v.0) })
    }
    /// Calls `func` with `this` and `args` from inside a call from JavaScript (no callback
    /// scope: `process.nextTick` callbacks wait until JavaScript's own call returns).
    pub fn call(self, this: Val, func: Val, args: &[Val]) -> JsResult {
        let mut r = null_mut();
        // SAFETY: `Val` is a transparent wrapper of `napi_value`, so the slice is an array of
        // `args.len()` napi values of the current scope.
        ok(unsafe {
            n::napi_call_function(self.raw, this.0, func.0, args.len(), args.as_ptr() as *const n::napi_value, &mut r)
        })?;
        Ok(Val(r))
    }
    /// Calls `func` from the event loop with no callback scope of Node's (`napi_call_function`):
    /// what a scope does at its end (`process.nextTick` callbacks, promise jobs) is then the
    /// function's to do. Gives what `func` returned; `None` when it threw, the exception then
    /// reported as uncaught, as with [`Env::make_callback_value`].
    pub fn call_from_loop(self, this: Val, func: Val, args: &[Val]) -> Option<Val> {
        match self.call(this, func, args) {
            Ok(v) if !v.0.is_null() => Some(v),
            _ => {
                self.report_pending();
                None
            }
        }
    }
    /// Calls `func` as Node calls into JavaScript from its event loop (`MakeCallback`): after it
    /// returns, `process.nextTick` callbacks and promise jobs run. An exception it throws is
    /// reported as uncaught, as Node does for a throwing event listener; returns whether the call
    /// completed without one.
    ///
    /// With no `ctx`, the call has no async context of its own (`executionAsyncId()` reads 0
    /// until the function enters one): the JavaScript side enters the socket's own.
    pub fn make_callback(self, ctx: Option<&AsyncCtx>, this: Val, func: Val, args: &[Val]) -> bool {
        self.make_callback_value(ctx, this, func, args).is_some()
    }
    /// [`Env::make_callback`] that also gives what `func` returned (`None` when it threw: the
    /// exception is reported as uncaught).
    pub fn make_callback_value(self, ctx: Option<&AsyncCtx>, this: Val, func: Val, args: &[Val]) -> Option<Val> {
        let mut r = null_mut();
        let ctx = ctx.map_or(null_mut(), |c| c.raw);
        // SAFETY: as in `call`; `ctx` is null (allowed: the call then has no async context) or
        // was made by `napi_async_init` on this env and is not destroyed until the owning socket
        // is dropped.
        let status = unsafe {
            n::napi_make_callback(
                self.raw,
                ctx,
                this.0,
                func.0,
                args.len(),
                args.as_ptr() as *const n::napi_value,
                &mut r,
            )
        };
        if status == n::Status::napi_ok && !r.is_null() {
            return Some(Val(r));
        }
        self.report_pending();
        None
    }
    /// A new `Buffer` of `len` bytes, every one of them written by `fill` before any JavaScript
    /// can see it (the store is fresh and unshared, and is never touched natively afterwards:
    /// JavaScript owns it alone).
    pub fn buffer_filled(self, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<Val, Thrown> {
        let mut v = null_mut();
        let mut data = null_mut();
        // SAFETY: napi allocates a new, uninitialised store of `len` bytes for a new Buffer and
        // reports its start in `data`.
        ok(unsafe { n::napi_create_buffer(self.raw, len, &mut data, &mut v) })?;
        if len == 0 {
            fill(&mut []);
            return Ok(Val(v));
        }
        if data.is_null() {
            return Err(Thrown::Pending);
        }
        // The store is zeroed first so that the slice below never covers uninitialised bytes
        // (`fill` overwrites them all; zeroing costs one pass over memory just touched).
        // SAFETY: `data` is the start of the new Buffer's `len`-byte store, which nothing else
        // refers to yet: `v` is only in this handle scope and no JavaScript runs until we return,
        // so the exclusive slice made here is the only access to it while it lives.
        let out = unsafe {
            std::ptr::write_bytes(data as *mut u8, 0, len);
            std::slice::from_raw_parts_mut(data as *mut u8, len)
        };
        fill(out);
        Ok(Val(v))
    }
    /// Hands a pending exception to Node's uncaught-exception handling.
    fn report_pending(self) {
        let mut pending = false;
        // SAFETY: as in `undefined`.
        unsafe { n::napi_is_exception_pending(self.raw, &mut pending) };
        if pending {
            let mut e = null_mut();
            // SAFETY: an exception is pending, so this takes it; `napi_fatal_exception` then
            // triggers 'uncaughtException' (or exits, as Node does).
            unsafe {
                n::napi_get_and_clear_last_exception(self.raw, &mut e);
                n::napi_fatal_exception(self.raw, e);
            }
        }
    }
    /// Hands `e` to Node's uncaught-exception handling now ('uncaughtException' listeners, or
    /// the process's end), as Node does for an exception thrown by a listener it called.
    pub fn fatal_exception(self, e: Val) {
        // SAFETY: as in `undefined`; `e` is a value of the current scope.
        unsafe { n::napi_fatal_exception(self.raw, e.0) };
    }
    /// A JavaScript `Error` with this message (for internal failures).
    pub fn plain_error(self, msg: &str) -> Val {
        let m = self.string(msg);
        let mut v = null_mut();
        // SAFETY: `m` is a string of the current scope; a null code is allowed.
        unsafe { n::napi_create_error(self.raw, null_mut(), m.0, &mut v) };
        Val(v)
    }
    /// Takes `v` as the staging area for received datagrams (`None` unless it is an
    /// `ArrayBuffer`). Only a reference is kept: every [`Staging::write`] looks the buffer's
    /// store up again, so a buffer detached or transferred meanwhile is never written.
    pub fn staging(self, v: Val) -> Option<Staging> {
        let mut is = false;
        // SAFETY: as in `undefined`.
        if unsafe { n::napi_is_arraybuffer(self.raw, v.0, &mut is) } != n::Status::napi_ok || !is {
            return None;
        }
        let buffer = self.reference(v, true).ok()?;
        Some(Staging { buffer })
    }
    /// Lets go of a staging area.
    pub fn drop_staging(self, s: Staging) {
        self.drop_ref(s.buffer);
    }
    /// A persistent reference to `v`; strong when `strong`.
    pub fn reference(self, v: Val, strong: bool) -> Result<Ref, Thrown> {
        let mut r = null_mut();
        // SAFETY: as in `undefined`.
        ok(unsafe { n::napi_create_reference(self.raw, v.0, strong as u32, &mut r) })?;
        Ok(Ref { raw: Cell::new(r), strong: Cell::new(strong) })
    }
    /// The value a reference holds (`undefined` if it was collected).
    pub fn deref(self, r: &Ref) -> Val {
        let mut v = null_mut();
        // SAFETY: `r.raw` is a live reference made on this env (deleted only by `drop_ref`).
        if r.raw.get().is_null() {
            return self.undefined();
        }
        unsafe { n::napi_get_reference_value(self.raw, r.raw.get(), &mut v) };
        if v.is_null() {
            self.undefined()
        } else {
            Val(v)
        }
    }
    /// Makes a reference strong (keeps its object alive) or weak.
    pub fn set_strong(self, r: &Ref, strong: bool) {
        if r.strong.get() == strong {
            return;
        }
        let mut count = 0;
        // SAFETY: as in `deref`.
        unsafe {
            if strong {
                n::napi_reference_ref(self.raw, r.raw.get(), &mut count);
            } else {
                n::napi_reference_unref(self.raw, r.raw.get(), &mut count);
            }
        }
        r.strong.set(strong);
    }
    /// Deletes a reference.
    pub fn drop_ref(self, r: Ref) {
        // SAFETY: `r` is consumed, so its raw reference is deleted exactly once.
        unsafe { n::napi_delete_reference(self.raw, r.raw.get()) };
    }
    /// Deletes a reference held in place (a finalizer's `&self`); later uses see `undefined`.
    pub fn release_ref(self, r: &Ref) {
        let raw = r.raw.replace(null_mut());
        if !raw.is_null() {
            // SAFETY: the raw reference was live and is now cleared, so it is deleted once.
            unsafe { n::napi_delete_reference(self.raw, raw) };
        }
    }
    /// Throws `v` as an exception (when the current call returns).
    fn throw(self, v: Val) {
        // SAFETY: as in `undefined`.
        unsafe { n::napi_throw(self.raw, v.0) };
    }
    /// An async context for `make_callback`, named `name`, with `resource` as its resource.
    pub fn async_context(self, resource: Val, name: &str) -> Result<AsyncCtx, Thrown> {
        let mut ctx = null_mut();
        let name = self.string(name);
        // SAFETY: as in `undefined`.
        ok(unsafe { n::napi_async_init(self.raw, resource.0, name.0, &mut ctx) })?;
        Ok(AsyncCtx { raw: ctx })
    }
    /// Destroys an async context.
    pub fn drop_async_context(self, ctx: AsyncCtx) {
        // SAFETY: `ctx` is consumed, so it is destroyed exactly once.
        unsafe { n::napi_async_destroy(self.raw, ctx.raw) };
    }
}

/// An `ArrayBuffer` of the addon's own JavaScript that native code copies a received datagram
/// into just before calling JavaScript, which then copies it into the new `Buffer` it makes.
/// For small datagrams that is cheaper than a `Buffer` made natively: V8 keeps typed arrays of
/// at most 64 bytes inside its heap, with no backing store to allocate and sweep.
///
/// No pointer into the buffer is kept between writes: whatever JavaScript does with the
/// buffer (even detaching it, should it ever reach user code), a write only ever goes to the
/// store the buffer has at that moment, or nowhere.
pub struct Staging {
    buffer: Ref,
}

impl Staging {
    /// Copies `bytes` to the start of the area; false (and nothing copied) when they do not fit
    /// or the buffer is gone or detached.
    pub fn write(&self, env: Env, bytes: &[u8]) -> bool {
        self.write_to(env, self.value(env), bytes)
    }
    /// The area's `ArrayBuffer`, for [`Staging::write_to`] (valid in the current handle scope).
    pub fn value(&self, env: Env) -> Val {
        env.deref(&self.buffer)
    }
    /// [`Staging::write`] into `v`, the area's value from [`Staging::value`] in this scope: its
    /// store is still looked up at each write.
    pub fn write_to(&self, env: Env, v: Val, bytes: &[u8]) -> bool {
        let mut data = null_mut();
        let mut len = 0usize;
        // SAFETY: as in `Env::undefined`; napi fails for anything but an ArrayBuffer, and reports
        // null and 0 for a detached one.
        if unsafe { n::napi_get_arraybuffer_info(env.raw, v.0, &mut data, &mut len) } != n::Status::napi_ok
            || data.is_null()
            || bytes.len() > len
        {
            return false;
        }
        // SAFETY: `data` is the start of the `len`-byte store the ArrayBuffer has right now, kept
        // alive by `v` (reachable from the current handle scope), and `bytes.len() <= len`. No
        // JavaScript runs between the lookup above and this copy (we are on the JavaScript
        // thread, inside a native callback), so nothing can detach or free the store meanwhile.
        // An ArrayBuffer is never shared with another thread (a SharedArrayBuffer is not an
        // ArrayBuffer for napi), and `bytes` is Rust memory, distinct from it.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), data as *mut u8, bytes.len()) };
        true
    }
}

/// A persistent reference to a JavaScript value.
pub struct Ref {
    raw: Cell<n::napi_ref>,
    strong: Cell<bool>,
}

/// An async context (`napi_async_init`), so that callbacks from the loop carry the socket's
/// async identity as Node's own handles' do.
pub struct AsyncCtx {
    raw: n::napi_async_context,
}

/// What a function exposed to JavaScript sees of its call.
pub struct Cx {
    /// The environment.
    pub env: Env,
    /// `this`.
    pub this: Val,
    args: [n::napi_value; 8],
    argc: usize,
}

impl Cx {
    /// Argument `i` (`undefined` past the end).
    pub fn arg(&self, i: usize) -> Val {
        if i < self.argc.min(8) {
            Val(self.args[i])
        } else {
            self.env.undefined()
        }
    }
}

/// A method of a native class: gets the call and the object's native state.
pub type Method<S> = fn(&mut Cx, &Rc<S>) -> JsResult;
/// A native class's constructor: makes the state wrapped in `this`.
pub type Ctor<S> = fn(&mut Cx) -> Result<Rc<S>, Thrown>;
/// A plain function exposed to JavaScript.
pub type Function = fn(&mut Cx) -> JsResult;

/// A native state that needs the env when its JavaScript object is collected.
pub trait Finalize {
    /// Releases what the state holds in the JavaScript engine (references, contexts, polls).
    fn finalize(&self, env: Env);
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs a handler for a call from JavaScript: catches panics, throws errors.
fn enter(
    raw: n::napi_env,
    info: n::napi_callback_info,
    f: impl FnOnce(&mut Cx, *mut c_void) -> JsResult,
) -> n::napi_value {
    let env = Env::new(raw);
    let mut cx = Cx { env, this: Val(null_mut()), args: [null_mut(); 8], argc: 8 };
    let mut data = null_mut();
    // SAFETY: `info` is the callback info of this very call; `args` has room for `argc` values.
    let status =
        unsafe { n::napi_get_cb_info(raw, info, &mut cx.argc, cx.args.as_mut_ptr(), &mut cx.this.0, &mut data) };
    if status != n::Status::napi_ok {
        return null_mut();
    }
    match catch_unwind(AssertUnwindSafe(|| f(&mut cx, data))) {
        Ok(Ok(v)) => v.0,
        Ok(Err(Thrown::Pending)) => null_mut(),
        Ok(Err(Thrown::Value(v))) => {
            env.throw(v);
            null_mut()
        }
        Err(p) => {
            let e = env.plain_error(&format!("node-dgram internal error: {}", panic_message(&*p)));
            env.throw(e);
            null_mut()
        }
    }
}

unsafe extern "C" fn function_trampoline(raw: n::napi_env, info: n::napi_callback_info) -> n::napi_value {
    enter(raw, info, |cx, data| {
        // SAFETY: `data` is the `Function` pointer `define_function` registered with this very
        // trampoline; function pointers and data pointers have the same size here.
        let f: Function = unsafe { std::mem::transmute::<*mut c_void, Function>(data) };
        f(cx)
    })
}

unsafe extern "C" fn method_trampoline<S: Finalize + 'static>(
    raw: n::napi_env,
    info: n::napi_callback_info,
) -> n::napi_value {
    enter(raw, info, |cx, data| {
        // SAFETY: `data` is the `Method<S>` pointer `define_class::<S>` registered with this
        // trampoline.
        let f: Method<S> = unsafe { std::mem::transmute::<*mut c_void, Method<S>>(data) };
        let mut p = null_mut();
        // SAFETY: `this` is an object of the current call; unwrap only reads its wrap slot.
        if unsafe { n::napi_unwrap(cx.env.raw, cx.this.0, &mut p) } != n::Status::napi_ok || p.is_null() {
            let e = cx.env.plain_error("Illegal invocation");
            return Err(Thrown::Value(e));
        }
        // SAFETY: every object of a class made by `define_class::<S>` is wrapped, by
        // `ctor_trampoline::<S>`, with a `Box<Rc<S>>` that lives until its finalizer runs, which
        // cannot happen while `this` is in use by this call. Cloning the Rc keeps the state alive
        // even if JavaScript drops the object meanwhile.
        let state: Rc<S> = unsafe { (*(p as *const Rc<S>)).clone() };
        f(cx, &state)
    })
}

unsafe extern "C" fn ctor_trampoline<S: Finalize + 'static>(
    raw: n::napi_env,
    info: n::napi_callback_info,
) -> n::napi_value {
    enter(raw, info, |cx, data| {
        // SAFETY: `data` is the `Ctor<S>` pointer `define_class::<S>` registered.
        let f: Ctor<S> = unsafe { std::mem::transmute::<*mut c_void, Ctor<S>>(data) };
        let state = f(cx)?;
        let boxed = Box::into_raw(Box::new(state));
        // SAFETY: `this` is the new object; the box is reclaimed exactly once, by
        // `finalize_wrap::<S>` when the object is collected (or below if wrapping fails).
        let status = unsafe {
            n::napi_wrap(cx.env.raw, cx.this.0, boxed as *mut c_void, Some(finalize_wrap::<S>), null_mut(), null_mut())
        };
        if status != n::Status::napi_ok {
            // SAFETY: the wrap did not take the box, so it is still ours alone.
            drop(unsafe { Box::from_raw(boxed) });
            return Err(Thrown::Pending);
        }
        Ok(cx.this)
    })
}

unsafe extern "C" fn finalize_wrap<S: Finalize + 'static>(raw: n::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Box<Rc<S>>` made in `ctor_trampoline::<S>`; finalizers run once.
    let state = unsafe { Box::from_raw(data as *mut Rc<S>) };
    let env = Env::new(raw);
    let _ = catch_unwind(AssertUnwindSafe(|| state.finalize(env)));
}

/// Defines a class named `name` whose constructor makes an `S` and whose prototype has `methods`.
pub fn define_class<S: Finalize + 'static>(
    env: Env,
    name: &CStr,
    ctor: Ctor<S>,
    methods: &[(&'static CStr, Method<S>)],
) -> Result<Val, Thrown> {
    let props: Vec<n::napi_property_descriptor> = methods
        .iter()
        .map(|(name, m)| n::napi_property_descriptor {
            utf8name: name.as_ptr(),
            name: null_mut(),
            method: Some(method_trampoline::<S>),
            getter: None,
            setter: None,
            value: null_mut(),
            attributes: n::PropertyAttributes::writable | n::PropertyAttributes::configurable,
            data: *m as *mut c_void,
        })
        .collect();
    let mut v = null_mut();
    // SAFETY: `name` is NUL-terminated; `props` lives through the call (napi copies it); each
    // descriptor's data is a function pointer its trampoline transmutes back.
    ok(unsafe {
        n::napi_define_class(
            env.raw,
            name.as_ptr(),
            -1,
            Some(ctor_trampoline::<S>),
            ctor as *mut c_void,
            props.len(),
            props.as_ptr(),
            &mut v,
        )
    })?;
    Ok(Val(v))
}

/// A JavaScript function calling `f`.
pub fn define_function(env: Env, name: &CStr, f: Function) -> Result<Val, Thrown> {
    let mut v = null_mut();
    // SAFETY: `name` is NUL-terminated; the data is a function pointer the trampoline
    // transmutes back.
    ok(unsafe {
        n::napi_create_function(env.raw, name.as_ptr(), -1, Some(function_trampoline), f as *mut c_void, &mut v)
    })?;
    Ok(Val(v))
}

/// Makes `data` the state of this loaded instance of the module (Node-API instance data): each
/// `require` of the addon that loads it anew, and each worker thread, has an env of its own, so
/// they never see each other's state. Dropped when Node tears the env down.
pub fn set_instance_data<T: 'static>(env: Env, data: Rc<T>) -> Result<(), Thrown> {
    unsafe extern "C" fn finalize(_env: n::napi_env, data: *mut c_void, _hint: *mut c_void) {
        // SAFETY: `data` is the box made below; Node calls this finalizer once, at teardown
        // or when the data is replaced.
        let b = unsafe { Box::from_raw(data as *mut Box<dyn std::any::Any>) };
        let _ = catch_unwind(AssertUnwindSafe(move || drop(b)));
    }
    let boxed: Box<Box<dyn std::any::Any>> = Box::new(Box::new(data));
    let raw = Box::into_raw(boxed);
    // SAFETY: the pointer is a live box, freed only by `finalize`, which Node calls once.
    let status = unsafe { n::napi_set_instance_data(env.raw, raw as *mut c_void, Some(finalize), null_mut()) };
    if status != n::Status::napi_ok {
        // SAFETY: Node did not take the box, so it is still ours alone.
        drop(unsafe { Box::from_raw(raw) });
        return Err(Thrown::Pending);
    }
    Ok(())
}

/// The state [`set_instance_data`] gave this instance of the module, if it is a `T`.
pub fn instance_data<T: 'static>(env: Env) -> Option<Rc<T>> {
    let mut p = null_mut();
    // SAFETY: as in `Env::undefined`; `p` is an out-pointer.
    if unsafe { n::napi_get_instance_data(env.raw, &mut p) } != n::Status::napi_ok || p.is_null() {
        return None;
    }
    // SAFETY: the only instance data this addon sets is a `Box<Box<dyn Any>>` made by
    // `set_instance_data`, alive until the env's teardown, which cannot run during this call.
    let any: &dyn std::any::Any = unsafe { &**(p as *const Box<dyn std::any::Any>) };
    any.downcast_ref::<Rc<T>>().cloned()
}

/// Whether Node's loop already watches `fd` (libuv refuses a second handle for it with
/// `EEXIST`, as it does when Node's own `bind({ fd })` opens a watched descriptor).
#[cfg(unix)]
pub fn loop_watches(env: Env, fd: RawFd) -> bool {
    let mut lp = null_mut();
    // SAFETY: as in `Env::undefined`.
    if unsafe { n::napi_get_uv_event_loop(env.raw, &mut lp) } != n::Status::napi_ok || lp.is_null() {
        return false;
    }
    // SAFETY: allocates uninitialised memory of libuv's size for a poll handle.
    let handle = unsafe { libc::malloc(uv_handle_size(UV_POLL)) };
    if handle.is_null() {
        return false;
    }
    // SAFETY: `handle` has the size of a uv_poll_t; `lp` is Node's loop, used on its thread.
    let r = unsafe { uv_poll_init_socket(lp, handle, fd) };
    if r != 0 {
        // SAFETY: init failed, so libuv holds no pointer to the memory.
        unsafe { libc::free(handle) };
        return r == -libc::EEXIST;
    }
    // SAFETY: the handle is initialised and never started; its data pointer is null, which
    // `close_cb` skips, and `close_cb` frees the memory once libuv is done with it.
    unsafe {
        uv_handle_set_data(handle, null_mut());
        uv_close(handle, close_cb);
    }
    false
}

/// The module's entry point: Node calls it when the addon loads.
///
/// # Safety
/// Called by Node only, with a live env and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(raw: n::napi_env, exports: n::napi_value) -> n::napi_value {
    #[cfg(windows)]
    {
        static NAPI: std::sync::Once = std::sync::Once::new();
        // SAFETY: napi-sys on Windows (MSVC) reaches Node-API through symbols it looks up in
        // the host process; `setup` fills its table once per process (the Once keeps a second
        // registration, by a worker thread, from rewriting it while another thread reads it),
        // and the library handle it returns is kept for the process's lifetime.
        NAPI.call_once(|| std::mem::forget(unsafe { n::setup() }));
        if let Err(e) = uv_win::load() {
            eprintln!("node-dgram: libuv function missing from the host process: {e}");
            return null_mut();
        }
    }
    let env = Env::new(raw);
    match catch_unwind(AssertUnwindSafe(|| crate::init(env, Val(exports)))) {
        Ok(Ok(())) => exports,
        Ok(Err(Thrown::Value(v))) => {
            env.throw(v);
            null_mut()
        }
        Ok(Err(Thrown::Pending)) => null_mut(),
        Err(p) => {
            let e = env.plain_error(&format!("node-dgram internal error: {}", panic_message(&*p)));
            env.throw(e);
            null_mut()
        }
    }
}

// ---- libuv ----

#[allow(non_camel_case_types)]
type uv_poll_cb = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);
#[allow(non_camel_case_types)]
type uv_close_cb = unsafe extern "C" fn(handle: *mut c_void);
#[allow(non_camel_case_types)]
type uv_timer_cb = unsafe extern "C" fn(handle: *mut c_void);

#[cfg(unix)]
extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_poll_init_socket(lp: *mut n::uv_loop_s, handle: *mut c_void, fd: RawFd) -> c_int;
    fn uv_poll_start(handle: *mut c_void, events: c_int, cb: uv_poll_cb) -> c_int;
    fn uv_poll_stop(handle: *mut c_void) -> c_int;
    fn uv_close(handle: *mut c_void, cb: uv_close_cb);
    fn uv_ref(handle: *mut c_void);
    fn uv_unref(handle: *mut c_void);
    fn uv_handle_set_data(handle: *mut c_void, data: *mut c_void);
    fn uv_handle_get_data(handle: *const c_void) -> *mut c_void;
    fn uv_timer_init(lp: *mut n::uv_loop_s, handle: *mut c_void) -> c_int;
    fn uv_timer_start(handle: *mut c_void, cb: uv_timer_cb, timeout: u64, repeat: u64) -> c_int;
    fn uv_timer_stop(handle: *mut c_void) -> c_int;
    fn uv_update_time(lp: *mut n::uv_loop_s);
}

/// `UV_POLL` in libuv's `uv_handle_type`.
const UV_POLL: c_int = 8;
/// `UV_TIMER` in libuv's `uv_handle_type`.
const UV_TIMER: c_int = 13;
/// `UV_READABLE`.
const UV_READABLE: c_int = 1;
/// `UV_WRITABLE`.
const UV_WRITABLE: c_int = 2;

/// What a poll handle calls on readiness, and a [`Timer`] when it fires.
pub trait PollTarget {
    /// The descriptor is readable and/or writable (or `status` is a libuv error).
    fn ready(&self, env: Env, status: i32, readable: bool, writable: bool);
    /// The target's [`Timer`] fired.
    fn timer(&self, env: Env);
}

struct PollData {
    env: n::napi_env,
    target: Rc<dyn PollTarget>,
}

/// A `uv_poll_t` watching one descriptor on Node's loop. [`Poll::close`] must be called before
/// the descriptor is closed; dropping a `Poll` without closing it leaks the handle but never
/// touches freed memory.
pub struct Poll {
    h: UvHandle,
    events: Cell<c_int>,
}

/// One libuv handle of ours on Node's loop: memory of libuv's size for its kind (from
/// `libc::malloc`), with a `Box<PollData>` as its data; both are freed by `close_cb`, which
/// libuv runs once the handle is closed.
struct UvHandle {
    handle: *mut c_void,
    lp: *mut n::uv_loop_s,
}

impl UvHandle {
    /// A handle of `kind` on the env's loop, initialised by `init(loop, handle)` (a libuv
    /// status), with `target` in its data.
    fn new(
        env: Env,
        kind: c_int,
        target: Rc<dyn PollTarget>,
        init: impl FnOnce(*mut n::uv_loop_s, *mut c_void) -> c_int,
    ) -> std::io::Result<UvHandle> {
        let mut lp = null_mut();
        // SAFETY: as in `Env::undefined`.
        if unsafe { n::napi_get_uv_event_loop(env.raw, &mut lp) } != n::Status::napi_ok || lp.is_null() {
            return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
        }
        // SAFETY: allocates uninitialised memory of libuv's size for a handle of `kind`.
        let handle = unsafe { libc::malloc(uv_handle_size(kind)) };
        if handle.is_null() {
            return Err(std::io::Error::from_raw_os_error(libc::ENOMEM));
        }
        let r = init(lp, handle);
        if r != 0 {
            // SAFETY: init failed, so libuv holds no pointer to the memory.
            unsafe { libc::free(handle) };
            return Err(std::io::Error::from_raw_os_error(errno_from_uv(r)));
        }
        let data = Box::into_raw(Box::new(PollData { env: env.raw, target }));
        // SAFETY: the handle is initialised; the data is freed in `close_cb`.
        unsafe { uv_handle_set_data(handle, data as *mut c_void) };
        Ok(UvHandle { handle, lp })
    }
    /// Whether the handle keeps the loop alive (while it is active).
    fn set_ref(&self, on: bool) {
        // SAFETY: the handle is initialised and not closed (`close` consumes it).
        unsafe {
            if on {
                uv_ref(self.handle)
            } else {
                uv_unref(self.handle)
            }
        }
    }
    /// Closes it (the owner stopped it first); libuv frees it through `close_cb`.
    fn close(self) {
        // SAFETY: the handle is initialised and closed once (this consumes it).
        unsafe { uv_close(self.handle, close_cb) };
    }
}

/// Runs `f` on the target of one of our handles (a libuv callback's), in a handle scope of its
/// own, a panic reported rather than unwound into libuv.
///
/// # Safety
///
/// `handle` is a handle made by [`UvHandle::new`] and not yet through `close_cb`.
unsafe fn call_target(handle: *mut c_void, f: impl FnOnce(&dyn PollTarget, Env)) {
    // SAFETY: the data pointer was set to a live `Box<PollData>` in `UvHandle::new` and is
    // freed only in `close_cb`, which libuv runs after the handle's last callback.
    let data = unsafe { &*(uv_handle_get_data(handle) as *const PollData) };
    let target = data.target.clone();
    let env = Env::new(data.env);
    let mut scope = null_mut();
    // SAFETY: we are on the JavaScript thread, called by libuv outside any JavaScript frame: a
    // handle scope is needed for the values made below, and is closed before returning.
    unsafe { n::napi_open_handle_scope(data.env, &mut scope) };
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| f(&*target, env))) {
        eprintln!("node-dgram internal error: {}", panic_message(&*p));
    }
    // SAFETY: closes the scope opened above.
    unsafe { n::napi_close_handle_scope(data.env, scope) };
}

unsafe extern "C" fn poll_cb(handle: *mut c_void, status: c_int, events: c_int) {
    // SAFETY: libuv calls this for the poll handle of `Poll::start`, before its close callback.
    unsafe { call_target(handle, |t, env| t.ready(env, status, events & UV_READABLE != 0, events & UV_WRITABLE != 0)) };
}

unsafe extern "C" fn timer_cb(handle: *mut c_void) {
    // SAFETY: libuv calls this for the timer handle of `Timer::new`, before its close callback.
    unsafe { call_target(handle, |t, env| t.timer(env)) };
}

unsafe extern "C" fn close_cb(handle: *mut c_void) {
    // SAFETY: the data pointer is the `Box<PollData>` from `Poll::start`, freed only here, and
    // the handle memory was allocated with `libc::malloc` there; libuv calls this once, last.
    unsafe {
        let data = uv_handle_get_data(handle) as *mut PollData;
        if !data.is_null() {
            drop(Box::from_raw(data));
        }
        libc::free(handle);
    }
}

impl Poll {
    /// Starts watching `fd` for reading on the env's loop.
    pub fn start(env: Env, fd: RawFd, target: Rc<dyn PollTarget>) -> std::io::Result<Poll> {
        // SAFETY: `h` has the size of a uv_poll_t; `lp` is Node's loop, used on its thread.
        let h = UvHandle::new(env, UV_POLL, target, |lp, h| unsafe { uv_poll_init_socket(lp, h, fd) })?;
        let p = Poll { h, events: Cell::new(0) };
        p.watch(true, false)?;
        Ok(p)
    }
    /// Changes the events watched (no events: stopped).
    pub fn watch(&self, readable: bool, writable: bool) -> std::io::Result<()> {
        let ev = if readable { UV_READABLE } else { 0 } | if writable { UV_WRITABLE } else { 0 };
        if ev == self.events.get() {
            return Ok(());
        }
        // SAFETY: the handle is initialised and not closed (`close` consumes the Poll).
        let r = unsafe {
            if ev == 0 {
                uv_poll_stop(self.h.handle)
            } else {
                uv_poll_start(self.h.handle, ev, poll_cb)
            }
        };
        if r != 0 {
            return Err(std::io::Error::from_raw_os_error(errno_from_uv(r)));
        }
        self.events.set(ev);
        Ok(())
    }
    /// Notes that libuv stopped the handle itself (it does on `POLLERR`, reporting an error
    /// status): the next [`Poll::watch`] starts it again.
    pub fn stopped_by_loop(&self) {
        self.events.set(0);
    }
    /// Whether the handle keeps the loop alive (while it is active).
    pub fn set_ref(&self, on: bool) {
        self.h.set_ref(on);
    }
    /// Stops watching (the descriptor leaves epoll at once) and closes the handle; its memory
    /// is freed by libuv's close callback.
    pub fn close(self) {
        // SAFETY: the handle is initialised and not closed (this consumes the Poll);
        // `uv_poll_stop` removes the descriptor from the loop before the caller closes it.
        unsafe { uv_poll_stop(self.h.handle) };
        self.h.close();
    }
}

/// A one-shot `uv_timer_t` on Node's loop, calling its target's [`PollTarget::timer`]. Like
/// [`Poll`], it must be closed with [`Timer::close`]; dropping it unclosed leaks the handle but
/// never touches freed memory.
pub struct Timer {
    h: UvHandle,
}

impl Timer {
    /// A stopped timer on the env's loop.
    pub fn new(env: Env, target: Rc<dyn PollTarget>) -> std::io::Result<Timer> {
        // SAFETY: `h` has the size of a uv_timer_t; `lp` is Node's loop, used on its thread.
        let h = UvHandle::new(env, UV_TIMER, target, |lp, h| unsafe { uv_timer_init(lp, h) })?;
        Ok(Timer { h })
    }
    /// Fires once, at least `ms` milliseconds from now (started again if running). The loop's
    /// clock is brought up to date first: its time is that of the iteration's start, so a
    /// timer started late in a long iteration would otherwise fire early.
    pub fn start(&self, ms: u64) -> std::io::Result<()> {
        // SAFETY: the handle is initialised and not closed (`close` consumes the Timer); `lp`
        // is the loop it was made on (Node's, alive while the env is), used on its thread.
        let r = unsafe {
            uv_update_time(self.h.lp);
            uv_timer_start(self.h.handle, timer_cb, ms, 0)
        };
        if r != 0 {
            return Err(std::io::Error::from_raw_os_error(errno_from_uv(r)));
        }
        Ok(())
    }
    /// Stops it (nothing fires).
    pub fn stop(&self) {
        // SAFETY: as in `start`.
        unsafe { uv_timer_stop(self.h.handle) };
    }
    /// Whether it keeps the loop alive while running.
    pub fn set_ref(&self, on: bool) {
        self.h.set_ref(on);
    }
    /// Stops and closes it; its memory is freed by libuv's close callback.
    pub fn close(self) {
        self.stop();
        self.h.close();
    }
}

/// Takes ownership of descriptor `fd` for `bind({ fd })`, as Node does; `None` when it is not
/// an open descriptor.
#[cfg(unix)]
pub fn adopt_fd(fd: i32) -> Option<OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: F_GETFD only reads the descriptor's flags.
    if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
        return None;
    }
    // SAFETY: `fd` is open (checked above); JavaScript handed it over to this socket, which
    // from now on owns and eventually closes it, as Node's `bind({ fd })` does.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A duplicate of an open descriptor (`dup(2)`, close-on-exec), or the errno.
#[cfg(unix)]
pub fn dup_fd(fd: i32) -> Result<i32, i32> {
    // SAFETY: F_DUPFD_CLOEXEC creates a new descriptor or fails; nothing else is touched.
    let r = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if r < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EBADF))
    } else {
        Ok(r)
    }
}

/// No descriptor: what a socket's `fd` is before it has one.
#[cfg(unix)]
pub const NO_FD: RawFd = -1;
/// No socket (`INVALID_SOCKET`).
#[cfg(windows)]
pub const NO_FD: RawFd = !0;

/// The `fd` JavaScript sees for a socket: its descriptor on Unix, -1 on Windows (Node's `fd`
/// getter answers -1 there).
pub fn js_fd(fd: Option<RawFd>) -> i32 {
    #[cfg(unix)]
    return fd.unwrap_or(-1);
    #[cfg(windows)]
    {
        let _ = fd;
        -1
    }
}

/// `guessHandleType` for a number JavaScript gave (-1 when it is no descriptor number).
pub fn guess_handle_type(fd: i32) -> &'static str {
    #[cfg(unix)]
    return node_dgram::embed::guess_handle_type(fd);
    #[cfg(windows)]
    {
        if fd < 0 {
            return "UNKNOWN";
        }
        node_dgram::embed::guess_handle_type(fd as RawFd)
    }
}

/// Windows: libuv keeps no descriptor table there, and `bind({ fd })` never gets this far (the
/// type check refuses every socket, see [`guess_handle_type`]).
#[cfg(windows)]
pub fn loop_watches(_env: Env, _fd: i32) -> bool {
    false
}

/// Windows: a number from JavaScript is never a socket this addon may take (see
/// [`loop_watches`]), so nothing is adopted.
#[cfg(windows)]
pub fn adopt_fd(_fd: i32) -> Option<node_dgram::embed::batch::OwnedFd> {
    None
}

/// Windows: sockets have no descriptors to duplicate (a socket's `fd` is -1 there).
#[cfg(windows)]
pub fn dup_fd(_fd: i32) -> Result<i32, i32> {
    // (named ENOTSUP, as on Linux where the two are one number)
    Err(libc::EOPNOTSUPP)
}

/// libuv's functions on Windows, looked up in the host process (node.exe, or whatever
/// executable embeds Node) once, when the module registers: an addon links against no import
/// library there. Each wrapper has the name and the signature of the Unix declaration, with a
/// `SOCKET` for `uv_os_sock_t`.
#[cfg(windows)]
mod uv_win {
    use super::{c_int, c_void, n, uv_close_cb, uv_poll_cb, uv_timer_cb, RawFd};
    use std::sync::OnceLock;

    pub(super) struct Uv {
        handle_size: unsafe extern "C" fn(c_int) -> usize,
        poll_init_socket: unsafe extern "C" fn(*mut n::uv_loop_s, *mut c_void, usize) -> c_int,
        poll_start: unsafe extern "C" fn(*mut c_void, c_int, uv_poll_cb) -> c_int,
        poll_stop: unsafe extern "C" fn(*mut c_void) -> c_int,
        close: unsafe extern "C" fn(*mut c_void, uv_close_cb),
        ref_: unsafe extern "C" fn(*mut c_void),
        unref: unsafe extern "C" fn(*mut c_void),
        handle_set_data: unsafe extern "C" fn(*mut c_void, *mut c_void),
        handle_get_data: unsafe extern "C" fn(*const c_void) -> *mut c_void,
        timer_init: unsafe extern "C" fn(*mut n::uv_loop_s, *mut c_void) -> c_int,
        timer_start: unsafe extern "C" fn(*mut c_void, uv_timer_cb, u64, u64) -> c_int,
        timer_stop: unsafe extern "C" fn(*mut c_void) -> c_int,
        update_time: unsafe extern "C" fn(*mut n::uv_loop_s),
    }

    static UV: OnceLock<Result<Uv, String>> = OnceLock::new();

    /// Looks the functions up (once per process); the error names the first one missing.
    pub(super) fn load() -> Result<(), String> {
        UV.get_or_init(|| {
            let host = libloading::os::windows::Library::this().map_err(|e| e.to_string())?;
            // SAFETY: each symbol is looked up by its libuv name and given libuv's signature
            // (uv.h, with uv_os_sock_t = SOCKET); the host executable stays loaded for the
            // process's lifetime, so the pointers stay valid after `host` is dropped.
            unsafe {
                macro_rules! sym {
                    ($name:literal) => {
                        *host.get($name).map_err(|e| format!("{}: {e}", String::from_utf8_lossy($name)))?
                    };
                }
                Ok(Uv {
                    handle_size: sym!(b"uv_handle_size"),
                    poll_init_socket: sym!(b"uv_poll_init_socket"),
                    poll_start: sym!(b"uv_poll_start"),
                    poll_stop: sym!(b"uv_poll_stop"),
                    close: sym!(b"uv_close"),
                    ref_: sym!(b"uv_ref"),
                    unref: sym!(b"uv_unref"),
                    handle_set_data: sym!(b"uv_handle_set_data"),
                    handle_get_data: sym!(b"uv_handle_get_data"),
                    timer_init: sym!(b"uv_timer_init"),
                    timer_start: sym!(b"uv_timer_start"),
                    timer_stop: sym!(b"uv_timer_stop"),
                    update_time: sym!(b"uv_update_time"),
                })
            }
        })
        .as_ref()
        .map(|_| ())
        .map_err(Clone::clone)
    }

    fn uv() -> &'static Uv {
        match UV.get() {
            Some(Ok(uv)) => uv,
            // The module's registration loads them and fails when any is missing, so no
            // socket exists without them.
            _ => unreachable!("libuv's functions are loaded when the module registers"),
        }
    }

    pub(super) unsafe fn uv_handle_size(kind: c_int) -> usize {
        // SAFETY: the caller upholds libuv's contract for the call.
        unsafe { (uv().handle_size)(kind) }
    }
    pub(super) unsafe fn uv_poll_init_socket(lp: *mut n::uv_loop_s, handle: *mut c_void, fd: RawFd) -> c_int {
        // SAFETY: as above; a SOCKET is pointer-sized.
        unsafe { (uv().poll_init_socket)(lp, handle, fd as usize) }
    }
    pub(super) unsafe fn uv_poll_start(handle: *mut c_void, events: c_int, cb: uv_poll_cb) -> c_int {
        // SAFETY: as above.
        unsafe { (uv().poll_start)(handle, events, cb) }
    }
    pub(super) unsafe fn uv_poll_stop(handle: *mut c_void) -> c_int {
        // SAFETY: as above.
        unsafe { (uv().poll_stop)(handle) }
    }
    pub(super) unsafe fn uv_close(handle: *mut c_void, cb: uv_close_cb) {
        // SAFETY: as above.
        unsafe { (uv().close)(handle, cb) }
    }
    pub(super) unsafe fn uv_ref(handle: *mut c_void) {
        // SAFETY: as above.
        unsafe { (uv().ref_)(handle) }
    }
    pub(super) unsafe fn uv_unref(handle: *mut c_void) {
        // SAFETY: as above.
        unsafe { (uv().unref)(handle) }
    }
    pub(super) unsafe fn uv_handle_set_data(handle: *mut c_void, data: *mut c_void) {
        // SAFETY: as above.
        unsafe { (uv().handle_set_data)(handle, data) }
    }
    pub(super) unsafe fn uv_handle_get_data(handle: *const c_void) -> *mut c_void {
        // SAFETY: as above.
        unsafe { (uv().handle_get_data)(handle) }
    }
    pub(super) unsafe fn uv_timer_init(lp: *mut n::uv_loop_s, handle: *mut c_void) -> c_int {
        // SAFETY: as above.
        unsafe { (uv().timer_init)(lp, handle) }
    }
    pub(super) unsafe fn uv_timer_start(handle: *mut c_void, cb: uv_timer_cb, timeout: u64, repeat: u64) -> c_int {
        // SAFETY: as above.
        unsafe { (uv().timer_start)(handle, cb, timeout, repeat) }
    }
    pub(super) unsafe fn uv_timer_stop(handle: *mut c_void) -> c_int {
        // SAFETY: as above.
        unsafe { (uv().timer_stop)(handle) }
    }
    pub(super) unsafe fn uv_update_time(lp: *mut n::uv_loop_s) {
        // SAFETY: as above.
        unsafe { (uv().update_time)(lp) }
    }
}
#[cfg(windows)]
use uv_win::*;
