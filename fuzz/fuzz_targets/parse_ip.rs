//! `node_dgram::parse_ip` on arbitrary UTF-8.
//!
//! Invariants: never panics; without '%', `Some` iff `std::net::IpAddr::from_str` accepts the
//! string, with the same address and scope 0; with '%', `Some` only for an IPv6 literal before the
//! first '%' (the returned address is that literal's).
//!
//! A zone that is neither empty nor a number makes `parse_ip` call `if_nametoindex`, which in
//! glibc opens a socket; those inputs are skipped (fuzz targets must not open sockets).
#![no_main]

use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let split = s.split_once('%');
    if let Some((addr, zone)) = split {
        if addr.parse::<Ipv6Addr>().is_ok() && !zone.is_empty() && zone.parse::<u32>().is_err() {
            return; // would look the zone up as an interface name (a socket in glibc)
        }
    }
    let got = node_dgram::parse_ip(s);
    match split {
        None => {
            let std = IpAddr::from_str(s).ok();
            match (got, std) {
                (Some((ip, scope)), Some(want)) => {
                    assert_eq!(ip, want, "{s:?}");
                    assert_eq!(scope, 0, "{s:?}");
                }
                (None, None) => {}
                (got, std) => panic!("{s:?}: parse_ip {got:?}, std {std:?}"),
            }
        }
        Some((addr, zone)) => {
            let want = Ipv6Addr::from_str(addr).ok();
            match (got, want) {
                (Some((ip, scope)), Some(want)) => {
                    assert_eq!(ip, IpAddr::V6(want), "{s:?}");
                    let want_scope = if zone.is_empty() { 0 } else { zone.parse::<u32>().unwrap() };
                    assert_eq!(scope, want_scope, "{s:?}");
                }
                (None, None) => {}
                (got, want) => panic!("{s:?}: parse_ip {got:?}, std (before '%') {want:?}"),
            }
        }
    }
});
