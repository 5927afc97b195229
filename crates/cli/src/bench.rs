//! `dgram bench`: loopback throughput and round-trip latency of node-dgram and of Node's
//! built-in dgram, side by side.
//!
//! Each side runs the same four roles as separate processes, so that neither shares a thread
//! with the other: node-dgram's are `dgram bench-worker ROLE ...` (this program), Node's are
//! `node -e SCRIPT ROLE ...` with [`NODE_WORKER`]. A role prints `ready PORT` when it listens
//! and one JSON line with its result; every worker exits when its standard input closes, so
//! none outlives the benchmark.
//!
//! - throughput: a receiver counts datagrams for `--seconds` from the first one while a sender
//!   sends `--size`-byte datagrams with up to 64 sends in flight (the rate is what arrives);
//! - latency: a client sends one datagram at a time to an echo server for `--seconds`, and
//!   reports the median and 99th percentile round trip.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use node_dgram::{create_socket, Message, SocketOptions, SocketType};
use serde_json::{json, Value};

use crate::cli::{BenchArgs, WorkerArgs};
use crate::listen::{events, Closing, Event};
use crate::output::thousands;
use crate::{block_on, Failure, Outcome};

/// Node's side: the same roles with the built-in `dgram`, run with `node -e`.
pub const NODE_WORKER: &str = r#"'use strict';
const dgram = require('node:dgram');
const [role, ...args] = process.argv.slice(1);
const now = () => Number(process.hrtime.bigint()) / 1e9;
process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
if (role === 'recv') {
  const seconds = Number(args[0]);
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  let count = 0, bytes = 0, t0 = 0;
  const report = () => { out({ count, bytes, wall: t0 ? now() - t0 : 0 }); s.close(); process.exit(0); };
  const idle = setTimeout(report, 10000);
  s.on('message', (m) => {
    if (t0 === 0) { t0 = now(); clearTimeout(idle); setTimeout(report, seconds * 1000); return; }
    count++; bytes += m.length;
  });
  s.bind(0, '127.0.0.1', () => process.stdout.write(`ready ${s.address().port}\n`));
} else if (role === 'send') {
  const [port, size, seconds] = args.map(Number);
  const s = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 7);
  let sent = 0, inflight = 0, stop = false;
  const t0 = now();
  const pump = () => {
    while (!stop && inflight < 64) {
      inflight++;
      s.send(buf, port, '127.0.0.1', (err) => { inflight--; if (!err) sent++; if (!stop && inflight === 0) setImmediate(pump); });
    }
  };
  setTimeout(() => { stop = true; out({ count: sent, wall: now() - t0 }); s.close(); process.exit(0); }, seconds * 1000);
  pump();
} else if (role === 'echo') {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  s.bind(0, '127.0.0.1', () => process.stdout.write(`ready ${s.address().port}\n`));
} else if (role === 'ping') {
  const [port, size, seconds] = args.map(Number);
  const s = dgram.createSocket('udp4');
  const buf = Buffer.alloc(size, 1);
  const rtts = [];
  let t = 0, lost = 0, timer = null;
  const end = now() + seconds;
  const next = () => {
    if (now() >= end || rtts.length >= 1000000) {
      rtts.sort((a, b) => a - b);
      const q = (p) => rtts.length ? rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * p))] : null;
      out({ p50: q(0.5), p99: q(0.99), count: rtts.length, lost });
      s.close(); process.exit(0);
    }
    t = now();
    timer = setTimeout(() => { lost++; next(); }, 1000);
    s.send(buf, port, '127.0.0.1');
  };
  s.on('message', () => { clearTimeout(timer); rtts.push((now() - t) * 1e6); next(); });
  s.bind(0, '127.0.0.1', next);
} else {
  process.stderr.write(`unknown role ${role}\n`); process.exit(2);
}
"#;

// ---------------------------------------------------------------------------------------------
// node-dgram's workers
// ---------------------------------------------------------------------------------------------

/// Ends the process when its standard input closes (the benchmark ended or died).
fn exit_with_parent() {
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        std::process::exit(0);
    });
}

fn ready(port: u16) {
    outln!("ready {port}");
    let _ = std::io::stdout().flush();
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> Result<T, Failure> {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| Failure::Usage(format!("bench-worker: bad or missing {what}")))
}

/// Runs one role of node-dgram's side (`dgram bench-worker ROLE ARGS...`).
pub fn worker(w: WorkerArgs) -> Outcome {
    exit_with_parent();
    let a = &w.args;
    match w.role.as_str() {
        "recv" => {
            let seconds: f64 = arg(a, 0, "SECONDS")?;
            block_on(recv(seconds))
        }
        "send" => {
            let (port, size, seconds): (u16, usize, f64) =
                (arg(a, 0, "PORT")?, arg(a, 1, "SIZE")?, arg(a, 2, "SECONDS")?);
            block_on(send(port, size, seconds))
        }
        "echo" => block_on(echo()),
        "ping" => {
            let (port, size, seconds): (u16, usize, f64) =
                (arg(a, 0, "PORT")?, arg(a, 1, "SIZE")?, arg(a, 2, "SECONDS")?);
            block_on(ping(port, size, seconds))
        }
        other => Err(Failure::Usage(format!("bench-worker: unknown role {other:?}"))),
    }
}

/// Counts datagrams and bytes for `seconds` after the first one.
async fn recv(seconds: f64) -> Outcome {
    let sock = Closing(create_socket(SocketOptions::new(SocketType::Udp4).recv_buffer_size(4 << 20))?);
    let (count, bytes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let first = Arc::new(tokio::sync::Notify::new());
    let (c, b, f) = (count.clone(), bytes.clone(), first.clone());
    sock.0.on_message(move |m, _| {
        if c.fetch_add(1, Ordering::Relaxed) == 0 {
            f.notify_one();
        }
        b.fetch_add(m.len() as u64, Ordering::Relaxed);
    });
    sock.0.on_error(|_| {});
    sock.0.bind((0, "127.0.0.1"))?.await?;
    ready(sock.0.address()?.port);
    if tokio::time::timeout(Duration::from_secs(10), first.notified()).await.is_err() {
        outln!("{}", json!({ "count": 0, "bytes": 0, "wall": 0.0 }));
        return Ok(());
    }
    let (n0, b0, t0) = (count.load(Ordering::Relaxed), bytes.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let (n, b) = (count.load(Ordering::Relaxed) - n0, bytes.load(Ordering::Relaxed) - b0);
    outln!("{}", json!({ "count": n, "bytes": b, "wall": t0.elapsed().as_secs_f64() }));
    Ok(())
}

/// Sends `size`-byte datagrams to 127.0.0.1:`port` for `seconds`, up to 64 in flight.
async fn send(port: u16, size: usize, seconds: f64) -> Outcome {
    let sock = Closing(create_socket("udp4")?);
    sock.0.on_error(|_| {});
    let payload = Message::from(vec![7u8; size]);
    let t0 = Instant::now();
    let mut sent = 0u64;
    while t0.elapsed().as_secs_f64() < seconds {
        let ops: Vec<_> = (0..64).filter_map(|_| sock.0.send_to(payload.clone(), port, "127.0.0.1").ok()).collect();
        for op in ops {
            if op.await.is_ok() {
                sent += 1;
            }
        }
    }
    outln!("{}", json!({ "count": sent, "wall": t0.elapsed().as_secs_f64() }));
    Ok(())
}

/// Echoes every datagram until the benchmark closes standard input.
async fn echo() -> Outcome {
    let sock = Closing(create_socket("udp4")?);
    let s = sock.0.clone();
    sock.0.on_message(move |m, r| {
        let _ = s.send_to(m, r.port, &r.address.to_string());
    });
    sock.0.on_error(|_| {});
    sock.0.bind((0, "127.0.0.1"))?.await?;
    ready(sock.0.address()?.port);
    std::future::pending::<()>().await;
    Ok(())
}

/// One round trip after the other to 127.0.0.1:`port` for `seconds`.
async fn ping(port: u16, size: usize, seconds: f64) -> Outcome {
    let sock = Closing(create_socket("udp4")?);
    let mut inbox = events(&sock.0);
    sock.0.bind((0, "127.0.0.1"))?.await?;
    let payload = Message::from(vec![1u8; size]);
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let (mut rtts, mut lost) = (Vec::new(), 0u64);
    while Instant::now() < end && rtts.len() < 1_000_000 {
        let t = Instant::now();
        sock.0.send_to(payload.clone(), port, "127.0.0.1")?;
        match tokio::time::timeout(Duration::from_secs(1), inbox.recv()).await {
            Ok(Some(Event::Message(..))) => rtts.push(t.elapsed().as_secs_f64() * 1e6),
            Ok(Some(Event::Error(e))) => return Err(Failure::Net(e)),
            Ok(None) | Err(_) => lost += 1,
        }
    }
    rtts.sort_by(f64::total_cmp);
    let q = |p: f64| rtts.get(((rtts.len() as f64 * p) as usize).min(rtts.len().saturating_sub(1))).copied();
    outln!("{}", json!({ "p50": q(0.5), "p99": q(0.99), "count": rtts.len(), "lost": lost }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The orchestrator
// ---------------------------------------------------------------------------------------------

/// A worker process; killed when dropped.
struct Worker {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Worker {
    fn start(mut cmd: Command) -> Result<Worker, String> {
        let what = format!("{cmd:?}");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {what}: {e}"))?;
        let (tx, lines) = std::sync::mpsc::channel();
        if let Some(out) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        Ok(Worker { child, lines })
    }

    /// The next line the worker prints, within `wait`; on failure, why (with its stderr).
    fn line(&mut self, wait: Duration) -> Result<String, String> {
        match self.lines.recv_timeout(wait) {
            Ok(l) => Ok(l),
            Err(e) => {
                let _ = self.child.kill();
                let mut err = String::new();
                if let Some(mut s) = self.child.stderr.take() {
                    let _ = s.read_to_string(&mut err);
                }
                let why = if matches!(e, std::sync::mpsc::RecvTimeoutError::Timeout) { "timed out" } else { "exited" };
                Err(format!("a benchmark worker {why}: {}", err.trim()))
            }
        }
    }

    fn ready_port(&mut self) -> Result<u16, String> {
        let l = self.line(Duration::from_secs(10))?;
        l.strip_prefix("ready ")
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(|| format!("unexpected worker output {l:?}"))
    }

    fn json(&mut self, wait: Duration) -> Result<Value, String> {
        let l = self.line(wait)?;
        serde_json::from_str(&l).map_err(|e| format!("unexpected worker output {l:?}: {e}"))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One implementation under test.
enum Side {
    /// node-dgram: this program's `bench-worker` roles.
    Ours(std::path::PathBuf),
    /// Node's built-in dgram: `node -e NODE_WORKER`.
    Node(std::path::PathBuf),
}

impl Side {
    fn name(&self) -> &'static str {
        match self {
            Side::Ours(_) => "node-dgram",
            Side::Node(_) => "Node",
        }
    }

    /// The command of one worker with `args` (role and its arguments).
    fn command(&self, args: &[String]) -> Command {
        match self {
            Side::Ours(exe) => {
                let mut c = Command::new(exe);
                c.arg("bench-worker").args(args);
                c
            }
            Side::Node(node) => {
                let mut c = Command::new(node);
                c.arg("-e").arg(NODE_WORKER).args(args);
                c
            }
        }
    }
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

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn measure(side: &Side, size: u32, seconds: f64, bar: &ProgressBar) -> Result<Figures, String> {
    let s = |x: f64| format!("{x}");
    bar.set_message(format!("{}: throughput", side.name()));
    let mut recv = Worker::start(side.command(&["recv".into(), s(seconds)]))?;
    let port = recv.ready_port()?;
    let mut send = Worker::start(side.command(&["send".into(), port.to_string(), size.to_string(), s(seconds + 1.0)]))?;
    let got = recv.json(Duration::from_secs_f64(seconds + 15.0))?;
    let sent = send.json(Duration::from_secs_f64(seconds + 15.0)).unwrap_or(Value::Null);
    drop((recv, send));
    bar.inc(1);

    bar.set_message(format!("{}: round trips", side.name()));
    let mut echo = Worker::start(side.command(&["echo".into()]))?;
    let port = echo.ready_port()?;
    let mut ping = Worker::start(side.command(&["ping".into(), port.to_string(), size.to_string(), s(seconds)]))?;
    let rtt = ping.json(Duration::from_secs_f64(seconds + 15.0))?;
    bar.inc(1);

    let wall = num(&got, "wall");
    let rate = if wall > 0.0 { num(&got, "count") / wall } else { 0.0 };
    Ok(Figures {
        rate,
        mbps: if wall > 0.0 { num(&got, "bytes") / wall / 1e6 } else { 0.0 },
        sent_rate: num(&sent, "count") / num(&sent, "wall"),
        p50: num(&rtt, "p50"),
        p99: num(&rtt, "p99"),
        round_trips: rtt.get("count").and_then(Value::as_u64).unwrap_or(0),
    })
}

/// `node --version`, when `node` runs.
fn node_version(node: &std::path::Path) -> Option<String> {
    let out = Command::new(node).arg("--version").stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
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
    let ours = Side::Ours(exe);
    let version = node_version(&args.node);
    let node = version.as_ref().map(|_| Side::Node(args.node.clone()));
    if version.is_none() {
        eprintln!("note: `{}` cannot be run: measuring node-dgram only", args.node.display());
    }

    let sides = 1 + usize::from(node.is_some());
    let bar = ProgressBar::new(2 * sides as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner:.green} [{elapsed_precise}] {bar:30.cyan/blue} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    let ndg = measure(&ours, args.size, seconds, &bar).map_err(Failure::Other);
    let nd = match (&node, &ndg) {
        (Some(side), Ok(_)) => match measure(side, args.size, seconds, &bar) {
            Ok(f) => Some(f),
            Err(e) => {
                bar.suspend(|| eprintln!("warning: Node's side failed: {e}"));
                None
            }
        },
        _ => None,
    };
    bar.finish_and_clear();
    let ndg = ndg?;

    let versions = format!(
        "node-dgram {} vs {}",
        env!("CARGO_PKG_VERSION"),
        version.as_deref().map(|v| format!("Node {v} (built-in dgram)")).unwrap_or("Node (not measured)".into())
    );
    let setup = format!("{}-byte datagrams over 127.0.0.1, {seconds} s per measurement", args.size);

    if args.json {
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
            nd.as_ref().and_then(|n| advantage(get(&ndg), get(n), higher)).map(jnum).unwrap_or(Value::Null)
        };
        let doc = json!({
            "size": args.size,
            "seconds": seconds,
            "node_version": version,
            "node_dgram": figures(&ndg),
            "node": nd.as_ref().map(figures),
            "node_dgram_advantage": {
                "throughput": ratio(|f| f.rate, true),
                "rtt_p50": ratio(|f| f.p50, false),
                "rtt_p99": ratio(|f| f.p99, false),
            },
        });
        outln!("{doc}");
    } else {
        outln!("dgram bench: {setup}; {versions}");
        outln!();
        outln!("{:<26} {:>14} {:>14}   node-dgram vs Node", "", "node-dgram", "Node");
        for r in &ROWS {
            let theirs = nd.as_ref().map(r.get);
            outln!(
                "{:<26} {:>14} {:>14}   {}",
                r.name,
                (r.show)((r.get)(&ndg)),
                theirs.map(r.show).unwrap_or("-".into()),
                verdict(theirs.and_then(|t| advantage((r.get)(&ndg), t, r.higher_is_better)))
            );
        }
        outln!();
        outln!(
            "(throughput: datagrams received per second; {} and {} round trips measured)",
            thousands(ndg.round_trips as f64),
            nd.map(|n| thousands(n.round_trips as f64)).unwrap_or("-".into()),
        );
    }

    if let Some(path) = &args.svg {
        let panels: Vec<crate::svg::Panel> = ROWS
            .iter()
            .filter(|r| r.name != "throughput (MB/s)")
            .map(|r| {
                let ours = (r.get)(&ndg);
                let theirs = nd.as_ref().map(r.get);
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
            .collect();
        let doc = crate::svg::chart("node-dgram vs Node's dgram on loopback", &[&setup, &versions], &panels);
        std::fs::write(path, doc).map_err(|e| Failure::Other(format!("cannot write {}: {e}", path.display())))?;
        if !args.json {
            outln!("chart written to {}", path.display());
        }
    }
    Ok(())
}
