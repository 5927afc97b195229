//! The Markdown report.

use std::fmt::Write;

use super::ratio;
use crate::stats::{field, Rate};
use crate::suite::{Options, Results, Row};

/// The whole report, table by table (tables that did not run are left out).
pub fn markdown(r: &Results, o: &Options) -> String {
    let mut m = format!("node-dgram vs Node's dgram ({}) over loopback; median of {} runs of {} s; rates in datagrams per CPU-second of the measured process (getrusage) and per wall-clock second\n\n", r.node_version, o.runs, o.seconds);
    if !r.rows.is_empty() {
        m += &rates(&r.rows, "Node");
        m += "\n";
        m += &saturated(r);
    }
    if let Some((one, two)) = r.multicore {
        m += &multicore(one, two, r);
    }
    if !r.lat.is_empty() {
        m += &latency(r);
    }
    if !r.js_rows.is_empty() {
        m += "\nThe Node addon (`require('node-dgram')`) against the built-in `dgram` on the same Node, JavaScript on both sides:\n\n";
        m += &rates(&r.js_rows, "built-in");
        m += &js_latency(r);
    }
    if !r.plain.is_empty() {
        m += &plain(r, o);
    }
    if let Some(b) = &r.bounds {
        m += &bounds(b);
    }
    if let Some((ndg, node)) = &r.rss {
        m += &memory(o, ndg.line.as_deref(), node.as_ref().and_then(|n| n.line.as_deref()));
    }
    m
}

/// Rows as a Markdown table, with ratios to each row's base (`base` names it in the header).
pub fn rates(rows: &[Row], base: &str) -> String {
    let mut t = format!(
        "| direction | implementation | payload | dgrams / CPU-s | dgrams / s | vs {base} (CPU) | vs {base} (wall) |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
    );
    for r in rows {
        let _ = writeln!(
            t,
            "| {} | {} | {} B | {:.0} | {:.0} | {} | {} |",
            r.group,
            r.name,
            r.size,
            r.rate.per_cpu,
            r.rate.per_wall,
            ratio(r.rate.per_cpu, r.base, |x| x.per_cpu),
            ratio(r.rate.per_wall, r.base, |x| x.per_wall)
        );
    }
    t
}

fn saturated(r: &Results) -> String {
    let mut t = String::from("| saturated receive (GSO flood), against the raw loop, runs paired | median | lowest-highest |\n| --- | ---: | ---: |\n");
    for (who, size, med, lo, hi) in &r.sat_pairs {
        let _ = writeln!(t, "| {who}, {size} B, per CPU-s | {med:.2}x | {lo:.2}-{hi:.2}x |");
    }
    t
}

fn multicore(one: Rate, two: Rate, r: &Results) -> String {
    let mut t = String::from(
        "\n| multi-core server (reusePort, 64 B, GSO flood) | dgrams / CPU-s | dgrams / s |\n| --- | ---: | ---: |\n",
    );
    let _ = writeln!(t, "| 1 thread | {:.0} | {:.0} |", one.per_cpu, one.per_wall);
    let x = two.per_wall / one.per_wall;
    let _ = writeln!(t, "| 2 threads | {:.0} | {:.0} ({x:.2}x of 1 thread) |", two.per_cpu, two.per_wall);
    t += "\n| multi-core server, draining filled queues (64 B) | 1 thread (dgrams / s) | 2 threads (dgrams / s) | 2 vs 1 | paired runs, lowest-highest |\n| --- | ---: | ---: | ---: | ---: |\n";
    for (name, one, two, (lo, hi)) in &r.drain {
        let x = two.per_wall / one.per_wall;
        let _ = writeln!(t, "| {name} | {:.0} | {:.0} | {x:.2}x | {lo:.2}-{hi:.2}x |", one.per_wall, two.per_wall);
    }
    t
}

fn latency(r: &Results) -> String {
    let mut t = String::from("\n| round trip (64 B) | node-dgram p50 / p99 (µs) | Node p50 / p99 (µs) | p50 vs Node |\n| --- | ---: | ---: | ---: |\n");
    for (same, (a50, a99), nd) in &r.lat {
        let (n50, n99) = nd.unwrap_or((f64::NAN, f64::NAN));
        let core = if *same { "same core" } else { "cross core" };
        let _ = writeln!(t, "| {core} | {a50:.1} / {a99:.1} | {n50:.1} / {n99:.1} | {:.2}x |", a50 / n50);
    }
    t
}

fn js_latency(r: &Results) -> String {
    let mut t = String::from("\n| round trip (64 B), JavaScript | addon p50 / p99 (µs) | built-in p50 / p99 (µs) | p50 vs built-in | paired p50 ratio |\n| --- | ---: | ---: | ---: | ---: |\n");
    for (ver, same, (a50, a99), (b50, b99), paired) in &r.js_lat {
        let core = if *same { "same core" } else { "cross core" };
        let x = a50 / b50;
        let _ =
            writeln!(t, "| Node {ver}, {core} | {a50:.1} / {a99:.1} | {b50:.1} / {b99:.1} | {x:.2}x | {paired:.2}x |");
    }
    t
}

/// Issue 19's tables: every receiver against Node's built-in and the C loop; every sender.
fn plain(r: &Results, o: &Options) -> String {
    let n = &r.plain_node;
    let mut t = format!("\nEvery receiver under the plain flood: {} datagrams of 64 B from a C `sendmmsg` flood; the receiving process's datagrams per CPU-second (getrusage) and per wall-clock second from its first datagram to its last; medians of {} alternated runs:\n\n", o.plain_count, o.runs.max(3));
    let _ = writeln!(t, "| receiver | dgrams / CPU-s | dgrams / s | vs {n} (CPU) | vs C loop (CPU) | vs {n} (wall) | vs C loop (wall) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for x in &r.plain {
        let (c, w) = (x.rate.per_cpu, x.rate.per_wall);
        let (bc, fc) = (ratio(c, x.base, |r| r.per_cpu), ratio(c, r.floor, |r| r.per_cpu));
        let (bw, fw) = (ratio(w, x.base, |r| r.per_wall), ratio(w, r.floor, |r| r.per_wall));
        let _ = writeln!(t, "| {} | {c:.0} | {w:.0} | {bc} | {fc} | {bw} | {fw} |", x.name);
    }
    let _ = writeln!(t, "\n| sender ({} sends of 64 B, bursts of 64 per loop turn, into a C sink) | sends / CPU-s | sends / s | vs {n} (CPU) | vs {n} (wall) |\n| --- | ---: | ---: | ---: | ---: |", o.plain_count);
    for x in &r.plain_send {
        let (c, w) = (x.rate.per_cpu, x.rate.per_wall);
        let (bc, bw) = (ratio(c, x.base, |r| r.per_cpu), ratio(w, x.base, |r| r.per_wall));
        let _ = writeln!(t, "| {} | {c:.0} | {w:.0} | {bc} | {bw} |", x.name);
    }
    if !r.plain_gso.is_empty() {
        let _ = writeln!(t, "\n| receiver (GSO flood of 64 B, {} s, every receiver saturated) | dgrams / CPU-s | dgrams / s | vs {n} (CPU) | vs {n} (wall) |\n| --- | ---: | ---: | ---: | ---: |", o.seconds);
        for x in &r.plain_gso {
            let (c, w) = (x.rate.per_cpu, x.rate.per_wall);
            let (bc, bw) = (ratio(c, x.base, |r| r.per_cpu), ratio(w, x.base, |r| r.per_wall));
            let _ = writeln!(t, "| {} | {c:.0} | {w:.0} | {bc} | {bw} |", x.name);
        }
    }
    t
}

fn memory(o: &Options, ndg: Option<&str>, node: Option<&str>) -> String {
    let mb = |json: Option<&str>, k: &str| json.and_then(|j| field(j, k)).map(|b| b / 1048576.0).unwrap_or(f64::NAN);
    let mut t = format!("\n| receiver resident memory, {} s flood of 64 B | after 1 s (MiB) | at the end (MiB) |\n| --- | ---: | ---: |\n", o.rss_seconds);
    let _ = writeln!(t, "| node-dgram | {:.1} | {:.1} |", mb(ndg, "rss_start"), mb(ndg, "rss"));
    if node.is_some() {
        let _ = writeln!(t, "| Node dgram | {:.1} | {:.1} |", mb(node, "rss_start"), mb(node, "rss"));
    }
    t
}

/// Issue 19's bounds: receive, send and round-trip tables, ratios against the first row
/// (Node's built-in).
fn bounds(b: &crate::bounds::Bounds) -> String {
    let (n, k) = (b.runs, b.count);
    let mut t = format!(
        "\nReceive: {k} datagrams of 64 B from the C sendmmsg flood, medians of {n} alternated rounds\n\n| receiver | dgrams / CPU-s | dgrams / s | vs Node's built-in (CPU) | datagrams per wake | mean wait for a wake (µs) |\n| --- | ---: | ---: | ---: | ---: | ---: |\n"
    );
    let base = b.recv.first().map(|x| x.1.per_cpu).unwrap_or(f64::NAN);
    for (name, r, wakes) in &b.recv {
        let (per, wait) = wakes.map(|(p, w)| (format!("{p:.1}"), format!("{w:.0}"))).unwrap_or_default();
        let _ = writeln!(
            t,
            "| {name} | {:.0} | {:.0} | {:.2}x | {per} | {wait} |",
            r.per_cpu,
            r.per_wall,
            r.per_cpu / base
        );
    }
    let _ = write!(
        t,
        "\nSend: {k} sends of 64 B into a C sink, medians of {n} alternated rounds\n\n| sender | sends / CPU-s | sends / s | vs Node's built-in (CPU) | user µs / send | system µs / send |\n| --- | ---: | ---: | ---: | ---: | ---: |\n"
    );
    let base = b.send.first().map(|x| x.1.per_cpu).unwrap_or(f64::NAN);
    for (name, r, split) in &b.send {
        let (u, s) = split.map(|(u, s)| (format!("{u:.2}"), format!("{s:.2}"))).unwrap_or_default();
        let _ = writeln!(t, "| {name} | {:.0} | {:.0} | {:.2}x | {u} | {s} |", r.per_cpu, r.per_wall, r.per_cpu / base);
    }
    let pings = crate::bounds::PINGS;
    let _ = write!(
        t,
        "\nRound trip: 64 B, both processes on CPU 0, medians of {n} alternated rounds of {pings}\n\n| pair | p50 (µs) | p99 (µs) | p50 vs Node's built-in | pinger's CPU per round trip (µs) |\n| --- | ---: | ---: | ---: | ---: |\n"
    );
    let base = b.rtt.first().map(|x| x.1 .0).unwrap_or(f64::NAN);
    for (name, (p50, p99), cpu) in &b.rtt {
        let _ = writeln!(t, "| {name} | {p50:.1} | {p99:.1} | {:.2}x | {cpu:.1} |", p50 / base);
    }
    t
}
