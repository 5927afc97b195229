//! The engine: one socket engine owning Node's dgram semantics.
//!
//! It decides everything (state, queueing, validation, which event fires when, which error with
//! which code) and performs the non-blocking system calls, but it never blocks, never spawns,
//! never waits and never calls user code. An adapter (the tokio one in `socket.rs`; the Node
//! addon's libuv one) drives it: it calls [`Core::advance`] after every change, tells it when the
//! socket is readable or writable, runs the lookups it asks for, and delivers the [`Output`]s it
//! produces, in order, outside its lock.

//!
//! Its rooms: [`state`] (bind and connect states, close), [`lookups`] (where an operation's
//! address stands), [`queue`] (the send queue in Node's order), [`transmit`] (how ready sends
//! leave), [`options`] (socket options and memberships), [`adopt`] (descriptors), and
//! [`output`] (what the adapter gets, as plain data).
//!
//! Its one way to the kernel is the adapter's [`IoHandle::Sock`], a
//! [`SocketIo`](crate::sys::SocketIo): every system call the engine makes goes through it, so its
//! tests run it over a fake kernel (`fake.rs`) that logs each call and fails the ones a test
//! asks it to.

mod adopt;
mod lookups;
mod options;
mod output;
mod queue;
mod state;
mod transmit;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::error::Error;
use crate::sys::{IoHandle, RawFd, SocketIo};
use crate::types::{Family, SocketOptions};

use adopt::*;
use lookups::*;
pub use options::Membership;
use output::done;
pub use output::{OpId, Output, Recv};
use queue::*;
use state::*;
pub use state::{BindState, ConnectState};

/// The socket engine. Not thread-safe by itself: the adapter keeps it behind its lock.
pub struct Core<H: IoHandle> {
    family: Family,
    opts: SocketOptions,
    bind_state: BindState,
    connect_state: ConnectState,
    closed: bool,
    sock: Option<Sock<H>>,
    remote: Option<SocketAddr>,
    bind_req: Option<BindReq>,
    connect_req: Option<ConnectReq>,
    sends: VecDeque<SendReq>,
    queued_bytes: usize,
    blocked_on_write: bool,
    next_id: u64,
    out: VecDeque<Output>,
    last_literal: Option<LastLiteral>,
}

/// The IP literal the last send without a lookup went to, as given and as parsed (port 0).
struct LastLiteral {
    text: std::sync::Arc<str>,
    addr: SocketAddr,
}

/// The open socket: bound but not yet watched by the event loop (a bind made synchronously, for
/// a membership call), or handed to the adapter's handle.
#[non_exhaustive]
pub enum Sock<H: IoHandle> {
    /// Bound, not watched yet.
    Raw(H::Sock),
    /// Held by the adapter's handle.
    Watched(H),
}

impl<H: IoHandle> Sock<H> {
    fn socket(&self) -> &H::Sock {
        match self {
            Sock::Raw(s) => s,
            Sock::Watched(h) => h.socket(),
        }
    }
}

impl<H: IoHandle> Core<H> {
    /// A socket engine, unbound, with these options.
    pub fn new(opts: SocketOptions) -> Core<H> {
        Core {
            family: opts.ty.family(),
            opts,
            bind_state: BindState::Unbound,
            connect_state: ConnectState::Disconnected,
            closed: false,
            sock: None,
            remote: None,
            bind_req: None,
            connect_req: None,
            sends: VecDeque::new(),
            queued_bytes: 0,
            blocked_on_write: false,
            next_id: 1,
            out: VecDeque::new(),
            last_literal: None,
        }
    }

    /// Whether `close()` was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Whether the socket is connected (Node checks this before validating a send's port).
    pub fn is_connected(&self) -> bool {
        self.connect_state == ConnectState::Connected
    }

    /// Node's bind state.
    pub fn bind_state(&self) -> BindState {
        self.bind_state
    }

    /// Node's connect state.
    pub fn connect_state(&self) -> ConnectState {
        self.connect_state
    }

    /// The open descriptor, if any.
    pub fn fd(&self) -> Option<RawFd> {
        self.sock.as_ref().map(|s| s.socket().raw())
    }

    /// Whether the adapter should watch for writability (sends wait on a full buffer).
    pub fn wants_write(&self) -> bool {
        self.blocked_on_write && !self.sends.is_empty()
    }

    /// Whether any operation is still pending (the socket must not be dropped quietly).
    pub fn has_pending(&self) -> bool {
        self.bind_req.is_some() || self.connect_req.is_some() || !self.sends.is_empty()
    }

    /// Takes what the adapter must do or deliver, in order.
    pub fn take_output(&mut self) -> VecDeque<Output> {
        std::mem::take(&mut self.out)
    }

    /// Queues the successful completion of `op` (after what is queued already).
    pub fn push_done(&mut self, op: OpId) {
        self.out.push_back(done(op, Ok(0), false));
    }

    /// Takes the outcome of a receive attempt made with [`recv_batch`](crate::embed::batch::recv_batch) on [`Core::fd`]:
    /// errors other than "nothing waiting" are emitted as `error` (`recvmsg ECONNREFUSED`
    /// after an ICMP port-unreachable on a connected socket, as Node reports it).
    pub fn received(&mut self, r: std::io::Result<usize>) -> Recv {
        match r {
            Ok(n) => Recv::Batch(n),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Recv::WouldBlock,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Recv::Batch(0),
            Err(e) => {
                self.out.push_back(Output::Error(Error::from_io(&e, "recvmsg", None, None)));
                Recv::Batch(0)
            }
        }
    }

    /// Takes a pending asynchronous error (`SO_ERROR`, e.g. an ICMP port-unreachable on a
    /// connected socket) and emits it as Node does: `recvmsg ECONNREFUSED`. Returns whether
    /// there was one.
    pub fn take_socket_error(&mut self) -> bool {
        let err = self.sock.as_ref().and_then(|h| match h.socket().take_error() {
            Ok(Some(e)) => Some(e),
            Ok(None) => None,
            Err(e) => Some(e),
        });
        match err {
            Some(e) => {
                self.out.push_back(Output::Error(Error::from_io(&e, "recvmsg", None, None)));
                true
            }
            None => false,
        }
    }

    /// Whether a thread of the socket's own makes its reads (`SocketOptions::receive_thread`, on
    /// Linux), rather than the adapter on the loop's readiness.
    pub fn reads_elsewhere(&self) -> bool {
        cfg!(any(target_os = "linux", target_os = "android")) && self.opts.receive_thread
    }

    /// The reading thread's pause after a busy wake (`SocketOptions::receive_pause`).
    pub fn receive_pause(&self) -> Option<std::time::Duration> {
        self.opts.receive_pause
    }

    /// The event-loop handle of the open socket, if it is watched.
    pub fn handle(&self) -> Option<&H> {
        match &self.sock {
            Some(Sock::Watched(h)) => Some(h),
            _ => None,
        }
    }

    /// Hands a socket bound outside the loop to the adapter's handle.
    fn watch(&mut self) {
        if let Some(Sock::Raw(_)) = &self.sock {
            if let Some(Sock::Raw(raw)) = self.sock.take() {
                let h = if self.reads_elsewhere() { H::open_without_reads(raw) } else { H::open(raw) };
                match h {
                    Ok(h) => self.sock = Some(Sock::Watched(h)),
                    Err(e) => self.out.push_back(Output::Error(Error::from_io(&e, "uv_poll_start", None, None))),
                }
            }
        }
    }
}

/// Holds the loop alive while a bound, referenced socket stays open.
pub fn wants_hold<H: IoHandle>(core: &Core<H>, referenced: bool) -> bool {
    referenced && !core.closed && core.bind_state == BindState::Bound
}

impl<H: IoHandle> Drop for Core<H> {
    fn drop(&mut self) {
        // A socket dropped without `close()` (its runtime went first): its descriptor closes
        // now, so its number may be adopted again.
        if !self.closed {
            if let Some(fd) = self.fd() {
                release_fd(fd);
            }
        }
    }
}
