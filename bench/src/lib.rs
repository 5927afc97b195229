//! node-dgram's benchmark harness: node-dgram against Node's built-in dgram, the addon, Bun,
//! Deno and a C floor, on loopback, each side its own process, same run, same machine.
//!
//! - [`roles`]: the processes each measurement runs (node-dgram's and the raw Rust loops; the
//!   JavaScript side is `bench/node/worker.js`, the C side `bench/c/floor.c`).
//! - [`env`]: who runs a role (Rust, C, a JavaScript runtime with or without the addon) and
//!   where each is found.
//! - [`measure`]: measurements as data: direction, implementation, payload, processes.
//! - [`runner`]: runs them, alternating the members of a set round by round.
//! - [`suite`], [`tables`], [`plain`], [`bounds`]: the benchmark's tables (`all`).
//! - [`report`]: Markdown, JSON and SVG.
//!
//! `dgram-bench all` and `dgram bench` both run on it; `dgram bench-worker ROLE` and
//! `dgram-bench ROLE` run the same roles.

pub mod bounds;
pub mod env;
pub mod measure;
pub mod plain;
pub mod proc;
pub mod report;
pub mod roles;
pub mod runner;
pub mod stats;
pub mod suite;
#[cfg(windows)]
mod sys;
pub mod tables;
pub mod usage;

use std::time::Duration;

/// `dgram-bench all [OPTIONS]`: runs the tables, prints the Markdown report, writes the JSON
/// and the chart.
pub fn all(args: &[String]) {
    let o = suite::Options::parse(args);
    let exe = std::env::current_exe().expect("own path");
    let patience = Duration::from_secs_f64(o.seconds.max(o.rss_seconds) + 90.0);
    let env = env::Env::new(exe, &[], patience);
    let cx = suite::Cx { o: &o, env: &env, node: env::Runtime::system_node() };
    let r = suite::run(&cx);
    print!("{}", report::markdown(&r, &o));
    if let Err(e) = std::fs::write(&o.json_path, report::json(&r, &o)) {
        eprintln!("cannot write {}: {e}", o.json_path);
    }
    if let Err(e) = std::fs::write(&o.svg_path, report::svg(&r)) {
        eprintln!("cannot write {}: {e}", o.svg_path);
    }
    eprintln!("wrote {} and {}", o.json_path, o.svg_path);
}
