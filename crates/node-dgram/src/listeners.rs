//! The EventEmitter part of a socket: listeners added, added once, removed; emitted in order
//! of addition, each emit working on the list as it was when the emit began.

use std::sync::Arc;

use parking_lot::Mutex;

use crate::error::Error;
use crate::types::RemoteInfo;

/// The events of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

pub(crate) type MessageFn = dyn FnMut(&[u8], &RemoteInfo) + Send;
pub(crate) type UnitFn = dyn FnMut() + Send;
pub(crate) type ErrorFn = dyn FnMut(&Error) + Send;

#[derive(Clone)]
pub(crate) enum Handler {
    Message(Arc<Mutex<MessageFn>>),
    Unit(Arc<Mutex<UnitFn>>),
    Error(Arc<Mutex<ErrorFn>>),
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
}

impl Listeners {
    fn list(&mut self, ev: Event) -> &mut Arc<Vec<Entry>> {
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
        Arc::make_mut(self.list(ev)).push(Entry { id, once, handler });
        ListenerId(id)
    }

    pub(crate) fn remove(&mut self, id: ListenerId) -> bool {
        for ev in [Event::Listening, Event::Message, Event::Connect, Event::Error, Event::Close] {
            let l = self.list(ev);
            if let Some(pos) = l.iter().position(|e| e.id == id.0) {
                Arc::make_mut(l).remove(pos);
                return true;
            }
        }
        false
    }

    pub(crate) fn remove_all(&mut self, ev: Option<Event>) {
        match ev {
            Some(ev) => *self.list(ev) = Arc::default(),
            None => *self = Listeners { next: self.next, ..Listeners::default() },
        }
    }

    pub(crate) fn count(&mut self, ev: Event) -> usize {
        self.list(ev).len()
    }

    /// The handlers to call for one emit, removing the `once` ones first (as Node does).
    pub(crate) fn for_emit(&mut self, ev: Event) -> Arc<Vec<Entry>> {
        let l = self.list(ev);
        let snapshot = l.clone();
        if snapshot.iter().any(|e| e.once) {
            Arc::make_mut(l).retain(|e| !e.once);
        }
        snapshot
    }
}

impl Entry {
    pub(crate) fn handler(&self) -> &Handler {
        &self.handler
    }
}
