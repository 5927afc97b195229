//! The ownership rule (documented on `Socket`, issue 18 item 2): no descriptor or task outlives
//! the last way to observe its socket. Counts this process's descriptors (/proc/self/fd)
//! before and after dropping 200 sockets in each state. One test function, so that no other
//! test of this binary opens descriptors meanwhile. Every datagram goes to 127.0.0.1.

use std::net::{Ipv4Addr, UdpSocket};
use std::time::{Duration, Instant};

use node_dgram::{create_socket, Socket, SocketOptions, SocketType};

const N: usize = 200;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// Waits (up to 10 s) until the descriptor count is `want`; returns the last count seen.
async fn settle(want: usize) -> usize {
    let t0 = Instant::now();
    loop {
        let n = open_fds();
        if n == want || t0.elapsed() > Duration::from_secs(10) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn bound() -> Socket {
    let s = create_socket("udp4").unwrap();
    s.bind((Ipv4Addr::LOCALHOST, 0)).unwrap().await.unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_frees_the_descriptor_in_every_state() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let peer_port = peer.local_addr().unwrap().port();
    // Warm up what the runtime and the library open once (the reactor, the resolver pool).
    drop(bound().await);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let base = open_fds();

    // Unbound: never had a descriptor; its task ends.
    for _ in 0..N {
        drop(create_socket("udp4").unwrap());
    }
    assert_eq!(settle(base).await, base, "unbound");

    // Bound, then dropped.
    let mut v = Vec::new();
    for _ in 0..N {
        v.push(bound().await);
    }
    assert!(open_fds() >= base + N);
    drop(v);
    assert_eq!(settle(base).await, base, "bound");

    // Bound and unref'd.
    let mut v = Vec::new();
    for _ in 0..N {
        let s = bound().await;
        s.unref();
        v.push(s);
    }
    drop(v);
    assert_eq!(settle(base).await, base, "unref'd");

    // Connected.
    let mut v = Vec::new();
    for _ in 0..N {
        let s = create_socket("udp4").unwrap();
        s.connect((Ipv4Addr::LOCALHOST, peer_port)).unwrap().await.unwrap();
        v.push(s);
    }
    drop(v);
    assert_eq!(settle(base).await, base, "connected");

    // With a send pending (behind the implicit bind), its Op dropped too: the send still goes
    // out, then the socket closes.
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..N {
        let s = create_socket("udp4").unwrap();
        drop(s.send_to("x", (Ipv4Addr::LOCALHOST, peer_port)).unwrap());
    }
    let mut buf = [0u8; 8];
    for i in 0..N {
        peer.recv(&mut buf).unwrap_or_else(|e| panic!("datagram {i} of the dropped sockets: {e}"));
    }
    assert_eq!(settle(base).await, base, "pending send");

    // With a bind pending (not awaited).
    for _ in 0..N {
        let s = create_socket("udp4").unwrap();
        drop(s.bind((Ipv4Addr::LOCALHOST, 0)).unwrap());
    }
    assert_eq!(settle(base).await, base, "pending bind");

    // With a stream of messages, dropped too.
    let mut v = Vec::new();
    for _ in 0..N {
        let s = bound().await;
        let m = s.messages(4);
        v.push((s, m));
    }
    drop(v);
    assert_eq!(settle(base).await, base, "messages stream");

    // Unbound with a signal, never cancelled, and no listener: nothing can observe it.
    for _ in 0..N {
        let t = node_dgram::CancellationToken::new();
        drop(create_socket(SocketOptions::new(SocketType::Udp4).signal(t)).unwrap());
    }
    assert_eq!(settle(base).await, base, "unbound with a signal");

    // With a `message` listener it is still observable: it stays open, as a Node server whose
    // variable went out of scope keeps serving, until the listener closes it through its
    // socket argument (no handle kept, so no cycle).
    let mut ports = Vec::new();
    for _ in 0..N {
        let s = bound().await;
        s.on_message_with(|socket, _msg, _rinfo| {
            socket.close().ok();
        });
        ports.push(s.address().unwrap().port);
    }
    assert!(settle(base + N).await >= base + N, "listened sockets stay open");
    for p in ports {
        peer.send_to(b"bye", (Ipv4Addr::LOCALHOST, p)).unwrap();
    }
    assert_eq!(settle(base).await, base, "closed by their listeners");
}
