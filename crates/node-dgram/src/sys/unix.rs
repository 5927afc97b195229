//! The POSIX system calls socket2 lacks, shared by Linux, macOS and the BSDs: a gathered
//! `sendmsg(2)`, `connect(2)` with `AF_UNSPEC`, `getaddrinfo(3)` with its `EAI_*` codes, the
//! interface name calls, source-specific IPv6 membership, `uv_guess_handle`'s inspection of a
//! descriptor, and tokio's `AsyncFd` as the library's [`IoHandle`].
#![allow(unsafe_code)]

use std::io;
use std::mem::{size_of, zeroed, MaybeUninit};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::RawFd;
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::{AsRawFd, OwnedFd};

use super::IoHandle;

/// `MSG_NOSIGNAL` where it exists; macOS has none, and a UDP send never raises SIGPIPE anyway.
#[cfg(not(target_vendor = "apple"))]
const NOSIGNAL: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(target_vendor = "apple")]
const NOSIGNAL: libc::c_int = 0;
/// The flags of a send that must not block.
const SEND_FLAGS: libc::c_int = libc::MSG_DONTWAIT | NOSIGNAL;
/// The flags of a send on a socket left blocking (the benchmarks' raw loops).
#[cfg_attr(any(target_os = "linux", target_os = "android"), allow(dead_code))]
pub(super) const BLOCKING_SEND_FLAGS: libc::c_int = NOSIGNAL;

/// The errno value of an I/O error (libuv's numbering is its negation).
pub fn errno_of(e: &io::Error) -> Option<i32> {
    e.raw_os_error()
}

/// The `errno` Node shows for an errno value: libuv's, its negation on POSIX systems.
pub fn uv_errno(errno: i32) -> i32 {
    -errno
}

/// The errno value behind a Node `errno` number (`uv_errno`'s inverse): what an adapter
/// turns a libuv status into (libuv's numbering is the negated errno on POSIX systems; on
/// Windows libuv has codes of its own, `-4071` for `EINVAL`, which this maps back).
///
/// # Examples
///
/// ```
/// use node_dgram::embed::{errno_from_uv, errno_name};
/// // A libuv status of -EADDRINUSE, as a uv_* call returns it.
/// let errno = errno_from_uv(-libc::EADDRINUSE);
/// assert_eq!(errno_name(errno), "EADDRINUSE");
/// ```
///
/// # Errors
///
/// None (on Windows a code libuv does not name becomes `EINVAL`).
pub fn errno_from_uv(uv: i32) -> i32 {
    -uv
}

/// `SO_REUSEPORT` on (Node's `reusePort`).
pub fn set_reuse_port(s: &socket2::Socket) -> io::Result<()> {
    s.set_reuse_port(true)
}

/// The socket's address family: `SO_DOMAIN` where the system has it, else the family of its
/// local address (`getsockname` reports it before any bind too).
pub fn domain(s: &socket2::Socket) -> io::Result<socket2::Domain> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        s.domain()
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        Ok(s.local_addr()?.domain())
    }
}

/// Sends one datagram gathered from `bufs` (one iovec each, no copy) to `to`, or to the
/// connected peer when `to` is `None`, without blocking. Returns the bytes sent.
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::{send_gather};
/// use std::os::fd::AsRawFd;
/// let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let to = rx.local_addr().unwrap();
/// rx.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
/// assert_eq!(send_gather(tx.as_raw_fd(), &[b"Some ", b"bytes"], Some(&to)).unwrap(), 10);
/// let mut buf = [0u8; 16];
/// let n = rx.recv(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"Some bytes");
/// ```
///
/// # Errors
///
/// The system call's error, unchanged: `WouldBlock` when the send buffer is full (the socket is
/// non-blocking or the call does not wait), `EMSGSIZE` for a datagram too large, `EDESTADDRREQ`
/// with no `to` on an unconnected socket, `ECONNREFUSED` after an ICMP error on a connected one.
pub fn send_gather(fd: RawFd, bufs: &[&[u8]], to: Option<&SocketAddr>) -> io::Result<usize> {
    send_gather_flags(fd, bufs, to, SEND_FLAGS)
}

/// One buffer: `sendto`, a shorter path through the kernel than `sendmsg` (no header or
/// vector to copy in).
fn send_one(fd: RawFd, buf: &[u8], to: Option<&SocketAddr>, flags: libc::c_int) -> io::Result<usize> {
    // SAFETY: sockaddr_storage is plain old data.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let namelen = match to {
        Some(a) => std_to_sockaddr(a, &mut storage),
        None => 0,
    };
    let name: *const libc::sockaddr =
        if namelen > 0 { &storage as *const _ as *const libc::sockaddr } else { std::ptr::null() };
    // SAFETY: `buf` is a live borrowed slice for the duration of the call (the kernel only reads
    // it), and `name` is null or points at `storage` with its true length.
    let r = unsafe { libc::sendto(fd, buf.as_ptr() as *const libc::c_void, buf.len(), flags, name, namelen) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

pub(super) fn send_gather_flags(
    fd: RawFd,
    bufs: &[&[u8]],
    to: Option<&SocketAddr>,
    flags: libc::c_int,
) -> io::Result<usize> {
    if let [one] = bufs {
        return send_one(fd, one, to, flags);
    }
    let mut iovs: [libc::iovec; 8] = [libc::iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; 8];
    let mut heap: Vec<libc::iovec>;
    let iov_ptr: *mut libc::iovec = if bufs.len() <= iovs.len() {
        for (slot, b) in iovs.iter_mut().zip(bufs) {
            *slot = libc::iovec { iov_base: b.as_ptr() as *mut libc::c_void, iov_len: b.len() };
        }
        iovs.as_mut_ptr()
    } else {
        heap =
            bufs.iter().map(|b| libc::iovec { iov_base: b.as_ptr() as *mut libc::c_void, iov_len: b.len() }).collect();
        heap.as_mut_ptr()
    };
    // SAFETY: sockaddr_storage is plain old data.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let namelen = match to {
        Some(a) => std_to_sockaddr(a, &mut storage),
        None => 0,
    };
    // SAFETY: msghdr is plain old data; all-zero is a valid value.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    if namelen > 0 {
        msg.msg_name = &mut storage as *mut _ as *mut libc::c_void;
        msg.msg_namelen = namelen;
    }
    msg.msg_iov = iov_ptr;
    msg.msg_iovlen = bufs.len() as _;
    // SAFETY: every iovec points at a live borrowed slice for the duration of the call (the
    // kernel only reads them), and msg_name points at `storage` with its true length.
    let r = unsafe { libc::sendmsg(fd, &msg, flags) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// Dissolves a UDP socket's association: `connect(2)` with an `AF_UNSPEC` address.
pub fn disconnect(fd: RawFd) -> io::Result<()> {
    // SAFETY: sockaddr is plain old data; we pass its true size.
    let mut addr: libc::sockaddr = unsafe { zeroed() };
    addr.sa_family = libc::AF_UNSPEC as libc::sa_family_t;
    // SAFETY: `addr` is a valid sockaddr of the given length for the duration of the call.
    let r = unsafe { libc::connect(fd, &addr, size_of::<libc::sockaddr>() as libc::socklen_t) };
    if r < 0 {
        let e = io::Error::last_os_error();
        // Linux may answer EAFNOSUPPORT after the association is gone; libuv ignores it too.
        if e.raw_os_error() == Some(libc::EAFNOSUPPORT) {
            return Ok(());
        }
        return Err(e);
    }
    Ok(())
}

pub(super) fn std_to_sockaddr(a: &SocketAddr, out: &mut libc::sockaddr_storage) -> libc::socklen_t {
    match a {
        SocketAddr::V4(v4) => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
            let sin = unsafe { &mut *(out as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v4.port().to_be();
            sin.sin_addr = libc::in_addr { s_addr: u32::from_ne_bytes(v4.ip().octets()) };
            size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        SocketAddr::V6(v6) => {
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6.
            let sin6 = unsafe { &mut *(out as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v6.port().to_be();
            sin6.sin6_addr = libc::in6_addr { s6_addr: v6.ip().octets() };
            sin6.sin6_flowinfo = v6.flowinfo();
            sin6.sin6_scope_id = v6.scope_id();
            size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

pub(super) fn sockaddr_to_std(s: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    match s.ss_family as i32 {
        libc::AF_INET if len as usize >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says this storage holds a sockaddr_in, and it is long enough.
            let sin = unsafe { &*(s as *const _ as *const libc::sockaddr_in) };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 if len as usize >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: the family says this storage holds a sockaddr_in6, and it is long enough.
            let sin6 = unsafe { &*(s as *const _ as *const libc::sockaddr_in6) };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::V6(SocketAddrV6::new(
                ip,
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// Node's name for a `getaddrinfo` failure (`EAI_NONAME` and `EAI_NODATA` become `ENOTFOUND`).
fn eai_name(code: i32) -> &'static str {
    match code {
        libc::EAI_NONAME => "ENOTFOUND",
        // FreeBSD folded EAI_NODATA into EAI_NONAME.
        #[cfg(not(target_os = "freebsd"))]
        libc::EAI_NODATA => "ENOTFOUND",
        libc::EAI_AGAIN => "EAI_AGAIN",
        libc::EAI_FAIL => "EAI_FAIL",
        libc::EAI_MEMORY => "EAI_MEMORY",
        libc::EAI_FAMILY => "EAI_FAMILY",
        libc::EAI_SERVICE => "EAI_SERVICE",
        libc::EAI_BADFLAGS => "EAI_BADFLAGS",
        libc::EAI_SYSTEM => "EAI_SYSTEM",
        _ => "EAI_FAIL",
    }
}

/// The system resolver (`getaddrinfo(3)`, blocking) for `host` with a family hint (4 or 6).
/// Returns the addresses in the resolver's order, or Node's code for the failure.
pub fn getaddrinfo(host: &str, family: u8) -> Result<Vec<IpAddr>, &'static str> {
    let c_host = std::ffi::CString::new(host).map_err(|_| "ENOTFOUND")?;
    // SAFETY: addrinfo is plain old data; all-zero is a valid value for hints.
    let mut hints: libc::addrinfo = unsafe { zeroed() };
    hints.ai_family = if family == 6 { libc::AF_INET6 } else { libc::AF_INET };
    hints.ai_socktype = libc::SOCK_DGRAM;
    hints.ai_flags = libc::AI_ADDRCONFIG;
    let mut res = MaybeUninit::<*mut libc::addrinfo>::uninit();
    // SAFETY: the host is a valid C string, hints is initialised, and `res` receives a list we
    // free below with freeaddrinfo.
    let mut rc = unsafe { libc::getaddrinfo(c_host.as_ptr(), std::ptr::null(), &hints, res.as_mut_ptr()) };
    if rc == libc::EAI_BADFLAGS || rc == libc::EAI_NONAME {
        // Loopback-only hosts have no configured address of the family; retry without the
        // AI_ADDRCONFIG filter as libuv's callers do.
        hints.ai_flags = 0;
        // SAFETY: as above.
        rc = unsafe { libc::getaddrinfo(c_host.as_ptr(), std::ptr::null(), &hints, res.as_mut_ptr()) };
    }
    if rc != 0 {
        return Err(eai_name(rc));
    }
    // SAFETY: getaddrinfo succeeded, so `res` holds a valid list head.
    let head = unsafe { res.assume_init() };
    let mut out = Vec::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getaddrinfo returned and we have not freed it.
        let ai = unsafe { &*cur };
        if !ai.ai_addr.is_null() {
            // SAFETY: ai_addr points at ai_addrlen bytes of a socket address.
            let mut st: libc::sockaddr_storage = unsafe { zeroed() };
            let len = (ai.ai_addrlen as usize).min(size_of::<libc::sockaddr_storage>());
            // SAFETY: copying `len` bytes from the resolver's address into our storage.
            unsafe { std::ptr::copy_nonoverlapping(ai.ai_addr as *const u8, &mut st as *mut _ as *mut u8, len) };
            if let Some(sa) = sockaddr_to_std(&st, len as libc::socklen_t) {
                if !out.contains(&sa.ip()) {
                    out.push(sa.ip());
                }
            }
        }
        cur = ai.ai_next;
    }
    // SAFETY: `head` came from getaddrinfo and is freed exactly once.
    unsafe { libc::freeaddrinfo(head) };
    if out.is_empty() {
        return Err("ENOTFOUND");
    }
    Ok(out)
}

/// Linux's `IF_NAMESIZE`-bounded interface name for an index (for `%iface` zone suffixes).
pub fn if_indextoname(index: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: the buffer is IF_NAMESIZE bytes as the call requires.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success the buffer holds a NUL-terminated name.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// The index of a named interface (`eth1` in `fe80::1%eth1`), if it exists.
pub fn if_nametoindex(name: &str) -> Option<u32> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
    let idx = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (idx != 0).then_some(idx)
}

/// What a socket's reading thread waits on: the socket, edge-triggered (a condition the thread
/// cannot clear, such as a shutdown by another holder of the descriptor or a non-empty error
/// queue, wakes it once, not for ever), and an eventfd that [`ReadWait::wake`] signals.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub struct ReadWait {
    ep: OwnedFd,
    ev: OwnedFd,
    /// The watched socket's descriptor.
    fd: RawFd,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl ReadWait {
    /// Watches `fd` (which must stay open until the waiting stops).
    ///
    /// # Errors
    ///
    /// `epoll_create1`, `eventfd` or `epoll_ctl`'s error.
    pub fn new(fd: RawFd) -> io::Result<ReadWait> {
        use std::os::fd::FromRawFd;
        // SAFETY: plain system calls; each descriptor returned is owned at once.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if ep < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `ep` is a new descriptor nobody else owns.
        let ep = unsafe { OwnedFd::from_raw_fd(ep) };
        // SAFETY: as above.
        let ev = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if ev < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `ev` is a new descriptor nobody else owns.
        let ev = unsafe { OwnedFd::from_raw_fd(ev) };
        for (f, flags) in [(fd, libc::EPOLLIN | libc::EPOLLET), (ev.as_raw_fd(), libc::EPOLLIN)] {
            let mut e = libc::epoll_event { events: flags as u32, u64: 0 };
            // SAFETY: `e` is a valid event for the call; both descriptors are open.
            if unsafe { libc::epoll_ctl(ep.as_raw_fd(), libc::EPOLL_CTL_ADD, f, &mut e) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(ReadWait { ep, ev, fd })
    }

    /// Stops watching the socket, while its descriptor is still open (call it once no thread
    /// waits any more, before the descriptor closes). Without it, the epoll instance would let
    /// go of the socket only when it closes itself; on the reading thread's way out that can
    /// race the socket's own close, whose release (the port) could then come a moment after
    /// `close()` returned.
    pub fn forget(&self) {
        let mut e = libc::epoll_event { events: 0, u64: 0 };
        // SAFETY: `e` is a valid event for the call (ignored by EPOLL_CTL_DEL); `fd` is the
        // descriptor registered in `new`, still open per this method's contract. An error
        // (ENOENT once forgotten) changes nothing.
        let _ = unsafe { libc::epoll_ctl(self.ep.as_raw_fd(), libc::EPOLL_CTL_DEL, self.fd, &mut e) };
    }

    /// Waits for a new edge on the socket (data, an error) or a [`wake`](ReadWait::wake).
    /// `EINTR` comes back as an error like any other.
    ///
    /// # Errors
    ///
    /// `epoll_wait`'s error.
    pub fn wait(&self) -> io::Result<()> {
        let mut evs = [libc::epoll_event { events: 0, u64: 0 }; 2];
        // SAFETY: `evs` has room for the 2 events asked for.
        let r = unsafe { libc::epoll_wait(self.ep.as_raw_fd(), evs.as_mut_ptr(), 2, -1) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Sleeps for `d` (to the microsecond), or less once [`wake`](ReadWait::wake) was called;
    /// the socket's readiness does not end it. Returns whether the wake ended it.
    pub fn pause(&self, d: std::time::Duration) -> bool {
        // (Saturated: a pause past the range of `time_t` is as good as for ever.)
        let secs = libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX);
        let ts = libc::timespec { tv_sec: secs, tv_nsec: d.subsec_nanos() as libc::c_long };
        let mut p = libc::pollfd { fd: self.ev.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: `p` is one valid pollfd on our open eventfd and `ts` a valid timeout, both
        // alive during the call; no signal mask is passed.
        let r = unsafe { libc::ppoll(&mut p, 1, &ts, std::ptr::null()) };
        r > 0
    }

    /// Makes a [`wait`](ReadWait::wait), current or next, return (for good).
    pub fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64 to our eventfd.
        let _ = unsafe { libc::write(self.ev.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }
}

/// A socket owned by tokio's reactor registration.
pub(crate) type TokioFd = tokio::io::unix::AsyncFd<socket2::Socket>;

impl IoHandle for TokioFd {
    type Sock = socket2::Socket;
    fn open(sock: socket2::Socket) -> io::Result<Self> {
        register(sock, tokio::io::Interest::READABLE | tokio::io::Interest::WRITABLE)
    }
    fn open_without_reads(sock: socket2::Socket) -> io::Result<Self> {
        // (Errors still wake the loop: epoll reports EPOLLERR whatever the interest.)
        register(sock, tokio::io::Interest::WRITABLE)
    }
    fn socket(&self) -> &socket2::Socket {
        self.get_ref()
    }
}

fn register(sock: socket2::Socket, interest: tokio::io::Interest) -> io::Result<TokioFd> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(io::Error::from_raw_os_error(libc::EBADF));
    }
    // SAFETY: the AsyncFd takes ownership of the socket, so its descriptor stays open and
    // refers to the same file description for the AsyncFd's whole lifetime; dropping the
    // AsyncFd deregisters it before the socket (and descriptor) is dropped. We are inside a
    // runtime (checked above), so registration cannot panic for want of a reactor.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(sock, interest) }.map_err(|e| e.into())
}

/// `struct group_source_req` of `<netinet/in.h>` (packed to 4 bytes on Apple's systems).
#[cfg_attr(not(target_vendor = "apple"), repr(C))]
#[cfg_attr(target_vendor = "apple", repr(C, packed(4)))]
struct GroupSourceReq {
    interface: u32,
    group: libc::sockaddr_storage,
    source: libc::sockaddr_storage,
}

/// `MCAST_JOIN_SOURCE_GROUP` and `MCAST_LEAVE_SOURCE_GROUP` (RFC 3678).
#[cfg(any(target_os = "linux", target_os = "android"))]
const MCAST_SOURCE_GROUP: [libc::c_int; 2] = [libc::MCAST_JOIN_SOURCE_GROUP, libc::MCAST_LEAVE_SOURCE_GROUP];
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const MCAST_SOURCE_GROUP: [libc::c_int; 2] = [82, 83];

/// IPv6 source-specific membership (`MCAST_JOIN_SOURCE_GROUP` / `MCAST_LEAVE_SOURCE_GROUP`),
/// which socket2 lacks.
pub fn source_group_v6(fd: RawFd, join: bool, interface: u32, group: Ipv6Addr, source: Ipv6Addr) -> io::Result<()> {
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let (mut g, mut s): (libc::sockaddr_storage, libc::sockaddr_storage) = unsafe { (zeroed(), zeroed()) };
    std_to_sockaddr(&SocketAddr::V6(SocketAddrV6::new(group, 0, 0, 0)), &mut g);
    std_to_sockaddr(&SocketAddr::V6(SocketAddrV6::new(source, 0, 0, 0)), &mut s);
    let req = GroupSourceReq { interface, group: g, source: s };
    let opt = MCAST_SOURCE_GROUP[usize::from(!join)];
    // SAFETY: `req` is a valid group_source_req of the size passed, alive during the call.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_IPV6,
            opt,
            &req as *const GroupSourceReq as *const libc::c_void,
            size_of::<GroupSourceReq>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Node's `guessHandleType(fd)` (libuv's `uv_guess_handle`): `"UDP"`, `"TCP"`, `"PIPE"`,
/// `"TTY"`, `"FILE"`, or `"UNKNOWN"` (a closed descriptor among them). Only inspects `fd`.
///
/// # Examples
///
/// ```
/// use node_dgram::embed::guess_handle_type;
/// use std::os::fd::AsRawFd;
/// let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// assert_eq!(guess_handle_type(udp.as_raw_fd()), "UDP");
/// let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// assert_eq!(guess_handle_type(tcp.as_raw_fd()), "TCP");
/// assert_eq!(guess_handle_type(-1), "UNKNOWN");
/// ```
///
/// # Errors
///
/// None: a descriptor it cannot inspect (closed, negative) is `"UNKNOWN"`.
pub fn guess_handle_type(fd: RawFd) -> &'static str {
    if fd < 0 {
        return "UNKNOWN";
    }
    // SAFETY: isatty only inspects the descriptor number (an invalid one gives 0).
    if unsafe { libc::isatty(fd) } == 1 {
        return "TTY";
    }
    let mut st = MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a `stat` into our buffer or fails; it reads nothing of ours.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } != 0 {
        return "UNKNOWN";
    }
    // SAFETY: fstat succeeded, so the buffer is initialised.
    let mode = unsafe { st.assume_init() }.st_mode & libc::S_IFMT;
    match mode {
        libc::S_IFREG | libc::S_IFCHR => return "FILE",
        libc::S_IFIFO => return "PIPE",
        libc::S_IFSOCK => {}
        _ => return "UNKNOWN",
    }
    let mut ty: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `ty` and `len` describe a c_int buffer, the size SO_TYPE writes.
    let r = unsafe {
        libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE, &mut ty as *mut _ as *mut libc::c_void, &mut len)
    };
    if r != 0 {
        return "UNKNOWN";
    }
    // The family from the socket's own address (SO_DOMAIN is Linux only).
    // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
    let mut addr: libc::sockaddr_storage = unsafe { zeroed() };
    let mut alen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `addr` and `alen` describe a sockaddr_storage, large enough for any family.
    if unsafe { libc::getsockname(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut alen) } != 0 {
        return "UNKNOWN";
    }
    match (ty, addr.ss_family as libc::c_int) {
        (libc::SOCK_DGRAM, libc::AF_INET | libc::AF_INET6) => "UDP",
        (libc::SOCK_STREAM, libc::AF_INET | libc::AF_INET6) => "TCP",
        (libc::SOCK_STREAM, libc::AF_UNIX) => "PIPE",
        _ => "UNKNOWN",
    }
}
