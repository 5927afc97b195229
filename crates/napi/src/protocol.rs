//! The protocol between the addon and its JavaScript face, defined once here; JavaScript reads
//! it from the addon's `protocol` export instead of repeating the numbers.
//!
//! Events reach JavaScript in two ways:
//! - from the loop, one `onevent.call(socket, kind, a, b, c, false)` per event through
//!   `napi_make_callback` (and `onmessage.call(socket, data, [address, family, port])` per
//!   datagram, the sender's array the same while the sender is; `onmessage` returns true when the socket wants batches from then on: then
//!   `onbatch.call(socket, buffer, count, senders)` per read, until it returns false);
//! - from a method called by JavaScript, as its return value: `undefined` when nothing
//!   happened, else a flat array `[socket, kind, a, b, c, socket, kind, a, b, c, ...]` that the
//!   JavaScript face dispatches in order with `sync` true (it then defers what Node defers).
//!   A method that throws leaves its events queued: the next method's return value, or
//!   `take()`, hands them over first.
//!
//! The arguments of each kind:
//! - [`LOOKUP`]`(id, host)`: resolve `host` for the socket's family, then call
//!   `handle.resolved(id, err, address)`;
//! - [`LISTENING`], [`CONNECT`], [`CLOSE`]: no arguments;
//! - [`ERROR`]`(err)`: emit `error`;
//! - [`DONE`]`(id, err, bytes)`: the send `id` ended (id 0: the connect), `err` null on success;
//!   in a method's returned array, a run of successful ones as [`DONE_RUN`]`(id, count, bytes)`.
//!
//! Errors are plain descriptors, turned into Node's error objects by JavaScript:
//! `{ code, message, kind, errno?, syscall?, address?, port?, hostname? }` (`kind` is the class:
//! `Error`, `TypeError`, `RangeError` or `SystemError`), or `{ given }` for an error that a
//! JavaScript `lookup` gave, passed back as the very value it gave.

use crate::sys::{Env, JsResult};

/// `onevent` kind: a lookup to run.
pub const LOOKUP: i32 = 0;
/// `onevent` kind: emit `listening`.
pub const LISTENING: i32 = 1;
/// `onevent` kind: emit `connect`.
pub const CONNECT: i32 = 2;
/// `onevent` kind: emit `error`.
pub const ERROR: i32 = 3;
/// `onevent` kind: emit `close`.
pub const CLOSE: i32 = 4;
/// `onevent` kind: a send (or, with id 0, the connect) ended.
pub const DONE: i32 = 5;
/// Returned-array kind: sends `id`, `id + 1`, ... `id + count - 1` ended, each having sent
/// `bytes` (`DONE_RUN(id, count, bytes)`): what consecutive successful `DONE`s of one socket
/// become in a method's returned array, to be handed over one by one in that order.
pub const DONE_RUN: i32 = 6;
/// Values per event in a method's returned array.
pub const STRIDE: i32 = 5;

/// `{ LOOKUP, LISTENING, CONNECT, ERROR, CLOSE, DONE, DONE_RUN, STRIDE }` for JavaScript.
pub fn constants(env: Env) -> JsResult {
    let o = env.object();
    env.set(o, c"LOOKUP", env.int(LOOKUP))?;
    env.set(o, c"LISTENING", env.int(LISTENING))?;
    env.set(o, c"CONNECT", env.int(CONNECT))?;
    env.set(o, c"ERROR", env.int(ERROR))?;
    env.set(o, c"CLOSE", env.int(CLOSE))?;
    env.set(o, c"DONE", env.int(DONE))?;
    env.set(o, c"DONE_RUN", env.int(DONE_RUN))?;
    env.set(o, c"STRIDE", env.int(STRIDE))?;
    Ok(o)
}
