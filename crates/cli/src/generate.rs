//! `dgram completions SHELL` and `dgram man` (hidden): the shell completion scripts and the man
//! page, generated from the same clap definition as `--help`, so they never fall out of date.
//! `scripts/package.sh` writes them into `dist/cli/`.

use std::io::Write as _;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::{Failure, Outcome};

/// The command as `--help` shows it (clap_complete and clap_mangen leave hidden subcommands out).
fn visible() -> clap::Command {
    Cli::command()
}

/// Prints the completion script for `shell` on standard output.
pub fn completions(shell: clap_complete::Shell) -> Outcome {
    let mut cmd = visible();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "dgram", &mut out);
    write_out(&out)
}

/// Prints the man page dgram(1) on standard output.
pub fn man() -> Outcome {
    let mut out = Vec::new();
    clap_mangen::Man::new(visible())
        .render(&mut out)
        .map_err(|e| Failure::Other(format!("cannot render the man page: {e}")))?;
    write_out(&out)
}

fn write_out(bytes: &[u8]) -> Outcome {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Other(format!("cannot write to standard output: {e}")))
}
