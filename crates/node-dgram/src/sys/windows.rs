//! Windows: the functions of `unix.rs` and `portable.rs` over Winsock, with the same observable
//! behaviour as Node's libuv gives there. Compile-checked only (README: platforms).
//!
//! - Sockets are `SOCKET` handles ([`RawFd`] is `RawSocket` here) and every send or receive is
//!   one datagram per call (Winsock has no `recvmmsg`/`sendmmsg`; GSO and GRO are no-ops, as in
//!   `portable.rs`): socket2's `WSASendTo`/`recvfrom` on a non-blocking socket.
//! - A receive skips `WSAECONNRESET`/`WSAENETRESET`: Windows reports an ICMP port-unreachable for
//!   an earlier send there, and libuv's Windows UDP ignores it (no `error` event), so Node does.
//! - Errors: the core's errno values are the C runtime's (`libc::EINVAL`, ...); [`errno_of`]
//!   maps a Winsock or Win32 code to the C runtime errno of the `UV_E*` name libuv's
//!   `uv_translate_sys_error` gives it (`UNKNOWN` for the Winsock codes libuv does not name),
//!   and [`uv_errno`] gives the number Node shows on Windows (`-4071` for `EINVAL`, libuv's
//!   Windows numbering, not the negated errno).
//! - Interface names: libuv on Windows writes a scope as its number (`uv_if_indextoiid`) and
//!   reads only numbers after `%` (`uv_ip6_addr`), so [`if_indextoname`] and
//!   [`if_nametoindex`] answer `None` and the callers fall back to numbers, as Node does there.
//! - `bind({ fd })`: libuv's `guessHandleType` answers from the C runtime's descriptor table,
//!   where a `SOCKET` never is, so Node refuses every socket; [`guess_handle_type`] inspects the
//!   standard handles the way `uv_guess_handle` does and answers `UNKNOWN` for other numbers.
//! - [`TokioFd`]: tokio's `UdpSocket` (tokio has no `AsyncFd` on Windows) watching the socket,
//!   with the readiness guards the library's receive loop uses on Unix.
#![allow(unsafe_code)]

use std::io::{self, IoSlice};
use std::mem::{size_of, zeroed, ManuallyDrop, MaybeUninit};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::windows::io::{AsRawSocket, BorrowedSocket, FromRawSocket, RawSocket};
use std::task::{Context, Poll};

use socket2::{SockAddr, SockRef};
use windows_sys::Win32::Networking::WinSock as ws;

use super::IoHandle;

/// A socket's handle (`SOCKET`), what the rest of the crate calls a descriptor.
pub type RawFd = RawSocket;
/// An owned socket handle, what `BindOptions::fd` takes on Windows.
pub type OwnedFd = std::os::windows::io::OwnedSocket;

/// [`RawFd`] of anything that has a socket handle (the name the Unix code uses).
pub trait AsRawFd {
    /// The socket's handle.
    fn as_raw_fd(&self) -> RawFd;
}

impl<T: AsRawSocket> AsRawFd for T {
    fn as_raw_fd(&self) -> RawFd {
        self.as_raw_socket()
    }
}

/// libuv's `UV_EHOSTDOWN` on Windows (negated); the C runtime has no `EHOSTDOWN`.
pub(super) const EHOSTDOWN: i32 = 4031;

/// Runs `f` on a borrowed view of the socket `fd`.
fn with_sock<R>(fd: RawFd, f: impl FnOnce(&socket2::Socket) -> R) -> R {
    // SAFETY: every caller passes the handle of a socket that its owner keeps open for the
    // duration of the call (the core's own sockets, or the benchmarks' blocking ones); the
    // borrow does not outlive `f`, and `SockRef` never closes the handle.
    let b = unsafe { BorrowedSocket::borrow_raw(fd) };
    f(&SockRef::from(&b))
}

/// The C runtime errno for a Winsock or Win32 error code, as libuv's `uv_translate_sys_error`
/// names it on Windows (only the codes a socket call can give); other Winsock codes are
/// libuv's `UNKNOWN` ([`UNKNOWN`]). Other numbers pass through: the core makes its own errors
/// from C runtime numbers (`libc::EINVAL`), which are no Winsock codes.
fn from_wsa(code: i32) -> i32 {
    match code {
        ws::WSAEACCES | 5 /* ERROR_ACCESS_DENIED */ => libc::EACCES,
        ws::WSAEADDRINUSE | 1227 /* ERROR_ADDRESS_ALREADY_ASSOCIATED */ => libc::EADDRINUSE,
        ws::WSAEADDRNOTAVAIL => libc::EADDRNOTAVAIL,
        ws::WSAEAFNOSUPPORT => libc::EAFNOSUPPORT,
        ws::WSAEWOULDBLOCK => libc::EAGAIN,
        ws::WSAEALREADY => libc::EALREADY,
        6 /* ERROR_INVALID_HANDLE */ => libc::EBADF,
        ws::WSAEINTR | 995 /* ERROR_OPERATION_ABORTED */ => libc::ECANCELED,
        ws::WSAECONNABORTED | 1236 /* ERROR_CONNECTION_ABORTED */ => libc::ECONNABORTED,
        ws::WSAECONNREFUSED | 1225 /* ERROR_CONNECTION_REFUSED */ => libc::ECONNREFUSED,
        ws::WSAECONNRESET | 64 /* ERROR_NETNAME_DELETED */ => libc::ECONNRESET,
        ws::WSAEFAULT => libc::EFAULT,
        ws::WSAEHOSTUNREACH | 1232 /* ERROR_HOST_UNREACHABLE */ => libc::EHOSTUNREACH,
        ws::WSAEINVAL | ws::WSAEPFNOSUPPORT | 87 /* ERROR_INVALID_PARAMETER */ => libc::EINVAL,
        ws::WSAEISCONN => libc::EISCONN,
        ws::WSAEMFILE | 4 /* ERROR_TOO_MANY_OPEN_FILES */ => libc::EMFILE,
        ws::WSAEMSGSIZE => libc::EMSGSIZE,
        ws::WSAENETUNREACH | 1231 /* ERROR_NETWORK_UNREACHABLE */ => libc::ENETUNREACH,
        ws::WSAENOBUFS => libc::ENOBUFS,
        ws::WSAHOST_NOT_FOUND | ws::WSANO_DATA => libc::ENOENT,
        8 /* ERROR_NOT_ENOUGH_MEMORY */ | 14 /* ERROR_OUTOFMEMORY */ => libc::ENOMEM,
        ws::WSAENOTCONN | 2250 /* ERROR_NOT_CONNECTED */ => libc::ENOTCONN,
        ws::WSAENOTSOCK => libc::ENOTSOCK,
        50 /* ERROR_NOT_SUPPORTED */ => libc::EOPNOTSUPP,
        ws::WSAESHUTDOWN => libc::EPIPE,
        ws::WSAEPROTONOSUPPORT => libc::EPROTONOSUPPORT,
        ws::WSAETIMEDOUT | 121 /* ERROR_SEM_TIMEOUT */ => libc::ETIMEDOUT,
        10000..=11999 => UNKNOWN,
        other => other,
    }
}

/// What [`errno_of`] gives for a Winsock code libuv does not name (it is `UNKNOWN` in Node):
/// a number no C runtime errno uses.
pub(super) const UNKNOWN: i32 = 4094;

/// The errno value (the C runtime's numbering) of an I/O error, Winsock codes translated.
pub fn errno_of(e: &io::Error) -> Option<i32> {
    e.raw_os_error().map(from_wsa)
}

/// (C runtime errno, libuv's Windows code negated) for every errno the core names.
const UV_CODES: [(i32, i32); 42] = [
    (libc::EPERM, 4048),
    (libc::ENOENT, 4058),
    (libc::EINTR, 4072),
    (libc::EIO, 4070),
    (libc::EBADF, 4083),
    (libc::EAGAIN, 4088),
    (libc::ENOMEM, 4057),
    (libc::EACCES, 4092),
    (libc::EFAULT, 4074),
    (libc::EBUSY, 4082),
    (libc::EEXIST, 4075),
    (libc::ENODEV, 4059),
    (libc::EINVAL, 4071),
    (libc::ENFILE, 4061),
    (libc::EMFILE, 4066),
    (libc::ENOSPC, 4055),
    (libc::EPIPE, 4047),
    (libc::ENOTSOCK, 4050),
    (libc::EDESTADDRREQ, 4076),
    (libc::EMSGSIZE, 4065),
    (libc::EPROTOTYPE, 4044),
    (libc::ENOPROTOOPT, 4035),
    (libc::EPROTONOSUPPORT, 4045),
    (libc::EOPNOTSUPP, 4049),
    (libc::ENOTSUP, 4049),
    (libc::EAFNOSUPPORT, 4089),
    (libc::EADDRINUSE, 4091),
    (libc::EADDRNOTAVAIL, 4090),
    (libc::ENETDOWN, 4063),
    (libc::ENETUNREACH, 4062),
    (libc::ECONNABORTED, 4079),
    (libc::ECONNRESET, 4077),
    (libc::ENOBUFS, 4060),
    (libc::EISCONN, 4069),
    (libc::ENOTCONN, 4053),
    (libc::ETIMEDOUT, 4039),
    (libc::ECONNREFUSED, 4078),
    (EHOSTDOWN, 4031),
    (libc::EHOSTUNREACH, 4073),
    (libc::EALREADY, 4084),
    (libc::ECANCELED, 4081),
    (UNKNOWN, 4094),
];

/// The `errno` Node shows on Windows for an errno value: libuv's own code there (`UV_UNKNOWN`,
/// -4094, for one libuv does not name).
pub fn uv_errno(errno: i32) -> i32 {
    UV_CODES.iter().find(|(e, _)| *e == errno).map_or(-4094, |(_, uv)| -uv)
}

/// The errno value behind a Node `errno` number (`uv_errno`'s inverse).
pub fn errno_from_uv(uv: i32) -> i32 {
    UV_CODES.iter().find(|(_, u)| -u == uv).map_or(libc::EINVAL, |(e, _)| *e)
}

/// Node's `reusePort` on Windows: libuv has no `SO_REUSEPORT` there and answers `ENOTSUP`.
pub fn set_reuse_port(_s: &socket2::Socket) -> io::Result<()> {
    // (ERROR_NOT_SUPPORTED, which libuv names ENOTSUP)
    Err(io::Error::from_raw_os_error(50))
}

/// The socket's address family, from its protocol information (`getsockname` fails on an
/// unbound socket on Windows).
pub fn domain(s: &socket2::Socket) -> io::Result<socket2::Domain> {
    // SAFETY: WSAPROTOCOL_INFOW is plain old data; all-zero is a valid value.
    let mut info: ws::WSAPROTOCOL_INFOW = unsafe { zeroed() };
    let mut len = size_of::<ws::WSAPROTOCOL_INFOW>() as i32;
    // SAFETY: `info` and `len` describe a buffer of the size SO_PROTOCOL_INFOW writes, alive
    // during the call; the handle belongs to `s`.
    let r = unsafe {
        ws::getsockopt(
            s.as_raw_socket() as ws::SOCKET,
            ws::SOL_SOCKET,
            ws::SO_PROTOCOL_INFOW,
            &mut info as *mut _ as *mut u8,
            &mut len,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(socket2::Domain::from(info.iAddressFamily))
}

/// The most datagrams one [`send_segmented`] call may carry (the core's batch limit).
pub const GSO_MAX_SEGMENTS: usize = 64;

/// A reused receive arena: `slots` buffers of `slot_size` bytes and each one's sender and
/// length. Nothing here is allocated per datagram.
pub struct RecvArena {
    buf: Vec<u8>,
    slot_size: usize,
    stride: usize,
    slots: usize,
    /// (bytes received, sender) of each filled slot.
    got: Vec<(usize, Option<SocketAddr>)>,
    /// How many datagrams the last call filled.
    pub filled: usize,
}

impl RecvArena {
    /// An arena for up to `slots` datagrams of up to `slot_size` bytes each.
    pub fn new(slots: usize, slot_size: usize) -> RecvArena {
        let slots = slots.max(1);
        let stride = slot_size.next_multiple_of(64) + 64 + if slot_size >= 4096 { 4096 } else { 0 };
        RecvArena { buf: vec![0u8; slots * stride], slot_size, stride, slots, got: vec![(0, None); slots], filled: 0 }
    }

    /// How many datagrams one batch can hold.
    pub fn capacity(&self) -> usize {
        self.slots
    }

    /// The `i`th datagram of the last batch: its bytes and its sender.
    pub fn get(&self, i: usize) -> (&[u8], Option<SocketAddr>) {
        let (len, from) = self.got[i];
        let start = i * self.stride;
        (&self.buf[start..start + len.min(self.slot_size)], from)
    }

    /// Always `None`: without GRO every entry is one datagram.
    pub fn gro_segment(&self, _i: usize) -> Option<usize> {
        None
    }
}

/// Receives one datagram into slot `i`, skipping the ICMP reports of earlier sends as libuv
/// does on Windows.
fn recv_one(s: &socket2::Socket, arena: &mut RecvArena, i: usize) -> io::Result<()> {
    let start = i * arena.stride;
    let slot = &mut arena.buf[start..start + arena.slot_size];
    // SAFETY: a `[u8]` is a valid `[MaybeUninit<u8>]` of the same length and layout; recvfrom
    // only writes initialised bytes into it.
    let slot: &mut [MaybeUninit<u8>] = unsafe { &mut *(slot as *mut [u8] as *mut [MaybeUninit<u8>]) };
    loop {
        match s.recv_from(slot) {
            Ok((n, from)) => {
                arena.got[i] = (n, from.as_socket());
                return Ok(());
            }
            Err(e) if matches!(e.raw_os_error(), Some(ws::WSAECONNRESET | ws::WSAENETRESET)) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Whether a datagram is waiting (`FIONREAD`), so that a blocking socket's batch stops
/// instead of waiting for a second one.
fn queued(s: &socket2::Socket) -> bool {
    let mut n: u32 = 0;
    // SAFETY: FIONREAD writes a u32 into `n`, alive during the call.
    let r = unsafe { ws::ioctlsocket(s.as_raw_socket() as ws::SOCKET, ws::FIONREAD, &mut n) };
    r == 0 && n > 0
}

/// Receives up to `want` datagrams (at most the arena's capacity), one `recvfrom` each, on a
/// non-blocking socket. Returns how many arrived; `WouldBlock` when none were waiting.
pub fn recv_batch(fd: RawFd, arena: &mut RecvArena, want: usize) -> io::Result<usize> {
    with_sock(fd, |s| recv_loop(s, arena, want, false))
}

/// [`recv_batch`] on a blocking socket: waits for the first datagram, then takes what is
/// already queued.
pub fn recv_batch_blocking(fd: RawFd, arena: &mut RecvArena, want: usize) -> io::Result<usize> {
    with_sock(fd, |s| recv_loop(s, arena, want, true))
}

fn recv_loop(s: &socket2::Socket, arena: &mut RecvArena, want: usize, blocking: bool) -> io::Result<usize> {
    let n = want.clamp(1, arena.slots);
    arena.filled = 0;
    for i in 0..n {
        if i > 0 && blocking && !queued(s) {
            break;
        }
        match recv_one(s, arena, i) {
            Ok(()) => arena.filled = i + 1,
            // An error after some datagrams ends the batch; it shows again on the next call.
            Err(_) if i > 0 => break,
            Err(e) => return Err(e),
        }
    }
    Ok(arena.filled)
}

/// Without UDP GRO the kernel never coalesces datagrams; asking for it changes nothing that a
/// receiver sees, so this succeeds and does nothing.
pub fn set_gro(_fd: RawFd, _on: bool) -> io::Result<()> {
    Ok(())
}

/// Whether UDP generic receive offload is on for the socket: never here (no `UDP_GRO`).
///
/// # Errors
///
/// None.
pub fn gro_enabled(_fd: RawFd) -> io::Result<bool> {
    Ok(false)
}

/// Sends one datagram gathered from `bufs` (one `WSABUF` each, no copy) to `to`, or to the
/// connected peer when `to` is `None`. The core's sockets are non-blocking, so this does not
/// block there. Returns the bytes sent.
pub fn send_gather(fd: RawFd, bufs: &[&[u8]], to: Option<&SocketAddr>) -> io::Result<usize> {
    let slices: Vec<IoSlice<'_>> = bufs.iter().map(|b| IoSlice::new(b)).collect();
    with_sock(fd, |s| match to {
        Some(a) => s.send_to_vectored(&slices, &SockAddr::from(*a)),
        None => s.send_vectored(&slices),
    })
}

/// Sends `bufs` as datagrams of `segment` bytes each (every buffer is one), one send each: what
/// UDP GSO puts on the wire. Returns the bytes sent; an error after the first datagram ends the
/// call, with the bytes sent so far.
pub fn send_segmented(fd: RawFd, bufs: &[&[u8]], _segment: u16, to: Option<&SocketAddr>) -> io::Result<usize> {
    let mut total = 0;
    for (i, b) in bufs.iter().enumerate() {
        match send_gather(fd, &[b], to) {
            Ok(n) => total += n,
            Err(_) if i > 0 => break,
            Err(e) => return Err(e),
        }
    }
    Ok(total)
}

/// Sends several single-buffer datagrams, each to its own address (or the connected peer), one
/// send each. Returns how many were sent (as `sendmmsg` does).
pub fn send_many(fd: RawFd, msgs: &[(&[u8], Option<SocketAddr>)]) -> io::Result<usize> {
    for (i, (m, to)) in msgs.iter().enumerate() {
        if let Err(e) = send_gather(fd, &[m], to.as_ref()) {
            return if i > 0 { Ok(i) } else { Err(e) };
        }
    }
    Ok(msgs.len())
}

/// Sends each of `msgs` as one datagram to `to` (blocking unless the socket is non-blocking).
/// Returns how many were sent.
pub fn send_batch(fd: RawFd, msgs: &[&[u8]], to: &SocketAddr) -> io::Result<usize> {
    for (i, m) in msgs.iter().enumerate() {
        if let Err(e) = send_gather(fd, &[m], Some(to)) {
            return if i > 0 { Ok(i) } else { Err(e) };
        }
    }
    Ok(msgs.len())
}

/// Dissolves a UDP socket's association as libuv does on Windows: `connect` to an all-zero
/// address (family `AF_UNSPEC`) the size of a `SOCKADDR_STORAGE` (Windows refuses an address
/// shorter than the socket's own, so a 16-byte `SOCKADDR` would not do for IPv6).
pub fn disconnect(fd: RawFd) -> io::Result<()> {
    // SAFETY: SOCKADDR_STORAGE is plain old data; all-zero is the unspecified address.
    let addr: ws::SOCKADDR_STORAGE = unsafe { zeroed() };
    // SAFETY: `addr` is a valid address of the given length for the duration of the call.
    let r = unsafe {
        ws::connect(
            fd as ws::SOCKET,
            &addr as *const ws::SOCKADDR_STORAGE as *const ws::SOCKADDR,
            size_of::<ws::SOCKADDR_STORAGE>() as i32,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Winsock is started once per process before the resolver is used (sockets start it too).
fn wsa_started() -> bool {
    static STARTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *STARTED.get_or_init(|| {
        // SAFETY: WSADATA is plain old data; WSAStartup fills it. Version 2.2.
        let mut data: ws::WSADATA = unsafe { zeroed() };
        // SAFETY: `data` is a valid out-pointer for the call.
        unsafe { ws::WSAStartup(0x0202, &mut data) == 0 }
    })
}

/// Node's name for a `getaddrinfo` failure on Windows (`WSAHOST_NOT_FOUND` and `WSANO_DATA`
/// become `ENOTFOUND`).
fn eai_name(code: i32) -> &'static str {
    match code {
        ws::WSAHOST_NOT_FOUND | ws::WSANO_DATA => "ENOTFOUND",
        ws::WSATRY_AGAIN => "EAI_AGAIN",
        ws::WSANO_RECOVERY => "EAI_FAIL",
        ws::WSA_NOT_ENOUGH_MEMORY => "EAI_MEMORY",
        ws::WSAEAFNOSUPPORT => "EAI_FAMILY",
        ws::WSATYPE_NOT_FOUND => "EAI_SERVICE",
        ws::WSAEINVAL => "EAI_BADFLAGS",
        _ => "EAI_FAIL",
    }
}

/// The system resolver (`getaddrinfo`, blocking) for `host` with a family hint (4 or 6).
/// Returns the addresses in the resolver's order, or Node's code for the failure.
pub fn getaddrinfo(host: &str, family: u8) -> Result<Vec<IpAddr>, &'static str> {
    let c_host = std::ffi::CString::new(host).map_err(|_| "ENOTFOUND")?;
    if !wsa_started() {
        return Err("EAI_FAIL");
    }
    // SAFETY: ADDRINFOA is plain old data; all-zero is a valid value for hints.
    let mut hints: ws::ADDRINFOA = unsafe { zeroed() };
    hints.ai_family = i32::from(if family == 6 { ws::AF_INET6 } else { ws::AF_INET });
    hints.ai_socktype = ws::SOCK_DGRAM;
    hints.ai_flags = ws::AI_ADDRCONFIG as i32;
    let mut res: *mut ws::ADDRINFOA = std::ptr::null_mut();
    // SAFETY: the host is a valid C string, hints is initialised, and `res` receives a list we
    // free below with freeaddrinfo.
    let mut rc = unsafe { ws::getaddrinfo(c_host.as_ptr() as *const u8, std::ptr::null(), &hints, &mut res) };
    if rc == ws::WSAEINVAL || rc == ws::WSAHOST_NOT_FOUND {
        // As on POSIX: hosts with only loopback have no configured address of the family.
        hints.ai_flags = 0;
        // SAFETY: as above.
        rc = unsafe { ws::getaddrinfo(c_host.as_ptr() as *const u8, std::ptr::null(), &hints, &mut res) };
    }
    if rc != 0 {
        return Err(eai_name(rc));
    }
    let mut out = Vec::new();
    let mut cur = res;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getaddrinfo returned and we have not freed it.
        let ai = unsafe { &*cur };
        if !ai.ai_addr.is_null() {
            let len = ai.ai_addrlen.min(size_of::<ws::SOCKADDR_STORAGE>());
            // SAFETY: ai_addr points at ai_addrlen bytes of a socket address; at most the
            // storage's size is copied into zeroed storage, and the length passed with it is the
            // length copied.
            let sa = unsafe {
                SockAddr::try_init(|storage, slen| {
                    std::ptr::copy_nonoverlapping(ai.ai_addr as *const u8, storage as *mut u8, len);
                    *slen = len as _;
                    Ok(())
                })
            };
            if let Some(sa) = sa.ok().and_then(|(_, a)| a.as_socket()) {
                if !out.contains(&sa.ip()) {
                    out.push(sa.ip());
                }
            }
        }
        cur = ai.ai_next;
    }
    // SAFETY: `res` came from getaddrinfo and is freed exactly once.
    unsafe { ws::freeaddrinfo(res) };
    if out.is_empty() {
        return Err("ENOTFOUND");
    }
    Ok(out)
}

/// `None`: libuv on Windows writes a scope as its number (see the module's notes).
pub fn if_indextoname(_index: u32) -> Option<String> {
    None
}

/// `None`: libuv on Windows reads only a number after `%` (see the module's notes).
pub fn if_nametoindex(_name: &str) -> Option<u32> {
    None
}

/// IPv6 source-specific membership (`MCAST_JOIN_SOURCE_GROUP` / `MCAST_LEAVE_SOURCE_GROUP`
/// with a `GROUP_SOURCE_REQ`, as libuv sets it on Windows), which socket2 lacks.
pub fn source_group_v6(fd: RawFd, join: bool, interface: u32, group: Ipv6Addr, source: Ipv6Addr) -> io::Result<()> {
    // SAFETY: GROUP_SOURCE_REQ is plain old data; all-zero is a valid value.
    let mut req: ws::GROUP_SOURCE_REQ = unsafe { zeroed() };
    req.gsr_interface = interface;
    for (dst, ip) in [(&mut req.gsr_group, group), (&mut req.gsr_source, source)] {
        let sa = SockAddr::from(SocketAddr::V6(SocketAddrV6::new(ip, 0, 0, 0)));
        let len = (sa.len() as usize).min(size_of::<ws::SOCKADDR_STORAGE>());
        // SAFETY: `sa` holds `len` bytes of a sockaddr_in6, copied into storage at least that
        // large.
        unsafe { std::ptr::copy_nonoverlapping(sa.as_ptr() as *const u8, dst as *mut _ as *mut u8, len) };
    }
    let opt = if join { ws::MCAST_JOIN_SOURCE_GROUP } else { ws::MCAST_LEAVE_SOURCE_GROUP } as i32;
    // SAFETY: `req` is a valid GROUP_SOURCE_REQ of the size passed, alive during the call.
    let r = unsafe {
        ws::setsockopt(
            fd as ws::SOCKET,
            ws::IPPROTO_IPV6,
            opt,
            &req as *const ws::GROUP_SOURCE_REQ as *const u8,
            size_of::<ws::GROUP_SOURCE_REQ>() as i32,
        )
    };
    if r != 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Node's `guessHandleType(fd)` on Windows: libuv looks the number up in the C runtime's
/// descriptor table, where sockets never are, so it never answers `"UDP"`. The standard
/// descriptors 0, 1 and 2 are classified as `uv_guess_handle` does (`"TTY"` for a console,
/// `"PIPE"`, `"FILE"`); other numbers are `"UNKNOWN"` (a C runtime descriptor of a file opened
/// by other code would be `"FILE"` in Node).
pub fn guess_handle_type(fd: RawFd) -> &'static str {
    use windows_sys::Win32::Storage::FileSystem as fs;
    use windows_sys::Win32::System::Console as con;
    let which = match fd {
        0 => con::STD_INPUT_HANDLE,
        1 => con::STD_OUTPUT_HANDLE,
        2 => con::STD_ERROR_HANDLE,
        _ => return "UNKNOWN",
    };
    // SAFETY: GetStdHandle only reads the process's standard handle table.
    let h = unsafe { con::GetStdHandle(which) };
    if h == 0 || h == -1 {
        return "UNKNOWN";
    }
    // SAFETY: `h` is a standard handle of this process; GetFileType only inspects it.
    match unsafe { fs::GetFileType(h) } {
        fs::FILE_TYPE_DISK => "FILE",
        fs::FILE_TYPE_PIPE => "PIPE",
        fs::FILE_TYPE_CHAR => {
            let mut mode = 0;
            // SAFETY: `mode` is a valid out-pointer; the call fails for a non-console handle.
            if unsafe { con::GetConsoleMode(h, &mut mode) } != 0 {
                "TTY"
            } else {
                "FILE"
            }
        }
        _ => "UNKNOWN",
    }
}

/// Sockets that [`crate::serve`] opened itself and hands to its threads' sockets by handle:
/// the only ones `bind({ fd })` takes on Windows (see [`guess_handle_type`]).
static VOUCHED: parking_lot::Mutex<Vec<RawFd>> = parking_lot::Mutex::new(Vec::new());

/// Marks a socket this crate opened as one its own `bind({ fd })` may take.
pub(crate) fn vouch(fd: RawFd) {
    VOUCHED.lock().push(fd);
}

/// Whether `fd` was vouched for (and forgets it).
pub(crate) fn take_vouched(fd: RawFd) -> bool {
    let mut v = VOUCHED.lock();
    let before = v.len();
    v.retain(|f| *f != fd);
    v.len() != before
}

/// A socket watched by tokio's reactor on Windows: tokio's `UdpSocket` owns it (tokio has no
/// `AsyncFd` there), and a non-owning socket2 view of the same handle serves the system calls.
pub struct TokioFd {
    // (Dropped first: deregisters and closes the socket; `view` never closes it.)
    udp: tokio::net::UdpSocket,
    view: ManuallyDrop<socket2::Socket>,
}

/// Readiness of a [`TokioFd`] reported by tokio, cleared when the caller saw `WouldBlock`:
/// what `AsyncFdReadyGuard` is to the Unix code.
pub struct ReadyGuard<'a> {
    udp: &'a tokio::net::UdpSocket,
    interest: tokio::io::Interest,
}

impl ReadyGuard<'_> {
    /// Forgets the readiness: the next poll waits for tokio's next report.
    pub fn clear_ready(&mut self) {
        let _ = self.udp.try_io(self.interest, || Err::<(), _>(io::ErrorKind::WouldBlock.into()));
    }
    /// What became ready (no error or closed bits on Windows: an ICMP report shows on the
    /// receive path, where [`recv_batch`] skips it as libuv does).
    pub fn ready(&self) -> tokio::io::Ready {
        if self.interest.is_readable() {
            tokio::io::Ready::READABLE
        } else {
            tokio::io::Ready::WRITABLE
        }
    }
}

impl TokioFd {
    /// Polls for read readiness.
    pub fn poll_read_ready<'a>(&'a self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyGuard<'a>>> {
        self.udp.poll_recv_ready(cx).map_ok(|()| ReadyGuard { udp: &self.udp, interest: tokio::io::Interest::READABLE })
    }
    /// Polls for write readiness.
    pub fn poll_write_ready<'a>(&'a self, cx: &mut Context<'_>) -> Poll<io::Result<ReadyGuard<'a>>> {
        self.udp.poll_send_ready(cx).map_ok(|()| ReadyGuard { udp: &self.udp, interest: tokio::io::Interest::WRITABLE })
    }
}

impl IoHandle for TokioFd {
    type Sock = socket2::Socket;
    fn open(sock: socket2::Socket) -> io::Result<Self> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(io::Error::from_raw_os_error(6)); // ERROR_INVALID_HANDLE: EBADF
        }
        let raw = sock.as_raw_socket();
        let udp = tokio::net::UdpSocket::from_std(std::net::UdpSocket::from(sock))?;
        // SAFETY: `raw` is the handle `udp` now owns and keeps open until it is dropped, which
        // happens before `view` (field order); `view` is never dropped, so it never closes it.
        let view = ManuallyDrop::new(unsafe { socket2::Socket::from_raw_socket(raw) });
        Ok(TokioFd { udp, view })
    }
    fn socket(&self) -> &socket2::Socket {
        &self.view
    }
}
