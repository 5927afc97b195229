//! An async echo server written the Rust way: `std::net` addresses in and out, and the
//! socket's messages as a `Stream` (`futures_core::Stream`, here through `StreamExt::next`).
//!
//! `cargo run --example echo_stream [PORT] [COUNT]` binds 127.0.0.1:PORT (0, the default,
//! picks a free port), prints `echo server listening 127.0.0.1:PORT`, sends every datagram
//! back to its sender, printing `echoed N bytes to ADDRESS:PORT`, and after COUNT datagrams
//! (default: never) closes the socket and exits.
use std::net::{Ipv4Addr, SocketAddr};

use futures_util::StreamExt;
use node_dgram::create_socket;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), node_dgram::Error> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let count: Option<usize> = args.next().and_then(|n| n.parse().ok());

    let server = create_socket("udp4")?;
    // Taken before binding, so that no datagram can arrive unseen.
    let mut messages = server.messages(1024);
    server.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?.await?;
    let local = SocketAddr::from(server.address()?);
    println!("echo server listening {local}");

    let mut echoed = 0;
    while let Some((msg, rinfo)) = messages.next().await {
        // The sender as a `SocketAddr`: no formatting, no parsing.
        let to = SocketAddr::from(&rinfo);
        let n = server.send_to(msg, to)?.await?;
        println!("echoed {n} bytes to {to}");
        echoed += 1;
        if Some(echoed) == count {
            server.close()?.await?;
        }
    }
    // The stream ended: the socket is closed.
    Ok(())
}
