//! The docs' `socket.setMulticastInterface()` example for IPv6: binds port 1234 (or the port
//! given as the second argument), then sets the interface multicast datagrams leave by to
//! `::%eth1` (or the scope given as the first argument: `::%<interface name>` or
//! `::%<interface index>`). Prints `ok`, or the error's message (e.g.
//! `setMulticastInterface EINVAL` for something that is not an address), closes the socket and
//! exits.
//!
//! ```js
//! const socket = dgram.createSocket('udp6');
//! socket.bind(1234, () => {
//!   socket.setMulticastInterface('::%eth1');
//! });
//! ```
use node_dgram::{create_socket, run};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let interface = args.next().unwrap_or_else(|| "::%eth1".to_owned());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(1234);
    run(|| {
        let socket = create_socket("udp6").expect("udp6 is a valid type");

        let s = socket.clone();
        socket.on_error(move |err| {
            println!("{}", err.message());
            let _ = s.close();
        });

        // `socket.bind(1234, callback)`: the callback is a `listening` listener.
        let s = socket.clone();
        socket.once_listening(move || {
            match s.set_multicast_interface(&interface) {
                Ok(()) => println!("ok"),
                Err(err) => println!("{}", err.message()),
            }
            let _ = s.close();
        });

        if let Err(err) = socket.bind(port) {
            println!("{}", err.message());
        }
    })
}
