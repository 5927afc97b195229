//! The command line: subcommands, arguments and their help.

use std::ffi::OsString;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::addr::{parse_bind_addr, parse_group, parse_ip, parse_target, BindAddr, Group, Target};

/// UDP from the command line, with Node's dgram semantics (node-dgram): listen, send, echo,
/// benchmark.
///
/// Without a subcommand, runs a short tour over loopback: the seed's server on a free port, a
/// plain, a multi-buffer and a connected client, then a throughput figure.
///
/// Exit codes: 0 success, 1 network error (printed with Node's code and message, e.g.
/// `error: EADDRINUSE: bind EADDRINUSE 0.0.0.0:41234`) or a failed write to standard output
/// (`error: writing standard output: No space left on device ...`), 2 bad usage. A closed
/// pipe (`dgram listen 0 | head -1`) ends a command quietly, with 0.
#[derive(Debug, Parser)]
#[command(name = "dgram", version, max_term_width = 100)]
pub struct Cli {
    /// What to do; nothing: the tour.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every datagram received: `server got: MSG from ADDRESS:PORT`.
    ///
    /// Prints `server listening ADDRESS:PORT` once bound, then one line per datagram, MSG as
    /// text when it is valid UTF-8, else `0x` and hex. In the text, control characters (C0,
    /// DEL, C1) are escaped (`\n`, `\u{1b}`); when standard output is a terminal, so are the
    /// bidirectional-text controls (U+202A-U+202E, U+2066-U+2069, U+061C, U+200E, U+200F:
    /// `\u{202e}`), so that a datagram cannot move the cursor or reorder the line; in a pipe or
    /// file those are written as received. --raw and --hex write only the payloads. With
    /// --json, --quiet, --raw or --hex, the `server listening` line goes to standard error.
    /// Ends on --count, --timeout, Ctrl-C or SIGTERM.
    #[command(after_help = "Examples:\n  dgram listen 41234\n  dgram listen [::1]:41234 --json\n  \
                            dgram listen 127.0.0.1:41234 --raw --count 1 > received.bin\n  \
                            dgram listen 41234 --hex | xxd -r -p > stream.bin\n  \
                            dgram listen 41234 --group 239.1.2.3%eth0 --count 10")]
    Listen(ListenArgs),
    /// Send datagrams: one per MESSAGE, or one per line of standard input when there is none.
    ///
    /// Lines are sent without their line ending (`\n` or `\r\n`): that suits text, not binary
    /// data. For bytes unchanged, --raw sends all of standard input as one datagram and
    /// --chunk N in datagrams of N bytes. With --wait-reply, replies are printed as
    /// `reply: MSG from ADDRESS:PORT` (replies arriving earlier are printed too; MSG escaped
    /// as `listen` escapes it).
    #[command(after_help = "Examples:\n  dgram send 127.0.0.1:41234 hello world\n  \
                            echo hi | dgram send [::1]:41234\n  \
                            dgram send 127.0.0.1:41234 --raw < packet.bin\n  \
                            dgram send 127.0.0.1:41234 --chunk 1400 < file.bin\n  \
                            dgram send 127.0.0.1:7 ping --wait-reply 1\n  \
                            dgram send 198.51.100.255:41234 hi --broadcast")]
    Send(SendArgs),
    /// An echo server: sends every datagram back to its sender (same options as `listen`).
    #[command(after_help = "Example:\n  dgram echo 7777   # then: dgram send 127.0.0.1:7777 hi --wait-reply 1")]
    Echo(ListenArgs),
    /// Loopback throughput and round-trip latency of node-dgram beside Node's built-in dgram.
    ///
    /// Each side runs as its own processes (this program's for node-dgram, `node -e` with an
    /// embedded script for Node); Node's side is left out when `node` cannot be run. Takes
    /// about 4 × --seconds per side.
    Bench(BenchArgs),
    /// One role of `dgram bench` (internal).
    #[command(hide = true)]
    BenchWorker(WorkerArgs),
    /// Print the shell completion script for SHELL (packaging: scripts/package.sh).
    #[command(hide = true)]
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
    /// Print the man page, dgram(1), in roff (packaging: scripts/package.sh).
    #[command(hide = true)]
    Man,
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Listen(_) => "listen",
            Command::Send(_) => "send",
            Command::Echo(_) => "echo",
            Command::Bench(_) => "bench",
            Command::BenchWorker(_) => "bench-worker",
            Command::Completions { .. } => "completions",
            Command::Man => "man",
        }
    }
}

/// `listen` and `echo`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Where to listen: a port, or ADDRESS:PORT (`127.0.0.1:41234`, `[::1]:41234`); port 0
    /// picks a free one. Without an address: all interfaces.
    #[arg(value_name = "[ADDRESS:]PORT", value_parser = parse_bind_addr)]
    pub address: BindAddr,
    /// An IPv6 socket (`udp6`); implied by an IPv6 address or group.
    #[arg(long = "udp6", short = '6')]
    pub udp6: bool,
    /// `reuseAddr`: SO_REUSEADDR, so that several sockets can bind the same port.
    #[arg(long)]
    pub reuse_addr: bool,
    /// `reusePort`: SO_REUSEPORT (the kernel spreads datagrams over the sockets).
    #[arg(long)]
    pub reuse_port: bool,
    /// `ipv6Only`: no IPv4-mapped traffic on a udp6 socket.
    #[arg(long)]
    pub ipv6_only: bool,
    /// Join a multicast group, on the interface IFACE (a name, or for IPv4 the interface's
    /// address; for IPv6 a name or index). Repeatable.
    #[arg(long = "group", value_name = "GROUP[%IFACE]", value_parser = parse_group)]
    pub groups: Vec<Group>,
    /// Source-specific membership: admit only datagrams from SOURCE to the --group groups.
    #[arg(long, value_name = "SOURCE", value_parser = parse_ip, requires = "groups")]
    pub source: Option<IpAddr>,
    /// Exit after N datagrams.
    #[arg(long, short = 'c', value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Exit when no datagram has arrived for SECONDS.
    #[arg(long, short = 't', value_name = "SECONDS", value_parser = parse_seconds, allow_negative_numbers = true)]
    pub timeout: Option<Duration>,
    /// Send each datagram back to its sender.
    #[arg(long)]
    pub echo: bool,
    /// One JSON object per datagram: msg, encoding (utf8 or hex), address, family, port, size.
    #[arg(long)]
    pub json: bool,
    /// Print only a final line: `received N datagrams, B bytes`.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write each datagram's bytes to standard output exactly as received, nothing added (as
    /// `nc -u -l` does). Datagram boundaries are lost: datagrams `ab` and `c` come out as
    /// `abc`, and an empty datagram leaves no trace; use --hex or --json to keep them. The
    /// bytes are not escaped, even for a terminal.
    #[arg(long, conflicts_with_all = ["json", "quiet", "hex"])]
    pub raw: bool,
    /// Write each datagram as one line of lower-case hex digits, nothing else (an empty
    /// datagram: an empty line); `xxd -r -p` turns the output back into the bytes.
    #[arg(long, conflicts_with_all = ["json", "quiet"])]
    pub hex: bool,
    /// Read on a thread of its own (the library's `SocketOptions::receive_thread`; Linux): one
    /// more thread, and less CPU per datagram under a flood.
    #[arg(long)]
    pub receive_thread: bool,
    /// After a wake that found 2 datagrams or more, read again only MICROSECONDS later (the
    /// library's `SocketOptions::receive_pause`; Linux; implies --receive-thread): fewer wakes
    /// under a flood, each datagram later by up to that much. 1 to 10000000.
    #[arg(long, value_name = "MICROSECONDS", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub receive_pause: Option<u64>,
}

/// `send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Where to send: HOST:PORT (`127.0.0.1:41234`, `[::1]:41234`, `localhost:41234`).
    #[arg(value_name = "HOST:PORT", value_parser = parse_target)]
    pub target: Target,
    /// The messages, one datagram each; none: one datagram per line of standard input.
    #[arg(value_name = "MESSAGE")]
    pub messages: Vec<OsString>,
    /// An IPv6 socket (`udp6`); implied by an IPv6 address.
    #[arg(long = "udp6", short = '6')]
    pub udp6: bool,
    /// Bind to this port (and address) first; default: a free port on all interfaces.
    #[arg(long, value_name = "[ADDRESS:]PORT", value_parser = parse_bind_addr)]
    pub bind: Option<BindAddr>,
    /// Connect the socket to HOST:PORT first (`socket.connect`), then `send` without address:
    /// errors such as ECONNREFUSED are reported.
    #[arg(long)]
    pub connect: bool,
    /// Allow sending to a broadcast address (`setBroadcast(true)`).
    #[arg(long)]
    pub broadcast: bool,
    /// The unicast TTL / hop limit (`setTTL`), 1 to 255.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    pub ttl: Option<u8>,
    /// The multicast TTL / hop limit (`setMulticastTTL`), 0 to 255.
    #[arg(long, value_name = "N")]
    pub multicast_ttl: Option<u8>,
    /// The interface multicast goes out of (`setMulticastInterface`): an IPv4 address or an
    /// interface name; for IPv6 a name or `::%NAME`.
    #[arg(long, value_name = "ADDRESS")]
    pub multicast_interface: Option<String>,
    /// Do not deliver our own multicast back to this host (`setMulticastLoopback(false)`).
    #[arg(long)]
    pub no_multicast_loopback: bool,
    /// Send each message N times.
    #[arg(long, short = 'c', value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: u64,
    /// After the last datagram, wait up to SECONDS for replies (as many as datagrams sent);
    /// fails when none comes.
    #[arg(long, short = 'w', value_name = "SECONDS", value_parser = parse_seconds, allow_negative_numbers = true)]
    pub wait_reply: Option<Duration>,
    /// Send standard input unchanged, as one datagram: not split at line ends, every byte kept
    /// (0x0a, 0x00, ...). At most 65535 bytes are read; a datagram carries at most 65507 over
    /// IPv4 and 65527 over IPv6 (more: EMSGSIZE). An empty input sends one empty datagram.
    #[arg(long, conflicts_with = "messages")]
    pub raw: bool,
    /// Send standard input unchanged, in datagrams of N bytes each (the last one shorter when
    /// the input ends there; an empty input sends none), whatever the sizes of the reads.
    #[arg(long, value_name = "N", conflicts_with_all = ["messages", "raw"], value_parser = clap::value_parser!(u32).range(1..=65535))]
    pub chunk: Option<u32>,
}

/// `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Payload size in bytes (1 to 65507).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=65507))]
    pub size: u32,
    /// Length of each measurement in seconds (0.2 to 60).
    #[arg(long, default_value = "2", value_parser = parse_bench_seconds, allow_negative_numbers = true)]
    pub seconds: Duration,
    /// Print the results as one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the results as an SVG bar chart to FILE.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// The Node.js executable to compare with.
    #[arg(long, value_name = "PATH", default_value = "node")]
    pub node: PathBuf,
}

/// A worker process of `bench` (node-dgram's side).
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// `recv SECONDS`, `send PORT SIZE SECONDS`, `echo`, `ping PORT SIZE SECONDS`.
    pub role: String,
    /// The role's arguments.
    pub args: Vec<String>,
}

/// A positive number of seconds (`0.5`, `2`).
fn parse_seconds(s: &str) -> Result<Duration, String> {
    let n: f64 = s.trim().parse().map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if n.is_nan() || n <= 0.0 {
        return Err(format!("{s} is not a positive number of seconds"));
    }
    Duration::try_from_secs_f64(n).map_err(|_| format!("{s} seconds is too long"))
}

/// `bench --seconds`: kept between 0.2 and 60 so that the run stays bounded.
fn parse_bench_seconds(s: &str) -> Result<Duration, String> {
    let d = parse_seconds(s)?;
    if d < Duration::from_millis(200) || d > Duration::from_secs(60) {
        return Err(format!("{s} is outside 0.2 to 60 seconds"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("0.5").unwrap(), Duration::from_millis(500));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("inf").is_err());
        assert!(parse_seconds("1e300").is_err());
        assert!(parse_bench_seconds("0.1").is_err());
        assert!(parse_bench_seconds("61").is_err());
    }
}
