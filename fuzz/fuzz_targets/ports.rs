//! `node_dgram::IntoPort` for `&str`, `f64` and the integer types.
//!
//! Input: a mode byte (bit 0: `allow_zero`; bits 1-2: which type), then the value: the rest as
//! UTF-8 for `&str`, or 8 little-endian bytes for `f64`, `i64`, `u64`.
//! Invariants: never panics; an `Ok` port is in 0..=65535 and is 0 only when `allow_zero`; for
//! numbers, `Ok` iff the value is an integer in range (1.. or 0.. with `allow_zero`) and the port
//! equals it; for strings, an `Ok` port equals the trimmed string read as a number; every error
//! is `ERR_SOCKET_BAD_PORT`, a RangeError whose message says `>= 0` exactly when `allow_zero`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use node_dgram::{ErrorClass, IntoPort};

fn check(r: Result<u16, node_dgram::Error>, allow_zero: bool, what: &dyn std::fmt::Debug) -> Option<u16> {
    match r {
        Ok(p) => {
            assert!(p != 0 || allow_zero, "{what:?}: port 0 without allow_zero");
            Some(p)
        }
        Err(e) => {
            assert_eq!(e.code(), "ERR_SOCKET_BAD_PORT", "{what:?}");
            assert_eq!(e.class(), ErrorClass::RangeError, "{what:?}");
            let op = if allow_zero { ">=" } else { ">" };
            assert!(
                e.message().starts_with(&format!("Port should be {op} 0 and < 65536. Received ")),
                "{what:?}: {}",
                e.message()
            );
            None
        }
    }
}

fn number_ok(n: f64, allow_zero: bool) -> bool {
    n.is_finite() && n.trunc() == n && n <= 65535.0 && if allow_zero { n >= 0.0 } else { n >= 1.0 }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let allow_zero = mode & 1 == 1;
    match (mode >> 1) & 3 {
        0 => {
            let Ok(s) = std::str::from_utf8(rest) else { return };
            let got = check(s.into_port(allow_zero), allow_zero, &s);
            // The String impl agrees with the &str one.
            assert_eq!(got, check(s.to_string().into_port(allow_zero), allow_zero, &s), "{s:?}");
            // Some(s) too.
            assert_eq!(got, check(Some(s).into_port(allow_zero), allow_zero, &s), "{s:?}");
            if let Some(p) = got {
                let n: f64 = s.trim().parse().expect("an accepted port string reads as a number");
                assert_eq!(n, f64::from(p), "{s:?}");
            }
        }
        m => {
            let Some(b) = rest.first_chunk::<8>() else { return };
            let (n, got) = match m {
                1 => {
                    let n = f64::from_le_bytes(*b);
                    (n, n.into_port(allow_zero))
                }
                2 => {
                    let i = i64::from_le_bytes(*b);
                    // Small values are the interesting ones: fold most of the space near 0..=65536.
                    let i = if b[7] & 0x80 == 0 && b[6] == 0 { i % 70_000 } else { i };
                    (i as f64, i.into_port(allow_zero))
                }
                _ => {
                    let u = u64::from_le_bytes(*b);
                    (u as f64, u.into_port(allow_zero))
                }
            };
            let got = check(got, allow_zero, &n);
            assert_eq!(got.is_some(), number_ok(n, allow_zero), "{n:?} allow_zero={allow_zero}: {got:?}");
            if let Some(p) = got {
                assert_eq!(f64::from(p), n);
            }
            // The f32 impl agrees wherever the value is exact in f32.
            let f = n as f32;
            if f64::from(f) == n {
                assert_eq!(check(f.into_port(allow_zero), allow_zero, &f), got, "{f:?}");
            }
        }
    }
    // None is always refused.
    assert!(check(None::<u16>.into_port(allow_zero), allow_zero, &"None").is_none());
});
