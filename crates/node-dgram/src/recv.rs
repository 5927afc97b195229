//! The one receive path, used by every adapter (tokio's and the Node addon's): how many datagrams
//! a read asks for, where they land, how a batch is handed over (GRO-coalesced entries split
//! back into datagrams, senders of the receive block list skipped, delivery stopped once the
//! socket closes), and how many a wake may deliver before the loop gets its turn back.
//!
//! Received bytes land in an arena that belongs to the reading thread, not to the socket: an
//! event loop reads one socket at a time, so memory does not grow with the number of sockets.

use crate::sys::RawFd;
use std::cell::RefCell;
use std::net::SocketAddr;

use crate::blocklist::BlockList;
use crate::engine::{Core, Recv};
use crate::sys::{self, IoHandle, RecvArena};

/// The largest batch one read asks for.
pub const MAX_BATCH: usize = 64;
/// Datagrams a wake delivers at most before the loop gets its turn back (timers and other
/// sockets run between; libuv reads 32 per event for Node's own sockets).
pub const PER_WAKE: usize = 256;
/// One arena slot: any UDP payload fits.
const SLOT: usize = sys::MAX_DATAGRAM + 1;

thread_local! {
    /// The reading thread's arena, taken by a [`Batch`] while it lives.
    static ARENA: RefCell<Option<RecvArena>> = const { RefCell::new(None) };
}

/// A socket's receiving state: the size of its next read.
///
/// An adapter that ends a wake at the first short read (the queue was empty then, so it
/// forgets the readiness and waits for the next edge) makes every read ask for the largest
/// size ([`Receiver::ending_wakes_at_short_reads`]): one `recvmmsg` takes whatever waits, one
/// datagram or many, and its coming back short says the queue is empty, in the same call. The
/// tokio adapter and the reading thread do so, and so do the addon's batches.
///
/// An adapter that reads on until a read finds nothing (Node's `'message'`, whose wake ends at
/// `EAGAIN`, as libuv's) pays that last read anyway; then the size adapts, in runs: a run is the reads of one wake up to the first that comes back short
/// (the queue was empty then). A run starts with a read of one datagram while the last run that
/// found any found just one (light traffic: a request, a reply), and with the largest read
/// otherwise (traffic that arrives faster than it is read: one `recvmmsg` takes all that waits,
/// as a C `poll` + `recvmmsg` loop does). Within a run, a lone datagram's read of one is
/// followed by another read of one (in light traffic it most likely finds nothing, which a
/// `recvmsg` finds out more cheaply than a `recvmmsg`); a second full read of one means a
/// burst, and the reads that follow ask for the largest size.
#[derive(Debug)]
pub struct Receiver {
    max: usize,
    /// Datagrams the current run's reads found so far (one: a lone datagram, read by a read of
    /// one, which the next read of one follows).
    run: usize,
    /// The last run that found any found more than one.
    busy: bool,
    /// Every read asks for the largest size (see [`Receiver::ending_wakes_at_short_reads`]).
    largest: bool,
}

impl Default for Receiver {
    fn default() -> Self {
        Receiver::new()
    }
}

/// What one [`Receiver::read`] got, before the engine has seen it.
pub struct Read {
    arena: Option<RecvArena>,
    result: std::io::Result<usize>,
    full: bool,
}

impl Read {
    /// Whether the socket's queue is known to be empty now (nothing was waiting, or less than
    /// the read asked for): an edge-triggered adapter may forget its readiness.
    pub fn drained(&self) -> bool {
        !self.full
    }

    /// Whether the read failed with an error the engine reports (not "nothing waiting").
    pub fn failed(&self) -> bool {
        matches!(&self.result, Err(e) if e.kind() != std::io::ErrorKind::WouldBlock)
    }

    /// Tells the engine how the read went (an error other than "nothing waiting" becomes its
    /// `error` output: `recvmsg ECONNREFUSED`) and gives the datagrams, `None` when nothing
    /// was waiting.
    pub fn into_batch<H: IoHandle>(mut self, engine: &mut Core<H>) -> Option<Batch> {
        let r = std::mem::replace(&mut self.result, Ok(0));
        match engine.received(r) {
            Recv::Batch(n) => Some(Batch { arena: self.arena.take(), n, full: self.full }),
            Recv::WouldBlock => None,
        }
    }
}

impl Drop for Read {
    fn drop(&mut self) {
        if let Some(a) = self.arena.take() {
            give_back(a);
        }
    }
}

/// The datagrams one [`Receiver::read`] got, in the reading thread's arena until dropped.
pub struct Batch {
    arena: Option<RecvArena>,
    n: usize,
    full: bool,
}

impl Receiver {
    /// A receiver whose first read asks for one datagram.
    pub fn new() -> Receiver {
        Receiver { max: MAX_BATCH, run: 0, busy: false, largest: false }
    }

    /// A receiver for an adapter that ends a wake at the first read that comes back short:
    /// every read asks for the largest size.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::embed::{Receiver, MAX_BATCH};
    /// let mut r = Receiver::ending_wakes_at_short_reads();
    /// assert_eq!(r.want(), MAX_BATCH);
    /// r.one_at_a_time(); // a descriptor other readers share: still one at a time
    /// assert_eq!(r.want(), 1);
    /// ```
    pub fn ending_wakes_at_short_reads() -> Receiver {
        let mut r = Receiver::new();
        r.set_ending_wakes_at_short_reads(true);
        r
    }

    /// Switches between the two kinds of adapter (see [`Receiver`]), e.g. when a socket starts
    /// or stops handing its reads over as batches.
    pub fn set_ending_wakes_at_short_reads(&mut self, on: bool) {
        self.largest = on;
    }

    /// Makes every read ask for one datagram: for a descriptor other readers may share (a
    /// cluster worker's socket, one adopted with `bind({ fd })`). A datagram read is taken from
    /// every reader of the socket, and a batch read when the socket closes during its delivery
    /// would lose the rest, which another reader would have got (Node reads one datagram per
    /// `recvmsg`, and stops at the close).
    pub fn one_at_a_time(&mut self) {
        self.max = 1;
    }

    /// Reads what waits on `fd` (one `recvmmsg`) into the thread's arena. Hand the outcome to
    /// the engine with [`Read::into_batch`].
    pub fn read(&mut self, fd: RawFd) -> Read {
        let want = self.want();
        let mut arena = ARENA
            .with(|a| a.borrow_mut().take())
            .filter(|a| a.capacity() >= want)
            .unwrap_or_else(|| RecvArena::new(MAX_BATCH, SLOT));
        let result = sys::recv_batch(fd, &mut arena, want);
        let full = matches!(result, Ok(n) if n == want);
        let got = *result.as_ref().unwrap_or(&0);
        if full {
            self.run += got;
        } else {
            // The run ends: the queue was empty (or the read failed).
            let total = self.run + got;
            if total > 0 {
                self.busy = total > 1;
            }
            self.run = 0;
        }
        Read { arena: Some(arena), result, full }
    }

    /// How many datagrams the next read asks for.
    pub fn want(&self) -> usize {
        // A run's first read: by the last run; after a lone datagram: one again; after more: a
        // burst.
        let largest = match self.run {
            0 => self.busy,
            1 => false,
            _ => true,
        };
        if self.largest || largest {
            self.max
        } else {
            1
        }
    }
}

fn give_back(arena: RecvArena) {
    ARENA.with(|a| {
        let mut slot = a.borrow_mut();
        if slot.is_none() {
            *slot = Some(arena);
        }
    });
}

impl Batch {
    /// How many entries the read filled (a GRO entry holds several datagrams).
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the read filled none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Whether the read filled every slot it asked for (more may be waiting).
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Hands the datagrams over in order: `each(bytes, sender)`, GRO-coalesced entries split
    /// back into their datagrams, senders that `blocked` refuses skipped. Stops as soon as
    /// `each` returns false (the socket closed). Returns how many were handed over.
    pub fn deliver(&self, blocked: Option<&BlockList>, mut each: impl FnMut(&[u8], SocketAddr) -> bool) -> usize {
        let Some(arena) = self.arena.as_ref() else { return 0 };
        let mut handed = 0;
        for i in 0..self.n {
            let (bytes, from) = arena.get(i);
            let Some(from) = from else { continue };
            if blocked.is_some_and(|l| l.check_ip(from.ip())) {
                continue;
            }
            match arena.gro_segment(i) {
                Some(seg) if seg < bytes.len() => {
                    for chunk in bytes.chunks(seg) {
                        if !each(chunk, from) {
                            return handed;
                        }
                        handed += 1;
                    }
                }
                _ => {
                    if !each(bytes, from) {
                        return handed;
                    }
                    handed += 1;
                }
            }
        }
        handed
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        if let Some(a) = self.arena.take() {
            give_back(a);
        }
    }
}
