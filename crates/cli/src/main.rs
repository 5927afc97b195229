//! `dgram`: what `nc -u` and `socat` do for UDP, built on node-dgram, printing what the seed's
//! examples print (`server listening 0.0.0.0:41234`, `server got: ... from 127.0.0.1:PORT`).
//!
//! - `dgram` alone: a tour over loopback (the seed's server, three kinds of client, a
//!   throughput figure) that ends by itself.
//! - `dgram listen [ADDRESS:]PORT`, `dgram echo [ADDRESS:]PORT`: a server printing each datagram
//!   (text, or hex when not UTF-8; or JSON), optionally echoing it.
//! - `dgram send HOST:PORT [MESSAGE ...]`: one datagram per message or per line of input.
//! - `dgram bench`: node-dgram against Node's built-in dgram, side by side.
//!
//! Exit codes: 0 success, 1 network error (printed as `error: CODE: message`, with Node's code
//! and message) or a failed write to standard output (`error: writing standard output: ...`;
//! a closed pipe ends the command quietly with 0), 2 bad usage.

/// `println!` that records a failed write instead of panicking; `main` reports it when the
/// command ends (a closed pipe, `dgram | head -1`, quietly; a full disk as an error).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            $crate::output::stdout_failed(e);
        }
    }};
}

mod addr;
mod bench;
mod cli;
mod generate;
mod listen;
mod output;
mod send;
mod svg;
mod tour;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// A network error as node-dgram (and Node) reports it: exit code 1.
    Net(node_dgram::Error),
    /// Arguments that parse but do not make sense together: exit code 2, as clap's own errors.
    Usage(String),
    /// Anything else that went wrong at run time (no reply, a child process, a file): exit 1.
    Other(String),
}

impl From<node_dgram::Error> for Failure {
    fn from(e: node_dgram::Error) -> Failure {
        Failure::Net(e)
    }
}

/// The outcome of a command.
pub type Outcome = Result<(), Failure>;

/// Runs `fut` to completion on a single-threaded tokio runtime (node-dgram's sockets run on
/// it), then drops whatever is still running without waiting for it.
fn block_on(fut: impl std::future::Future<Output = Outcome>) -> Outcome {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the event loop: {e}")))?;
    let r = rt.block_on(fut);
    rt.shutdown_background();
    r
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let name = cli.command.as_ref().map(Command::name);
    let outcome = match cli.command {
        None => block_on(tour::run()),
        Some(Command::Listen(args)) => block_on(listen::run(args, false)),
        Some(Command::Echo(args)) => block_on(listen::run(args, true)),
        Some(Command::Send(args)) => block_on(send::run(args)),
        Some(Command::Bench(args)) => bench::run(args),
        Some(Command::BenchWorker(args)) => bench::worker(args),
        Some(Command::Completions { shell }) => generate::completions(shell),
        Some(Command::Man) => generate::man(),
    };
    let outcome = output::with_stdout_checked(outcome);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Net(e)) => {
            eprintln!("error: {}: {}", e.code(), e.message());
            ExitCode::from(1)
        }
        Err(Failure::Other(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            // Reported as clap reports its own usage errors (exit code 2), with the usage of the
            // subcommand at fault.
            let top = Cli::command();
            let mut cmd = match name.and_then(|n| top.find_subcommand(n)) {
                Some(sub) => sub.clone().bin_name(format!("dgram {}", sub.get_name())),
                None => top,
            };
            cmd.error(clap::error::ErrorKind::ArgumentConflict, msg).exit();
        }
    }
}
