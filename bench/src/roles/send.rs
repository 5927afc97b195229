//! The senders: node-dgram's `send_to`, a blocking `sendmmsg` loop, and the floods.

use node_dgram::embed::batch::AsRawFd;
use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

use node_dgram::batch::send_batch;
use node_dgram::{create_socket, SocketOptions, SocketType};

use crate::usage::cpu_seconds;

/// A GSO flood: 64-segment super-datagrams from eight sources in turn (GRO receivers get them
/// coalesced; other receivers get them cut into datagrams by the kernel).
pub(super) fn flood_gso(port: u16, size: usize, seconds: f64) {
    let socks = sources(8);
    let to: SocketAddr = ([127, 0, 0, 1], port).into();
    let payload = vec![7u8; size];
    let segs = (60_000 / size.max(1)).clamp(1, 64);
    let bufs: Vec<&[u8]> = vec![&payload; segs];
    let t0 = Instant::now();
    let mut i = 0;
    while t0.elapsed().as_secs_f64() < seconds {
        let fd = socks[i % socks.len()].as_raw_fd();
        let _ = node_dgram::batch::send_segmented(fd, &bufs, size as u16, Some(&to));
        i += 1;
    }
}

/// A blocking `sendmmsg` loop: the flood for receive tests and the raw baseline for sends.
/// Eight source sockets in turn, so that SO_REUSEPORT servers spread the flood.
pub(super) fn send_raw(port: u16, size: usize, seconds: f64, report: bool) {
    send_raw_from(8, port, size, seconds, report)
}

/// [`send_raw`] from `sources` source sockets in turn.
pub(super) fn send_raw_from(sources_n: usize, port: u16, size: usize, seconds: f64, report: bool) {
    let socks = sources(sources_n);
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

/// `n` sockets bound to 127.0.0.1.
fn sources(n: usize) -> Vec<UdpSocket> {
    (0..n).map(|_| UdpSocket::bind("127.0.0.1:0").expect("bind")).collect()
}

/// node-dgram sender: windows of 64 sends in flight, each awaited, until `count` are sent or
/// `seconds` pass.
pub(super) fn send_ndg(port: u16, size: usize, seconds: f64, count: u64, gso: bool) {
    super::ping::block_on(async move {
        let s = create_socket(SocketOptions::new(SocketType::Udp4).gso(gso)).expect("socket");
        let payload = node_dgram::Message::from(vec![7u8; size]);
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let mut sent = 0u64;
        while sent < count && t0.elapsed().as_secs_f64() < seconds {
            let ops: Vec<_> = (0..64).filter_map(|_| s.send_to(payload.clone(), (port, "127.0.0.1")).ok()).collect();
            for op in ops {
                if op.await.is_ok() {
                    sent += 1;
                }
            }
        }
        println!("{{\"count\":{sent},\"wall\":{},\"cpu\":{}}}", t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        let _ = s.close();
    });
}
