//! `SocketOptions::receive_thread` (Linux): a socket whose reads a thread of its own makes. The
//! thread waits in `epoll_wait(2)` on an epoll of its own (the socket edge-triggered, and an
//! eventfd that stops it), reads with `recvmmsg(2)` (through the one receive path, `recv.rs`)
//! and runs the `message` listeners under the socket's delivery lock, as the runtime's task
//! would.
//!
//! The descriptor belongs to the engine, which closes it on `close()` or when the socket is
//! dropped. A [`Gate`] makes sure that never happens while the thread is inside one of its
//! system calls on it (the number could otherwise be reused by another socket and read from):
//! whoever closes first stops the thread, waking it through the eventfd (never through the
//! socket, whose file description other descriptors may share), and waits until it has left
//! the call. Edge-triggered, a condition the thread cannot clear (a shutdown by another holder
//! of the descriptor) wakes it once, not in a loop.

use std::sync::{Arc, Weak};
use std::thread::ThreadId;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::Shared;
use crate::engine::Output;
use crate::error::Error;
use crate::recv::Receiver;
use crate::sys::{self, RawFd};

/// Where a socket's reading thread stands.
pub(super) struct Gate {
    st: Mutex<GateState>,
    left: Condvar,
    /// What the thread waits on; `stop` wakes it through it (never through the socket, whose
    /// file description other descriptors may share).
    wait: sys::ReadWait,
}

#[derive(Default)]
struct GateState {
    /// Set once: the thread makes no further system call on the descriptor.
    stop: bool,
    /// The thread is inside `epoll_wait` or `recvmmsg` on the descriptor.
    inside: bool,
    thread: Option<ThreadId>,
}

impl Gate {
    /// Ends the thread's use of the descriptor; on return, it makes no system call on it any
    /// more, so the descriptor may close. (From the thread itself, a listener's `close()`, it
    /// is not inside one.)
    pub(super) fn stop(&self) {
        let mut s = self.st.lock();
        let first = !s.stop;
        s.stop = true;
        if s.thread != Some(std::thread::current().id()) {
            // (Also ends a pause, outside any system call on the descriptor, so that the thread
            // leaves at once.)
            if s.thread.is_some() || s.inside {
                self.wait.wake();
            }
            while s.inside {
                self.left.wait(&mut s);
            }
        }
        // No wait is left to come: the descriptor is watched no more, before it closes.
        if first {
            self.wait.forget();
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

/// Starts the reading thread of a bound socket with `receive_thread`, once. Returns false
/// while it may still have to (the socket is not bound and watched yet), true once it never
/// will again (started, refused, closed, or a socket read on the runtime).
pub(super) fn start(sh: &Arc<Shared>) -> bool {
    let mut g = sh.g.lock();
    if g.reader.is_some() || !g.core.reads_elsewhere() || g.core.is_closed() {
        return true;
    }
    // Only once the loop watches it: a socket still `Raw` may yet be closed by a failed watch.
    if g.core.bind_state() != crate::engine::BindState::Bound || g.core.handle().is_none() {
        return false;
    }
    let Some(fd) = g.core.fd() else { return false };
    // (Registered under the lock: the descriptor is open.)
    let wait = match sys::ReadWait::new(fd) {
        Ok(w) => w,
        Err(e) => {
            drop(g);
            sh.deliver([Output::Error(Error::from_io(&e, "epoll_create", None, None))].into());
            return true;
        }
    };
    let gate = Arc::new(Gate { st: Mutex::new(GateState::default()), left: Condvar::new(), wait });
    g.reader = Some(gate.clone());
    let pause = g.core.receive_pause();
    drop(g);
    let weak = Arc::downgrade(sh);
    let (rt, lp) = (sh.rt.clone(), sh.lp.clone());
    let spawned = std::thread::Builder::new().name("node-dgram-recv".into()).spawn(move || {
        let _rt = rt.enter();
        lp.enter_sync(|| read(weak, &gate, fd, pause));
    });
    if let Err(e) = spawned {
        sh.g.lock().reader = None;
        sh.deliver([Output::Error(Error::from_io(&e, "pthread_create", None, None))].into());
    }
    true
}

/// The thread: waits, reads, delivers, until the gate stops it or the socket is gone. With a
/// `pause`, a wake whose reads found 2 datagrams or more is followed by that pause.
fn read(weak: Weak<Shared>, gate: &Gate, fd: RawFd, pause: Option<Duration>) {
    gate.st.lock().thread = Some(std::thread::current().id());
    // (A short read ends the wake: the thread waits for the next edge.)
    let mut receiver = Receiver::ending_wakes_at_short_reads();
    // (What arrived before the registration is reported by the first wait.)
    let mut wait = true;
    // The datagrams this wake's reads found so far.
    let mut found = 0;
    loop {
        if let Some(p) = pause.filter(|_| wait && found >= 2) {
            // (What arrives meanwhile leaves an edge: the wait that follows returns at once.)
            if gate.wait.pause(p) {
                return;
            }
        }
        if wait {
            found = 0;
        }
        if !gate.enter() {
            return;
        }
        // (EINTR: wait again.)
        let read = match !wait || gate.wait.wait().is_ok() {
            true => Some(receiver.read(fd)),
            false => None,
        };
        if !gate.leave() {
            return;
        }
        let Some(read) = read else { continue };
        // A full read may have left more: read again before waiting. (A failed read too:
        // an error taken may leave datagrams behind, and no new edge would announce them.)
        let failed = read.failed();
        wait = read.drained() && !failed;
        let Some(sh) = weak.upgrade() else { return };
        let batch = read.into_batch(&mut sh.g.lock().core);
        // (Stopped meanwhile, the runtime's task gone: nothing of the socket runs any more.)
        if gate.st.lock().stop {
            return;
        }
        if let Some(batch) = batch {
            found += batch.len();
            sh.deliver_batch(&batch);
        }
        if failed {
            // The engine queued the read's error (`recvmsg ECONNREFUSED`): the task reports it.
            sh.wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{create_socket, BindOptions, SocketOptions, SocketType};

    /// A socket bound at once by another thread (`bind({ fd })`, still `Sock::Raw`: the loop
    /// does not watch it yet) when the task reaches `start`: no thread starts before the
    /// descriptor is watched (a failed watch would close it under the thread), and a `close()`
    /// right after returns. The interleaving is forced by calling `start` as `drive` would.
    #[test]
    fn a_socket_not_watched_yet_gets_no_thread_and_closes() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _e = rt.enter();
        let s = create_socket(SocketOptions::new(SocketType::Udp4).receive_thread(true)).unwrap();
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        // Bound at once (`Sock::Raw`); `drive` (never polled here) has not watched it.
        drop(s.bind(BindOptions::new().fd(u)).unwrap());
        assert!(!super::start(&s.sh), "start is to be tried again once the socket is watched");
        assert!(s.sh.g.lock().reader.is_none(), "a reading thread started on a descriptor not watched yet");
        std::thread::sleep(Duration::from_millis(50)); // a thread would wait by now
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = s.close();
            let _ = tx.send(());
        });
        assert!(rx.recv_timeout(Duration::from_secs(2)).is_ok(), "close() never returned");
    }
}
