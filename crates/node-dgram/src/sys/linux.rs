//! Linux's batched paths: `recvmmsg(2)` into a reused arena, `sendmmsg(2)`, UDP GSO
//! (`UDP_SEGMENT`) and GRO (`UDP_GRO`). Other systems get `portable.rs`, with the same
//! functions and the same observable behaviour, one system call per datagram. (The `as _`
//! casts: glibc and musl differ in some of these types.)
#![allow(unsafe_code)]

use std::io;
use std::mem::{size_of, zeroed};
use std::net::SocketAddr;
use std::os::fd::RawFd;

use super::unix::{sockaddr_to_std, std_to_sockaddr};

/// A reused receive arena: `slots` buffers of `slot_size` bytes and the metadata `recvmmsg`
/// fills. Nothing here is allocated per datagram.
pub struct RecvArena {
    buf: Vec<u8>,
    slot_size: usize,
    /// Distance between slot starts: more than `slot_size`, so that the slots do not all start
    /// on the same cache sets (64 KiB slots did: every datagram's first lines competed for the
    /// same few ways of L1 and L2).
    stride: usize,
    slots: usize,
    addrs: Vec<libc::sockaddr_storage>,
    iovs: Vec<libc::iovec>,
    hdrs: Vec<libc::mmsghdr>,
    /// Control-message space per slot (u64 for alignment), for GRO's segment size.
    ctrl: Vec<u64>,
    /// How many datagrams the last call filled.
    pub filled: usize,
    /// How many headers from the front the kernel may have changed since they were set: only
    /// those are reset before the next call (a call for 64 that gets 1 costs 1, not 64).
    dirty: usize,
}

// SAFETY: the raw pointers inside `iovs`/`hdrs` point only into the heap buffers of `buf`,
// `addrs`, `iovs` and `ctrl`, which the arena owns and never resizes after `new`; moving the
// arena moves the vectors' handles, not their buffers, so the pointers stay valid on any thread.
unsafe impl Send for RecvArena {}

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
        // One cache line more than a multiple of the line, plus a page for slots of a page or
        // more: consecutive slots then start on different L1 sets and far apart in L2.
        let stride = slot_size.next_multiple_of(64) + 64 + if slot_size >= 4096 { 4096 } else { 0 };
        let mut a = RecvArena {
            buf: vec![0u8; slots * stride],
            slot_size,
            stride,
            slots,
            // SAFETY: sockaddr_storage is plain old data; all-zero is a valid value.
            addrs: vec![unsafe { zeroed() }; slots],
            iovs: Vec::with_capacity(slots),
            hdrs: Vec::with_capacity(slots),
            ctrl: vec![0u64; slots * CTRL_WORDS],
            filled: 0,
            dirty: 0,
        };
        a.build_headers();
        a
    }

    /// Points every slot's iovec and header at the slot's buffer, address and control space,
    /// once: the vectors are never resized afterwards, so the pointers stay valid.
    fn build_headers(&mut self) {
        let base = self.buf.as_mut_ptr();
        for i in 0..self.slots {
            self.iovs.push(libc::iovec {
                // SAFETY: i < slots, and `buf` holds `slots` strides of at least `slot_size`
                // bytes, so the slot lies inside `buf`.
                iov_base: unsafe { base.add(i * self.stride) } as *mut libc::c_void,
                iov_len: self.slot_size,
            });
        }
        let ctrl = self.ctrl.as_mut_ptr();
        for i in 0..self.slots {
            // SAFETY: mmsghdr is plain old data; all-zero is a valid value.
            let mut h: libc::mmsghdr = unsafe { zeroed() };
            h.msg_hdr.msg_name = &mut self.addrs[i] as *mut _ as *mut libc::c_void;
            h.msg_hdr.msg_iov = &mut self.iovs[i] as *mut libc::iovec;
            h.msg_hdr.msg_iovlen = 1;
            // SAFETY: i < slots, so this slot's control words lie inside `ctrl`.
            h.msg_hdr.msg_control = unsafe { ctrl.add(i * CTRL_WORDS) } as *mut libc::c_void;
            self.hdrs.push(h);
        }
        self.dirty = self.slots;
    }

    /// Gives the first `dirty` headers back the sizes the kernel overwrites (the address and
    /// control lengths, the flags): the other fields never change.
    fn reset_headers(&mut self) {
        for h in &mut self.hdrs[..self.dirty] {
            h.msg_hdr.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            // (size_t on glibc, socklen_t on musl)
            h.msg_hdr.msg_controllen = (CTRL_WORDS * 8) as _;
            h.msg_hdr.msg_flags = 0;
            h.msg_len = 0;
        }
        self.dirty = 0;
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

    /// The `i`th datagram of the last batch: its bytes (at most a slot's worth) and its sender.
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
        let len = self.hdrs[i].msg_len as usize;
        let start = i * self.stride;
        let bytes = &self.buf[start..start + len.min(self.slot_size)];
        (bytes, sockaddr_to_std(&self.addrs[i], self.hdrs[i].msg_hdr.msg_namelen))
    }

    /// The segment size of the `i`th entry when GRO coalesced several datagrams into it (each
    /// `segment` bytes, the last possibly shorter); `None` for a single datagram.
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
    pub fn gro_segment(&self, i: usize) -> Option<usize> {
        let h = &self.hdrs[i].msg_hdr;
        if h.msg_controllen == 0 || h.msg_control.is_null() {
            return None;
        }
        // SAFETY: msg_control points at this slot's control space, of which the kernel wrote
        // msg_controllen bytes of well-formed cmsg headers; the CMSG_* helpers stay inside it.
        unsafe {
            let mut c = libc::CMSG_FIRSTHDR(h);
            while !c.is_null() {
                if (*c).cmsg_level == SOL_UDP && (*c).cmsg_type == UDP_GRO {
                    let mut v: libc::c_int = 0;
                    std::ptr::copy_nonoverlapping(
                        libc::CMSG_DATA(c),
                        &mut v as *mut _ as *mut u8,
                        size_of::<libc::c_int>(),
                    );
                    return (v > 0).then_some(v as usize);
                }
                c = libc::CMSG_NXTHDR(h, c);
            }
        }
        None
    }
}

/// Receives up to `want` datagrams (at most the arena's capacity) in one `recvmmsg` call,
/// without blocking. Returns how many arrived; `WouldBlock` when none were waiting.
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
    recv_batch_flags(fd, arena, want, libc::MSG_DONTWAIT)
}

/// [`recv_batch`] on a blocking socket: waits for the first datagram, then takes what is
/// already queued (`MSG_WAITFORONE`). For loops that own a thread, like the benchmarks' raw
/// baseline.
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
    recv_batch_flags(fd, arena, want, libc::MSG_WAITFORONE)
}

fn recv_batch_flags(fd: RawFd, arena: &mut RecvArena, want: usize, flags: libc::c_int) -> io::Result<usize> {
    let n = want.clamp(1, arena.slots);
    arena.reset_headers();
    let r = if n == 1 && flags == libc::MSG_DONTWAIT {
        // One datagram: `recvmsg` into the first header (the same buffers, address and
        // control space), a shorter path through the kernel than a batch of one.
        let h = &mut arena.hdrs[0];
        // SAFETY: `h.msg_hdr` is an initialised header whose pointers refer to live buffers
        // owned by the arena for the whole call; the kernel writes at most `iov_len` bytes.
        let r = unsafe { libc::recvmsg(fd, &mut h.msg_hdr, flags) };
        if r >= 0 {
            h.msg_len = r as libc::c_uint;
            1
        } else {
            -1
        }
    } else {
        // SAFETY: `hdrs` holds `n` initialised headers whose pointers refer to live buffers
        // owned by the arena for the whole call; the kernel writes at most `iov_len` bytes into
        // each.
        unsafe { libc::recvmmsg(fd, arena.hdrs.as_mut_ptr(), n as libc::c_uint, flags as _, std::ptr::null_mut()) }
    };
    // The kernel fills headers in order and stops at the first it cannot fill; that one may
    // have been touched too.
    arena.dirty = if r < 0 { 1 } else { (r as usize + 1).min(n) };
    if r < 0 {
        arena.filled = 0;
        return Err(io::Error::last_os_error());
    }
    arena.filled = r as usize;
    Ok(r as usize)
}

/// `SOL_UDP`, `UDP_SEGMENT` and `UDP_GRO` of `<linux/udp.h>` (libc lacks them).
const SOL_UDP: libc::c_int = 17;
const UDP_SEGMENT: libc::c_int = 103;
const UDP_GRO: libc::c_int = 104;
/// Control space per received datagram: one `cmsghdr` with an int, rounded up.
const CTRL_WORDS: usize = 8;
/// The most segments one GSO send may carry (the kernel's `UDP_MAX_SEGMENTS`).
pub const GSO_MAX_SEGMENTS: usize = 64;

/// Turns UDP generic receive offload on or off (`UDP_GRO`): the kernel may then hand over
/// several same-sized datagrams of one flow as one buffer; see [`RecvArena::gro_segment`].
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
/// The `setsockopt` error: `ENOPROTOOPT` on a kernel without UDP GRO (before 5.0), `EBADF` or
/// `ENOTSOCK` for a descriptor that is no socket.
pub fn set_gro(fd: RawFd, on: bool) -> io::Result<()> {
    let v: libc::c_int = on as libc::c_int;
    // SAFETY: `v` is a valid int of the size passed, alive during the call.
    let r = unsafe {
        libc::setsockopt(
            fd,
            SOL_UDP,
            UDP_GRO,
            &v as *const _ as *const libc::c_void,
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Whether UDP generic receive offload is on for the socket `fd` (`UDP_GRO`, as
/// [`set_gro`] left it).
///
/// # Examples
///
/// ```
/// use node_dgram::embed::batch::{gro_enabled, set_gro};
/// use std::os::fd::AsRawFd;
/// let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
/// assert!(!gro_enabled(s.as_raw_fd()).unwrap());
/// set_gro(s.as_raw_fd(), true).unwrap();
/// assert!(gro_enabled(s.as_raw_fd()).unwrap());
/// ```
///
/// # Errors
///
/// The `getsockopt` error: `ENOPROTOOPT` on a kernel without UDP GRO (before 5.0), `EBADF` or
/// `ENOTSOCK` for a descriptor that is no socket.
pub fn gro_enabled(fd: RawFd) -> io::Result<bool> {
    let mut v: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `v` and `len` are valid, writable and alive during the call; `len` says how many
    // bytes `v` holds, and the kernel writes at most that many.
    let r = unsafe { libc::getsockopt(fd, SOL_UDP, UDP_GRO, &mut v as *mut _ as *mut libc::c_void, &mut len) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(v != 0)
    }
}

/// Sends `bufs`, concatenated, as datagrams of `segment` bytes each (the last may be
/// shorter) with one `sendmsg(2)` and a `UDP_SEGMENT` control message (UDP GSO). Returns
/// the bytes sent.
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
pub fn send_segmented(fd: RawFd, bufs: &[&[u8]], segment: u16, to: Option<&SocketAddr>) -> io::Result<usize> {
    let mut iovs: Vec<libc::iovec> =
        bufs.iter().map(|b| libc::iovec { iov_base: b.as_ptr() as *mut libc::c_void, iov_len: b.len() }).collect();
    // SAFETY: sockaddr_storage is plain old data.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let namelen = match to {
        Some(a) => std_to_sockaddr(a, &mut storage),
        None => 0,
    };
    let mut ctrl = [0u64; CTRL_WORDS];
    // SAFETY: msghdr is plain old data; all-zero is a valid value.
    let mut msg: libc::msghdr = unsafe { zeroed() };
    if namelen > 0 {
        msg.msg_name = &mut storage as *mut _ as *mut libc::c_void;
        msg.msg_namelen = namelen;
    }
    msg.msg_iov = iovs.as_mut_ptr();
    msg.msg_iovlen = iovs.len() as _;
    msg.msg_control = ctrl.as_mut_ptr() as *mut libc::c_void;
    // SAFETY: CMSG_SPACE only computes a size.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(size_of::<u16>() as u32) } as _;
    // SAFETY: the control buffer holds CMSG_SPACE(2) bytes (64 available); CMSG_FIRSTHDR
    // points at its start and CMSG_DATA inside it.
    unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = SOL_UDP;
        (*c).cmsg_type = UDP_SEGMENT;
        (*c).cmsg_len = libc::CMSG_LEN(size_of::<u16>() as u32) as _;
        std::ptr::copy_nonoverlapping(&segment as *const u16 as *const u8, libc::CMSG_DATA(c), size_of::<u16>());
    }
    // SAFETY: every pointer in `msg` refers to live local buffers for the call's duration.
    let r = unsafe { libc::sendmsg(fd, &msg, libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// Sends several single-buffer datagrams, each to its own address (or the connected peer),
/// with one `sendmmsg(2)`, without blocking. Returns how many were sent.
pub fn send_many(fd: RawFd, msgs: &[(&[u8], Option<SocketAddr>)]) -> io::Result<usize> {
    let mut iovs: Vec<libc::iovec> =
        msgs.iter().map(|(m, _)| libc::iovec { iov_base: m.as_ptr() as *mut libc::c_void, iov_len: m.len() }).collect();
    // SAFETY: sockaddr_storage is plain old data.
    let mut names: Vec<libc::sockaddr_storage> = vec![unsafe { zeroed() }; msgs.len()];
    let mut hdrs: Vec<libc::mmsghdr> = Vec::with_capacity(msgs.len());
    for (i, (_, to)) in msgs.iter().enumerate() {
        // SAFETY: mmsghdr is plain old data; all-zero is a valid value.
        let mut h: libc::mmsghdr = unsafe { zeroed() };
        if let Some(a) = to {
            h.msg_hdr.msg_namelen = std_to_sockaddr(a, &mut names[i]);
            h.msg_hdr.msg_name = &mut names[i] as *mut _ as *mut libc::c_void;
        }
        h.msg_hdr.msg_iov = &mut iovs[i] as *mut libc::iovec;
        h.msg_hdr.msg_iovlen = 1;
        hdrs.push(h);
    }
    // SAFETY: the headers point at live iovecs and names owned by this frame for the call.
    let r = unsafe {
        libc::sendmmsg(
            fd,
            hdrs.as_mut_ptr(),
            hdrs.len() as libc::c_uint,
            (libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) as _,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// Sends each of `msgs` as one datagram to `to` with one `sendmmsg(2)` call (blocking unless
/// the socket is non-blocking). Returns how many were sent.
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
    // SAFETY: sockaddr_storage is plain old data.
    let mut storage: libc::sockaddr_storage = unsafe { zeroed() };
    let namelen = std_to_sockaddr(to, &mut storage);
    let mut iovs: Vec<libc::iovec> =
        msgs.iter().map(|m| libc::iovec { iov_base: m.as_ptr() as *mut libc::c_void, iov_len: m.len() }).collect();
    let mut hdrs: Vec<libc::mmsghdr> = Vec::with_capacity(msgs.len());
    for iov in iovs.iter_mut() {
        // SAFETY: mmsghdr is plain old data; all-zero is a valid value.
        let mut h: libc::mmsghdr = unsafe { zeroed() };
        h.msg_hdr.msg_name = &mut storage as *mut _ as *mut libc::c_void;
        h.msg_hdr.msg_namelen = namelen;
        h.msg_hdr.msg_iov = iov as *mut libc::iovec;
        h.msg_hdr.msg_iovlen = 1;
        hdrs.push(h);
    }
    // SAFETY: every header points at live iovecs over borrowed slices and at `storage`, all
    // alive for the call; the kernel only reads them (and writes msg_len).
    let r = unsafe { libc::sendmmsg(fd, hdrs.as_mut_ptr(), hdrs.len() as libc::c_uint, libc::MSG_NOSIGNAL as _) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}
