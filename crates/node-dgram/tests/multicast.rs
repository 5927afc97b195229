//! Socket options, multicast and broadcast, proven between hosts: each host is a network
//! namespace of its own (see `testkit::netns`), joined to the others by veth pairs or a bridge,
//! with addresses from 198.51.100.0/24 and 2001:db8::/64 only.
//!
//! Nothing here sends a datagram outside the lab's namespaces except to loopback: the tests
//! that run in the test process's own namespace (`ipv6_only`, `set_multicast_interface` misuse)
//! only send to 127.0.0.1 / ::1 and join no group. Every membership call is made inside a lab.
//!
//! Counts of datagrams are taken after waiting for the expected ones (bounded) and then
//! [`SETTLE`] more, so that a datagram that should not arrive has had time to.
//!
//! Without root (no namespaces) the lab tests print why and pass, except with `CI=true`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use node_dgram::{create_socket, Error, Family, RemoteInfo, Socket, SocketOptions, SocketType};
use testkit::netns::{Agent, Host, Lab};
use testkit::process::{secs, Io, Spawn};

/// The port receivers listen on inside the lab (every namespace has all ports free).
const PORT: u16 = 41234;
/// How long to keep collecting after the expected datagrams arrived (or after the last send).
const SETTLE: Duration = Duration::from_millis(300);
/// How long to wait for a datagram that must arrive.
const ARRIVAL: Duration = Duration::from_secs(5);

const V4: SocketType = SocketType::Udp4;
const V6: SocketType = SocketType::Udp6;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Fails the test instead of hanging.
async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), fut).await.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// A datagram received: its text, `rinfo`, and `rinfo.address_string()` as computed in the
/// receiver's namespace (where its interface names mean something).
#[derive(Debug, Clone)]
struct Got {
    msg: String,
    rinfo: RemoteInfo,
    from: String,
}

/// What one socket received.
#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<Got>>>);

impl Inbox {
    fn all(&self) -> Vec<Got> {
        self.0.lock().unwrap().clone()
    }
    /// The messages whose text starts with `tag`.
    fn tagged(&self, tag: &str) -> Vec<Got> {
        self.all().into_iter().filter(|g| g.msg.starts_with(tag)).collect()
    }
    fn count(&self, tag: &str) -> usize {
        self.tagged(tag).len()
    }
    /// Waits until `n` messages tagged `tag` have arrived; fails after [`ARRIVAL`].
    fn wait(&self, tag: &str, n: usize, who: &str) {
        let deadline = Instant::now() + ARRIVAL;
        while self.count(tag) < n {
            if Instant::now() >= deadline {
                panic!("{who}: {} of {n} datagrams tagged {tag:?} arrived: {:?}", self.count(tag), self.all());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Lets datagrams that should not arrive have their chance to.
fn settle() {
    std::thread::sleep(SETTLE);
}

/// On an agent's runtime: a socket with `opts`, bound to `(port, address)`, collecting what
/// it receives.
async fn listen(opts: SocketOptions, port: u16, address: &str) -> (Socket, Inbox) {
    let s = create_socket(opts).unwrap();
    let inbox = Inbox::default();
    let i = inbox.clone();
    s.on_message(move |msg, rinfo| {
        let from = rinfo.address_string();
        i.0.lock().unwrap().push(Got { msg: String::from_utf8_lossy(msg).into_owned(), rinfo: rinfo.clone(), from });
    });
    within("bind", s.bind((port, address)).unwrap()).await.unwrap();
    (s, inbox)
}

/// A receiving socket on the agent's host.
fn listener(agent: &Agent, opts: impl Into<SocketOptions>, port: u16, address: &str) -> (Socket, Inbox) {
    let (opts, address) = (opts.into(), address.to_owned());
    agent.run(move || async move { listen(opts, port, &address).await })
}

/// A socket on the agent's host bound to a free port on all interfaces.
fn sender(agent: &Agent, ty: SocketType) -> Socket {
    agent.run(move || async move {
        let s = create_socket(ty).unwrap();
        within("bind", s.bind(0).unwrap()).await.unwrap();
        s
    })
}

/// Sends `n` datagrams `<tag>0`, `<tag>1`, ... from `s` to `to:port`, each awaited.
fn send(agent: &Agent, s: &Socket, tag: &str, n: usize, port: u16, to: &str) {
    let (s, tag, to) = (s.clone(), tag.to_owned(), to.to_owned());
    agent.run(move || async move {
        for i in 0..n {
            let sent = within("send", s.send_to(format!("{tag}{i}"), (port, &to)).unwrap()).await;
            sent.unwrap_or_else(|e| panic!("send {tag}{i} to {to}:{port}: {e}"));
        }
    })
}

/// Sends one datagram and returns the send's outcome.
fn try_send(agent: &Agent, s: &Socket, msg: &str, port: u16, to: &str) -> Result<usize, Error> {
    let (s, msg, to) = (s.clone(), msg.to_owned(), to.to_owned());
    agent.run(move || async move { within("send", s.send_to(msg, (port, &to))?).await })
}

/// Runs a synchronous call on the agent's thread (in its namespace and runtime).
fn on<R: Send + 'static>(agent: &Agent, f: impl FnOnce() -> R + Send + 'static) -> R {
    agent.run(move || async move { f() })
}

/// Closes sockets on their agent.
fn close(agent: &Agent, sockets: &[&Socket]) {
    let sockets: Vec<Socket> = sockets.iter().map(|s| (*s).clone()).collect();
    agent.run(move || async move {
        for s in sockets {
            within("close", s.close().unwrap()).await.unwrap();
        }
    })
}

/// Host number `n`'s address of the family (`198.51.100.n` or `2001:db8::n`).
fn addr(ty: SocketType, n: u8) -> String {
    match ty {
        V4 => format!("198.51.100.{n}"),
        V6 => format!("2001:db8::{n}"),
    }
}

/// Both of host number `n`'s addresses, with prefix lengths.
fn cidrs(n: u8) -> [String; 2] {
    [format!("198.51.100.{n}/24"), format!("2001:db8::{n}/64")]
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The `multicastInterface` argument naming a host's interface: its address for IPv4, the
/// interface's scope for IPv6 (`::%a-eth0`).
fn iface_arg(ty: SocketType, host_addr: &str, ifname: &str) -> String {
    match ty {
        V4 => host_addr.to_owned(),
        V6 => format!("::%{ifname}"),
    }
}

/// The any-source group the tests use, per family.
fn group(ty: SocketType) -> &'static str {
    match ty {
        V4 => "239.1.2.3",
        V6 => "ff0e::1:3",
    }
}

/// A host of a LAN: its namespace, its interface to the switch, its number (address suffix).
struct Node {
    host: Host,
    ifname: String,
    n: u8,
}

/// Hosts on one switch, numbered 1, 2, ... in order (`198.51.100.n/24`, `2001:db8::n/64`),
/// each with default routes out of its one interface.
fn lan(lab: &Lab, names: &[&str]) -> Vec<Node> {
    let sw = lab.switch("sw");
    names
        .iter()
        .zip(1u8..)
        .map(|(name, n)| {
            let host = lab.host(name);
            let ifname = lab.plug(&sw, &host, &refs(&cidrs(n)));
            host.default_route(&ifname);
            Node { host, ifname, n }
        })
        .collect()
}

/// Two hosts `a` (1) and `b` (2) joined by one veth pair, default routes out of it.
fn pair(lab: &Lab) -> (Node, Node) {
    let (a, b) = (lab.host("a"), lab.host("b"));
    let (ia, ib) = lab.link(&a, &b, &refs(&cidrs(1)), &refs(&cidrs(2)));
    a.default_route(&ia);
    b.default_route(&ib);
    (Node { host: a, ifname: ia, n: 1 }, Node { host: b, ifname: ib, n: 2 })
}

fn check_err(r: Result<impl std::fmt::Debug, Error>, code: &str, message: &str) {
    match r {
        Ok(v) => panic!("expected {code} ({message}), got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code(), code, "{e}");
            assert_eq!(e.message(), message, "{e}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Any-source multicast
// ---------------------------------------------------------------------------------------------

/// Sender `s` and hosts `b`, `c`, `d` on a bridge; `b` joins naming its interface, `c` lets
/// the system choose, `d` does not join. Every member gets every datagram, `d` none; after `b`
/// drops its membership only `c` still gets them.
fn members_only(test: &str, ty: SocketType) {
    let Some(lab) = Lab::new(test) else { return };
    let nodes = lan(&lab, &["s", "b", "c", "d"]);
    let agents: Vec<Agent> = nodes.iter().map(|n| n.host.agent()).collect();
    let (sa, ba, ca, da) = (&agents[0], &agents[1], &agents[2], &agents[3]);
    let g = group(ty);
    let b_iface = iface_arg(ty, &addr(ty, nodes[1].n), &nodes[1].ifname);
    let any = ty.family().any().to_string();

    let (bs, b_in) = listener(ba, ty, PORT, &any);
    let (cs, c_in) = listener(ca, ty, PORT, &any);
    let (ds, d_in) = listener(da, ty, PORT, &any);
    let (b2, bi) = (bs.clone(), b_iface.clone());
    on(ba, move || b2.add_membership(g, Some(&bi))).unwrap();
    let c2 = cs.clone();
    on(ca, move || c2.add_membership(g, None)).unwrap();

    let s = sender(sa, ty);
    send(sa, &s, "joined-", 5, PORT, g);
    b_in.wait("joined-", 5, "b");
    c_in.wait("joined-", 5, "c");
    settle();
    assert_eq!(b_in.count("joined-"), 5);
    assert_eq!(c_in.count("joined-"), 5);
    assert_eq!(d_in.all().len(), 0, "a host that did not join got {:?}", d_in.all());
    let got = &b_in.tagged("joined-")[0];
    assert_eq!(got.rinfo.address, addr(ty, 1).parse::<IpAddr>().unwrap());
    assert_eq!(got.rinfo.family, ty.family());
    assert_eq!(got.rinfo.port, on(sa, move || s.address().unwrap().port));
    assert_eq!(got.rinfo.size, "joined-0".len());

    let (b2, bi) = (bs.clone(), b_iface.clone());
    on(ba, move || b2.drop_membership(g, Some(&bi))).unwrap();
    let s = sender(sa, ty);
    send(sa, &s, "dropped-", 5, PORT, g);
    c_in.wait("dropped-", 5, "c");
    settle();
    assert_eq!(c_in.count("dropped-"), 5);
    assert_eq!(b_in.count("dropped-"), 0, "b left the group but got {:?}", b_in.tagged("dropped-"));
    assert_eq!(d_in.all().len(), 0);

    // Leaving twice: the kernel no longer knows the membership.
    let (b2, bi) = (bs.clone(), b_iface.clone());
    check_err(on(ba, move || b2.drop_membership(g, Some(&bi))), "EADDRNOTAVAIL", "dropMembership EADDRNOTAVAIL");

    close(ba, &[&bs]);
    close(ca, &[&cs]);
    close(da, &[&ds]);
    close(sa, &[&s]);
}

#[test]
fn ipv4_multicast_reaches_members_only() {
    members_only("mc_members_v4", V4);
}

#[test]
fn ipv6_multicast_reaches_members_only() {
    members_only("mc_members_v6", V6);
}

// ---------------------------------------------------------------------------------------------
// Source-specific multicast
// ---------------------------------------------------------------------------------------------

/// Senders `s1` (1) and `s2` (2); `r` joins the channel (s1, group); `w` joins the group from
/// any source, proving that both senders' datagrams reach the LAN.
fn source_specific(test: &str, ty: SocketType, ssm_group: &'static str) {
    let Some(lab) = Lab::new(test) else { return };
    let nodes = lan(&lab, &["s1", "s2", "r", "w"]);
    let agents: Vec<Agent> = nodes.iter().map(|n| n.host.agent()).collect();
    let (s1a, s2a, ra, wa) = (&agents[0], &agents[1], &agents[2], &agents[3]);
    let any = ty.family().any().to_string();
    let source = addr(ty, 1);
    let r_iface = iface_arg(ty, &addr(ty, nodes[2].n), &nodes[2].ifname);
    let w_iface = iface_arg(ty, &addr(ty, nodes[3].n), &nodes[3].ifname);

    let (rs, r_in) = listener(ra, ty, PORT, &any);
    let (r2, src, ri) = (rs.clone(), source.clone(), r_iface.clone());
    on(ra, move || r2.add_source_specific_membership(&src, ssm_group, Some(&ri))).unwrap();
    let (ws, w_in) = listener(wa, ty, PORT, &any);
    let w2 = ws.clone();
    on(wa, move || w2.add_membership(ssm_group, Some(&w_iface))).unwrap();

    let (s1, s2) = (sender(s1a, ty), sender(s2a, ty));
    send(s1a, &s1, "one-", 5, PORT, ssm_group);
    send(s2a, &s2, "two-", 5, PORT, ssm_group);
    w_in.wait("one-", 5, "w");
    w_in.wait("two-", 5, "w");
    r_in.wait("one-", 5, "r");
    settle();
    assert_eq!(r_in.count("one-"), 5);
    assert_eq!(r_in.count("two-"), 0, "a source r did not name got through: {:?}", r_in.tagged("two-"));
    let want: IpAddr = source.parse().unwrap();
    assert!(r_in.all().iter().all(|g| g.rinfo.address == want), "{:?}", r_in.all());

    let (r2, src, ri) = (rs.clone(), source.clone(), r_iface.clone());
    on(ra, move || r2.drop_source_specific_membership(&src, ssm_group, Some(&ri))).unwrap();
    send(s1a, &s1, "after-", 5, PORT, ssm_group);
    w_in.wait("after-", 5, "w");
    settle();
    assert_eq!(r_in.count("after-"), 0, "r left the channel but got {:?}", r_in.tagged("after-"));

    // The channel was left: leaving it again fails as the kernel says.
    let (r2, src, ri) = (rs.clone(), source.clone(), r_iface.clone());
    let again = on(ra, move || r2.drop_source_specific_membership(&src, ssm_group, Some(&ri)));
    let e = again.expect_err("leaving a channel twice");
    assert_eq!(e.syscall(), Some("dropSourceSpecificMembership"), "{e}");

    close(ra, &[&rs]);
    close(wa, &[&ws]);
    close(s1a, &[&s1]);
    close(s2a, &[&s2]);
}

#[test]
fn ipv4_source_specific_membership_admits_only_the_source() {
    source_specific("ssm_v4", V4, "232.1.2.3");
}

#[test]
fn ipv6_source_specific_membership_admits_only_the_source() {
    source_specific("ssm_v6", V6, "ff3e::4000:1");
}

// ---------------------------------------------------------------------------------------------
// TTL and loopback
// ---------------------------------------------------------------------------------------------

/// `a` and `b` on one link, both members of the group; `a` also sends.
struct TwoMembers {
    a: Agent,
    b: Agent,
    sender: Socket,
    a_member: Socket,
    b_member: Socket,
    a_in: Inbox,
    b_in: Inbox,
}

fn two_members(lab: &Lab, ty: SocketType) -> TwoMembers {
    let (na, nb) = pair(lab);
    let (a, b) = (na.host.agent(), nb.host.agent());
    let any = ty.family().any().to_string();
    let g = group(ty);
    let (a_member, a_in) = listener(&a, ty, PORT, &any);
    let (b_member, b_in) = listener(&b, ty, PORT, &any);
    let (m, i) = (a_member.clone(), iface_arg(ty, &addr(ty, na.n), &na.ifname));
    on(&a, move || m.add_membership(g, Some(&i))).unwrap();
    let (m, i) = (b_member.clone(), iface_arg(ty, &addr(ty, nb.n), &nb.ifname));
    on(&b, move || m.add_membership(g, Some(&i))).unwrap();
    let sender = sender(&a, ty);
    TwoMembers { a, b, sender, a_member, b_member, a_in, b_in }
}

impl TwoMembers {
    fn close(&self) {
        close(&self.a, &[&self.sender, &self.a_member]);
        close(&self.b, &[&self.b_member]);
    }
}

/// `setMulticastTTL(0)`: the datagram is looped back to the sending host's members and goes
/// no further; `setMulticastTTL(1)` reaches the neighbour.
fn multicast_ttl(test: &str, ty: SocketType) {
    let Some(lab) = Lab::new(test) else { return };
    let t = two_members(&lab, ty);
    let g = group(ty);

    let s = t.sender.clone();
    assert_eq!(on(&t.a, move || s.set_multicast_ttl(0)).unwrap(), 0);
    send(&t.a, &t.sender, "ttl0-", 3, PORT, g);
    t.a_in.wait("ttl0-", 3, "a (the sender's host)");
    settle();
    assert_eq!(t.a_in.count("ttl0-"), 3);
    assert_eq!(t.b_in.count("ttl0-"), 0, "TTL 0 left the host: {:?}", t.b_in.all());

    let s = t.sender.clone();
    assert_eq!(on(&t.a, move || s.set_multicast_ttl(1)).unwrap(), 1);
    send(&t.a, &t.sender, "ttl1-", 3, PORT, g);
    t.a_in.wait("ttl1-", 3, "a");
    t.b_in.wait("ttl1-", 3, "b");
    settle();
    assert_eq!(t.a_in.count("ttl1-"), 3);
    assert_eq!(t.b_in.count("ttl1-"), 3);

    // Out of range, as Node's binding answers; the TTL set before stays.
    let s = t.sender.clone();
    check_err(on(&t.a, move || s.set_multicast_ttl(256)), "EINVAL", "setMulticastTTL EINVAL");
    let s = t.sender.clone();
    check_err(on(&t.a, move || s.set_multicast_ttl(-1)), "EINVAL", "setMulticastTTL EINVAL");
    send(&t.a, &t.sender, "still-", 1, PORT, g);
    t.b_in.wait("still-", 1, "b");
    t.close();
}

#[test]
fn ipv4_multicast_ttl_0_stays_on_the_host() {
    multicast_ttl("ttl_v4", V4);
}

#[test]
fn ipv6_multicast_ttl_0_stays_on_the_host() {
    multicast_ttl("ttl_v6", V6);
}

/// `setMulticastLoopback(false)` stops the copy for the sending host's own members (the
/// neighbour still gets it); `true` (the default) delivers it.
fn multicast_loopback(test: &str, ty: SocketType) {
    let Some(lab) = Lab::new(test) else { return };
    let t = two_members(&lab, ty);
    let g = group(ty);

    send(&t.a, &t.sender, "default-", 3, PORT, g);
    t.a_in.wait("default-", 3, "a (loopback is on by default)");
    t.b_in.wait("default-", 3, "b");

    let s = t.sender.clone();
    assert!(!on(&t.a, move || s.set_multicast_loopback(false)).unwrap());
    send(&t.a, &t.sender, "off-", 3, PORT, g);
    t.b_in.wait("off-", 3, "b");
    settle();
    assert_eq!(t.a_in.count("off-"), 0, "loopback off, yet the sender's host got {:?}", t.a_in.tagged("off-"));

    let s = t.sender.clone();
    assert!(on(&t.a, move || s.set_multicast_loopback(true)).unwrap());
    send(&t.a, &t.sender, "on-", 3, PORT, g);
    t.a_in.wait("on-", 3, "a");
    t.b_in.wait("on-", 3, "b");
    settle();
    assert_eq!(t.a_in.count("on-"), 3);
    assert_eq!(t.b_in.count("on-"), 3);
    t.close();
}

#[test]
fn ipv4_multicast_loopback_off_drops_the_senders_copy() {
    multicast_loopback("loop_v4", V4);
}

#[test]
fn ipv6_multicast_loopback_off_drops_the_senders_copy() {
    multicast_loopback("loop_v6", V6);
}

// ---------------------------------------------------------------------------------------------
// setMulticastInterface
// ---------------------------------------------------------------------------------------------

/// Host `a` with two links: `a-eth0` to `b` (198.51.100.1/28, 2001:db8::1:1/112) and `a-eth1`
/// to `c` (198.51.100.17/28, 2001:db8::2:1/112); default routes out of `a-eth0`. `b` and `c`
/// are members of the group; `a` sends.
struct TwoLinks {
    a: Agent,
    b: Agent,
    c: Agent,
    a_host: Host,
    sender: Socket,
    bs: Socket,
    cs: Socket,
    b_in: Inbox,
    c_in: Inbox,
    ty: SocketType,
}

fn two_links(lab: &Lab, ty: SocketType) -> TwoLinks {
    let (ah, bh, ch) = (lab.host("a"), lab.host("b"), lab.host("c"));
    let (a0, b0) =
        lab.link(&ah, &bh, &["198.51.100.1/28", "2001:db8::1:1/112"], &["198.51.100.2/28", "2001:db8::1:2/112"]);
    let (_a1, c0) =
        lab.link(&ah, &ch, &["198.51.100.17/28", "2001:db8::2:1/112"], &["198.51.100.18/28", "2001:db8::2:2/112"]);
    ah.default_route(&a0);
    let (a, b, c) = (ah.agent(), bh.agent(), ch.agent());
    let any = ty.family().any().to_string();
    let g = group(ty);
    let (bs, b_in) = listener(&b, ty, PORT, &any);
    let (cs, c_in) = listener(&c, ty, PORT, &any);
    let (m, i) = (bs.clone(), iface_arg(ty, "198.51.100.2", &b0));
    on(&b, move || m.add_membership(g, Some(&i))).unwrap();
    let (m, i) = (cs.clone(), iface_arg(ty, "198.51.100.18", &c0));
    on(&c, move || m.add_membership(g, Some(&i))).unwrap();
    let sender = sender(&a, ty);
    TwoLinks { a, b, c, a_host: ah, sender, bs, cs, b_in, c_in, ty }
}

impl TwoLinks {
    /// Sets the outgoing interface (when given), sends 3 datagrams tagged `tag` and returns
    /// how many reached `b` and `c`.
    fn send_via(&self, interface: Option<&str>, tag: &str) -> (usize, usize) {
        if let Some(i) = interface {
            let (s, i) = (self.sender.clone(), i.to_owned());
            on(&self.a, move || s.set_multicast_interface(&i))
                .unwrap_or_else(|e| panic!("setMulticastInterface({interface:?}): {e}"));
        }
        send(&self.a, &self.sender, tag, 3, PORT, group(self.ty));
        let deadline = Instant::now() + ARRIVAL;
        while self.b_in.count(tag) + self.c_in.count(tag) < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        settle();
        (self.b_in.count(tag), self.c_in.count(tag))
    }

    fn close(&self) {
        close(&self.a, &[&self.sender]);
        close(&self.b, &[&self.bs]);
        close(&self.c, &[&self.cs]);
    }
}

#[test]
fn ipv4_multicast_interface_picks_the_link() {
    let Some(lab) = Lab::new("mcif_v4") else { return };
    let t = two_links(&lab, V4);
    assert_eq!(t.send_via(None, "default-"), (3, 0), "unset: the default route's link");
    assert_eq!(t.send_via(Some("198.51.100.17"), "eth1-"), (0, 3), "a-eth1's address");
    assert_eq!(t.send_via(Some("198.51.100.1"), "eth0-"), (3, 0), "a-eth0's address");
    assert_eq!(t.send_via(Some("198.51.100.17"), "again-"), (0, 3));
    assert_eq!(t.send_via(Some("0.0.0.0"), "any-"), (3, 0), "0.0.0.0 gives the choice back");
    t.close();
}

#[test]
fn ipv6_multicast_interface_picks_the_link() {
    let Some(lab) = Lab::new("mcif_v6") else { return };
    let t = two_links(&lab, V6);
    let (i0, i1) = (t.a_host.ifindex("a-eth0"), t.a_host.ifindex("a-eth1"));
    assert_ne!(i0, i1);
    assert_eq!(t.send_via(Some("::%a-eth1"), "name1-"), (0, 3), "::%a-eth1");
    assert_eq!(t.send_via(Some("::%a-eth0"), "name0-"), (3, 0), "::%a-eth0");
    // By index, as node-dgram documents (`::%2`). Note: Node on Linux differs here: libuv's
    // `uv_ip6_addr` reads the zone only as an interface name, so `::%2` means scope 0 there
    // (the system's choice); Node's docs give the numeric form for Windows.
    assert_eq!(t.send_via(Some(&format!("::%{i1}")), "index1-"), (0, 3), "::%{i1} (a-eth1)");
    assert_eq!(t.send_via(Some(&format!("::%{i0}")), "index0-"), (3, 0), "::%{i0} (a-eth0)");
    assert_eq!(t.send_via(Some(&format!("::%{i1}")), "index1b-"), (0, 3));
    // `::` gives the choice back to the system: one link or the other, not both.
    let (b, c) = t.send_via(Some("::"), "any-");
    assert!((b, c) == (3, 0) || (b, c) == (0, 3), "after '::': b {b}, c {c}");
    t.close();
}

// ---------------------------------------------------------------------------------------------
// Broadcast
// ---------------------------------------------------------------------------------------------

#[test]
fn broadcast_arrives_only_with_set_broadcast() {
    let Some(lab) = Lab::new("bcast") else { return };
    let nodes = lan(&lab, &["s", "b", "c"]);
    let agents: Vec<Agent> = nodes.iter().map(|n| n.host.agent()).collect();
    let (sa, ba, ca) = (&agents[0], &agents[1], &agents[2]);
    let (bs, b_in) = listener(ba, V4, PORT, "0.0.0.0");
    let (cs, c_in) = listener(ca, V4, PORT, "0.0.0.0");
    let s = sender(sa, V4);

    for to in ["198.51.100.255", "255.255.255.255"] {
        check_err(try_send(sa, &s, "refused", PORT, to), "EACCES", &format!("send EACCES {to}:{PORT}"));
    }
    let s2 = s.clone();
    on(sa, move || s2.set_broadcast(true)).unwrap();
    send(sa, &s, "subnet-", 3, PORT, "198.51.100.255");
    send(sa, &s, "limited-", 3, PORT, "255.255.255.255");
    for (inbox, who) in [(&b_in, "b"), (&c_in, "c")] {
        inbox.wait("subnet-", 3, who);
        inbox.wait("limited-", 3, who);
    }
    settle();
    for inbox in [&b_in, &c_in] {
        assert_eq!(inbox.count("subnet-"), 3);
        assert_eq!(inbox.count("limited-"), 3);
        assert_eq!(inbox.count("refused"), 0);
        assert!(inbox.all().iter().all(|g| g.rinfo.address.to_string() == "198.51.100.1"), "{:?}", inbox.all());
    }

    // Off again: refused again, and the socket still works for unicast.
    let s2 = s.clone();
    on(sa, move || s2.set_broadcast(false)).unwrap();
    check_err(
        try_send(sa, &s, "refused", PORT, "198.51.100.255"),
        "EACCES",
        &format!("send EACCES 198.51.100.255:{PORT}"),
    );
    send(sa, &s, "unicast-", 1, PORT, "198.51.100.2");
    b_in.wait("unicast-", 1, "b");
    settle();
    assert_eq!(c_in.count("unicast-"), 0);
    assert_eq!(b_in.count("refused") + c_in.count("refused"), 0);

    close(sa, &[&s]);
    close(ba, &[&bs]);
    close(ca, &[&cs]);
}

// ---------------------------------------------------------------------------------------------
// reusePort
// ---------------------------------------------------------------------------------------------

#[test]
fn reuse_port_spreads_datagrams_over_two_sockets() {
    let Some(lab) = Lab::new("reuseport") else { return };
    let (na, nb) = pair(&lab);
    let (a, b) = (na.host.agent(), nb.host.agent());
    for (ty, port) in [(V4, PORT), (V6, PORT + 1)] {
        let any = ty.family().any().to_string();
        let opts = SocketOptions::new(ty).reuse_port(true);
        let (r1, in1) = listener(&b, opts.clone(), port, &any);
        let (r2, in2) = listener(&b, opts, port, &any);
        // A socket without reusePort cannot join them.
        let any2 = any.clone();
        let third = b.run(move || async move {
            let s = create_socket(ty).unwrap();
            s.on_error(|_| {});
            let r = within("bind", s.bind((port, any2.as_str())).unwrap()).await;
            let _ = s.close();
            r
        });
        // Node prints `bind EADDRINUSE 0.0.0.0:41234` and `bind EADDRINUSE :::41235`.
        check_err(third, "EADDRINUSE", &format!("bind EADDRINUSE {any}:{port}"));

        // 200 datagrams from 50 sockets (50 source ports: Linux hashes each flow to one socket).
        let to = addr(ty, nb.n);
        a.run(move || async move {
            for i in 0..50 {
                let s = create_socket(ty).unwrap();
                for j in 0..4 {
                    within("send", s.send_to(format!("rp-{i}-{j}"), (port, &to)).unwrap()).await.unwrap();
                }
                within("close", s.close().unwrap()).await.unwrap();
            }
        });
        let deadline = Instant::now() + ARRIVAL;
        while in1.count("rp-") + in2.count("rp-") < 200 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        settle();
        let (n1, n2) = (in1.count("rp-"), in2.count("rp-"));
        assert_eq!(n1 + n2, 200, "{ty:?}: {n1} + {n2}");
        assert!(n1 > 0 && n2 > 0, "{ty:?}: not spread: {n1} and {n2}");
        let sender: IpAddr = addr(ty, na.n).parse().unwrap();
        assert!(in1.all().iter().chain(in2.all().iter()).all(|g| g.rinfo.address == sender));
        close(&b, &[&r1, &r2]);
    }
}

// ---------------------------------------------------------------------------------------------
// IPv6 link-local
// ---------------------------------------------------------------------------------------------

#[test]
fn ipv6_link_local_with_scope() {
    let Some(lab) = Lab::new("linklocal") else { return };
    let (ah, bh) = (lab.host("a"), lab.host("b"));
    // Only link-local addresses: nothing else could carry the datagrams.
    let (ia, ib) = lab.link(&ah, &bh, &[], &[]);
    let (lla, llb) = (ah.link_local(&ia), bh.link_local(&ib));
    let (idx_a, idx_b) = (ah.ifindex(&ia), bh.ifindex(&ib));
    let (a, b) = (ah.agent(), bh.agent());

    let (bs, b_in) = listener(&b, V6, PORT, &format!("{llb}%{ib}"));
    let bound = on(&b, {
        let bs = bs.clone();
        move || bs.address().unwrap()
    });
    assert_eq!(bound.address, IpAddr::V6(llb));
    assert_eq!(bound.port, PORT);
    assert_eq!(bound.scope_id, idx_b);
    // address() keeps the scope, as Node's `address().address` does (`fe80::..%iface`); the
    // name is looked up in the host's own namespace.
    let bound_str = on(&b, {
        let bs = bs.clone();
        move || bs.address().unwrap().address_string()
    });
    assert_eq!(bound_str, format!("{llb}%{ib}"));

    let (as_, a_in) = listener(&a, V6, 0, &format!("{lla}%{ia}"));
    let a_port = on(&a, {
        let s = as_.clone();
        move || s.address().unwrap().port
    });
    // By interface name and by index.
    send(&a, &as_, "byname-", 1, PORT, &format!("{llb}%{ia}"));
    send(&a, &as_, "byindex-", 1, PORT, &format!("{llb}%{idx_a}"));
    b_in.wait("byname-", 1, "b");
    b_in.wait("byindex-", 1, "b");
    for g in b_in.all() {
        assert_eq!(g.rinfo.address, IpAddr::V6(lla));
        assert_eq!(g.rinfo.family, Family::IPv6);
        assert_eq!(g.rinfo.port, a_port);
        assert_eq!(g.rinfo.scope_id, idx_b, "rinfo.scope_id is b's interface index");
        assert_ne!(g.rinfo.scope_id, 0);
        assert_eq!(g.from, format!("{lla}%{ib}"), "address_string() names b's interface");
        assert!(g.from.ends_with(&format!("%{ib}")));
    }

    // b answers to the rinfo's address as Node prints it (with its scope).
    let reply_to = b_in.all()[0].from.clone();
    send(&b, &bs, "reply-", 1, a_port, &reply_to);
    a_in.wait("reply-", 1, "a");
    let g = &a_in.tagged("reply-")[0];
    assert_eq!(g.rinfo.address, IpAddr::V6(llb));
    assert_eq!(g.rinfo.port, PORT);
    assert_eq!(g.rinfo.scope_id, idx_a);
    assert_eq!(g.from, format!("{llb}%{ia}"));

    close(&a, &[&as_]);
    close(&b, &[&bs]);
}

// ---------------------------------------------------------------------------------------------
// ipv6Only (loopback, in the test process's namespace: unicast to 127.0.0.1 only)
// ---------------------------------------------------------------------------------------------

/// A udp6 socket with `ipv6Only` on `::` leaves its port to a udp4 socket on `0.0.0.0`, and
/// each gets its own family's datagrams. (The free port is picked for udp6; should another
/// program hold it for IPv4, another is tried.)
#[tokio::test]
async fn ipv6_only_leaves_the_port_to_udp4() {
    for attempt in 0.. {
        let (s6, in6) = listen(SocketOptions::new(V6).ipv6_only(true), 0, "::").await;
        let port = s6.address().unwrap().port;
        let s4 = create_socket(V4).unwrap();
        s4.on_error(|_| {});
        let inbox4 = Inbox::default();
        let i = inbox4.clone();
        s4.on_message(move |m, r| {
            i.0.lock().unwrap().push(Got {
                msg: String::from_utf8_lossy(m).into_owned(),
                rinfo: r.clone(),
                from: r.address_string(),
            })
        });
        match within("bind", s4.bind((port, "0.0.0.0")).unwrap()).await {
            Ok(()) => {}
            Err(e) if e.code() == "EADDRINUSE" && attempt < 5 => {
                // Someone else holds that port for IPv4: pick another.
                s6.close().unwrap();
                continue;
            }
            Err(e) => panic!("udp4 could not bind next to an ipv6Only udp6 socket: {e}"),
        }
        assert_eq!(s4.address().unwrap().port, port);
        // Each family reaches its own socket.
        let c4 = create_socket(V4).unwrap();
        within("send", c4.send_to("four", (port, "127.0.0.1")).unwrap()).await.unwrap();
        let c6 = create_socket(V6).unwrap();
        within("send", c6.send_to("six", (port, "::1")).unwrap()).await.unwrap();
        within("both", async {
            while inbox4.count("four") < 1 || in6.count("six") < 1 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        tokio::time::sleep(SETTLE).await;
        assert_eq!(in6.count("four"), 0);
        assert_eq!(inbox4.count("six"), 0);
        assert_eq!(in6.tagged("six")[0].rinfo.address.to_string(), "::1");
        for s in [s6, s4, c4, c6] {
            s.close().unwrap();
        }
        return;
    }
}

#[tokio::test]
async fn dual_stack_udp6_receives_ipv4_as_mapped() {
    let (s6, in6) = listen(SocketOptions::new(V6).ipv6_only(false), 0, "::").await;
    let port = s6.address().unwrap().port;
    // The port is taken for IPv4 too.
    let s4 = create_socket(V4).unwrap();
    s4.on_error(|_| {});
    let r = within("bind", s4.bind((port, "0.0.0.0")).unwrap()).await;
    check_err(r, "EADDRINUSE", &format!("bind EADDRINUSE 0.0.0.0:{port}"));

    let c4 = create_socket(V4).unwrap();
    within("send", c4.send_to("mapped", (port, "127.0.0.1")).unwrap()).await.unwrap();
    let c4_port = c4.address().unwrap().port;
    within("mapped", async {
        while in6.count("mapped") < 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let g = &in6.tagged("mapped")[0];
    assert_eq!(g.rinfo.address.to_string(), "::ffff:127.0.0.1");
    assert_eq!(g.from, "::ffff:127.0.0.1");
    assert_eq!(g.rinfo.family, Family::IPv6);
    assert_eq!(g.rinfo.port, c4_port);
    assert_eq!(g.rinfo.scope_id, 0);
    s6.close().unwrap();
    c4.close().unwrap();
    let _ = s4.close();
}

// ---------------------------------------------------------------------------------------------
// Misuse, answered as Node answers
// ---------------------------------------------------------------------------------------------

/// Sends a datagram from `s` to its own port on loopback and waits for it: the socket still
/// works.
async fn still_works(s: &Socket, inbox: &Inbox, tag: &str) {
    let port = s.address().unwrap().port;
    let to = if s.socket_type() == V4 { "127.0.0.1" } else { "::1" };
    within("send", s.send_to(tag.to_owned(), (port, to)).unwrap()).await.unwrap();
    within(tag, async {
        while inbox.count(tag) < 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// `setMulticastInterface` only sets an option (nothing is sent), so this runs on loopback in
/// the test process's namespace.
#[tokio::test]
async fn set_multicast_interface_misuse_answers_as_node() {
    let s = create_socket(V4).unwrap();
    check_err(s.set_multicast_interface("127.0.0.1"), "EBADF", "setMulticastInterface EBADF");
    let (s, inbox) = listen(V4.into(), 0, "127.0.0.1").await;
    let cases = [
        ("not an ip", "EINVAL"),
        ("", "EINVAL"),
        ("::", "ENOPROTOOPT"),
        ("::%lo", "ENOPROTOOPT"),
        ("10.9.9.9", "EADDRNOTAVAIL"),
        ("198.51.100.77", "EADDRNOTAVAIL"),
    ];
    for (i, (arg, code)) in cases.into_iter().enumerate() {
        check_err(s.set_multicast_interface(arg), code, &format!("setMulticastInterface {code}"));
        still_works(&s, &inbox, &format!("v4-{i}")).await;
    }
    s.set_multicast_interface("127.0.0.1").unwrap();
    s.set_multicast_interface("0.0.0.0").unwrap();
    still_works(&s, &inbox, "v4-ok").await;
    s.close().unwrap();
    check_err(s.set_multicast_interface("127.0.0.1"), "ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");

    let (s, inbox) = listen(V6.into(), 0, "::1").await;
    for (i, arg) in ["not an ip", ""].into_iter().enumerate() {
        check_err(s.set_multicast_interface(arg), "EINVAL", "setMulticastInterface EINVAL");
        still_works(&s, &inbox, &format!("v6-{i}")).await;
    }
    s.set_multicast_interface("::%lo").unwrap();
    s.set_multicast_interface("::").unwrap();
    still_works(&s, &inbox, "v6-ok").await;
    s.close().unwrap();
}

/// An empty zone (`::%`): Node hands the string to libuv's `uv_ip6_addr`, which takes the empty
/// zone as an unknown interface (scope 0), so udp6 accepts it (the system's choice) and udp4
/// answers `ENOPROTOOPT` as for `::`. node-dgram rejects it as unparsable (`EINVAL`).
#[tokio::test]
async fn set_multicast_interface_with_an_empty_zone_answers_as_node() {
    let (s, inbox) = listen(V6.into(), 0, "::1").await;
    s.set_multicast_interface("::%").expect("udp6: '::%' is '::' with scope 0, as in Node");
    still_works(&s, &inbox, "v6-empty-zone").await;
    s.close().unwrap();
    let (s, inbox) = listen(V4.into(), 0, "127.0.0.1").await;
    check_err(s.set_multicast_interface("::%"), "ENOPROTOOPT", "setMulticastInterface ENOPROTOOPT");
    still_works(&s, &inbox, "v4-empty-zone").await;
    s.close().unwrap();
}

/// Node's `addMembership` / `dropMembership` call `healthCheck(this)` before looking at their
/// arguments: on a closed socket even an empty group answers `ERR_SOCKET_DGRAM_NOT_RUNNING`.
#[test]
fn membership_on_a_closed_socket_is_not_running_before_anything() {
    let Some(lab) = Lab::new("closed_first") else { return };
    let (na, _nb) = pair(&lab);
    na.host.agent().run(|| async move {
        for ty in [V4, V6] {
            let s = create_socket(ty).unwrap();
            within("close", s.close().unwrap()).await.unwrap();
            check_err(s.add_membership("", None), "ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");
            check_err(s.drop_membership("", None), "ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");
        }
    });
}

/// Membership and option misuse on a host of its own (joining a group sends reports on an
/// interface, so never outside a lab).
#[test]
fn membership_and_option_misuse_answers_as_node() {
    let Some(lab) = Lab::new("misuse") else { return };
    let (na, _nb) = pair(&lab);
    let a = na.host.agent();
    a.run(|| async move {
        for ty in [V4, V6] {
            let (g, other, unicast, never) = match ty {
                V4 => ("239.1.2.3", "239.9.9.9", "10.1.1.1", "239.4.4.4"),
                V6 => ("ff0e::1:3", "ff0e::9:9", "2001:db8::5", "ff0e::4:4"),
            };
            let t = format!("{ty:?}");

            // Options that need a bound socket.
            let s = create_socket(ty).unwrap();
            check_err(s.set_multicast_ttl(1), "EBADF", "setMulticastTTL EBADF");
            check_err(s.set_ttl(64), "EBADF", "setTTL EBADF");
            check_err(s.set_broadcast(true), "EBADF", "setBroadcast EBADF");
            check_err(s.set_multicast_loopback(true), "EBADF", "setMulticastLoopback EBADF");
            check_err(
                s.set_multicast_interface(&ty.family().any().to_string()),
                "EBADF",
                "setMulticastInterface EBADF",
            );
            within("close", s.close().unwrap()).await.unwrap();

            let any = ty.family().any().to_string();
            let (s, inbox) = listen(ty.into(), 0, &any).await;
            still_works(&s, &inbox, &format!("{t}-bound")).await;

            check_err(
                s.add_membership("", None),
                "ERR_MISSING_ARGS",
                "The \"multicastAddress\" argument must be specified",
            );
            check_err(
                s.drop_membership("", None),
                "ERR_MISSING_ARGS",
                "The \"multicastAddress\" argument must be specified",
            );
            still_works(&s, &inbox, &format!("{t}-missing")).await;
            check_err(s.add_membership("not an ip", None), "EINVAL", "addMembership EINVAL");
            still_works(&s, &inbox, &format!("{t}-notip")).await;
            check_err(s.add_membership(unicast, None), "EINVAL", "addMembership EINVAL");
            still_works(&s, &inbox, &format!("{t}-unicast")).await;
            check_err(s.drop_membership(never, None), "EADDRNOTAVAIL", "dropMembership EADDRNOTAVAIL");
            still_works(&s, &inbox, &format!("{t}-never")).await;
            check_err(
                s.add_source_specific_membership("not an ip", g, None),
                "EINVAL",
                "addSourceSpecificMembership EINVAL",
            );
            still_works(&s, &inbox, &format!("{t}-ssm")).await;

            // Joining twice: the kernel's EADDRINUSE; then leaving works once.
            s.add_membership(g, None).unwrap();
            check_err(s.add_membership(g, None), "EADDRINUSE", "addMembership EADDRINUSE");
            s.drop_membership(g, None).unwrap();
            check_err(s.drop_membership(g, None), "EADDRNOTAVAIL", "dropMembership EADDRNOTAVAIL");
            still_works(&s, &inbox, &format!("{t}-twice")).await;

            // Values out of range.
            check_err(s.set_ttl(0), "EINVAL", "setTTL EINVAL");
            check_err(s.set_ttl(256), "EINVAL", "setTTL EINVAL");
            assert_eq!(s.set_ttl(64).unwrap(), 64);
            check_err(s.set_multicast_ttl(256), "EINVAL", "setMulticastTTL EINVAL");
            assert_eq!(s.set_multicast_ttl(0).unwrap(), 0);
            assert!(s.set_multicast_loopback(false).is_ok());
            s.set_broadcast(true).unwrap();
            still_works(&s, &inbox, &format!("{t}-ranges")).await;

            // Closed: every call answers "Not running".
            within("close", s.close().unwrap()).await.unwrap();
            let nr = ("ERR_SOCKET_DGRAM_NOT_RUNNING", "Not running");
            check_err(s.add_membership(g, None), nr.0, nr.1);
            check_err(s.drop_membership(g, None), nr.0, nr.1);
            check_err(s.add_source_specific_membership(&any, g, None), nr.0, nr.1);
            check_err(s.set_multicast_ttl(1), nr.0, nr.1);
            check_err(s.set_ttl(1), nr.0, nr.1);
            check_err(s.set_broadcast(true), nr.0, nr.1);
            check_err(s.set_multicast_loopback(true), nr.0, nr.1);
            check_err(s.set_multicast_interface(&any), nr.0, nr.1);

            // A membership call binds an unbound socket (random port, all interfaces) and
            // `listening` follows.
            let s = create_socket(ty).unwrap();
            let listening = Arc::new(Mutex::new(0));
            let l = listening.clone();
            s.on_listening(move || *l.lock().unwrap() += 1);
            s.add_membership(other, None).unwrap();
            let bound = s.address().unwrap();
            assert_eq!(bound.address, ty.family().any());
            assert_ne!(bound.port, 0);
            within("listening", async {
                while *listening.lock().unwrap() == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
            .await;
            s.drop_membership(other, None).unwrap();
            within("close", s.close().unwrap()).await.unwrap();
            assert_eq!(*listening.lock().unwrap(), 1);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// The docs' setMulticastInterface examples
// ---------------------------------------------------------------------------------------------

/// Builds the two examples (with the same cargo, target directory and profile as this test
/// binary) and returns their paths.
fn example_binaries() -> &'static (PathBuf, PathBuf) {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut built =
            testkit::cargo_env!().build_examples("node-dgram", &["multicast_interface_v4", "multicast_interface_v6"]);
        let mut take = |name: &str| built.remove(name).unwrap_or_else(|| panic!("no example {name}"));
        (take("multicast_interface_v4"), take("multicast_interface_v6"))
    })
}

/// Runs an example inside the host's namespace with `ip netns exec` and returns its stdout
/// (it must exit by itself, successfully, within the timeout).
fn run_example(host: &Host, exe: &Path, args: &[&str]) -> String {
    let mut cmd = host.command(exe);
    cmd.args(args);
    let p = Spawn { stdin: Io::Null, timeout: secs(20), ..Spawn::default() }.start(cmd);
    let (status, stdout, stderr) = p.finish_text();
    assert!(status.success(), "{exe:?} {args:?}: {status}; stderr {stderr}");
    stdout
}

#[test]
fn multicast_interface_examples_print_ok() {
    let Some(lab) = Lab::new("examples") else { return };
    let (na, _nb) = pair(&lab);
    let (v4, v6) = example_binaries();
    let a = &na.host;
    let index = a.ifindex(&na.ifname).to_string();

    assert_eq!(run_example(a, v4, &["198.51.100.1"]), "ok\n");
    assert_eq!(run_example(a, v4, &["198.51.100.99"]), "setMulticastInterface EADDRNOTAVAIL\n");
    assert_eq!(run_example(a, v4, &["not an ip"]), "setMulticastInterface EINVAL\n");
    assert_eq!(run_example(a, v6, &[&format!("::%{}", na.ifname)]), "ok\n");
    assert_eq!(run_example(a, v6, &[&format!("::%{index}")]), "ok\n");
    assert_eq!(run_example(a, v6, &["not an ip"]), "setMulticastInterface EINVAL\n");
    // The port as a second argument.
    assert_eq!(run_example(a, v4, &["198.51.100.1", "0"]), "ok\n");
}

// ---------------------------------------------------------------------------------------------
// GSO on a path that refuses it
// ---------------------------------------------------------------------------------------------

/// A burst with GSO on, over a link whose MTU is below the datagrams' size: the kernel refuses
/// the segmented send (EMSGSIZE), the socket falls back to ordinary sends (IP-fragmented), and
/// every datagram of this burst and the next arrives, each send reporting its size.
#[test]
fn gso_falls_back_to_plain_sends_where_the_path_refuses_segmentation() {
    let Some(lab) = Lab::new("gso_mtu") else { return };
    let (na, nb) = pair(&lab);
    for node in [&na, &nb] {
        node.host.ip(&["link", "set", &node.ifname, "mtu", "1280"]);
    }
    let (a, b) = (na.host.agent(), nb.host.agent());
    for (ty, port) in [(V4, PORT), (V6, PORT + 1)] {
        let any = ty.family().any().to_string();
        let (r, inbox) = listener(&b, ty, port, &any);
        let to = addr(ty, nb.n);
        let sent = a.run(move || async move {
            let s = create_socket(SocketOptions::new(ty).gso(true)).unwrap();
            let mut sizes = Vec::new();
            for burst in 0..2 {
                // Queued behind the implicit bind (first burst) or sent back to back: each
                // burst reaches the kernel as one batch.
                let ops: Vec<_> = (0..8)
                    .map(|i| s.send_to(format!("gso{burst}-{i}-{}", "x".repeat(1400)), (port, &to)).unwrap())
                    .collect();
                for op in ops {
                    sizes.push(within("send", op).await.unwrap());
                }
            }
            within("close", s.close().unwrap()).await.unwrap();
            sizes
        });
        assert!(sent.iter().all(|n| *n > 1400), "{ty:?}: send sizes {sent:?}");
        inbox.wait("gso", 16, "the receiver");
        let got: Vec<String> =
            inbox.tagged("gso").iter().map(|g| g.msg[..g.msg.find("-x").unwrap_or(0)].to_owned()).collect();
        let want: Vec<String> = (0..2).flat_map(|b| (0..8).map(move |i| format!("gso{b}-{i}"))).collect();
        assert_eq!(got, want, "{ty:?}");
        close(&b, &[&r]);
    }
}
