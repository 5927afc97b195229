//! The built `dgram` over loopback: two `dgram` processes talking, every option of `listen`,
//! `send` and `echo` that loopback can show, exit codes and messages, the tour and the bench.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::{dgram, listen, run, Proc};

/// Checks a `server got: MSG from ADDRESS:PORT` line; returns the sender's port.
fn got(line: &str, msg: &str, from: &str) -> u16 {
    let rest = line
        .strip_prefix(&format!("server got: {msg} from {from}:"))
        .unwrap_or_else(|| panic!("expected `server got: {msg} from {from}:PORT`, got {line:?}"));
    rest.parse().unwrap_or_else(|_| panic!("bad port in {line:?}"))
}

/// A port nobody listens on (bound, then released).
fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn listen_prints_what_send_sends() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "--count", "4", "--timeout", "15"]);
    let to = format!("127.0.0.1:{port}");
    let (code, out, err) = run(&["send", &to, "hello", "Some bytes"], "");
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let a = got(&l.line(), "hello", "127.0.0.1");
    let b = got(&l.line(), "Some bytes", "127.0.0.1");
    assert_eq!(a, b, "both messages come from the same socket");
    // Without MESSAGE: one datagram per line of standard input, line endings removed.
    let (code, _, err) = run(&["send", &to], "first line\r\nsecond line\n");
    assert_eq!(code, 0, "{err}");
    got(&l.line(), "first line", "127.0.0.1");
    got(&l.line(), "second line", "127.0.0.1");
    let (status, rest, _) = l.finish();
    assert!(status.success(), "--count 4 ends the listener with status 0: {status}");
    assert!(rest.is_empty(), "{rest:?}");
}

#[test]
fn ipv6_addresses_are_bracketed() {
    let (l, port) = listen("listen", &["[::1]:0", "--count", "1"]);
    let (code, _, err) = run(&["send", &format!("[::1]:{port}"), "over v6", "--bind", "[::1]:0"], "");
    assert_eq!(code, 0, "{err}");
    got(&l.line(), "over v6", "[::1]");
    assert!(l.finish().0.success());
}

#[test]
fn the_listening_line_shows_the_bound_address() {
    let l = Proc::start(dgram(&["listen", "0", "--timeout", "0.2"]));
    let line = l.line();
    assert!(line.starts_with("server listening 0.0.0.0:"), "{line}");
    let l = Proc::start(dgram(&["listen", "0", "--udp6", "--timeout", "0.2"]));
    let line = l.line();
    assert!(line.starts_with("server listening [::]:"), "{line}");
}

#[test]
fn binary_datagrams_are_shown_in_hex_and_control_characters_escaped() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "--count", "2"]);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.send_to(&[0xde, 0xad, 0x00, 0xff], ("127.0.0.1", port)).unwrap();
    got(&l.line(), "0xdead00ff", "127.0.0.1");
    s.send_to(b"tab\there\nnewline", ("127.0.0.1", port)).unwrap();
    got(&l.line(), "tab\\there\\nnewline", "127.0.0.1");
}

#[test]
fn json_gives_one_object_per_datagram() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "--json", "--count", "2"]);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let me = s.local_addr().unwrap().port();
    s.send_to("héllo".as_bytes(), ("127.0.0.1", port)).unwrap();
    s.send_to(&[0xff, 0x01], ("127.0.0.1", port)).unwrap();
    let (status, out, _) = l.finish();
    assert!(status.success());
    assert_eq!(out.len(), 2, "{out:?}");
    let v: Vec<serde_json::Value> = out.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(v[0]["msg"], "héllo");
    assert_eq!(v[0]["address"], "127.0.0.1");
    assert_eq!(v[0]["family"], "IPv4");
    assert_eq!(v[0]["port"], me);
    assert_eq!(v[0]["size"], 6);
    assert_eq!(
        (v[1]["msg"].as_str(), v[1]["encoding"].as_str(), v[1]["size"].as_u64()),
        (Some("ff01"), Some("hex"), Some(2))
    );
    // The keys come in the documented order.
    assert!(out[0].starts_with(r#"{"msg":"héllo","#), "{}", out[0]);
}

#[test]
fn count_stops_after_n_datagrams() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "--count", "2"]);
    // Five datagrams sent (--count repeats), two shown.
    let (code, _, err) = run(&["send", &format!("127.0.0.1:{port}"), "again", "--count", "5"], "");
    assert_eq!(code, 0, "{err}");
    let (status, out, _) = l.finish();
    assert!(status.success());
    assert_eq!(out.len(), 2, "{out:?}");
    for line in &out {
        got(line, "again", "127.0.0.1");
    }
}

#[test]
fn timeout_ends_an_idle_listener() {
    let t = Instant::now();
    let (l, _port) = listen("listen", &["127.0.0.1:0", "--timeout", "0.5"]);
    let (status, out, _) = l.finish();
    assert!(status.success(), "{status}");
    assert!(out.is_empty(), "{out:?}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());

    // A datagram restarts the idle time.
    let t = Instant::now();
    let (l, port) = listen("listen", &["127.0.0.1:0", "--timeout", "0.8"]);
    std::thread::sleep(Duration::from_millis(500));
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.send_to(b"keep going", ("127.0.0.1", port)).unwrap();
    got(&l.line(), "keep going", "127.0.0.1");
    assert!(l.finish().0.success());
    assert!(t.elapsed() >= Duration::from_millis(1200), "the timeout restarted: {:?}", t.elapsed());
}

#[test]
fn quiet_prints_only_the_count() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "--quiet", "--count", "3"]);
    let (code, _, err) = run(&["send", &format!("127.0.0.1:{port}"), "a", "bb", "ccc"], "");
    assert_eq!(code, 0, "{err}");
    let (status, out, _) = l.finish();
    assert!(status.success());
    assert_eq!(out, vec!["received 3 datagrams, 6 bytes".to_string()]);
}

#[test]
fn a_listener_reading_on_its_own_thread_prints_and_counts_the_same() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "--receive-thread", "--count", "2"]);
    let (code, _, err) = run(&["send", &format!("127.0.0.1:{port}"), "one", "two"], "");
    assert_eq!(code, 0, "{err}");
    let a = got(&l.line(), "one", "127.0.0.1");
    let b = got(&l.line(), "two", "127.0.0.1");
    assert_eq!(a, b);
    let (status, rest, _) = l.finish();
    assert!(status.success(), "{status}");
    assert!(rest.is_empty(), "{rest:?}");

    let (l, port) = listen("listen", &["[::1]:0", "--receive-thread", "--quiet", "--count", "3"]);
    let (code, _, err) = run(&["send", &format!("[::1]:{port}"), "a", "bb", "ccc", "dddd"], "");
    assert_eq!(code, 0, "{err}");
    let (status, out, _) = l.finish();
    assert!(status.success());
    assert_eq!(out, vec!["received 3 datagrams, 6 bytes".to_string()]);

    // Pausing after busy wakes: the same datagrams, counted the same. (A burst the default
    // receive buffer holds whole, however late the listener reads.)
    let (l, port) = listen("listen", &["127.0.0.1:0", "--receive-pause", "200", "--quiet", "--count", "50"]);
    let (code, _, err) = run(&["send", &format!("127.0.0.1:{port}"), "abcd", "--count", "50"], "");
    assert_eq!(code, 0, "{err}");
    let (status, out, _) = l.finish();
    assert!(status.success());
    assert_eq!(out, vec!["received 50 datagrams, 200 bytes".to_string()]);
    // (Out of range: a usage error.)
    let (code, _, err) = run(&["listen", "127.0.0.1:0", "--receive-pause", "0"], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--receive-pause"), "{err}");
}

#[test]
fn quiet_counts_exactly_and_datagrams_restart_its_idle_time() {
    // --quiet counts in the listener itself: no more than --count, even when more arrive.
    let (l, port) = listen("listen", &["127.0.0.1:0", "--quiet", "--count", "2"]);
    let (code, _, err) = run(&["send", &format!("127.0.0.1:{port}"), "again", "--count", "5"], "");
    assert_eq!(code, 0, "{err}");
    let (status, out, _) = l.finish();
    assert!(status.success());
    assert_eq!(out, vec!["received 2 datagrams, 10 bytes".to_string()]);

    // Counted datagrams keep a quiet listener from being idle.
    let (l, port) = listen("listen", &["127.0.0.1:0", "--quiet", "--timeout", "0.8"]);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    s.send_to(b"one", ("127.0.0.1", port)).unwrap();
    std::thread::sleep(Duration::from_millis(600));
    s.send_to(b"two", ("127.0.0.1", port)).unwrap();
    let (status, out, _) = l.finish();
    assert!(status.success(), "{status}");
    assert_eq!(out, vec!["received 2 datagrams, 6 bytes".to_string()]);
}

#[test]
fn quiet_reports_the_count_on_sigterm() {
    let (l, port) = listen("listen", &["127.0.0.1:0", "-q"]);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.send_to(b"one", ("127.0.0.1", port)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill").arg(l.pid().to_string()).status().unwrap();
    assert!(killed.success());
    let (status, out, _) = l.finish();
    assert!(status.success(), "SIGTERM ends the listener normally: {status}");
    assert_eq!(out, vec!["received 1 datagrams, 3 bytes".to_string()]);
}

#[test]
fn echo_and_wait_reply() {
    let (e, port) = listen("echo", &["127.0.0.1:0", "--count", "3"]);
    let to = format!("127.0.0.1:{port}");
    let (code, out, err) = run(&["send", &to, "ping", "pong", "--wait-reply", "5"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("reply: ping from {to}\nreply: pong from {to}\n"));
    // From standard input, with a connected socket.
    let (code, out, err) = run(&["send", &to, "--connect", "--wait-reply", "5"], "third\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("reply: third from {to}\n"));
    // The echo server prints what it echoes.
    got(&e.line(), "ping", "127.0.0.1");
    got(&e.line(), "pong", "127.0.0.1");
    got(&e.line(), "third", "127.0.0.1");
    assert!(e.finish().0.success());
}

#[test]
fn listen_echo_over_ipv6() {
    let (e, port) = listen("listen", &["[::1]:0", "--echo", "--json", "--count", "1"]);
    let to = format!("[::1]:{port}");
    let (code, out, err) = run(&["send", &to, "v6 echo", "-w", "5"], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("reply: v6 echo from {to}\n"));
    let v: serde_json::Value = serde_json::from_str(&e.line()).unwrap();
    assert_eq!(
        (v["msg"].as_str(), v["family"].as_str(), v["address"].as_str()),
        (Some("v6 echo"), Some("IPv6"), Some("::1"))
    );
}

#[test]
fn no_reply_is_an_error() {
    let (_l, port) = listen("listen", &["127.0.0.1:0"]);
    let t = Instant::now();
    let (code, out, err) = run(&["send", &format!("127.0.0.1:{port}"), "anyone?", "--wait-reply", "0.3"], "");
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err, format!("error: no reply from 127.0.0.1:{port} within 0.3 s\n"));
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn connection_refused_is_a_network_error() {
    let port = free_port();
    let (code, out, err) = run(&["send", &format!("127.0.0.1:{port}"), "hello?", "--connect", "--wait-reply", "5"], "");
    assert_eq!((code, out.as_str(), err.as_str()), (1, "", "error: ECONNREFUSED: recvmsg ECONNREFUSED\n"));
}

#[test]
fn address_in_use_is_a_network_error() {
    let held = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let (code, out, err) = run(&["listen", &format!("127.0.0.1:{port}")], "");
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err, format!("error: EADDRINUSE: bind EADDRINUSE 127.0.0.1:{port}\n"));
    let (code, _, err) = run(&["echo", &format!("127.0.0.1:{port}")], "");
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = run(&["send", "127.0.0.1:9", "x", "--bind", &format!("127.0.0.1:{port}")], "");
    assert_eq!((code, err), (1, format!("error: EADDRINUSE: bind EADDRINUSE 127.0.0.1:{port}\n")));
}

#[test]
fn reuse_port_lets_two_listeners_share_a_port() {
    let (_a, port) = listen("listen", &["127.0.0.1:0", "--reuse-port"]);
    let (b, port_b) = listen("listen", &[&format!("127.0.0.1:{port}"), "--reuse-port", "--timeout", "0.2"]);
    assert_eq!(port, port_b);
    assert!(b.finish().0.success());
    let (_c, port) = listen("listen", &["[::]:0", "--reuse-addr", "--ipv6-only"]);
    let (d, _) = listen("listen", &[&format!("[::]:{port}"), "--reuse-addr", "--ipv6-only", "--timeout", "0.2"]);
    assert!(d.finish().0.success());
}

#[test]
fn bad_usage_exits_with_2_and_says_why() {
    let cases: &[(&[&str], &str)] = &[
        (&["send", "127.0.0.1", "x"], "expected HOST:PORT"),
        (&["send", "127.0.0.1:0", "x"], "out of range"),
        (&["send", "::1:5", "x"], "brackets"),
        (&["listen", "65536"], "out of range"),
        (&["listen", "nope nope:5"], "neither an IP address nor a host name"),
        (&["listen", "0", "--source", "198.51.100.1"], "--group"),
        (&["listen", "0", "--group", "198.51.100.1"], "not a multicast address"),
        (&["listen", "[::1]:0", "--group", "239.1.2.3"], "IPv4"),
        (&["listen", "127.0.0.1:0", "--udp6"], "IPv6"),
        (&["listen", "0", "--count", "0"], "--count"),
        (&["listen", "0", "--timeout", "-1"], "--timeout"),
        (&["send", "127.0.0.1:9", "x", "--ttl", "0"], "--ttl"),
        (&["send", "127.0.0.1:9", "x", "--multicast-ttl", "256"], "--multicast-ttl"),
        (&["send", "127.0.0.1:9", "x", "--multicast-interface", "no-such-if0"], "neither an IPv4 address"),
        (&["bench", "--size", "70000"], "--size"),
        (&["bench", "--seconds", "600"], "--seconds"),
        (&["frobnicate"], "unrecognized subcommand"),
        (&["listen"], "required"),
    ];
    for (args, why) in cases {
        let (code, out, err) = run(args, "");
        assert_eq!(code, 2, "dgram {args:?}: {out}{err}");
        assert!(err.starts_with("error: "), "dgram {args:?}: {err}");
        assert!(err.contains(why), "dgram {args:?}: expected {why:?} in {err}");
        assert!(err.contains("Usage: dgram") || err.contains("--help"), "dgram {args:?}: {err}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in [&[][..], &["listen"], &["send"], &["echo"], &["bench"]] {
        let mut args = sub.to_vec();
        args.push("--help");
        let (code, out, _) = run(&args, "");
        assert_eq!(code, 0, "{args:?}");
        let usage = format!("Usage: dgram{}", sub.iter().map(|s| format!(" {s}")).collect::<String>());
        assert!(out.contains(&usage), "{args:?}: {out}");
    }
    let (_, out, _) = run(&["listen", "--help"], "");
    for opt in [
        "--udp6",
        "--reuse-addr",
        "--reuse-port",
        "--ipv6-only",
        "--group",
        "--source",
        "--count",
        "--timeout",
        "--echo",
        "--json",
        "--quiet",
    ] {
        assert!(out.contains(opt), "listen --help lacks {opt}");
    }
    let (_, out, _) = run(&["send", "--help"], "");
    for opt in [
        "--udp6",
        "--bind",
        "--connect",
        "--broadcast",
        "--ttl",
        "--multicast-ttl",
        "--multicast-interface",
        "--no-multicast-loopback",
        "--count",
        "--wait-reply",
    ] {
        assert!(out.contains(opt), "send --help lacks {opt}");
    }
}

#[test]
fn the_tour_runs_and_ends_by_itself() {
    let t = Instant::now();
    let (code, out, err) = run(&[], "");
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    let listening = lines.iter().find(|l| l.starts_with("server listening ")).expect("a listening line");
    assert!(listening.starts_with("server listening 0.0.0.0:"), "{listening}");
    let gots: Vec<&&str> = lines.iter().filter(|l| l.starts_with("server got: ")).collect();
    assert_eq!(gots.len(), 3, "{out}");
    for g in gots {
        got(g, "Some bytes", "127.0.0.1");
    }
    assert!(out.contains("datagrams/s"), "{out}");
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[test]
fn bench_is_bounded_and_writes_json_and_svg() {
    let svg = std::env::temp_dir().join(format!("dgram-bench-{}.svg", std::process::id()));
    let t = Instant::now();
    let (code, out, err) =
        run(&["bench", "--seconds", "0.3", "--size", "100", "--json", "--svg", svg.to_str().unwrap()], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["size"], 100);
    assert!(v["node_dgram"]["throughput_datagrams_per_s"].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["node_dgram"]["rtt_p50_us"].as_f64().unwrap() > 0.0, "{v}");
    if v["node_version"].is_string() {
        assert!(v["node"]["throughput_datagrams_per_s"].as_f64().unwrap() > 0.0, "{v}");
        assert!(v["node_dgram_advantage"]["rtt_p50"].as_f64().is_some(), "{v}");
    }
    let chart = std::fs::read_to_string(&svg).unwrap();
    let _ = std::fs::remove_file(&svg);
    assert!(chart.starts_with("<svg") && chart.contains("node-dgram"), "{chart}");
}
