//! Socket options: memberships, TTLs, multicast settings, buffer sizes (the calls Node makes on
//! the handle's socket whatever the bind state, once there is one).

use std::net::{IpAddr, SocketAddr};

use super::*;
use crate::error::Error;
use crate::sys::{self, IoHandle, SocketIo};
use crate::types::{parse_ip, Family};

/// Which membership call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Membership {
    /// `addMembership`.
    Add,
    /// `dropMembership`.
    Drop,
    /// `addSourceSpecificMembership`.
    AddSource,
    /// `dropSourceSpecificMembership`.
    DropSource,
}

impl Membership {
    fn syscall(self) -> &'static str {
        match self {
            Membership::Add => "addMembership",
            Membership::Drop => "dropMembership",
            Membership::AddSource => "addSourceSpecificMembership",
            Membership::DropSource => "dropSourceSpecificMembership",
        }
    }
}

impl<H: IoHandle> Core<H> {
    pub(super) fn apply_buffer_sizes(&mut self) {
        let Some(s) = self.sock.as_ref().map(|h| h.socket()) else { return };
        let fits =
            |n: u32| if n > i32::MAX as u32 { Err(std::io::Error::from_raw_os_error(libc::EINVAL)) } else { Ok(()) };
        if let Some(n) = self.opts.recv_buffer_size {
            if let Err(e) = fits(n).and_then(|_| s.set_recv_buffer_size(n as usize)) {
                let e = Error::buffer_size(sys::errno_of(&e).unwrap_or(libc::EINVAL), "recv");
                self.out.push_back(Output::Error(e));
            }
        }
        if let Some(n) = self.opts.send_buffer_size {
            if let Err(e) = fits(n).and_then(|_| s.set_send_buffer_size(n as usize)) {
                let e = Error::buffer_size(sys::errno_of(&e).unwrap_or(libc::EINVAL), "send");
                self.out.push_back(Output::Error(e));
            }
        }
    }

    /// The membership calls. An unbound socket is bound at once to a random port on all
    /// interfaces (with `SO_REUSEADDR`, as libuv does), and `listening` follows; with
    /// [`silent_membership_bind`](crate::types::SocketOptions::silent_membership_bind), as
    /// Node: no `listening`, the bind state stays `Unbound`, and a later `bind()` fails.
    pub fn membership(
        &mut self,
        which: Membership,
        group: &str,
        source: Option<&str>,
        iface: Option<&str>,
    ) -> Result<(), Error> {
        let syscall = which.syscall();
        if self.closed {
            return Err(Error::not_running());
        }
        if matches!(which, Membership::Add | Membership::Drop) && group.is_empty() {
            return Err(Error::missing_args("multicastAddress"));
        }
        let einval = || Error::system(libc::EINVAL, syscall, None, None);
        let group = parse_ip(group).ok_or_else(einval)?.0;
        let source = match source {
            Some(src) => {
                let (ip, _) = parse_ip(src).ok_or_else(einval)?;
                if Family::of(&ip) != Family::of(&group) {
                    return Err(einval());
                }
                Some(ip)
            }
            None => None,
        };
        if self.bind_state == BindState::Unbound && self.opts.silent_membership_bind {
            // libuv's deferred bind: only a socket with no descriptor yet, and Node never hears of it.
            if self.sock.is_none() {
                let any = SocketAddr::new(self.family.any(), 0);
                self.open_and_bind(any, true).map_err(|e| Error::from_io(&e, syscall, None, None))?;
            }
        } else if self.bind_state == BindState::Unbound {
            let any = SocketAddr::new(self.family.any(), 0);
            self.open_and_bind(any, true).map_err(|e| Error::from_io(&e, syscall, None, None))?;
            self.bind_state = BindState::Bound;
            self.out.push_back(Output::Listening);
            self.apply_buffer_sizes();
        }
        let Some(sock) = self.sock.as_ref().map(|s| s.socket()) else {
            return Err(Error::system(libc::EBADF, syscall, None, None));
        };
        let add = matches!(which, Membership::Add | Membership::AddSource);
        let r = match (group, source) {
            (IpAddr::V4(g), src) => {
                let ifaddr = match iface {
                    Some(i) => match i.parse::<std::net::Ipv4Addr>() {
                        Ok(a) => a,
                        Err(_) => return Err(einval()),
                    },
                    None => std::net::Ipv4Addr::UNSPECIFIED,
                };
                match src {
                    None => sock.membership_v4(add, &g, &ifaddr),
                    Some(IpAddr::V4(s)) => sock.source_membership_v4(add, &s, &g, &ifaddr),
                    _ => return Err(einval()),
                }
            }
            (IpAddr::V6(g), src) => {
                let index = match iface {
                    Some(i) => parse_ip(i).ok_or_else(einval)?.1,
                    None => 0,
                };
                match src {
                    None => sock.membership_v6(add, &g, index),
                    Some(IpAddr::V6(s)) => sock.source_membership_v6(add, s, g, index),
                    _ => return Err(einval()),
                }
            }
        };
        r.map_err(|e| Error::from_io(&e, syscall, None, None))
    }

    /// `setMulticastInterface(address)`: for udp4 an interface address; for udp6 `::%scope`
    /// (an interface name or index). The family's any address gives the choice back to the
    /// system.
    pub fn set_multicast_interface(&self, iface: &str) -> Result<(), Error> {
        let syscall = "setMulticastInterface";
        let family = self.family;
        self.with_socket(syscall, |s| match (family, parse_ip(iface)) {
            (Family::IPv6, Some((IpAddr::V6(_), scope))) => s.set_multicast_if_v6(scope),
            (_, Some((IpAddr::V4(a), _))) => s.set_multicast_if_v4(&a),
            (Family::IPv4, Some((IpAddr::V6(_), scope))) => s.set_multicast_if_v6(scope),
            (_, None) => Err(std::io::Error::from_raw_os_error(libc::EINVAL)),
        })
    }

    /// `setTTL` (`multicast` false, 1 to 255) and `setMulticastTTL` (0 to 255). libuv checks
    /// the range before the descriptor, so an unbound socket answers `EINVAL` for a bad value.
    pub fn set_hops(&self, multicast: bool, ttl: i64) -> Result<i64, Error> {
        let (syscall, min) = if multicast { ("setMulticastTTL", 0) } else { ("setTTL", 1) };
        if self.closed {
            return Err(Error::not_running());
        }
        let Some(t) = u32::try_from(ttl).ok().filter(|t| (min..=255).contains(t)) else {
            return Err(Error::system(libc::EINVAL, syscall, None, None));
        };
        self.with_socket(syscall, |s| {
            match (multicast, s.is_ipv6()?) {
                (false, false) => s.set_ttl(t)?,
                (false, true) => s.set_unicast_hops_v6(t)?,
                (true, false) => s.set_multicast_ttl_v4(t)?,
                (true, true) => s.set_multicast_hops_v6(t)?,
            }
            Ok(ttl)
        })
    }

    /// `setMulticastLoopback(flag)`: returns the flag.
    pub fn set_multicast_loopback(&self, on: bool) -> Result<bool, Error> {
        self.with_socket("setMulticastLoopback", |s| {
            if s.is_ipv6()? {
                s.set_multicast_loop_v6(on)?;
            } else {
                s.set_multicast_loop_v4(on)?;
            }
            Ok(on)
        })
    }

    /// `get/setRecvBufferSize`, `get/setSendBufferSize`: `ERR_SOCKET_BUFFER_SIZE` while
    /// unbound or for a size the system refuses; a size of 0 reads, as libuv has it.
    pub fn buffer_size(&self, recv: bool, set: Option<usize>) -> Result<usize, Error> {
        let which = if recv { "recv" } else { "send" };
        if self.closed {
            return Err(Error::not_running());
        }
        if self.sock.is_none() {
            return Err(Error::buffer_size(libc::EBADF, which));
        }
        if set.is_some_and(|n| n > i32::MAX as usize) {
            return Err(Error::buffer_size(libc::EINVAL, which));
        }
        self.with_socket(which, |s| match (recv, set.filter(|n| *n > 0)) {
            (true, Some(n)) => s.set_recv_buffer_size(n).map(|_| n),
            (false, Some(n)) => s.set_send_buffer_size(n).map(|_| n),
            (true, None) => s.recv_buffer_size(),
            (false, None) => s.send_buffer_size(),
        })
        .map_err(|e| Error::buffer_size(e.errno().map(sys::errno_from_uv).unwrap_or(libc::EINVAL), which))
    }

    /// Gets or sets a socket option on the socket: Node's `EBADF` while there is none (before
    /// the bind opens it; a socket kept by a failed bind is one) and
    /// `ERR_SOCKET_DGRAM_NOT_RUNNING` once closed.
    pub fn with_socket<R>(&self, syscall: &str, f: impl FnOnce(&H::Sock) -> std::io::Result<R>) -> Result<R, Error> {
        if self.closed {
            return Err(Error::not_running());
        }
        match &self.sock {
            Some(s) => f(s.socket()).map_err(|e| Error::from_io(&e, syscall, None, None)),
            None => Err(Error::system(libc::EBADF, syscall, None, None)),
        }
    }
}
