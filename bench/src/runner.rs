//! Runs measurements: each run starts its processes afresh; the runs of one set alternate
//! (every member once per round), so that a shift in the machine's load weighs on all alike.

use std::time::Duration;

use crate::env::{Env, Step};
use crate::measure::{Kind, Measurement};
use crate::proc::{taskset, Proc};
use crate::stats::{field, median, median_rate, Rate};

/// What one run printed: the measured process's line and, for a receive, the flood's (when it
/// reports one).
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// The result line.
    pub line: Option<String>,
    /// The other process's line, if it printed one by then.
    pub other: Option<String>,
}

impl Run {
    /// The run's rate.
    pub fn rate(&self) -> Option<Rate> {
        self.line.as_deref().and_then(Rate::of)
    }

    /// A number from the result line.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.line.as_deref().and_then(|l| field(l, key))
    }
}

/// The median rate of `runs`.
pub fn rate_of(runs: &[Run]) -> Rate {
    median_rate(&runs.iter().map(|r| r.rate().unwrap_or(Rate::none())).collect::<Vec<_>>())
}

/// The median of a number over `runs`.
pub fn median_of(runs: &[Run], key: &str) -> f64 {
    median(runs.iter().filter_map(|r| r.get(key)).collect())
}

/// One run of `m`.
pub fn run_once(env: &Env, m: &Measurement) -> Run {
    match &m.kind {
        Kind::Receive { receiver, flood } => pair(env, receiver, flood, None, true),
        Kind::Send { sender, sink } => pair(env, sink, sender, None, false),
        Kind::RoundTrip { server, client, cores } => pair(env, server, client, *cores, false),
        Kind::Solo(step) => {
            let mut p = env.command(step, None).and_then(Proc::start);
            Run { line: p.as_mut().and_then(|p| p.line(env.patience)), other: None }
        }
    }
}

/// `listener` prints its port, `driver` is started with it; the result is the listener's line
/// (`listener_measures`) or the driver's. `cores`: where each runs.
fn pair(env: &Env, listener: &Step, driver: &Step, cores: Option<(usize, usize)>, listener_measures: bool) -> Run {
    let pin = |c: std::process::Command, core: Option<usize>| match core {
        Some(k) => taskset(&c, k),
        None => c,
    };
    let Some(mut l) = env.command(listener, None).map(|c| pin(c, cores.map(|c| c.0))).and_then(Proc::start) else {
        return Run::default();
    };
    let Some(port) = l.ready_port() else { return Run::default() };
    let d = env.command(driver, Some(port)).map(|c| pin(c, cores.map(|c| c.1))).and_then(Proc::start);
    let Some(mut d) = d else { return Run::default() };
    if listener_measures {
        let line = l.line(env.patience);
        Run { line, other: d.line(Duration::from_millis(50)) }
    } else {
        Run { line: d.line(env.patience), other: None }
    }
}

/// Runs every measurement of `ms`: set by set in the order they first appear, each set for
/// `runs(set)` rounds, every member once per round. Returns each measurement's runs, in the
/// order of `ms`. `progress` hears of each set as it starts.
pub fn run_all(env: &Env, ms: &[Measurement], runs: impl Fn(&str) -> usize, progress: impl Fn(&str)) -> Vec<Vec<Run>> {
    let mut out: Vec<Vec<Run>> = vec![Vec::new(); ms.len()];
    let mut sets: Vec<&str> = Vec::new();
    for m in ms {
        if !sets.contains(&m.set.as_str()) {
            sets.push(&m.set);
        }
    }
    for set in sets {
        progress(set);
        let members: Vec<usize> = (0..ms.len()).filter(|&i| ms[i].set == set).collect();
        for _ in 0..runs(set) {
            for &i in &members {
                out[i].push(run_once(env, &ms[i]));
            }
        }
    }
    out
}
