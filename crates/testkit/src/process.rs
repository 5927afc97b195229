//! Child processes for tests: started with each standard stream piped (read line by line on a
//! thread of its own), null, inherited, redirected or closed at once; every wait bounded by the
//! process's time limit (failing the test, never hanging it); killed and reaped when dropped,
//! also when the test panics.
//!
//! ```no_run
//! use std::process::Command;
//! use testkit::process::{secs, Io, Proc, Spawn};
//!
//! let mut p = Proc::start(Command::new("cat")); // all three streams piped, `WAIT` to finish
//! p.write("hello\n");
//! assert_eq!(p.line(), "hello");
//! let (status, _rest_of_stdout, _stderr) = p.finish(); // closes stdin, waits, drains
//! assert!(status.success());
//!
//! // An example whose stderr goes to the test's, with a longer limit.
//! let spawn = Spawn { stdin: Io::Null, stderr: Io::Inherit, timeout: secs(20), ..Spawn::default() };
//! let server = spawn.start(Command::new("true"));
//! # drop(server);
//! ```
//!
//! The async twins ([`Proc::line_async`], [`Proc::wait_async`]) are for `#[tokio::test]`s that
//! must keep their runtime turning while they wait.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

/// The default time limit of any one expected line or exit.
pub const WAIT: Duration = Duration::from_secs(15);

/// How often an exit (or, in the async twins, a line) is looked for.
const POLL: Duration = Duration::from_millis(10);

/// Where one standard stream of a child goes.
#[derive(Debug)]
pub enum Io {
    /// A pipe: standard input written with [`Proc::write`], output read with [`Proc::line`].
    Piped,
    /// `/dev/null`.
    Null,
    /// The test process's own stream.
    Inherit,
    /// A pipe whose test end is closed at once (the child sees a closed pipe: EPIPE on write,
    /// end of file on read).
    Closed,
    /// Anything else (a file, `/dev/full`).
    To(Stdio),
}

impl From<Stdio> for Io {
    fn from(s: Stdio) -> Io {
        Io::To(s)
    }
}

impl From<std::fs::File> for Io {
    fn from(f: std::fs::File) -> Io {
        Io::To(f.into())
    }
}

impl Io {
    fn stdio(self) -> Stdio {
        match self {
            Io::Piped | Io::Closed => Stdio::piped(),
            Io::Null => Stdio::null(),
            Io::Inherit => Stdio::inherit(),
            Io::To(s) => s,
        }
    }
}

/// How to start a [`Proc`]: its streams (all [`Io::Piped`] by default), its time limit
/// ([`WAIT`] by default) and the name its failures are reported under (the command by
/// default). Set what differs and take the rest from the default:
/// `Spawn { stdin: Io::Null, timeout: secs(20), ..Spawn::default() }.start(cmd)`.
#[derive(Debug)]
pub struct Spawn {
    /// Where standard input comes from.
    pub stdin: Io,
    /// Where standard output goes.
    pub stdout: Io,
    /// Where standard error goes.
    pub stderr: Io,
    /// The time limit of any one expected line or exit.
    pub timeout: Duration,
    /// The name failures are reported under (`None`: the command).
    pub name: Option<String>,
}

impl Default for Spawn {
    fn default() -> Spawn {
        Spawn { stdin: Io::Piped, stdout: Io::Piped, stderr: Io::Piped, timeout: WAIT, name: None }
    }
}

/// `n` seconds, for [`Spawn::timeout`].
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

impl Spawn {
    /// Starts `cmd` (failing the test if it cannot be started).
    pub fn start(self, mut cmd: Command) -> Proc {
        let what = self.name.unwrap_or_else(|| format!("{cmd:?}"));
        let (close_in, close_out, close_err) =
            (matches!(self.stdin, Io::Closed), matches!(self.stdout, Io::Closed), matches!(self.stderr, Io::Closed));
        let (read_out, read_err) = (matches!(self.stdout, Io::Piped), matches!(self.stderr, Io::Piped));
        let mut child = cmd
            .stdin(self.stdin.stdio())
            .stdout(self.stdout.stdio())
            .stderr(self.stderr.stdio())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        if close_in {
            drop(child.stdin.take());
        }
        if close_out {
            drop(child.stdout.take());
        }
        if close_err {
            drop(child.stderr.take());
        }
        let out = if read_out { child.stdout.take().map(lines_of) } else { None };
        let err = if read_err { child.stderr.take().map(lines_of) } else { None };
        Proc { child, out, err, what, timeout: self.timeout }
    }
}

/// The lines of `r`, read on a thread of their own, on a channel that closes at end of file.
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

/// A running child process; killed (and reaped) when dropped.
#[derive(Debug)]
pub struct Proc {
    child: Child,
    out: Option<Receiver<String>>,
    err: Option<Receiver<String>>,
    what: String,
    timeout: Duration,
}

impl Proc {
    /// Starts `cmd` with its three standard streams piped and [`WAIT`] as its time limit.
    pub fn start(cmd: Command) -> Proc {
        Spawn::default().start(cmd)
    }

    /// The name failures are reported under.
    pub fn name(&self) -> &str {
        &self.what
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stream<'a>(&self, rx: &'a Option<Receiver<String>>, which: &str) -> &'a Receiver<String> {
        rx.as_ref().unwrap_or_else(|| panic!("{}: {which} is not piped", self.what))
    }

    fn next(&self, rx: &Option<Receiver<String>>, which: &str) -> String {
        match self.stream(rx, which).recv_timeout(self.timeout) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("{}: no line on {which} within {:?}", self.what, self.timeout),
            Err(RecvTimeoutError::Disconnected) => panic!("{}: {which} closed, expected another line", self.what),
        }
    }

    /// The next line of standard output (fails the test after the time limit or at its end).
    pub fn line(&self) -> String {
        self.next(&self.out, "stdout")
    }

    /// The next line of standard error (fails the test after the time limit or at its end).
    pub fn err_line(&self) -> String {
        self.next(&self.err, "stderr")
    }

    /// [`Proc::line`] for async tests: waits without blocking the runtime's thread.
    pub async fn line_async(&self) -> String {
        let rx = self.stream(&self.out, "stdout");
        let deadline = Instant::now() + self.timeout;
        loop {
            match rx.try_recv() {
                Ok(line) => return line,
                Err(TryRecvError::Disconnected) => panic!("{}: stdout closed, expected another line", self.what),
                Err(TryRecvError::Empty) if Instant::now() >= deadline => {
                    panic!("{}: no line on stdout within {:?}", self.what, self.timeout)
                }
                Err(TryRecvError::Empty) => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
    }

    /// Writes text to standard input.
    pub fn write(&mut self, text: &str) {
        self.write_bytes(text.as_bytes());
    }

    /// Writes bytes to standard input (failing the test if the process does not take them).
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("stdin piped and still open");
        stdin.write_all(bytes).expect("write to stdin");
        stdin.flush().expect("flush stdin");
    }

    /// Writes bytes to standard input as far as the process reads them: one that stops reading
    /// and exits (a broken pipe) is no error here.
    pub fn offer_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("stdin piped and still open");
        match stdin.write_all(bytes).and_then(|_| stdin.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write to stdin: {e}"),
            _ => {}
        }
    }

    /// Closes standard input (the process reads end of file).
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Closes standard input and waits for the process to exit by itself; after the time limit
    /// kills it and fails the test.
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = self.start_waiting();
        loop {
            if let Some(status) = self.exited(deadline) {
                return status;
            }
            std::thread::sleep(POLL);
        }
    }

    /// [`Proc::wait`] for async tests: waits without blocking the runtime's thread.
    pub async fn wait_async(&mut self) -> ExitStatus {
        let deadline = self.start_waiting();
        loop {
            if let Some(status) = self.exited(deadline) {
                return status;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Closes standard input; the deadline of the exit.
    fn start_waiting(&mut self) -> Instant {
        self.close_stdin();
        Instant::now() + self.timeout
    }

    /// The exit status if the process has exited; past `deadline`, kills it and fails the test.
    fn exited(&mut self, deadline: Instant) -> Option<ExitStatus> {
        if let Some(status) = self.child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = self.child.kill();
            panic!("{} did not exit within {:?}", self.what, self.timeout);
        }
        None
    }

    fn drain(&self, rx: &Option<Receiver<String>>, which: &str) -> Vec<String> {
        let Some(rx) = rx else { return Vec::new() };
        let deadline = Instant::now() + self.timeout;
        let mut rest = Vec::new();
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => rest.push(line),
                Err(RecvTimeoutError::Disconnected) => return rest,
                Err(RecvTimeoutError::Timeout) => panic!("{}: {which} not closed within {:?}", self.what, self.timeout),
            }
        }
    }

    /// The lines of standard output still to come, up to its end (fails the test if it is not
    /// closed within the time limit); empty if it is not piped.
    pub fn rest(&self) -> Vec<String> {
        self.drain(&self.out, "stdout")
    }

    /// As [`Proc::rest`], for standard error.
    pub fn err_rest(&self) -> Vec<String> {
        self.drain(&self.err, "stderr")
    }

    /// Closes standard input, waits for the exit ([`Proc::wait`]): the status and the rest of
    /// standard output and standard error, as lines.
    pub fn finish(mut self) -> (ExitStatus, Vec<String>, Vec<String>) {
        let status = self.wait();
        (status, self.rest(), self.err_rest())
    }

    /// [`Proc::finish`] with the lines joined back into text (each line ending in `\n`).
    pub fn finish_text(self) -> (ExitStatus, String, String) {
        let (status, out, err) = self.finish();
        (status, text(&out), text(&err))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines joined into text, each ending in `\n`.
pub fn text(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Runs `cmd` to completion with `stdin` as its standard input: the exit code (-1 when killed
/// by a signal), standard output and standard error.
pub fn run(cmd: Command, stdin: &str) -> (i32, String, String) {
    let mut p = Proc::start(cmd);
    p.write(stdin);
    let (status, out, err) = p.finish_text();
    (status.code().unwrap_or(-1), out, err)
}
