//! Load: a thousand sockets at once, ten thousand sends queued behind a bind, and a bounded
//! soak of mixed traffic watching descriptors and memory. The tests here count the process's
//! descriptors, so they run one at a time.

mod common;

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use node_dgram::{create_socket, Error, Family, SocketOptions, SocketType};
use tokio::sync::mpsc;

/// One test at a time: each counts descriptors.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Open UDP socket descriptors (other descriptors, such as the runtimes' signal sockets, come
/// and go with the test harness's threads).
fn open_fds() -> usize {
    udp_fds().len()
}

/// Resident set size in bytes, from /proc/self/statm.
fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Waits (bounded) for the descriptor count to come back to `start`.
async fn fds_back_to(start: usize) -> usize {
    let t0 = Instant::now();
    let mut now = open_fds();
    while now > start && t0.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        now = open_fds();
    }
    now
}

/// The descriptor count once it stops falling (bounded wait).
async fn settled_fds() -> usize {
    let t0 = Instant::now();
    let mut last = open_fds();
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = open_fds();
        if now >= last || t0.elapsed() > Duration::from_secs(3) {
            return now.min(last);
        }
        last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_sockets_at_once() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    const N: usize = 1000;
    let _serial = SERIAL.lock().await;
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    if soft < 2 * N as u64 + 100 && hard > soft {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
    }
    let (soft, _) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    assert!(soft >= N as u64 + 100, "RLIMIT_NOFILE {soft} too low for {N} sockets");

    // (Sockets of the test before may still be closing: start from a settled count.)
    let start = settled_fds().await;
    let got = Arc::new(AtomicUsize::new(0));
    let mut sockets = Vec::with_capacity(N);
    let mut ports = Vec::with_capacity(N);
    for i in 0..N {
        let s = create_socket("udp4").unwrap();
        let g = got.clone();
        s.on_message(move |m, _| {
            assert_eq!(m, i.to_string().as_bytes());
            g.fetch_add(1, Ordering::SeqCst);
        });
        sockets.push(s);
    }
    let binds: Vec<_> = sockets.iter().map(|s| s.bind((0, "127.0.0.1")).unwrap()).collect();
    for b in binds {
        within("bind", b).await.unwrap();
    }
    for s in &sockets {
        ports.push(s.address().unwrap().port);
    }
    let mut distinct = ports.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), N);
    assert!(open_fds() >= start + N);

    let c = create_socket("udp4").unwrap();
    let sends: Vec<_> = ports.iter().enumerate().map(|(i, p)| c.send_to(i.to_string(), *p).unwrap()).collect();
    for op in sends {
        within("send", op).await.unwrap();
    }
    within("a datagram on every socket", async {
        while got.load(Ordering::SeqCst) < N {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let closes: Vec<_> = sockets.iter().chain([&c]).map(|s| s.close().unwrap()).collect();
    for op in closes {
        within("close", op).await.unwrap();
    }
    drop(sockets);
    let end = fds_back_to(start).await;
    println!("1000 sockets: descriptors {start} before, {} while open, {end} after", start + N + 1);
    assert_eq!(end, start, "descriptors leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_sends_queued_behind_a_slow_bind_arrive_in_order() {
    const N: usize = 10_000;
    let _serial = SERIAL.lock().await;
    // The receiver: a large buffer, counting and checking order as datagrams arrive.
    let r = create_socket(SocketOptions::new(SocketType::Udp4).recv_buffer_size(4 << 20)).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    r.on_message(move |m, _| {
        let _ = tx.send(String::from_utf8(m.to_vec()).unwrap());
    });
    within("bind", r.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
    let port = r.address().unwrap().port;

    // The bind's lookup answers only once the test lets it (not after a time: queueing 10,000
    // sends may take longer than any fixed delay on a loaded machine).
    let (go, gate) = tokio::sync::watch::channel(false);
    let opts = SocketOptions::new(SocketType::Udp4).lookup(move |h: String, _f: Family| {
        let mut gate = gate.clone();
        async move {
            if let Some((ip, _)) = node_dgram::parse_ip(&h) {
                return Ok(ip);
            }
            let _ = gate.wait_for(|open| *open).await;
            Ok::<IpAddr, Error>(IpAddr::from([127, 0, 0, 1]))
        }
    });
    let s = create_socket(opts).unwrap();
    let t0 = Instant::now();
    let bind = s.bind((0, "sender.test")).unwrap();
    let sends: Vec<_> = (0..N).map(|i| s.send_to(format!("{i:05}"), (port, "127.0.0.1")).unwrap()).collect();
    assert_eq!(s.get_send_queue_count(), N);
    assert_eq!(s.get_send_queue_size(), N * 5);
    go.send(true).unwrap();
    within("bind", bind).await.unwrap();
    for op in sends {
        assert_eq!(within("send", op).await.unwrap(), 5);
    }
    let sent_in = t0.elapsed();
    for i in 0..N {
        let got = within("message", rx.recv()).await.unwrap();
        assert_eq!(got, format!("{i:05}"), "out of order or lost");
    }
    println!("10000 queued sends: all sent {sent_in:?} after the bind began, all received in order {:?}", t0.elapsed());
    assert_eq!(s.get_send_queue_count(), 0);
    within("close", s.close().unwrap()).await.unwrap();
    within("close", r.close().unwrap()).await.unwrap();
}

/// One round of mixed traffic: a receiver, a sender with implicit bind, a connected socket,
/// a failing lookup, a socket closed with sends pending.
async fn round(i: usize) {
    let (r, port, mut rx) = receiver(if i % 2 == 0 { SocketType::Udp4 } else { SocketType::Udp6 }).await;
    let ty = r.socket_type();
    let (opts, _) = fake_dns(ty);
    let c = create_socket(opts).unwrap();
    let sends: Vec<_> = (0..20).map(|k| c.send_to(vec![k as u8; 100 + k * 50], (port, "peer.test")).unwrap()).collect();
    for op in sends {
        within("send", op).await.unwrap();
    }
    for _ in 0..20 {
        within("message", rx.recv()).await.unwrap();
    }
    assert_eq!(
        within("send", c.send_to("x", (port, "nowhere.invalid")).unwrap()).await.unwrap_err().code(),
        "ENOTFOUND"
    );
    let k = create_socket(ty).unwrap();
    within("connect", k.connect(port).unwrap()).await.unwrap();
    for _ in 0..5 {
        within("send", k.send("connected").unwrap()).await.unwrap();
    }
    for _ in 0..5 {
        within("message", rx.recv()).await.unwrap();
    }
    let doomed = create_socket(ty).unwrap();
    let pending: Vec<_> = (0..10).map(|_| doomed.send_to("never", port).unwrap()).collect();
    doomed.close().unwrap();
    // On another worker the implicit bind may already have sent some: each ends once, either way.
    for op in pending {
        match within("cancelled send", op).await {
            Ok(n) => assert_eq!(n, 5),
            Err(e) => assert_eq!(e.code(), "ECANCELED"),
        }
    }
    for s in [r, c, k] {
        within("close", s.close().unwrap()).await.unwrap();
    }
}

// Single-threaded: on a multi-threaded runtime a close racing the implicit bind can leave a
// send's Op pending forever (see the ignored `close_racing_queued_sends_on_another_thread` in
// faults.rs), which would make this test flaky.
#[tokio::test]
async fn a_bounded_soak_leaks_nothing() {
    let _serial = SERIAL.lock().await;
    let secs: u64 = std::env::var("SOAK_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    // Warm up (allocator arenas, runtime threads), then take the starting figures.
    for i in 0..20 {
        round(i).await;
    }
    let fds0 = open_fds();
    let rss0 = rss_bytes();
    let t0 = Instant::now();
    let mut rounds = 0usize;
    while t0.elapsed() < Duration::from_secs(secs) && rounds < 10_000_000 {
        // A few rounds at once, to have several sockets alive together.
        let batch: Vec<_> = (0..4).map(|k| tokio::spawn(round(rounds + k))).collect();
        for h in batch {
            within("round", h).await.unwrap();
        }
        rounds += 4;
    }
    let fds1 = fds_back_to(fds0).await;
    let rss1 = rss_bytes();
    let growth = rss1 as i64 - rss0 as i64;
    println!(
        "soak {secs} s: {rounds} rounds ({} sockets, {} datagrams received), fds {fds0} -> {fds1}, \
         RSS {:.1} MiB -> {:.1} MiB ({:+.2} MiB)",
        rounds * 4,
        rounds * 25,
        rss0 as f64 / 1048576.0,
        rss1 as f64 / 1048576.0,
        growth as f64 / 1048576.0
    );
    assert_eq!(fds1, fds0, "descriptors leaked");
    assert!(growth < 20 << 20, "RSS grew by {growth} bytes");
}
