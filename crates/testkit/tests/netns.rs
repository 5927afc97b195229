//! The lab itself: hosts on a veth pair and on a switch exchange datagrams (inside the lab's
//! namespaces only, addresses from 198.51.100.0/24 and 2001:db8::/64), code runs in the right
//! namespace, and every namespace is gone afterwards, also when the test panics.
//!
//! Without root (no namespaces) these print why and pass, unless `CI=true`.

use std::net::UdpSocket;
use std::time::Duration;

use testkit::netns::Lab;

/// The lab's namespaces that exist now.
fn namespaces_of(prefix: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/run/netns") else { return Vec::new() };
    dir.flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!("{prefix}-")))
        .collect()
}

/// A socket bound to `local` in the calling thread's namespace (reads time out after 5 s).
fn receive_one(local: &str) -> (UdpSocket, std::net::SocketAddr) {
    let s = UdpSocket::bind(local).unwrap_or_else(|e| panic!("bind {local}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let addr = s.local_addr().unwrap();
    (s, addr)
}

fn recv_text(s: &UdpSocket) -> (String, std::net::SocketAddr) {
    let mut buf = [0u8; 256];
    let (n, from) = s.recv_from(&mut buf).expect("a datagram within 5 s");
    (String::from_utf8_lossy(&buf[..n]).into_owned(), from)
}

#[test]
fn two_hosts_on_a_veth_pair() {
    let Some(lab) = Lab::new("tk_pair") else { return };
    let (a, b) = (lab.host("a"), lab.host("b"));
    let (ia, ib) = lab.link(&a, &b, &["198.51.100.1/24", "2001:db8::1/64"], &["198.51.100.2/24", "2001:db8::2/64"]);
    assert_eq!((ia.as_str(), ib.as_str()), ("a-eth0", "b-eth0"));
    assert_eq!((a.name(), b.name()), ("a", "b"));
    assert!(a.namespace().starts_with(lab.prefix()));
    assert!(b.link_local(&ib).segments()[0] == 0xfe80);
    assert!(a.ifindex(&ia) > 1);

    for (local, to) in [("198.51.100.2:0", "198.51.100.2"), ("[2001:db8::2]:0", "2001:db8::2")] {
        let (rx, addr) = b.run(move || receive_one(local));
        let to = std::net::SocketAddr::new(to.parse().unwrap(), addr.port());
        a.run(move || UdpSocket::bind(if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }).unwrap().send_to(b"hi", to))
            .expect("send in a");
        let (msg, from) = recv_text(&rx);
        assert_eq!(msg, "hi");
        assert!(from.ip().to_string().ends_with("::1") || from.ip().to_string() == "198.51.100.1", "{from}");
    }
    // Outside the lab the lab's addresses are not local.
    assert!(UdpSocket::bind("198.51.100.1:0").is_err());
}

#[test]
fn hosts_on_a_switch_hear_a_broadcast() {
    let Some(lab) = Lab::new("tk_switch") else { return };
    let sw = lab.switch("sw");
    assert!(sw.namespace().starts_with(lab.prefix()));
    let hosts: Vec<_> = ["a", "b", "c"].iter().map(|n| lab.host(n)).collect();
    for (i, h) in hosts.iter().enumerate() {
        let ifname = lab.plug(&sw, h, &[&format!("198.51.100.{}/24", i + 1)]);
        assert_eq!(ifname, format!("{}-eth0", h.name()));
    }
    let receivers: Vec<_> = hosts[1..].iter().map(|h| h.run(|| receive_one("0.0.0.0:41234").0)).collect();
    hosts[0].run(|| {
        let s = UdpSocket::bind("198.51.100.1:0").unwrap();
        s.set_broadcast(true).unwrap();
        s.send_to(b"all", "198.51.100.255:41234").unwrap();
    });
    for r in &receivers {
        let (msg, from) = recv_text(r);
        assert_eq!((msg.as_str(), from.ip().to_string().as_str()), ("all", "198.51.100.1"));
    }
}

#[test]
fn an_agent_runs_jobs_in_its_host() {
    let Some(lab) = Lab::new("tk_agent") else { return };
    let (a, b) = (lab.host("a"), lab.host("b"));
    let (ia, _) = lab.link(&a, &b, &["198.51.100.1/24"], &["198.51.100.2/24"]);
    a.default_route(&ia);
    let agent = a.agent();
    // Only inside a's namespace is 198.51.100.1 a local address.
    let bound = agent.run(|| async { UdpSocket::bind("198.51.100.1:0").map(|s| s.local_addr().unwrap().port()) });
    assert!(bound.is_ok_and(|p| p != 0));
    // Jobs run one after the other on the same thread; a job's value comes back.
    let t1 = agent.run(|| async { std::thread::current().id() });
    let t2 = agent.run(|| async { std::thread::current().id() });
    assert_eq!(t1, t2);
    let out = b.command("ip").args(["-o", "-4", "addr", "show", "dev", "b-eth0"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("198.51.100.2/24"));
}

#[test]
fn every_namespace_is_deleted_also_after_a_panic() {
    let Some(lab) = Lab::new("tk_clean") else { return };
    let prefix = lab.prefix().to_owned();
    let (a, b) = (lab.host("a"), lab.host("b"));
    lab.link(&a, &b, &[], &[]);
    assert_eq!(namespaces_of(&prefix).len(), 2);
    drop(lab);
    assert_eq!(namespaces_of(&prefix), Vec::<String>::new());

    let prefix = std::sync::Mutex::new(String::new());
    let panicked = std::panic::catch_unwind(|| {
        let lab = Lab::new("tk_panic").expect("namespaces worked a moment ago");
        *prefix.lock().unwrap() = lab.prefix().to_owned();
        let _a = lab.host("a");
        panic!("the test fails");
    });
    assert!(panicked.is_err());
    let prefix = prefix.into_inner().unwrap();
    assert!(!prefix.is_empty());
    assert_eq!(namespaces_of(&prefix), Vec::<String>::new());
}
