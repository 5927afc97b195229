//! node-dgram and Node's own `dgram` exchange datagrams both ways, over 127.0.0.1 and ::1. The
//! Node is `testkit::node`'s (`$NODE`, else the `node` on PATH, else the pinned one in `.node/`).
//!
//! Without a Node the tests print why and pass, unless `CI=true`, where they fail.

use std::net::IpAddr;
use std::time::Duration;

use node_dgram::{create_socket, Family, Message, RemoteInfo, Socket, SocketType};
use testkit::node::require;
use testkit::process::{Io, Proc, Spawn};
use tokio::sync::mpsc;

const TIMEOUT: Duration = Duration::from_secs(20);

/// Fails the test instead of hanging.
async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(TIMEOUT, fut).await.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

fn host(ty: SocketType) -> &'static str {
    match ty {
        SocketType::Udp4 => "127.0.0.1",
        SocketType::Udp6 => "::1",
    }
}

fn type_name(ty: SocketType) -> &'static str {
    match ty {
        SocketType::Udp4 => "udp4",
        SocketType::Udp6 => "udp6",
    }
}

fn family(ty: SocketType) -> Family {
    match ty {
        SocketType::Udp4 => Family::IPv4,
        SocketType::Udp6 => Family::IPv6,
    }
}

/// A `node -e SCRIPT` process with `TYPE` (`udp4`/`udp6`), `HOST` (the loopback address) and
/// `extra` in its environment; killed when dropped.
struct Node(Proc);

impl Node {
    fn spawn(node: &testkit::node::Node, script: &str, ty: SocketType, extra: &[(&str, String)]) -> Node {
        let mut cmd = node.script(script);
        cmd.env("TYPE", type_name(ty)).env("HOST", host(ty)).envs(extra.iter().map(|(k, v)| (*k, v.as_str())));
        let spawn = Spawn {
            stdin: Io::Null,
            stderr: Io::Inherit,
            timeout: TIMEOUT,
            name: Some("node".into()),
            ..Spawn::default()
        };
        Node(spawn.start(cmd))
    }

    async fn line(&mut self) -> String {
        self.0.line_async().await
    }

    async fn exits_ok(mut self) {
        let status = self.0.wait_async().await;
        assert!(status.success(), "node exited with {status}");
    }
}

/// A node-dgram socket bound to loopback on a free port; its datagrams go to the channel.
async fn rust_socket(ty: SocketType) -> (Socket, u16, mpsc::UnboundedReceiver<(Vec<u8>, RemoteInfo)>) {
    let s = create_socket(ty).expect("create socket");
    let (tx, rx) = mpsc::unbounded_channel();
    s.on_message(move |msg, rinfo| {
        let _ = tx.send((msg.to_vec(), rinfo.clone()));
    });
    within("bind", s.bind((0, host(ty))).expect("bind")).await.expect("bind");
    let port = s.address().expect("address").port;
    (s, port, rx)
}

async fn recv(rx: &mut mpsc::UnboundedReceiver<(Vec<u8>, RemoteInfo)>) -> (Vec<u8>, RemoteInfo) {
    within("a datagram", rx.recv()).await.expect("message channel open")
}

/// A Node client: sends `hello ` + `from node` (one datagram, from a list of buffers) and then
/// `bye` to `HOST:PORT`, prints its own port, closes.
const NODE_CLIENT: &str = r#"
const dgram = require('node:dgram');
const client = dgram.createSocket(process.env.TYPE);
const port = Number(process.env.PORT);
client.send([Buffer.from('hello '), Buffer.from('from node')], port, process.env.HOST, (err) => {
  if (err) { console.error(err); process.exit(1); }
  console.log(client.address().port);
  client.send('bye', port, process.env.HOST, (err) => {
    if (err) { console.error(err); process.exit(1); }
    client.close();
  });
});
"#;

/// A Node echo server on `HOST` port 0: prints its port, then for every datagram a line
/// `hex-payload from address:port family size` and sends the datagram back.
const NODE_ECHO_SERVER: &str = r#"
const dgram = require('node:dgram');
const server = dgram.createSocket(process.env.TYPE);
server.on('error', (err) => { console.error(err); process.exit(1); });
server.on('message', (msg, rinfo) => {
  console.log(`${msg.toString('hex')} from ${rinfo.address}:${rinfo.port} ${rinfo.family} ${rinfo.size}`);
  server.send(msg, rinfo.port, rinfo.address, (err) => {
    if (err) { console.error(err); process.exit(1); }
  });
});
server.bind(0, process.env.HOST, () => console.log(server.address().port));
"#;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn node_client_to_rust_server(ty: SocketType) {
    let Some(nd) = require("node_client_to_rust_server") else { return };
    let (server, port, mut rx) = rust_socket(ty).await;
    let mut node = Node::spawn(&nd, NODE_CLIENT, ty, &[("PORT", port.to_string())]);
    let node_port: u16 = node.line().await.parse().expect("node prints its port");

    let loopback: IpAddr = host(ty).parse().unwrap();
    for expected in [&b"hello from node"[..], b"bye"] {
        let (msg, rinfo) = recv(&mut rx).await;
        assert_eq!(msg, expected, "payload from node");
        assert_eq!(rinfo.address, loopback);
        assert_eq!(rinfo.family, family(ty));
        assert_eq!(rinfo.port, node_port);
        assert_eq!(rinfo.size, expected.len());
    }
    node.exits_ok().await;
    server.close().expect("close");
}

/// The Rust side sends `messages` to a Node echo server (on a connected socket when
/// `connected`) and checks both what Node saw and the echo.
async fn rust_client_to_node_echo(ty: SocketType, connected: bool) {
    let Some(nd) = require("rust_client_to_node_echo") else { return };
    let mut node = Node::spawn(&nd, NODE_ECHO_SERVER, ty, &[]);
    let node_port: u16 = node.line().await.parse().expect("node prints its port");

    let (client, client_port, mut rx) = rust_socket(ty).await;
    if connected {
        within("connect", client.connect((node_port, host(ty))).expect("connect")).await.expect("connect");
    }
    let big = vec![0xa5u8; 60_000];
    let messages: Vec<(Message, Vec<u8>)> = vec![
        (Message::from("ping"), b"ping".to_vec()),
        (Message::from(vec!["Some ", "bytes"]), b"Some bytes".to_vec()),
        (Message::from(Vec::<u8>::new()), Vec::new()),
        (Message::from(&[0u8, 0xff, b'\n', 0x80][..]), vec![0, 0xff, b'\n', 0x80]),
        (Message::from(big.clone()), big),
    ];
    let loopback: IpAddr = host(ty).parse().unwrap();
    for (msg, bytes) in messages {
        let op = if connected { client.send(msg) } else { client.send_to(msg, (node_port, host(ty))) };
        let sent = within("send", op.expect("send")).await.expect("send");
        assert_eq!(sent, bytes.len());

        let seen = node.line().await;
        let expected = format!("{} from {}:{} {} {}", hex(&bytes), host(ty), client_port, family(ty), bytes.len());
        assert!(seen == expected, "node saw {:.200}, expected {:.200}", seen, expected);

        let (echo, rinfo) = recv(&mut rx).await;
        assert!(echo == bytes, "echo of {} bytes differs ({} bytes back)", bytes.len(), echo.len());
        assert_eq!(rinfo.address, loopback);
        assert_eq!(rinfo.family, family(ty));
        assert_eq!(rinfo.port, node_port);
        assert_eq!(rinfo.size, bytes.len());
    }
    client.close().expect("close");
    // `node` is killed when dropped.
}

#[tokio::test]
async fn node_client_to_rust_server_v4() {
    node_client_to_rust_server(SocketType::Udp4).await;
}

#[tokio::test]
async fn node_client_to_rust_server_v6() {
    node_client_to_rust_server(SocketType::Udp6).await;
}

#[tokio::test]
async fn rust_client_to_node_echo_server_v4() {
    rust_client_to_node_echo(SocketType::Udp4, false).await;
}

#[tokio::test]
async fn rust_connected_client_to_node_echo_server_v4() {
    rust_client_to_node_echo(SocketType::Udp4, true).await;
}

#[tokio::test]
async fn rust_client_to_node_echo_server_v6() {
    rust_client_to_node_echo(SocketType::Udp6, false).await;
}

#[tokio::test]
async fn rust_connected_client_to_node_echo_server_v6() {
    rust_client_to_node_echo(SocketType::Udp6, true).await;
}
