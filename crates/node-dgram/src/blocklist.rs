//! Node's `net.BlockList`: rules that block IP addresses, ranges and subnets.
//!
//! Every address and every rule is normalised to a range of `u128` over the IPv6 space, with
//! IPv4 mapped to `::ffff:0:0/96`. An IPv4 address therefore matches a rule written for its
//! IPv4-mapped IPv6 form and the other way round, as in Node. The rules are also kept merged in a
//! sorted list of disjoint ranges, so [`BlockList::check_ip`] is a binary search that does not
//! allocate.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::error::Error;

/// Where IPv4 lives in the IPv6 space: `::ffff:0:0/96`.
const IPV4_MAPPED: u128 = 0xffff << 32;

/// Node's `net.BlockList`: a set of rules blocking IP addresses, ranges and subnets.
///
/// Clones are cheap and share the same rules, as a JavaScript object passed by reference does:
/// rules added after a socket was given the list apply to that socket too.
///
/// An IPv4 address matches a rule given as its IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) and
/// the other way round. One difference from Node, on purpose: an IPv6 range that contains
/// IPv4-mapped addresses (`::` to `::ffff:ffff:ffff`) blocks the IPv4 addresses it contains;
/// Node blocks them only when both ends of the range are IPv4-mapped.
///
/// | Node | Rust |
/// | --- | --- |
/// | `new net.BlockList()` | [`BlockList::new`] |
/// | `blockList.addAddress(address[, family])` | [`BlockList::add_address`] (family from the literal) |
/// | `blockList.addRange(start, end[, family])` | [`BlockList::add_range`] |
/// | `blockList.addSubnet(net, prefix[, family])` | [`BlockList::add_subnet`] |
/// | `blockList.check(address[, family])` | [`BlockList::check`], [`BlockList::check_ip`] |
/// | `blockList.rules` | [`BlockList::rules`] |
///
/// ```
/// use node_dgram::BlockList;
///
/// let block_list = BlockList::new();
/// block_list.add_address("123.123.123.123").unwrap();
/// block_list.add_range("10.0.0.1", "10.0.0.10").unwrap();
/// block_list.add_subnet("8592:757c:efae:4e45::", 64).unwrap();
///
/// assert!(block_list.check("123.123.123.123"));
/// assert!(block_list.check("10.0.0.3"));
/// assert!(!block_list.check("222.111.111.222"));
///
/// // IPv6 notation for IPv4 addresses works:
/// assert!(block_list.check("::ffff:7b7b:7b7b"));
/// assert!(block_list.check("::ffff:123.123.123.123"));
///
/// // Clones share the rules.
/// let shared = block_list.clone();
/// block_list.add_address("1.1.1.1").unwrap();
/// assert!(shared.check("1.1.1.1"));
/// ```
#[derive(Clone, Default)]
pub struct BlockList {
    inner: Arc<RwLock<Rules>>,
}

#[derive(Default)]
struct Rules {
    /// The rules in the order they were added (oldest first).
    list: Vec<Rule>,
    /// The union of the rules: disjoint, non-adjacent inclusive ranges sorted by start.
    merged: Vec<(u128, u128)>,
}

#[derive(Debug, Clone, Copy)]
enum Rule {
    Address(IpAddr),
    Range(IpAddr, IpAddr),
    Subnet(IpAddr, u8),
}

impl BlockList {
    /// An empty block list (`new net.BlockList()`).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::BlockList;
    /// let block_list = BlockList::new();
    /// assert!(block_list.rules().is_empty());
    /// assert!(!block_list.check("127.0.0.1"));
    /// ```
    ///
    /// [Node: `net.BlockList`](https://nodejs.org/api/net.html#class-netblocklist)
    ///
    /// # Errors
    ///
    /// None.
    pub fn new() -> BlockList {
        BlockList::default()
    }

    /// Blocks one address (`blockList.addAddress(address[, family])`).
    ///
    /// The family is the literal's: IPv4 (`10.0.0.1`) or IPv6 (`2001:db8::1`, which may carry a
    /// `%zone`, ignored). Anything else is `ERR_INVALID_ADDRESS`.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::BlockList;
    /// let block_list = BlockList::new();
    /// block_list.add_address("10.0.0.1").unwrap();
    /// block_list.add_address("2001:db8::1").unwrap();
    /// assert!(block_list.check("10.0.0.1"));
    /// assert!(block_list.check("::ffff:10.0.0.1"));
    /// assert!(!block_list.check("10.0.0.2"));
    ///
    /// let err = block_list.add_address("x").unwrap_err();
    /// assert_eq!(err.code(), "ERR_INVALID_ADDRESS");
    /// assert_eq!(err.message(), "Invalid socket address");
    /// ```
    ///
    /// [Node: `blockList.addAddress`](https://nodejs.org/api/net.html#blocklistaddaddressaddress-type)
    ///
    /// # Errors
    ///
    /// `ERR_INVALID_ADDRESS` for text that is no IP address.
    pub fn add_address(&self, address: &str) -> Result<(), Error> {
        let ip = parse_address(address)?;
        self.push(Rule::Address(ip));
        Ok(())
    }

    /// Blocks the addresses from `start` to `end`, both included
    /// (`blockList.addRange(start, end[, family])`).
    ///
    /// Both must be addresses (else `ERR_INVALID_ADDRESS`) of the same family (else
    /// `ERR_INVALID_ARG_VALUE`), and `start` must not come after `end` (else Node's
    /// `ERR_INVALID_ARG_VALUE`, "The argument 'start' must come before end").
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::BlockList;
    /// let block_list = BlockList::new();
    /// block_list.add_range("10.0.1.1", "10.0.1.10").unwrap();
    /// assert!(block_list.check("10.0.1.5"));
    /// assert!(!block_list.check("10.0.1.11"));
    ///
    /// let err = block_list.add_range("10.0.0.9", "10.0.0.1").unwrap_err();
    /// assert_eq!(err.code(), "ERR_INVALID_ARG_VALUE");
    /// assert_eq!(
    ///     err.message(),
    ///     "The argument 'start' must come before end. Received SocketAddress { address: '10.0.0.9', \
    ///      port: 0, family: 'ipv4', flowlabel: 0 }"
    /// );
    /// ```
    ///
    /// [Node: `blockList.addRange`](https://nodejs.org/api/net.html#blocklistaddrangestart-end-type)
    ///
    /// # Errors
    ///
    /// `ERR_INVALID_ADDRESS` for a bad address, `ERR_INVALID_ARG_VALUE` when `start` is after `end`.
    pub fn add_range(&self, start: &str, end: &str) -> Result<(), Error> {
        let start = parse_address(start)?;
        let end = parse_address(end)?;
        if start.is_ipv4() != end.is_ipv4() {
            return Err(Error::invalid_arg_value("end", &inspect(end), "must be of the same family as start"));
        }
        if key(start) > key(end) {
            return Err(Error::invalid_arg_value("start", &inspect(start), "must come before end"));
        }
        self.push(Rule::Range(start, end));
        Ok(())
    }

    /// Blocks the subnet `network/prefix` (`blockList.addSubnet(net, prefix[, family])`).
    ///
    /// `prefix` may be 0 to 32 for an IPv4 network and 0 to 128 for an IPv6 one (else
    /// `ERR_OUT_OF_RANGE`); the bits of `network` past the prefix are ignored when matching but
    /// kept in [`rules`](BlockList::rules), as Node does.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{BlockList, ErrorClass};
    /// let block_list = BlockList::new();
    /// block_list.add_subnet("10.2.0.0", 16).unwrap();
    /// block_list.add_subnet("2001:db8:1::", 48).unwrap();
    /// assert!(block_list.check("10.2.3.4"));
    /// assert!(block_list.check("2001:db8:1:2::5"));
    /// assert!(!block_list.check("10.3.0.0"));
    ///
    /// let err = block_list.add_subnet("10.0.0.0", 33).unwrap_err();
    /// assert_eq!(err.class(), ErrorClass::RangeError);
    /// assert_eq!(err.message(), "The value of \"prefix\" is out of range. It must be >= 0 && <= 32. Received 33");
    /// ```
    ///
    /// [Node: `blockList.addSubnet`](https://nodejs.org/api/net.html#blocklistaddsubnetnet-prefix-type)
    ///
    /// # Errors
    ///
    /// `ERR_INVALID_ADDRESS` for a bad network, `ERR_OUT_OF_RANGE` for a prefix beyond 32 (IPv4) or 128 (IPv6).
    pub fn add_subnet(&self, network: &str, prefix: u8) -> Result<(), Error> {
        let ip = parse_address(network)?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(Error::out_of_range("prefix", &format!(">= 0 && <= {max}"), &prefix.to_string()));
        }
        self.push(Rule::Subnet(ip, prefix));
        Ok(())
    }

    /// Whether a rule blocks `address` (`blockList.check(address[, family])`).
    ///
    /// The family is the literal's; an IPv6 `%zone` is ignored. A string that is not an IP
    /// address is not blocked (`false`), as in Node.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::BlockList;
    /// let block_list = BlockList::new();
    /// block_list.add_address("::ffff:10.9.9.9").unwrap();
    /// assert!(block_list.check("10.9.9.9"));
    /// assert!(block_list.check("::ffff:10.9.9.9"));
    /// assert!(!block_list.check("not an address"));
    /// ```
    ///
    /// [Node: `blockList.check`](https://nodejs.org/api/net.html#blocklistcheckaddress-type)
    ///
    /// # Errors
    ///
    /// None.
    pub fn check(&self, address: &str) -> bool {
        parse_ip(address).is_some_and(|ip| self.check_ip(ip))
    }

    /// Whether a rule blocks `ip`: the check made for every received datagram.
    ///
    /// A binary search over the merged rules under a read lock; it does not allocate.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::BlockList;
    /// use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    /// let block_list = BlockList::new();
    /// block_list.add_subnet("192.168.0.0", 16).unwrap();
    /// assert!(block_list.check_ip(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 1))));
    /// assert!(block_list.check_ip(IpAddr::V6(Ipv4Addr::new(192, 168, 1, 1).to_ipv6_mapped())));
    /// assert!(!block_list.check_ip(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn check_ip(&self, ip: IpAddr) -> bool {
        let k = key(ip);
        let rules = self.inner.read();
        let merged = &rules.merged;
        // The first range starting after `k`; only the one before it can hold `k`.
        let i = merged.partition_point(|&(lo, _)| lo <= k);
        i > 0 && merged[i - 1].1 >= k
    }

    /// The rules as Node lists them in `blockList.rules`, newest first.
    ///
    /// `Address: IPv4 10.0.0.1`, `Range: IPv4 10.0.1.1-10.0.1.10`, `Subnet: IPv6 2001:db8:1::/48`;
    /// addresses are written as libuv writes them (`::ffff:10.9.9.9`, lower-case hex, the longest
    /// run of zero groups compressed).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::BlockList;
    /// let block_list = BlockList::new();
    /// block_list.add_address("10.0.0.1").unwrap();
    /// block_list.add_range("10.0.1.1", "10.0.1.10").unwrap();
    /// block_list.add_subnet("2001:DB8:1:0::", 48).unwrap();
    /// assert_eq!(
    ///     block_list.rules(),
    ///     ["Subnet: IPv6 2001:db8:1::/48", "Range: IPv4 10.0.1.1-10.0.1.10", "Address: IPv4 10.0.0.1"]
    /// );
    /// ```
    ///
    /// [Node: `blockList.rules`](https://nodejs.org/api/net.html#blocklistrules)
    ///
    /// # Errors
    ///
    /// None.
    pub fn rules(&self) -> Vec<String> {
        self.inner.read().list.iter().rev().map(Rule::to_string).collect()
    }

    fn push(&self, rule: Rule) {
        let mut rules = self.inner.write();
        rules.list.push(rule);
        let range = rule.bounds();
        let merged = &mut rules.merged;
        merged.insert(merged.partition_point(|&(lo, _)| lo < range.0), range);
        // Re-merge: overlapping or adjacent ranges become one.
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(merged.len());
        for &(lo, hi) in merged.iter() {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        *merged = out;
    }
}

impl fmt::Debug for BlockList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockList").field("rules", &self.rules()).finish()
    }
}

impl Rule {
    /// The inclusive `u128` range the rule covers.
    fn bounds(self) -> (u128, u128) {
        match self {
            Rule::Address(ip) => (key(ip), key(ip)),
            Rule::Range(start, end) => (key(start), key(end)),
            Rule::Subnet(ip, prefix) => {
                let prefix = u32::from(prefix) + if ip.is_ipv4() { 96 } else { 0 };
                let host = u128::MAX.checked_shr(prefix).unwrap_or(0);
                let lo = key(ip) & !host;
                (lo, lo | host)
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Rule::Address(ip) => write!(f, "Address: {} {}", family(ip), UvIp(ip)),
            Rule::Range(start, end) => write!(f, "Range: {} {}-{}", family(start), UvIp(start), UvIp(end)),
            Rule::Subnet(ip, prefix) => write!(f, "Subnet: {} {}/{prefix}", family(ip), UvIp(ip)),
        }
    }
}

/// The address as a point of the IPv6 space, IPv4 mapped to `::ffff:0:0/96`.
fn key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => IPV4_MAPPED | u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Parses an IP literal as Node's `SocketAddress` does: IPv4, or IPv6 with an optional `%zone`
/// (which may be empty, and is ignored here). Does not allocate.
fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    let (addr, _zone) = s.split_once('%')?;
    addr.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

fn parse_address(s: &str) -> Result<IpAddr, Error> {
    parse_ip(s).ok_or_else(Error::invalid_address)
}

fn family(ip: IpAddr) -> &'static str {
    if ip.is_ipv4() {
        "IPv4"
    } else {
        "IPv6"
    }
}

/// How Node's `util.inspect` shows the `SocketAddress` of `ip` in error messages.
fn inspect(ip: IpAddr) -> String {
    let family = if ip.is_ipv4() { "ipv4" } else { "ipv6" };
    format!("SocketAddress {{ address: '{}', port: 0, family: '{family}', flowlabel: 0 }}", UvIp(ip))
}

/// An address written as libuv's `uv_inet_ntop` writes it (what Node shows).
///
/// Differs from Rust's `Display` for IPv6: libuv writes the last 32 bits dotted when the address
/// is IPv4-compatible (`::1.2.3.4`, `::1.2.0.0`) as well as IPv4-mapped.
struct UvIp(IpAddr);

impl fmt::Display for UvIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => fmt_ipv6(v6, f),
        }
    }
}

fn fmt_ipv6(ip: Ipv6Addr, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let words = ip.segments();
    // The longest run of zero groups (the first on a tie), compressed only when 2 or longer.
    let (mut base, mut len) = (0, 0);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > len {
                (base, len) = (start, i - start);
            }
        } else {
            i += 1;
        }
    }
    let run = if len >= 2 { Some(base..base + len) } else { None };
    for (i, word) in words.iter().enumerate() {
        if let Some(run) = &run {
            if run.contains(&i) {
                if i == run.start {
                    f.write_char(':')?;
                }
                continue;
            }
        }
        if i != 0 {
            f.write_char(':')?;
        }
        if i == 6 && base == 0 && (len == 6 || (len == 5 && words[5] == 0xffff)) {
            let [.., a, b, c, d] = ip.octets();
            return write!(f, "{}", Ipv4Addr::new(a, b, c, d));
        }
        write!(f, "{word:x}")?;
    }
    if run.is_some_and(|run| run.end == 8) {
        f.write_char(':')?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn uv(s: &str) -> String {
        UvIp(parse_ip(s).unwrap()).to_string()
    }

    /// The list of Node's example, built as Node 24 was given it.
    fn node_example() -> BlockList {
        let b = BlockList::new();
        b.add_address("10.0.0.1").unwrap();
        b.add_range("10.0.1.1", "10.0.1.10").unwrap();
        b.add_subnet("10.2.0.0", 16).unwrap();
        b.add_address("2001:db8::1").unwrap();
        b.add_subnet("2001:db8:1::", 48).unwrap();
        b.add_address("::ffff:10.9.9.9").unwrap();
        b
    }

    #[test]
    fn node_rules_newest_first() {
        assert_eq!(
            node_example().rules(),
            [
                "Address: IPv6 ::ffff:10.9.9.9",
                "Subnet: IPv6 2001:db8:1::/48",
                "Address: IPv6 2001:db8::1",
                "Subnet: IPv4 10.2.0.0/16",
                "Range: IPv4 10.0.1.1-10.0.1.10",
                "Address: IPv4 10.0.0.1",
            ]
        );
    }

    #[test]
    fn node_checks() {
        let b = node_example();
        assert!(b.check("10.0.0.1"));
        assert!(!b.check("10.0.0.2"));
        assert!(b.check("10.0.1.5"));
        assert!(b.check("10.2.3.4"));
        assert!(b.check("::ffff:10.0.0.1"));
        assert!(b.check("::ffff:10.2.3.4"));
        assert!(b.check("10.9.9.9"));
        assert!(b.check("2001:db8::1"));
        assert!(b.check("2001:db8:1:2::5"));
        // And a few that are not blocked.
        assert!(!b.check("10.0.1.0"));
        assert!(!b.check("10.0.1.11"));
        assert!(!b.check("10.3.0.0"));
        assert!(!b.check("2001:db8::2"));
        assert!(!b.check("2001:db8:2::"));
        assert!(!b.check("::ffff:10.0.0.2"));
        assert!(!b.check("::10.0.0.1"), "IPv4-compatible is not IPv4-mapped");
    }

    #[test]
    fn node_range_order_error() {
        let e = BlockList::new().add_range("10.0.0.9", "10.0.0.1").unwrap_err();
        assert_eq!(e.class(), ErrorClass::TypeError);
        assert_eq!(e.code(), "ERR_INVALID_ARG_VALUE");
        assert_eq!(
            e.message(),
            "The argument 'start' must come before end. Received SocketAddress { address: '10.0.0.9', port: 0, \
             family: 'ipv4', flowlabel: 0 }"
        );
        let e = BlockList::new().add_range("2001:db8::9", "2001:db8::1").unwrap_err();
        assert_eq!(
            e.message(),
            "The argument 'start' must come before end. Received SocketAddress { address: '2001:db8::9', port: 0, \
             family: 'ipv6', flowlabel: 0 }"
        );
    }

    #[test]
    fn node_prefix_errors() {
        let e = BlockList::new().add_subnet("10.0.0.0", 33).unwrap_err();
        assert_eq!(e.class(), ErrorClass::RangeError);
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        assert_eq!(e.message(), "The value of \"prefix\" is out of range. It must be >= 0 && <= 32. Received 33");
        let e = BlockList::new().add_subnet("::", 129).unwrap_err();
        assert_eq!(e.message(), "The value of \"prefix\" is out of range. It must be >= 0 && <= 128. Received 129");
        // The address is checked first, as in Node.
        assert_eq!(BlockList::new().add_subnet("x", 200).unwrap_err().code(), "ERR_INVALID_ADDRESS");
    }

    #[test]
    fn invalid_addresses() {
        let b = BlockList::new();
        for bad in ["x", "", " 1.2.3.4", "010.0.0.1", "1.2.3.4%eth0", "1.2.3", "::g", "[::1]"] {
            let e = b.add_address(bad).unwrap_err();
            assert_eq!(e.class(), ErrorClass::Error, "{bad:?}");
            assert_eq!(e.code(), "ERR_INVALID_ADDRESS", "{bad:?}");
            assert_eq!(e.message(), "Invalid socket address", "{bad:?}");
            assert_eq!(b.add_range(bad, "1.2.3.4").unwrap_err().code(), "ERR_INVALID_ADDRESS");
            assert_eq!(b.add_range("1.2.3.4", bad).unwrap_err().code(), "ERR_INVALID_ADDRESS");
            assert!(!b.check(bad));
        }
        assert!(b.rules().is_empty(), "failed adds add nothing");
    }

    #[test]
    fn mixed_family_range() {
        let e = BlockList::new().add_range("10.0.0.1", "::ffff:10.0.0.5").unwrap_err();
        assert_eq!(e.class(), ErrorClass::TypeError);
        assert_eq!(e.code(), "ERR_INVALID_ARG_VALUE");
        assert_eq!(
            e.message(),
            "The argument 'end' must be of the same family as start. Received SocketAddress { address: \
             '::ffff:10.0.0.5', port: 0, family: 'ipv6', flowlabel: 0 }"
        );
    }

    #[test]
    fn empty_list() {
        let b = BlockList::new();
        assert!(b.rules().is_empty());
        for a in ["0.0.0.0", "255.255.255.255", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:1.2.3.4"] {
            assert!(!b.check(a), "{a}");
        }
        assert_eq!(format!("{b:?}"), "BlockList { rules: [] }");
    }

    #[test]
    fn zones_are_ignored() {
        let b = BlockList::new();
        b.add_address("fe80::1%eth0").unwrap();
        b.add_address("fe80::2%").unwrap(); // Node accepts an empty zone too.
        assert_eq!(b.rules(), ["Address: IPv6 fe80::2", "Address: IPv6 fe80::1"]);
        assert!(b.check("fe80::1"));
        assert!(b.check("fe80::1%lo"));
        assert!(b.check("fe80::2%7"));
        assert!(!b.check("fe80::3%lo"));
    }

    #[test]
    fn ipv4_subnets_edges() {
        let b = BlockList::new();
        b.add_subnet("10.0.0.1", 32).unwrap();
        assert!(b.check("10.0.0.1"));
        assert!(b.check("::ffff:10.0.0.1"));
        assert!(!b.check("10.0.0.0"));
        assert!(!b.check("10.0.0.2"));
        assert!(!b.check("::ffff:10.0.0.2"));

        // /0 covers all of IPv4 (and its mapped form) but no other IPv6 address, as in Node.
        let b = BlockList::new();
        b.add_subnet("10.0.0.0", 0).unwrap();
        assert_eq!(b.rules(), ["Subnet: IPv4 10.0.0.0/0"]);
        assert!(b.check("0.0.0.0"));
        assert!(b.check("1.2.3.4"));
        assert!(b.check("255.255.255.255"));
        assert!(b.check("::ffff:1.2.3.4"));
        assert!(!b.check("2001:db8::1"));
        assert!(!b.check("::"));
        assert!(!b.check("::1.2.3.4"));

        // Host bits of the network are ignored for matching but kept in the rule, as in Node.
        let b = BlockList::new();
        b.add_subnet("10.2.3.4", 16).unwrap();
        assert_eq!(b.rules(), ["Subnet: IPv4 10.2.3.4/16"]);
        assert!(b.check("10.2.0.0"));
        assert!(b.check("10.2.255.255"));
        assert!(!b.check("10.1.255.255"));
        assert!(!b.check("10.3.0.0"));

        let b = BlockList::new();
        b.add_subnet("192.168.1.128", 25).unwrap();
        assert!(!b.check("192.168.1.127"));
        assert!(b.check("192.168.1.128"));
        assert!(b.check("192.168.1.255"));
        assert!(!b.check("192.168.2.0"));
    }

    #[test]
    fn ipv6_subnets_edges() {
        let b = BlockList::new();
        b.add_subnet("2001:db8::1", 128).unwrap();
        assert!(b.check("2001:db8::1"));
        assert!(!b.check("2001:db8::"));
        assert!(!b.check("2001:db8::2"));

        // ::/0 covers everything, IPv4 included (through its mapped form), as in Node.
        let b = BlockList::new();
        b.add_subnet("::", 0).unwrap();
        assert_eq!(b.rules(), ["Subnet: IPv6 ::/0"]);
        assert!(b.check("::"));
        assert!(b.check("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        assert!(b.check("1.2.3.4"));
        assert!(b.check("2001:db8::1"));

        // A subnet over the mapped space matches IPv4 addresses.
        let b = BlockList::new();
        b.add_subnet("::ffff:10.0.0.0", 104).unwrap();
        assert!(b.check("10.1.2.3"));
        assert!(b.check("::ffff:10.255.255.255"));
        assert!(!b.check("11.0.0.0"));

        let b = BlockList::new();
        b.add_subnet("2001:db8:1:8000::", 49).unwrap();
        assert!(!b.check("2001:db8:1:7fff:ffff:ffff:ffff:ffff"));
        assert!(b.check("2001:db8:1:8000::"));
        assert!(b.check("2001:db8:1:ffff:ffff:ffff:ffff:ffff"));
        assert!(!b.check("2001:db8:2::"));
    }

    #[test]
    fn ranges() {
        let b = BlockList::new();
        b.add_range("10.0.0.1", "10.0.0.1").unwrap(); // start == end is allowed
        b.add_range("2001:db8::10", "2001:db8::1:0").unwrap();
        b.add_range("::ffff:1.0.0.0", "::ffff:2.0.0.0").unwrap();
        assert_eq!(
            b.rules(),
            [
                "Range: IPv6 ::ffff:1.0.0.0-::ffff:2.0.0.0",
                "Range: IPv6 2001:db8::10-2001:db8::1:0",
                "Range: IPv4 10.0.0.1-10.0.0.1",
            ]
        );
        assert!(b.check("10.0.0.1"));
        assert!(!b.check("10.0.0.0"));
        assert!(!b.check("10.0.0.2"));
        assert!(!b.check("2001:db8::f"));
        assert!(b.check("2001:db8::10"));
        assert!(b.check("2001:db8::ffff"));
        assert!(b.check("2001:db8::1:0"));
        assert!(!b.check("2001:db8::1:1"));
        assert!(b.check("1.2.3.4"));
        assert!(b.check("2.0.0.0"));
        assert!(!b.check("2.0.0.1"));
        assert!(!b.check("0.255.255.255"));

        // The whole spaces.
        let b = BlockList::new();
        b.add_range("0.0.0.0", "255.255.255.255").unwrap();
        assert!(b.check("0.0.0.0") && b.check("255.255.255.255") && b.check("::ffff:0.0.0.0"));
        assert!(!b.check("::") && !b.check("::1:0:0:0"));
        // An IPv6 range over the mapped space blocks IPv4 too (Node would not: its ends are not
        // both IPv4-mapped). See the type's documentation.
        let b = BlockList::new();
        b.add_range("::", "::ffff:ffff:ffff").unwrap();
        assert!(b.check("::ffff:1.2.3.4") && b.check("1.2.3.4"));
        let b = BlockList::new();
        b.add_range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").unwrap();
        assert!(b.check("::") && b.check("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") && b.check("8.8.8.8"));
    }

    #[test]
    fn merging_overlapping_and_adjacent_rules() {
        let b = BlockList::new();
        b.add_range("10.0.0.20", "10.0.0.30").unwrap();
        b.add_range("10.0.0.1", "10.0.0.10").unwrap();
        b.add_address("10.0.0.11").unwrap(); // adjacent to both neighbours once 12..19 is added
        b.add_range("10.0.0.12", "10.0.0.19").unwrap();
        b.add_range("10.0.0.5", "10.0.0.25").unwrap(); // overlapping
        b.add_address("10.0.0.50").unwrap();
        assert_eq!(b.inner.read().merged.len(), 2);
        assert_eq!(b.rules().len(), 6);
        for last in 1..=30 {
            assert!(b.check(&format!("10.0.0.{last}")), "{last}");
        }
        assert!(!b.check("10.0.0.0"));
        assert!(!b.check("10.0.0.31"));
        assert!(!b.check("10.0.0.49"));
        assert!(b.check("10.0.0.50"));
        assert!(!b.check("10.0.0.51"));
        // Duplicates stay as rules, as in Node.
        b.add_address("10.0.0.50").unwrap();
        assert_eq!(b.rules().len(), 7);
        assert_eq!(b.inner.read().merged.len(), 2);
    }

    #[test]
    fn merging_at_the_top_of_the_space() {
        let b = BlockList::new();
        b.add_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").unwrap();
        b.add_subnet("ffff::", 16).unwrap();
        b.add_address("::").unwrap();
        assert_eq!(b.inner.read().merged.len(), 2);
        assert!(b.check("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        assert!(b.check("ffff::"));
        assert!(b.check("::"));
        assert!(!b.check("::1"));
        assert!(!b.check("fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    }

    #[test]
    fn check_ip_matches_both_forms() {
        let b = BlockList::new();
        b.add_address("10.0.0.1").unwrap();
        let v4 = Ipv4Addr::new(10, 0, 0, 1);
        assert!(b.check_ip(IpAddr::V4(v4)));
        assert!(b.check_ip(IpAddr::V6(v4.to_ipv6_mapped())));
        assert!(!b.check_ip(IpAddr::V6(v4.to_ipv6_compatible())));
        assert!(!b.check_ip(ip("10.0.0.2")));
    }

    #[test]
    fn clones_share_rules() {
        let a = BlockList::new();
        let b = a.clone();
        b.add_address("1.1.1.1").unwrap();
        assert!(a.check("1.1.1.1"));
        assert_eq!(a.rules(), ["Address: IPv4 1.1.1.1"]);
        // A new list does not share.
        assert!(!BlockList::new().check("1.1.1.1"));
        let t = std::thread::spawn(move || b.add_subnet("2.0.0.0", 8));
        t.join().unwrap().unwrap();
        assert!(a.check("2.3.4.5"));
        assert_eq!(format!("{a:?}"), r#"BlockList { rules: ["Subnet: IPv4 2.0.0.0/8", "Address: IPv4 1.1.1.1"] }"#);
    }

    #[test]
    fn rules_write_addresses_as_libuv() {
        // What Node 20 printed for these (uv_inet_ntop).
        let cases = [
            ("::1.2.3.4", "::1.2.3.4"),
            ("::ffff:0:1.2.3.4", "::ffff:0:102:304"),
            ("::1", "::1"),
            ("::", "::"),
            ("1::", "1::"),
            ("1:0:0:1::1", "1:0:0:1::1"),
            ("1:0:1:0:0:1:0:0", "1:0:1::1:0:0"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("::102:0", "::1.2.0.0"),
            ("::0.0.0.1", "::1"),
            ("0:0:0:0:0:1:0:0", "::1:0:0"),
            ("::ffff:0:0", "::ffff:0.0.0.0"),
            ("::ffff:10.9.9.9", "::ffff:10.9.9.9"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
            ("1:2:3:4:5:6:0:0", "1:2:3:4:5:6::"),
            ("0:0:1:2:3:4:5:6", "::1:2:3:4:5:6"),
            ("10.0.0.1", "10.0.0.1"),
        ];
        for (input, want) in cases {
            assert_eq!(uv(input), want, "{input}");
        }
        let b = BlockList::new();
        b.add_address("::1.2.3.4").unwrap();
        assert_eq!(b.rules(), ["Address: IPv6 ::1.2.3.4"]);
    }
}
