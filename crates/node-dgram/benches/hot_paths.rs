//! Micro-benchmarks of node-dgram's hot paths. `cargo bench -p node-dgram` measures them;
//! `cargo test --all-targets` runs each once (no timing is asserted anywhere).
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::os::fd::AsRawFd;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use node_dgram::embed::batch::{recv_batch, send_batch, RecvArena};
use node_dgram::{BlockList, IntoPort, Message};

fn block_list(c: &mut Criterion) {
    let list = BlockList::new();
    for i in 0..100u32 {
        list.add_subnet(&Ipv4Addr::from(0x0a00_0000 + (i << 16)).to_string(), 16).unwrap();
    }
    list.add_address("2001:db8::1").unwrap();
    let hit = IpAddr::V4(Ipv4Addr::new(10, 42, 1, 2));
    let miss = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    c.bench_function("BlockList::check_ip, 101 rules, hit", |b| b.iter(|| list.check_ip(black_box(hit))));
    c.bench_function("BlockList::check_ip, 101 rules, miss", |b| b.iter(|| list.check_ip(black_box(miss))));
}

fn arguments(c: &mut Criterion) {
    c.bench_function("port validation (integer)", |b| b.iter(|| black_box(41234i64).into_port(false)));
    c.bench_function("port validation (string)", |b| b.iter(|| black_box("41234").into_port(false)));
    let payload = vec![7u8; 64];
    c.bench_function("Message from Vec<u8> (no copy)", |b| b.iter(|| Message::from(black_box(payload.clone()))));
    c.bench_function("Message from two &str parts", |b| b.iter(|| Message::from(black_box(vec!["Some ", "bytes"]))));
}

fn batch_io(c: &mut Criterion) {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_nonblocking(true).unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = rx.local_addr().unwrap();
    let payload = [7u8; 64];
    let msgs: Vec<&[u8]> = vec![&payload; 32];
    let mut arena = RecvArena::new(32, 65536);
    c.bench_function("sendmmsg 32 + recvmmsg 32 (64 B, loopback)", |b| {
        b.iter(|| {
            let sent = send_batch(tx.as_raw_fd(), &msgs, &to).unwrap();
            let mut got = 0;
            while got < sent {
                match recv_batch(rx.as_raw_fd(), &mut arena, 32) {
                    Ok(n) => got += n,
                    Err(_) => break,
                }
            }
            black_box(got)
        })
    });
}

criterion_group!(benches, block_list, arguments, batch_io);
criterion_main!(benches);
