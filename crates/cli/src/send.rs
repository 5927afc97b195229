//! `dgram send`: datagrams from the arguments or from standard input, optionally waiting for
//! replies.

use std::collections::VecDeque;
use std::io::BufRead;
use std::time::Duration;

use node_dgram::{create_socket, Op};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::addr::{multicast_interface, socket_type, Host};
use crate::cli::SendArgs;
use crate::listen::{events, until, warn, Closing, Event};
use crate::output::{display_payload, sender};
use crate::{Failure, Outcome};

/// How many sends may be in flight before the oldest is awaited.
const WINDOW: usize = 64;

/// Reads standard input on a thread of its own, one line (without its line ending) per item.
fn stdin_lines() -> mpsc::Receiver<std::io::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        let mut input = std::io::stdin().lock();
        loop {
            let mut line = Vec::new();
            match input.read_until(b'\n', &mut line) {
                Ok(0) => return,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                        if line.last() == Some(&b'\r') {
                            line.pop();
                        }
                    }
                    if tx.blocking_send(Ok(line)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
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
}

impl Sender {
    /// Sends `msg` once, keeping at most [`WINDOW`] sends in flight.
    async fn send(&mut self, msg: Vec<u8>) -> Outcome {
        let op =
            if self.connected { self.sock.0.send(msg)? } else { self.sock.0.send_to(msg, self.port, &self.host)? };
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

    /// Prints a reply, or turns an `error` event into the command's failure.
    fn on_event(&mut self, ev: Event) -> Outcome {
        match ev {
            Event::Message(msg, rinfo) => {
                self.replies += 1;
                outln!("reply: {} from {}", display_payload(&msg), sender(&rinfo));
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
        sock.0.connect(target.port, target.host.as_str())?.await?;
    }

    let mut s = Sender {
        sock,
        connected: args.connect,
        host: target.host.as_str().to_owned(),
        port: target.port,
        inflight: VecDeque::new(),
        sent: 0,
        replies: 0,
    };
    if args.messages.is_empty() {
        let mut lines = stdin_lines();
        loop {
            tokio::select! {
                line = lines.recv() => match line {
                    Some(Ok(line)) => {
                        for _ in 0..args.count {
                            s.send(line.clone()).await?;
                        }
                    }
                    Some(Err(e)) => return Err(Failure::Other(format!("reading standard input: {e}"))),
                    None => break,
                },
                Some(ev) = rx.recv() => s.on_event(ev)?,
            }
        }
    } else {
        for m in &args.messages {
            let bytes = std::os::unix::ffi::OsStrExt::as_bytes(m.as_os_str()).to_vec();
            for _ in 0..args.count {
                s.send(bytes.clone()).await?;
            }
        }
    }
    s.settle().await?;

    match args.wait_reply {
        Some(wait) => {
            let deadline = Some(Instant::now() + wait);
            while s.replies < s.sent {
                tokio::select! {
                    Some(ev) = rx.recv() => s.on_event(ev)?,
                    _ = until(deadline) => break,
                }
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
                if let Err(Failure::Net(e)) = s.on_event(ev) {
                    warn(&e);
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
