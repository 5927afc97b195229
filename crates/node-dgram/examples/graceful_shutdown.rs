//! A graceful shutdown: a server that answers each datagram after some work, and on Ctrl-C (or
//! a `shutdown` datagram) stops taking new datagrams, lets the answers already under way
//! finish, then closes its socket and exits 0.
//!
//! `cargo run --example graceful_shutdown [PORT]` binds 127.0.0.1:PORT (0, the default, picks a
//! free port) and prints `listening 127.0.0.1:PORT`; at shutdown it prints `shutting down`,
//! `drained N answers` and `closed`.
//!
//! The pieces: the socket's `signal` option (a `CancellationToken`, Node's `AbortSignal`)
//! stops it; `messages()` is a stream that ends when the socket closes; each answer is a task
//! tracked by a `JoinSet`; `run`-like waiting is `scope`, which returns only once every
//! socket made inside it is closed and every operation has ended.
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use node_dgram::{create_socket, scope, CancellationToken};
use tokio::task::JoinSet;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), node_dgram::Error> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let shutdown = CancellationToken::new();
    let ctrl_c = shutdown.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            ctrl_c.cancel();
        }
    });

    scope(async move {
        let server = create_socket("udp4")?;
        let mut messages = server.messages(1024);
        server.bind((Ipv4Addr::LOCALHOST, port))?.await?;
        println!("listening {}", SocketAddr::from(server.address()?));

        let mut answers = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                next = messages.recv() => {
                    let Some((msg, rinfo)) = next else { break };
                    if &msg[..] == b"shutdown" {
                        shutdown.cancel();
                        continue;
                    }
                    // An answer takes a while; the server goes on taking datagrams meanwhile.
                    let socket = server.downgrade();
                    answers.spawn(async move {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        if let Some(socket) = socket.upgrade() {
                            let mut reply = b"answer: ".to_vec();
                            reply.extend_from_slice(&msg);
                            let _ = socket.send_to(reply, &rinfo)?.await;
                        }
                        Ok::<(), node_dgram::Error>(())
                    });
                }
            }
        }
        println!("shutting down");
        // No new datagrams: the answers under way still go out.
        drop(messages);
        let mut drained = 0;
        while let Some(r) = answers.join_next().await {
            if matches!(r, Ok(Ok(()))) {
                drained += 1;
            }
        }
        println!("drained {drained} answers");
        server.on_close(|| println!("closed"));
        server.close()?.await
    })
    .await
}
