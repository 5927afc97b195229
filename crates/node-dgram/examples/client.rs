//! The seed's client: sends `Some bytes` to localhost:41234 (or the port given as the first
//! argument), then closes the socket in the send callback and exits.
use node_dgram::{create_socket, run};

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(41234);
    run(|| {
        let message = b"Some bytes".to_vec();
        let client = create_socket("udp4").expect("udp4 is a valid type");
        let c = client.clone();
        match client.send_to(message, (port, "localhost")) {
            Ok(op) => op.callback(move |_err| {
                let _ = c.close();
            }),
            Err(e) => eprintln!("{e}"),
        }
    })
}
