//! The network-namespace lab, for tests that need more than loopback: hosts joined by veth
//! pairs or by a bridge, each an isolated network stack made by the test itself, so that
//! multicast, broadcast and link-local traffic never leaves the lab. Addresses come from
//! 198.51.100.0/24 and 2001:db8::/64 only (the documentation ranges): the caller gives them,
//! and nothing here adds others.
//!
//! ```no_run
//! use testkit::netns::Lab;
//! let Some(lab) = Lab::new("my_test") else { return }; // skipped (or, with CI=true, failed)
//! let (a, b) = (lab.host("a"), lab.host("b"));
//! let (a_if, _b_if) = lab.link(&a, &b, &["198.51.100.1/24"], &["198.51.100.2/24"]);
//! a.default_route(&a_if);
//! // Code in a's namespace: a thread ...
//! let sent = a.run(|| std::net::UdpSocket::bind("198.51.100.1:0").is_ok());
//! // ... a tokio runtime there (sockets created in a job live in `a`) ...
//! let agent = a.agent();
//! let port = agent.run(|| async { 0u16 });
//! // ... or a program: `ip netns exec NS PROGRAM`.
//! let status = b.command("true").status();
//! ```
//!
//! - Every namespace is named `ndg<pid>-<test>-<host>`, and [`Lab`]'s `Drop` deletes each one
//!   it made, also when the test panics (deleting a namespace deletes its end of each veth
//!   pair, and so the pair). Namespaces left by a killed run (whose pid is gone) are deleted by
//!   the next `Lab::new`.
//! - Interfaces are created directly inside the lab's namespaces (`ip -n NS link add ... peer
//!   ... netns NS2`): the host's own interfaces and routes are never touched. Interface names
//!   are `<host>-eth<n>` on hosts (`n` counting from 0 per host) and `p-<host>` on a switch,
//!   at most 15 characters; veth indexes are unique in the lab.
//! - In each namespace: `lo` up, IPv6 duplicate address detection off (`accept_dad=0` before any
//!   link, and `nodad` on every IPv6 address) so addresses work at once, reverse-path filtering
//!   off; IPv4 addresses get their broadcast address (`brd +`). [`Lab::link`] and [`Lab::plug`]
//!   return once the new interfaces carry traffic (up, with carrier and, on hosts, an IPv6
//!   link-local address that is no longer tentative).
//! - Code runs "on" a host in a thread that has `setns`'d into the host's namespace
//!   ([`Host::spawn`], [`Host::run`]): sockets must be created on that thread, so [`Agent`]
//!   runs a current-thread tokio runtime there and executes jobs sent to it. Programs run on a
//!   host with [`Host::command`] (`ip netns exec`).
//! - Where namespaces cannot be made (not root, no `ip`), [`Lab::new`] prints why and returns
//!   `None`, so the test passes as skipped; with `CI=true` it panics instead: CI never skips
//!   (see [`crate::skip`]).

use std::fs::File;
use std::future::Future;
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sched::{setns, CloneFlags};

/// How long one job on an agent may take before the test fails.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(15);

/// The prefix of every namespace the lab makes.
pub const PREFIX: &str = "ndg";

/// Serializes namespace creation (the first `ip netns add` of a boot sets up `/run/netns`).
static CREATE: Mutex<()> = Mutex::new(());

/// Runs `ip` with `args`; the output, or what went wrong.
fn try_ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("cannot run `ip`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("`ip {}` failed ({}): {}", args.join(" "), out.status, String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Runs `ip` with `args`, failing the test if it fails.
fn ip(args: &[&str]) -> String {
    try_ip(args).unwrap_or_else(|e| panic!("{e}"))
}

/// Moves the calling thread into the named network namespace.
fn enter(ns: &str) {
    let f = File::open(format!("/run/netns/{ns}")).unwrap_or_else(|e| panic!("open namespace {ns}: {e}"));
    setns(&f, CloneFlags::CLONE_NEWNET).unwrap_or_else(|e| panic!("setns into {ns}: {e}"));
}

/// The lab's settings for a fresh namespace: loopback up, no duplicate address detection, no
/// reverse-path filter.
fn prepare(ns: &str) {
    ip(&["-n", ns, "link", "set", "dev", "lo", "up"]);
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns, "sysctl", "-q", "-w"]);
    for s in [
        "net.ipv6.conf.all.accept_dad=0",
        "net.ipv6.conf.default.accept_dad=0",
        "net.ipv4.conf.all.rp_filter=0",
        "net.ipv4.conf.default.rp_filter=0",
    ] {
        cmd.arg(s);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("run sysctl in {ns}: {e}"));
    assert!(out.status.success(), "sysctl in {ns} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Deletes namespaces of earlier runs of these tests whose process is gone (killed before its
/// `Drop` ran).
fn delete_stale() {
    let Ok(dir) = std::fs::read_dir("/run/netns") else { return };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX).and_then(|r| r.split('-').next()) else { continue };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = try_ip(&["netns", "del", &name]);
        }
    }
}

/// A set of namespaces made for one test, deleted when dropped.
pub struct Lab {
    prefix: String,
    namespaces: Mutex<Vec<String>>,
    /// The next interface index: unique in the lab, so that no veth has its peer's index (the
    /// kernel then handles its carrier changes at once rather than up to a second later).
    next_index: AtomicU32,
}

impl Lab {
    /// A new, empty lab for `test`; `None` (after printing why) where namespaces cannot be made,
    /// unless `CI=true`, where that is a failure.
    pub fn new(test: &str) -> Option<Lab> {
        let short: String = test.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(24).collect();
        let lab = Lab {
            prefix: format!("{PREFIX}{}-{short}", std::process::id()),
            namespaces: Mutex::new(Vec::new()),
            next_index: AtomicU32::new(100),
        };
        let probe = format!("{}-probe", lab.prefix);
        let made = {
            let _g = CREATE.lock().unwrap_or_else(|e| e.into_inner());
            delete_stale();
            try_ip(&["netns", "add", &probe])
        };
        match made {
            Ok(_) => {
                let _ = try_ip(&["netns", "del", &probe]);
                Some(lab)
            }
            Err(e) => {
                crate::skip(test, &format!("network namespaces unavailable (root and iproute2 are needed): {e}"));
                None
            }
        }
    }

    /// What every namespace of this lab is named after: `ndg<pid>-<test>`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn namespace(&self, name: &str) -> String {
        assert!(
            !name.is_empty() && name.len() <= 4 && name.bytes().all(|b| b.is_ascii_alphanumeric()),
            "host names are 1 to 4 letters or digits (interface names must stay within 15 characters): {name:?}"
        );
        let ns = format!("{}-{name}", self.prefix);
        {
            let _g = CREATE.lock().unwrap_or_else(|e| e.into_inner());
            ip(&["netns", "add", &ns]);
        }
        self.namespaces.lock().unwrap().push(ns.clone());
        prepare(&ns);
        ns
    }

    /// A new host: a namespace with only `lo`, up.
    pub fn host(&self, name: &str) -> Host {
        let ns = self.namespace(name);
        Host { name: name.to_owned(), ns, next_if: Arc::new(AtomicUsize::new(0)) }
    }

    /// A new switch: a namespace holding the bridge `br0` (multicast snooping off, so that it
    /// floods every multicast frame) that hosts are [`plug`](Lab::plug)ged into.
    pub fn switch(&self, name: &str) -> Switch {
        let ns = self.namespace(name);
        // The switch itself takes no part in IPv6 (no router solicitations, no MLD of its own).
        ip(&["netns", "exec", &ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"]);
        ip(&["-n", &ns, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"]);
        ip(&["-n", &ns, "link", "set", "dev", "br0", "up"]);
        Switch { ns }
    }

    /// A veth pair between `a` and `b`, each end up with its addresses (`198.51.100.1/24`,
    /// `2001:db8::1/64`, ...). Returns the interface names on `a` and on `b`.
    pub fn link(&self, a: &Host, b: &Host, a_addrs: &[&str], b_addrs: &[&str]) -> (String, String) {
        let (ia, ib) = (a.next_interface(), b.next_interface());
        self.veth(&a.ns, &ia, &b.ns, &ib);
        a.configure(&ia, a_addrs);
        b.configure(&ib, b_addrs);
        a.wait_ready(&ia, true);
        b.wait_ready(&ib, true);
        (ia, ib)
    }

    /// Plugs `h` into the switch with a veth pair whose host end gets `addrs`. Returns the
    /// host's interface name.
    pub fn plug(&self, sw: &Switch, h: &Host, addrs: &[&str]) -> String {
        let port = format!("p-{}", h.name);
        let ih = h.next_interface();
        self.veth(&sw.ns, &port, &h.ns, &ih);
        ip(&["-n", &sw.ns, "link", "set", "dev", &port, "master", "br0", "up"]);
        h.configure(&ih, addrs);
        h.wait_ready(&ih, true);
        wait_ready(&sw.ns, &port, false);
        ih
    }

    /// A veth pair made inside the lab: `a_if` in namespace `a_ns`, its peer `b_if` in `b_ns`,
    /// with indexes unique in the lab.
    fn veth(&self, a_ns: &str, a_if: &str, b_ns: &str, b_if: &str) {
        let ia = self.next_index.fetch_add(1, Ordering::Relaxed).to_string();
        let ib = self.next_index.fetch_add(1, Ordering::Relaxed).to_string();
        #[rustfmt::skip]
        ip(&["-n", a_ns, "link", "add", a_if, "index", &ia, "type", "veth", "peer", "name", b_if, "index", &ib, "netns", b_ns]);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let namespaces = std::mem::take(&mut *self.namespaces.lock().unwrap_or_else(|e| e.into_inner()));
        for ns in namespaces.iter().rev() {
            if let Err(e) = try_ip(&["netns", "del", ns]) {
                eprintln!("netns lab: {e}");
            }
        }
    }
}

/// Waits until the interface carries traffic: carrier and operational state up and, with
/// `ipv6`, its link-local address in place (IPv6 is then ready on it).
fn wait_ready(ns: &str, ifname: &str, ipv6: bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let link = ip(&["-n", ns, "-o", "link", "show", "dev", ifname]);
        let up = link.contains("state UP") && !link.contains("NO-CARRIER");
        let ll = !ipv6 || {
            let a = ip(&["-n", ns, "-6", "-o", "addr", "show", "dev", ifname, "scope", "link"]);
            a.contains("fe80:") && !a.contains("tentative")
        };
        if up && ll {
            return;
        }
        assert!(Instant::now() < deadline, "{ifname} in {ns} not ready: {link}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A bridge in its own namespace.
pub struct Switch {
    ns: String,
}

impl Switch {
    /// The namespace's name.
    pub fn namespace(&self) -> &str {
        &self.ns
    }
}

/// A host of the lab: one network namespace.
#[derive(Clone)]
pub struct Host {
    name: String,
    ns: String,
    next_if: Arc<AtomicUsize>,
}

impl Host {
    /// The host's short name (`a`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The namespace's name, for `ip netns exec`.
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    fn next_interface(&self) -> String {
        format!("{}-eth{}", self.name, self.next_if.fetch_add(1, Ordering::Relaxed))
    }

    fn configure(&self, ifname: &str, addrs: &[&str]) {
        for a in addrs {
            if a.contains(':') {
                self.ip(&["addr", "add", a, "dev", ifname, "nodad"]);
            } else {
                self.ip(&["addr", "add", a, "brd", "+", "dev", ifname]);
            }
        }
        self.ip(&["link", "set", "dev", ifname, "up"]);
    }

    fn wait_ready(&self, ifname: &str, ipv6: bool) {
        wait_ready(&self.ns, ifname, ipv6);
    }

    /// Runs `ip -n <namespace> args...`, failing the test if it fails; its output.
    pub fn ip(&self, args: &[&str]) -> String {
        let mut all = vec!["-n", self.ns.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// Default routes (IPv4 and IPv6) out of `ifname`, with no gateway: what sending to a
    /// multicast group or to 255.255.255.255 needs when no interface is chosen.
    pub fn default_route(&self, ifname: &str) {
        self.ip(&["-4", "route", "add", "default", "dev", ifname]);
        self.ip(&["-6", "route", "add", "default", "dev", ifname]);
    }

    /// The interface's IPv6 link-local address (`fe80::...`, without scope).
    pub fn link_local(&self, ifname: &str) -> std::net::Ipv6Addr {
        let out = self.ip(&["-6", "-o", "addr", "show", "dev", ifname, "scope", "link"]);
        out.split_whitespace()
            .skip_while(|w| *w != "inet6")
            .nth(1)
            .and_then(|a| a.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no link-local address on {ifname} of {}: {out:?}", self.name))
    }

    /// The interface's index in the host's namespace.
    pub fn ifindex(&self, ifname: &str) -> u32 {
        let out = self.ip(&["-o", "link", "show", "dev", ifname]);
        out.split(':').next().and_then(|n| n.trim().parse().ok()).unwrap_or_else(|| panic!("no index in {out:?}"))
    }

    /// `ip netns exec NS PROGRAM`: `program` run inside the host's namespace (arguments to be
    /// added).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns]).arg(program);
        c
    }

    /// Runs `f` on a new thread inside the host's namespace.
    pub fn spawn<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> JoinHandle<R> {
        let ns = self.ns.clone();
        std::thread::Builder::new()
            .name(format!("netns-{}", self.name))
            .spawn(move || {
                enter(&ns);
                f()
            })
            .expect("spawn a thread")
    }

    /// Runs `f` inside the host's namespace and returns what it returns (a panic in `f` fails
    /// the test with the same message).
    pub fn run<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> R {
        self.spawn(f).join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    }

    /// A thread in the host's namespace with a current-thread tokio runtime, running the jobs
    /// given to [`Agent::run`] one after the other. Sockets created in a job live on (and are
    /// driven by) that runtime until closed or until the agent is dropped.
    pub fn agent(&self) -> Agent {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let thread = self.spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
            rt.block_on(async move {
                while let Some(job) = rx.recv().await {
                    if tokio::time::timeout(JOB_TIMEOUT, job()).await.is_err() {
                        panic!("a job did not finish within {JOB_TIMEOUT:?}");
                    }
                }
            });
        });
        Agent { host: self.name.clone(), tx: Some(tx), thread: Mutex::new(Some(thread)) }
    }
}

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// A thread inside a host's namespace running a tokio runtime; see [`Host::agent`].
pub struct Agent {
    host: String,
    tx: Option<tokio::sync::mpsc::UnboundedSender<Job>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Agent {
    /// Runs the future `f()` makes on the agent's runtime (inside its host's namespace) and
    /// returns its output. The future need not be `Send`; a panic in it fails the test.
    pub fn run<R, Fut>(&self, f: impl FnOnce() -> Fut + Send + 'static) -> R
    where
        R: Send + 'static,
        Fut: Future<Output = R> + 'static,
    {
        let (rtx, rrx) = mpsc::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = rtx.send(f().await);
            })
        });
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(job).is_ok());
        if sent {
            match rrx.recv_timeout(JOB_TIMEOUT + Duration::from_secs(5)) {
                Ok(r) => return r,
                Err(RecvTimeoutError::Timeout) => panic!("the job on host {} timed out", self.host),
                Err(RecvTimeoutError::Disconnected) => {}
            }
        }
        // The agent's thread ended: pass its panic on.
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            if let Err(p) = t.join() {
                std::panic::resume_unwind(p);
            }
        }
        panic!("the agent of host {} is gone", self.host);
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            // A panic there was reported when it happened (or the test is failing anyway).
            let _ = t.join();
        }
    }
}
