//! Helpers for tests that run the built `dgram`: processes whose output is read line by line
//! with time limits, and that are killed when dropped.
#![allow(dead_code)]

pub mod netns;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// How long any one expected line or exit may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// The `dgram` binary under test.
pub const DGRAM: &str = env!("CARGO_BIN_EXE_dgram");

/// `dgram ARGS...`.
pub fn dgram(args: &[&str]) -> Command {
    let mut c = Command::new(DGRAM);
    c.args(args);
    c
}

/// Whether this run is CI's, where nothing may be skipped.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A running process; killed (and reaped) when dropped.
pub struct Proc {
    child: Child,
    out: Receiver<String>,
    err: Receiver<String>,
    what: String,
}

fn lines_of(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

impl Proc {
    /// Starts `cmd` with piped standard streams.
    pub fn start(mut cmd: Command) -> Proc {
        let what = format!("{cmd:?}");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let out = lines_of(child.stdout.take().expect("piped stdout"));
        let err = lines_of(child.stderr.take().expect("piped stderr"));
        Proc { child, out, err, what }
    }

    /// The next line of standard output (fails the test after [`WAIT`]).
    pub fn line(&self) -> String {
        self.out.recv_timeout(WAIT).unwrap_or_else(|e| panic!("{}: no line on stdout ({e})", self.what))
    }

    /// The next line of standard error (fails the test after [`WAIT`]).
    pub fn err_line(&self) -> String {
        self.err.recv_timeout(WAIT).unwrap_or_else(|e| panic!("{}: no line on stderr ({e})", self.what))
    }

    /// Writes to standard input.
    pub fn write(&mut self, text: &str) {
        self.write_bytes(text.as_bytes());
    }

    /// Writes bytes to standard input.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).expect("write to stdin");
        stdin.flush().expect("flush stdin");
    }

    /// Writes bytes to standard input as far as the process reads them: one that stops reading
    /// and exits (a broken pipe) is no error here.
    pub fn offer_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("stdin still open");
        match stdin.write_all(bytes).and_then(|_| stdin.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write to stdin: {e}"),
            _ => {}
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes standard input.
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Waits for the exit (fails the test after [`WAIT`]); the status and the rest of
    /// standard output and standard error.
    pub fn finish(mut self) -> (ExitStatus, Vec<String>, Vec<String>) {
        self.close_stdin();
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!("{} did not exit within {WAIT:?}", self.what);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        // The readers end once the pipes close.
        let rest = |rx: &Receiver<String>| {
            let mut v = Vec::new();
            while let Ok(l) = rx.recv_timeout(Duration::from_secs(2)) {
                v.push(l);
            }
            v
        };
        (status, rest(&self.out), rest(&self.err))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `dgram ARGS...` with `stdin` to completion: exit code, stdout, stderr.
pub fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    run_cmd(dgram(args), stdin)
}

/// Runs `cmd` with `stdin` to completion: exit code, stdout, stderr.
pub fn run_cmd(cmd: Command, stdin: &str) -> (i32, String, String) {
    let mut p = Proc::start(cmd);
    p.write(stdin);
    let (status, out, err) = p.finish();
    let join = |v: Vec<String>| v.iter().map(|l| format!("{l}\n")).collect::<String>();
    (status.code().unwrap_or(-1), join(out), join(err))
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
