//! Helpers for tests that run the built `dgram`, on top of the workspace's `testkit`
//! (processes with time limits, killed when dropped; the network-namespace lab).
#![allow(dead_code)]

use std::process::Command;

pub use testkit::netns;
pub use testkit::process::Proc;

/// The `dgram` binary under test.
pub const DGRAM: &str = env!("CARGO_BIN_EXE_dgram");

/// `dgram ARGS...`.
pub fn dgram(args: &[&str]) -> Command {
    let mut c = Command::new(DGRAM);
    c.args(args);
    c
}

/// `ip netns exec NS dgram ARGS...`: `dgram` on a host of the lab.
pub fn dgram_on(host: &netns::Host, args: &[&str]) -> Command {
    let mut c = host.command(DGRAM);
    c.args(args);
    c
}

/// Runs `dgram ARGS...` with `stdin` to completion: exit code, stdout, stderr.
pub fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    run_cmd(dgram(args), stdin)
}

/// Runs `cmd` with `stdin` to completion: exit code, stdout, stderr.
pub fn run_cmd(cmd: Command, stdin: &str) -> (i32, String, String) {
    testkit::process::run(cmd, stdin)
}

/// The port of a `server listening ADDRESS:PORT` line.
pub fn port_of(listening: &str) -> u16 {
    assert!(listening.starts_with("server listening "), "not a listening line: {listening:?}");
    listening.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("no port in {listening:?}"))
}

/// `dgram listen ARGS...` started, with its listening line read (from stdout, or from stderr
/// when `--json`, `--quiet`, `--raw` or `--hex` is among the arguments): the process and the
/// port.
pub fn listen(sub: &str, args: &[&str]) -> (Proc, u16) {
    let mut all = vec![sub];
    all.extend_from_slice(args);
    let p = Proc::start(dgram(&all));
    let on_stderr = args.iter().any(|a| ["--json", "--quiet", "-q", "--raw", "--hex"].contains(a));
    let line = if on_stderr { p.err_line() } else { p.line() };
    let port = port_of(&line);
    (p, port)
}
