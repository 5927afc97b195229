//! The portable counterparts of `linux.rs` for systems without `recvmmsg`/`sendmmsg`, UDP GSO
//! or GRO (macOS, FreeBSD, ...): the same functions with the same observable behaviour, one
//! `recvmsg(2)`/`sendmsg(2)` per datagram. Compile-checked only (README: platforms).
#![allow(unsafe_code)]

use std::io;
use std::mem::{size_of, zeroed};
use std::net::SocketAddr;
use std::os::fd::RawFd;

use super::unix::{send_gather, sockaddr_to_std};

/// The most datagrams one [`send_segmented`] call may carry (the core's batch limit).
pub const GSO_MAX_SEGMENTS: usize = 64;

/// A reused receive arena: `slots` buffers of `slot_size` bytes and each one's sender and
/// length. Nothing here is allocated per datagram.
pub struct RecvArena {
    buf: Vec<u8>,
    slot_size: usize,
    stride: usize,
    slots: usize,
    addrs: Vec<libc::sockaddr_storage>,
    /// (bytes received, address length) of each filled slot.
    lens: Vec<(usize, libc::socklen_t)>,
    /// How many datagrams the last call filled.
    pub filled: usize,
}

impl RecvArena {
    /// An arena for up to `slots` datagrams of up to `slot_size` bytes each.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::embed::batch::RecvArena;
    /// let arena = RecvArena::new(64, 1500);
    /// assert_eq!(arena.capacity(), 64);
    /// ```
    ///
    /// # Errors
    ///
    /// None: it allocates the buffers once (`slots * slot_size` bytes and a little more).
    pub fn new(slots: usize, slot_size: usize) -> RecvArena {
        let slots = slots.max(1);
        let stride = slot_size.next_multiple_of(64) + 64 + if slot_size >= 4096 { 4096 } else { 0 };
        RecvArena {
            buf: vec![0u8; slots * stride],
            slot_size,
            stride,
            slots,
            // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
            addrs: vec![unsafe { zeroed() }; slots],
            lens: vec![(0, 0); slots],
            filled: 0,
        }
    }

    /// How many datagrams one batch can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::embed::batch::RecvArena;
    /// let arena = RecvArena::new(64, 1500);
    /// assert_eq!(arena.capacity(), 64);
    /// assert_eq!(RecvArena::new(0, 1500).capacity(), 1); // at least one slot
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn capacity(&self) -> usize {
        self.slots
    }

    /// The `i`th datagram of the last batch: its bytes and its sender.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::embed::batch::{recv_batch_blocking, RecvArena};
    /// use std::os::fd::AsRawFd;
    /// let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// tx.send_to(b"a", rx.local_addr().unwrap()).unwrap();
    /// let mut arena = RecvArena::new(4, 1500);
    /// let n = recv_batch_blocking(rx.as_raw_fd(), &mut arena, 4).unwrap();
    /// let (bytes, from) = arena.get(n - 1);
    /// assert_eq!((bytes, from.map(|a| a.port())), (&b"a"[..], Some(tx.local_addr().unwrap().port())));
    /// ```
    ///
    /// # Errors
    ///
    /// None; it panics when `i` is not below the capacity (an index past the last batch gives stale or empty slots).
    pub fn get(&self, i: usize) -> (&[u8], Option<SocketAddr>) {
        let (len, namelen) = self.lens[i];
        let start = i * self.stride;
        (&self.buf[start..start + len.min(self.slot_size)], sockaddr_to_std(&self.addrs[i], namelen))
    }

    /// Always `None`: without GRO every entry is one datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::embed::batch::{recv_batch_blocking, RecvArena};
    /// use std::os::fd::AsRawFd;
    /// let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    /// std::net::UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"one", rx.local_addr().unwrap()).unwrap();
    /// let mut arena = RecvArena::new(4, 1500);
    /// recv_batch_blocking(rx.as_raw_fd(), &mut arena, 4).unwrap();
    /// // GRO is off on this socket: every entry is one datagram.
    /// assert_eq!(arena.gro_segment(0), None);
    /// ```
    ///
    /// # Errors
    ///
    /// None; it panics when `i` is not below the capacity.
    pub fn gro_segment(&self, _i: usize) -> Option<usize> {
        None
    }
}

/// Receives one datagram into slot `i` with `recvmsg(2)`.
fn recv_one(fd: RawFd, arena: &mut RecvArena, i: usize, flags: libc::c_int) -> io::Result<()> {
    let start = i * arena.stride;
    let slot = &mut arena.buf[start..start + arena.slot_size];
    let mut iov = libc::iovec { iov_base: slot.as_mut_ptr() as *mut libc::c_void, iov_len: slot.len() };
    // SAFETY: msghdr is plain old data; all-zero is a valid value.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    msg.msg_name = &mut arena.addrs[i] as *mut _ as *mut libc::c_void;
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    // SAFETY: the header points at this slot of the arena's buffer and at its address storage,
    // both alive and exclusively borrowed for the call; the kernel writes at most iov_len bytes.
    let r = unsafe { libc::recvmsg(fd, &mut msg, flags) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    arena.lens[i] = (r as usize, msg.msg_namelen);
    Ok(())
}

/// Receives up to `want` datagrams (at most the arena's capacity), one `recvmsg` each, without
/// blocking. Returns how many arrived; `WouldBlock` when none were waiting.
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::{recv_batch, RecvArena};
/// use std::os::fd::AsRawFd;
/// let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let to = rx.local_addr().unwrap();
/// tx.send_to(b"hello", to).unwrap();
/// let mut arena = RecvArena::new(8, 2048);
/// let n = loop {
///     match recv_batch(rx.as_raw_fd(), &mut arena, 8) {
///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::yield_now(),
///         r => break r.unwrap(),
///     }
/// };
/// assert_eq!(n, 1);
/// let (bytes, from) = arena.get(0);
/// assert_eq!((bytes, from), (&b"hello"[..], Some(tx.local_addr().unwrap())));
/// ```
///
/// # Errors
///
/// `WouldBlock` when no datagram is waiting; otherwise the system call's error, unchanged
/// (`ECONNREFUSED` after an ICMP error on a connected socket, `EBADF`, ...).
pub fn recv_batch(fd: RawFd, arena: &mut RecvArena, want: usize) -> io::Result<usize> {
    recv_loop(fd, arena, want, libc::MSG_DONTWAIT)
}

/// [`recv_batch`] on a blocking socket: waits for the first datagram, then takes what is
/// already queued.
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::{recv_batch_blocking, RecvArena};
/// use std::os::fd::AsRawFd;
/// let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let to = rx.local_addr().unwrap();
/// tx.send_to(b"hello", to).unwrap();
/// let mut arena = RecvArena::new(8, 2048);
/// let n = recv_batch_blocking(rx.as_raw_fd(), &mut arena, 8).unwrap();
/// assert_eq!(n, 1);
/// let (bytes, from) = arena.get(0);
/// assert_eq!((bytes, from), (&b"hello"[..], Some(tx.local_addr().unwrap())));
/// ```
///
/// # Errors
///
/// The system call's error, unchanged (`EINTR` when a signal interrupts the wait, `EAGAIN`
/// after a receive timeout set on the socket, `ECONNREFUSED`, ...).
pub fn recv_batch_blocking(fd: RawFd, arena: &mut RecvArena, want: usize) -> io::Result<usize> {
    recv_loop(fd, arena, want, 0)
}

fn recv_loop(fd: RawFd, arena: &mut RecvArena, want: usize, first_flags: libc::c_int) -> io::Result<usize> {
    let n = want.clamp(1, arena.slots);
    arena.filled = 0;
    for i in 0..n {
        let flags = if i == 0 { first_flags } else { libc::MSG_DONTWAIT };
        match recv_one(fd, arena, i, flags) {
            Ok(()) => arena.filled = i + 1,
            // Like recvmmsg: an error after some datagrams ends the batch; it shows again on
            // the next call.
            Err(_) if i > 0 => break,
            Err(e) => return Err(e),
        }
    }
    Ok(arena.filled)
}

/// Without UDP GRO the kernel never coalesces datagrams; asking for it changes nothing that a
/// receiver sees, so this succeeds and does nothing.
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::set_gro;
/// use std::os::fd::AsRawFd;
/// let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// // (Linux 5.0 or later; elsewhere nothing to turn on, and nothing fails.)
/// set_gro(s.as_raw_fd(), true).unwrap();
/// set_gro(s.as_raw_fd(), false).unwrap();
/// ```
///
/// # Errors
///
/// None.
pub fn set_gro(_fd: RawFd, _on: bool) -> io::Result<()> {
    Ok(())
}

/// Whether UDP generic receive offload is on for the socket: never here (no `UDP_GRO`).
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::gro_enabled;
/// use std::os::fd::AsRawFd;
/// let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// # #[cfg(not(target_os = "linux"))]
/// assert!(!gro_enabled(s.as_raw_fd()).unwrap());
/// ```
///
/// # Errors
///
/// None.
pub fn gro_enabled(_fd: RawFd) -> io::Result<bool> {
    Ok(false)
}

/// Sends `bufs` as datagrams of `segment` bytes each (every buffer is one: all of `segment`
/// bytes but the last, which may be shorter), one `sendmsg` each: what UDP GSO puts on the
/// wire. Returns the bytes sent; an error after the first datagram ends the call, with the
/// bytes sent so far.
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::{send_segmented};
/// use std::os::fd::AsRawFd;
/// let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let to = rx.local_addr().unwrap();
/// rx.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
/// // Two datagrams: "abc" and "de".
/// match send_segmented(tx.as_raw_fd(), &[b"abc", b"de"], 3, Some(&to)) {
///     Ok(n) => {
///         assert_eq!(n, 5);
///         let mut buf = [0u8; 8];
///         let n = rx.recv(&mut buf).unwrap();
///         assert_eq!(&buf[..n], b"abc");
///         let n = rx.recv(&mut buf).unwrap();
///         assert_eq!(&buf[..n], b"de");
///     }
///     // A kernel without UDP GSO refuses the control message.
///     Err(e) => assert!(matches!(e.raw_os_error(), Some(22) | Some(95) | Some(5)), "{e}"),
/// }
/// ```
///
/// # Errors
///
/// The system call's error, unchanged: `EINVAL` / `EOPNOTSUPP` / `EIO` where the kernel or the
/// device refuses UDP GSO (send the datagrams one by one then), `EMSGSIZE`, `WouldBlock` on a full
/// non-blocking socket.
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

/// Sends several single-buffer datagrams, each to its own address (or the connected peer),
/// one `sendmsg` each, without blocking. Returns how many were sent (as `sendmmsg` does).
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
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::{send_batch};
/// use std::os::fd::AsRawFd;
/// let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// let to = rx.local_addr().unwrap();
/// rx.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
/// assert_eq!(send_batch(tx.as_raw_fd(), &[b"one", b"two"], &to).unwrap(), 2);
/// let mut buf = [0u8; 8];
/// let n = rx.recv(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"one");
/// let n = rx.recv(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"two");
/// ```
///
/// # Errors
///
/// The system call's error when the first datagram fails (`EMSGSIZE`, `WouldBlock` on a full
/// non-blocking socket, ...); after that, the count of those sent.
pub fn send_batch(fd: RawFd, msgs: &[&[u8]], to: &SocketAddr) -> io::Result<usize> {
    let to = Some(*to);
    for (i, m) in msgs.iter().enumerate() {
        if let Err(e) = super::unix::send_gather_flags(fd, &[m], to.as_ref(), super::unix::BLOCKING_SEND_FLAGS) {
            return if i > 0 { Ok(i) } else { Err(e) };
        }
    }
    Ok(msgs.len())
}
