//! `SocketOptions::receive_thread`: a socket read by a thread of its own. The datagrams and
//! events are those of a socket read on the runtime; the thread ends, and the descriptor closes,
//! however the socket ends (`close()` from anywhere, a listener on that thread included, the
//! ownership rule, the runtime going away), also while datagrams keep arriving; other holders
//! of a shared descriptor are left alone; listeners of two such sockets may close each other's.
//! The tests here count the process's reading threads, their CPU time and descriptors, so they
//! run one at a time.
#![cfg(target_os = "linux")]

mod common;

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use node_dgram::{create_socket, BindOptions, Family, Socket, SocketOptions, SocketType};
use tokio::sync::mpsc;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One test at a time, each starting once the threads of the one before have ended (a thread
/// leaves a moment after its socket closes).
async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    let g = SERIAL.lock().await;
    assert!(eventually(|| reading_threads() == 0).await, "reading threads left from before");
    g
}

/// The same, outside a runtime.
fn serial_blocking() -> tokio::sync::MutexGuard<'static, ()> {
    let g = SERIAL.blocking_lock();
    wait_while(|| reading_threads() > 0);
    assert_eq!(reading_threads(), 0, "reading threads left from before");
    g
}

fn threaded(ty: SocketType) -> SocketOptions {
    SocketOptions::new(ty).receive_thread(true).recv_buffer_size(4 << 20)
}

/// This process's threads named as the reading threads are.
fn reading_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|c| c.trim_end() == "node-dgram-recv")
        .count()
}

/// Waits (bounded: 5 s) while `f` holds, blocking the thread; the caller asserts what it needs.
fn wait_while(mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while f() && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits (bounded) until `f` holds; returns whether it did.
async fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let t0 = Instant::now();
    while !f() {
        if t0.elapsed() > Duration::from_secs(5) {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    true
}

/// Whether `port` on loopback is free again (a plain socket can bind it).
fn port_free(ty: SocketType, port: u16) -> bool {
    UdpSocket::bind((loopback(ty), port)).is_ok()
}

/// After a runtime and its sockets were dropped: the reading threads are back to `before`
/// (waited for, bounded) and every port is free again.
fn assert_all_released(before: usize, ports: &[(SocketType, u16)], what: &str) {
    wait_while(|| reading_threads() > before);
    assert_eq!(reading_threads(), before, "{what}");
    for &(ty, port) in ports {
        assert!(port_free(ty, port), "port {port} still bound");
    }
}

async fn bound(opts: SocketOptions) -> (Socket, u16) {
    let ty = opts.socket_type();
    let s = create_socket(opts).unwrap();
    within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
    let port = s.address().unwrap().port;
    (s, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datagrams_come_in_order_with_their_senders_on_the_reading_thread_after_listening() {
    let _serial = serial().await;
    for ty in BOTH {
        let s = create_socket(threaded(ty)).unwrap();
        let log = record(&s);
        let (tx, mut rx) = mpsc::unbounded_channel();
        s.on_message(move |msg, rinfo| {
            let on = std::thread::current().name().map(str::to_owned);
            let _ = tx.send((msg.to_vec(), rinfo.clone(), on));
        });
        within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        let port = s.address().unwrap().port;
        let from = UdpSocket::bind((loopback(ty), 0)).unwrap();
        for round in 0..10 {
            for i in 0..100 {
                from.send_to(format!("{}", round * 100 + i).as_bytes(), (loopback(ty), port)).unwrap();
            }
            for i in 0..100 {
                let (msg, rinfo, on) = within("a datagram", rx.recv()).await.unwrap();
                assert_eq!(msg, format!("{}", round * 100 + i).into_bytes());
                assert_eq!(rinfo.address, loopback(ty));
                assert_eq!(rinfo.port, from.local_addr().unwrap().port());
                assert_eq!(rinfo.size, msg.len());
                assert_eq!(rinfo.family, if ty == SocketType::Udp4 { Family::IPv4 } else { Family::IPv6 });
                assert_eq!(on.as_deref(), Some("node-dgram-recv"));
            }
        }
        assert_eq!(log.get().first().map(String::as_str), Some("listening"));
        assert_eq!(log.get().len(), 1001);
        within("close", s.close().unwrap()).await.unwrap();
        assert_eq!(log.get().last().map(String::as_str), Some("close"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_ends_the_thread_and_frees_the_port_while_datagrams_keep_coming() {
    let _serial = serial().await;
    let before = reading_threads();
    for round in 0..40 {
        let ty = BOTH[round % 2];
        let (s, port) = bound(threaded(ty)).await;
        let got = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicBool::new(false));
        let late = Arc::new(AtomicUsize::new(0));
        let (g, c, l) = (got.clone(), closed.clone(), late.clone());
        s.on_message(move |_, _| {
            g.fetch_add(1, Ordering::SeqCst);
            if c.load(Ordering::SeqCst) {
                l.fetch_add(1, Ordering::SeqCst);
            }
        });
        // A sender that keeps going past the close (every other round; the others close a
        // thread waiting in poll).
        let stop = Arc::new(AtomicBool::new(false));
        let flood = (round % 2 == 0).then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let u = UdpSocket::bind((loopback(ty), 0)).unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let _ = u.send_to(b"x", (loopback(ty), port));
                }
            })
        });
        if flood.is_some() {
            assert!(eventually(|| got.load(Ordering::SeqCst) > 10).await, "datagrams arrive");
        } else {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let op = s.close().unwrap();
        closed.store(true, Ordering::SeqCst);
        // close() returned: the descriptor is closed, so the port is free at once.
        assert!(port_free(ty, port), "round {round}: port {port} still bound after close()");
        within("close", op).await.unwrap();
        stop.store(true, Ordering::Relaxed);
        if let Some(f) = flood {
            f.join().unwrap();
        }
        assert_eq!(late.load(Ordering::SeqCst), 0, "a message after close() returned");
    }
    assert!(eventually(|| reading_threads() == before).await, "threads left: {}", reading_threads() - before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_closing_the_socket_from_the_reading_thread() {
    let _serial = serial().await;
    let before = reading_threads();
    for ty in BOTH {
        let (s, port) = bound(threaded(ty)).await;
        let log = record(&s);
        s.on_message_with(|socket, msg, _| {
            if msg == b"stop" {
                socket.close().unwrap();
            }
        });
        let u = UdpSocket::bind((loopback(ty), 0)).unwrap();
        for m in ["a", "stop", "b", "c"] {
            u.send_to(m.as_bytes(), (loopback(ty), port)).unwrap();
        }
        let (tx, mut closed) = mpsc::unbounded_channel();
        s.on_close(move || {
            let _ = tx.send(());
        });
        within("close", closed.recv()).await.unwrap();
        // The datagrams after the one whose listener closed the socket are not delivered.
        assert_eq!(log.get(), ["message:a", "message:stop", "close"]);
        assert!(port_free(ty, port));
    }
    assert!(eventually(|| reading_threads() == before).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ownership_rule_closes_a_socket_nothing_observes_and_keeps_a_listened_one() {
    let _serial = serial().await;
    let before = reading_threads();
    for ty in BOTH {
        // No handle, no listener: closed, its thread ended, its port free.
        let (s, port) = bound(threaded(ty)).await;
        assert!(eventually(|| reading_threads() == before + 1).await);
        drop(s);
        assert!(eventually(|| port_free(ty, port)).await, "the dropped socket's port is free");
        assert!(eventually(|| reading_threads() == before).await, "its thread ended");

        // No handle but a listener: it keeps serving from its thread.
        let (s, port) = bound(threaded(ty)).await;
        let (tx, mut rx) = mpsc::unbounded_channel();
        s.on_message_with(move |socket, msg, _| {
            let _ = tx.send(msg.to_vec());
            if msg == b"bye" {
                socket.close().unwrap();
            }
        });
        drop(s);
        let u = UdpSocket::bind((loopback(ty), 0)).unwrap();
        u.send_to(b"still there", (loopback(ty), port)).unwrap();
        assert_eq!(within("a datagram", rx.recv()).await.unwrap(), b"still there");
        u.send_to(b"bye", (loopback(ty), port)).unwrap();
        assert_eq!(within("the last datagram", rx.recv()).await.unwrap(), b"bye");
        assert!(eventually(|| port_free(ty, port)).await);
        assert!(eventually(|| reading_threads() == before).await);
    }
}

#[test]
fn a_runtime_dropped_while_its_threads_wait_closes_their_sockets() {
    let serial = serial_blocking();
    let before = reading_threads();
    let mut ports = Vec::new();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let sockets: Vec<Socket> = rt.block_on(async {
        let mut v = Vec::new();
        for i in 0..20 {
            let ty = BOTH[i % 2];
            let (s, port) = bound(threaded(ty)).await;
            // (A listener, so that the ownership rule alone would keep it.)
            s.on_message(|_, _| {});
            ports.push((ty, port));
            v.push(s);
        }
        v
    });
    wait_while(|| reading_threads() < before + 20);
    assert_eq!(reading_threads(), before + 20);
    drop(rt);
    drop(sockets);
    assert_all_released(before, &ports, "reading threads left");
    drop(serial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icmp_port_unreachable_on_a_connected_socket_read_by_its_thread() {
    let _serial = serial().await;
    for ty in BOTH {
        let dead = UdpSocket::bind((loopback(ty), 0)).unwrap().local_addr().unwrap().port();
        let c = create_socket(threaded(ty)).unwrap();
        let (tx, mut errs) = mpsc::unbounded_channel();
        c.on_error(move |e| {
            let _ = tx.send(e.clone());
        });
        within("connect", c.connect(dead).unwrap()).await.unwrap();
        // (The thread starts once the socket is bound: give it the moment to.)
        assert!(eventually(|| reading_threads() == 1).await);
        within("send", c.send("anyone?").unwrap()).await.unwrap();
        let e = within("ECONNREFUSED", errs.recv()).await.unwrap();
        assert_eq!(e.message(), "recvmsg ECONNREFUSED");
        assert_eq!(e.syscall(), Some("recvmsg"));
        within("close", c.close().unwrap()).await.unwrap();
        assert!(eventually(|| reading_threads() == 0).await);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_threaded_sockets_come_and_go() {
    let _serial = serial().await;
    let before = reading_threads();
    let mut all = Vec::new();
    for i in 0..200 {
        all.push(bound(threaded(BOTH[i % 2])).await);
    }
    assert!(eventually(|| reading_threads() == before + 200).await);
    // Each gets a datagram through its own thread.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let u4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let u6 = UdpSocket::bind("[::1]:0").unwrap();
    for (i, (s, port)) in all.iter().enumerate() {
        let tx = tx.clone();
        s.on_message(move |_, _| {
            let _ = tx.send(i);
        });
        let u = if i % 2 == 0 { &u4 } else { &u6 };
        u.send_to(b"hi", (loopback(BOTH[i % 2]), *port)).unwrap();
    }
    let mut seen = [false; 200];
    for _ in 0..200 {
        seen[within("a datagram", rx.recv()).await.unwrap()] = true;
    }
    assert!(seen.iter().all(|s| *s));
    for (s, _) in &all {
        s.close().unwrap();
    }
    assert!(eventually(|| reading_threads() == before).await, "threads left: {}", reading_threads() - before);
    for (i, (_, port)) in all.iter().enumerate() {
        assert!(port_free(BOTH[i % 2], *port));
    }
}

/// CPU time (ns) of each reading thread alive now, by thread id.
fn reading_cpu() -> Vec<(String, u64)> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| {
            let p = t.ok()?.path();
            if std::fs::read_to_string(p.join("comm")).ok()?.trim_end() != "node-dgram-recv" {
                return None;
            }
            let ns = std::fs::read_to_string(p.join("schedstat")).ok()?.split_whitespace().next()?.parse().ok()?;
            Some((p.file_name()?.to_string_lossy().into_owned(), ns))
        })
        .collect()
}

/// The CPU time the reading threads alive now spend during `d`.
fn reading_cpu_during(d: Duration) -> Duration {
    let a = reading_cpu();
    std::thread::sleep(d);
    let b = reading_cpu();
    let ns: u64 = b.iter().map(|(t, n)| n - a.iter().find(|(u, _)| u == t).map_or(0, |x| x.1)).sum();
    Duration::from_nanos(ns)
}

fn multi() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// `bind({ fd })` with a descriptor whose duplicate the program keeps: closing the socket
/// leaves the duplicate's reads alone (a blocking read still waits), as with a socket read on
/// the runtime. (The thread is never woken through the socket, whose file description both
/// descriptors share.)
#[test]
fn close_leaves_another_holder_of_the_descriptor_alone() {
    let _serial = serial_blocking();
    let rt = multi();
    for thread in [false, true] {
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        let keep = u.try_clone().unwrap();
        keep.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        rt.block_on(async {
            let s = create_socket(SocketOptions::new(SocketType::Udp4).receive_thread(thread)).unwrap();
            within("bind", s.bind(BindOptions::new().fd(u)).unwrap()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
            within("close", s.close().unwrap()).await.unwrap();
        });
        // (Adoption made the shared description non-blocking.)
        keep.set_nonblocking(false).unwrap();
        let t0 = Instant::now();
        let r = keep.recv_from(&mut [0u8; 64]);
        assert!(
            matches!(&r, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
                && t0.elapsed() >= Duration::from_millis(250),
            "receive_thread={thread}: the duplicate's blocking read returned {r:?} after {:?}",
            t0.elapsed()
        );
    }
}

/// Two sockets read by threads of their own on duplicates of one descriptor (as a server's
/// threads may share one): closing one leaves the other waiting quietly, and receiving.
#[test]
fn closing_one_of_two_sharers_leaves_the_other_waiting_and_receiving() {
    let _serial = serial_blocking();
    let rt = multi();
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = u.local_addr().unwrap().port();
    let dup = u.try_clone().unwrap();
    let got = Arc::new(AtomicUsize::new(0));
    let (a, b) = rt.block_on(async {
        let a = create_socket(threaded(SocketType::Udp4)).unwrap();
        within("bind a", a.bind(BindOptions::new().fd(u)).unwrap()).await.unwrap();
        let b = create_socket(threaded(SocketType::Udp4)).unwrap();
        let g = got.clone();
        b.on_message(move |_, _| {
            g.fetch_add(1, Ordering::SeqCst);
        });
        within("bind b", b.bind(BindOptions::new().fd(dup)).unwrap()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        (a, b)
    });
    rt.block_on(async { within("close a", a.close().unwrap()).await.unwrap() });
    let spent = reading_cpu_during(Duration::from_millis(300));
    assert!(spent < Duration::from_millis(50), "b's reading thread used {spent:?} of CPU in 300 ms");
    UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"x", ("127.0.0.1", port)).unwrap();
    wait_while(|| got.load(Ordering::SeqCst) == 0);
    assert_eq!(got.load(Ordering::SeqCst), 1, "b still receives");
    rt.block_on(async { within("close b", b.close().unwrap()).await.unwrap() });
}

/// Someone else shuts the socket down for reading (through a duplicate): the reading thread is
/// woken once, not in a loop.
#[test]
fn a_shutdown_by_someone_else_does_not_make_the_thread_spin() {
    let _serial = serial_blocking();
    let rt = multi();
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let keep = u.try_clone().unwrap();
    let s = rt.block_on(async {
        let s = create_socket(threaded(SocketType::Udp4)).unwrap();
        within("bind", s.bind(BindOptions::new().fd(u)).unwrap()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        s
    });
    // (ENOTCONN on an unconnected socket, which shuts it down all the same.)
    let _ = node_dgram::embed::socket2::SockRef::from(&keep).shutdown(std::net::Shutdown::Read);
    let spent = reading_cpu_during(Duration::from_millis(300));
    rt.block_on(async { within("close", s.close().unwrap()).await.unwrap() });
    assert!(spent < Duration::from_millis(50), "the reading thread used {spent:?} of CPU in 300 ms");
}

/// A runtime dropped while a handle of the socket is kept: nothing of the socket runs any
/// more, its `message` listeners included, whether read on the runtime or by its own thread.
#[test]
fn no_message_once_the_runtime_is_dropped() {
    let _serial = serial_blocking();
    for thread in [false, true] {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let got = Arc::new(AtomicUsize::new(0));
        let g = got.clone();
        let (s, port) = rt.block_on(async {
            let s = create_socket(SocketOptions::new(SocketType::Udp4).receive_thread(thread)).unwrap();
            s.on_message(move |_, _| {
                g.fetch_add(1, Ordering::SeqCst);
            });
            within("bind", s.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
            let port = s.address().unwrap().port;
            (s, port)
        });
        drop(rt);
        UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"late", ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let n = got.load(Ordering::SeqCst);
        drop(s);
        assert_eq!(n, 0, "receive_thread={thread}: 'message' after the runtime was dropped");
    }
}

/// The `message` listeners of two sockets close each other's socket, each on its socket's
/// thread at the same moment: both close, nothing waits for ever.
#[test]
fn listeners_of_two_sockets_may_close_each_other() {
    let _serial = serial_blocking();
    for thread in [false, true] {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let closed = rt.block_on(async {
                let opts = || SocketOptions::new(SocketType::Udp4).receive_thread(thread);
                let (a, b) = (create_socket(opts()).unwrap(), create_socket(opts()).unwrap());
                within("bind", a.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
                within("bind", b.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
                let closes = Arc::new(AtomicUsize::new(0));
                for s in [&a, &b] {
                    let c = closes.clone();
                    s.on_close(move || {
                        c.fetch_add(1, Ordering::SeqCst);
                    });
                }
                let (wa, wb) = (a.downgrade(), b.downgrade());
                a.on_message(move |_, _| {
                    std::thread::sleep(Duration::from_millis(50));
                    if let Some(b) = wb.upgrade() {
                        let _ = b.close();
                    }
                });
                b.on_message(move |_, _| {
                    std::thread::sleep(Duration::from_millis(50));
                    if let Some(a) = wa.upgrade() {
                        let _ = a.close();
                    }
                });
                tokio::time::sleep(Duration::from_millis(20)).await;
                let u = UdpSocket::bind("127.0.0.1:0").unwrap();
                u.send_to(b"1", ("127.0.0.1", a.address().unwrap().port)).unwrap();
                u.send_to(b"2", ("127.0.0.1", b.address().unwrap().port)).unwrap();
                // (On the runtime, the first listener's close may leave the other's datagram
                // undelivered: the rest is closed here.)
                tokio::time::sleep(Duration::from_millis(300)).await;
                let _ = a.close();
                let _ = b.close();
                let t0 = Instant::now();
                while closes.load(Ordering::SeqCst) < 2 && t0.elapsed() < Duration::from_secs(2) {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                closes.load(Ordering::SeqCst)
            });
            let _ = done_tx.send(closed);
        });
        let closed = done_rx.recv_timeout(Duration::from_secs(5));
        assert_eq!(closed, Ok(2), "receive_thread={thread}: each socket closes once, nothing hangs");
    }
}

/// A socket dropped without `close()` after its runtime: its descriptor's number is free for
/// `bind({ fd })` again once the descriptor closes.
#[test]
fn a_socket_dropped_after_its_runtime_frees_its_descriptor_number() {
    let _serial = serial_blocking();
    let rt1 = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let v: Vec<Socket> = rt1.block_on(async {
        let mut v = Vec::new();
        for i in 0..10 {
            v.push(bound(threaded(BOTH[i % 2])).await.0);
        }
        v
    });
    drop(rt1);
    drop(v);
    // New descriptors take the numbers again.
    let fresh: Vec<UdpSocket> = (0..30).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    let rt2 = multi();
    let refused: Vec<String> = rt2.block_on(async {
        let mut refused = Vec::new();
        for u in fresh {
            let s = create_socket(SocketType::Udp4).unwrap();
            match s.bind(BindOptions::new().fd(u)) {
                Ok(op) => within("bind", op).await.unwrap(),
                Err(e) => refused.push(e.message().to_string()),
            }
            let _ = s.close();
        }
        refused
    });
    assert!(refused.is_empty(), "fresh descriptors refused: {refused:?}");
}

/// ICMP errors and a connected socket's filtering: the same events as a socket read on the
/// runtime, none lost or doubled.
#[test]
fn errors_and_connected_filtering_are_those_of_a_socket_read_on_the_runtime() {
    let _serial = serial_blocking();
    let rt = multi();
    let mut seen = Vec::new();
    for thread in [false, true] {
        seen.push(rt.block_on(async {
            let dead = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let c = create_socket(SocketOptions::new(SocketType::Udp4).receive_thread(thread)).unwrap();
            let log = record(&c);
            within("connect", c.connect(dead).unwrap()).await.unwrap();
            tokio::time::sleep(Duration::from_millis(30)).await;
            for _ in 0..5 {
                let _ = within("send", c.send("x").unwrap()).await;
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            // Another sender to a connected socket: the kernel filters it.
            let port = c.address().unwrap().port;
            UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"intruder", ("127.0.0.1", port)).unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
            within("close", c.close().unwrap()).await.unwrap();
            log.get()
        }));
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[1].iter().filter(|e| e.starts_with("error:ECONNREFUSED")).count(), 5, "{:?}", seen[1]);
}

/// A signal cancelled from a `message` listener on the reading thread: no message after it,
/// then `close`.
#[test]
fn a_signal_cancelled_from_a_listener_on_the_thread() {
    let _serial = serial_blocking();
    let rt = multi();
    rt.block_on(async {
        let token = node_dgram::CancellationToken::new();
        let s = create_socket(threaded(SocketType::Udp4).signal(token.clone())).unwrap();
        let log = record(&s);
        let t = token.clone();
        s.on_message(move |m, _| {
            if m == b"3" {
                t.cancel();
            }
        });
        within("bind", s.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
        let port = s.address().unwrap().port;
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        for i in 0..10 {
            u.send_to(format!("{i}").as_bytes(), ("127.0.0.1", port)).unwrap();
        }
        let done = || log.get().last().map(String::as_str) == Some("close");
        assert!(eventually(done).await);
        assert_eq!(log.get(), ["listening", "message:0", "message:1", "message:2", "message:3", "close"]);
    });
}

/// `run` ends with an unref'd socket read by its own thread (kept by its listener), and the
/// thread ends with it.
#[test]
fn run_ends_with_an_unrefd_socket_and_its_thread() {
    let _serial = serial_blocking();
    let before = reading_threads();
    node_dgram::run(|| {
        let s = create_socket(threaded(SocketType::Udp4)).unwrap();
        s.on_message(|_, _| {});
        drop(s.bind((0, "127.0.0.1")).unwrap());
        s.unref();
    })
    .unwrap();
    let t0 = Instant::now();
    while reading_threads() > before && t0.elapsed() < Duration::from_secs(3) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(reading_threads(), before);
}

/// The system call each reading thread is in now (`/proc/self/task/TID/syscall`'s first field;
/// `running` when on a CPU).
fn reading_syscalls() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| {
            let t = t.ok()?.path();
            let name = std::fs::read_to_string(t.join("comm")).ok()?;
            (name.trim_end() == "node-dgram-recv").then_some(())?;
            Some(std::fs::read_to_string(t.join("syscall")).ok()?.split(' ').next()?.trim_end().to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receive_pause_delivers_bursts_whole_and_in_order() {
    let _serial = serial().await;
    for ty in BOTH {
        let s = create_socket(threaded(ty).receive_pause(Duration::from_micros(200))).unwrap();
        let log = record(&s);
        let (tx, mut rx) = mpsc::unbounded_channel();
        s.on_message(move |msg, rinfo| {
            let on = std::thread::current().name().map(str::to_owned);
            let _ = tx.send((msg.to_vec(), rinfo.port, on));
        });
        within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        let port = s.address().unwrap().port;
        let from = UdpSocket::bind((loopback(ty), 0)).unwrap();
        let me = from.local_addr().unwrap().port();
        // Bursts of 100 (what a default receive buffer holds), then lone datagrams (one in
        // flight at a time): a burst's wakes find several and pause; every datagram comes
        // once, in order, from its sender.
        let mut n = 0;
        for round in 0..20 {
            let burst = if round % 2 == 0 { 100 } else { 1 };
            for _ in 0..(if burst == 1 { 20 } else { 1 }) {
                for i in 0..burst {
                    from.send_to(format!("{}", n + i).as_bytes(), (loopback(ty), port)).unwrap();
                }
                for i in 0..burst {
                    let (msg, p, on) = within("a datagram", rx.recv()).await.unwrap();
                    assert_eq!(msg, format!("{}", n + i).into_bytes());
                    assert_eq!(p, me);
                    assert_eq!(on.as_deref(), Some("node-dgram-recv"));
                }
                n += burst;
            }
        }
        within("close", s.close().unwrap()).await.unwrap();
        assert_eq!(log.get().len(), 2 + n);
        assert_eq!(log.get().first().map(String::as_str), Some("listening"));
        assert_eq!(log.get().last().map(String::as_str), Some("close"));
        assert!(rx.try_recv().is_err(), "a message after close");
    }
}

/// A busy wake starts the pause (the thread sits in `ppoll` on its eventfd, not on the
/// socket): what arrives meanwhile waits in the kernel. `close()` ends the pause at once (the
/// pause here is a minute), frees the port, and nothing more is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_ends_a_pause_at_once_and_what_waited_is_not_delivered() {
    let _serial = serial().await;
    let ppoll = libc::SYS_ppoll.to_string();
    for ty in BOTH {
        let (s, port) = bound(threaded(ty).receive_pause(Duration::from_secs(60))).await;
        let got = Arc::new(AtomicUsize::new(0));
        let g = got.clone();
        s.on_message(move |_, _| {
            g.fetch_add(1, Ordering::SeqCst);
        });
        let from = UdpSocket::bind((loopback(ty), 0)).unwrap();
        // Bursts until a wake finds 2 or more (most do; one that found 1 does not pause).
        let mut paused = false;
        for _ in 0..20 {
            for _ in 0..200 {
                from.send_to(b"x", (loopback(ty), port)).unwrap();
            }
            if eventually(|| reading_syscalls() == [ppoll.clone()]).await {
                paused = true;
                break;
            }
        }
        assert!(paused, "no pause after bursts; the reading thread is in {:?}", reading_syscalls());
        let before = got.load(Ordering::SeqCst);
        for _ in 0..5 {
            from.send_to(b"y", (loopback(ty), port)).unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(got.load(Ordering::SeqCst), before, "delivered during a pause");
        let op = s.close().unwrap();
        assert!(port_free(ty, port), "port {port} still bound after close()");
        within("close", op).await.unwrap();
        // (A minute's pause: a thread that left sooner was woken by the close.)
        assert!(eventually(|| reading_threads() == 0).await, "the thread kept pausing after close()");
        assert_eq!(got.load(Ordering::SeqCst), before, "delivered after close()");
    }
}

/// Sockets whose threads sit in a minute's pause end with their runtime: every thread leaves at
/// once and every port is free.
#[test]
fn a_runtime_dropped_while_its_threads_pause_ends_them() {
    let serial = serial_blocking();
    let before = reading_threads();
    let ppoll = libc::SYS_ppoll.to_string();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (sockets, ports) = rt.block_on(async {
        let (mut v, mut ports) = (Vec::new(), Vec::new());
        for i in 0..4 {
            let ty = BOTH[i % 2];
            let (s, port) = bound(threaded(ty).receive_pause(Duration::from_secs(60))).await;
            s.on_message(|_, _| {});
            let from = UdpSocket::bind((loopback(ty), 0)).unwrap();
            // Bursts until this socket's thread pauses (the others already do).
            let mut paused = false;
            for _ in 0..20 {
                for _ in 0..200 {
                    from.send_to(b"x", (loopback(ty), port)).unwrap();
                }
                let want = vec![ppoll.clone(); i + 1];
                if eventually(|| reading_syscalls() == want).await {
                    paused = true;
                    break;
                }
            }
            assert!(paused, "socket {i} never paused: {:?}", reading_syscalls());
            ports.push((ty, port));
            v.push(s);
        }
        (v, ports)
    });
    drop(rt);
    drop(sockets);
    assert_all_released(before, &ports, "paused threads outlived their runtime");
    drop(serial);
}
