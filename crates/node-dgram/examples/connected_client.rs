//! The docs' connected client: connects to localhost:41234 (or the port given as the first
//! argument), sends `Some bytes` on the connected socket, closes it in the send callback and
//! exits.
//!
//! ```js
//! const message = Buffer.from('Some bytes');
//! const client = dgram.createSocket('udp4');
//! client.connect(41234, 'localhost', (err) => {
//!   client.send(message, (err) => {
//!     client.close();
//!   });
//! });
//! ```
use node_dgram::{create_socket, run};

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(41234);
    run(|| {
        let message = b"Some bytes".to_vec();
        let client = create_socket("udp4").expect("udp4 is a valid type");
        let c = client.clone();
        let connected = client.connect((port, "localhost")).map(|op| {
            op.callback(move |err| {
                if let Err(e) = err {
                    // Node would throw from `send` on a socket that failed to connect.
                    eprintln!("{e}");
                    let _ = c.close();
                    return;
                }
                let c2 = c.clone();
                match c.send(message) {
                    Ok(op) => op.callback(move |_err| {
                        let _ = c2.close();
                    }),
                    Err(e) => {
                        eprintln!("{e}");
                        let _ = c.close();
                    }
                }
            })
        });
        if let Err(e) = connected {
            eprintln!("{e}");
            let _ = client.close();
        }
    })
}
