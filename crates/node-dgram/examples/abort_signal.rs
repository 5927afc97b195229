//! The docs' `AbortSignal` example: a server created with a `signal` is closed by aborting
//! it. Binds 41234 (or the port given as the first argument; 0 picks a free one), prints
//! `server listening 0.0.0.0:41234`, then cancels the token, prints `closed` and exits.
//!
//! ```js
//! const controller = new AbortController();
//! const { signal } = controller;
//! const server = dgram.createSocket({ type: 'udp4', signal });
//! server.on('message', (msg, rinfo) => {
//!   console.log(`server got: ${msg} from ${rinfo.address}:${rinfo.port}`);
//! });
//! // Later, when you want to close the server.
//! controller.abort();
//! ```
use node_dgram::{create_socket, run, CancellationToken, SocketOptions, SocketType};

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(41234);
    run(|| {
        // The `AbortController`; its `signal` is the token itself (or a clone of it).
        let controller = CancellationToken::new();
        let server = create_socket(SocketOptions::new(SocketType::Udp4).signal(controller.clone()))
            .expect("udp4 is a valid type");

        server.on_message(|msg, rinfo| {
            println!("server got: {} from {}:{}", String::from_utf8_lossy(msg), rinfo.address, rinfo.port);
        });

        let s = server.clone();
        server.on_error(move |err| {
            eprintln!("server error:\n{err}");
            let _ = s.close();
        });

        let s = server.clone();
        server.on_listening(move || {
            if let Ok(address) = s.address() {
                println!("server listening {}:{}", address.address, address.port);
            }
            // Later, when you want to close the server.
            controller.cancel();
        });

        server.on_close(|| println!("closed"));

        if let Err(e) = server.bind(port) {
            eprintln!("{e}");
        }
        // Prints: server listening 0.0.0.0:41234
        //         closed
    })
}
