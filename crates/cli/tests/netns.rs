//! Multicast and broadcast between `dgram` processes on two hosts of a lab: network namespaces
//! joined by a veth pair, addresses from 198.51.100.0/24 and 2001:db8::/64 only (see
//! `testkit::netns`). Each command runs as `ip netns exec NS dgram ...`; nothing is sent
//! outside the lab.
//!
//! Without root (no namespaces) the tests print why and pass, unless `CI=true`.

mod common;

use common::netns::{Host, Lab};
use common::{dgram_on, port_of, run_cmd, Proc};

/// The port listeners use inside the lab (every namespace has all its ports free).
const PORT: &str = "41234";

/// Two hosts, `a` (198.51.100.1, 2001:db8::1, and 198.51.100.3) and `b` (198.51.100.2,
/// 2001:db8::2), on one link.
fn pair(test: &str) -> Option<(Lab, Host, Host)> {
    let lab = Lab::new(test)?;
    let (a, b) = (lab.host("a"), lab.host("b"));
    lab.link(&a, &b, &["198.51.100.1/24", "198.51.100.3/24", "2001:db8::1/64"], &["198.51.100.2/24", "2001:db8::2/64"]);
    Some((lab, a, b))
}

/// Starts `dgram listen ARGS...` on `host`; waits for its listening line (on stderr: the
/// arguments include `--json`).
fn listen_json(host: &Host, args: &[&str]) -> Proc {
    let mut all = vec!["listen"];
    all.extend_from_slice(args);
    all.push("--json");
    let p = Proc::start(dgram_on(host, &all));
    assert_eq!(port_of(&p.err_line()).to_string(), PORT);
    p
}

/// Runs `dgram send ARGS...` on `host`; the exit code and standard error.
fn send(host: &Host, args: &[&str]) -> (i32, String) {
    let mut all = vec!["send"];
    all.extend_from_slice(args);
    let (code, _, err) = run_cmd(dgram_on(host, &all), "");
    (code, err)
}

fn json(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn ipv4_multicast_between_hosts() {
    let Some((_lab, a, b)) = pair("mcast4") else { return };
    // The interface by name: `dgram` finds its IPv4 address (198.51.100.2) in b's namespace.
    let l = listen_json(&b, &[PORT, "--group", "239.1.2.3%b-eth0", "--count", "1", "--timeout", "10"]);
    let (code, err) =
        send(&a, &["239.1.2.3:41234", "hello group", "--multicast-interface", "198.51.100.1", "--multicast-ttl", "1"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&l.line());
    assert_eq!((v["msg"].as_str(), v["address"].as_str()), (Some("hello group"), Some("198.51.100.1")));
    assert!(l.finish().0.success());

    // Not a member: the group's datagrams do not arrive.
    let l = listen_json(&b, &[PORT, "--quiet", "--timeout", "0.5"]);
    let (code, err) = send(&a, &["239.1.2.3:41234", "nobody joined", "--multicast-interface", "a-eth0"]);
    assert_eq!(code, 0, "{err}");
    let (status, out, _) = l.finish();
    assert!(status.success());
    assert_eq!(out, vec![r#"{"received":0,"bytes":0}"#.to_string()]);
}

#[test]
fn source_specific_multicast_admits_only_the_source() {
    let Some((_lab, a, b)) = pair("ssm4") else { return };
    let l = listen_json(
        &b,
        &[PORT, "--group", "232.1.1.1%198.51.100.2", "--source", "198.51.100.1", "--count", "1", "--timeout", "10"],
    );
    // From a's other address first: filtered out by the membership.
    let (code, err) = send(
        &a,
        &["232.1.1.1:41234", "wrong source", "--bind", "198.51.100.3:0", "--multicast-interface", "198.51.100.1"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, err) = send(
        &a,
        &["232.1.1.1:41234", "right source", "--bind", "198.51.100.1:0", "--multicast-interface", "198.51.100.1"],
    );
    assert_eq!(code, 0, "{err}");
    let v = json(&l.line());
    assert_eq!((v["msg"].as_str(), v["address"].as_str()), (Some("right source"), Some("198.51.100.1")));
    assert!(l.finish().0.success());
}

#[test]
fn ipv6_multicast_between_hosts() {
    let Some((_lab, a, b)) = pair("mcast6") else { return };
    let l = listen_json(&b, &[PORT, "--udp6", "--group", "ff02::114%b-eth0", "--count", "2", "--timeout", "10"]);
    // The interface with --multicast-interface, then as the target's zone.
    let (code, err) = send(&a, &["[ff02::114]:41234", "hello v6 group", "--multicast-interface", "a-eth0"]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = send(&a, &["[ff02::114%a-eth0]:41234", "zoned"]);
    assert_eq!(code, 0, "{err}");
    for msg in ["hello v6 group", "zoned"] {
        let v = json(&l.line());
        assert_eq!((v["msg"].as_str(), v["family"].as_str()), (Some(msg), Some("IPv6")));
        // Link-scoped multicast comes from a's link-local address, shown with b's interface.
        let from = v["address"].as_str().unwrap_or_default();
        assert!(from.starts_with("fe80::") && from.ends_with("%b-eth0"), "{v}");
    }
    assert!(l.finish().0.success());
}

#[test]
fn broadcast_between_hosts() {
    let Some((_lab, a, b)) = pair("bcast") else { return };
    let l = listen_json(&b, &[PORT, "--count", "1", "--timeout", "10"]);
    // Without --broadcast the kernel refuses: Node's code and message, exit code 1.
    let (code, err) = send(&a, &["198.51.100.255:41234", "refused"]);
    assert_eq!((code, err.as_str()), (1, "error: EACCES: send EACCES 198.51.100.255:41234\n"));
    let (code, err) = send(&a, &["198.51.100.255:41234", "to everyone", "--broadcast", "--ttl", "1"]);
    assert_eq!(code, 0, "{err}");
    let v = json(&l.line());
    assert_eq!((v["msg"].as_str(), v["address"].as_str()), (Some("to everyone"), Some("198.51.100.1")));
    assert!(l.finish().0.success());
}

#[test]
fn echo_across_hosts() {
    let Some((_lab, a, b)) = pair("echo6") else { return };
    let e = Proc::start(dgram_on(&b, &["echo", "[2001:db8::2]:41234", "--count", "1", "--timeout", "10"]));
    assert_eq!(e.line(), "server listening [2001:db8::2]:41234");
    let (code, out, err) = run_cmd(dgram_on(&a, &["send", "[2001:db8::2]:41234", "across", "--wait-reply", "5"]), "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "reply: across from [2001:db8::2]:41234\n");
    assert!(e.line().starts_with("server got: across from [2001:db8::1]:"));
}
