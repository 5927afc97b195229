//! The only place with `unsafe` code: the system calls socket2 lacks, per platform.
//!
//! - [`recv_batch`]: `recvmmsg(2)` into a reused arena (one syscall for many datagrams), with
//!   `sendmmsg(2)`, UDP GSO and GRO: Linux's batched paths (`linux.rs`); macOS and the BSDs get
//!   `portable.rs`, the same functions one datagram per system call; Windows gets `windows.rs`,
//!   the same again over Winsock;
//! - [`send_gather`]: `sendmsg(2)` with one iovec per buffer (a gathered datagram, no copy;
//!   `WSASendTo` with one `WSABUF` each on Windows);
//! - [`disconnect`]: `connect(2)` with `AF_UNSPEC`, which dissolves a UDP association;
//! - [`getaddrinfo`]: the system resolver with a family hint, keeping its `EAI_*` code;
//! - errno names and descriptions as libuv prints them, and Node's `errno` numbers
//!   ([`uv_errno`]: the negated errno on POSIX systems, libuv's own `-4xxx` codes on Windows);
//! - [`RawFd`], [`AsRawFd`] and [`OwnedFd`]: a socket's descriptor (a `SOCKET` handle on
//!   Windows).
#![allow(unsafe_code)]

use std::io;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use std::os::fd::{AsRawFd, OwnedFd, RawFd};
#[cfg(unix)]
pub use unix::*;

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use linux::*;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
mod portable;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
pub use portable::*;

mod socket_io;
pub use socket_io::SocketIo;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows::EHOSTDOWN;
#[cfg(windows)]
pub use windows::*;

/// The largest UDP payload over IPv6 loopback (65535 - 8); IPv4 is smaller (65507).
pub const MAX_DATAGRAM: usize = 65_535;

/// Node's (libuv's) name for an errno value.
///
/// # Examples
///
/// ```
/// use node_dgram::embed::errno_name;
/// assert_eq!(errno_name(libc::EADDRINUSE), "EADDRINUSE");
/// assert_eq!(errno_name(libc::EOPNOTSUPP), "ENOTSUP"); // libuv's name
/// assert_eq!(errno_name(-1), "UNKNOWN");
/// ```
///
/// # Errors
///
/// None: an errno it does not know is `"UNKNOWN"`.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ENOSPC => "ENOSPC",
        libc::EPIPE => "EPIPE",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::EDESTADDRREQ => "EDESTADDRREQ",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::EPROTOTYPE => "EPROTOTYPE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::EOPNOTSUPP => "ENOTSUP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ENETDOWN => "ENETDOWN",
        libc::ENETUNREACH => "ENETUNREACH",
        libc::ECONNABORTED => "ECONNABORTED",
        libc::ECONNRESET => "ECONNRESET",
        libc::ENOBUFS => "ENOBUFS",
        libc::EISCONN => "EISCONN",
        libc::ENOTCONN => "ENOTCONN",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ECONNREFUSED => "ECONNREFUSED",
        EHOSTDOWN => "EHOSTDOWN",
        libc::EHOSTUNREACH => "EHOSTUNREACH",
        libc::EALREADY => "EALREADY",
        libc::ECANCELED => "ECANCELED",
        _ => "UNKNOWN",
    }
}

/// libuv's description of an errno value (as in `ERR_SOCKET_BUFFER_SIZE` messages).
///
/// # Examples
///
/// ```
/// use node_dgram::embed::errno_description;
/// assert_eq!(errno_description(libc::EBADF), "bad file descriptor");
/// assert_eq!(errno_description(-1), "unknown error");
/// ```
///
/// # Errors
///
/// None: an errno it does not know is `"unknown error"`.
pub fn errno_description(errno: i32) -> &'static str {
    match errno {
        libc::EBADF => "bad file descriptor",
        libc::EINVAL => "invalid argument",
        libc::ENOMEM => "not enough memory",
        libc::ENOBUFS => "no buffer space available",
        libc::EPERM => "operation not permitted",
        libc::ENOTSOCK => "socket operation on non-socket",
        _ => "unknown error",
    }
}

/// `EHOSTDOWN`: the C library's where it has one; Windows' has none, so there it is the
/// number of libuv's own code (which no C runtime errno reaches).
#[cfg(unix)]
const EHOSTDOWN: i32 = libc::EHOSTDOWN;

/// What the core keeps of an open socket: the socket itself, owned by whatever the event loop
/// needs to watch it (tokio's `AsyncFd` here; the Node addon's uv_poll holder there). Dropping
/// the handle stops the watching and closes the descriptor, in that order.
pub trait IoHandle: Sized + Send {
    /// The socket the engine's system calls go through: socket2's `Socket`, or a fake kernel's.
    type Sock: SocketIo;
    /// Takes ownership of a freshly bound socket and starts watching it.
    fn open(sock: Self::Sock) -> io::Result<Self>;
    /// The same for a socket whose reads a thread of its own makes (`SocketOptions::
    /// receive_thread`): the loop then need not hear of readability, only of writability and
    /// errors. By default the same as [`open`](IoHandle::open) (being told of readability
    /// too costs wakes, nothing else).
    fn open_without_reads(sock: Self::Sock) -> io::Result<Self> {
        Self::open(sock)
    }
    /// The socket, for system calls.
    fn socket(&self) -> &Self::Sock;
}
