//! What bounds issue 19's open targets (`all --only bounds`): the plain table's measurements
//! with the C programs of `bench/c/floor.c` as the floor of each, every row of a table
//! alternated round by round.
//!
//! - Receive: 1,000,000 datagrams of 64 B from the C `sendmmsg` flood into Node 24's built-in,
//!   the addon (`'message'`, the `'messages'` extension, and both with the `messagesDelay`
//!   option at 1 ms), node-dgram's Rust `on_message` with `receive_pause` at 200 µs, and the C
//!   loop (`poll` + `recvmmsg` of 64), also reading each sender's address, and the same
//!   receive through io_uring (one multishot `recvmsg` into provided buffers, waited for by
//!   the `io_uring_enter` that runs the kernel's deferred work: no `poll`, no read per wake);
//!   the C loop also
//!   waiting W µs after each read that found 2 datagrams or more (interrupt moderation: fewer
//!   wakes, each datagram later by up to W), and waiting 1 ms while also reading each sender's
//!   address (as a receiver that reports it must). The C loop reports its wakes: datagrams
//!   per wake and the mean time between wakes.
//! - Send: 1,000,000 sends of 64 B into a C sink: Node's built-in and the addon (bursts of 64
//!   per loop turn), the C `sendmmsg` flood, and C `sendmsg` with UDP GSO (64 per call: the
//!   cheapest sender there is); each sender's CPU time per send, split into user (its own code)
//!   and system (the kernel's).
//! - Round trip: sequential round trips of 64 B, both processes on CPU 0: Node's built-in,
//!   the addon, and the C pair (blocking `recvfrom`/`sendto`).

use crate::env::{Impl, Runtime, Step};
use crate::measure::Measurement as M;
use crate::runner::{median_of, rate_of, Run};
use crate::stats::{median, Rate};
use crate::suite::{addon_or_note, js, latency_of, round_trip, run_sets, rust, Cx, Latency, Results};

/// How long any one run may last (the count ends it first).
const CAP: &str = "60";
/// The C loop's waits after a read of 2 datagrams or more, in µs.
const WAITS: [&str; 3] = ["50", "200", "1000"];
/// Round trips per run: enough that the first ones, while each side's JavaScript is still being
/// compiled, do not move the median (with 4,000 they did, by up to 15%).
pub const PINGS: &str = "20000";

/// A row of rates with two more figures of its own (or none): name, rates, figures.
pub type RowWith = (String, Rate, Option<(f64, f64)>);

/// The bounds tables' results.
#[derive(Clone, Debug, Default)]
pub struct Bounds {
    /// The Node of the JavaScript rows (`v24.22.3`).
    pub node: String,
    /// Datagrams (and sends) per run.
    pub count: u64,
    /// Alternated rounds.
    pub runs: usize,
    /// Receivers: name, rates, and for the C loop datagrams per wake and the mean time between
    /// wakes (µs).
    pub recv: Vec<RowWith>,
    /// Senders: name, rates, user and system µs per send.
    pub send: Vec<RowWith>,
    /// Round trips: name, p50 and p99 (µs), the pinger's CPU µs per round trip.
    pub rtt: Vec<(String, Latency, f64)>,
}

/// Medians of two values of the runs that have `key` (wakes, user time); `None` when none has.
fn medians_where(runs: &[Run], key: &str, f: impl Fn(&Run) -> Option<(f64, f64)>) -> Option<(f64, f64)> {
    let kept: Vec<(f64, f64)> = runs.iter().filter(|r| r.get(key).is_some()).filter_map(f).collect();
    if kept.is_empty() {
        return None;
    }
    Some((median(kept.iter().map(|x| x.0).collect()), median(kept.iter().map(|x| x.1).collect())))
}

/// Issue 19's bounds: the three tables above.
pub fn bounds(cx: &Cx, r: &mut Results) {
    let Some(node) = Runtime::node24().or_else(|| cx.node.clone()) else {
        eprintln!("bounds: no Node: skipping");
        return;
    };
    if cx.env.floor().is_none() || addon_or_note().is_none() {
        eprintln!("bounds: needs cc (the C floor) and the addon: skipping");
        return;
    }
    let runs = cx.o.runs.max(3);
    let count = cx.o.plain_count.to_string();
    let c = |args: &[&str]| Step::new(&Impl::C, args);
    let mut out = Bounds { node: node.version.clone(), count: cx.o.plain_count, runs, ..Bounds::default() };

    eprintln!("bounds: receive ...");
    let flood = c(&["flood", "{port}", "64", CAP, &count]);
    let mut receivers = vec![
        (format!("Node {} dgram, 'message'", node.version), js(&node, false, &["recv", CAP])),
        ("node-dgram addon, 'message'".to_string(), js(&node, true, &["recv", CAP])),
        ("node-dgram addon, 'messages'".to_string(), js(&node, true, &["recv", CAP, "batch"])),
        ("node-dgram addon, 'messages', messagesDelay 1 ms".to_string(), js(&node, true, &["recv", CAP, "batch", "1"])),
        (
            "node-dgram addon, 'message', messagesDelay 1 ms".to_string(),
            js(&node, true, &["recv", CAP, "message", "1"]),
        ),
        (
            "node-dgram on_message, receive_pause 200 µs (Rust)".to_string(),
            rust(&["recv-ndg", CAP, "thread", "pause=200"]),
        ),
        (crate::plain::FLOOR.to_string(), c(&["recv", CAP])),
        ("C loop, reading each sender's address".to_string(), c(&["recv", CAP, "0.3", "0", "names"])),
        // (Whether another way into the kernel reads cheaper at every wake.)
        ("C io_uring: multishot recvmsg, senders' addresses".to_string(), c(&["uring", CAP])),
    ];
    for w in WAITS {
        receivers.push((format!("C loop, waiting {w} µs after a read of 2 or more"), c(&["recv", CAP, "0.3", w])));
    }
    // (What a receiver that reports each sender, as 'messages' does, asks the kernel for.)
    receivers.push((
        "C loop, waiting 1000 µs, reading each sender's address".to_string(),
        c(&["recv", CAP, "0.3", "1000", "names"]),
    ));
    let ms: Vec<M> = receivers
        .into_iter()
        .map(|(n, s)| M::receive("bounds", &n, 64, s, flood.clone()).in_set("bounds receive"))
        .collect();
    for (m, runs) in ms.iter().zip(run_sets(cx.env, &ms, |_| runs)) {
        let wakes = medians_where(&runs, "wakes", |r| {
            let (n, wall, wakes) = (r.get("count")?, r.get("wall")?, r.get("wakes")?);
            (wakes > 0.0).then(|| (n / wakes, wall / wakes * 1e6))
        });
        out.recv.push((m.name.clone(), rate_of(&runs), wakes));
    }

    eprintln!("bounds: send ...");
    let sink = c(&["recv", CAP, "1"]);
    let senders = [
        (format!("Node {} dgram", node.version), js(&node, false, &["burst", "{port}", "64", CAP, &count])),
        ("node-dgram addon".to_string(), js(&node, true, &["burst", "{port}", "64", CAP, &count])),
        ("C sendmmsg (64)".to_string(), c(&["flood", "{port}", "64", CAP, &count])),
        ("C sendmsg, UDP GSO (64 per call)".to_string(), c(&["gso", "{port}", "64", CAP, &count])),
    ];
    let ms: Vec<M> =
        senders.into_iter().map(|(n, s)| M::send("bounds", &n, 64, s, sink.clone()).in_set("bounds send")).collect();
    for (m, runs) in ms.iter().zip(run_sets(cx.env, &ms, |_| runs)) {
        // Where a send's CPU time goes: the sender's own code (user) and the kernel's (system).
        let split = medians_where(&runs, "user", |r| {
            let (n, cpu, user) = (r.get("count")?, r.get("cpu")?, r.get("user")?);
            (n > 0.0).then(|| (user / n * 1e6, (cpu - user) / n * 1e6))
        });
        out.send.push((m.name.clone(), rate_of(&runs), split));
    }

    eprintln!("bounds: round trips ...");
    let pairs = [
        (
            format!("Node {} dgram", node.version),
            js(&node, false, &["echo", CAP]),
            js(&node, false, &["ping", "{port}", "64", PINGS]),
        ),
        (
            "node-dgram addon".to_string(),
            js(&node, true, &["echo", CAP]),
            js(&node, true, &["ping", "{port}", "64", PINGS]),
        ),
        ("C: blocking recvfrom + sendto".to_string(), c(&["echo", CAP]), c(&["ping", "{port}", "64", PINGS])),
    ];
    let ms: Vec<M> = pairs.into_iter().map(|(n, s, p)| round_trip("bounds round trip", &n, s, p, true)).collect();
    for (m, runs) in ms.iter().zip(run_sets(cx.env, &ms, |_| runs)) {
        out.rtt.push((m.name.clone(), latency_of(&runs), median_of(&runs, "cpu_us")));
    }
    r.bounds = Some(out);
}
