//! Addresses as the command line writes them: `[ADDRESS:]PORT`, `HOST:PORT`, `GROUP[%IFACE]`,
//! with IPv6 addresses in brackets (`[::1]:41234`), and how they are printed back.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

use node_dgram::{Family, SocketType};

/// `[ADDRESS:]PORT`: where `listen`, `echo` and `send --bind` bind. Port 0 picks a free port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddr {
    /// The address or host name; `None`: all interfaces.
    pub host: Option<Host>,
    /// The port (0: a free one).
    pub port: u16,
}

/// `HOST:PORT`: where `send` sends. The port is never 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The destination.
    pub host: Host,
    /// The port, 1 to 65535.
    pub port: u16,
}

/// A host as written: an IP literal (IPv6 possibly with a `%zone`) or a name to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// An IP address; `text` keeps the zone of a scoped IPv6 address (`fe80::1%eth0`).
    Ip {
        /// The address.
        ip: IpAddr,
        /// The address as given, without brackets (what node-dgram is handed).
        text: String,
    },
    /// A host name, resolved by the socket with its own family.
    Name(String),
}

impl Host {
    /// What node-dgram takes: the literal without brackets, or the name.
    pub fn as_str(&self) -> &str {
        match self {
            Host::Ip { text, .. } => text,
            Host::Name(n) => n,
        }
    }

    /// The family the host implies: `Some` for an IP literal, `None` for a name.
    pub fn family(&self) -> Option<Family> {
        match self {
            Host::Ip { ip, .. } => Some(Family::of(ip)),
            Host::Name(_) => None,
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip { ip: IpAddr::V6(_), text } => write!(f, "[{text}]"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Parses a host without port: `127.0.0.1`, `::1`, `fe80::1%eth0`, `localhost`.
fn parse_host(s: &str) -> Result<Host, String> {
    if s.is_empty() {
        return Err("the address is empty".into());
    }
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(Host::Ip { ip, text: s.to_owned() });
    }
    if let Some((addr, zone)) = s.split_once('%') {
        if let Ok(ip) = addr.parse::<std::net::Ipv6Addr>() {
            if zone.is_empty() || !zone.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b)) {
                return Err(format!("bad IPv6 zone in {s:?}"));
            }
            return Ok(Host::Ip { ip: IpAddr::V6(ip), text: s.to_owned() });
        }
    }
    if s.contains(':') {
        return Err(format!("{s:?} is not an IP address (IPv6 addresses are written in brackets: [::1]:PORT)"));
    }
    let valid_name = s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid_name {
        return Err(format!("{s:?} is neither an IP address nor a host name"));
    }
    Ok(Host::Name(s.to_owned()))
}

/// Parses a port: digits only, within `min..=65535`.
fn parse_port(s: &str, min: u16) -> Result<u16, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a port number"));
    }
    match s.parse::<u32>() {
        Ok(p) if p >= u32::from(min) && p <= 65535 => Ok(p as u16),
        _ => Err(format!("port {s} is out of range ({min} to 65535)")),
    }
}

/// Splits `HOST:PORT` / `[IPV6]:PORT` into host text and port text; `None` when there is no
/// host part.
fn split_host_port(s: &str) -> Result<Option<(&str, &str)>, String> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| "missing ']'".to_string())?;
        let port = after.strip_prefix(':').ok_or_else(|| "missing ':PORT' after ']'".to_string())?;
        if !host.contains(':') {
            return Err("brackets are for IPv6 addresses only".into());
        }
        return Ok(Some((host, port)));
    }
    match s.rsplit_once(':') {
        None => Ok(None),
        Some((host, _)) if host.contains(':') => Err("IPv6 addresses are written in brackets, e.g. [::1]:41234".into()),
        Some((host, port)) => Ok(Some((host, port))),
    }
}

/// clap's parser for `[ADDRESS:]PORT`.
pub fn parse_bind_addr(s: &str) -> Result<BindAddr, String> {
    match split_host_port(s)? {
        None => Ok(BindAddr { host: None, port: parse_port(s, 0)? }),
        Some((host, port)) => Ok(BindAddr { host: Some(parse_host(host)?), port: parse_port(port, 0)? }),
    }
}

/// clap's parser for `HOST:PORT`.
pub fn parse_target(s: &str) -> Result<Target, String> {
    match split_host_port(s)? {
        None => Err("expected HOST:PORT, e.g. 127.0.0.1:41234 or [::1]:41234".into()),
        Some((host, port)) => Ok(Target { host: parse_host(host)?, port: parse_port(port, 1)? }),
    }
}

/// clap's parser for a plain IP address (`--source`).
pub fn parse_ip(s: &str) -> Result<IpAddr, String> {
    s.parse::<IpAddr>().map_err(|_| format!("{s:?} is not an IP address"))
}

/// `GROUP[%IFACE]` of `--group`: a multicast group and the interface to join it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The multicast address.
    pub group: IpAddr,
    /// The interface as given: an IPv4 address, a name (`eth0`) or an index (`2`).
    pub iface: Option<String>,
}

/// clap's parser for `GROUP[%IFACE]`.
pub fn parse_group(s: &str) -> Result<Group, String> {
    let (group, iface) = match s.split_once('%') {
        Some((g, i)) if !i.is_empty() => (g, Some(i.to_owned())),
        Some(_) => return Err("nothing after '%' (GROUP%IFACE)".into()),
        None => (s, None),
    };
    let group = group.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = group.parse().map_err(|_| format!("{group:?} is not an IP address"))?;
    if !ip.is_multicast() {
        return Err(format!("{ip} is not a multicast address (224.0.0.0/4 or ff00::/8)"));
    }
    Ok(Group { group: ip, iface })
}

/// The IPv4 address of the interface called `name`, for IPv4 multicast calls that take an
/// interface by address.
#[cfg(unix)]
pub fn interface_ipv4(name: &str) -> Option<Ipv4Addr> {
    nix::ifaddrs::getifaddrs()
        .ok()?
        .filter(|i| i.interface_name == name)
        .find_map(|i| i.address.and_then(|a| a.as_sockaddr_in().map(|s| s.ip())))
}

/// Windows: interface names are not looked up (no `getifaddrs` there; give the interface's
/// IPv4 address instead).
#[cfg(windows)]
pub fn interface_ipv4(_name: &str) -> Option<Ipv4Addr> {
    None
}

/// What node-dgram's multicast calls take as the interface for a socket of `family`: for IPv4
/// an interface address (a name is turned into its address), for IPv6 `::%NAME` / `::%INDEX`.
pub fn multicast_interface(family: Family, iface: &str) -> Result<String, String> {
    match family {
        Family::IPv4 => {
            if iface.parse::<Ipv4Addr>().is_ok() {
                Ok(iface.to_owned())
            } else {
                interface_ipv4(iface)
                    .map(|a| a.to_string())
                    .ok_or_else(|| format!("{iface:?} is neither an IPv4 address nor an interface with one"))
            }
        }
        Family::IPv6 => {
            if iface.contains(':') {
                // Already `::%eth0` or `fe80::1%eth0`: node-dgram takes the scope.
                Ok(iface.to_owned())
            } else {
                Ok(format!("::%{iface}"))
            }
        }
    }
}

/// Picks `udp4` or `udp6`: `--udp6`, or the family of the IP literals given; a usage error
/// when they disagree.
pub fn socket_type(udp6: bool, literals: &[(&str, Option<Family>)]) -> Result<SocketType, String> {
    let mut family = udp6.then_some(Family::IPv6);
    let mut from: Option<&str> = udp6.then_some("--udp6");
    for (what, f) in literals {
        let Some(f) = f else { continue };
        match family {
            Some(have) if have != *f => {
                return Err(format!(
                    "{what} is an {f} address but {} asks for {have}",
                    from.unwrap_or("another address")
                ));
            }
            _ => {
                family = Some(*f);
                from = Some(what);
            }
        }
    }
    Ok(match family {
        Some(Family::IPv6) => SocketType::Udp6,
        _ => SocketType::Udp4,
    })
}

/// `ADDRESS:PORT` with IPv6 in brackets (`127.0.0.1:41234`, `[::1]:41234`, `[fe80::1%eth0]:5`).
pub fn fmt_endpoint(address: &str, port: u16) -> String {
    if address.contains(':') {
        format!("[{address}]:{port}")
    } else {
        format!("{address}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_addresses() {
        assert_eq!(parse_bind_addr("41234").unwrap(), BindAddr { host: None, port: 41234 });
        assert_eq!(parse_bind_addr("0").unwrap().port, 0);
        let a = parse_bind_addr("127.0.0.1:5").unwrap();
        assert_eq!(a.host.unwrap().as_str(), "127.0.0.1");
        let a = parse_bind_addr("[::1]:5").unwrap();
        assert_eq!(a.host.as_ref().unwrap().as_str(), "::1");
        assert_eq!(a.host.unwrap().to_string(), "[::1]");
        assert_eq!(parse_bind_addr("[fe80::1%eth0]:5").unwrap().host.unwrap().as_str(), "fe80::1%eth0");
        assert_eq!(parse_bind_addr("localhost:7").unwrap().host.unwrap(), Host::Name("localhost".into()));
        assert!(parse_bind_addr("::1:5").unwrap_err().contains("brackets"));
        assert!(parse_bind_addr("65536").is_err());
        assert!(parse_bind_addr("-1").is_err());
        assert!(parse_bind_addr("x").is_err());
        assert!(parse_bind_addr("[127.0.0.1]:5").is_err());
        assert!(parse_bind_addr("[::1]5").is_err());
        assert!(parse_bind_addr("bad host:5").is_err());
        assert!(parse_bind_addr(":5").is_err());
    }

    #[test]
    fn targets() {
        let t = parse_target("127.0.0.1:41234").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 41234));
        assert_eq!(parse_target("[::1]:9").unwrap().host.family(), Some(Family::IPv6));
        assert!(parse_target("41234").is_err());
        assert!(parse_target("127.0.0.1:0").is_err());
        assert!(parse_target("127.0.0.1:").is_err());
    }

    #[test]
    fn groups() {
        let g = parse_group("239.1.2.3%eth0").unwrap();
        assert_eq!(g.group.to_string(), "239.1.2.3");
        assert_eq!(g.iface.as_deref(), Some("eth0"));
        assert_eq!(parse_group("ff02::114").unwrap().iface, None);
        assert!(parse_group("10.0.0.1").unwrap_err().contains("not a multicast"));
        assert!(parse_group("239.1.2.3%").is_err());
        assert_eq!(multicast_interface(Family::IPv6, "eth0").unwrap(), "::%eth0");
        assert_eq!(multicast_interface(Family::IPv4, "198.51.100.1").unwrap(), "198.51.100.1");
        assert_eq!(multicast_interface(Family::IPv4, "lo").unwrap(), "127.0.0.1");
    }

    #[test]
    fn families() {
        assert_eq!(socket_type(false, &[]).unwrap(), SocketType::Udp4);
        assert_eq!(socket_type(true, &[]).unwrap(), SocketType::Udp6);
        assert_eq!(socket_type(false, &[("x", Some(Family::IPv6))]).unwrap(), SocketType::Udp6);
        assert!(socket_type(true, &[("127.0.0.1", Some(Family::IPv4))]).is_err());
        assert!(socket_type(false, &[("a", Some(Family::IPv4)), ("b", Some(Family::IPv6))]).is_err());
    }

    #[test]
    fn endpoints() {
        assert_eq!(fmt_endpoint("127.0.0.1", 5), "127.0.0.1:5");
        assert_eq!(fmt_endpoint("::", 5), "[::]:5");
    }
}
