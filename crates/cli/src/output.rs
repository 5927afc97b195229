//! How datagrams are shown: the seed's lines (`server got: MSG from ADDRESS:PORT`), JSON lines,
//! and the text-or-hex rendering of a payload.

use std::fmt::Write as _;

use node_dgram::RemoteInfo;

use crate::addr::fmt_endpoint;

/// A payload as one line of text: the text itself when it is valid UTF-8 (control characters
/// escaped as `\n`, `\t`, `\u{1b}`, so that one datagram stays one line), else `0x` and its
/// bytes in hex.
pub fn display_payload(msg: &[u8]) -> String {
    match std::str::from_utf8(msg) {
        Ok(text) => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if c.is_control() {
                    out.extend(c.escape_default());
                } else {
                    out.push(c);
                }
            }
            out
        }
        Err(_) => format!("0x{}", hex(msg)),
    }
}

/// Lower-case hex digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The sender as the seed prints it, IPv6 in brackets: `127.0.0.1:5000`, `[::1]:5000`.
pub fn sender(rinfo: &RemoteInfo) -> String {
    fmt_endpoint(&rinfo.address_string(), rinfo.port)
}

/// One datagram as a JSON object: `msg` (text, or hex when `encoding` is `"hex"`), `address`,
/// `family`, `port`, `size`.
pub fn json_line(msg: &[u8], rinfo: &RemoteInfo) -> String {
    let (text, encoding) = match std::str::from_utf8(msg) {
        Ok(t) => (t.to_owned(), "utf8"),
        Err(_) => (hex(msg), "hex"),
    };
    serde_json::json!({
        "msg": text,
        "encoding": encoding,
        "address": rinfo.address_string(),
        "family": rinfo.family.as_str(),
        "port": rinfo.port,
        "size": rinfo.size,
    })
    .to_string()
}

/// Formats `n` with thousands separators: `1234567` → `1,234,567`.
pub fn thousands(n: f64) -> String {
    if !n.is_finite() {
        return "-".into();
    }
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 {
        out.insert(0, '-');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use node_dgram::Family;

    fn rinfo(addr: &str, port: u16, size: usize) -> RemoteInfo {
        let address = addr.parse().unwrap();
        RemoteInfo { address, family: Family::of(&address), port, size, scope_id: 0 }
    }

    #[test]
    fn payloads() {
        assert_eq!(display_payload(b"Some bytes"), "Some bytes");
        assert_eq!(display_payload(b"a\nb\t"), "a\\nb\\t");
        assert_eq!(display_payload("é✓".as_bytes()), "é✓");
        assert_eq!(display_payload(&[0xff, 0x00, 0x10]), "0xff0010");
        assert_eq!(display_payload(b""), "");
    }

    #[test]
    fn senders() {
        assert_eq!(sender(&rinfo("127.0.0.1", 5, 0)), "127.0.0.1:5");
        assert_eq!(sender(&rinfo("::1", 5, 0)), "[::1]:5");
    }

    #[test]
    fn json() {
        let v: serde_json::Value = serde_json::from_str(&json_line(b"hi", &rinfo("::1", 7, 2))).unwrap();
        assert_eq!(v["msg"], "hi");
        assert_eq!(v["family"], "IPv6");
        assert_eq!(v["address"], "::1");
        assert_eq!(v["port"], 7);
        assert_eq!(v["size"], 2);
        let v: serde_json::Value = serde_json::from_str(&json_line(&[0xfe], &rinfo("127.0.0.1", 7, 1))).unwrap();
        assert_eq!((v["msg"].as_str(), v["encoding"].as_str()), (Some("fe"), Some("hex")));
    }

    #[test]
    fn separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(-1000.0), "-1,000");
        assert_eq!(thousands(f64::NAN), "-");
    }
}
