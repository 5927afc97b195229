//! `str::parse::<node_dgram::SocketType>()`: `Ok` only for "udp4" and "udp6", else
//! `ERR_SOCKET_BAD_TYPE`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use node_dgram::SocketType;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    match s.parse::<SocketType>() {
        Ok(SocketType::Udp4) => assert_eq!(s, "udp4"),
        Ok(SocketType::Udp6) => assert_eq!(s, "udp6"),
        Err(e) => {
            assert!(s != "udp4" && s != "udp6", "{s:?} refused");
            assert_eq!(e.code(), "ERR_SOCKET_BAD_TYPE", "{s:?}");
        }
    }
});
