//! The processes of a measurement: started, read line by line within a time limit, killed when
//! dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// A role's process. Its standard output is read by a thread of its own, so that every read
/// has a time limit; it is killed when dropped.
pub struct Proc {
    child: Child,
    lines: Receiver<String>,
}

impl Proc {
    /// Starts `cmd` (standard input closed, standard error inherited), or `None`.
    pub fn start(mut cmd: Command) -> Option<Proc> {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).stdin(Stdio::null()).spawn().ok()?;
        let out = child.stdout.take()?;
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line.trim().to_string()).is_err() {
                    return;
                }
            }
        });
        Some(Proc { child, lines })
    }

    /// The next line it prints within `wait`.
    pub fn line(&mut self, wait: Duration) -> Option<String> {
        self.lines.recv_timeout(wait).ok()
    }

    /// The port of its `ready PORT` line (within 20 s: runtimes start slowly on a busy machine).
    pub fn ready_port(&mut self) -> Option<u16> {
        self.line(Duration::from_secs(20))?.strip_prefix("ready ")?.trim().parse().ok()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cmd` run by `taskset -c core`.
pub fn taskset(cmd: &Command, core: usize) -> Command {
    let mut t = Command::new("taskset");
    t.arg("-c").arg(core.to_string()).arg(cmd.get_program()).args(cmd.get_args());
    t
}
