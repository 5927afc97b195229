//! The roles: the processes each measurement runs. Each is one subcommand of `dgram-bench` (and
//! of `dgram bench-worker`), prints `ready PORT` when it listens, one JSON line with what it
//! measured, and ends by itself: every loop is bounded in count and in time.
//!
//! | role | arguments | measures |
//! | --- | --- | --- |
//! | `recv-ndg` | `SECONDS [gro\|nogro] [thread] [pause=US]` | node-dgram `on_message` receive with the default options (UDP GRO asked for; `gro`: required, `nogro`: off; `thread`: `receive_thread`; `pause=US`: `receive_pause`) |
//! | `recv-raw` | `SECONDS` | a blocking `recvmmsg` loop |
//! | `recv-tokio` | `SECONDS` | tokio alone: readiness, then one `recvmmsg` (64), counting |
//! | `send-ndg` | `PORT SIZE SECONDS [COUNT] [gso]` | node-dgram `send_to`, 64 in flight |
//! | `send-raw` | `PORT SIZE SECONDS` | a blocking `sendmmsg` loop |
//! | `flood`, `flood-gso` | `PORT SIZE SECONDS` | (the floods; print nothing) |
//! | `echo-ndg` | `[SECONDS]` | an echo server, until "quit" |
//! | `ping-ndg` | `PORT SIZE COUNT [SECONDS]` | sequential round trips |
//! | `multicore` | `THREADS SECONDS [WORK]` | the multi-core server under a flood |
//! | `multicore-drain` | `THREADS EXCLUSIVE CYCLES [WORK] [pin]` | draining filled queues |
//! | `raw-drain` | `THREADS CYCLES [pin] [shared]` | the same with raw threads |
//!
//! Receivers look at their count every 20 ms. They count from the first look that saw a
//! datagram for SECONDS, or until 0.3 s pass without one (10 s without any); wall and CPU time
//! stop at the last look that saw the count move.

mod drain;
mod ping;
mod recv;
mod send;

use std::io::Write;
use std::time::{Duration, Instant};

use crate::usage::{cpu_seconds, rss_now};

/// The payload size when none is given.
pub const SIZE: usize = 64;

/// A receiver ends after this long without a datagram (once one came).
const IDLE: Duration = Duration::from_millis(300);
/// ... or this long without any.
const NOTHING: Duration = Duration::from_secs(10);
/// How often a receiver looks at its count.
const TICK: Duration = Duration::from_millis(20);
/// No receiver counts more than this.
const MAX_COUNT: u64 = 1_000_000_000;

/// Runs the role `args[0]` with its arguments; `Err` names an unknown role.
pub fn dispatch(args: &[String]) -> Result<(), String> {
    let rest = args.get(1..).unwrap_or(&[]);
    let flag = |name: &str| rest.iter().any(|a| a == name);
    let port = || arg(rest, 0, 0u16);
    let size = || arg(rest, 1, SIZE);
    match args.first().map(String::as_str).unwrap_or("") {
        "recv-ndg" => {
            let pause = rest.iter().find_map(|a| a.strip_prefix("pause=")?.parse().ok()).map(Duration::from_micros);
            let gro = if flag("gro") {
                Some(true)
            } else if flag("nogro") {
                Some(false)
            } else {
                None
            };
            recv::recv_ndg(arg(rest, 0, 3.0), gro, flag("thread"), pause)
        }
        "recv-raw" => recv::recv_raw(arg(rest, 0, 3.0)),
        "recv-tokio" => recv::recv_tokio(arg(rest, 0, 3.0)),
        "send-ndg" => send::send_ndg(port(), size(), arg(rest, 2, 3.0), arg(rest, 3, u64::MAX), flag("gso")),
        "send-raw" => send::send_raw(port(), size(), arg(rest, 2, 3.0), true),
        "flood" => send::send_raw(port(), size(), arg(rest, 2, 3.0), false),
        "flood-gso" => send::flood_gso(port(), size(), arg(rest, 2, 3.0)),
        "echo-ndg" => ping::echo_ndg(arg(rest, 0, 300.0)),
        "ping-ndg" => ping::ping_ndg(port(), size(), arg(rest, 2, 1000), arg(rest, 3, 60.0)),
        "raw-drain" => drain::raw_drain(arg(rest, 0, 1), arg(rest, 1, 20), flag("pin"), flag("shared")),
        "multicore-drain" => drain::multicore_drain(
            arg(rest, 0, 1),
            arg(rest, 1, 1) != 0,
            flag("pin"),
            arg(rest, 2, 20),
            arg(rest, 3, 0),
        ),
        "multicore" => drain::multicore(arg(rest, 0, 1), arg(rest, 1, 3.0), arg(rest, 2, 0)),
        other => return Err(format!("unknown role {other:?}")),
    }
    Ok(())
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn ready(port: u16) {
    println!("ready {port}");
    let _ = std::io::stdout().flush();
}

/// A receiver's counting window: from the first datagram until SECONDS, [`IDLE`] without a
/// datagram, or [`MAX_COUNT`]; wall and CPU time as of the last look that saw the count move.
struct Window {
    begin: Instant,
    first: Option<(Instant, f64)>,
    /// The count at the first look that saw a datagram: the window counts from there.
    base: u64,
    seconds: f64,
    seen: u64,
    seen_at: Instant,
    wall: f64,
    cpu: f64,
    rss_start: u64,
    next: Instant,
}

impl Window {
    fn new(seconds: f64) -> Window {
        let now = Instant::now();
        Window {
            begin: now,
            first: None,
            base: 0,
            seconds,
            seen: 0,
            seen_at: now,
            wall: 0.0,
            cpu: 0.0,
            rss_start: 0,
            next: now,
        }
    }

    /// Whether a look is due (cheap: one clock read).
    fn due(&self) -> bool {
        Instant::now() >= self.next
    }

    /// A look at `count` (all datagrams so far, the first included); true when the window is
    /// over.
    fn look(&mut self, count: u64) -> bool {
        let now = Instant::now();
        self.next = now + TICK;
        let Some((t0, c0)) = self.first else {
            if count > 0 {
                self.first = Some((now, cpu_seconds()));
                (self.base, self.seen, self.seen_at) = (count, count, now);
            }
            return self.first.is_none() && now.duration_since(self.begin) >= NOTHING;
        };
        let since = now.duration_since(t0).as_secs_f64();
        if count != self.seen {
            (self.seen, self.seen_at, self.wall, self.cpu) = (count, now, since, cpu_seconds() - c0);
        }
        if self.rss_start == 0 && since >= self.seconds.min(1.0) {
            self.rss_start = rss_now();
        }
        since >= self.seconds || now.duration_since(self.seen_at) >= IDLE || count >= MAX_COUNT
    }

    /// The JSON line: the count since the first look that saw a datagram, wall and CPU seconds
    /// since then, memory.
    fn report(&self, rss: u64) -> String {
        format!(
            "{{\"count\":{},\"wall\":{},\"cpu\":{},\"rss_start\":{},\"rss\":{rss}}}",
            self.seen - self.base,
            self.wall,
            self.cpu,
            self.rss_start
        )
    }
}
