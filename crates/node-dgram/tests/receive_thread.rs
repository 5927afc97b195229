//! `SocketOptions::receive_thread`: a socket read by a thread of its own. The datagrams and
//! events are those of a socket read on the runtime; the thread ends, and the descriptor closes,
//! however the socket ends (`close()` from anywhere, a listener on that thread included, the
//! ownership rule, the runtime going away), also while datagrams keep arriving. The tests here
//! count the process's reading threads and descriptors, so they run one at a time.
#![cfg(unix)]

mod common;

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use node_dgram::{create_socket, Family, Socket, SocketOptions, SocketType};
use tokio::sync::mpsc;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

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

async fn bound(opts: SocketOptions) -> (Socket, u16) {
    let ty = opts.socket_type();
    let s = create_socket(opts).unwrap();
    within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
    let port = s.address().unwrap().port;
    (s, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datagrams_come_in_order_with_their_senders_on_the_reading_thread_after_listening() {
    let _serial = SERIAL.lock().await;
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
    let _serial = SERIAL.lock().await;
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
    let _serial = SERIAL.lock().await;
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
    let _serial = SERIAL.lock().await;
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
    let serial = SERIAL.blocking_lock();
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
    let t0 = Instant::now();
    while reading_threads() < before + 20 && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(reading_threads(), before + 20);
    drop(rt);
    drop(sockets);
    let t0 = Instant::now();
    while reading_threads() > before && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(reading_threads(), before, "reading threads left");
    for (ty, port) in ports {
        assert!(port_free(ty, port), "port {port} still bound");
    }
    drop(serial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn icmp_port_unreachable_on_a_connected_socket_read_by_its_thread() {
    let _serial = SERIAL.lock().await;
    for ty in BOTH {
        let dead = UdpSocket::bind((loopback(ty), 0)).unwrap().local_addr().unwrap().port();
        let c = create_socket(threaded(ty)).unwrap();
        let (tx, mut errs) = mpsc::unbounded_channel();
        c.on_error(move |e| {
            let _ = tx.send(e.clone());
        });
        within("connect", c.connect(dead).unwrap()).await.unwrap();
        // (The thread starts once the socket is bound: give it the moment to.)
        assert!(eventually(|| reading_threads() > 0).await);
        within("send", c.send("anyone?").unwrap()).await.unwrap();
        let e = within("ECONNREFUSED", errs.recv()).await.unwrap();
        assert_eq!(e.message(), "recvmsg ECONNREFUSED");
        assert_eq!(e.syscall(), Some("recvmsg"));
        within("close", c.close().unwrap()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_threaded_sockets_come_and_go() {
    let _serial = SERIAL.lock().await;
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
