//! How datagrams are shown: the seed's lines (`server got: MSG from ADDRESS:PORT`), JSON lines,
//! and the text-or-hex rendering of a payload; what a failed write to standard output means.

use std::fmt::Write as _;
use std::io::{ErrorKind, IsTerminal as _};
use std::sync::Mutex;

use node_dgram::RemoteInfo;

use crate::addr::fmt_endpoint;
use crate::{Failure, Outcome};

/// Whether standard output is a terminal: received text printed there is escaped further
/// (see [`display_payload`]).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// The bidirectional-text controls: the embeddings and overrides (U+202A to U+202E), the
/// isolates (U+2066 to U+2069) and the marks (U+061C, U+200E, U+200F). On a terminal they
/// reorder the rest of the line (`Trojan Source`, CVE-2021-42574).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A payload as one line of text: the text itself when it is valid UTF-8, else `0x` and its
/// bytes in hex. Control characters (C0, DEL, C1) are escaped as `\n`, `\t`, `\u{1b}`, so
/// that one datagram stays one line and cannot move the cursor; for a `terminal`, the
/// bidirectional-text controls too (`\u{202e}`), so that a datagram cannot reorder the line.
/// Elsewhere (a pipe, a file) those are kept as they are.
pub fn display_payload(msg: &[u8], terminal: bool) -> String {
    match std::str::from_utf8(msg) {
        Ok(text) => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if c.is_control() || (terminal && is_bidi_control(c)) {
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
/// `family`, `port`, `size`. JSON escapes the C0 controls; for a `terminal`, DEL, the C1
/// controls and the bidirectional-text controls are escaped too (`\u202e`: the same string to
/// a JSON parser).
pub fn json_line(msg: &[u8], rinfo: &RemoteInfo, terminal: bool) -> String {
    let (text, encoding) = match std::str::from_utf8(msg) {
        Ok(t) => (t.to_owned(), "utf8"),
        Err(_) => (hex(msg), "hex"),
    };
    let line = serde_json::json!({
        "msg": text,
        "encoding": encoding,
        "address": rinfo.address_string(),
        "family": rinfo.family.as_str(),
        "port": rinfo.port,
        "size": rinfo.size,
    })
    .to_string();
    if !terminal {
        return line;
    }
    // Such characters can only be inside strings (the keys are plain ASCII), and all are in the
    // Basic Multilingual Plane: one `\uXXXX` each.
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_control() || is_bidi_control(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// What a failed write to standard output means for the command. A closed pipe (`dgram listen
/// 0 | head -1`) ends it quietly with status 0, as `nc` ends quietly (by SIGPIPE); any other
/// error (a full disk, `> /dev/full`) is a failure: `error: writing standard output: ...`, exit 1.
pub fn write_failure(e: &std::io::Error) -> Outcome {
    if e.kind() == ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Failure::Other(format!("writing standard output: {e}")))
    }
}

/// The first failed write of `outln!`, reported by `main` when the command ends.
static STDOUT_ERROR: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Records a failed write of `outln!` (the first one counts).
pub fn stdout_failed(e: std::io::Error) {
    let mut first = STDOUT_ERROR.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    first.get_or_insert(e);
}

/// The command's outcome, with a failed `outln!` write (or final flush) of standard output
/// taken into account as [`write_failure`] describes.
pub fn with_stdout_checked(outcome: Outcome) -> Outcome {
    use std::io::Write as _;
    if let Err(e) = std::io::stdout().flush() {
        stdout_failed(e);
    }
    let failed = STDOUT_ERROR.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    match (outcome, failed) {
        (Ok(()), Some(e)) => write_failure(&e),
        (outcome, _) => outcome,
    }
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

    fn rinfo(addr: &str, port: u16, size: usize) -> RemoteInfo {
        RemoteInfo::new(std::net::SocketAddr::new(addr.parse().unwrap(), port), size)
    }

    #[test]
    fn payloads() {
        for terminal in [false, true] {
            assert_eq!(display_payload(b"Some bytes", terminal), "Some bytes");
            assert_eq!(display_payload(b"a\nb\t", terminal), "a\\nb\\t");
            assert_eq!(display_payload("é✓".as_bytes(), terminal), "é✓");
            assert_eq!(display_payload(&[0xff, 0x00, 0x10], terminal), "0xff0010");
            assert_eq!(display_payload(b"", terminal), "");
            assert_eq!(display_payload("\u{1b}[2J\r\u{7f}\u{9b}".as_bytes(), terminal), "\\u{1b}[2J\\r\\u{7f}\\u{9b}");
        }
        // The bidirectional-text controls: escaped on a terminal only.
        let bidi = "a\u{202e}b\u{2066}c\u{2069}d\u{200f}";
        assert_eq!(display_payload(bidi.as_bytes(), true), "a\\u{202e}b\\u{2066}c\\u{2069}d\\u{200f}");
        assert_eq!(display_payload(bidi.as_bytes(), false), bidi);
        for c in ('\u{202a}'..='\u{202e}').chain('\u{2066}'..='\u{2069}') {
            assert!(is_bidi_control(c), "{c:?}");
        }
        assert!(!is_bidi_control('\u{2029}') && !is_bidi_control('\u{2070}') && !is_bidi_control('a'));
    }

    #[test]
    fn senders() {
        assert_eq!(sender(&rinfo("127.0.0.1", 5, 0)), "127.0.0.1:5");
        assert_eq!(sender(&rinfo("::1", 5, 0)), "[::1]:5");
    }

    #[test]
    fn json() {
        let v: serde_json::Value = serde_json::from_str(&json_line(b"hi", &rinfo("::1", 7, 2), false)).unwrap();
        assert_eq!(v["msg"], "hi");
        assert_eq!(v["family"], "IPv6");
        assert_eq!(v["address"], "::1");
        assert_eq!(v["port"], 7);
        assert_eq!(v["size"], 2);
        let v: serde_json::Value = serde_json::from_str(&json_line(&[0xfe], &rinfo("127.0.0.1", 7, 1), true)).unwrap();
        assert_eq!((v["msg"].as_str(), v["encoding"].as_str()), (Some("fe"), Some("hex")));
        // On a terminal, DEL, C1 and bidirectional-text controls are escaped: the same string.
        let text = "x\u{7f}\u{85}\u{202e}\u{1b}y";
        let line = json_line(text.as_bytes(), &rinfo("127.0.0.1", 7, 1), true);
        assert!(line.starts_with(r#"{"msg":"x\u007f\u0085\u202e\u001by","#), "{line}");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["msg"], text);
        let line = json_line(text.as_bytes(), &rinfo("127.0.0.1", 7, 1), false);
        assert!(line.starts_with("{\"msg\":\"x\u{7f}\u{85}\u{202e}\\u001by\","), "{line}");
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
