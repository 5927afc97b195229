//! `bind({ fd })` adoption and the multi-core server.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;
use node_dgram::{create_socket, serve, BindOptions, ServerOptions, SocketType};
use socket2::{Domain, Protocol, Socket as RawSocket, Type};

#[tokio::test]
async fn adopts_a_udp_socket_made_with_socket2() {
    for ty in BOTH {
        let domain = if ty == SocketType::Udp4 { Domain::IPV4 } else { Domain::IPV6 };
        let raw = RawSocket::new(domain, Type::DGRAM, Some(Protocol::UDP)).unwrap();
        raw.bind(&std::net::SocketAddr::new(loopback(ty), 0).into()).unwrap();
        let port = raw.local_addr().unwrap().as_socket().unwrap().port();

        let s = create_socket(ty).unwrap();
        let log = record(&s);
        // Port and address are ignored when an fd is given, as in Node.
        within("bind", s.bind(BindOptions::new().fd(raw).port(1).address("192.0.2.1")).unwrap()).await.unwrap();
        assert_eq!(s.address().unwrap().port, port);
        assert_eq!(log.get(), vec!["listening"]);

        // It receives and sends.
        let (peer, peer_port, mut rx) = receiver(ty).await;
        let (tx, mut got) = tokio::sync::mpsc::unbounded_channel();
        s.on_message(move |m, _| {
            let _ = tx.send(m.to_vec());
        });
        within("send", peer.send_to("to adopted", port).unwrap()).await.unwrap();
        assert_eq!(within("message", got.recv()).await.unwrap(), b"to adopted");
        within("send", s.send_to("from adopted", peer_port).unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"from adopted");
        assert_eq!(s.bind(0).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
        s.close().unwrap();
        peer.close().unwrap();
    }
}

/// The descriptor of this process's UDP socket bound to `port`.
#[cfg(target_os = "linux")]
fn fd_of_port(port: u16) -> i32 {
    let fds = udp_fds();
    fds.iter()
        .find(|(_, p)| *p == port)
        .map(|(fd, _)| *fd)
        .unwrap_or_else(|| panic!("no descriptor on port {port}: {fds:?}"))
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn udp_gro_is_asked_for_by_default_and_an_adopted_descriptor_is_left_alone() {
    use node_dgram::embed::batch::{gro_enabled, set_gro, AsRawFd};
    use node_dgram::SocketOptions;
    // Whether this kernel has UDP GRO at all (Linux 5.0 and later).
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let has = set_gro(probe.as_raw_fd(), true).is_ok();
    for ty in BOTH {
        let cases = [(SocketOptions::new(ty), has), (SocketOptions::new(ty).gro(false), false)];
        for (i, (opts, want)) in cases.into_iter().enumerate() {
            let s = create_socket(opts).unwrap();
            within("bind", s.bind(0).unwrap()).await.unwrap();
            let fd = fd_of_port(s.address().unwrap().port);
            assert_eq!(gro_enabled(fd).unwrap_or(false), want, "case {i} {ty:?}");
            s.close().unwrap();
        }
        // Required: on where the kernel has it; the bind fails where it does not.
        let s = create_socket(SocketOptions::new(ty).gro(true)).unwrap();
        let bound = within("bind", s.bind(0).unwrap()).await;
        assert_eq!(bound.is_ok(), has, "gro(true) {ty:?}");
        if has {
            assert!(gro_enabled(fd_of_port(s.address().unwrap().port)).unwrap());
        }
        s.close().unwrap();
        // An adopted descriptor may have other readers: its GRO is left as it was (off).
        let domain = if ty == SocketType::Udp4 { Domain::IPV4 } else { Domain::IPV6 };
        let raw = RawSocket::new(domain, Type::DGRAM, Some(Protocol::UDP)).unwrap();
        raw.bind(&std::net::SocketAddr::new(loopback(ty), 0).into()).unwrap();
        let raw_fd = raw.as_raw_fd();
        let s = create_socket(ty).unwrap();
        within("bind", s.bind(BindOptions::new().fd(raw)).unwrap()).await.unwrap();
        assert!(!gro_enabled(raw_fd).unwrap_or(false), "adopted {ty:?}");
        s.close().unwrap();
    }
}

#[tokio::test]
async fn an_adopted_socket_gets_the_buffer_sizes_of_the_options() {
    // Node applies recvBufferSize and sendBufferSize on every bind, an fd's included.
    let raw = RawSocket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
    raw.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into()).unwrap();
    let before = (raw.recv_buffer_size().unwrap(), raw.send_buffer_size().unwrap());
    let want = (before.0 as u32 / 2 + 4096, before.1 as u32 / 2 + 4096);
    let s = create_socket(
        node_dgram::SocketOptions::new(SocketType::Udp4).recv_buffer_size(want.0).send_buffer_size(want.1),
    )
    .unwrap();
    within("bind", s.bind(BindOptions::new().fd(raw)).unwrap()).await.unwrap();
    // Linux doubles what it is given.
    assert_eq!(s.get_recv_buffer_size().unwrap(), 2 * want.0 as usize);
    assert_eq!(s.get_send_buffer_size().unwrap(), 2 * want.1 as usize);
    assert_ne!(s.get_recv_buffer_size().unwrap(), before.0);
    s.close().unwrap();
}

#[tokio::test]
async fn refuses_descriptors_that_are_not_udp_sockets() {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s = create_socket("udp4").unwrap();
    let e = s.bind(BindOptions::new().fd(tcp)).unwrap_err();
    assert_eq!((e.code(), e.message()), ("ERR_INVALID_FD_TYPE", "Unsupported fd type: TCP"));

    // As in Node, the refused bind leaves the socket binding: any later bind is refused.
    let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
    let e = s.bind(BindOptions::new().fd(file)).unwrap_err();
    assert_eq!(e.code(), "ERR_SOCKET_ALREADY_BOUND");
    s.close().unwrap();

    let s = create_socket("udp4").unwrap();
    let e = s.bind(BindOptions::new().fd(file_of_this_test())).unwrap_err();
    assert_eq!((e.code(), e.message()), ("ERR_INVALID_FD_TYPE", "Unsupported fd type: FILE"));
    s.close().unwrap();
}

fn file_of_this_test() -> std::fs::File {
    std::fs::File::open(std::env::current_exe().unwrap()).unwrap()
}

/// The cores the calling thread may run on.
fn cores_of_this_thread() -> Vec<usize> {
    let set = sched_getaffinity(Pid::from_raw(0)).unwrap();
    (0..CpuSet::count()).filter(|&c| set.is_set(c).unwrap()).collect()
}

/// What [`load`] saw: the ids each thread handled, how many in all, and the cores each thread
/// was allowed to run on while it handled them.
type Seen = (HashMap<String, Vec<u32>>, usize, HashMap<String, Vec<usize>>);

/// Sends `total` numbered datagrams from `clients` sockets in windows, waiting for the server
/// to catch up so that the kernel never has to drop one, and returns what the threads saw.
fn load(opts: ServerOptions, total: u32, clients: usize) -> Seen {
    let threads = opts.thread_count();
    let seen: Arc<Mutex<HashMap<String, Vec<u32>>>> = Arc::default();
    let cores: Arc<Mutex<HashMap<String, Vec<usize>>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let (seen2, cores2, count2) = (seen.clone(), cores.clone(), count.clone());
    let server = serve(opts, move |_sock, msg, _rinfo| {
        let id = u32::from_le_bytes(msg[..4].try_into().unwrap());
        let thread = std::thread::current().name().unwrap_or("?").to_string();
        cores2.lock().unwrap().entry(thread.clone()).or_insert_with(cores_of_this_thread);
        seen2.lock().unwrap().entry(thread).or_default().push(id);
        count2.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    assert_eq!(server.threads(), threads);
    let to = server.local_addr();
    let senders: Vec<std::net::UdpSocket> =
        (0..clients).map(|_| std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    for id in 0..total {
        senders[id as usize % clients].send_to(&id.to_le_bytes(), to).unwrap();
        if id % 64 == 63 {
            while count.load(Ordering::SeqCst) + 64 < id as usize && Instant::now() < deadline {
                std::thread::sleep(Duration::from_micros(200));
            }
        }
    }
    while count.load(Ordering::SeqCst) < total as usize && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    server.close();
    let seen = seen.lock().unwrap().clone();
    let cores = cores.lock().unwrap().clone();
    (seen, count.load(Ordering::SeqCst), cores)
}

fn server_options(exclusive: bool, threads: usize) -> ServerOptions {
    ServerOptions::new(SocketType::Udp4).address("127.0.0.1").threads(threads).exclusive(exclusive)
}

fn assert_exactly_once(seen: &HashMap<String, Vec<u32>>, total: u32) {
    let mut all: Vec<u32> = seen.values().flatten().copied().collect();
    all.sort_unstable();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "a datagram was handled twice");
    assert_eq!(all, (0..total).collect::<Vec<_>>(), "a datagram was lost");
}

#[test]
fn shared_descriptor_server_handles_each_datagram_once() {
    let (seen, n, _) = load(server_options(false, 2), 20_000, 4);
    assert_eq!(n, 20_000);
    assert_exactly_once(&seen, 20_000);
}

#[test]
fn reuse_port_server_spreads_and_handles_each_datagram_once() {
    let (seen, n, cores) = load(server_options(true, 2), 20_000, 16);
    assert_eq!(n, 20_000);
    assert_exactly_once(&seen, 20_000);
    // Sixteen senders hash over two sockets: both threads work.
    assert_eq!(seen.len(), 2, "only one thread received: {:?}", seen.keys());
    // Unpinned, every thread may run on every core the process may use.
    let all = cores_of_this_thread();
    assert!(cores.values().all(|c| *c == all), "{cores:?}");
}

#[test]
fn pinned_server_threads_each_run_on_one_core_of_their_own() {
    let all = cores_of_this_thread();
    let (seen, n, cores) = load(server_options(true, 2).pin_threads(true), 20_000, 16);
    assert_eq!(n, 20_000);
    assert_exactly_once(&seen, 20_000);
    assert_eq!(cores.len(), 2, "only one thread received: {cores:?}");
    // Thread i runs only on the i-th core of those allowed (round robin).
    for (thread, on) in &cores {
        let i: usize = thread.trim_start_matches("node-dgram-").parse().unwrap();
        assert_eq!(*on, vec![all[i % all.len()]], "{thread}: {cores:?}");
    }
}

#[test]
fn pinned_threads_stay_within_the_cores_the_caller_may_use() {
    // Confined to its last core, the caller's server pins both threads there.
    let last = *cores_of_this_thread().last().unwrap();
    let mut only = CpuSet::new();
    only.set(last).unwrap();
    sched_setaffinity(Pid::from_raw(0), &only).unwrap();
    let (seen, n, cores) = load(server_options(false, 2).pin_threads(true), 2_000, 4);
    assert_eq!(n, 2_000);
    assert_exactly_once(&seen, 2_000);
    assert!(!cores.is_empty() && cores.values().all(|c| *c == vec![last]), "{cores:?}");
}

#[test]
fn server_close_frees_the_port() {
    let server =
        serve(ServerOptions::new(SocketType::Udp6).address("::1").threads(2).exclusive(true), |_, _, _| {}).unwrap();
    let port = server.local_addr().port();
    server.close();
    // Every thread's socket is closed: the port can be bound again without reuse options.
    std::net::UdpSocket::bind(("::1", port)).unwrap();
}
