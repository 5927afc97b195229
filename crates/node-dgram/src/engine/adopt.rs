//! Descriptors: `bind({ fd })` adoption, and which descriptors open sockets of this process own
//! (libuv refuses to adopt one twice).

use crate::sys::{AsRawFd, RawFd};

use socket2::Socket as RawSocket;

use crate::error::Error;
use crate::sys::{self};

/// Descriptors owned by open sockets of this process, so that adopting one twice is refused
/// (libuv's `uv__fd_exists`).
static OWNED_FDS: parking_lot::Mutex<Vec<RawFd>> = parking_lot::Mutex::new(Vec::new());

/// Marks a descriptor as owned by an open socket; false when it already was.
pub(super) fn claim_fd(fd: RawFd) -> bool {
    let mut fds = OWNED_FDS.lock();
    if fds.contains(&fd) {
        return false;
    }
    fds.push(fd);
    true
}

pub(super) fn release_fd(fd: RawFd) {
    OWNED_FDS.lock().retain(|f| *f != fd);
}

/// `bind({ fd })`: takes a UDP socket's descriptor, refusing other kinds and descriptors that
/// another open socket owns (that one is not closed: it belongs to the other socket).
#[cfg(unix)]
pub(super) fn adopt(fd: std::os::fd::OwnedFd) -> Result<RawSocket, Error> {
    use std::os::fd::IntoRawFd;
    let kind = sys::guess_handle_type(fd.as_raw_fd());
    if kind != "UDP" {
        // Not ours to close: Node leaves a refused descriptor open.
        let _ = fd.into_raw_fd();
        return Err(Error::invalid_fd_type(kind));
    }
    if !claim_fd(fd.as_raw_fd()) {
        // Someone else's descriptor under our name: never close it.
        let _ = fd.into_raw_fd();
        return Err(Error::system(libc::EEXIST, "open", None, None));
    }
    let sock = RawSocket::from(fd);
    if let Err(e) = sock.set_nonblocking(true) {
        release_fd(sock.as_raw_fd());
        return Err(Error::from_io(&e, "open", None, None));
    }
    Ok(sock)
}

/// `bind({ fd })` on Windows: Node asks `guessHandleType` about the number, which libuv answers
/// from the C runtime's descriptor table, where a Winsock `SOCKET` never is, so Node refuses
/// every socket there (`ERR_INVALID_FD_TYPE`), and so does this, leaving it open as Node leaves
/// a refused descriptor. The exception: sockets this crate's `serve` opened for its threads.
#[cfg(windows)]
pub(super) fn adopt(fd: crate::sys::OwnedFd) -> Result<RawSocket, Error> {
    use std::os::windows::io::{AsRawSocket, IntoRawSocket};
    if !sys::take_vouched(fd.as_raw_socket()) {
        let kind = sys::guess_handle_type(fd.as_raw_socket());
        let _ = fd.into_raw_socket();
        return Err(Error::invalid_fd_type(kind));
    }
    if !claim_fd(fd.as_raw_fd()) {
        let _ = fd.into_raw_socket();
        return Err(Error::system(libc::EEXIST, "open", None, None));
    }
    let sock = RawSocket::from(fd);
    if let Err(e) = sock.set_nonblocking(true) {
        release_fd(sock.as_raw_fd());
        return Err(Error::from_io(&e, "open", None, None));
    }
    Ok(sock)
}
