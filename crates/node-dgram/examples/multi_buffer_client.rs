//! The docs' multi-buffer client: sends `Some ` and `bytes` as one datagram (`Some bytes`) to
//! 127.0.0.1:41234 (or the port given as the first argument), then closes the socket in the
//! send callback and exits.
//!
//! ```js
//! const buf1 = Buffer.from('Some ');
//! const buf2 = Buffer.from('bytes');
//! const client = dgram.createSocket('udp4');
//! client.send([buf1, buf2], 41234, (err) => {
//!   client.close();
//! });
//! ```
use node_dgram::{create_socket, run};

fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(41234);
    run(|| {
        let buf1 = b"Some ".to_vec();
        let buf2 = b"bytes".to_vec();
        let client = create_socket("udp4").expect("udp4 is a valid type");
        let c = client.clone();
        // A list of buffers goes out as one gathered datagram; an empty address is Node's
        // default, 127.0.0.1 for udp4.
        match client.send_to(vec![buf1, buf2], port) {
            Ok(op) => op.callback(move |_err| {
                let _ = c.close();
            }),
            Err(e) => {
                eprintln!("{e}");
                let _ = client.close();
            }
        }
    })
}
