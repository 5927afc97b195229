//! `dgram listen` and `dgram echo`: the seed's server, with options.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use node_dgram::{create_socket, Error, Op, RemoteInfo, Socket, SocketOptions};
#[cfg(unix)]
use tokio::signal::unix::{signal, Signal, SignalKind};
#[cfg(windows)]
use tokio::signal::windows::{ctrl_break, ctrl_c, CtrlBreak, CtrlC};
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

use crate::addr::{fmt_endpoint, multicast_interface, socket_type};
use crate::cli::ListenArgs;
use crate::output::{display_payload, hex, json_line, sender, stdout_is_terminal, write_failure};
use crate::{Failure, Outcome};

/// What a socket's listeners hand to the command's loop.
pub enum Event {
    /// A datagram (copied out of the receive arena) and its sender.
    Message(Vec<u8>, RemoteInfo),
    /// An `error` event.
    Error(Error),
}

/// `--quiet`'s counts, kept by the `message` listener itself: nothing is copied or queued per
/// datagram, so a quiet server costs what the library's receive path costs.
#[derive(Default)]
struct Tally {
    datagrams: AtomicU64,
    bytes: AtomicU64,
    /// Notified at the `--count`-th datagram.
    reached: tokio::sync::Notify,
}

/// Waits until `tally` (if any) has counted its `--count`; forever without one.
async fn counted(tally: &Option<Arc<Tally>>) {
    match tally {
        Some(t) => t.reached.notified().await,
        None => std::future::pending().await,
    }
}

/// Closes the socket when dropped, so that every way out of a command closes it.
pub struct Closing(pub Socket);

impl Drop for Closing {
    fn drop(&mut self) {
        let _ = self.0.close();
    }
}

/// Forwards the socket's `message` and `error` events to a channel.
pub fn events(sock: &Socket) -> mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = mpsc::unbounded_channel();
    let t = tx.clone();
    sock.on_message(move |msg, rinfo| {
        let _ = t.send(Event::Message(msg.to_vec(), rinfo.clone()));
    });
    forward_errors(sock, tx);
    rx
}

/// Counts the socket's datagrams in `tally` (notifying it at the `stop_at`-th) and forwards
/// its `error` events.
fn counted_events(sock: &Socket, tally: Arc<Tally>, stop_at: Option<u64>) -> mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = mpsc::unbounded_channel();
    // (One socket's listeners never run at once, so a load and a store count exactly.)
    sock.on_message(move |msg, _| {
        let n = tally.datagrams.load(Ordering::Relaxed);
        if stop_at.is_some_and(|max| n >= max) {
            return; // counted enough: what arrives before the server stops is not counted
        }
        tally.datagrams.store(n + 1, Ordering::Relaxed);
        tally.bytes.fetch_add(msg.len() as u64, Ordering::Relaxed);
        if Some(n + 1) == stop_at {
            tally.reached.notify_one();
        }
    });
    forward_errors(sock, tx);
    rx
}

fn forward_errors(sock: &Socket, tx: mpsc::UnboundedSender<Event>) {
    sock.on_error(move |e| {
        let _ = tx.send(Event::Error(e.clone()));
    });
}

/// Sleeps until `deadline`, or forever when there is none.
pub async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// SIGINT and SIGTERM, caught from creation on (so that neither kills the process once the
/// `server listening` line is out). On Windows: Ctrl-C and Ctrl-Break.
#[cfg(unix)]
struct Interrupts(Option<(Signal, Signal)>);
#[cfg(windows)]
struct Interrupts(Option<(CtrlC, CtrlBreak)>);

impl Interrupts {
    #[cfg(unix)]
    fn new() -> Interrupts {
        Interrupts(signal(SignalKind::interrupt()).ok().zip(signal(SignalKind::terminate()).ok()))
    }
    #[cfg(windows)]
    fn new() -> Interrupts {
        Interrupts(ctrl_c().ok().zip(ctrl_break().ok()))
    }

    /// Resolves when either arrives (never, if the handlers could not be installed).
    async fn recv(&mut self) {
        match &mut self.0 {
            Some((int, term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            None => std::future::pending().await,
        }
    }
}

/// How many datagrams the loop handles before flushing standard output.
const FLUSH_EVERY: usize = 256;

/// Runs `listen` (or `echo` when `echo` is set): binds, joins the groups, prints the
/// `server listening` line, then each datagram until --count, --timeout or a signal.
pub async fn run(args: ListenArgs, echo: bool) -> Outcome {
    let echo = echo || args.echo;
    let host = args.address.host.as_ref();
    let mut literals = vec![("the address", host.and_then(|h| h.family()))];
    literals.extend(args.groups.iter().map(|g| ("--group", Some(node_dgram::Family::of(&g.group)))));
    literals.extend(args.source.iter().map(|s| ("--source", Some(node_dgram::Family::of(s)))));
    let ty = socket_type(args.udp6, &literals).map_err(Failure::Usage)?;
    let family = ty.family();
    let memberships = args
        .groups
        .iter()
        .map(|g| Ok((g.group.to_string(), g.iface.as_deref().map(|i| multicast_interface(family, i)).transpose()?)))
        .collect::<Result<Vec<_>, String>>()
        .map_err(Failure::Usage)?;

    let mut opts = SocketOptions::new(ty)
        .reuse_addr(args.reuse_addr)
        .reuse_port(args.reuse_port)
        .ipv6_only(args.ipv6_only)
        .receive_thread(args.receive_thread);
    if let Some(us) = args.receive_pause {
        opts = opts.receive_pause(Duration::from_micros(us));
    }
    let sock = Closing(create_socket(opts)?);
    // A quiet server that echoes nothing only counts, in the listener itself.
    let tally = (args.quiet && !echo).then(|| Arc::new(Tally::default()));
    let mut rx = match &tally {
        Some(t) => counted_events(&sock.0, t.clone(), args.count),
        None => events(&sock.0),
    };
    let bind = match host {
        Some(h) => sock.0.bind((args.address.port, h.as_str())),
        None => sock.0.bind(args.address.port),
    };
    bind?.await?;
    let source = args.source.map(|s| s.to_string());
    for (group, iface) in &memberships {
        match &source {
            Some(src) => sock.0.add_source_specific_membership(src, group, iface.as_deref())?,
            None => sock.0.add_membership(group, iface.as_deref())?,
        }
    }

    let mut interrupts = Interrupts::new();
    let me = sock.0.address()?;
    let listening = format!("server listening {}", fmt_endpoint(&me.address.to_string(), me.port));
    let terminal = stdout_is_terminal();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.json || args.quiet || args.raw || args.hex {
        eprintln!("{listening}");
    } else if let Err(e) = writeln!(out, "{listening}").and_then(|_| out.flush()) {
        return write_failure(&e);
    }

    let (mut datagrams, mut bytes) = (0u64, 0u64);
    let mut echoes: VecDeque<Op<usize>> = VecDeque::new();
    let mut deadline = args.timeout.map(|t| Instant::now() + t);
    let mut failure = None;
    // The first failed write to standard output: it ends the server.
    let mut unwritten: Option<std::io::Error> = None;
    // What the quiet tally had counted when the idle timeout was last armed.
    let mut tallied = 0;
    'serve: loop {
        let first = tokio::select! {
            ev = rx.recv() => ev,
            _ = until(deadline) => {
                // A counting listener's datagrams do not pass through here: datagrams counted
                // since the timeout was armed mean the server was not idle.
                let now_counted = tally.as_ref().map_or(0, |t| t.datagrams.load(Ordering::Relaxed));
                if now_counted == tallied {
                    break;
                }
                tallied = now_counted;
                deadline = args.timeout.map(|t| Instant::now() + t);
                continue;
            }
            _ = interrupts.recv() => break,
            _ = counted(&tally) => break,
        };
        let Some(mut ev) = first else { break };
        // Handle what is already queued, then flush once.
        for _ in 0..FLUSH_EVERY {
            match ev {
                Event::Message(msg, rinfo) => {
                    datagrams += 1;
                    bytes += msg.len() as u64;
                    let shown = if args.quiet {
                        Ok(())
                    } else if args.raw {
                        out.write_all(&msg)
                    } else if args.hex {
                        writeln!(out, "{}", hex(&msg))
                    } else if args.json {
                        writeln!(out, "{}", json_line(&msg, &rinfo, terminal))
                    } else {
                        writeln!(out, "server got: {} from {}", display_payload(&msg, terminal), sender(&rinfo))
                    };
                    if let Err(e) = shown {
                        unwritten = Some(e);
                        break 'serve;
                    }
                    if echo {
                        match sock.0.send_to(msg, &rinfo) {
                            Ok(op) => echoes.push_back(op),
                            Err(e) => warn(&e),
                        }
                        reap(&mut echoes, false).await;
                    }
                    if args.count.is_some_and(|n| datagrams >= n) {
                        break 'serve;
                    }
                }
                // A failed echo is the sender's problem; anything else ends the server.
                Event::Error(e) if e.syscall() == Some("send") => warn(&e),
                Event::Error(e) => {
                    failure = Some(e);
                    break 'serve;
                }
            }
            match rx.try_recv() {
                Ok(next) => ev = next,
                Err(_) => break,
            }
        }
        if let Err(e) = out.flush() {
            unwritten = Some(e);
            break;
        }
        deadline = args.timeout.map(|t| Instant::now() + t);
    }
    // Let the last echoes leave before closing (close() would cancel them).
    let _ = tokio::time::timeout(Duration::from_secs(2), reap(&mut echoes, true)).await;
    drop(sock);
    if let Some(t) = &tally {
        datagrams = t.datagrams.load(Ordering::Relaxed);
        bytes = t.bytes.load(Ordering::Relaxed);
    }
    if args.quiet && unwritten.is_none() {
        let line = if args.json {
            serde_json::json!({ "received": datagrams, "bytes": bytes }).to_string()
        } else {
            format!("received {datagrams} datagrams, {bytes} bytes")
        };
        if let Err(e) = writeln!(out, "{line}").and_then(|_| out.flush()) {
            unwritten = Some(e);
        }
    }
    if unwritten.is_none() {
        if let Err(e) = out.flush() {
            unwritten = Some(e);
        }
    }
    // What was not written cannot be written later: drop it, whatever happened.
    let _ = out.into_parts();
    match (failure, unwritten) {
        (Some(e), _) => Err(Failure::Net(e)),
        (None, Some(e)) => write_failure(&e),
        (None, None) => Ok(()),
    }
}

/// Collects finished echo sends (all of them when `all`), warning about failed ones.
async fn reap(echoes: &mut VecDeque<Op<usize>>, all: bool) {
    while let Some(op) = echoes.front() {
        if !all && !op.is_done() {
            break;
        }
        if let Some(op) = echoes.pop_front() {
            if let Err(e) = op.await {
                warn(&e);
            }
        }
    }
}

/// A problem that does not end the command, on standard error.
pub fn warn(e: &Error) {
    eprintln!("warning: {}: {}", e.code(), e.message());
}
