//! Network namespaces for the tests that need more than loopback (multicast, broadcast): two
//! or more hosts joined by veth pairs, with addresses from 198.51.100.0/24 and 2001:db8::/64
//! only, so that no datagram ever leaves the lab.
//!
//! The approach is node-dgram's test lab (`crates/node-dgram/tests/netns`), cut down to what
//! a command-line test needs: commands run on a host with `ip netns exec NS dgram ...`.
//!
//! - Namespaces are named `dgc<pid>-<test>-<host>`; [`Lab`]'s `Drop` deletes every one it made,
//!   also when the test fails (deleting a namespace deletes its end of each veth pair, and so
//!   the pair). Namespaces of an earlier run that was killed (its pid is gone) are deleted by
//!   the next [`Lab::new`].
//! - Interfaces are created inside the lab's namespaces only: the machine's own interfaces and
//!   routes are never touched.
//! - Where namespaces cannot be made (not root, no `ip`), [`Lab::new`] prints why and returns
//!   `None` (the test passes as skipped), except with `CI=true`, where it fails.

use std::process::Command;
use std::sync::Mutex;

/// Serializes namespace creation and the clean-up of stale ones.
static CREATE: Mutex<()> = Mutex::new(());

/// The prefix of every namespace these tests make.
const PREFIX: &str = "dgc";

/// Runs `ip ARGS...`: its output, or what went wrong.
pub fn try_ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("cannot run `ip`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("`ip {}` failed ({}): {}", args.join(" "), out.status, String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Runs `ip ARGS...`, failing the test if it fails.
pub fn ip(args: &[&str]) -> String {
    try_ip(args).unwrap_or_else(|e| panic!("{e}"))
}

/// Deletes namespaces left by killed runs of these tests.
fn delete_stale() {
    let Ok(dir) = std::fs::read_dir("/run/netns") else { return };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX).and_then(|r| r.split('-').next()) else { continue };
        if !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = try_ip(&["netns", "del", &name]);
        }
    }
}

/// The namespaces of one test, deleted when dropped.
pub struct Lab {
    prefix: String,
    namespaces: Mutex<Vec<String>>,
}

/// A host: one namespace.
pub struct Host {
    /// Its short name (`a`).
    pub name: String,
    /// The namespace, for `ip netns exec`.
    pub ns: String,
}

impl Lab {
    /// A new lab for `test`, or `None` (after saying why) where namespaces cannot be made,
    /// unless `CI=true`, where that fails the test.
    pub fn new(test: &str) -> Option<Lab> {
        let short: String = test.chars().filter(|c| c.is_ascii_alphanumeric()).take(16).collect();
        let lab = Lab { prefix: format!("{PREFIX}{}-{short}", std::process::id()), namespaces: Mutex::new(Vec::new()) };
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
                let why = format!("network namespaces unavailable (root and iproute2 are needed): {e}");
                assert!(!super::ci(), "{test}: {why}; CI must not skip");
                eprintln!("SKIPPED {test}: {why}");
                None
            }
        }
    }

    /// A new host: a namespace with `lo` up, no IPv6 duplicate address detection and no
    /// reverse-path filter.
    pub fn host(&self, name: &str) -> Host {
        assert!(name.len() <= 4 && name.bytes().all(|b| b.is_ascii_alphanumeric()), "short host names only");
        let ns = format!("{}-{name}", self.prefix);
        {
            let _g = CREATE.lock().unwrap_or_else(|e| e.into_inner());
            ip(&["netns", "add", &ns]);
        }
        self.namespaces.lock().unwrap_or_else(|e| e.into_inner()).push(ns.clone());
        ip(&["-n", &ns, "link", "set", "dev", "lo", "up"]);
        let out = Command::new("ip")
            .args(["netns", "exec", &ns, "sysctl", "-q", "-w"])
            .args([
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0",
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0",
            ])
            .output()
            .expect("run sysctl");
        assert!(out.status.success(), "sysctl in {ns}: {}", String::from_utf8_lossy(&out.stderr));
        Host { name: name.to_owned(), ns }
    }

    /// A veth pair `A-eth0` – `B-eth0` between `a` and `b`, up, with the addresses given
    /// (`198.51.100.1/24`, `2001:db8::1/64`). Returns the interface names.
    pub fn link(&self, a: &Host, b: &Host, a_addrs: &[&str], b_addrs: &[&str]) -> (String, String) {
        let (ia, ib) = (format!("{}-eth0", a.name), format!("{}-eth0", b.name));
        ip(&["-n", &a.ns, "link", "add", &ia, "type", "veth", "peer", "name", &ib, "netns", &b.ns]);
        a.configure(&ia, a_addrs);
        b.configure(&ib, b_addrs);
        a.wait_until_up(&ia);
        b.wait_until_up(&ib);
        (ia, ib)
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

impl Host {
    fn configure(&self, ifname: &str, addrs: &[&str]) {
        for a in addrs {
            if a.contains(':') {
                ip(&["-n", &self.ns, "addr", "add", a, "dev", ifname, "nodad"]);
            } else {
                ip(&["-n", &self.ns, "addr", "add", a, "brd", "+", "dev", ifname]);
            }
        }
        ip(&["-n", &self.ns, "link", "set", "dev", ifname, "up"]);
    }

    /// Waits until `ifname` is operationally up with an IPv6 link-local address: the kernel
    /// turns a new link on asynchronously (link events are rate-limited to one a second), and
    /// drops what is sent before.
    fn wait_until_up(&self, ifname: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let link = ip(&["-n", &self.ns, "-o", "link", "show", "dev", ifname]);
            let addrs = ip(&["-n", &self.ns, "-o", "-6", "addr", "show", "dev", ifname, "scope", "link"]);
            if link.contains("state UP") && addrs.contains("fe80::") && !addrs.contains("tentative") {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "{ifname} on {} did not come up: {link} {addrs}", self.name);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// `ip netns exec NS dgram ARGS...`.
    pub fn dgram(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, super::DGRAM]).args(args);
        c
    }
}
