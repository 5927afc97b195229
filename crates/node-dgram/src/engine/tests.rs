//! The engine's decisions, step by step, with no socket: the engine runs over the fake kernel of
//! `fake.rs`, whose log shows every system call it makes and whose calls can be made to fail.

use std::collections::VecDeque;

use super::*;
use crate::types::{BindOptions, Message, SocketType};

use super::fake::{fail_next, kernel, take_log, Fake};

/// The engine over the fake kernel of this thread.
type NoSocket = Fake;

/// An engine as the Node addon drives it: every address goes to the resolver.
fn engine() -> Core<NoSocket> {
    Core::new(SocketOptions::new(SocketType::Udp4).lookup_all(true))
}

/// The outputs as short strings, in order.
fn outs(c: &mut Core<NoSocket>) -> Vec<String> {
    c.advance();
    let o: VecDeque<Output> = c.take_output();
    o.into_iter()
        .map(|o| match o {
            Output::Listening => "listening".to_string(),
            Output::Connect => "connect".to_string(),
            Output::Close => "close".to_string(),
            Output::Error(e) => format!("error {}", e.message()),
            Output::Lookup { id, host } => format!("lookup {id} {host}"),
            Output::Done { id, result: Ok(n), reported } => format!("done {id} ok {n}{}", rep(reported)),
            Output::Done { id, result: Err(e), reported } => format!("done {id} {}{}", e.code(), rep(reported)),
        })
        .collect()
}

fn rep(reported: bool) -> &'static str {
    if reported {
        " (reported)"
    } else {
        ""
    }
}

fn msg(s: &str) -> Message {
    Message::from(s.as_bytes().to_vec())
}

#[test]
fn a_bind_asks_the_resolver_for_the_any_address_and_cannot_be_repeated() {
    let mut c = engine();
    c.bind(BindOptions::new().port(0), Some(7)).unwrap();
    assert_eq!(c.bind_state(), BindState::Binding);
    assert_eq!(outs(&mut c), ["lookup 1 0.0.0.0"]);
    assert_eq!(c.bind(BindOptions::new(), None).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
    assert_eq!(c.fd(), None, "no socket before the lookup answers");
}

#[test]
fn sends_made_while_binding_wait_and_are_not_in_the_kernel_queue() {
    let mut c = engine();
    c.send_to(msg("a"), 9, "127.0.0.1", Some(1)).unwrap();
    c.send_to(msg("bc"), 9, "127.0.0.1", Some(2)).unwrap();
    // The implicit bind's lookup, then one per send (Node asks its lookup for each).
    assert_eq!(outs(&mut c), ["lookup 1 0.0.0.0", "lookup 2 127.0.0.1", "lookup 3 127.0.0.1"]);
    assert_eq!(c.bind_state(), BindState::Binding);
    assert_eq!((c.send_queue_count(), c.send_queue_size()), (2, 3));
    assert_eq!(c.kernel_queue(), (0, 0), "Node counts only what the system holds");
}

#[test]
fn close_ends_every_pending_operation_then_emits_close_last() {
    let mut c = engine();
    c.bind(BindOptions::new(), Some(10)).unwrap();
    c.send_to(msg("x"), 9, "127.0.0.1", Some(11)).unwrap();
    let _ = outs(&mut c);
    assert!(c.close().map(|s| s.is_none()).unwrap_or(false));
    assert_eq!(
        outs(&mut c),
        ["done 10 ERR_SOCKET_DGRAM_NOT_RUNNING (reported)", "done 11 ECANCELED (reported)", "close"]
    );
    assert!(c.is_closed());
    assert_eq!(c.close().err().map(|e| e.code().to_string()).as_deref(), Some("ERR_SOCKET_DGRAM_NOT_RUNNING"));
    assert_eq!(c.bind(BindOptions::new(), None).unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    assert_eq!(c.send_queue_count(), 0);
}

#[test]
fn a_failed_bind_lookup_emits_error_and_ends_what_waited_for_it() {
    let mut c = engine();
    c.bind(BindOptions::new(), Some(5)).unwrap();
    c.send_to(msg("x"), 9, "127.0.0.1", Some(6)).unwrap();
    let _ = outs(&mut c);
    c.resolved_addr(1, Err(Error::system(libc::EAI_NONAME, "getaddrinfo", None, None)));
    let o = outs(&mut c);
    assert_eq!(o.len(), 3, "{o:?}");
    assert!(o[0].starts_with("error "), "{o:?}");
    assert!(o[1].starts_with("done 5 ") && o[1].ends_with("(reported)"), "{o:?}");
    assert!(o[2].starts_with("done 6 ") && o[2].ends_with("(reported)"), "{o:?}");
    assert_eq!(c.bind_state(), BindState::Unbound, "a later bind() may try again");
    assert_eq!(c.send_queue_count(), 0);
}

#[test]
fn a_lookup_that_answers_no_address_fails_the_bind_as_the_system_would() {
    let mut c = engine();
    c.bind(BindOptions::new().port(4000), None).unwrap();
    let _ = outs(&mut c);
    c.resolved_unparsable(1, "not an address");
    assert_eq!(outs(&mut c), ["error bind EINVAL not an address:4000"]);
}

#[test]
fn sends_waiting_for_a_connection_end_when_the_connect_fails() {
    let mut c = engine();
    c.connect(9, "peer.test", Some(0)).unwrap();
    assert_eq!(c.connect(9, "peer.test", None).unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
    c.send_connected(msg("early"), Some(1)).unwrap();
    // The implicit bind's lookup, then the connect's.
    assert_eq!(outs(&mut c), ["lookup 1 0.0.0.0", "lookup 2 peer.test"]);
    // The bind fails: the connect and the send waiting for it end with its error.
    c.resolved_addr(1, Err(Error::system(libc::EINVAL, "bind", None, None)));
    let o = outs(&mut c);
    assert_eq!(o, ["error bind EINVAL", "done 0 EINVAL (reported)", "done 1 EINVAL (reported)"], "{o:?}");
    assert!(!c.is_connected());
}

#[test]
fn a_send_without_a_connection_needs_a_port() {
    let mut c = engine();
    assert_eq!(c.send_connected(msg("x"), None).unwrap_err().code(), "ERR_SOCKET_BAD_PORT");
    assert_eq!(c.disconnect().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
    assert_eq!(c.remote_address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
}

#[test]
fn without_lookup_all_literals_skip_the_resolver() {
    let mut c: Core<NoSocket> = Core::new(SocketOptions::new(SocketType::Udp6));
    c.bind(BindOptions::new().address("name.test"), None).unwrap();
    assert_eq!(outs(&mut c), ["lookup 1 name.test"]);
    let mut c: Core<NoSocket> = Core::new(SocketOptions::new(SocketType::Udp6));
    c.send_to(msg("x"), 9, "::1", None).unwrap();
    // The implicit bind needs no lookup (the any address) and neither does the send: the
    // engine would bind at once on `advance`, which this test does not call.
    assert!(c.take_output().is_empty());
}

/// `listening_before_close` (the tokio adapter's setting): a `close()` while sends wait behind
/// a bind whose address is known completes the bind first, as Node queues the close behind
/// them: `listening`, the bind's end, the sends' `ECANCELED` (reported: never `error`), `close`.
/// It binds 127.0.0.1 on a free port (a system call, nothing sent).
#[test]
fn close_behind_queued_sends_completes_the_bind_first_when_switched_on() {
    let mut opts = SocketOptions::new(SocketType::Udp4);
    opts.listening_before_close = true;
    let mut c: Core<NoSocket> = Core::new(opts);
    c.bind(BindOptions::new().address("127.0.0.1"), Some(1)).unwrap();
    c.send_to(msg("x"), 9, "127.0.0.1", Some(2)).unwrap();
    drop(c.close().unwrap());
    let o: Vec<String> = outs(&mut c);
    assert_eq!(o, ["listening", "done 1 ok 0", "done 2 ECANCELED (reported)", "close"]);

    // Off (the addon's way), or with nothing queued: no bind, no `listening`.
    let mut c = engine();
    c.bind(BindOptions::new().address("127.0.0.1"), Some(1)).unwrap();
    c.send_to(msg("x"), 9, "127.0.0.1", Some(2)).unwrap();
    drop(c.close().unwrap());
    assert!(!outs(&mut c).contains(&"listening".to_string()));
    let mut opts = SocketOptions::new(SocketType::Udp4);
    opts.listening_before_close = true;
    let mut c: Core<NoSocket> = Core::new(opts);
    c.bind(BindOptions::new().address("127.0.0.1"), Some(1)).unwrap();
    drop(c.close().unwrap());
    assert_eq!(outs(&mut c), ["done 1 ERR_SOCKET_DGRAM_NOT_RUNNING (reported)", "close"]);
}

#[test]
fn a_reserved_bind_is_binding_before_its_address_is_known_and_stays_so() {
    let mut c = engine();
    c.reserve_bind().unwrap();
    assert_eq!(c.bind_state(), BindState::Binding);
    // Nothing to do yet: no lookup until the address is given.
    assert!(outs(&mut c).is_empty());
    assert_eq!(c.reserve_bind().unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
    assert_eq!(c.bind(BindOptions::new(), None).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
    c.bind_reserved(BindOptions::new().port(5).address("localhost"), None).unwrap();
    assert_eq!(outs(&mut c), ["lookup 1 localhost"]);
    // Only one request per reserved bind.
    assert_eq!(c.bind_reserved(BindOptions::new(), None).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
}

#[test]
fn a_bind_given_no_address_needs_a_reservation_first() {
    let mut c = engine();
    assert_eq!(c.bind_reserved(BindOptions::new(), None).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
    assert_eq!(c.bind_state(), BindState::Unbound);
    c.close().unwrap();
    assert_eq!(c.reserve_bind().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
}

#[test]
fn an_abandoned_bind_is_unbound_again_with_its_error_and_ends_what_waited() {
    let mut c = engine();
    c.reserve_bind().unwrap();
    c.reserve_connect().unwrap();
    c.abandon_bind(Error::not_running());
    assert_eq!(outs(&mut c), ["error Not running"]);
    assert_eq!(c.bind_state(), BindState::Unbound);
    // A connect that waited outside the engine (the JavaScript face's queue) stays connecting,
    // as Node's does once its queue is dropped.
    assert_eq!(c.connect_state(), ConnectState::Connecting);
    assert_eq!(c.reserve_connect().unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
    // Abandoning what is not a reserved bind does nothing.
    c.abandon_bind(Error::not_running());
    c.bind(BindOptions::new(), None).unwrap();
    assert_eq!(outs(&mut c), ["lookup 1 0.0.0.0"]);
    c.abandon_bind(Error::not_running());
    assert_eq!(c.bind_state(), BindState::Binding);
    assert!(outs(&mut c).is_empty());
}

#[test]
fn a_reserved_connect_asks_for_its_lookup_only_when_given_its_address() {
    let mut c = engine();
    c.bind(BindOptions::new(), None).unwrap();
    assert_eq!(outs(&mut c), ["lookup 1 0.0.0.0"]);
    c.reserve_connect().unwrap();
    assert_eq!(c.connect_state(), ConnectState::Connecting);
    assert!(outs(&mut c).is_empty());
    c.connect_reserved(9, "", Some(0)).unwrap();
    assert_eq!(outs(&mut c), ["lookup 2 127.0.0.1"]);
    assert_eq!(c.connect_reserved(9, "", Some(0)).unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
    // The bind's lookup fails: the connect ends with it, disconnected again.
    c.resolved_addr(1, Err(Error::not_running()));
    assert_eq!(outs(&mut c), ["error Not running", "done 0 ERR_SOCKET_DGRAM_NOT_RUNNING (reported)"]);
    assert_eq!((c.bind_state(), c.connect_state()), (BindState::Unbound, ConnectState::Disconnected));
}

// ---- Step by step through the fake kernel (engine/fake.rs): the system calls the engine makes,
// in order, and what it decides when one of them fails.

/// An engine of `opts` whose addresses need no resolver (IP literals bind at once).
fn direct(opts: SocketOptions) -> Core<Fake> {
    let _ = take_log();
    Core::new(opts)
}

fn udp4() -> SocketOptions {
    SocketOptions::new(SocketType::Udp4)
}

fn sent() -> Vec<(String, Option<String>)> {
    kernel(|k| std::mem::take(&mut k.sent))
        .into_iter()
        .map(|(b, to)| (String::from_utf8_lossy(&b).into_owned(), to.map(|a| a.to_string())))
        .collect()
}

#[test]
fn a_bind_opens_configures_and_binds_then_listens() {
    let mut c = direct(SocketOptions::new(SocketType::Udp6).reuse_addr(true).ipv6_only(true));
    c.bind(BindOptions::new().address("::1"), Some(1)).unwrap();
    assert_eq!(outs(&mut c), ["listening", "done 1 ok 0"]);
    assert_eq!(
        take_log(),
        [
            "socket 6 -> F1",
            "setsockopt F1 SO_REUSEADDR true",
            "setsockopt F1 IPV6_V6ONLY true",
            "setsockopt F1 UDP_GRO true",
            "bind F1 [::1]:0",
            "watch F1"
        ]
    );
    assert_eq!(c.address().unwrap().address_string(), "::1");
    assert_eq!(c.address().unwrap().port, 40000);
    assert_eq!(c.bind_state(), BindState::Bound);
}

#[test]
fn a_failed_bind_keeps_its_socket_for_the_next_bind_when_switched_on() {
    let mut c = direct(udp4().keep_failed_bind_socket(true));
    fail_next("bind", libc::EADDRINUSE);
    c.bind(BindOptions::new().port(5000).address("127.0.0.1"), Some(1)).unwrap();
    assert_eq!(outs(&mut c), ["error bind EADDRINUSE 127.0.0.1:5000", "done 1 EADDRINUSE (reported)"]);
    assert_eq!(c.bind_state(), BindState::Unbound);
    // Node's handle keeps the socket: it reports the unbound address, and the next bind uses it.
    assert_eq!(c.address().unwrap().to_string(), "0.0.0.0:0");
    c.bind(BindOptions::new().address("127.0.0.1"), Some(2)).unwrap();
    assert_eq!(outs(&mut c), ["listening", "done 2 ok 0"]);
    assert_eq!(
        take_log(),
        [
            "socket 4 -> F1",
            "setsockopt F1 UDP_GRO true",
            "bind F1 127.0.0.1:5000 -> EADDRINUSE",
            "watch F1",
            "setsockopt F1 UDP_GRO true",
            "bind F1 127.0.0.1:0"
        ]
    );

    // Off: the failed socket is closed, and a bind opens another.
    let mut c = direct(udp4());
    fail_next("bind", libc::EADDRINUSE);
    c.bind(BindOptions::new().port(5000).address("127.0.0.1"), None).unwrap();
    assert_eq!(outs(&mut c), ["error bind EADDRINUSE 127.0.0.1:5000"]);
    assert_eq!(c.fd(), None);
    assert_eq!(c.address().unwrap_err().code(), "EBADF");
    assert_eq!(
        take_log(),
        ["socket 4 -> F2", "setsockopt F2 UDP_GRO true", "bind F2 127.0.0.1:5000 -> EADDRINUSE", "close F2"]
    );
}

#[test]
fn sends_made_while_binding_leave_in_order_with_one_sendmmsg() {
    let mut c = direct(udp4());
    c.bind(BindOptions::new().address("127.0.0.1"), None).unwrap();
    for (i, m) in ["a", "bb", "ccc"].iter().enumerate() {
        c.send_to(msg(m), 9, "127.0.0.1", Some(i as u64 + 1)).unwrap();
    }
    assert_eq!(outs(&mut c), ["listening", "done 1 ok 1", "done 2 ok 2", "done 3 ok 3"]);
    assert_eq!(
        take_log(),
        ["socket 4 -> F1", "setsockopt F1 UDP_GRO true", "bind F1 127.0.0.1:0", "watch F1", "sendmmsg F1 3"]
    );
    let to = Some("127.0.0.1:9".to_string());
    assert_eq!(sent(), [("a".into(), to.clone()), ("bb".into(), to.clone()), ("ccc".into(), to)]);
    assert_eq!(c.send_queue_count(), 0);
}

#[test]
fn a_full_send_buffer_holds_the_rest_in_order_until_writable() {
    let mut c = direct(udp4());
    c.bind(BindOptions::new().address("127.0.0.1"), None).unwrap();
    let _ = outs(&mut c);
    kernel(|k| k.room = Some(1));
    for (i, m) in ["1", "22", "333"].iter().enumerate() {
        c.send_to(msg(m), 9, "127.0.0.1", Some(i as u64 + 1)).unwrap();
    }
    assert_eq!(outs(&mut c), ["done 1 ok 1"]);
    assert!(c.wants_write(), "the adapter must watch for room");
    assert_eq!((c.send_queue_count(), c.send_queue_size()), (2, 5));
    assert_eq!(c.kernel_queue(), (2, 5), "both wait for the system");
    // Room again: the adapter's writable event flushes.
    kernel(|k| k.room = None);
    c.flush();
    assert_eq!(outs(&mut c), ["done 2 ok 2", "done 3 ok 3"]);
    assert!(!c.wants_write());
    let texts: Vec<String> = sent().into_iter().map(|(b, _)| b).collect();
    assert_eq!(texts, ["1", "22", "333"]);
}

#[test]
fn equal_sends_to_one_address_leave_as_one_segmented_datagram_with_gso() {
    let mut c = direct(udp4().gso(true));
    c.bind(BindOptions::new().address("127.0.0.1"), None).unwrap();
    let _ = outs(&mut c);
    let _ = take_log();
    for i in 0..4 {
        c.send_to(msg("same"), 9, "127.0.0.1", Some(i + 1)).unwrap();
    }
    c.flush();
    assert_eq!(outs(&mut c).len(), 4);
    assert_eq!(take_log(), ["sendmsg+gso F1 4"]);
    // The path refuses segmentation: ordinary sends from then on.
    fail_next("sendmsg+gso", libc::EIO);
    for i in 0..2 {
        c.send_to(msg("more"), 9, "127.0.0.1", Some(i + 10)).unwrap();
    }
    c.flush();
    assert_eq!(outs(&mut c), ["done 10 ok 4", "done 11 ok 4"]);
    assert_eq!(take_log(), ["sendmsg+gso F1 2 -> EIO", "sendmsg F1 1", "sendmsg F1 1"]);
}

/// Sends to IP literals without a lookup (the addon's literal path): the address parsed for one
/// is reused by the next to the same text only; each goes where its own text says, with its
/// own port, and an error names the address as that send gave it.
#[test]
fn literal_sends_go_where_each_says_when_addresses_alternate() {
    let mut c = direct(udp4());
    c.bind(BindOptions::new().address("127.0.0.1"), None).unwrap();
    let _ = outs(&mut c);
    let to = [("127.0.0.1", 9), ("127.0.0.2", 9), ("127.0.0.1", 10), ("127.0.0.2", 11), ("127.0.0.1", 9)];
    for (i, (host, port)) in to.iter().enumerate() {
        c.send_to_literal(msg(&i.to_string()), *port, host, Some(i as u64 + 1)).unwrap();
    }
    c.flush();
    let o = outs(&mut c);
    assert_eq!(o, ["done 1 ok 1", "done 2 ok 1", "done 3 ok 1", "done 4 ok 1", "done 5 ok 1"]);
    let where_: Vec<String> = sent().into_iter().map(|(b, to)| format!("{b} {}", to.unwrap_or_default())).collect();
    assert_eq!(where_, ["0 127.0.0.1:9", "1 127.0.0.2:9", "2 127.0.0.1:10", "3 127.0.0.2:11", "4 127.0.0.1:9"]);
    // An error names the text and port of the send that failed, not of the one parsed before.
    fail_next("sendmsg", libc::EMSGSIZE);
    fail_next("sendmmsg", libc::EMSGSIZE);
    c.send_to_literal(msg("x"), 7, "127.0.0.1", Some(9)).unwrap();
    c.flush();
    let mut c2 = c;
    c2.advance();
    let errs: Vec<String> = c2
        .take_output()
        .into_iter()
        .filter_map(|o| match o {
            Output::Done { result: Err(e), .. } => Some(e.message().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(errs, ["send EMSGSIZE 127.0.0.1:7"]);
}

#[test]
fn a_send_the_system_refuses_ends_with_where_it_was_going() {
    let mut c = direct(udp4());
    c.bind(BindOptions::new().address("127.0.0.1"), None).unwrap();
    let _ = outs(&mut c);
    fail_next("sendmsg", libc::EMSGSIZE);
    c.send_to(Message::Many(vec![b"a"[..].into(), b"b"[..].into()]), 9, "127.0.0.1", Some(1)).unwrap();
    c.send_to(msg("next"), 9, "127.0.0.1", Some(2)).unwrap();
    c.flush();
    let o = outs(&mut c);
    assert_eq!(o, ["done 1 EMSGSIZE", "done 2 ok 4"]);
    assert_eq!(sent().len(), 1, "the refused one never left");
}

#[test]
fn a_refused_buffer_size_ends_the_bind_without_listening_when_switched_on() {
    let mut c = direct(udp4().recv_buffer_size(1 << 20).buffer_size_error_ends_bind(true));
    fail_next("SO_RCVBUF", libc::EPERM);
    c.bind(BindOptions::new().address("127.0.0.1"), Some(1)).unwrap();
    let o = outs(&mut c);
    assert_eq!(o.len(), 2, "{o:?}");
    assert!(o[0].starts_with("error Could not get or set buffer size"), "{o:?}");
    assert!(o[1].starts_with("done 1 ERR_SOCKET_BUFFER_SIZE"), "{o:?}");
    // Bound all the same, as Node's socket is once its bind callback threw.
    assert_eq!(c.bind_state(), BindState::Bound);

    // Off: `listening` follows the error.
    let mut c = direct(udp4().recv_buffer_size(1 << 20));
    fail_next("SO_RCVBUF", libc::EPERM);
    c.bind(BindOptions::new().address("127.0.0.1"), Some(1)).unwrap();
    let o = outs(&mut c);
    assert_eq!(o[1..], ["listening", "done 1 ok 0"], "{o:?}");
}

#[test]
fn a_membership_on_an_unbound_socket_binds_it_silently_when_switched_on() {
    let mut c = direct(udp4().silent_membership_bind(true).keep_failed_bind_socket(true));
    c.membership(Membership::Add, "239.1.2.3", None, None).unwrap();
    assert!(outs(&mut c).is_empty(), "no listening");
    assert_eq!(c.bind_state(), BindState::Unbound);
    assert_eq!(
        take_log(),
        [
            "socket 4 -> F1",
            "setsockopt F1 SO_REUSEADDR true",
            "setsockopt F1 UDP_GRO true",
            "bind F1 0.0.0.0:0",
            "setsockopt F1 IP_ADD_MEMBERSHIP 239.1.2.3 0.0.0.0",
            "watch F1"
        ]
    );
    // A second call binds nothing; a bind then fails as the system refuses a second bind.
    c.membership(Membership::Add, "239.1.2.4", None, Some("198.51.100.1")).unwrap();
    assert_eq!(take_log(), ["setsockopt F1 IP_ADD_MEMBERSHIP 239.1.2.4 198.51.100.1"]);
    c.bind(BindOptions::new().address("127.0.0.1"), None).unwrap();
    assert_eq!(outs(&mut c), ["error bind EINVAL 127.0.0.1"]);
    assert_eq!(c.bind_state(), BindState::Unbound);

    // Off: the membership binds for good, and `listening` follows.
    let mut c = direct(udp4());
    c.membership(Membership::Add, "239.1.2.3", None, None).unwrap();
    assert_eq!(outs(&mut c), ["listening"]);
    assert_eq!(c.bind_state(), BindState::Bound);
}

#[test]
fn a_connect_binds_connects_and_sends_to_the_peer() {
    let mut c = direct(udp4());
    c.connect(9, "127.0.0.1", Some(0)).unwrap();
    c.send_connected(msg("hi"), Some(1)).unwrap();
    assert_eq!(outs(&mut c), ["listening", "connect", "done 0 ok 0", "done 1 ok 2"]);
    assert_eq!(
        take_log(),
        [
            "socket 4 -> F1",
            "setsockopt F1 UDP_GRO true",
            "bind F1 0.0.0.0:0",
            "watch F1",
            "connect F1 127.0.0.1:9",
            "sendmsg F1 1"
        ]
    );
    assert_eq!(sent(), [("hi".to_string(), None)]);
    assert_eq!(c.remote_address().unwrap().to_string(), "127.0.0.1:9");
    c.disconnect().unwrap();
    assert_eq!(take_log(), ["disconnect F1"]);
    assert_eq!(c.remote_address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
    // A refused connect: the callback's error, disconnected again.
    fail_next("connect", libc::ENETUNREACH);
    c.connect(9, "127.0.0.2", Some(0)).unwrap();
    assert_eq!(outs(&mut c), ["done 0 ENETUNREACH"]);
    assert_eq!(c.connect_state(), ConnectState::Disconnected);
}

/// The messages and addresses of the connect's (op 0) failures in the outputs, in order.
fn connect_failures(c: &mut Core<NoSocket>) -> Vec<(String, Option<String>)> {
    c.advance();
    c.take_output()
        .into_iter()
        .filter_map(|o| match o {
            Output::Done { id: 0, result: Err(e), .. } => {
                Some((e.message().to_string(), e.address().map(str::to_string)))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_connect_without_an_address_fails_with_the_empty_address_as_node_reports_it() {
    // Node's `connect(port)` reports `connect EAFNOSUPPORT :9` (address '', the one it was given),
    // not the loopback address it went to (fuzz seed 1400164: a udp6 socket bound to
    // ::ffff:127.0.0.1 connecting to ::1).
    let mut c = direct(udp4());
    fail_next("connect", libc::EAFNOSUPPORT);
    c.connect(9, "", Some(0)).unwrap();
    assert_eq!(connect_failures(&mut c), [("connect EAFNOSUPPORT :9".to_string(), Some(String::new()))]);
    // An address of the other family from the lookup: EINVAL, with '' again.
    let mut c = engine();
    c.connect(9, "", Some(0)).unwrap();
    assert_eq!(outs(&mut c), ["lookup 1 0.0.0.0", "lookup 2 127.0.0.1"]);
    c.resolved(1, Ok("0.0.0.0".parse().unwrap()));
    c.resolved(2, Ok("::1".parse().unwrap()));
    assert_eq!(connect_failures(&mut c), [("connect EINVAL :9".to_string(), Some(String::new()))]);
    // A lookup answering no address at all: EINVAL, with '' (not the lookup's text).
    let mut c = engine();
    c.connect(9, "", Some(0)).unwrap();
    let _ = outs(&mut c);
    c.resolved(1, Ok("0.0.0.0".parse().unwrap()));
    c.resolved_unparsable(2, "not-an-ip");
    assert_eq!(connect_failures(&mut c), [("connect EINVAL :9".to_string(), Some(String::new()))]);
    // Given an address, the error has it.
    let mut c = engine();
    c.connect(9, "peer.test", Some(0)).unwrap();
    let _ = outs(&mut c);
    c.resolved(1, Ok("0.0.0.0".parse().unwrap()));
    c.resolved_unparsable(2, "not-an-ip");
    assert_eq!(connect_failures(&mut c), [("connect EINVAL peer.test:9".to_string(), Some("peer.test".to_string()))]);
}

#[test]
fn an_icmp_error_surfaces_as_node_reports_it_and_close_frees_the_descriptor() {
    let mut c = direct(udp4());
    c.bind(BindOptions::new().address("127.0.0.1"), None).unwrap();
    let _ = outs(&mut c);
    assert!(!c.take_socket_error());
    kernel(|k| k.so_error = Some(libc::ECONNREFUSED));
    assert!(c.take_socket_error());
    assert_eq!(outs(&mut c), ["error recvmsg ECONNREFUSED"]);
    let fd = c.fd().unwrap();
    assert!(!claim_fd(fd), "an open socket's descriptor is claimed");
    let _ = take_log();
    drop(c.close().unwrap());
    assert_eq!(take_log(), ["close F1"]);
    assert!(claim_fd(fd), "released on close");
    release_fd(fd);
    assert_eq!(outs(&mut c), ["close"]);
}
