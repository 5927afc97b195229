//! The EventEmitter part of a socket: listeners added, added once, removed; emitted in order
//! of addition, each emit working on the list as it was when the emit began.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::Error;
use crate::socket::Socket;
use crate::types::RemoteInfo;

/// The events of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Event {
    /// `'listening'`
    Listening,
    /// `'message'`
    Message,
    /// `'connect'`
    Connect,
    /// `'error'`
    Error,
    /// `'close'`
    Close,
}

/// Identifies a listener, for [`Socket::off`](crate::Socket::off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

/// Every listener gets the socket it listens to (what Node gives as `this`), borrowed for the
/// call: a listener that only uses that argument holds no handle, so it keeps no socket alive.
pub(crate) type MessageFn = dyn FnMut(&Socket, &[u8], &RemoteInfo) + Send;
pub(crate) type UnitFn = dyn FnMut(&Socket) + Send;
pub(crate) type ErrorFn = dyn FnMut(&Socket, &Error) + Send;

#[derive(Clone)]
pub(crate) enum Handler {
    Message(Arc<Mutex<MessageFn>>),
    Unit(Arc<Mutex<UnitFn>>),
    Error(Arc<Mutex<ErrorFn>>),
    /// The callback of a `bind`, `connect` or `close` call (operation id): Node adds it as a
    /// listener of `listening`, `connect` or `close` at the call, so it runs between the
    /// listeners added before and after the call. Not a listener for
    /// [`Socket::listener_count`](crate::Socket::listener_count),
    /// [`Socket::remove_all_listeners`](crate::Socket::remove_all_listeners) or the ownership
    /// rule: it is the operation's, which ends anyway.
    Op(u64),
}

#[derive(Clone)]
pub(crate) struct Entry {
    id: u64,
    once: bool,
    handler: Handler,
}

/// Listeners per event; each list is copy-on-write so an emit only clones an `Arc`.
#[derive(Default)]
pub(crate) struct Listeners {
    next: u64,
    listening: Arc<Vec<Entry>>,
    message: Arc<Vec<Entry>>,
    connect: Arc<Vec<Entry>>,
    error: Arc<Vec<Entry>>,
    close: Arc<Vec<Entry>>,
    /// Counts the changes made to the lists (see [`Listeners::version`]).
    version: Arc<AtomicU64>,
}

impl Listeners {
    fn list(&self, ev: Event) -> &Arc<Vec<Entry>> {
        match ev {
            Event::Listening => &self.listening,
            Event::Message => &self.message,
            Event::Connect => &self.connect,
            Event::Error => &self.error,
            Event::Close => &self.close,
        }
    }

    /// The list of `ev`, to change: every change goes through here, and moves the version.
    fn list_mut(&mut self, ev: Event) -> &mut Arc<Vec<Entry>> {
        self.version.fetch_add(1, Ordering::Release);
        match ev {
            Event::Listening => &mut self.listening,
            Event::Message => &mut self.message,
            Event::Connect => &mut self.connect,
            Event::Error => &mut self.error,
            Event::Close => &mut self.close,
        }
    }

    pub(crate) fn add(&mut self, ev: Event, once: bool, handler: Handler) -> ListenerId {
        self.next += 1;
        let id = self.next;
        Arc::make_mut(self.list_mut(ev)).push(Entry { id, once, handler });
        ListenerId(id)
    }

    pub(crate) fn remove(&mut self, id: ListenerId) -> bool {
        for ev in ALL {
            if let Some(pos) = self.list(ev).iter().position(|e| e.id == id.0) {
                Arc::make_mut(self.list_mut(ev)).remove(pos);
                return true;
            }
        }
        false
    }

    /// Removes the entry of operation `op`, wherever it is.
    pub(crate) fn remove_op(&mut self, op: u64) {
        for ev in ALL {
            if let Some(pos) = self.list(ev).iter().position(|e| matches!(e.handler, Handler::Op(id) if id == op)) {
                Arc::make_mut(self.list_mut(ev)).remove(pos);
            }
        }
    }

    /// Removes the listeners of `ev` (of every event with `None`); operations' entries stay
    /// unless `ops_too`.
    pub(crate) fn remove_all(&mut self, ev: Option<Event>, ops_too: bool) {
        for e in ALL {
            if ev.is_none_or(|ev| ev == e) {
                if ops_too {
                    *self.list_mut(e) = Arc::default();
                } else if self.list(e).iter().any(|x| !x.is_op()) {
                    Arc::make_mut(self.list_mut(e)).retain(Entry::is_op);
                }
            }
        }
    }

    pub(crate) fn count(&self, ev: Event) -> usize {
        self.list(ev).iter().filter(|e| !e.is_op()).count()
    }

    /// Whether any listener (not counting operations' entries) is left.
    pub(crate) fn any(&self) -> bool {
        ALL.into_iter().any(|ev| self.count(ev) > 0)
    }

    /// A counter that moves whenever a list may have changed, readable without the lock: a
    /// run of emits can keep the list it got from [`for_emit`](Listeners::for_emit) for as
    /// long as the counter stays where it was just after that call.
    pub(crate) fn version(&self) -> Arc<AtomicU64> {
        self.version.clone()
    }

    /// The handlers to call for one emit, removing the `once` ones first (as Node does).
    pub(crate) fn for_emit(&mut self, ev: Event) -> Arc<Vec<Entry>> {
        let snapshot = self.list(ev).clone();
        if snapshot.iter().any(|e| e.once) {
            Arc::make_mut(self.list_mut(ev)).retain(|e| !e.once);
        }
        snapshot
    }
}

const ALL: [Event; 5] = [Event::Listening, Event::Message, Event::Connect, Event::Error, Event::Close];

impl Entry {
    pub(crate) fn handler(&self) -> &Handler {
        &self.handler
    }
    /// Whether the entry is removed at its first emit.
    pub(crate) fn once(&self) -> bool {
        self.once
    }
    fn is_op(&self) -> bool {
        matches!(self.handler, Handler::Op(_))
    }
}
