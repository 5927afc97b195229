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
    pub fn capacity(&self) -> usize {
        self.slots
    }

    /// The `i`th datagram of the last batch: its bytes and its sender.
    pub fn get(&self, i: usize) -> (&[u8], Option<SocketAddr>) {
        let (len, namelen) = self.lens[i];
        let start = i * self.stride;
        (&self.buf[start..start + len.min(self.slot_size)], sockaddr_to_std(&self.addrs[i], namelen))
    }

    /// Always `None`: without GRO every entry is one datagram.
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
pub fn recv_batch(fd: RawFd, arena: &mut RecvArena, want: usize) -> io::Result<usize> {
    recv_loop(fd, arena, want, libc::MSG_DONTWAIT)
}

/// [`recv_batch`] on a blocking socket: waits for the first datagram, then takes what is
/// already queued.
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
pub fn set_gro(_fd: RawFd, _on: bool) -> io::Result<()> {
    Ok(())
}

/// Sends `bufs` as datagrams of `segment` bytes each (every buffer is one: all of `segment`
/// bytes but the last, which may be shorter), one `sendmsg` each: what UDP GSO puts on the
/// wire. Returns the bytes sent; an error after the first datagram ends the call, with the
/// bytes sent so far.
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
pub fn send_batch(fd: RawFd, msgs: &[&[u8]], to: &SocketAddr) -> io::Result<usize> {
    let to = Some(*to);
    for (i, m) in msgs.iter().enumerate() {
        if let Err(e) = super::unix::send_gather_flags(fd, &[m], to.as_ref(), super::unix::BLOCKING_SEND_FLAGS) {
            return if i > 0 { Ok(i) } else { Err(e) };
        }
    }
    Ok(msgs.len())
}
