//! Runs the examples as child processes and checks what they print, as a user would run them.
//!
//! Cargo gives integration tests no paths for examples: the first test that needs them builds
//! them once per process with `testkit::cargo` (the same cargo, target directory and profile
//! as this test binary), which takes well under a second when they are up to date.
//!
//! Every datagram goes to 127.0.0.1; every server gets a port found free just before.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use testkit::process::{Io, Proc, Spawn};

/// How long a client may take to exit by itself, or a server to print a line.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The examples' executables, by name.
fn examples() -> &'static HashMap<String, PathBuf> {
    static EXAMPLES: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    EXAMPLES.get_or_init(|| testkit::cargo_env!().build_examples("node-dgram", &[]))
}

fn example(name: &str) -> &'static Path {
    examples().get(name).unwrap_or_else(|| panic!("cargo built no example named {name}"))
}

/// A port nobody uses right now on 127.0.0.1 (and, since the server example binds 0.0.0.0,
/// checked there too).
fn free_port() -> u16 {
    loop {
        let probe = UdpSocket::bind("127.0.0.1:0").expect("bind a probe socket");
        let port = probe.local_addr().expect("probe address").port();
        drop(probe);
        if UdpSocket::bind(("0.0.0.0", port)).is_ok() {
            return port;
        }
    }
}

/// A running example: killed when dropped (also when a test fails), its stdout read line by
/// line, every wait bounded by [`TIMEOUT`].
fn start_example(name: &'static str, args: &[&str]) -> Proc {
    let mut cmd = Command::new(example(name));
    cmd.args(args);
    let name = Some(name.to_owned());
    Spawn { stdin: Io::Null, stderr: Io::Inherit, timeout: TIMEOUT, name, ..Spawn::default() }.start(cmd)
}

/// The server example, listening on a free port.
fn start_server() -> (Proc, u16) {
    let port = free_port();
    let server = start_example("server", &[&port.to_string()]);
    assert_eq!(server.line(), format!("server listening 0.0.0.0:{port}"));
    (server, port)
}

/// Runs `client` against the server example and checks that the server got `Some bytes`.
fn client_reaches_server(client: &'static str) {
    let (server, port) = start_server();

    let mut c = start_example(client, &[&port.to_string()]);
    let status = c.wait();
    assert!(status.success(), "{client} exited with {status}");
    assert_eq!(c.rest(), Vec::<String>::new(), "{client} prints nothing");

    let line = server.line();
    let from = line
        .strip_prefix("server got: Some bytes from 127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected server output: {line:?}"));
    let sender_port: u16 = from.parse().unwrap_or_else(|_| panic!("bad sender port in {line:?}"));
    assert_ne!(sender_port, 0);
    assert_ne!(sender_port, port);
    // `server` is killed here.
}

#[test]
fn client_sends_to_server() {
    client_reaches_server("client");
}

#[test]
fn multi_buffer_client_sends_one_datagram() {
    client_reaches_server("multi_buffer_client");
}

#[test]
fn connected_client_sends_to_server() {
    client_reaches_server("connected_client");
}

#[test]
fn server_keeps_running_and_receives_every_client() {
    let (server, port) = start_server();
    let port = port.to_string();
    for client in ["client", "multi_buffer_client", "connected_client"] {
        let status = start_example(client, &[&port]).wait();
        assert!(status.success(), "{client} exited with {status}");
        let line = server.line();
        assert!(line.starts_with("server got: Some bytes from 127.0.0.1:"), "after {client}: {line:?}");
    }
}

#[test]
fn abort_signal_closes_the_server_and_exits() {
    let port = free_port();
    let mut p = start_example("abort_signal", &[&port.to_string()]);
    let status = p.wait();
    assert!(status.success(), "abort_signal exited with {status}");
    assert_eq!(p.rest(), [format!("server listening 0.0.0.0:{port}"), "closed".to_owned()]);
}

#[test]
fn abort_signal_on_port_zero() {
    let mut p = start_example("abort_signal", &["0"]);
    let status = p.wait();
    assert!(status.success(), "abort_signal exited with {status}");
    let lines = p.rest();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let port: u16 = lines[0]
        .strip_prefix("server listening 0.0.0.0:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {lines:?}"));
    assert_ne!(port, 0);
    assert_eq!(lines[1], "closed");
}

#[test]
fn multicore_server_echoes_on_every_thread_and_exits() {
    for mode in ["shared", "reuseport"] {
        let port = free_port();
        let mut p = start_example("multicore_server", &[&port.to_string(), "2", mode, "2"]);
        assert_eq!(p.line(), format!("server listening 0.0.0.0:{port} on 2 threads"));
        // Several clients (different source ports spread over reusePort sockets); each gets
        // its echo.
        let mut echoed = 0;
        for i in 0..8 {
            let c = UdpSocket::bind("127.0.0.1:0").unwrap();
            c.set_read_timeout(Some(TIMEOUT)).unwrap();
            let msg = format!("ping {i}");
            c.send_to(msg.as_bytes(), ("127.0.0.1", port)).unwrap();
            let mut buf = [0u8; 64];
            let (n, _) = c.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], msg.as_bytes());
            echoed += 1;
        }
        let status = p.wait();
        assert!(status.success(), "multicore_server exited with {status}");
        let counts: u64 = p
            .rest()
            .iter()
            .map(|l| {
                l.rsplit_once(": ").and_then(|(_, n)| n.strip_suffix(" datagrams")).unwrap().parse::<u64>().unwrap()
            })
            .sum();
        assert_eq!(counts, echoed);
    }
}

/// The port of a `... listening 127.0.0.1:PORT` line.
fn listening_port(line: &str, prefix: &str) -> u16 {
    line.strip_prefix(prefix)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {line:?} (wanted {prefix}PORT)"))
}

#[test]
fn echo_stream_echoes_to_each_sender_then_exits() {
    let mut p = start_example("echo_stream", &["0", "3"]);
    let port = listening_port(&p.line(), "echo server listening 127.0.0.1:");
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(TIMEOUT)).unwrap();
    for msg in ["one", "two", "three"] {
        c.send_to(msg.as_bytes(), ("127.0.0.1", port)).unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = c.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from.port()), (msg.as_bytes(), port));
        let me = c.local_addr().unwrap();
        assert_eq!(p.line(), format!("echoed {n} bytes to {me}"));
    }
    let status = p.wait();
    assert!(status.success(), "echo_stream exited with {status}");
    assert_eq!(p.rest(), Vec::<String>::new());
}

#[test]
fn graceful_shutdown_drains_the_answers_under_way() {
    let mut p = start_example("graceful_shutdown", &[]);
    let port = listening_port(&p.line(), "listening 127.0.0.1:");
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(TIMEOUT)).unwrap();
    // Two requests, then the shutdown before their answers (50 ms each) are ready.
    for msg in ["a", "b", "shutdown"] {
        c.send_to(msg.as_bytes(), ("127.0.0.1", port)).unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..2 {
        let mut buf = [0u8; 64];
        let n = c.recv(&mut buf).unwrap();
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    got.sort();
    assert_eq!(got, ["answer: a", "answer: b"]);
    let status = p.wait();
    assert!(status.success(), "graceful_shutdown exited with {status}");
    assert_eq!(p.rest(), ["shutting down", "drained 2 answers", "closed"]);
}
