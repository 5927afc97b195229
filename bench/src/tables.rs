//! The tables from before issue 19, as measurements: node-dgram's Rust API against Node's
//! built-in, the multi-core server, the addon against the built-in, round trips, memory.

use crate::env::{Runtime, Step};
use crate::measure::{Kind, Measurement as M};
use crate::runner::rate_of;
use crate::suite::{addon_or_note, js, latency_of, paired_rates, round_trip, rows_of, run_sets, rust, Cx, Results};

/// Receive and send at one payload size: Node's dgram, node-dgram, the raw loops.
fn rust_api_rows(cx: &Cx, size: usize) -> Vec<M> {
    let (s, fs, z) = (cx.s(), cx.flood_s(), size.to_string());
    let plain = rust(&["flood", "{port}", &z, &fs]);
    let gso = rust(&["flood-gso", "{port}", &z, &fs]);
    let sink = rust(&["recv-raw", &(cx.o.seconds + 5.0).to_string()]);
    let recv = |name: &str, receiver: Step, flood: &Step, base: &str, set: &str| {
        M::receive("receive", name, size, receiver, flood.clone()).against(base).in_set(set)
    };
    let send = |name: &str, sender: Step| M::send("send", name, size, sender, sink.clone()).against("Node dgram");
    let mut v = Vec::new();
    let nd = cx.node.as_ref();
    if let Some(n) = nd {
        v.push(recv("Node dgram", js(n, false, &["recv", &s]), &plain, "Node dgram", "receive"));
    }
    v.push(recv("node-dgram on_message", rust(&["recv-ndg", &s]), &plain, "Node dgram", "receive"));
    v.push(recv("raw recvmmsg loop", rust(&["recv-raw", &s]), &plain, "Node dgram", "receive"));
    let g = "Node dgram, GSO flood";
    if let Some(n) = nd {
        v.push(recv(g, js(n, false, &["recv", &s]), &gso, g, "receive"));
    }
    // Saturated on_message against the raw loop (target 0.9x): alternated, 7 runs or more. By
    // default node-dgram's sockets ask for UDP GRO, which the raw loop does not; the row with
    // it off reads one datagram per entry, as the raw loop does.
    v.push(recv("node-dgram on_message, GSO flood", rust(&["recv-ndg", &s]), &gso, g, "saturated"));
    v.push(recv("node-dgram on_message, GRO off, GSO flood", rust(&["recv-ndg", &s, "nogro"]), &gso, g, "saturated"));
    v.push(recv(
        "node-dgram on_message, receive_thread, GRO off, GSO flood",
        rust(&["recv-ndg", &s, "thread", "nogro"]),
        &gso,
        g,
        "saturated",
    ));
    v.push(recv("raw recvmmsg loop, GSO flood", rust(&["recv-raw", &s]), &gso, g, "saturated"));
    if let Some(n) = nd {
        v.push(send("Node dgram", js(n, false, &["send", "{port}", &z, &s])).in_set("send"));
    }
    v.push(send("node-dgram send_to", rust(&["send-ndg", "{port}", &z, &s])).in_set("send"));
    v.push(send("node-dgram send_to, GSO", rust(&["send-ndg", "{port}", &z, &s, "gso"])).in_set("send"));
    v.push(send("raw sendmmsg loop", rust(&["send-raw", "{port}", &z, &s])).in_set("send"));
    v
}

/// node-dgram's Rust API against Node's dgram, every size.
pub fn rust_api(cx: &Cx, r: &mut Results) {
    for &size in &cx.o.sizes {
        eprintln!("receive and send, {size} B ...");
        let ms = rust_api_rows(cx, size);
        let runs = run_sets(cx.env, &ms, |set| if set == "saturated" { cx.o.runs.max(7) } else { cx.o.runs });
        let at = |name: &str| ms.iter().position(|m| m.name == name);
        for (who, row) in [
            ("on_message", "node-dgram on_message, GSO flood"),
            ("on_message, GRO off", "node-dgram on_message, GRO off, GSO flood"),
            ("on_message, receive_thread, GRO off", "node-dgram on_message, receive_thread, GRO off, GSO flood"),
        ] {
            if let (Some(a), Some(b)) = (at(row), at("raw recvmmsg loop, GSO flood")) {
                let (med, lo, hi) = paired_rates(&runs[a], &runs[b], true);
                r.sat_pairs.push((who, size, med, lo, hi));
            }
        }
        r.rows.extend(rows_of(&ms, &runs));
    }
}

/// The multi-core server: 1 and 2 threads under the GSO flood, and draining filled queues.
pub fn multicore(cx: &Cx, r: &mut Results) {
    eprintln!("multi-core server ...");
    // The GSO flood (eight source ports, so that reusePort spreads it): the sendmmsg flood tops
    // out near what one thread already receives, and could not show a second one's share.
    let gso64 = rust(&["flood-gso", "{port}", "64", &cx.flood_s()]);
    let ms: Vec<M> = ["1", "2"]
        .iter()
        .map(|t| M::receive("multicore", t, 64, rust(&["multicore", t, &cx.s()]), gso64.clone()).in_set("mc"))
        .collect();
    let runs = run_sets(cx.env, &ms, |_| cx.o.runs);
    r.multicore = Some((rate_of(&runs[0]), rate_of(&runs[1])));
    eprintln!("multi-core server, draining filled queues ...");
    let servers: [(&str, &[&str]); 6] = [
        ("node-dgram, reusePort", &["multicore-drain", "{t}", "1", "10"]),
        ("node-dgram, reusePort, pinned threads", &["multicore-drain", "{t}", "1", "10", "pin"]),
        ("node-dgram, shared descriptor", &["multicore-drain", "{t}", "0", "10"]),
        ("raw recvmmsg threads, reusePort", &["raw-drain", "{t}", "10"]),
        ("raw recvmmsg threads, reusePort, pinned", &["raw-drain", "{t}", "10", "pin"]),
        ("raw recvmmsg threads, shared descriptor", &["raw-drain", "{t}", "10", "shared"]),
    ];
    for (name, args) in servers {
        let with = |t: &str| rust(&args.iter().map(|a| if *a == "{t}" { t } else { a }).collect::<Vec<_>>());
        let ms = [
            M::new("drain", name, 64, Kind::Solo(with("1"))).in_set(name),
            M::new("drain", name, 64, Kind::Solo(with("2"))).in_set(name),
        ];
        let runs = run_sets(cx.env, &ms, |_| cx.o.runs.max(5));
        let (_, lo, hi) = paired_rates(&runs[1], &runs[0], false);
        r.drain.push((name.to_string(), rate_of(&runs[0]), rate_of(&runs[1]), (lo, hi)));
    }
}

/// The Nodes the addon is measured on: the system Node and the pinned Nodes 24 and 26.
pub fn js_nodes(cx: &Cx) -> Vec<Runtime> {
    let mut v: Vec<Runtime> = cx.node.iter().cloned().collect();
    for pinned in [Runtime::node24(), Runtime::node26()].into_iter().flatten() {
        if !v.iter().any(|n| n.version == pinned.version) {
            v.push(pinned);
        }
    }
    v
}

/// The addon against the built-in at one size on `node`: the two alternate, 5 runs or more.
fn addon_rows(cx: &Cx, node: &Runtime, size: usize) -> Vec<M> {
    let (s, z, fs) = (cx.s(), size.to_string(), cx.flood_s());
    let builtin = format!("Node {} dgram", node.version);
    let addon = format!("node-dgram addon, Node {}", node.version);
    let mut v = Vec::new();
    // Two floods: the plain one leaves a receiver faster than its sender idle between wakes (so
    // a faster receiver pays more wake-ups per datagram); the GSO one, cut into the same
    // datagrams by the kernel, costs its sender less and keeps both receivers saturated, so it
    // shows the cost of receiving itself.
    for (group, flood) in [("JS receive, plain flood", "flood"), ("JS receive, GSO flood", "flood-gso")] {
        let f = rust(&[flood, "{port}", &z, &fs]);
        for (name, a) in [(&builtin, false), (&addon, true)] {
            v.push(
                M::receive(group, name, size, js(node, a, &["recv", &s]), f.clone()).against(&builtin).in_set(group),
            );
        }
        // The addon's batched receive (the `messages` extension), in the same alternation.
        let batched = js(node, true, &["recv", &s, "batch"]);
        let name = crate::plain::batch_row(node);
        v.push(M::receive(group, &name, size, batched, f.clone()).against(&builtin).in_set(group));
    }
    let sink = rust(&["recv-raw", &(cx.o.seconds + 5.0).to_string()]);
    for (name, a) in [(&builtin, false), (&addon, true)] {
        let sender = js(node, a, &["send", "{port}", &z, &s]);
        v.push(M::send("JS send", name, size, sender, sink.clone()).against(&builtin).in_set("JS send"));
    }
    v
}

/// The addon against the built-in on each Node at hand: rates and round trips.
pub fn addon(cx: &Cx, r: &mut Results) {
    if addon_or_note().is_none() {
        return;
    }
    for node in js_nodes(cx) {
        for &size in &cx.o.sizes {
            eprintln!("addon on Node {}, {size} B ...", node.version);
            let ms = addon_rows(cx, &node, size);
            let runs = run_sets(cx.env, &ms, |_| cx.o.runs.max(5));
            r.js_rows.extend(rows_of(&ms, &runs));
        }
        for same in [true, false] {
            let ms: Vec<M> = [false, true]
                .iter()
                .map(|&a| {
                    let (server, client) = (js(&node, a, &["echo"]), js(&node, a, &["ping", "{port}", "64", "4000"]));
                    round_trip("JS round trip", if a { "addon" } else { "built-in" }, server, client, same)
                })
                .collect();
            let runs = run_sets(cx.env, &ms, |_| cx.o.runs.max(15));
            // Each alternation's addon run against the built-in run just before it: load that
            // drifts over seconds weighs on both sides of a pair alike.
            let paired =
                crate::stats::median(crate::stats::paired(&runs[1], &runs[0], |r| r.get("p50").unwrap_or(f64::NAN)));
            r.js_lat.push((node.version.clone(), same, latency_of(&runs[1]), latency_of(&runs[0]), paired));
        }
    }
}

/// Round trips: node-dgram against Node's dgram, same core and across cores.
pub fn latency(cx: &Cx, r: &mut Results) {
    eprintln!("ping-pong ...");
    for same in [true, false] {
        let mut ms = vec![round_trip(
            "round trip",
            "node-dgram",
            rust(&["echo-ndg"]),
            rust(&["ping-ndg", "{port}", "64", "2000"]),
            same,
        )];
        if let Some(n) = &cx.node {
            ms.push(round_trip(
                "round trip",
                "Node",
                js(n, false, &["echo"]),
                js(n, false, &["ping", "{port}", "64", "2000"]),
                same,
            ));
        }
        let runs = run_sets(cx.env, &ms, |_| cx.o.runs);
        r.lat.push((same, latency_of(&runs[0]), runs.get(1).map(|x| latency_of(x))));
    }
}

/// The receivers' resident memory under a long flood.
pub fn memory(cx: &Cx, r: &mut Results) {
    eprintln!("receiver memory under a {} s flood ...", cx.o.rss_seconds);
    let rs = cx.o.rss_seconds.to_string();
    let flood = rust(&["flood", "{port}", "64", &(cx.o.rss_seconds + 3.0).to_string()]);
    let mut ms = vec![M::receive("memory", "node-dgram", 64, rust(&["recv-ndg", &rs]), flood.clone())];
    if let Some(n) = &cx.node {
        ms.push(M::receive("memory", "Node dgram", 64, js(n, false, &["recv", &rs]), flood));
    }
    let mut runs = run_sets(cx.env, &ms, |_| 1).into_iter().map(|mut v| v.pop().unwrap_or_default());
    let ndg = runs.next().unwrap_or_default();
    r.rss = Some((ndg, runs.next()));
}
