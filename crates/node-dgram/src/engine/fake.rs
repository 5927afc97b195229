//! A fake kernel for the engine's tests: sockets that live in a table of this thread, whose
//! every system call is written to a log and can be made to fail, and whose send buffer takes
//! only as many datagrams as the test gives it room for. Nothing reaches the network stack.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicI32, Ordering};

use crate::sys::{IoHandle, OwnedFd, RawFd, SocketIo};

/// Fake descriptors: far above any real one, unique in the process (the engine's table of
/// owned descriptors is process-wide).
static NEXT_FD: AtomicI32 = AtomicI32::new(1 << 24);

/// The fake kernel of this thread.
#[derive(Default)]
pub(super) struct Kernel {
    /// Every system call, in order: `socket 4 -> F1`, `bind F1 127.0.0.1:0 -> 40000`, ...
    /// (descriptors as `F` and their rank among this thread's sockets).
    pub(super) log: Vec<String>,
    /// Errno for the next calls of a name (`bind`, `connect`, `SO_RCVBUF`, `sendmsg`, ...).
    fail: HashMap<&'static str, VecDeque<i32>>,
    /// Datagrams the send buffer takes before `EAGAIN` (`None`: any number).
    pub(super) room: Option<usize>,
    /// What left, in order: (bytes, destination; `None` for the connected peer).
    pub(super) sent: Vec<(Vec<u8>, Option<SocketAddr>)>,
    /// A pending asynchronous error (`SO_ERROR`).
    pub(super) so_error: Option<i32>,
    bound: HashMap<RawFd, SocketAddr>,
    peer: HashMap<RawFd, SocketAddr>,
    rank: HashMap<RawFd, usize>,
    next_port: u16,
}

thread_local! {
    static KERNEL: RefCell<Kernel> = RefCell::new(Kernel { next_port: 40000, ..Kernel::default() });
}

/// Works on this thread's fake kernel.
pub(super) fn kernel<R>(f: impl FnOnce(&mut Kernel) -> R) -> R {
    KERNEL.with(|k| f(&mut k.borrow_mut()))
}

/// The next call named `name` fails with `errno`.
pub(super) fn fail_next(name: &'static str, errno: i32) {
    kernel(|k| k.fail.entry(name).or_default().push_back(errno));
}

/// The log so far, taken.
pub(super) fn take_log() -> Vec<String> {
    kernel(|k| std::mem::take(&mut k.log))
}

impl Kernel {
    fn call(&mut self, name: &'static str, line: String) -> io::Result<()> {
        let errno = self.fail.get_mut(name).and_then(|q| q.pop_front());
        match errno {
            Some(e) => {
                self.log.push(format!("{line} -> {}", crate::sys::errno_name(e)));
                Err(io::Error::from_raw_os_error(e))
            }
            None => {
                self.log.push(line);
                Ok(())
            }
        }
    }

    fn name(&self, fd: RawFd) -> String {
        format!("F{}", self.rank.get(&fd).copied().unwrap_or(0))
    }

    /// How many of `n` datagrams fit the send buffer now (taking their room).
    fn take_room(&mut self, n: usize) -> usize {
        match self.room.as_mut() {
            None => n,
            Some(r) => {
                let k = n.min(*r);
                *r -= k;
                k
            }
        }
    }
}

/// A socket of the fake kernel.
#[derive(Debug)]
pub(super) struct FakeSock {
    fd: RawFd,
    v6: bool,
}

impl Drop for FakeSock {
    fn drop(&mut self) {
        kernel(|k| {
            let line = format!("close {}", k.name(self.fd));
            k.log.push(line);
            k.bound.remove(&self.fd);
            k.peer.remove(&self.fd);
        });
    }
}

fn errno(e: i32) -> io::Error {
    io::Error::from_raw_os_error(e)
}

impl FakeSock {
    fn opt(&self, name: &'static str, value: impl std::fmt::Display) -> io::Result<()> {
        kernel(|k| {
            let line = format!("setsockopt {} {name} {value}", k.name(self.fd));
            k.call(name, line)
        })
    }

    fn send(&self, name: &'static str, msgs: &[(Vec<u8>, Option<SocketAddr>)], all_or_none: bool) -> io::Result<usize> {
        kernel(|k| {
            let line = format!("{name} {} {}", k.name(self.fd), msgs.len());
            k.call(name, line)?;
            if msgs.iter().any(|(_, to)| to.is_none()) && !k.peer.contains_key(&self.fd) {
                return Err(errno(libc::EDESTADDRREQ));
            }
            let fits = if all_or_none {
                if k.room.is_some_and(|r| r < msgs.len()) {
                    0
                } else {
                    k.take_room(msgs.len())
                }
            } else {
                k.take_room(msgs.len())
            };
            if fits == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            k.sent.extend(msgs[..fits].iter().cloned());
            Ok(fits)
        })
    }
}

impl SocketIo for FakeSock {
    fn udp(ipv6: bool) -> io::Result<Self> {
        kernel(|k| {
            let fd = NEXT_FD.fetch_add(1, Ordering::Relaxed) as RawFd;
            let rank = k.rank.len() + 1;
            k.call("socket", format!("socket {} -> F{rank}", if ipv6 { 6 } else { 4 }))?;
            k.rank.insert(fd, rank);
            Ok(FakeSock { fd, v6: ipv6 })
        })
    }
    fn from_fd(_fd: OwnedFd) -> io::Result<Self> {
        Err(errno(libc::ENOTSUP))
    }
    fn kind_of(_fd: &OwnedFd) -> &'static str {
        "UNKNOWN"
    }
    fn raw(&self) -> RawFd {
        self.fd
    }
    fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        kernel(|k| {
            let line = format!("bind {} {addr}", k.name(self.fd));
            k.call("bind", line)?;
            if k.bound.contains_key(&self.fd) {
                // The system refuses a second bind.
                return Err(errno(libc::EINVAL));
            }
            let mut a = addr;
            if a.port() == 0 {
                a.set_port(k.next_port);
                k.next_port += 1;
            }
            k.bound.insert(self.fd, a);
            Ok(())
        })
    }
    fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        kernel(|k| {
            let line = format!("connect {} {addr}", k.name(self.fd));
            k.call("connect", line)?;
            k.peer.insert(self.fd, addr);
            Ok(())
        })
    }
    fn disconnect(&self) -> io::Result<()> {
        kernel(|k| {
            let line = format!("disconnect {}", k.name(self.fd));
            k.call("disconnect", line)?;
            k.peer.remove(&self.fd);
            Ok(())
        })
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        kernel(|k| {
            let any = if self.v6 { "[::]:0" } else { "0.0.0.0:0" };
            Ok(k.bound.get(&self.fd).copied().unwrap_or_else(|| any.parse().expect("an address")))
        })
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        kernel(|k| k.peer.get(&self.fd).copied().ok_or_else(|| errno(libc::ENOTCONN)))
    }
    fn take_error(&self) -> io::Result<Option<io::Error>> {
        Ok(kernel(|k| k.so_error.take()).map(errno))
    }
    fn is_ipv6(&self) -> io::Result<bool> {
        Ok(self.v6)
    }
    fn set_reuse_address(&self, on: bool) -> io::Result<()> {
        self.opt("SO_REUSEADDR", on)
    }
    fn set_reuse_port(&self) -> io::Result<()> {
        self.opt("SO_REUSEPORT", true)
    }
    fn set_only_v6(&self, on: bool) -> io::Result<()> {
        self.opt("IPV6_V6ONLY", on)
    }
    fn set_gro(&self, on: bool) -> io::Result<()> {
        self.opt("UDP_GRO", on)
    }
    fn set_recv_buffer_size(&self, n: usize) -> io::Result<()> {
        self.opt("SO_RCVBUF", n)
    }
    fn set_send_buffer_size(&self, n: usize) -> io::Result<()> {
        self.opt("SO_SNDBUF", n)
    }
    fn recv_buffer_size(&self) -> io::Result<usize> {
        Ok(212_992)
    }
    fn send_buffer_size(&self) -> io::Result<usize> {
        Ok(212_992)
    }
    fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.opt("IP_TTL", ttl)
    }
    fn set_unicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        self.opt("IPV6_UNICAST_HOPS", hops)
    }
    fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.opt("IP_MULTICAST_TTL", ttl)
    }
    fn set_multicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        self.opt("IPV6_MULTICAST_HOPS", hops)
    }
    fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.opt("IP_MULTICAST_LOOP", on)
    }
    fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.opt("IPV6_MULTICAST_LOOP", on)
    }
    fn set_multicast_if_v4(&self, addr: &Ipv4Addr) -> io::Result<()> {
        self.opt("IP_MULTICAST_IF", addr)
    }
    fn set_multicast_if_v6(&self, index: u32) -> io::Result<()> {
        self.opt("IPV6_MULTICAST_IF", index)
    }
    fn membership_v4(&self, join: bool, group: &Ipv4Addr, iface: &Ipv4Addr) -> io::Result<()> {
        let name = if join { "IP_ADD_MEMBERSHIP" } else { "IP_DROP_MEMBERSHIP" };
        self.opt(name, format!("{group} {iface}"))
    }
    fn source_membership_v4(
        &self,
        join: bool,
        source: &Ipv4Addr,
        group: &Ipv4Addr,
        iface: &Ipv4Addr,
    ) -> io::Result<()> {
        let name = if join { "IP_ADD_SOURCE_MEMBERSHIP" } else { "IP_DROP_SOURCE_MEMBERSHIP" };
        self.opt(name, format!("{source} {group} {iface}"))
    }
    fn membership_v6(&self, join: bool, group: &Ipv6Addr, index: u32) -> io::Result<()> {
        let name = if join { "IPV6_ADD_MEMBERSHIP" } else { "IPV6_DROP_MEMBERSHIP" };
        self.opt(name, format!("{group} {index}"))
    }
    fn source_membership_v6(&self, join: bool, source: Ipv6Addr, group: Ipv6Addr, index: u32) -> io::Result<()> {
        let name = if join { "MCAST_JOIN_SOURCE_GROUP" } else { "MCAST_LEAVE_SOURCE_GROUP" };
        self.opt(name, format!("{source} {group} {index}"))
    }
    fn send_gather(&self, bufs: &[&[u8]], to: Option<&SocketAddr>) -> io::Result<usize> {
        let bytes: Vec<u8> = bufs.concat();
        let n = bytes.len();
        self.send("sendmsg", &[(bytes, to.copied())], false).map(|_| n)
    }
    fn send_segmented(&self, bufs: &[&[u8]], _segment: u16, to: Option<&SocketAddr>) -> io::Result<usize> {
        let msgs: Vec<_> = bufs.iter().map(|b| (b.to_vec(), to.copied())).collect();
        // One super-datagram: all of it fits, or none.
        self.send("sendmsg+gso", &msgs, true).map(|_| bufs.iter().map(|b| b.len()).sum())
    }
    fn send_many(&self, msgs: &[(&[u8], Option<SocketAddr>)]) -> io::Result<usize> {
        let msgs: Vec<_> = msgs.iter().map(|(b, to)| (b.to_vec(), *to)).collect();
        self.send("sendmmsg", &msgs, false)
    }
}

/// The event loop's handle of a fake socket (watching it is nothing to do).
pub(super) struct Fake(FakeSock);

impl IoHandle for Fake {
    type Sock = FakeSock;
    fn open(sock: FakeSock) -> io::Result<Self> {
        kernel(|k| {
            let line = format!("watch {}", k.name(sock.fd));
            k.log.push(line);
        });
        Ok(Fake(sock))
    }
    fn socket(&self) -> &FakeSock {
        &self.0
    }
}
