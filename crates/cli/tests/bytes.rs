//! Bytes through `dgram` unchanged, failed writes, and what a terminal is shown (issue 18,
//! item 7): `send --raw` and `send --chunk N` carry binary standard input byte-exact,
//! `listen --raw` and `--hex` write exactly the payloads, a full disk (`/dev/full`) is an
//! error while a closed pipe ends quietly, and received text is escaped further on a terminal
//! (a pty from `script`, util-linux) than in a pipe.
//!
//! Every datagram goes to 127.0.0.1; every wait is bounded by `common::WAIT`.

mod common;

use std::fs::File;
use std::net::UdpSocket;
use std::process::{Command, ExitStatus};

use common::{dgram, listen, port_of, Proc, DGRAM};
use testkit::process::{Io, Spawn, WAIT};

/// Binary input with what line mode would cut or drop: 0x0a, 0x0d 0x0a, 0x00, a final 0x0a,
/// an empty line, bytes that are not UTF-8.
const BINARY: &[u8] = b"line one\nline\x00two\r\n\xff\xfe\x00\x00\n\n\x0a\x80tail\n";

/// A receiving socket on 127.0.0.1 that gives up after [`WAIT`].
fn receiver() -> (UdpSocket, u16) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let port = s.local_addr().unwrap().port();
    (s, port)
}

/// The next datagram on `s` (fails the test after [`WAIT`]).
fn recv(s: &UdpSocket) -> Vec<u8> {
    let mut buf = vec![0u8; 65536];
    let (n, _) = s.recv_from(&mut buf).expect("a datagram within the wait");
    buf.truncate(n);
    buf
}

/// Runs `dgram ARGS...` with `input` as standard input: exit code, stdout and stderr lines.
fn run_bytes(args: &[&str], input: &[u8]) -> (i32, Vec<String>, Vec<String>) {
    let mut p = Proc::start(dgram(args));
    p.write_bytes(input);
    let (status, out, err) = p.finish();
    (status.code().unwrap_or(-1), out, err)
}

/// As [`run_bytes`], for input that `dgram` may stop reading before its end.
fn run_offering(args: &[&str], input: &[u8]) -> (i32, Vec<String>, Vec<String>) {
    let mut p = Proc::start(dgram(args));
    p.offer_bytes(input);
    let (status, out, err) = p.finish();
    (status.code().unwrap_or(-1), out, err)
}

/// A `dgram` whose standard output goes where the test says (a file, `/dev/full`, a pipe
/// closed at once); standard error is read line by line. Killed when dropped.
struct Redirected(Proc);

impl Redirected {
    fn start(args: &[&str], stdout: impl Into<Io>) -> Redirected {
        Redirected(Spawn { stdin: Io::Null, stdout: stdout.into(), ..Spawn::default() }.start(dgram(args)))
    }

    /// The port of the `server listening` line on standard error.
    fn port(&self) -> u16 {
        port_of(&self.0.err_line())
    }

    /// Waits for the exit (at most [`WAIT`]): the status and the rest of standard error.
    fn finish(self) -> (ExitStatus, String) {
        let (status, _, err) = self.0.finish_text();
        (status, err)
    }
}

/// A fresh file in the temporary directory (removed by the caller).
fn temp_file(name: &str) -> (std::path::PathBuf, File) {
    let path = std::env::temp_dir().join(format!("dgram-bytes-{name}-{}", std::process::id()));
    let file = File::create(&path).unwrap();
    (path, file)
}

/// `/dev/full`, opened for writing: every write fails with ENOSPC.
fn dev_full() -> File {
    File::options().write(true).open("/dev/full").expect("/dev/full")
}

#[test]
fn send_raw_sends_standard_input_as_one_datagram_byte_exact() {
    let (s, port) = receiver();
    let to = format!("127.0.0.1:{port}");
    let (code, out, err) = run_bytes(&["send", &to, "--raw"], BINARY);
    assert_eq!((code, out.len(), err.len()), (0, 0, 0), "{out:?} {err:?}");
    assert_eq!(recv(&s), BINARY);

    // The default stays one datagram per line, line endings removed (text).
    let (code, _, err) = run_bytes(&["send", &to], b"a\nb\r\n");
    assert_eq!(code, 0, "{err:?}");
    assert_eq!((recv(&s), recv(&s)), (b"a".to_vec(), b"b".to_vec()));

    // An empty input is one empty datagram; --count repeats it.
    let (code, _, err) = run_bytes(&["send", &to, "--raw", "--count", "2"], b"");
    assert_eq!(code, 0, "{err:?}");
    assert_eq!((recv(&s), recv(&s)), (vec![], vec![]));

    // The largest IPv4 payload, 65507 bytes, goes as one datagram.
    let big: Vec<u8> = (0..65507u32).map(|i| (i % 251) as u8).collect();
    let (code, _, err) = run_bytes(&["send", &to, "--raw"], &big);
    assert_eq!(code, 0, "{err:?}");
    assert_eq!(recv(&s), big);
}

#[test]
fn send_raw_refuses_input_longer_than_a_datagram() {
    let (_s, port) = receiver();
    let (code, _, err) = run_offering(&["send", &format!("127.0.0.1:{port}"), "--raw"], &vec![0u8; 70000]);
    assert_eq!(code, 1, "{err:?}");
    assert_eq!(err.len(), 1, "{err:?}");
    assert!(err[0].starts_with("error: reading standard input: longer than one datagram"), "{err:?}");
    assert!(err[0].contains("--chunk"), "{err:?}");
    let (code, _, err) = run_bytes(&["send", &format!("127.0.0.1:{port}"), "--raw"], &vec![0u8; 65508]);
    assert_eq!((code, err), (1, vec![format!("error: EMSGSIZE: send EMSGSIZE 127.0.0.1:{port}")]));
}

#[test]
fn send_chunk_cuts_standard_input_into_n_byte_datagrams() {
    let (s, port) = receiver();
    let to = format!("127.0.0.1:{port}");
    // 1000 bytes, every value among them (0x00 and 0x0a included), in 300-byte datagrams.
    let input: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
    let (code, out, err) = run_bytes(&["send", &to, "--chunk", "300"], &input);
    assert_eq!((code, out.len(), err.len()), (0, 0, 0), "{out:?} {err:?}");
    let got: Vec<Vec<u8>> = (0..4).map(|_| recv(&s)).collect();
    assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), [300, 300, 300, 100]);
    assert_eq!(got.concat(), input);

    // Input shorter than N: one datagram of it; BINARY in 1-byte datagrams: each byte.
    let (code, _, err) = run_bytes(&["send", &to, "--chunk", "65535"], BINARY);
    assert_eq!(code, 0, "{err:?}");
    assert_eq!(recv(&s), BINARY);
    let (code, _, err) = run_bytes(&["send", &to, "--chunk", "1"], BINARY);
    assert_eq!(code, 0, "{err:?}");
    for b in BINARY {
        assert_eq!(recv(&s), [*b]);
    }

    // An empty input sends nothing: the next datagram is the marker sent after it.
    let (code, _, err) = run_bytes(&["send", &to, "--chunk", "8"], b"");
    assert_eq!(code, 0, "{err:?}");
    let (code, _, _) = run_bytes(&["send", &to, "marker"], b"");
    assert_eq!(code, 0);
    assert_eq!(recv(&s), b"marker");
}

#[test]
fn raw_and_chunk_are_for_standard_input_only() {
    for (args, why) in [
        (&["send", "127.0.0.1:9", "x", "--raw"][..], "--raw"),
        (&["send", "127.0.0.1:9", "x", "--chunk", "4"], "--chunk"),
        (&["send", "127.0.0.1:9", "--raw", "--chunk", "4"], "--chunk"),
        (&["send", "127.0.0.1:9", "--chunk", "0"], "--chunk"),
        (&["listen", "0", "--raw", "--json"], "--raw"),
        (&["listen", "0", "--raw", "--hex"], "--hex"),
        (&["listen", "0", "--hex", "--quiet"], "--hex"),
    ] {
        let (code, out, err) = run_bytes(args, b"");
        assert_eq!(code, 2, "dgram {args:?}: {out:?} {err:?}");
        assert!(err.iter().any(|l| l.contains(why)), "dgram {args:?}: {err:?}");
    }
}

#[test]
fn listen_raw_writes_exactly_the_bytes_received() {
    let (path, file) = temp_file("raw");
    let l = Redirected::start(&["listen", "127.0.0.1:0", "--raw", "--count", "3", "--timeout", "15"], file);
    let port = l.port();
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    // An empty datagram leaves no trace; the boundaries are lost.
    for d in [BINARY, b"", b"\x00second\n"] {
        s.send_to(d, ("127.0.0.1", port)).unwrap();
    }
    let (status, err) = l.finish();
    let written = std::fs::read(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(status.success(), "{status} {err}");
    assert_eq!(err, "", "only the listening line goes to stderr");
    assert_eq!(written, [BINARY, b"\x00second\n"].concat());
}

#[test]
fn echo_raw_and_hex_still_echo() {
    let (path, file) = temp_file("echo-hex");
    let e = Redirected::start(&["echo", "127.0.0.1:0", "--hex", "--count", "3", "--timeout", "15"], file);
    let port = e.port();
    let (s, _) = receiver();
    for d in [BINARY, b"", b"\xff"] {
        s.send_to(d, ("127.0.0.1", port)).unwrap();
        assert_eq!(recv(&s), d, "echoed unchanged");
    }
    let (status, err) = e.finish();
    let written = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(status.success(), "{status} {err}");
    let hex: String = BINARY.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(written, format!("{hex}\n\nff\n"));

    // `echo --raw` through a line-reading pipe: the bytes of a text datagram, nothing added.
    let (e, port) = listen("echo", &["127.0.0.1:0", "--raw", "--count", "1"]);
    s.send_to(b"one line\n", ("127.0.0.1", port)).unwrap();
    assert_eq!(recv(&s), b"one line\n");
    let (status, out, err) = e.finish();
    assert!(status.success());
    assert_eq!((out, err), (vec!["one line".to_string()], vec![]));
}

#[test]
fn a_full_disk_is_an_error_with_a_message() {
    const MESSAGE: &str = "error: writing standard output: No space left on device";
    // The listening line cannot be written.
    let l = Redirected::start(&["listen", "127.0.0.1:0", "--count", "1", "--timeout", "15"], dev_full());
    let (status, err) = l.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.starts_with(MESSAGE), "{err}");

    // A datagram cannot be written, in each output mode.
    for mode in ["--raw", "--hex", "--json"] {
        let l = Redirected::start(&["listen", "127.0.0.1:0", mode, "--count", "2", "--timeout", "15"], dev_full());
        let port = l.port();
        UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"lost", ("127.0.0.1", port)).unwrap();
        let (status, err) = l.finish();
        assert_eq!(status.code(), Some(1), "{mode}: {err}");
        assert!(err.starts_with(MESSAGE), "{mode}: {err}");
    }

    // --quiet: the final count cannot be written.
    let l = Redirected::start(&["listen", "127.0.0.1:0", "--quiet", "--count", "1", "--timeout", "15"], dev_full());
    let port = l.port();
    UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"x", ("127.0.0.1", port)).unwrap();
    let (status, err) = l.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.starts_with(MESSAGE), "{err}");

    // send's replies.
    let (e, port) = listen("echo", &["127.0.0.1:0", "--count", "1"]);
    let s = Redirected::start(&["send", &format!("127.0.0.1:{port}"), "ping", "--wait-reply", "15"], dev_full());
    let (status, err) = s.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.starts_with(MESSAGE), "{err}");
    assert!(e.finish().0.success());

    // The tour.
    let t = Redirected::start(&[], dev_full());
    let (status, err) = t.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.starts_with(MESSAGE), "{err}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let l = Redirected::start(&["listen", "127.0.0.1:0", "--hex", "--count", "5", "--timeout", "15"], Io::Closed);
    let port = l.port();
    UdpSocket::bind("127.0.0.1:0").unwrap().send_to(b"nobody reads", ("127.0.0.1", port)).unwrap();
    let (status, err) = l.finish();
    assert!(status.success(), "{status}");
    assert_eq!(err, "");
}

/// `s` quoted for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `dgram ARGS...` with a terminal as standard output, through `script -qc` (util-linux), its
/// output read line by line (`\r` removed); `None` when `script` cannot be run.
fn on_a_terminal(args: &[&str]) -> Option<Proc> {
    let available = Command::new("script").arg("--version").output().is_ok_and(|o| o.status.success());
    if !available {
        testkit::skip("the terminal tests", "`script` (util-linux) cannot be run");
        return None;
    }
    let line = std::iter::once(DGRAM).chain(args.iter().copied()).map(sh_quote).collect::<Vec<_>>().join(" ");
    let mut cmd = Command::new("script");
    cmd.args(["-qc", &line, "/dev/null"]);
    Some(Proc::start(cmd))
}

/// What the tests send: a bidirectional override and an isolate around text, an escape
/// sequence that would clear the screen, DEL, a C1 control (CSI), a carriage return.
const HOSTILE: &str = "evil\u{202e}txt.exe\u{2066}x\u{2069} \u{1b}[2J\u{7f}\u{9b}1m\r!";

#[test]
fn received_text_is_escaped_on_a_terminal() {
    let Some(l) = on_a_terminal(&["listen", "127.0.0.1:0", "--count", "2", "--timeout", "15"]) else { return };
    let port = port_of(l.line().trim_end_matches('\r'));
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let me = s.local_addr().unwrap().port();
    s.send_to(HOSTILE.as_bytes(), ("127.0.0.1", port)).unwrap();
    assert_eq!(
        l.line().trim_end_matches('\r'),
        format!(
            "server got: evil\\u{{202e}}txt.exe\\u{{2066}}x\\u{{2069}} \\u{{1b}}[2J\\u{{7f}}\\u{{9b}}1m\\r! from 127.0.0.1:{me}"
        )
    );
    // Left-to-right and right-to-left marks, and the Arabic letter mark, too.
    s.send_to("a\u{200e}b\u{200f}c\u{61c}d".as_bytes(), ("127.0.0.1", port)).unwrap();
    assert_eq!(
        l.line().trim_end_matches('\r'),
        format!("server got: a\\u{{200e}}b\\u{{200f}}c\\u{{61c}}d from 127.0.0.1:{me}")
    );

    // --json: the same string for a parser, with nothing a terminal acts on.
    let Some(l) = on_a_terminal(&["listen", "127.0.0.1:0", "--json", "--count", "1", "--timeout", "15"]) else {
        return;
    };
    let port = port_of(l.line().trim_end_matches('\r'));
    s.send_to(HOSTILE.as_bytes(), ("127.0.0.1", port)).unwrap();
    let line = l.line();
    let line = line.trim_end_matches('\r');
    assert!(line.starts_with(r#"{"msg":"evil\u202etxt.exe\u2066x\u2069 \u001b[2J\u007f\u009b1m\r!","#), "{line}");
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["msg"], HOSTILE);

    // send's replies.
    let (e, port) = listen("echo", &["127.0.0.1:0", "--count", "1"]);
    let to = format!("127.0.0.1:{port}");
    let Some(r) = on_a_terminal(&["send", &to, "a\u{202e}b", "--wait-reply", "15"]) else { return };
    assert_eq!(r.line().trim_end_matches('\r'), format!("reply: a\\u{{202e}}b from {to}"));
    assert!(e.finish().0.success());
}

#[test]
fn received_text_in_a_pipe_keeps_bidirectional_controls() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "--count", "1"]);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let me = s.local_addr().unwrap().port();
    s.send_to(HOSTILE.as_bytes(), ("127.0.0.1", port)).unwrap();
    // Control characters are escaped as before (one datagram, one line); the rest is as sent.
    assert_eq!(
        l.line(),
        format!(
            "server got: evil\u{202e}txt.exe\u{2066}x\u{2069} \\u{{1b}}[2J\\u{{7f}}\\u{{9b}}1m\\r! from 127.0.0.1:{me}"
        )
    );
    assert!(l.finish().0.success());

    let (l, port) = listen("listen", &["127.0.0.1:0", "--json", "--count", "1"]);
    s.send_to(HOSTILE.as_bytes(), ("127.0.0.1", port)).unwrap();
    let line = l.line();
    assert!(
        line.starts_with("{\"msg\":\"evil\u{202e}txt.exe\u{2066}x\u{2069} \\u001b[2J\u{7f}\u{9b}1m\\r!\","),
        "{line}"
    );
    assert!(l.finish().0.success());
}

#[test]
fn help_documents_the_byte_modes() {
    let help = |sub: &str| {
        let out = dgram(&[sub, "--help"].into_iter().filter(|a| !a.is_empty()).collect::<Vec<_>>()).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let listen = help("listen");
    for said in ["--raw", "--hex", "Datagram boundaries are lost", "xxd -r -p", "bidirectional-text controls"] {
        assert!(listen.contains(said), "listen --help lacks {said:?}: {listen}");
    }
    assert!(help("echo").contains("--raw"));
    let send = help("send");
    for said in ["--raw", "--chunk <N>", "as one datagram", "datagrams of N bytes"] {
        assert!(send.contains(said), "send --help lacks {said:?}: {send}");
    }
    let top = help("");
    assert!(top.contains("failed write to standard output"), "{top}");
}
