//! The seam between the engine and the kernel: [`SocketIo`], every system call the engine makes
//! on a socket. The engine is written against it alone, so a fake can stand in for the kernel
//! (the engine's tests script one); the real one is socket2's `Socket`, with the calls socket2
//! lacks taken from this module's platform files.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::{OwnedFd, RawFd};

/// The system calls the engine makes on a socket, named as socket2 names them.
///
/// Errors are the system's (`io::Error` with its errno); the engine decides what each becomes
/// in Node's terms. Implemented for [`socket2::Socket`]; the engine's tests implement it with a
/// scripted fake.
pub trait SocketIo: Sized + Send {
    /// A new non-blocking UDP socket (`socket(2)`), IPv6 or IPv4.
    fn udp(ipv6: bool) -> io::Result<Self>;
    /// A socket made of a descriptor handed over by `bind({ fd })`, once the engine accepted
    /// it; made non-blocking.
    fn from_fd(fd: OwnedFd) -> io::Result<Self>;
    /// Node's name for what a descriptor is (`UDP`, `TCP`, `FILE`, ...), as `guessHandleType`.
    fn kind_of(fd: &OwnedFd) -> &'static str;
    /// The descriptor (a `SOCKET` on Windows), for the event loop and for the reading path.
    fn raw(&self) -> RawFd;
    /// `bind(2)`.
    fn bind(&self, addr: SocketAddr) -> io::Result<()>;
    /// `connect(2)`.
    fn connect(&self, addr: SocketAddr) -> io::Result<()>;
    /// `connect(2)` with `AF_UNSPEC`: dissolves the association.
    fn disconnect(&self) -> io::Result<()>;
    /// `getsockname(2)`.
    fn local_addr(&self) -> io::Result<SocketAddr>;
    /// `getpeername(2)`.
    fn peer_addr(&self) -> io::Result<SocketAddr>;
    /// `SO_ERROR`: a pending asynchronous error, taken.
    fn take_error(&self) -> io::Result<Option<io::Error>>;
    /// Whether the socket is an IPv6 one (`SO_DOMAIN`).
    fn is_ipv6(&self) -> io::Result<bool>;
    /// `SO_REUSEADDR`.
    fn set_reuse_address(&self, on: bool) -> io::Result<()>;
    /// `SO_REUSEPORT` on (where the system has it, as libuv sets it).
    fn set_reuse_port(&self) -> io::Result<()>;
    /// `IPV6_V6ONLY`.
    fn set_only_v6(&self, on: bool) -> io::Result<()>;
    /// `UDP_GRO`.
    fn set_gro(&self, on: bool) -> io::Result<()>;
    /// `SO_RCVBUF`.
    fn set_recv_buffer_size(&self, n: usize) -> io::Result<()>;
    /// `SO_SNDBUF`.
    fn set_send_buffer_size(&self, n: usize) -> io::Result<()>;
    /// `SO_RCVBUF`, read.
    fn recv_buffer_size(&self) -> io::Result<usize>;
    /// `SO_SNDBUF`, read.
    fn send_buffer_size(&self) -> io::Result<usize>;
    /// `IP_TTL`.
    fn set_ttl(&self, ttl: u32) -> io::Result<()>;
    /// `IPV6_UNICAST_HOPS`.
    fn set_unicast_hops_v6(&self, hops: u32) -> io::Result<()>;
    /// `IP_MULTICAST_TTL`.
    fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()>;
    /// `IPV6_MULTICAST_HOPS`.
    fn set_multicast_hops_v6(&self, hops: u32) -> io::Result<()>;
    /// `IP_MULTICAST_LOOP`.
    fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()>;
    /// `IPV6_MULTICAST_LOOP`.
    fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()>;
    /// `IP_MULTICAST_IF`.
    fn set_multicast_if_v4(&self, addr: &Ipv4Addr) -> io::Result<()>;
    /// `IPV6_MULTICAST_IF`.
    fn set_multicast_if_v6(&self, index: u32) -> io::Result<()>;
    /// `IP_ADD_MEMBERSHIP` (`join`) or `IP_DROP_MEMBERSHIP`.
    fn membership_v4(&self, join: bool, group: &Ipv4Addr, iface: &Ipv4Addr) -> io::Result<()>;
    /// `IP_ADD_SOURCE_MEMBERSHIP` (`join`) or `IP_DROP_SOURCE_MEMBERSHIP`.
    fn source_membership_v4(&self, join: bool, source: &Ipv4Addr, group: &Ipv4Addr, iface: &Ipv4Addr)
        -> io::Result<()>;
    /// `IPV6_ADD_MEMBERSHIP` (`join`) or `IPV6_DROP_MEMBERSHIP`.
    fn membership_v6(&self, join: bool, group: &Ipv6Addr, index: u32) -> io::Result<()>;
    /// `MCAST_JOIN_SOURCE_GROUP` (`join`) or `MCAST_LEAVE_SOURCE_GROUP`.
    fn source_membership_v6(&self, join: bool, source: Ipv6Addr, group: Ipv6Addr, index: u32) -> io::Result<()>;
    /// One datagram gathered from `bufs` (`sendmsg(2)`), to `to` or the connected peer.
    fn send_gather(&self, bufs: &[&[u8]], to: Option<&SocketAddr>) -> io::Result<usize>;
    /// One GSO super-datagram of `segment`-byte datagrams; returns the bytes written.
    fn send_segmented(&self, bufs: &[&[u8]], segment: u16, to: Option<&SocketAddr>) -> io::Result<usize>;
    /// Several datagrams with one system call (`sendmmsg(2)` where there is one); returns how
    /// many went.
    fn send_many(&self, msgs: &[(&[u8], Option<SocketAddr>)]) -> io::Result<usize>;
}

fn std_addr(a: socket2::SockAddr) -> io::Result<SocketAddr> {
    a.as_socket().ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
}

impl SocketIo for socket2::Socket {
    fn udp(ipv6: bool) -> io::Result<Self> {
        let domain = if ipv6 { socket2::Domain::IPV6 } else { socket2::Domain::IPV4 };
        let s = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
        s.set_nonblocking(true)?;
        Ok(s)
    }
    fn from_fd(fd: OwnedFd) -> io::Result<Self> {
        let s = socket2::Socket::from(fd);
        s.set_nonblocking(true)?;
        Ok(s)
    }
    fn kind_of(fd: &OwnedFd) -> &'static str {
        #[cfg(unix)]
        use std::os::fd::AsRawFd as _;
        #[cfg(windows)]
        use std::os::windows::io::AsRawSocket as _;
        #[cfg(unix)]
        let raw = fd.as_raw_fd();
        #[cfg(windows)]
        let raw = fd.as_raw_socket();
        // (On Windows, the sockets this crate's `serve` vouched for are the only ones taken.)
        #[cfg(windows)]
        if super::take_vouched(raw) {
            return "UDP";
        }
        super::guess_handle_type(raw)
    }
    fn raw(&self) -> RawFd {
        #[cfg(unix)]
        use std::os::fd::AsRawFd as _;
        #[cfg(windows)]
        use std::os::windows::io::AsRawSocket as _;
        #[cfg(unix)]
        return self.as_raw_fd();
        #[cfg(windows)]
        return self.as_raw_socket();
    }
    fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        socket2::Socket::bind(self, &addr.into())
    }
    fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        socket2::Socket::connect(self, &addr.into())
    }
    fn disconnect(&self) -> io::Result<()> {
        super::disconnect(self.raw())
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        std_addr(socket2::Socket::local_addr(self)?)
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        std_addr(socket2::Socket::peer_addr(self)?)
    }
    fn take_error(&self) -> io::Result<Option<io::Error>> {
        socket2::Socket::take_error(self)
    }
    fn is_ipv6(&self) -> io::Result<bool> {
        Ok(super::domain(self)? == socket2::Domain::IPV6)
    }
    fn set_reuse_address(&self, on: bool) -> io::Result<()> {
        socket2::Socket::set_reuse_address(self, on)
    }
    fn set_reuse_port(&self) -> io::Result<()> {
        super::set_reuse_port(self)
    }
    fn set_only_v6(&self, on: bool) -> io::Result<()> {
        socket2::Socket::set_only_v6(self, on)
    }
    fn set_gro(&self, on: bool) -> io::Result<()> {
        super::set_gro(self.raw(), on)
    }
    fn set_recv_buffer_size(&self, n: usize) -> io::Result<()> {
        socket2::Socket::set_recv_buffer_size(self, n)
    }
    fn set_send_buffer_size(&self, n: usize) -> io::Result<()> {
        socket2::Socket::set_send_buffer_size(self, n)
    }
    fn recv_buffer_size(&self) -> io::Result<usize> {
        socket2::Socket::recv_buffer_size(self)
    }
    fn send_buffer_size(&self) -> io::Result<usize> {
        socket2::Socket::send_buffer_size(self)
    }
    fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        socket2::Socket::set_ttl(self, ttl)
    }
    fn set_unicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        socket2::Socket::set_unicast_hops_v6(self, hops)
    }
    fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        socket2::Socket::set_multicast_ttl_v4(self, ttl)
    }
    fn set_multicast_hops_v6(&self, hops: u32) -> io::Result<()> {
        socket2::Socket::set_multicast_hops_v6(self, hops)
    }
    fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        socket2::Socket::set_multicast_loop_v4(self, on)
    }
    fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        socket2::Socket::set_multicast_loop_v6(self, on)
    }
    fn set_multicast_if_v4(&self, addr: &Ipv4Addr) -> io::Result<()> {
        socket2::Socket::set_multicast_if_v4(self, addr)
    }
    fn set_multicast_if_v6(&self, index: u32) -> io::Result<()> {
        socket2::Socket::set_multicast_if_v6(self, index)
    }
    fn membership_v4(&self, join: bool, group: &Ipv4Addr, iface: &Ipv4Addr) -> io::Result<()> {
        if join {
            self.join_multicast_v4(group, iface)
        } else {
            self.leave_multicast_v4(group, iface)
        }
    }
    fn source_membership_v4(
        &self,
        join: bool,
        source: &Ipv4Addr,
        group: &Ipv4Addr,
        iface: &Ipv4Addr,
    ) -> io::Result<()> {
        if join {
            self.join_ssm_v4(source, group, iface)
        } else {
            self.leave_ssm_v4(source, group, iface)
        }
    }
    fn membership_v6(&self, join: bool, group: &Ipv6Addr, index: u32) -> io::Result<()> {
        if join {
            self.join_multicast_v6(group, index)
        } else {
            self.leave_multicast_v6(group, index)
        }
    }
    fn source_membership_v6(&self, join: bool, source: Ipv6Addr, group: Ipv6Addr, index: u32) -> io::Result<()> {
        super::source_group_v6(self.raw(), join, index, group, source)
    }
    fn send_gather(&self, bufs: &[&[u8]], to: Option<&SocketAddr>) -> io::Result<usize> {
        super::send_gather(self.raw(), bufs, to)
    }
    fn send_segmented(&self, bufs: &[&[u8]], segment: u16, to: Option<&SocketAddr>) -> io::Result<usize> {
        super::send_segmented(self.raw(), bufs, segment, to)
    }
    fn send_many(&self, msgs: &[(&[u8], Option<SocketAddr>)]) -> io::Result<usize> {
        super::send_many(self.raw(), msgs)
    }
}
