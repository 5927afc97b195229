//! Round trips: node-dgram's echo server and ping client.

use std::time::{Duration, Instant};

use node_dgram::create_socket;

use super::ready;

/// Runs async code on a single-threaded runtime until it and every socket it made are done.
pub(super) fn block_on(fut: impl std::future::Future<Output = ()>) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(node_dgram::scope(fut));
}

/// node-dgram echo server, until it receives "quit" or `seconds` pass.
pub(super) fn echo_ndg(seconds: f64) {
    node_dgram::run(move || {
        let s = create_socket("udp4").expect("socket");
        let s2 = s.clone();
        s.on_message(move |m, r| {
            if m == b"quit" {
                let _ = s2.close();
                return;
            }
            let _ = s2.send_to(m, (r.port, "127.0.0.1"));
        });
        let s3 = s.clone();
        s.on_listening(move || {
            ready(s3.address().map(|a| a.port).unwrap_or(0));
            let s = s3.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
                let _ = s.close();
            });
        });
        let _ = s.bind((0, "127.0.0.1"));
    })
    .expect("runtime");
}

/// node-dgram ping client: `count` sequential round trips, within `seconds`; a reply not back
/// within 2 s counts as lost.
pub(super) fn ping_ndg(port: u16, size: usize, count: usize, seconds: f64) {
    block_on(async move {
        let s = create_socket("udp4").expect("socket");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        s.on_message(move |_, _| {
            let _ = tx.send(());
        });
        let payload = node_dgram::Message::from(vec![7u8; size]);
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        let (mut rtts, mut lost) = (Vec::with_capacity(count.min(1 << 20)), 0usize);
        while rtts.len() + lost < count && Instant::now() < end {
            let t = Instant::now();
            let _ = s.send_to(payload.clone(), (port, "127.0.0.1"));
            if tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.is_err() {
                lost += 1;
                continue;
            }
            rtts.push(t.elapsed().as_secs_f64() * 1e6);
        }
        rtts.sort_by(|a, b| a.total_cmp(b));
        let p = |q: f64| rtts.get(((rtts.len() as f64) * q) as usize).copied().unwrap_or(f64::NAN);
        let n = rtts.len();
        println!("{{\"p50\":{},\"p99\":{},\"count\":{n},\"lost\":{lost}}}", p(0.5), p(0.99));
        let _ = s.send_to("quit", (port, "127.0.0.1"));
        tokio::time::sleep(Duration::from_millis(20)).await;
        let _ = s.close();
    });
}
