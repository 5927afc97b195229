//! A UDP server spread over several cores: the Rust counterpart of sharing a port among
//! Node's `cluster` workers.
//!
//! Each of N threads runs its own event loop with its own [`Socket`]:
//! - `exclusive: false` (Node's default for cluster workers): one bound descriptor shared by all
//!   threads (each holds a duplicate of it); every datagram is read by exactly one thread.
//! - `exclusive: true`: each thread owns its own socket bound to the same port with
//!   `SO_REUSEPORT`; the kernel spreads datagrams over them by the sender's address and port.
//!
//! With [`ServerOptions::pin_threads`], each thread is bound to one core of those the process
//! may use, so that the scheduler never stacks two busy server threads on one core.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use socket2::{Domain, Protocol, Type};

use crate::error::Error;
use crate::types::{parse_ip, BindOptions, RemoteInfo, SocketOptions, SocketType};
use crate::{create_socket, CancellationToken, Socket};

/// What [`serve`] needs: where to listen, on how many threads, and how the port is shared.
///
/// ```
/// use node_dgram::{ServerOptions, SocketType};
/// let o = ServerOptions::new(SocketType::Udp4).address("127.0.0.1").port(0).threads(2).exclusive(true);
/// assert_eq!(o.thread_count(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct ServerOptions {
    ty: SocketType,
    address: String,
    port: u16,
    threads: usize,
    exclusive: bool,
    recv_buffer_size: Option<u32>,
    pin: bool,
}

impl ServerOptions {
    /// All interfaces, a free port, one thread per available core, shared descriptor.
    ///
    /// [Node: `cluster`](https://nodejs.org/api/cluster.html)
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{ServerOptions, SocketType};
    /// let o = ServerOptions::new(SocketType::Udp4).threads(2);
    /// assert_eq!(o.thread_count(), 2);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn new(ty: SocketType) -> ServerOptions {
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        ServerOptions {
            ty,
            address: String::new(),
            port: 0,
            threads,
            exclusive: false,
            recv_buffer_size: None,
            pin: false,
        }
    }
    /// The address to bind (an IP literal; empty: all interfaces).
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::ServerOptions::new(node_dgram::SocketType::Udp4).address("127.0.0.1");
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a bad address fails [`serve`](crate::serve).
    pub fn address(mut self, address: impl Into<String>) -> Self {
        self.address = address.into();
        self
    }
    /// The port (0: a free one, the same for every thread).
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::ServerOptions::new(node_dgram::SocketType::Udp4).port(41234);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// How many threads (event loops); at least 1.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::ServerOptions::new(node_dgram::SocketType::Udp4).threads(0);
    /// assert_eq!(o.thread_count(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }
    /// The thread count set.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::ServerOptions::new(node_dgram::SocketType::Udp4).threads(3);
    /// assert_eq!(o.thread_count(), 3);
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn thread_count(&self) -> usize {
        self.threads
    }
    /// `false`: one descriptor shared by all threads; `true`: one socket per thread with
    /// `SO_REUSEPORT`.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::ServerOptions::new(node_dgram::SocketType::Udp4).exclusive(true);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn exclusive(mut self, on: bool) -> Self {
        self.exclusive = on;
        self
    }
    /// `SO_RCVBUF` of each socket.
    ///
    /// # Examples
    ///
    /// ```
    /// let o = node_dgram::ServerOptions::new(node_dgram::SocketType::Udp4).recv_buffer_size(1 << 20);
    /// # let _ = o;
    /// ```
    ///
    /// # Errors
    ///
    /// None here; a size the system refuses fails [`serve`](crate::serve).
    pub fn recv_buffer_size(mut self, size: u32) -> Self {
        self.recv_buffer_size = Some(size);
        self
    }
    /// `true`: thread `i` runs only on the `i`-th core (round robin) of those the process may
    /// use (its affinity mask when [`serve`] is called). Off by default.
    ///
    /// Unpinned threads woken together may be stacked on one core for milliseconds while
    /// another idles; pinned ones each start on their own core at once. Pin when the server
    /// has the cores to itself; leave it off when other busy threads share them.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{serve, ServerOptions, SocketType};
    /// let o = ServerOptions::new(SocketType::Udp4).address("127.0.0.1").threads(2).exclusive(true).pin_threads(true);
    /// let server = serve(o, |_, _, _| {}).unwrap();
    /// server.close();
    /// ```
    ///
    /// # Errors
    ///
    /// None: a thread that cannot be pinned runs unpinned.
    pub fn pin_threads(mut self, on: bool) -> Self {
        self.pin = on;
        self
    }
}

/// A running multi-core server. [`close`](MultiCoreServer::close) stops every thread.
pub struct MultiCoreServer {
    local: SocketAddr,
    stop: CancellationToken,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for MultiCoreServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiCoreServer").field("local", &self.local).field("threads", &self.threads.len()).finish()
    }
}

/// The handler of a multi-core server: called for each datagram on the thread that read it,
/// with that thread's socket (for replies).
pub trait Handler: Fn(&Socket, &[u8], &RemoteInfo) + Send + Sync + 'static {}
impl<F: Fn(&Socket, &[u8], &RemoteInfo) + Send + Sync + 'static> Handler for F {}

/// Starts a server on `opts.threads` event-loop threads; `handler` sees every datagram once.
///
/// # Examples
///
/// ```
/// use node_dgram::{serve, ServerOptions, SocketType};
/// // An echo server on two cores.
/// let server = serve(ServerOptions::new(SocketType::Udp4).address("127.0.0.1").threads(2), |sock, msg, rinfo| {
///     let _ = sock.send_to(msg, rinfo);
/// })
/// .unwrap();
/// assert!(server.local_addr().port() > 0);
/// server.close();
/// ```
///
/// [Node: `cluster`](https://nodejs.org/api/cluster.html)
///
/// # Errors
///
/// `bind EADDRINUSE ...`, `bind EADDRNOTAVAIL ...` and other `bind` system errors, `EINVAL` for an
/// address that is no IP literal of the type's family.
pub fn serve(opts: ServerOptions, handler: impl Handler) -> Result<MultiCoreServer, Error> {
    let family = opts.ty.family();
    let ip = if opts.address.is_empty() {
        family.any()
    } else {
        parse_ip(&opts.address)
            .map(|(ip, _)| ip)
            .ok_or_else(|| Error::system(libc::EINVAL, "bind", Some(opts.address.clone()), Some(opts.port)))?
    };
    let bind_err = |e: std::io::Error, port: u16| Error::from_io(&e, "bind", Some(ip.to_string()), Some(port));
    let open = |port: u16| -> Result<socket2::Socket, Error> {
        let domain = if ip.is_ipv4() { Domain::IPV4 } else { Domain::IPV6 };
        let s = socket2::Socket::new(domain, Type::DGRAM, Some(Protocol::UDP)).map_err(|e| bind_err(e, port))?;
        #[cfg(unix)]
        if opts.exclusive {
            s.set_reuse_port(true).map_err(|e| bind_err(e, port))?;
        }
        s.bind(&SocketAddr::new(ip, port).into()).map_err(|e| bind_err(e, port))?;
        Ok(s)
    };
    let first = open(opts.port)?;
    let local = first.local_addr().ok().and_then(|a| a.as_socket()).unwrap_or(SocketAddr::new(ip, opts.port));
    let mut fds = Vec::with_capacity(opts.threads);
    fds.push(first);
    for _ in 1..opts.threads {
        // (Windows has no SO_REUSEPORT: its threads share one socket.)
        let s = if opts.exclusive && cfg!(unix) {
            open(local.port())?
        } else {
            fds[0].try_clone().map_err(|e| bind_err(e, local.port()))?
        };
        fds.push(s);
    }
    let stop = CancellationToken::new();
    let handler = Arc::new(handler);
    let mut threads = Vec::with_capacity(fds.len());
    // Each pinned thread reports whether it could pin itself before it serves. (A new thread
    // starts with its creator's affinity, so it picks among the cores the caller may use.)
    let (pinned_tx, pinned_rx) = std::sync::mpsc::channel::<std::io::Result<usize>>();
    for (i, fd) in fds.into_iter().enumerate() {
        #[cfg(windows)]
        crate::sys::vouch(crate::sys::AsRawFd::as_raw_fd(&fd));
        let (token, handler, ty, rcvbuf) = (stop.child_token(), handler.clone(), opts.ty, opts.recv_buffer_size);
        let report = opts.pin.then(|| pinned_tx.clone());
        let spawned = std::thread::Builder::new().name(format!("node-dgram-{i}")).spawn(move || {
            if let Some(report) = report {
                let pinned = pin_current_thread(i);
                let failed = pinned.is_err();
                let _ = report.send(pinned);
                if failed {
                    return;
                }
            }
            let _ = crate::run(move || {
                let mut o = SocketOptions::new(ty).signal(token);
                if let Some(n) = rcvbuf {
                    o = o.recv_buffer_size(n);
                }
                let Ok(sock) = create_socket(o) else { return };
                let s = sock.clone();
                sock.on_message(move |msg, rinfo| handler(&s, msg, rinfo));
                sock.on_error(|e| eprintln!("node-dgram server: {e}"));
                let _ = sock.bind(BindOptions::new().fd(fd));
            });
        });
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => {
                MultiCoreServer { local, stop, threads }.close();
                return Err(Error::from_io(&e, "uv_thread_create", None, None));
            }
        }
    }
    drop(pinned_tx);
    let server = MultiCoreServer { local, stop, threads };
    if opts.pin {
        // Every thread sends one report; a thread that could not pin itself ends at once.
        if let Some(e) = pinned_rx.iter().find_map(Result::err) {
            server.close();
            return Err(Error::from_io(&e, "sched_setaffinity", None, None));
        }
    }
    Ok(server)
}

/// Binds the calling thread to the `i`-th (round robin) of the cores it may run on now, and
/// returns that core. [`ServerOptions::pin_threads`] does this on each server thread; a
/// program running its own per-core event loops can do the same.
///
/// # Examples
///
/// ```
/// let core = node_dgram::pin_current_thread(0).unwrap();
/// println!("running on core {core} only");
/// ```
///
/// Linux only: elsewhere it fails with [`std::io::ErrorKind::Unsupported`] (macOS has no such
/// call; FreeBSD's cpuset is not wired up yet).
///
/// # Errors
///
/// The `sched_setaffinity` / `sched_getaffinity` error, as `std::io::Error`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn pin_current_thread(i: usize) -> std::io::Result<usize> {
    use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
    let me = nix::unistd::Pid::from_raw(0);
    let allowed = sched_getaffinity(me)?;
    let cores: Vec<usize> = (0..CpuSet::count()).filter(|&c| allowed.is_set(c).unwrap_or(false)).collect();
    let core = *cores.get(i % cores.len().max(1)).ok_or_else(|| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut only = CpuSet::new();
    only.set(core)?;
    sched_setaffinity(me, &only)?;
    Ok(core)
}

/// Binding a thread to a core is not available on this system (see the Linux version).
///
/// # Examples
///
/// ```
/// assert!(node_dgram::pin_current_thread(0).is_err());
/// ```
///
/// # Errors
///
/// Always [`std::io::ErrorKind::Unsupported`].
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn pin_current_thread(_i: usize) -> std::io::Result<usize> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "pinning threads to cores is supported on Linux only"))
}

impl MultiCoreServer {
    /// The bound address (the port is the same on every thread).
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{serve, ServerOptions, SocketType};
    /// let server = serve(ServerOptions::new(SocketType::Udp4).address("127.0.0.1").threads(2), |_, _, _| {}).unwrap();
    /// assert_eq!(server.local_addr().ip().to_string(), "127.0.0.1");
    /// server.close();
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
    /// How many threads serve.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{serve, ServerOptions, SocketType};
    /// let server = serve(ServerOptions::new(SocketType::Udp4).address("127.0.0.1").threads(2), |_, _, _| {}).unwrap();
    /// assert_eq!(server.threads(), 2);
    /// server.close();
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn threads(&self) -> usize {
        self.threads.len()
    }
    /// Closes every thread's socket and waits for the threads to end.
    ///
    /// # Examples
    ///
    /// ```
    /// use node_dgram::{serve, ServerOptions, SocketType};
    /// let server = serve(ServerOptions::new(SocketType::Udp4).address("127.0.0.1").threads(2), |_, _, _| {}).unwrap();
    /// server.close(); // every thread has ended when this returns
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn close(self) {
        self.stop.cancel();
        for t in self.threads {
            let _ = t.join();
        }
    }
}
