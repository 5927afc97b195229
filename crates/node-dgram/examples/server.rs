//! The seed's UDP server: listens on 41234 (or the port given as the first argument) and
//! prints every datagram. Prints `server listening 0.0.0.0:41234`.
use node_dgram::{create_socket, run};

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(41234);
    run(|| {
        let server = create_socket("udp4").expect("udp4 is a valid type");

        let s = server.clone();
        server.on_error(move |err| {
            eprintln!("server error:\n{err}");
            let _ = s.close();
        });

        server.on_message(|msg, rinfo| {
            println!("server got: {} from {}:{}", String::from_utf8_lossy(msg), rinfo.address, rinfo.port);
        });

        let s = server.clone();
        server.on_listening(move || {
            if let Ok(address) = s.address() {
                println!("server listening {}:{}", address.address, address.port);
            }
        });

        if let Err(e) = server.bind(port) {
            eprintln!("{e}");
        }
        // Prints: server listening 0.0.0.0:41234
    })
}
