//! The receive path's read sizes and its one-datagram reads, and one-buffer sends (the paths a
//! request/response exchange takes): what a read returns, from whom, in which order, GRO
//! entries included, and the errors a send gives.

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;

use node_dgram::embed::batch::{gro_enabled, recv_batch, send_gather, send_segmented, set_gro, RecvArena};
use node_dgram::embed::{Receiver, MAX_BATCH};

fn pair() -> (UdpSocket, UdpSocket, SocketAddr) {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_nonblocking(true).unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = rx.local_addr().unwrap();
    (rx, tx, to)
}

/// What `fd` holds now, read with `recv_batch` asking for `want` at a time: (bytes, sender).
fn drain(fd: i32, want: usize) -> Vec<(Vec<u8>, SocketAddr)> {
    let mut arena = RecvArena::new(64, 2048);
    let mut out = Vec::new();
    loop {
        match recv_batch(fd, &mut arena, want) {
            Ok(n) => {
                assert!(n >= 1 && n <= want, "a read of {want} returned {n}");
                for i in 0..n {
                    let (b, from) = arena.get(i);
                    out.push((b.to_vec(), from.expect("a sender")));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return out,
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn reads_of_one_and_of_many_return_the_same_datagrams_senders_and_order() {
    for want in [1, 2, 64] {
        let (rx, tx, to) = pair();
        let other = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut sent = Vec::new();
        for i in 0..20u8 {
            let from = if i % 3 == 0 { &other } else { &tx };
            let payload = vec![i; 1 + i as usize * 7];
            from.send_to(&payload, to).unwrap();
            sent.push((payload, from.local_addr().unwrap()));
        }
        // An empty datagram too: a read of one returns it as a datagram, not as "nothing".
        tx.send_to(&[], to).unwrap();
        sent.push((Vec::new(), tx.local_addr().unwrap()));
        assert_eq!(drain(rx.as_raw_fd(), want), sent, "reads of {want}");
    }
}

#[test]
fn a_read_of_one_says_nothing_waits_and_takes_nothing_it_cannot_hold_whole() {
    let (rx, tx, to) = pair();
    let mut arena = RecvArena::new(4, 16);
    let e = recv_batch(rx.as_raw_fd(), &mut arena, 1).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    // Larger than the slot: the read returns the slot's worth (as recvmsg truncates).
    tx.send_to(&[7u8; 40], to).unwrap();
    assert_eq!(recv_batch(rx.as_raw_fd(), &mut arena, 1).unwrap(), 1);
    assert_eq!(arena.get(0).0, &[7u8; 16][..]);
    assert_eq!(arena.get(0).1, Some(tx.local_addr().unwrap()));
    // A closed descriptor: the system's error.
    let e = recv_batch(-1, &mut arena, 1).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EBADF));
}

#[test]
fn a_run_of_reads_starts_at_one_in_light_traffic_and_at_the_largest_size_after_a_busy_one() {
    let (rx, tx, to) = pair();
    let fd = rx.as_raw_fd();
    let mut r = Receiver::new();
    assert_eq!(r.want(), 1);
    // Nothing waiting: it stays at one.
    assert!(r.read(fd).drained());
    assert_eq!(r.want(), 1);

    for i in 0..10u8 {
        tx.send_to(&[i], to).unwrap();
    }
    // 1 (full), 1 again (full: a burst), then the largest read takes the other 8.
    let mut sizes = Vec::new();
    loop {
        let asked = r.want();
        let read = r.read(fd);
        let drained = read.drained();
        sizes.push((asked, r.want(), drained));
        if drained {
            break;
        }
    }
    assert_eq!(sizes, vec![(1, 1, false), (1, MAX_BATCH, false), (MAX_BATCH, MAX_BATCH, true)]);
    // That run found 10: the next one starts at the largest size, and a read that finds
    // nothing (the end of a wake, or a wake for nothing) does not change that.
    assert!(r.read(fd).drained());
    assert_eq!(r.want(), MAX_BATCH);
    for i in 0..3u8 {
        tx.send_to(&[i], to).unwrap();
    }
    assert!(r.read(fd).drained(), "one read takes all three");
    assert_eq!(r.want(), MAX_BATCH);
    // A run that finds one datagram: light traffic again, back to reads of one.
    tx.send_to(b"lone", to).unwrap();
    assert!(r.read(fd).drained());
    assert_eq!(r.want(), 1);
    // One datagram: read whole by a read of one, and the next read asks for one again (light
    // traffic: it most likely finds nothing, which a read of one finds out most cheaply).
    tx.send_to(b"one", to).unwrap();
    assert!(!r.read(fd).drained());
    assert_eq!(r.want(), 1);
    assert!(r.read(fd).drained());
    assert_eq!(r.want(), 1);
    // Two in a row: the reads that follow ask for the largest size, and so does the next run.
    tx.send_to(b"two", to).unwrap();
    assert!(!r.read(fd).drained());
    tx.send_to(b"three", to).unwrap();
    assert!(!r.read(fd).drained());
    assert_eq!(r.want(), MAX_BATCH);
    assert!(r.read(fd).drained());
    assert_eq!(r.want(), MAX_BATCH);
    // A failed read (nothing found) changes nothing either.
    assert!(r.read(-1).drained());
    assert_eq!(r.want(), MAX_BATCH);

    // A socket other readers share reads one at a time, always.
    let mut shared = Receiver::new();
    shared.one_at_a_time();
    for i in 0..3u8 {
        tx.send_to(&[i], to).unwrap();
    }
    for _ in 0..3 {
        assert!(!shared.read(fd).drained());
        assert_eq!(shared.want(), 1);
    }
    assert!(shared.read(fd).drained());
}

#[test]
fn a_receiver_whose_wakes_end_at_short_reads_always_asks_for_the_largest_size() {
    let (rx, tx, to) = pair();
    let fd = rx.as_raw_fd();
    let mut r = Receiver::ending_wakes_at_short_reads();
    // A lone datagram: one call takes it and says the queue is empty (it came back short).
    tx.send_to(b"lone", to).unwrap();
    assert_eq!(r.want(), MAX_BATCH);
    let read = r.read(fd);
    assert!(read.drained(), "a lone datagram's read must say the queue is empty");
    drop(read);
    assert_eq!(r.want(), MAX_BATCH);
    assert!(r.read(fd).drained());
    assert_eq!(r.want(), MAX_BATCH);
    // Switched to the other kind (the addon's 'message'), it adapts again from where it is.
    r.set_ending_wakes_at_short_reads(false);
    assert_eq!(r.want(), 1, "the last run found one datagram: light traffic");
    r.set_ending_wakes_at_short_reads(true);
    assert_eq!(r.want(), MAX_BATCH);
    // A socket whose descriptor others share: one at a time, whatever the kind.
    r.one_at_a_time();
    assert_eq!(r.want(), 1);
    for i in 0..2u8 {
        tx.send_to(&[i], to).unwrap();
    }
    assert!(!r.read(fd).drained());
    assert!(!r.read(fd).drained());
    assert!(r.read(fd).drained());
}

#[test]
fn a_read_of_one_keeps_a_gro_entry_whole_with_its_segment_size() {
    let (rx, tx, to) = pair();
    if set_gro(rx.as_raw_fd(), true).is_err() || !gro_enabled(rx.as_raw_fd()).unwrap_or(false) {
        // (Linux before 5.0: no GRO to keep; checked by the GSO/GRO tests of behaviour.rs.)
        eprintln!("no UDP GRO on this kernel");
        return;
    }
    let parts: [&[u8]; 4] = [b"aaaa", b"bbbb", b"cccc", b"dd"];
    if let Err(e) = send_segmented(tx.as_raw_fd(), &parts, 4, Some(&to)) {
        // A kernel without UDP GSO refuses the control message.
        assert!(matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) | Some(libc::EIO)), "{e}");
        return;
    }
    let mut arena = RecvArena::new(8, 4096);
    let (mut got, mut reads) = (Vec::new(), 0);
    loop {
        match recv_batch(rx.as_raw_fd(), &mut arena, 1) {
            Ok(n) => {
                assert_eq!(n, 1);
                reads += 1;
                let (bytes, from) = arena.get(0);
                assert_eq!(from, Some(tx.local_addr().unwrap()));
                match arena.gro_segment(0) {
                    Some(seg) => got.extend(bytes.chunks(seg).map(|c| c.to_vec())),
                    None => got.push(bytes.to_vec()),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("read: {e}"),
        }
    }
    assert_eq!(got, parts.iter().map(|p| p.to_vec()).collect::<Vec<_>>());
    // On loopback the kernel keeps a GSO send whole for a GRO socket: one read, one entry,
    // told apart by the segment size the read's control data carries.
    assert_eq!(reads, 1);
}

#[test]
fn a_one_buffer_send_reaches_its_address_or_the_connected_peer_and_fails_as_the_system_says() {
    let (rx, tx, to) = pair();
    let fd = tx.as_raw_fd();
    assert_eq!(send_gather(fd, &[b"to an address"], Some(&to)).unwrap(), 13);
    // Several buffers: one datagram, gathered.
    assert_eq!(send_gather(fd, &[b"gath", b"ered"], Some(&to)).unwrap(), 8);
    // No address on an unconnected socket: EDESTADDRREQ, as sendto/sendmsg say.
    let e = send_gather(fd, &[b"nowhere"], None).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EDESTADDRREQ));
    let e = send_gather(fd, &[b"now", b"here"], None).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EDESTADDRREQ));
    // Too large for UDP: EMSGSIZE.
    let big = vec![0u8; 70_000];
    let e = send_gather(fd, &[&big], Some(&to)).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EMSGSIZE));
    // Connected: no address needed.
    tx.connect(to).unwrap();
    assert_eq!(send_gather(fd, &[b"connected"], None).unwrap(), 9);
    let from = tx.local_addr().unwrap();
    let got = drain(rx.as_raw_fd(), 64);
    let want: Vec<(Vec<u8>, SocketAddr)> =
        [&b"to an address"[..], b"gathered", b"connected"].iter().map(|b| (b.to_vec(), from)).collect();
    assert_eq!(got, want);
    // IPv6 to an IPv4 socket's address family: the system's EAFNOSUPPORT/EINVAL, not a panic.
    let v6: SocketAddr = "[::1]:9".parse().unwrap();
    let e = send_gather(fd, &[b"x"], Some(&v6)).unwrap_err();
    assert!(e.raw_os_error().is_some(), "{e}");
}
