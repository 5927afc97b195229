//! Descriptors: `bind({ fd })` adoption, and which descriptors open sockets of this process own
//! (libuv refuses to adopt one twice).

use crate::error::Error;
use crate::sys::{OwnedFd, RawFd, SocketIo};

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

/// `bind({ fd })`: takes a UDP socket's descriptor, refusing other kinds
/// (`ERR_INVALID_FD_TYPE`) and descriptors that another open socket owns (`open EEXIST`). A
/// refused descriptor is left open, as Node leaves it: it is the caller's, or the other
/// socket's. (On Windows Node refuses every socket here, as `guessHandleType` answers from the
/// C runtime's descriptor table, where a `SOCKET` never is: see the platform's `kind_of`.)
pub(super) fn adopt<S: SocketIo>(fd: OwnedFd) -> Result<S, Error> {
    let kind = S::kind_of(&fd);
    if kind != "UDP" {
        leave_open(fd);
        return Err(Error::invalid_fd_type(kind));
    }
    let raw = raw_of(&fd);
    if !claim_fd(raw) {
        leave_open(fd);
        return Err(Error::system(libc::EEXIST, "open", None, None));
    }
    S::from_fd(fd).map_err(|e| {
        release_fd(raw);
        Error::from_io(&e, "open", None, None)
    })
}

#[cfg(unix)]
fn raw_of(fd: &OwnedFd) -> RawFd {
    std::os::fd::AsRawFd::as_raw_fd(fd)
}

#[cfg(windows)]
fn raw_of(fd: &OwnedFd) -> RawFd {
    std::os::windows::io::AsRawSocket::as_raw_socket(fd)
}

/// Lets go of a descriptor without closing it.
#[cfg(unix)]
fn leave_open(fd: OwnedFd) {
    let _ = std::os::fd::IntoRawFd::into_raw_fd(fd);
}

#[cfg(windows)]
fn leave_open(fd: OwnedFd) {
    let _ = std::os::windows::io::IntoRawSocket::into_raw_socket(fd);
}
