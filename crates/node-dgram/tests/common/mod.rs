//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use node_dgram::{create_socket, Error, Family, RemoteInfo, Socket, SocketOptions, SocketType};
use tokio::sync::mpsc;

/// Fails the test instead of hanging: every await in the tests goes through this.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(10), fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// A received datagram.
#[derive(Debug, Clone)]
pub struct Got {
    pub msg: Vec<u8>,
    pub rinfo: RemoteInfo,
}

/// A socket bound to loopback on a free port, with its messages forwarded to a channel.
pub async fn receiver(ty: SocketType) -> (Socket, u16, mpsc::UnboundedReceiver<Got>) {
    let s = create_socket(ty).unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    s.on_message(move |msg, rinfo| {
        let _ = tx.send(Got { msg: msg.to_vec(), rinfo: rinfo.clone() });
    });
    let host = loopback(ty).to_string();
    within("bind", s.bind((0, host.as_str())).unwrap()).await.unwrap();
    let port = s.address().unwrap().port;
    (s, port, rx)
}

pub fn loopback(ty: SocketType) -> IpAddr {
    match ty {
        SocketType::Udp4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
        SocketType::Udp6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
    }
}

pub const BOTH: [SocketType; 2] = [SocketType::Udp4, SocketType::Udp6];

/// A record of events in the order they were delivered.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, s: impl Into<String>) {
        self.0.lock().unwrap().push(s.into());
    }
    pub fn get(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Records every event of `s` into a log.
pub fn record(s: &Socket) -> Log {
    let log = Log::default();
    let l = log.clone();
    s.on_listening(move || l.push("listening"));
    let l = log.clone();
    s.on_connect(move || l.push("connect"));
    let l = log.clone();
    s.on_message(move |m, _| l.push(format!("message:{}", String::from_utf8_lossy(m))));
    let l = log.clone();
    s.on_error(move |e| l.push(format!("error:{}:{}", e.code(), e.message())));
    let l = log.clone();
    s.on_close(move || l.push("close"));
    log
}

/// Socket options whose resolver maps `*.test` names to loopback and fails others with
/// ENOTFOUND, counting calls. No real name is ever looked up.
/// The resolver calls a test saw: host and family.
pub type Calls = Arc<Mutex<Vec<(String, Family)>>>;

pub fn fake_dns(ty: SocketType) -> (SocketOptions, Calls) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let c = calls.clone();
    let opts = SocketOptions::new(ty).lookup(move |host: String, family: Family| {
        c.lock().unwrap().push((host.clone(), family));
        async move {
            // As `dns.lookup` answers an IP literal (a custom resolver is asked for every
            // address, the implicit bind's `0.0.0.0` / `::` included).
            if let Some((ip, _)) = node_dgram::parse_ip(&host) {
                return Ok(ip);
            }
            if host.ends_with(".test") {
                Ok(match family {
                    Family::IPv4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
                    Family::IPv6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
                })
            } else {
                Err(Error::lookup("ENOTFOUND", &host))
            }
        }
    });
    (opts, calls)
}

/// This process's open UDP socket descriptors, each with the local port it is bound to (0 if
/// unbound), through Linux's `/proc` (none found elsewhere).
pub fn udp_fds() -> Vec<(i32, u16)> {
    // Socket inode -> local port, from the process's own network namespace.
    let mut ports = std::collections::HashMap::new();
    for table in ["/proc/self/net/udp", "/proc/self/net/udp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let port = cols.get(1).and_then(|a| u16::from_str_radix(a.rsplit(':').next()?, 16).ok());
            if let (Some(port), Some(inode)) = (port, cols.get(9)) {
                ports.insert(format!("socket:[{inode}]"), port);
            }
        }
    }
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let port = *ports.get(std::fs::read_link(e.path()).ok()?.to_string_lossy().as_ref())?;
            Some((e.file_name().to_string_lossy().parse().ok()?, port))
        })
        .collect()
}
