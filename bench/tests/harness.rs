//! The harness's pieces work together: the C floor counts what the C flood sends, a Rust
//! receiver counts a Rust flood, the JavaScript worker runs on the system Node, and the report
//! shows every row with its ratios. (No timing is asserted: only what was counted.)

use std::path::PathBuf;
use std::time::Duration;

use node_dgram_bench::env::{Env, Impl, Runtime, Step};
use node_dgram_bench::measure::Measurement;
use node_dgram_bench::report::markdown;
use node_dgram_bench::runner::{run_all, run_once};
use node_dgram_bench::stats::Rate;
use node_dgram_bench::suite::{js, rows_of, Options, Results};

fn env() -> Env {
    Env::new(PathBuf::from(env!("CARGO_BIN_EXE_dgram-bench")), &[], Duration::from_secs(60))
}

/// One run of a C receiver (`recv`: its arguments to `floor`) under 20,000 datagrams of the C
/// flood; `None` without a working `cc`.
fn c_receiver_under_the_c_flood(name: &str, recv: &[&str]) -> Option<node_dgram_bench::runner::Run> {
    let env = env();
    if env.floor().is_none() {
        eprintln!("no working `cc`: skipped");
        return None;
    }
    let m = Measurement::receive(
        "receive",
        name,
        64,
        Step::new(&Impl::C, recv),
        Step::new(&Impl::C, &["flood", "{port}", "64", "20", "20000"]),
    );
    Some(run_once(&env, &m))
}

#[test]
fn the_c_floor_counts_what_the_c_flood_sends() {
    let Some(run) = c_receiver_under_the_c_flood("C loop", &["recv", "20"]) else { return };
    let n = run.get("count").expect("a count");
    assert!(n > 0.0 && n <= 20000.0, "{run:?}");
    assert!(run.rate().is_some_and(|r| r.per_wall > 0.0), "{run:?}");
}

/// The io_uring receiver of the bounds table (Linux): it counts what the C flood sends, whole.
#[cfg(target_os = "linux")]
#[test]
fn the_c_io_uring_receiver_counts_what_the_c_flood_sends() {
    let Some(run) = c_receiver_under_the_c_flood("C io_uring", &["uring", "20"]) else { return };
    let n = run.get("count").expect("a count (io_uring refused? see the receiver's error)");
    assert!(n > 0.0 && n <= 20000.0, "{run:?}");
    assert_eq!(run.get("truncated"), Some(0.0), "{run:?}");
    assert!(run.get("wakes").is_some_and(|w| w > 0.0 && w <= n), "{run:?}");
}

#[test]
fn alternated_runs_are_counted_for_every_member() {
    let env = env();
    let flood = Step::new(&Impl::Rust, &["flood", "{port}", "64", "1"]);
    let ms = [
        Measurement::receive("receive", "ndg", 64, Step::new(&Impl::Rust, &["recv-ndg", "0.3"]), flood.clone())
            .in_set("pair"),
        Measurement::receive("receive", "raw", 64, Step::new(&Impl::Rust, &["recv-raw", "0.3"]), flood)
            .in_set("pair")
            .against("ndg"),
    ];
    let runs = run_all(&env, &ms, |_| 2, |_| {});
    assert_eq!(runs.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2]);
    for r in runs.iter().flatten() {
        assert!(r.get("count").is_some_and(|n| n > 0.0), "{r:?}");
    }
    let rows = rows_of(&ms, &runs);
    assert!(rows[1].base.is_some() && rows[0].base.is_none());
}

#[test]
fn the_javascript_worker_receives_on_node() {
    let Some(node) = Runtime::system_node() else {
        eprintln!("no node: skipped");
        return;
    };
    let env = env();
    let m = Measurement::receive(
        "receive",
        "Node",
        64,
        js(&node, false, &["recv", "0.3"]),
        Step::new(&Impl::Rust, &["flood", "{port}", "64", "2"]),
    );
    let run = run_once(&env, &m);
    assert!(run.get("count").is_some_and(|n| n > 0.0), "{run:?}");
    assert!(run.get("rss").is_some_and(|n| n > 0.0), "{run:?}");
}

#[test]
fn the_report_shows_each_row_against_its_base() {
    let o = Options::parse(&["--runs".into(), "1".into()]);
    let base = Rate { per_cpu: 100.0, per_wall: 50.0 };
    let row = |name: &str, per_cpu: f64| node_dgram_bench::suite::Row {
        group: "receive".into(),
        name: name.into(),
        size: 64,
        rate: Rate { per_cpu, per_wall: 50.0 },
        base: Some(base),
    };
    let r = Results {
        node_version: "v0".into(),
        rows: vec![row("Node dgram", 100.0), row("ndg", 250.0)],
        ..Default::default()
    };
    let md = markdown(&r, &o);
    assert!(md.contains("| receive | Node dgram | 64 B | 100 | 50 | 1.00x | 1.00x |"), "{md}");
    assert!(md.contains("| receive | ndg | 64 B | 250 | 50 | 2.50x | 1.00x |"), "{md}");
}
