//! The send queue: sends in Node's order (each joins the queue proper once its address is known,
//! as Node hands a send to the system when its own lookup answers), what may go now, and how a
//! send ends.

use std::net::SocketAddr;
use std::sync::Arc;

use super::*;
use crate::error::Error;
use crate::sys::IoHandle;
use crate::types::{Family, Message};

pub(super) struct SendReq {
    pub(super) msg: Message,
    /// The address argument as given (Node's error messages use it), `None` when omitted;
    /// shared by the sends to one address (see [`LastLiteral`]).
    pub(super) host: Option<Arc<str>>,
    pub(super) port: u16,
    pub(super) target: Target,
    pub(super) op: Option<OpId>,
}

/// Whether a queued send can go now.
pub(super) enum Next {
    Wait,
    Fail(Error),
    Go(Option<SocketAddr>),
}

/// Node's `ExceptionWithHostPort(err, 'send', address, port)`: the address as the caller gave
/// it (JavaScript prints an omitted one as `undefined`).
pub(super) fn send_error(errno: i32, host: &Option<Arc<str>>, port: u16) -> Error {
    let e = Error::system(errno, "send", host.as_deref().map(str::to_string), Some(port));
    if host.is_none() && port > 0 {
        let m = format!("{} undefined:{port}", e.message());
        return e.with_message(m);
    }
    e
}

impl<H: IoHandle> Core<H> {
    /// `send(msg)` on a connected (or connecting) socket.
    pub fn send_connected(&mut self, msg: Message, op: Option<OpId>) -> Result<(), Error> {
        if self.connect_state == ConnectState::Disconnected {
            // Node: without a connection the port is required.
            return Err(Error::bad_port("undefined", false));
        }
        if self.closed {
            return Err(Error::not_running());
        }
        self.push_send(SendReq { msg, host: None, port: 0, target: Target::Peer, op });
        Ok(())
    }

    /// `send(msg, port, address)` on an unconnected socket.
    pub fn send_to(&mut self, msg: Message, port: u16, host: &str, op: Option<OpId>) -> Result<(), Error> {
        if self.connect_state == ConnectState::Connected {
            return Err(Error::is_connected());
        }
        let all = self.opts.lookup_all;
        self.push_send_to(msg, port, host, op, all)
    }

    /// Queues a send to `host:port`; `ask`: the resolver is asked for the address even when it
    /// is an IP literal.
    pub(super) fn push_send_to(
        &mut self,
        msg: Message,
        port: u16,
        host: &str,
        op: Option<OpId>,
        ask: bool,
    ) -> Result<(), Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        self.implicit_bind();
        // A burst of sends to one literal address parses it once and shares its text.
        if !ask {
            if let Some(last) = self.last_literal.as_ref().filter(|l| *l.text == *host) {
                let (host, a) = (Some(last.text.clone()), last.addr);
                let target = Target::Ready(SocketAddr::new(a.ip(), port).with_scope_of(a));
                self.push_send(SendReq { msg, host, port, target, op });
                return Ok(());
            }
        }
        let target = self.lookup_target_as(host, self.family.loopback(), ask);
        let host: Option<Arc<str>> = (!host.is_empty()).then(|| Arc::from(host));
        let target = match target {
            Target::Ready(a) => {
                // (A zone name is looked up each time: interfaces come and go.)
                if let Some(text) = host.as_ref().filter(|h| !ask && !h.contains('%')) {
                    self.last_literal = Some(LastLiteral { text: text.clone(), addr: a });
                }
                Target::Ready(SocketAddr::new(a.ip(), port)).with_scope(a)
            }
            t => t,
        };
        self.push_send(SendReq { msg, host, port, target, op });
        Ok(())
    }

    /// `send_to` for an address the adapter knows to be an IP literal that its resolver would
    /// answer unchanged: no lookup is asked for, even with `lookup_all`. The adapter checked the
    /// connection when the call was made, as Node does, and hands the send over when the lookup
    /// would have answered: a connection made meanwhile fails it with `send EISCONN`.
    pub fn send_to_literal(&mut self, msg: Message, port: u16, host: &str, op: Option<OpId>) -> Result<(), Error> {
        self.push_send_to(msg, port, host, op, false)
    }

    pub(super) fn push_send(&mut self, req: SendReq) {
        self.queued_bytes += req.msg.len();
        if self.opts.lookup_all && !matches!(req.target, Target::Lookup(_)) {
            let at = self.handover_point();
            self.sends.insert(at, req);
        } else {
            self.sends.push_back(req);
        }
    }

    /// With `lookup_all` (Node's way), a send joins the queue proper once its address is known,
    /// as Node hands a send to the system when its own lookup answers: the sends still waiting
    /// for a lookup stay at the tail and hold back nobody. This is where the next one goes.
    pub(super) fn handover_point(&self) -> usize {
        let mut i = self.sends.len();
        while i > 0 && matches!(self.sends[i - 1].target, Target::Lookup(_)) {
            i -= 1;
        }
        i
    }

    /// The send at `i` got its address (or its lookup failed): with `lookup_all`, it moves ahead
    /// of the sends still waiting for theirs.
    pub(super) fn handed_over(&mut self, i: usize) {
        if !self.opts.lookup_all {
            return;
        }
        if let Some(req) = self.sends.remove(i) {
            let at = self.handover_point();
            self.sends.insert(at, req);
        }
    }

    /// `getSendQueueSize()`: bytes of sends not yet handed to the kernel.
    pub fn send_queue_size(&self) -> usize {
        self.queued_bytes
    }

    /// `getSendQueueCount()`: sends not yet handed to the kernel.
    pub fn send_queue_count(&self) -> usize {
        self.sends.len()
    }

    /// Node's `getSendQueueCount()` and `getSendQueueSize()`: the sends handed to the system
    /// and waiting for room, not those still waiting for the bind or a lookup.
    pub fn kernel_queue(&self) -> (usize, usize) {
        if self.bind_state != BindState::Bound {
            return (0, 0);
        }
        self.sends
            .iter()
            .filter(|s| matches!(self.classify(s), Next::Go(_)))
            .fold((0, 0), |(n, b), s| (n + 1, b + s.msg.len()))
    }

    /// Whether a queued send can be written now, and where to.
    pub(super) fn classify(&self, s: &SendReq) -> Next {
        match &s.target {
            Target::Lookup(_) => Next::Wait,
            Target::Peer if self.connect_state != ConnectState::Connected => Next::Wait,
            Target::Peer => Next::Go(None),
            Target::Failed(e) => Next::Fail(e.clone()),
            Target::Ready(a) => {
                if self.opts.send_block_list.as_ref().is_some_and(|l| l.check_ip(a.ip())) {
                    Next::Fail(Error::ip_blocked(&a.ip().to_string()))
                } else if Family::of(&a.ip()) != self.family {
                    // Node parses the address for the handle's family before libuv sees the
                    // send: another family is EINVAL even on a socket connected meanwhile.
                    Next::Fail(send_error(libc::EINVAL, &s.host, s.port))
                } else if self.connect_state == ConnectState::Connected {
                    // An addressed send on a socket connected meanwhile: libuv refuses it.
                    Next::Fail(send_error(libc::EISCONN, &s.host, s.port))
                } else {
                    Next::Go(Some(*a))
                }
            }
        }
    }

    /// Ends the front send with `r`.
    pub(super) fn finish_front(&mut self, r: Result<usize, Error>) {
        if let Some(s) = self.sends.pop_front() {
            self.queued_bytes -= s.msg.len();
            if let Some(op) = s.op {
                self.out.push_back(done(op, r, false));
            }
        }
    }
}
