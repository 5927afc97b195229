//! `dgram` against programs using Node's built-in `dgram`: Node sends to
//! `dgram listen`, Node talks to `dgram echo`, and `dgram send --wait-reply` talks to a Node
//! echo server. Over 127.0.0.1 and ::1 only. Which Node: `testkit::node` (`$NODE`, else the
//! system's, else the pinned one in `.node/`).
//!
//! Without a Node the tests print why and pass, unless `CI=true`, where they fail.

mod common;

use common::{listen, run, Proc};
use testkit::node::{require, Node};

/// `node -e SCRIPT ARGS...`.
fn node(node: &Node, script: &str, args: &[&str]) -> Proc {
    let mut c = node.script(script);
    c.args(args);
    Proc::start(c)
}

/// Sends two datagrams (one of them gathered from two buffers) to `HOST PORT`, prints the
/// port it sent from.
const NODE_CLIENT: &str = r#"
const dgram = require('node:dgram');
const [type, host, port] = process.argv.slice(1);
const s = dgram.createSocket(type);
s.send('hello from node', Number(port), host, (err) => {
  if (err) throw err;
  s.send([Buffer.from('Some '), Buffer.from('bytes')], Number(port), host, (err) => {
    if (err) throw err;
    console.log(s.address().port);
    s.close();
  });
});
"#;

/// Sends `MESSAGE` to `HOST PORT` and prints the reply as `MSG ADDRESS PORT`.
const NODE_PING: &str = r#"
const dgram = require('node:dgram');
const [type, host, port, message] = process.argv.slice(1);
const s = dgram.createSocket(type);
const timer = setTimeout(() => { console.error('no reply'); process.exit(1); }, 10000);
s.on('message', (msg, rinfo) => {
  console.log(`${msg} ${rinfo.address} ${rinfo.port} ${rinfo.family} ${rinfo.size}`);
  clearTimeout(timer);
  s.close();
});
s.send(message, Number(port), host);
"#;

/// An echo server that upper-cases: prints its port, serves until standard input closes.
const NODE_ECHO: &str = r#"
const dgram = require('node:dgram');
const [type, host] = process.argv.slice(1);
const s = dgram.createSocket(type);
s.on('message', (msg, rinfo) => s.send(msg.toString().toUpperCase(), rinfo.port, rinfo.address));
s.bind(0, host, () => console.log(s.address().port));
process.stdin.resume();
process.stdin.on('end', () => s.close());
"#;

#[test]
fn node_sends_to_dgram_listen() {
    let Some(nd) = require("node_sends_to_dgram_listen") else { return };
    for (ty, host) in [("udp4", "127.0.0.1"), ("udp6", "::1")] {
        let bind = if ty == "udp6" { "[::1]:0" } else { "127.0.0.1:0" };
        let (l, port) = listen("listen", &[bind, "--json", "--count", "2"]);
        let n = node(&nd, NODE_CLIENT, &[ty, host, &port.to_string()]);
        let node_port: u64 = n.line().parse().expect("node prints its port");
        let (status, out, _) = l.finish();
        assert!(status.success());
        let v: Vec<serde_json::Value> = out.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(v.len(), 2, "{out:?}");
        assert_eq!(v[0]["msg"], "hello from node");
        assert_eq!(v[1]["msg"], "Some bytes", "the two buffers arrive as one datagram");
        for d in &v {
            assert_eq!(d["address"], host);
            assert_eq!(d["port"].as_u64(), Some(node_port));
            assert_eq!(d["family"], if ty == "udp6" { "IPv6" } else { "IPv4" });
        }
    }
}

#[test]
fn node_talks_to_dgram_echo() {
    let Some(nd) = require("node_talks_to_dgram_echo") else { return };
    for (ty, host, bind) in [("udp4", "127.0.0.1", "127.0.0.1:0"), ("udp6", "::1", "[::1]:0")] {
        let (e, port) = listen("echo", &[bind, "--count", "1"]);
        let n = node(&nd, NODE_PING, &[ty, host, &port.to_string(), "echo me"]);
        let family = if ty == "udp6" { "IPv6" } else { "IPv4" };
        assert_eq!(n.line(), format!("echo me {host} {port} {family} 7"));
        let line = e.line();
        let sender = if ty == "udp6" { format!("[{host}]") } else { host.to_string() };
        assert!(line.starts_with(&format!("server got: echo me from {sender}:")), "{line}");
        assert!(e.finish().0.success());
        assert!(n.finish().0.success());
    }
}

#[test]
fn dgram_send_waits_for_a_node_reply() {
    let Some(nd) = require("dgram_send_waits_for_a_node_reply") else { return };
    for (ty, host, to) in [("udp4", "127.0.0.1", "127.0.0.1"), ("udp6", "::1", "[::1]")] {
        let n = node(&nd, NODE_ECHO, &[ty, host]);
        let port: u16 = n.line().parse().expect("node prints its port");
        let target = format!("{to}:{port}");
        let (code, out, err) = run(&["send", &target, "hello", "node", "--wait-reply", "5"], "");
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, format!("reply: HELLO from {target}\nreply: NODE from {target}\n"));
        let (code, out, err) = run(&["send", &target, "--connect", "-w", "5"], "lines\nfrom stdin\n");
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, format!("reply: LINES from {target}\nreply: FROM STDIN from {target}\n"));
        assert!(n.finish().0.success());
    }
}
