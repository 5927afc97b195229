//! A UDP echo server spread over several cores: the Rust counterpart of Node's `cluster`
//! workers sharing a port.
//!
//! ```text
//! cargo run --example multicore_server -- [PORT] [THREADS] [shared|reuseport] [SECONDS]
//! ```
//!
//! `shared` (Node's `exclusive: false`): one descriptor shared by every thread.
//! `reuseport` (`exclusive: true`): one socket per thread on the same port (`SO_REUSEPORT`).
//! It prints `server listening ADDRESS:PORT on N threads`, echoes every datagram, and after
//! SECONDS (default: run until killed) prints how many datagrams each thread handled.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use node_dgram::{serve, ServerOptions, SocketType};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|p| p.parse().ok()).unwrap_or(41234);
    let threads: usize = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(2);
    let exclusive = args.get(3).map(|m| m == "reuseport").unwrap_or(false);
    let seconds: Option<u64> = args.get(4).and_then(|p| p.parse().ok());

    let counts: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let c = counts.clone();
    let opts = ServerOptions::new(SocketType::Udp4).port(port).threads(threads).exclusive(exclusive);
    let server = match serve(opts, move |sock, msg, rinfo| {
        let name = std::thread::current().name().unwrap_or("?").to_string();
        *c.lock().unwrap().entry(name).or_default() += 1;
        let _ = sock.send_to(msg, rinfo);
    }) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("server error:\n{e}");
            std::process::exit(1);
        }
    };
    println!("server listening {} on {} threads", server.local_addr(), server.threads());
    match seconds {
        Some(s) => std::thread::sleep(Duration::from_secs(s)),
        None => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
    }
    server.close();
    for (thread, n) in counts.lock().unwrap().iter() {
        println!("{thread}: {n} datagrams");
    }
}
