//! `dgram bench`: loopback throughput and round-trip latency of node-dgram and of Node's
//! built-in dgram, side by side, measured by the benchmark harness (`node-dgram-bench`, the
//! crate in `bench/`).
//!
//! Each side runs the harness's roles as separate processes, so that neither shares a thread
//! with the other: node-dgram's are `dgram bench-worker ROLE ...` (this program), Node's are
//! the harness's JavaScript worker (`bench/node/worker.js`) on `--node`. Every role ends by
//! itself, bounded in count and time, and is killed when the benchmark ends.
//!
//! - throughput: a receiver counts datagrams for `--seconds` from the first one while a sender
//!   sends `--size`-byte datagrams with up to 64 sends in flight (the rate is what arrives);
//! - latency: a client sends one datagram at a time to an echo server for `--seconds`, and
//!   reports the median and 99th percentile round trip.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use node_dgram_bench::env::{Engine, Env, Impl, Runtime, Step};
use node_dgram_bench::measure::{Kind, Measurement};
use node_dgram_bench::runner::{run_once, Run};
use node_dgram_bench::stats::field;
use serde_json::{json, Value};

use crate::cli::{BenchArgs, WorkerArgs};
use crate::output::thousands;
use crate::{Failure, Outcome};

/// Runs one role of node-dgram's side (`dgram bench-worker ROLE ARGS...`): the harness's.
pub fn worker(w: WorkerArgs) -> Outcome {
    let args: Vec<String> = std::iter::once(w.role).chain(w.args).collect();
    node_dgram_bench::roles::dispatch(&args).map_err(|e| Failure::Usage(format!("bench-worker: {e}")))
}

/// The two measurements of one side: its receiver fed by its own sender, its pings to its own
/// echo server.
fn measurements(imp: &Impl, size: u32, seconds: f64) -> [Measurement; 2] {
    let ours = matches!(imp, Impl::Rust);
    let role = |rust: &str, js: &str| if ours { rust.to_string() } else { js.to_string() };
    let (z, s, size) = (size.to_string(), seconds.to_string(), size as usize);
    let step = |args: &[&str]| Step::new(imp, args);
    let receiver = step(&[&role("recv-ndg", "recv"), &s]);
    let sender = step(&[&role("send-ndg", "send"), "{port}", &z, &s]);
    let server = step(&[&role("echo-ndg", "echo"), &(seconds + 15.0).to_string()]);
    let client = step(&[&role("ping-ndg", "ping"), "{port}", &z, "1000000", &s]);
    [
        Measurement::receive("throughput", "", size, receiver, sender),
        Measurement::new("round trips", "", size, Kind::RoundTrip { server, client, cores: None }),
    ]
}

/// A line of the results: a figure, which way is better, how it is shown.
struct Row {
    name: &'static str,
    get: fn(&Figures) -> f64,
    higher_is_better: bool,
    show: fn(f64) -> String,
}

/// One decimal: `21.3`.
fn one_decimal(x: f64) -> String {
    format!("{x:.1}")
}

const ROWS: [Row; 4] = [
    Row { name: "throughput (datagrams/s)", get: |f| f.rate, higher_is_better: true, show: thousands },
    Row { name: "throughput (MB/s)", get: |f| f.mbps, higher_is_better: true, show: one_decimal },
    Row { name: "round trip p50 (µs)", get: |f| f.p50, higher_is_better: false, show: one_decimal },
    Row { name: "round trip p99 (µs)", get: |f| f.p99, higher_is_better: false, show: one_decimal },
];

/// One side's results.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    /// Datagrams received per second.
    rate: f64,
    /// Payload megabytes (10^6) received per second.
    mbps: f64,
    /// Datagrams the sender handed to the kernel per second.
    sent_rate: f64,
    /// Median round trip, microseconds.
    p50: f64,
    /// 99th percentile round trip, microseconds.
    p99: f64,
    /// Round trips measured.
    round_trips: u64,
}

/// One side's figures from its two runs.
fn figures(size: u32, through: &Run, rtt: &Run) -> Result<Figures, String> {
    let (count, wall) = (through.get("count"), through.get("wall"));
    let (Some(count), Some(wall)) = (count, wall) else {
        return Err("a benchmark worker did not report its throughput".into());
    };
    if rtt.line.is_none() {
        return Err("a benchmark worker did not report its round trips".into());
    }
    let rate = if wall > 0.0 { count / wall } else { 0.0 };
    let sent = |k: &str| through.other.as_deref().and_then(|l| field(l, k)).unwrap_or(f64::NAN);
    Ok(Figures {
        rate,
        mbps: rate * f64::from(size) / 1e6,
        sent_rate: sent("count") / sent("wall"),
        p50: rtt.get("p50").unwrap_or(f64::NAN),
        p99: rtt.get("p99").unwrap_or(f64::NAN),
        round_trips: rtt.get("count").unwrap_or(0.0) as u64,
    })
}

/// Measures one side: throughput, then round trips.
fn measure(env: &Env, name: &str, imp: &Impl, size: u32, seconds: f64, bar: &ProgressBar) -> Result<Figures, String> {
    let [through, rtt] = measurements(imp, size, seconds);
    bar.set_message(format!("{name}: throughput"));
    let t = run_once(env, &through);
    bar.inc(1);
    bar.set_message(format!("{name}: round trips"));
    let r = run_once(env, &rtt);
    bar.inc(1);
    figures(size, &t, &r)
}

/// How much better node-dgram is: > 1 when it is better (higher rate, lower latency).
fn advantage(ours: f64, theirs: f64, higher_is_better: bool) -> Option<f64> {
    let r = if higher_is_better { ours / theirs } else { theirs / ours };
    r.is_finite().then_some(r).filter(|r| *r > 0.0)
}

/// `1.70x faster` / `1.25x slower`.
fn verdict(adv: Option<f64>) -> String {
    match adv {
        Some(a) if a >= 1.0 => format!("{a:.2}x faster"),
        Some(a) => format!("{:.2}x slower", 1.0 / a),
        None => "-".into(),
    }
}

/// Finite numbers as JSON numbers, the rest as `null`.
fn jnum(x: f64) -> Value {
    serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
}

/// Runs `dgram bench`.
pub fn run(args: BenchArgs) -> Outcome {
    let seconds = args.seconds.as_secs_f64();
    let exe = std::env::current_exe().map_err(|e| Failure::Other(format!("cannot find this program: {e}")))?;
    let env = Env::new(exe, &["bench-worker"], Duration::from_secs_f64(seconds + 20.0));
    let runtime = Runtime::probe(Engine::Node, &args.node);
    let version = runtime.as_ref().map(|r| r.version.clone());
    let node = runtime.map(|runtime| Impl::Js { runtime, addon: false });
    if version.is_none() {
        eprintln!("note: `{}` cannot be run: measuring node-dgram only", args.node.display());
    }
    let (ndg, nd) = measure_both(&env, node.as_ref(), args.size, seconds);
    let ndg = ndg?;
    let versions = format!(
        "node-dgram {} vs {}",
        env!("CARGO_PKG_VERSION"),
        version.as_deref().map(|v| format!("Node {v} (built-in dgram)")).unwrap_or("Node (not measured)".into())
    );
    let setup = format!("{}-byte datagrams over 127.0.0.1, {seconds} s per measurement", args.size);
    if args.json {
        outln!("{}", json_doc(&args, seconds, version.as_deref(), &ndg, nd.as_ref()));
    } else {
        text(&setup, &versions, &ndg, nd.as_ref());
    }
    if let Some(path) = &args.svg {
        let doc = crate::svg::chart(
            "node-dgram vs Node's dgram on loopback",
            &[&setup, &versions],
            &panels(&ndg, nd.as_ref()),
        );
        std::fs::write(path, doc).map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?;
        if !args.json {
            outln!("chart written to {}", path.display());
        }
    }
    Ok(())
}

/// Measures node-dgram, then Node (if it runs and node-dgram's side worked), under a
/// progress bar.
fn measure_both(
    env: &Env,
    node: Option<&Impl>,
    size: u32,
    seconds: f64,
) -> (Result<Figures, Failure>, Option<Figures>) {
    let bar = ProgressBar::new(2 * (1 + u64::from(node.is_some())));
    bar.set_style(
        ProgressStyle::with_template("{spinner:.green} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    let ndg = measure(env, "node-dgram", &Impl::Rust, size, seconds, &bar).map_err(Failure::Other);
    let nd = match (node, &ndg) {
        (Some(side), Ok(_)) => match measure(env, "Node", side, size, seconds, &bar) {
            Ok(f) => Some(f),
            Err(e) => {
                bar.suspend(|| eprintln!("warning: Node's side failed: {e}"));
                None
            }
        },
        _ => None,
    };
    bar.finish_and_clear();
    (ndg, nd)
}

/// The results as one JSON object.
fn json_doc(args: &BenchArgs, seconds: f64, version: Option<&str>, ndg: &Figures, nd: Option<&Figures>) -> Value {
    let figures = |f: &Figures| {
        json!({
            "throughput_datagrams_per_s": jnum(f.rate),
            "throughput_mb_per_s": jnum(f.mbps),
            "sent_datagrams_per_s": jnum(f.sent_rate),
            "rtt_p50_us": jnum(f.p50),
            "rtt_p99_us": jnum(f.p99),
            "round_trips": f.round_trips,
        })
    };
    let ratio = |get: fn(&Figures) -> f64, higher: bool| {
        nd.and_then(|n| advantage(get(ndg), get(n), higher)).map(jnum).unwrap_or(Value::Null)
    };
    json!({
        "size": args.size,
        "seconds": seconds,
        "node_version": version,
        "node_dgram": figures(ndg),
        "node": nd.map(figures),
        "node_dgram_advantage": {
            "throughput": ratio(|f| f.rate, true),
            "rtt_p50": ratio(|f| f.p50, false),
            "rtt_p99": ratio(|f| f.p99, false),
        },
    })
}

/// The results as a text table.
fn text(setup: &str, versions: &str, ndg: &Figures, nd: Option<&Figures>) {
    outln!("dgram bench: {setup}; {versions}");
    outln!();
    outln!("{:<26} {:>14} {:>14}   node-dgram vs Node", "", "node-dgram", "Node");
    for r in &ROWS {
        let theirs = nd.map(r.get);
        outln!(
            "{:<26} {:>14} {:>14}   {}",
            r.name,
            (r.show)((r.get)(ndg)),
            theirs.map(r.show).unwrap_or("-".into()),
            verdict(theirs.and_then(|t| advantage((r.get)(ndg), t, r.higher_is_better)))
        );
    }
    outln!();
    outln!(
        "(throughput: datagrams received per second; {} and {} round trips measured)",
        thousands(ndg.round_trips as f64),
        nd.map(|n| thousands(n.round_trips as f64)).unwrap_or("-".into()),
    );
}

/// The chart's panels: each row but MB/s.
fn panels(ndg: &Figures, nd: Option<&Figures>) -> Vec<crate::svg::Panel> {
    ROWS.iter()
        .filter(|r| r.name != "throughput (MB/s)")
        .map(|r| {
            let ours = (r.get)(ndg);
            let theirs = nd.map(r.get);
            let bars = vec![
                ("node-dgram".to_owned(), Some(ours), (r.show)(ours)),
                ("Node".to_owned(), theirs, theirs.map(r.show).unwrap_or_default()),
            ];
            let note = theirs
                .and_then(|t| advantage(ours, t, r.higher_is_better))
                .map(|a| format!("node-dgram {}", verdict(Some(a))));
            let mut title = r.name.to_owned();
            if let Some(first) = title.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            crate::svg::Panel { title, higher_is_better: r.higher_is_better, bars, note }
        })
        .collect()
}
