//! The Node.js addon of node-dgram: the Rust core's dgram semantics on Node's own libuv loop.
//!
//! `npm/node-dgram/index.js` (the JavaScript face) defines `Socket`, an `EventEmitter`, and
//! validates JavaScript argument types; each socket owns one native [`handle::Handle`], which
//! owns one `Core` (the engine shared with the Rust API) and watches the descriptor with a
//! `uv_poll_t` on Node's loop.
//!
//! # Ownership at the boundary
//! Stated here once, and enforced by the types of [`handle`] and [`sys`]:
//! - **The JavaScript socket** is held by its handle with a strong reference from the moment it
//!   is made until its `close` has been handed to JavaScript, whatever the socket's state; after
//!   that the handle holds nothing that keeps it alive. (Node's handles keep their owners alive
//!   the same way, so a socket only its listeners refer to is never collected while open.)
//! - **State per module instance.** Everything kept across calls (the JavaScript functions of
//!   `init`, the staging buffer, the corked sends, the events not yet handed over) lives in a
//!   [`Module`], the Node-API instance data of one loaded copy of the addon: a second `require`
//!   of the addon after its cache entry was deleted, or a worker thread, gets a module of its own,
//!   and the sockets of each keep calling their own copy's JavaScript.
//! - **Buffers.** Datagrams are read through the crate's one receive path
//!   (`node_dgram::embed::Receiver`), into an arena of the reading thread (one socket is read at
//!   a time on a loop), so memory does not grow with the number of sockets. No pointer into JavaScript
//!   memory is kept across calls: the staging buffer's store is looked up at each write, and
//!   messages to send are copied out of their views without ever being seen as Rust slices.
//!   A batch of the `messages` extension is a `Buffer` made natively for that read alone and
//!   filled before JavaScript sees it; nothing native keeps or writes it afterwards.
//! - **Calls into JavaScript** happen only from the loop (`napi_make_callback`, one per event, so
//!   ticks and microtasks run between events as with the built-in module; one per read for a
//!   socket that asked for batches, the `messages` extension). A method called from
//!   JavaScript never calls back into JavaScript: it returns the events it produced as data
//!   ([`protocol`]), and the JavaScript face dispatches them, so a listener's exception travels
//!   through JavaScript frames only, as with the built-in module. (One exception: `uncaught(err)`
//!   hands such an exception to Node's uncaught-exception handling, which runs
//!   'uncaughtException' listeners at once, inside the socket's async context as Node does.)
//! - **Async context**: the calls from the loop carry none of the addon's making (no
//!   `napi_async_init`, which would be a second `UDPWRAP` resource per socket); the JavaScript
//!   face enters the async context of the socket's own Node UDP handle, so async hooks and
//!   `AsyncLocalStorage` see what they see with the built-in module.
//!
//! Unsafe code lives in [`sys`] only.
#![deny(unsafe_code)]

mod handle;
mod marshal;
mod methods;
pub mod protocol;
mod sys;

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use handle::{Event, Handle};
use sys::{Env, Ref, Staging, Thrown, Val};

/// The JavaScript functions `init` registers.
struct Callbacks {
    /// `onevent(kind, a, b, c, sync)`, called with the socket as `this`.
    onevent: Ref,
    /// `onmessage(data, sender)`, called with the socket as `this` (`sender`: `[address, family,
    /// port]`).
    onmessage: Ref,
    /// `onbatch(buffer, count, senders)`, called with the socket as `this` for a whole read
    /// once the socket asked for batches (see [`handle::BATCH_WORDS`]).
    onbatch: Ref,
    /// `makeError(descriptor)`: an error of Node's class and shape, for errors thrown at once.
    make_error: Ref,
    /// Where datagrams of at most [`handle::STAGED`] bytes are handed to `onmessage`.
    staging: Staging,
}

/// The state of one loaded instance of the addon (see the crate docs).
pub(crate) struct Module {
    callbacks: RefCell<Option<Rc<Callbacks>>>,
    /// The one handle holding corked sends, if any: before anything else is done on any
    /// socket, they go out, so that system calls keep the order in which Node would make them.
    corked: RefCell<Weak<Handle>>,
    /// Events produced by calls from JavaScript (and not yet returned to it), in order.
    queue: RefCell<Vec<(Rc<Handle>, Event)>>,
}

impl Module {
    fn new() -> Module {
        Module { callbacks: RefCell::new(None), corked: RefCell::new(Weak::new()), queue: RefCell::new(Vec::new()) }
    }

    fn callbacks(&self) -> Option<Rc<Callbacks>> {
        self.callbacks.borrow().clone()
    }

    /// The module of the env a call came from.
    fn of(env: Env) -> Result<Rc<Module>, Thrown> {
        sys::instance_data::<Module>(env)
            .ok_or_else(|| Thrown::Value(env.plain_error("node-dgram: the addon's module state is missing")))
    }

    /// Writes the corked sends, if any handle holds some; their events join the queue.
    fn uncork(&self, env: Env) {
        let held = std::mem::take(&mut *self.corked.borrow_mut());
        if let Some(h) = held.upgrade() {
            if h.take_cork() {
                h.pump(env);
            }
        }
    }

    /// Whether `h` is the handle holding corked sends.
    fn holds_cork(&self, h: &Rc<Handle>) -> bool {
        std::ptr::eq(self.corked.borrow().as_ptr(), Rc::as_ptr(h))
    }

    fn set_corked(&self, h: &Rc<Handle>) {
        *self.corked.borrow_mut() = Rc::downgrade(h);
    }

    fn clear_corked(&self) {
        *self.corked.borrow_mut() = Weak::new();
    }
}

/// Called by [`sys`] when Node loads the addon: makes this instance's [`Module`] and defines
/// `Handle`, `init`, `take`, `dup`, `guessHandleType` and the protocol's constants.
fn init(env: Env, exports: Val) -> Result<(), Thrown> {
    sys::set_instance_data(env, Rc::new(Module::new()))?;
    let class = sys::define_class::<Handle>(env, c"Handle", handle::ctor, methods::TABLE)?;
    env.set(exports, c"Handle", class)?;
    for (name, f) in methods::FUNCTIONS {
        env.set(exports, name, sys::define_function(env, name, *f)?)?;
    }
    env.set(exports, c"protocol", protocol::constants(env)?)?;
    Ok(())
}
