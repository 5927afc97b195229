//! Issue 19's tables: every receiver under the plain flood (1 million 64-byte datagrams from a
//! C `sendmmsg` flood), the C loop as the floor; every JavaScript runtime sending 1 million
//! datagrams in bursts of 64 per loop turn into a C sink; and every JavaScript runtime under the
//! GSO flood, saturated. All rows of a table alternate.

use crate::env::{Impl, Runtime, Step};
use crate::measure::Measurement as M;
use crate::suite::{addon_or_note, js, rows_of, run_sets, rust, Cx, Results};

/// The C loop's row.
pub const FLOOR: &str = "C loop: poll + recvmmsg (64)";
/// How long any one plain-flood run may last (the count ends it first).
const CAP_SECONDS: &str = "60";

/// The name of the row of the addon's batched receive (the `messages` extension) on `node`.
pub fn batch_row(node: &Runtime) -> String {
    format!("node-dgram addon 'messages' (batches), Node {}", node.version)
}

/// The runtimes of the JavaScript rows: Node 24 (else the system Node) with its built-in
/// module and with the addon, Bun, Deno. Returns (row name, runtime, addon).
fn js_runtimes(cx: &Cx) -> Vec<(String, Runtime, bool)> {
    let mut v = Vec::new();
    let Some(node) = Runtime::node24().or_else(|| cx.node.clone()) else { return v };
    v.push((format!("Node {} dgram", node.version), node.clone(), false));
    if addon_or_note().is_some() {
        v.push((format!("node-dgram addon, Node {}", node.version), node, true));
    }
    for rt in [Runtime::bun(), Runtime::deno()] {
        match rt {
            Some(rt) => v.push((format!("{} node:dgram", rt.label()), rt, false)),
            None => eprintln!("Bun or Deno is missing (bench/setup-runtimes.sh installs them): skipping its rows"),
        }
    }
    v
}

/// The receive rows: the C loop, node-dgram's `on_message`, tokio alone, the raw Rust loop, then each
/// JavaScript runtime; ratios against the first JavaScript row (Node's built-in).
fn receive_rows(cx: &Cx, base: &str) -> Vec<M> {
    let count = cx.o.plain_count.to_string();
    let flood = Step::new(&Impl::C, &["flood", "{port}", "64", CAP_SECONDS, &count]);
    let group = "receive, plain flood";
    let row =
        |name: &str, receiver: Step| M::receive(group, name, 64, receiver, flood.clone()).against(base).in_set(group);
    let mut v = vec![
        row(FLOOR, Step::new(&Impl::C, &["recv", CAP_SECONDS])),
        row("node-dgram on_message (dgram listen --quiet)", rust(&["recv-ndg", CAP_SECONDS])),
        // (The same socket read by a thread of its own: SocketOptions::receive_thread.)
        row("node-dgram on_message, receive_thread", rust(&["recv-ndg", CAP_SECONDS, "thread"])),
        // (That thread pausing 200 µs after a busy wake: SocketOptions::receive_pause, the
        // bounds table's "C loop, waiting 200 µs".)
        row("node-dgram on_message, receive_pause 200 µs", rust(&["recv-ndg", CAP_SECONDS, "thread", "pause=200"])),
        // (What tokio itself costs: readiness and one read per wake, no socket semantics.)
        row("tokio alone: readiness + recvmmsg (64)", rust(&["recv-tokio", CAP_SECONDS])),
        row("raw Rust recvmmsg loop", rust(&["recv-raw", CAP_SECONDS])),
    ];
    for (name, rt, addon) in js_runtimes(cx) {
        v.push(row(&name, js(&rt, addon, &["recv", CAP_SECONDS])));
        if addon {
            // The extension beside the Node-exact receiver (one event per read).
            v.push(row(&batch_row(&rt), js(&rt, true, &["recv", CAP_SECONDS, "batch"])));
            // ... and with its messagesDelay option: reads paused 1 ms after a busy batch.
            let name = format!("node-dgram addon 'messages', messagesDelay 1 ms, Node {}", rt.version);
            v.push(row(&name, js(&rt, true, &["recv", CAP_SECONDS, "batch", "1"])));
            // ... and the same pacing under Node-exact 'message' events.
            let name = format!("node-dgram addon 'message', messagesDelay 1 ms, Node {}", rt.version);
            v.push(row(&name, js(&rt, true, &["recv", CAP_SECONDS, "message", "1"])));
        }
    }
    v
}

/// The JavaScript runtimes under the GSO flood (64-segment super-datagrams the kernel cuts into
/// datagrams before any receiver without GRO sees them): every receiver saturated, so the rows
/// compare the cost of receiving itself. Each receiver counts for the run's seconds.
fn saturated_rows(cx: &Cx, base: &str) -> Vec<M> {
    let (s, fs) = (cx.s(), cx.flood_s());
    let flood = rust(&["flood-gso", "{port}", "64", &fs]);
    let group = "receive, GSO flood";
    let row =
        |name: &str, receiver: Step| M::receive(group, name, 64, receiver, flood.clone()).against(base).in_set(group);
    let mut v = Vec::new();
    for (name, rt, addon) in js_runtimes(cx) {
        v.push(row(&name, js(&rt, addon, &["recv", &s])));
        if addon {
            v.push(row(&batch_row(&rt), js(&rt, true, &["recv", &s, "batch"])));
        }
    }
    v
}

/// The send rows: each JavaScript runtime, node-dgram's `send_to`, the C flood; into a C sink
/// that waits up to 5 s for a late datagram.
fn send_rows(cx: &Cx, base: &str) -> Vec<M> {
    let count = cx.o.plain_count.to_string();
    let sink = Step::new(&Impl::C, &["recv", CAP_SECONDS, "5"]);
    let group = "send, bursts of 64";
    let row = |name: &str, sender: Step| M::send(group, name, 64, sender, sink.clone()).against(base).in_set(group);
    let mut v: Vec<M> = js_runtimes(cx)
        .into_iter()
        .map(|(name, rt, addon)| row(&name, js(&rt, addon, &["burst", "{port}", "64", CAP_SECONDS, &count])))
        .collect();
    v.push(row("node-dgram send_to (Rust)", rust(&["send-ndg", "{port}", "64", CAP_SECONDS, &count])));
    v.push(row("C sendmmsg (64)", Step::new(&Impl::C, &["flood", "{port}", "64", CAP_SECONDS, &count])));
    v
}

/// Issue 19's tables, 3 alternated runs or more.
pub fn every_receiver(cx: &Cx, r: &mut Results) {
    if cx.env.floor().is_none() {
        return;
    }
    let base = js_runtimes(cx).first().map(|x| x.0.clone()).unwrap_or_default();
    r.plain_node = base.trim_end_matches(" dgram").to_string();
    eprintln!("every receiver under the plain flood ...");
    let ms = receive_rows(cx, &base);
    let runs = run_sets(cx.env, &ms, |_| cx.o.runs.max(3));
    r.plain = rows_of(&ms, &runs);
    r.floor = r.plain.iter().find(|x| x.name == FLOOR).map(|x| x.rate);
    eprintln!("every runtime sending ...");
    let ms = send_rows(cx, &base);
    let runs = run_sets(cx.env, &ms, |_| cx.o.runs.max(3));
    r.plain_send = rows_of(&ms, &runs);
    eprintln!("every JavaScript runtime under the GSO flood ...");
    let ms = saturated_rows(cx, &base);
    let runs = run_sets(cx.env, &ms, |_| cx.o.runs.max(3));
    r.plain_gso = rows_of(&ms, &runs);
}
