//! `SocketOptions::receive_thread`: a socket whose reads a thread of its own makes. The thread
//! waits in `poll(2)`, reads with `recvmmsg(2)` (through the one receive path, `recv.rs`) and
//! runs the `message` listeners under the socket's delivery lock, as the runtime's task would.
//!
//! The descriptor belongs to the engine, which closes it on `close()` or when the socket is
//! dropped. A [`Gate`] makes sure that never happens while the thread is inside one of its
//! system calls on it (the number could otherwise be reused by another socket and read from):
//! whoever closes first stops the thread, waking it with `shutdown(SHUT_RD)` if it waits, and
//! waits until it has left the call.

use std::sync::{Arc, Weak};
use std::thread::ThreadId;

use parking_lot::{Condvar, Mutex};

use super::Shared;
use crate::engine::Output;
use crate::error::Error;
use crate::recv::Receiver;
use crate::sys::{self, RawFd};

/// Where a socket's reading thread stands.
#[derive(Default)]
pub(super) struct Gate {
    st: Mutex<GateState>,
    left: Condvar,
}

#[derive(Default)]
struct GateState {
    /// Set once: the thread makes no further system call on the descriptor.
    stop: bool,
    /// The thread is inside `poll` or `recvmmsg` on the descriptor.
    inside: bool,
    thread: Option<ThreadId>,
}

impl Gate {
    /// Ends the thread's use of the descriptor; on return, it makes no system call on it any
    /// more, so the descriptor may close. (From the thread itself, a listener's `close()`, it
    /// is not inside one.)
    pub(super) fn stop(&self, sock: Option<&socket2::Socket>) {
        let mut s = self.st.lock();
        s.stop = true;
        if s.thread == Some(std::thread::current().id()) {
            return;
        }
        if s.inside {
            // Wakes a `poll` (and makes the socket readable for good: it is closing). Refused
            // with ENOTCONN on an unconnected socket, which it wakes all the same.
            if let Some(sock) = sock {
                let _ = sock.shutdown(std::net::Shutdown::Read);
            }
            while s.inside {
                self.left.wait(&mut s);
            }
        }
    }

    /// Enters a system call on the descriptor, unless stopped.
    fn enter(&self) -> bool {
        let mut s = self.st.lock();
        s.inside = !s.stop;
        s.inside
    }

    /// Leaves it; false once stopped (the thread then ends).
    fn leave(&self) -> bool {
        let mut s = self.st.lock();
        s.inside = false;
        if s.stop {
            self.left.notify_all();
            return false;
        }
        true
    }
}

/// Starts the reading thread of a bound socket with `receive_thread`, once.
pub(super) fn start(sh: &Arc<Shared>) {
    let mut g = sh.g.lock();
    if g.reader.is_some() || !g.core.reads_elsewhere() || g.core.is_closed() {
        return;
    }
    if g.core.bind_state() != crate::engine::BindState::Bound {
        return;
    }
    let Some(fd) = g.core.fd() else { return };
    let gate = Arc::new(Gate::default());
    g.reader = Some(gate.clone());
    drop(g);
    let weak = Arc::downgrade(sh);
    let (rt, lp) = (sh.rt.clone(), sh.lp.clone());
    let spawned = std::thread::Builder::new().name("node-dgram-recv".into()).spawn(move || {
        let _rt = rt.enter();
        lp.enter_sync(|| read(weak, &gate, fd));
    });
    if let Err(e) = spawned {
        sh.g.lock().reader = None;
        sh.deliver([Output::Error(Error::from_io(&e, "pthread_create", None, None))].into());
    }
}

/// The thread: waits, reads, delivers, until the gate stops it or the socket is gone.
fn read(weak: Weak<Shared>, gate: &Gate, fd: RawFd) {
    gate.st.lock().thread = Some(std::thread::current().id());
    let mut receiver = Receiver::new();
    let mut wait = true;
    loop {
        if !gate.enter() {
            return;
        }
        // (EINTR: wait again.)
        let read = match !wait || sys::wait_readable(fd).is_ok() {
            true => Some(receiver.read(fd)),
            false => None,
        };
        if !gate.leave() {
            return;
        }
        let Some(read) = read else { continue };
        // A full read may have left more: read again before waiting.
        wait = read.drained();
        let failed = read.failed();
        let Some(sh) = weak.upgrade() else { return };
        let batch = read.into_batch(&mut sh.g.lock().core);
        if let Some(batch) = batch {
            sh.deliver_batch(&batch);
        }
        if failed {
            // The engine queued the read's error (`recvmsg ECONNREFUSED`): the task reports it.
            sh.wake.notify_one();
        }
    }
}
