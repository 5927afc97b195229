//! `dgram` with no arguments: a tour of node-dgram over loopback that ends by itself.
//!
//! It starts the seed's server on a free port, sends it `Some bytes` from the seed's three
//! clients (plain, multi-buffer, connected), printing exactly what the seed's examples print,
//! then measures a short loopback throughput.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use node_dgram::{create_socket, Message, SocketOptions, SocketType};
use tokio::sync::mpsc;
use tokio::time::{timeout, Instant};

use crate::addr::fmt_endpoint;
use crate::listen::{events, Closing, Event};
use crate::output::{display_payload, sender, thousands};
use crate::{Failure, Outcome};

/// How long a datagram of the tour may take to arrive before the tour gives up.
const ARRIVAL: Duration = Duration::from_secs(5);
/// The throughput measurement's length and payload.
const MEASURE: Duration = Duration::from_millis(500);
const SIZE: usize = 64;

/// Runs the tour.
pub async fn run() -> Outcome {
    outln!("A tour of node-dgram (Node's dgram in Rust) over loopback; `dgram --help` for the commands.");
    outln!();

    // The seed's server, on a free port instead of 41234.
    let server = Closing(create_socket("udp4")?);
    let mut inbox = events(&server.0);
    server.0.bind(0)?.await?;
    let me = server.0.address()?;
    let port = me.port;
    outln!("server listening {}", fmt_endpoint(&me.address.to_string(), port));

    // 1. The seed's client: `client.send(message, 41234, 'localhost', cb)`.
    outln!("\n> client.send('Some bytes', {port}, 'localhost')");
    {
        let client = Closing(create_socket("udp4")?);
        client.0.send_to("Some bytes", (port, "localhost"))?.await?;
        received(&mut inbox).await?;
    }

    // 2. The multi-buffer client: `client.send([buf1, buf2], 41234, cb)`.
    outln!("\n> client.send([Buffer.from('Some '), Buffer.from('bytes')], {port})");
    {
        let client = Closing(create_socket("udp4")?);
        client.0.send_to(vec!["Some ", "bytes"], port)?.await?;
        received(&mut inbox).await?;
    }

    // 3. The connected client: `client.connect(41234, 'localhost', () => client.send(message))`.
    outln!("\n> client.connect({port}, 'localhost'); client.send('Some bytes')");
    {
        let client = Closing(create_socket("udp4")?);
        client.0.connect((port, "localhost"))?.await?;
        let remote = client.0.remote_address()?;
        outln!("  (connected to {})", fmt_endpoint(&remote.address.to_string(), remote.port));
        client.0.send("Some bytes")?.await?;
        received(&mut inbox).await?;
    }
    drop(server);

    outln!("\n> throughput: one client sending {SIZE}-byte datagrams to one server for {} s", MEASURE.as_secs_f64());
    let (sent, got, elapsed) = throughput(SIZE, MEASURE).await?;
    let rate = got as f64 / elapsed.as_secs_f64();
    outln!(
        "{} datagrams/s received ({:.1} MB/s), {} of {} datagrams sent arrived",
        thousands(rate),
        rate * SIZE as f64 / 1e6,
        thousands(got as f64),
        thousands(sent as f64),
    );
    outln!("\n(`dgram bench` compares with Node's own dgram.)");
    Ok(())
}

/// Waits for the server's next datagram and prints it as the seed's server does.
async fn received(inbox: &mut mpsc::UnboundedReceiver<Event>) -> Outcome {
    match timeout(ARRIVAL, inbox.recv()).await {
        Ok(Some(Event::Message(msg, rinfo))) => {
            outln!(
                "server got: {} from {}",
                display_payload(&msg, crate::output::stdout_is_terminal()),
                sender(&rinfo)
            );
            Ok(())
        }
        Ok(Some(Event::Error(e))) => Err(Failure::Net(e)),
        Ok(None) | Err(_) => Err(Failure::Other(format!("no datagram arrived within {} s", ARRIVAL.as_secs()))),
    }
}

/// One sender and one receiver on this event loop, over 127.0.0.1, for `length`: datagrams
/// sent, datagrams received, and the time they took.
pub async fn throughput(size: usize, length: Duration) -> Result<(u64, u64, Duration), Failure> {
    let receiver = Closing(create_socket(SocketOptions::new(SocketType::Udp4).recv_buffer_size(4 << 20))?);
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    receiver.0.on_message(move |_, _| {
        c.fetch_add(1, Ordering::Relaxed);
    });
    receiver.0.on_error(|_| {});
    receiver.0.bind((0, "127.0.0.1"))?.await?;
    let port = receiver.0.address()?.port;

    let client = Closing(create_socket("udp4")?);
    client.0.on_error(|_| {});
    client.0.connect((port, "127.0.0.1"))?.await?;
    let payload = Message::from(vec![7u8; size]);
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < length {
        let ops: Vec<_> = (0..64).filter_map(|_| client.0.send(payload.clone()).ok()).collect();
        for op in ops {
            if op.await.is_ok() {
                sent += 1;
            }
        }
        // Give the receiver its turn on this single-threaded loop.
        tokio::task::yield_now().await;
    }
    // What is still in the receive buffer arrives within a moment.
    let settle = Instant::now();
    let mut last = count.load(Ordering::Relaxed);
    while settle.elapsed() < Duration::from_millis(200) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = count.load(Ordering::Relaxed);
        if now == last {
            break;
        }
        last = now;
    }
    let elapsed = start.elapsed();
    Ok((sent, count.load(Ordering::Relaxed), elapsed))
}
