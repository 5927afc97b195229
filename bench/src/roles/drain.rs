//! The multi-core server's roles: under a flood, and draining queues filled beforehand, beside
//! raw `recvmmsg` threads doing the same.

use node_dgram::embed::batch::AsRawFd;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use node_dgram::batch::{recv_batch_blocking, RecvArena};
use node_dgram::{serve, ServerOptions, SocketType};

use super::send::send_raw_from;
use super::{ready, SIZE};
use crate::usage::{cpu_seconds, thread_cpu_seconds};

/// A count kept by several threads without sharing a cache line: each thread adds to its own
/// slot, readers sum them. (One shared atomic bounced its line between the cores on every
/// datagram and held a two-thread server back.) Each slot also keeps the time of an addition
/// (every read's for the raw loops, every 64th datagram's for a handler counting one at a time)
/// and the count then, so a drain's end is known to within a few microseconds while the reader
/// polls only every few milliseconds (a reader polling often took turns with a server thread on
/// its core), and a handler reads the clock no more often than a raw loop does: a clock read per
/// datagram was 4% of node-dgram's drain (`perf record`), a cost of the bench the raw loop did
/// not pay.
struct Counter {
    slots: Vec<Slot>,
    next: AtomicU64,
    epoch: Instant,
}

#[repr(align(128))]
#[derive(Default)]
struct Slot {
    count: AtomicU64,
    /// Nanoseconds from the counter's epoch to the last stamp.
    last: AtomicU64,
    /// The count at the last stamp.
    stamped: AtomicU64,
}

thread_local! {
    static SLOT: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// A handler counting one datagram at a time stamps the time at every this many.
const STAMP_EVERY: u64 = 64;

impl Counter {
    fn new(threads: usize) -> Counter {
        let slots = (0..threads.max(1)).map(|_| Slot::default()).collect();
        Counter { slots, next: AtomicU64::new(0), epoch: Instant::now() }
    }
    fn slot(&self) -> &Slot {
        let i = SLOT.with(|s| match s.get() {
            Some(i) => i,
            None => {
                let i = self.next.fetch_add(1, Ordering::Relaxed) as usize % self.slots.len();
                s.set(Some(i));
                i
            }
        });
        &self.slots[i]
    }
    fn stamp(&self, slot: &Slot, count: u64) {
        slot.last.store(self.epoch.elapsed().as_nanos() as u64, Ordering::Relaxed);
        slot.stamped.store(count, Ordering::Release);
    }
    /// `n` datagrams read at once (a raw loop's read): stamped.
    fn add(&self, n: u64) {
        let slot = self.slot();
        let c = slot.count.fetch_add(n, Ordering::Relaxed) + n;
        self.stamp(slot, c);
    }
    /// One datagram (a handler's): stamped at every [`STAMP_EVERY`]th.
    fn add_one(&self) {
        let slot = self.slot();
        let c = slot.count.fetch_add(1, Ordering::Relaxed) + 1;
        if c % STAMP_EVERY == 0 {
            self.stamp(slot, c);
        }
    }
    fn get(&self) -> u64 {
        self.slots.iter().map(|s| s.count.load(Ordering::Relaxed)).sum()
    }
    /// Each slot's count (a drain's start).
    fn counts(&self) -> Vec<u64> {
        self.slots.iter().map(|s| s.count.load(Ordering::Relaxed)).collect()
    }
    /// The end of a drain that started at `t0` with the slots at `start`: the latest of the
    /// slots' ends, each its last stamp plus its datagrams since at the slot's rate over the
    /// drain (fewer than [`STAMP_EVERY`]). A slot stamped nothing during the drain (it
    /// drained fewer than that) counts as ending at `t0`.
    fn end_of_drain(&self, start: &[u64], t0: Instant) -> Instant {
        let t0_ns = t0.saturating_duration_since(self.epoch).as_nanos() as u64;
        let mut end = t0;
        for (slot, &n0) in self.slots.iter().zip(start) {
            let stamped = slot.stamped.load(Ordering::Acquire);
            let (last, count) = (slot.last.load(Ordering::Relaxed), slot.count.load(Ordering::Relaxed));
            if stamped <= n0 || last < t0_ns {
                continue;
            }
            let per = (last - t0_ns) as f64 / (stamped - n0) as f64;
            let ns = last as f64 + per * count.saturating_sub(stamped) as f64;
            end = end.max(self.epoch + Duration::from_nanos(ns as u64));
        }
        end
    }
}

/// The multi-core server with `threads` threads (reusePort), counting for `seconds` after the
/// first datagram. `work`: rounds of hashing each datagram's bytes in the handler (0: none).
pub(super) fn multicore(threads: usize, seconds: f64, work: u32) {
    let (server, count) = counting_server(threads, true, false, work, None);
    ready(server.local_addr().port());
    let waiting = Instant::now();
    while count.get() == 0 && waiting.elapsed() < Duration::from_secs(10) {
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
            c.add_one();
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

/// Waits for a drain that started at `t0` (with the slots' counts at `start`) to end: the count has moved
/// and then stayed still for 20 ms, or it has not moved for 2 s. Returns the final count and
/// the time of the last datagram (the drain's end: see [`Counter::end_of_drain`]). The
/// reader looks every 2 ms, so that it rarely takes a core from the threads it measures.
fn wait_drained(count: &Counter, start: &[u64], t0: Instant) -> (u64, Instant) {
    let n0 = start.iter().sum();
    let (mut last, mut seen_at) = (n0, t0);
    loop {
        std::thread::sleep(Duration::from_millis(2));
        let n = count.get();
        if n != last {
            (last, seen_at) = (n, Instant::now());
        }
        let quiet = seen_at.elapsed();
        if (last != n0 && quiet >= Duration::from_millis(20)) || quiet >= Duration::from_secs(2) {
            let end = if last == n0 { t0 } else { count.end_of_drain(start, t0) };
            return (last, end);
        }
    }
}

/// The multi-core server's capacity with the cores to itself: `cycles` times, this process
/// fills the server's receive queues (a flood from a thread of its own, while every server
/// thread is held in its handler), stops the flood, then times the server draining them.
/// `exclusive`: one SO_REUSEPORT socket per thread (else one shared descriptor). Prints the
/// datagrams drained, the seconds spent draining, and the CPU seconds used meanwhile.
pub(super) fn multicore_drain(threads: usize, exclusive: bool, pin: bool, cycles: usize, work: u32) {
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
        let (start, c0, t0) = (count.counts(), cpu_seconds() - thread_cpu_seconds(), Instant::now());
        let n0: u64 = start.iter().sum();
        gate.set(true);
        let (last, last_at) = wait_drained(count, &start, t0);
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
pub(super) fn raw_drain(threads: usize, cycles: usize, pin: bool, shared: bool) {
    use std::sync::atomic::AtomicBool;
    // (Windows has no SO_REUSEPORT: there every thread reads the one socket.)
    let shared = shared || cfg!(windows);
    let first = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("socket");
    #[cfg(unix)]
    first.set_reuse_port(true).expect("reuseport");
    first.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into()).expect("bind");
    let port = first.local_addr().ok().and_then(|a| a.as_socket()).map(|a| a.port()).expect("port");
    let mut socks = vec![first];
    for _ in 1..threads {
        let s = if shared {
            socks[0].try_clone().expect("dup")
        } else {
            let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("socket");
            #[cfg(unix)]
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
