//! The engine's decisions, step by step, with no socket: every case here stops before a system
//! call (a bind whose lookup has not answered or failed, a connect waiting for it, `close()`).

use std::collections::VecDeque;

use super::*;
use crate::types::{BindOptions, Message, SocketType};

/// A handle type for an engine that never opens a socket.
struct NoSocket(socket2::Socket);

impl IoHandle for NoSocket {
    fn open(sock: socket2::Socket) -> std::io::Result<Self> {
        Ok(NoSocket(sock))
    }
    fn socket(&self) -> &socket2::Socket {
        &self.0
    }
}

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
