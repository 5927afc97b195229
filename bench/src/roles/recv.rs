//! The receivers: node-dgram's `on_message` and a blocking `recvmmsg` loop.

use node_dgram::embed::batch::AsRawFd;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use node_dgram::batch::{recv_batch, recv_batch_blocking, RecvArena};
use node_dgram::{create_socket, SocketOptions, SocketType};

use super::{ready, Window, TICK};
use crate::usage::{max_rss_bytes, rss_now};

/// node-dgram receiver: `on_message` counting (the `dgram listen --quiet` equivalent); `gro`:
/// UDP GRO required (`Some(true)`), off (`Some(false)`), or as by default (`None`: asked for);
/// `thread`: reading on a thread of its own (`SocketOptions::receive_thread`);
/// `pause`: that thread pausing after a busy wake (`SocketOptions::receive_pause`).
pub(super) fn recv_ndg(seconds: f64, gro: Option<bool>, thread: bool, pause: Option<Duration>) {
    node_dgram::run(move || {
        let mut opts = SocketOptions::new(SocketType::Udp4).recv_buffer_size(4 << 20).receive_thread(thread);
        if let Some(on) = gro {
            opts = opts.gro(on);
        }
        if let Some(p) = pause {
            opts = opts.receive_pause(p);
        }
        let s = create_socket(opts).expect("socket");
        let count = Arc::new(AtomicU64::new(0));
        let c = count.clone();
        s.on_message(move |_msg, _rinfo| {
            c.fetch_add(1, Ordering::Relaxed);
        });
        let s2 = s.clone();
        s.on_listening(move || {
            ready(s2.address().map(|a| a.port).unwrap_or(0));
            let s = s2.clone();
            watch_window(seconds, count.clone(), move || {
                let _ = s.close();
            });
        });
        let _ = s.bind((0, "127.0.0.1"));
    })
    .expect("runtime");
}

/// The machine's practical limit: a blocking `recvmmsg` loop (batches of 64).
pub(super) fn recv_raw(seconds: f64) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let _ = socket2::SockRef::from(&s).set_recv_buffer_size(4 << 20);
    s.set_read_timeout(Some(TICK)).expect("timeout");
    ready(s.local_addr().expect("addr").port());
    let mut arena = RecvArena::new(64, 65536);
    let mut window = Window::new(seconds);
    let mut count = 0u64;
    loop {
        match recv_batch_blocking(s.as_raw_fd(), &mut arena, 64) {
            Ok(n) => count += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
        if window.due() && window.look(count) {
            break;
        }
    }
    println!("{}", window.report(max_rss_bytes()));
}

/// The event loop's own floor: a tokio `UdpSocket` and one `recvmmsg` (64) per readiness,
/// forgetting the readiness after a short read (as node-dgram's receive task does); counting
/// only, no socket semantics. What is left between this and the C loop is tokio's (epoll
/// through mio, its scheduler and waker), not node-dgram's.
pub(super) fn recv_tokio(seconds: f64) {
    // (Built as `node_dgram::run` builds its runtime.)
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let _ = socket2::SockRef::from(&s).set_recv_buffer_size(4 << 20);
        s.set_nonblocking(true).expect("nonblocking");
        let port = s.local_addr().expect("addr").port();
        let sock = tokio::net::UdpSocket::from_std(s).expect("tokio socket");
        let count = Arc::new(AtomicU64::new(0));
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        ready(port);
        let d = done.clone();
        watch_window(seconds, count.clone(), move || {
            d.store(true, Ordering::Release);
            // (Wakes the loop to see it.)
            if let Ok(u) = UdpSocket::bind("127.0.0.1:0") {
                let _ = u.send_to(b"", ("127.0.0.1", port));
            }
        });
        let mut arena = RecvArena::new(64, 65536);
        let fd = sock.as_raw_fd();
        while !done.load(Ordering::Acquire) {
            if sock.readable().await.is_err() {
                break;
            }
            // A short read ends as WouldBlock, which makes tokio forget the readiness.
            let _ = sock.try_io(tokio::io::Interest::READABLE, || {
                let n = recv_batch(fd, &mut arena, 64)?;
                count.fetch_add(n as u64, Ordering::Relaxed);
                if n < 64 {
                    return Err(std::io::ErrorKind::WouldBlock.into());
                }
                Ok(())
            });
        }
    });
}

/// Watches a receiver's window from a thread of its own, so that the measured event loop has
/// nothing to do but receive (as `dgram listen --quiet`: no timer of the harness on it); prints
/// the report when the window is over, then runs `end`.
fn watch_window(seconds: f64, count: Arc<AtomicU64>, end: impl FnOnce() + Send + 'static) {
    std::thread::spawn(move || {
        let mut w = Window::new(seconds);
        while !w.look(count.load(Ordering::Relaxed)) {
            std::thread::sleep(TICK);
        }
        println!("{}", w.report(rss_now()));
        end();
    });
}
