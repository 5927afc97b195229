//! The benchmark's tables, declared as measurements ([`crate::measure`]), run by
//! [`crate::runner`], reported by [`crate::report`]: `dgram-bench all`.

use crate::env::{addon_dir, Env, Impl, Runtime, Step};
use crate::measure::{Kind, Measurement as M};
use crate::runner::{median_of, rate_of, run_all, Run};
use crate::stats::{lowest_highest, median, paired, Rate};

/// `all`'s options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Seconds of each timed measurement (`--seconds`).
    pub seconds: f64,
    /// Runs of each measurement (`--runs`); some tables take more.
    pub runs: usize,
    /// Seconds of the memory measurement's flood (`--rss-seconds`).
    pub rss_seconds: f64,
    /// Payload sizes (`--sizes 64,1200,8192`).
    pub sizes: Vec<usize>,
    /// Datagrams of the plain flood, and sends of the send rows, for every runtime
    /// (`--plain-count`, 1,000,000).
    pub plain_count: u64,
    /// The tables to run (`--only rust,multicore,addon,latency,memory,plain`; all of these by
    /// default; `bounds` runs only when named).
    pub only: Vec<String>,
    /// Where the JSON goes (`--json`).
    pub json_path: String,
    /// Where the chart goes (`--svg`).
    pub svg_path: String,
}

impl Options {
    /// Options from `all`'s arguments.
    pub fn parse(args: &[String]) -> Options {
        let mut o = Options {
            seconds: 2.0,
            runs: 3,
            rss_seconds: 10.0,
            sizes: vec![64, 1200, 8192],
            plain_count: 1_000_000,
            only: Vec::new(),
            json_path: "bench/results.json".into(),
            svg_path: "bench/results.svg".into(),
        };
        for pair in args.chunks(2) {
            let v = pair.get(1).cloned().unwrap_or_default();
            let list = || v.split(',').map(str::to_string);
            match pair[0].as_str() {
                "--seconds" => o.seconds = v.parse().unwrap_or(o.seconds),
                "--runs" => o.runs = v.parse().unwrap_or(o.runs),
                "--rss-seconds" => o.rss_seconds = v.parse().unwrap_or(o.rss_seconds),
                "--sizes" => o.sizes = list().filter_map(|x| x.parse().ok()).collect(),
                "--plain-count" => o.plain_count = v.parse().unwrap_or(o.plain_count),
                "--only" => o.only = list().collect(),
                "--json" => o.json_path = v,
                "--svg" => o.svg_path = v,
                other => eprintln!("ignoring {other}"),
            }
        }
        o
    }

    /// Whether the table `name` runs (`bounds` only when named).
    pub fn runs_table(&self, name: &str) -> bool {
        (self.only.is_empty() && name != "bounds") || self.only.iter().any(|t| t == name)
    }
}

/// One row of a rates table: ratios are against `base` (and, for the plain flood, `floor`).
#[derive(Clone, Debug)]
pub struct Row {
    /// The direction.
    pub group: String,
    /// The implementation.
    pub name: String,
    /// Payload bytes.
    pub size: usize,
    /// Median rates.
    pub rate: Rate,
    /// The base row's rates.
    pub base: Option<Rate>,
}

/// A round trip's medians: p50 and p99 in microseconds.
pub type Latency = (f64, f64);

/// Everything `all` measured.
#[derive(Default)]
pub struct Results {
    /// The system Node's version (`absent` without one).
    pub node_version: String,
    /// Node's built-in against node-dgram's Rust API.
    pub rows: Vec<Row>,
    /// Per receiver (on the runtime, on its own thread) and size: median, lowest, highest of
    /// the saturated on_message/raw paired ratios.
    pub sat_pairs: Vec<(&'static str, usize, f64, f64, f64)>,
    /// The multi-core server under a GSO flood, 1 and 2 threads.
    pub multicore: Option<(Rate, Rate)>,
    /// Draining filled queues: server, 1 and 2 threads, lowest and highest paired ratio.
    pub drain: Vec<(String, Rate, Rate, (f64, f64))>,
    /// The addon against the built-in, JavaScript on both sides.
    pub js_rows: Vec<Row>,
    /// Node version, same core, addon, built-in, paired p50 ratio.
    pub js_lat: Vec<(String, bool, Latency, Latency, f64)>,
    /// Same core, node-dgram, Node.
    pub lat: Vec<(bool, Latency, Option<Latency>)>,
    /// Resident memory lines of node-dgram's and Node's receivers.
    pub rss: Option<(Run, Option<Run>)>,
    /// Every receiver under the plain flood (issue 19), against Node 24 and the C loop.
    pub plain: Vec<Row>,
    /// The C loop's rates (the plain table's floor).
    pub floor: Option<Rate>,
    /// Sends in bursts of 64 per loop turn into a C sink, every runtime.
    pub plain_send: Vec<Row>,
    /// Every JavaScript runtime's receive under the GSO flood (each receiver saturated).
    pub plain_gso: Vec<Row>,
    /// The plain tables' Node (`Node v24.11.1`).
    pub plain_node: String,
    /// What bounds issue 19's open targets (`--only bounds`).
    pub bounds: Option<crate::bounds::Bounds>,
}

/// What the tables need to know: the options, the roles, the runtimes.
pub struct Cx<'a> {
    /// The options.
    pub o: &'a Options,
    /// Where the roles are.
    pub env: &'a Env,
    /// The system Node, if any.
    pub node: Option<Runtime>,
}

impl Cx<'_> {
    /// `--seconds` as an argument.
    pub fn s(&self) -> String {
        self.o.seconds.to_string()
    }
    /// A flood's seconds: 3 more than a measurement's.
    pub fn flood_s(&self) -> String {
        (self.o.seconds + 3.0).to_string()
    }
}

/// A Rust role.
pub fn rust(args: &[&str]) -> Step {
    Step::new(&Impl::Rust, args)
}

/// A JavaScript role on `rt`, with the addon or the built-in module.
pub fn js(rt: &Runtime, addon: bool, args: &[&str]) -> Step {
    Step::new(&Impl::Js { runtime: rt.clone(), addon }, args)
}

/// Rows of `ms` from their runs: medians, and the medians of the base row (the row of that
/// name in the same group, at the same size).
pub fn rows_of(ms: &[M], runs: &[Vec<Run>]) -> Vec<Row> {
    let rates: Vec<Rate> = runs.iter().map(|r| rate_of(r)).collect();
    let base_of = |m: &M| {
        let b = m.base.as_ref()?;
        ms.iter().position(|x| &x.name == b && x.group == m.group && x.size == m.size).map(|i| rates[i])
    };
    ms.iter()
        .zip(&rates)
        .map(|(m, r)| Row { group: m.group.clone(), name: m.name.clone(), size: m.size, rate: *r, base: base_of(m) })
        .collect()
}

/// A table: what it measures goes into the results.
pub type Table = fn(&Cx, &mut Results);

/// Runs every table the options ask for.
pub fn run(cx: &Cx) -> Results {
    let mut r = Results {
        node_version: cx.node.as_ref().map(|n| n.version.clone()).unwrap_or_else(|| "absent".into()),
        ..Results::default()
    };
    let tables: [(&str, Table); 7] = [
        ("rust", crate::tables::rust_api),
        ("multicore", crate::tables::multicore),
        ("addon", crate::tables::addon),
        ("latency", crate::tables::latency),
        ("memory", crate::tables::memory),
        ("plain", crate::plain::every_receiver),
        ("bounds", crate::bounds::bounds),
    ];
    for (name, table) in tables {
        if cx.o.runs_table(name) {
            table(cx, &mut r);
        }
    }
    r
}

/// The round-trip measurement of `server` and `client`, same core or across two; the round
/// trips of one group alternate.
pub fn round_trip(group: &str, name: &str, server: Step, client: Step, same: bool) -> M {
    let cores = Some((0, if same { 0 } else { 1 }));
    M::new(group, name, 64, Kind::RoundTrip { server, client, cores }).in_set(group)
}

/// The p50 and p99 medians of round-trip runs.
pub fn latency_of(runs: &[Run]) -> Latency {
    (median_of(runs, "p50"), median_of(runs, "p99"))
}

/// The median, lowest and highest of run-by-run ratios of `a`'s rates to `b`'s, per CPU-s or
/// per wall-s.
pub fn paired_rates(a: &[Run], b: &[Run], cpu: bool) -> (f64, f64, f64) {
    let pick = |r: &Run| r.rate().map(|x| if cpu { x.per_cpu } else { x.per_wall }).unwrap_or(f64::NAN);
    let p = paired(a, b, pick);
    let (lo, hi) = lowest_highest(&p);
    (median(p), lo, hi)
}

/// The addon's directory when it is built; says so once when it is not.
pub fn addon_or_note() -> Option<std::path::PathBuf> {
    let dir = addon_dir();
    if dir.is_none() {
        eprintln!("the addon is not built (cd npm/node-dgram && npm run build): skipping its rows");
    }
    dir
}

/// Runs `ms` with `runs` rounds for every set, printing each set's name as it starts.
pub fn run_sets(env: &Env, ms: &[M], runs: impl Fn(&str) -> usize) -> Vec<Vec<Run>> {
    run_all(env, ms, runs, |set| eprintln!("{set} ..."))
}
