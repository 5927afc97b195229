//! Runs the examples as child processes and checks what they print, as a user would run them.
//!
//! Cargo gives integration tests no `CARGO_BIN_EXE_*` for examples, and `cargo test` builds the
//! examples only when no target is selected (`cargo test --workspace` does, `cargo test --test
//! examples` does not). So the first test that needs them runs `cargo build --examples` once
//! per process, with the same cargo, target directory and profile as this test binary, and
//! takes the executables' paths from cargo's JSON messages. When they are up to date (the usual
//! case after `cargo test --workspace` or `cargo nextest run --workspace`) this takes well
//! under a second.
//!
//! Every datagram goes to 127.0.0.1; every server gets a port found free just before.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a client may take to exit by itself, or a server to print a line.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The examples' executables, by name.
fn examples() -> &'static HashMap<String, PathBuf> {
    static EXAMPLES: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    EXAMPLES.get_or_init(build_examples)
}

fn example(name: &str) -> &'static Path {
    examples().get(name).unwrap_or_else(|| panic!("cargo built no example named {name}"))
}

/// `cargo build -p node-dgram --examples`, into this test binary's target directory and
/// profile, returning the executables cargo reports.
fn build_examples() -> HashMap<String, PathBuf> {
    // This binary is `<target>[/<triple>]/<profile>/deps/examples-<hash>`.
    let exe = std::env::current_exe().expect("current_exe");
    let profile_dir = exe.parent().and_then(Path::parent).expect("test binary in <profile>/deps");
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).expect("profile directory name");
    // `CARGO_TARGET_TMPDIR` is `<target>/tmp`, fixed when this test was compiled.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target directory");

    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "-p", "node-dgram", "--examples", "--message-format=json-render-diagnostics"])
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .args(["--profile", if profile == "debug" { "dev" } else { profile }]);
    // Built for an explicit `--target`: `<target>/<triple>/<profile>` (compared canonically:
    // `current_exe` has its symlinks resolved).
    let same = |a: &Path, b: &Path| a.canonicalize().ok().zip(b.canonicalize().ok()).is_some_and(|(a, b)| a == b);
    if let Some(triple_dir) = profile_dir.parent().filter(|d| !same(d, target_dir)) {
        if let Some(triple) = triple_dir.file_name() {
            cmd.arg("--target").arg(triple);
        }
    }
    let out = cmd.arg("--quiet").stderr(Stdio::inherit()).output().expect("run cargo build --examples");
    assert!(out.status.success(), "cargo build --examples failed: {}", out.status);

    let mut found = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let is_example = line.contains(r#""reason":"compiler-artifact""#) && line.contains(r#""kind":["example"]"#);
        if let (true, Some(path)) = (is_example, json_string_field(line, "executable")) {
            let path = PathBuf::from(path);
            if let Some(name) = path.file_stem().and_then(|n| n.to_str()).map(str::to_owned) {
                found.insert(name, path);
            }
        }
    }
    assert!(!found.is_empty(), "cargo reported no example executables");
    found
}

/// The string value of `"field":"..."` in one line of cargo's JSON (no JSON parser needed for
/// a path: only `\\` and `\"` escapes can occur in it).
fn json_string_field(line: &str, field: &str) -> Option<String> {
    let start = line.find(&format!(r#""{field}":""#))? + field.len() + 4;
    let mut out = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
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

/// A running example: killed when dropped (also when a test fails), its stdout lines on a
/// channel.
struct Running {
    name: &'static str,
    child: Child,
    lines: Receiver<String>,
}

impl Running {
    fn start(name: &'static str, args: &[&str]) -> Running {
        let mut child = Command::new(example(name))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn example {name}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running { name, child, lines }
    }

    /// The next line printed, failing the test after [`TIMEOUT`] or at end of output.
    fn next_line(&self) -> String {
        match self.lines.recv_timeout(TIMEOUT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("{}: no output within {TIMEOUT:?}", self.name),
            Err(RecvTimeoutError::Disconnected) => panic!("{}: stdout closed, expected another line", self.name),
        }
    }

    /// Waits for the process to exit by itself; fails the test (and kills it) after [`TIMEOUT`].
    fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("{}: did not exit within {TIMEOUT:?}", self.name);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything still to be printed, once stdout is closed.
    fn rest(&self) -> Vec<String> {
        let mut rest = Vec::new();
        loop {
            match self.lines.recv_timeout(TIMEOUT) {
                Ok(line) => rest.push(line),
                Err(RecvTimeoutError::Disconnected) => return rest,
                Err(RecvTimeoutError::Timeout) => panic!("{}: stdout not closed within {TIMEOUT:?}", self.name),
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server example, listening on a free port.
fn start_server() -> (Running, u16) {
    let port = free_port();
    let server = Running::start("server", &[&port.to_string()]);
    assert_eq!(server.next_line(), format!("server listening 0.0.0.0:{port}"));
    (server, port)
}

/// Runs `client` against the server example and checks that the server got `Some bytes`.
fn client_reaches_server(client: &'static str) {
    let (server, port) = start_server();

    let mut c = Running::start(client, &[&port.to_string()]);
    let status = c.wait();
    assert!(status.success(), "{client} exited with {status}");
    assert_eq!(c.rest(), Vec::<String>::new(), "{client} prints nothing");

    let line = server.next_line();
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
        let status = Running::start(client, &[&port]).wait();
        assert!(status.success(), "{client} exited with {status}");
        let line = server.next_line();
        assert!(line.starts_with("server got: Some bytes from 127.0.0.1:"), "after {client}: {line:?}");
    }
}

#[test]
fn abort_signal_closes_the_server_and_exits() {
    let port = free_port();
    let mut p = Running::start("abort_signal", &[&port.to_string()]);
    let status = p.wait();
    assert!(status.success(), "abort_signal exited with {status}");
    assert_eq!(p.rest(), [format!("server listening 0.0.0.0:{port}"), "closed".to_owned()]);
}

#[test]
fn abort_signal_on_port_zero() {
    let mut p = Running::start("abort_signal", &["0"]);
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
        let mut p = Running::start("multicore_server", &[&port.to_string(), "2", mode, "2"]);
        assert_eq!(p.next_line(), format!("server listening 0.0.0.0:{port} on 2 threads"));
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
    let mut p = Running::start("echo_stream", &["0", "3"]);
    let port = listening_port(&p.next_line(), "echo server listening 127.0.0.1:");
    let c = UdpSocket::bind("127.0.0.1:0").unwrap();
    c.set_read_timeout(Some(TIMEOUT)).unwrap();
    for msg in ["one", "two", "three"] {
        c.send_to(msg.as_bytes(), ("127.0.0.1", port)).unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = c.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from.port()), (msg.as_bytes(), port));
        let me = c.local_addr().unwrap();
        assert_eq!(p.next_line(), format!("echoed {n} bytes to {me}"));
    }
    let status = p.wait();
    assert!(status.success(), "echo_stream exited with {status}");
    assert_eq!(p.rest(), Vec::<String>::new());
}

#[test]
fn graceful_shutdown_drains_the_answers_under_way() {
    let mut p = Running::start("graceful_shutdown", &[]);
    let port = listening_port(&p.next_line(), "listening 127.0.0.1:");
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
