//! `dgram send`: datagrams from the arguments or from standard input, optionally waiting for
//! replies.

use std::collections::VecDeque;
use std::io::{BufRead, Read, Write};
use std::time::Duration;

use node_dgram::{create_socket, Op};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::addr::{multicast_interface, socket_type, Host};
use crate::cli::SendArgs;
use crate::listen::{events, until, warn, Closing, Event};
use crate::output::{display_payload, sender, stdout_is_terminal, write_failure};
use crate::{Failure, Outcome};

/// How many sends may be in flight before the oldest is awaited.
const WINDOW: usize = 64;

/// How standard input is cut into datagrams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One datagram per line, without its line ending (`\n` or `\r\n`).
    Lines,
    /// All of it, unchanged, as one datagram (`--raw`).
    Whole,
    /// Unchanged, in datagrams of this many bytes, the last one possibly shorter (`--chunk`).
    Chunks(usize),
}

/// The most `--raw` reads: the largest UDP payload a length field can describe, whatever the
/// family (the kernel refuses what the family cannot carry: EMSGSIZE).
const WHOLE_MAX: usize = 65535;

/// The next datagram of `input` as `framing` cuts it; `None` at the end.
fn next_datagram(input: &mut impl BufRead, framing: Framing, first: bool) -> std::io::Result<Option<Vec<u8>>> {
    match framing {
        Framing::Lines => {
            let mut line = Vec::new();
            if input.read_until(b'\n', &mut line)? == 0 {
                return Ok(None);
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            }
            Ok(Some(line))
        }
        Framing::Whole => {
            if !first {
                return Ok(None);
            }
            let mut all = Vec::new();
            input.take(WHOLE_MAX as u64 + 1).read_to_end(&mut all)?;
            if all.len() > WHOLE_MAX {
                return Err(std::io::Error::other(format!(
                    "longer than one datagram can be ({WHOLE_MAX} bytes); --chunk N sends it in N-byte datagrams"
                )));
            }
            Ok(Some(all))
        }
        Framing::Chunks(n) => {
            let mut chunk = Vec::with_capacity(n);
            input.take(n as u64).read_to_end(&mut chunk)?;
            Ok((!chunk.is_empty()).then_some(chunk))
        }
    }
}

/// Reads standard input on a thread of its own, one datagram per item, cut as `framing` says.
fn stdin_datagrams(framing: Framing) -> mpsc::Receiver<std::io::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        let mut input = std::io::stdin().lock();
        let mut first = true;
        loop {
            let item = next_datagram(&mut input, framing, first);
            first = false;
            let end = !matches!(item, Ok(Some(_)));
            if let Some(item) = item.transpose() {
                if tx.blocking_send(item).is_err() {
                    return;
                }
            }
            if end {
                return;
            }
        }
    });
    rx
}

/// The state of one `send` run.
struct Sender {
    sock: Closing,
    connected: bool,
    host: String,
    port: u16,
    inflight: VecDeque<Op<usize>>,
    sent: u64,
    replies: u64,
    /// Whether standard output is a terminal (replies are escaped further).
    terminal: bool,
    /// Standard output was closed (a pipe into `head`): the command ends quietly.
    closed: bool,
}

impl Sender {
    /// Sends `msg` once, keeping at most [`WINDOW`] sends in flight.
    async fn send(&mut self, msg: Vec<u8>) -> Outcome {
        let op =
            if self.connected { self.sock.0.send(msg)? } else { self.sock.0.send_to(msg, (self.port, &self.host))? };
        self.inflight.push_back(op);
        self.sent += 1;
        if self.inflight.len() >= WINDOW {
            self.settle_one().await?;
        }
        Ok(())
    }

    /// Awaits the oldest send in flight.
    async fn settle_one(&mut self) -> Outcome {
        if let Some(op) = self.inflight.pop_front() {
            op.await?;
        }
        Ok(())
    }

    /// Awaits every send in flight.
    async fn settle(&mut self) -> Outcome {
        while !self.inflight.is_empty() {
            self.settle_one().await?;
        }
        Ok(())
    }

    /// Prints a reply, or turns an `error` event (or a failed write) into the command's
    /// failure; a closed standard output sets `closed`.
    fn on_event(&mut self, ev: Event) -> Outcome {
        match ev {
            Event::Message(msg, rinfo) => {
                self.replies += 1;
                if self.closed {
                    return Ok(());
                }
                let mut out = std::io::stdout().lock();
                let line = format!("reply: {} from {}", display_payload(&msg, self.terminal), sender(&rinfo));
                if let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush()) {
                    self.closed = true;
                    write_failure(&e)?;
                }
                Ok(())
            }
            Event::Error(e) => Err(Failure::Net(e)),
        }
    }
}

/// Runs `send`.
pub async fn run(args: SendArgs) -> Outcome {
    let target = &args.target;
    let mi_family = args.multicast_interface.as_deref().and_then(|m| m.parse::<std::net::IpAddr>().ok()).map(|ip| {
        // `::%eth0` does not parse as an address; it is IPv6 all the same.
        node_dgram::Family::of(&ip)
    });
    let mi_family = mi_family
        .or_else(|| args.multicast_interface.as_deref().filter(|m| m.contains(':')).map(|_| node_dgram::Family::IPv6));
    let ty = socket_type(
        args.udp6,
        &[
            ("HOST", target.host.family()),
            ("--bind", args.bind.as_ref().and_then(|b| b.host.as_ref()).and_then(Host::family)),
            ("--multicast-interface", mi_family),
        ],
    )
    .map_err(Failure::Usage)?;
    let interface = args
        .multicast_interface
        .as_deref()
        .map(|i| multicast_interface(ty.family(), i))
        .transpose()
        .map_err(Failure::Usage)?;

    let sock = Closing(create_socket(ty)?);
    let mut rx = events(&sock.0);
    // Bound first: the socket options below need a bound socket, as in Node.
    let bind = match &args.bind {
        Some(b) => match &b.host {
            Some(h) => sock.0.bind((b.port, h.as_str())),
            None => sock.0.bind(b.port),
        },
        None => sock.0.bind(()),
    };
    bind?.await?;
    if args.broadcast {
        sock.0.set_broadcast(true)?;
    }
    if let Some(ttl) = args.ttl {
        sock.0.set_ttl(i64::from(ttl))?;
    }
    if let Some(ttl) = args.multicast_ttl {
        sock.0.set_multicast_ttl(i64::from(ttl))?;
    }
    if let Some(i) = &interface {
        sock.0.set_multicast_interface(i)?;
    }
    if args.no_multicast_loopback {
        sock.0.set_multicast_loopback(false)?;
    }
    if args.connect {
        sock.0.connect((target.port, target.host.as_str()))?.await?;
    }

    let mut s = Sender {
        sock,
        connected: args.connect,
        host: target.host.as_str().to_owned(),
        port: target.port,
        inflight: VecDeque::new(),
        sent: 0,
        replies: 0,
        terminal: stdout_is_terminal(),
        closed: false,
    };
    if args.messages.is_empty() {
        let framing = match (args.chunk, args.raw) {
            (Some(n), _) => Framing::Chunks(n as usize),
            (None, true) => Framing::Whole,
            (None, false) => Framing::Lines,
        };
        let mut datagrams = stdin_datagrams(framing);
        loop {
            tokio::select! {
                datagram = datagrams.recv() => match datagram {
                    Some(Ok(datagram)) => {
                        for _ in 0..args.count {
                            s.send(datagram.clone()).await?;
                        }
                    }
                    Some(Err(e)) => return Err(Failure::Other(format!("reading standard input: {e}"))),
                    None => break,
                },
                Some(ev) = rx.recv() => s.on_event(ev)?,
            }
            if s.closed {
                return Ok(());
            }
        }
    } else {
        for m in &args.messages {
            // (The bytes as given on Unix; on Windows the arguments' UTF-8.)
            let bytes = m.as_os_str().as_encoded_bytes().to_vec();
            for _ in 0..args.count {
                s.send(bytes.clone()).await?;
            }
        }
    }
    s.settle().await?;

    match args.wait_reply {
        Some(wait) => {
            let deadline = Some(Instant::now() + wait);
            while s.replies < s.sent && !s.closed {
                tokio::select! {
                    Some(ev) = rx.recv() => s.on_event(ev)?,
                    _ = until(deadline) => break,
                }
            }
            if s.closed {
                return Ok(());
            }
            if s.sent > 0 && s.replies == 0 {
                return Err(Failure::Other(format!(
                    "no reply from {}:{} within {}",
                    target.host,
                    target.port,
                    seconds(wait)
                )));
            }
        }
        None => {
            // Report what already came back (a reply, an ICMP error) without waiting.
            tokio::time::sleep(Duration::ZERO).await;
            while let Ok(ev) = rx.try_recv() {
                match s.on_event(ev) {
                    Err(Failure::Net(e)) => warn(&e),
                    Err(other) => return Err(other),
                    Ok(()) => {}
                }
            }
        }
    }
    Ok(())
}

/// `2 s`, `0.5 s`.
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per read, as a slow pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// Every datagram of `input` as `framing` cuts it, read one byte at a time.
    fn cut(input: &[u8], framing: Framing) -> Vec<Vec<u8>> {
        let mut r = std::io::BufReader::with_capacity(1, Trickle(input));
        let mut out = Vec::new();
        let mut first = true;
        while let Some(d) = next_datagram(&mut r, framing, first).unwrap() {
            first = false;
            out.push(d);
            assert!(out.len() <= input.len() + 1, "bounded");
        }
        out
    }

    #[test]
    fn framings() {
        let input = b"a\nb\x00\r\n\n\xffc";
        assert_eq!(cut(input, Framing::Lines), [&b"a"[..], b"b\x00", b"", b"\xffc"]);
        assert_eq!(cut(input, Framing::Whole), [input.to_vec()]);
        assert_eq!(cut(b"", Framing::Whole), [Vec::<u8>::new()]);
        assert_eq!(cut(input, Framing::Chunks(4)), [&b"a\nb\x00"[..], b"\r\n\n\xff", b"c"]);
        assert_eq!(cut(input, Framing::Chunks(10)), [input.to_vec()]);
        assert!(cut(b"", Framing::Chunks(3)).is_empty());
        let mut long = std::io::Cursor::new(vec![0u8; WHOLE_MAX + 1]);
        assert!(next_datagram(&mut long, Framing::Whole, true).is_err());
        let mut max = std::io::Cursor::new(vec![7u8; WHOLE_MAX]);
        assert_eq!(next_datagram(&mut max, Framing::Whole, true).unwrap().map(|d| d.len()), Some(WHOLE_MAX));
    }
}
