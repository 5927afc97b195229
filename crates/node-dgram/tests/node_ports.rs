//! Node's own dgram tests (test/parallel/test-dgram-*.js), ported to the Rust API: each test
//! names the Node test it comes from and asserts what that test asserts (issue 18, item 1).
//! Every datagram goes to 127.0.0.1; failing lookups use an injected resolver.

mod common;

use std::net::{IpAddr, UdpSocket};
use std::sync::{Arc, Mutex};

use common::*;
use node_dgram::{create_socket, run, BindOptions, CancellationToken, Error, Family, SocketOptions, SocketType};

/// test-dgram-close-signal.js, "Test close": aborting the signal of an unbound socket emits
/// `close`, before the program (`run`) ends.
#[test]
fn close_signal_aborting_emits_close_inside_run() {
    let log = Log::default();
    let l = log.clone();
    run(move || {
        let controller = CancellationToken::new();
        let server = create_socket(SocketOptions::new(SocketType::Udp4).signal(controller.clone())).unwrap();
        let l2 = l.clone();
        server.on_close(move || l2.push("close"));
        controller.cancel();
    })
    .unwrap();
    assert_eq!(log.get(), vec!["close"]);
}

/// test-dgram-close-signal.js, "Test close with pre-aborted signal".
#[test]
fn close_signal_pre_aborted_emits_close_inside_run() {
    let log = Log::default();
    let l = log.clone();
    run(move || {
        let controller = CancellationToken::new();
        controller.cancel();
        let server = create_socket(SocketOptions::new(SocketType::Udp4).signal(controller)).unwrap();
        let l2 = l.clone();
        server.on_close(move || l2.push("close"));
    })
    .unwrap();
    assert_eq!(log.get(), vec!["close"]);
}

/// test-dgram-abort-closed.js: aborting after `close()` does nothing more.
#[test]
fn abort_after_close_is_harmless() {
    let log = Log::default();
    let l = log.clone();
    run(move || {
        let controller = CancellationToken::new();
        let socket = create_socket(SocketOptions::new(SocketType::Udp4).signal(controller.clone())).unwrap();
        let l2 = l.clone();
        socket.on_close(move || l2.push("close"));
        socket.close().unwrap();
        controller.cancel();
    })
    .unwrap();
    assert_eq!(log.get(), vec!["close"]);
}

/// A resolver that records what it is asked and answers IP literals with themselves.
fn recording_lookup(ty: SocketType) -> (SocketOptions, Arc<Mutex<Vec<String>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let c = calls.clone();
    let opts = SocketOptions::new(ty).lookup(move |host: String, _f: Family| {
        c.lock().unwrap().push(host.clone());
        async move { node_dgram::parse_ip(&host).map(|(ip, _)| ip).ok_or_else(|| Error::lookup("ENOTFOUND", &host)) }
    });
    (opts, calls)
}

/// test-dgram-custom-lookup.js, "Verify that the provided lookup function is called": a
/// `bind()` with no address calls the custom lookup (with the family's any address), and the
/// bind completes.
#[test]
fn custom_lookup_is_called_by_a_bind_without_address() {
    for (ty, any) in [(SocketType::Udp4, "0.0.0.0"), (SocketType::Udp6, "::")] {
        let (opts, calls) = recording_lookup(ty);
        let bound = Arc::new(Mutex::new(false));
        let b = bound.clone();
        run(move || {
            let socket = create_socket(opts).unwrap();
            let s = socket.clone();
            socket.bind(()).unwrap().callback(move |r| {
                r.unwrap();
                *b.lock().unwrap() = true;
                s.close().unwrap();
            });
        })
        .unwrap();
        assert!(*bound.lock().unwrap());
        assert_eq!(calls.lock().unwrap().clone(), vec![any.to_string()]);
    }
}

/// The same for an IP literal (Node calls `lookup` with it) and for the implicit bind of a
/// first send (Node binds to `0.0.0.0` through `lookup`, then looks the destination up).
#[test]
fn custom_lookup_sees_literals_and_the_implicit_bind() {
    let (opts, calls) = recording_lookup(SocketType::Udp4);
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rx.local_addr().unwrap().port();
    run(move || {
        let socket = create_socket(opts).unwrap();
        let s = socket.clone();
        socket.send_to("x", (port, "127.0.0.1")).unwrap().callback(move |r| {
            assert_eq!(r.unwrap(), 1);
            s.close().unwrap();
        });
    })
    .unwrap();
    assert_eq!(calls.lock().unwrap().clone(), vec!["0.0.0.0", "127.0.0.1"]);

    let (opts, calls) = recording_lookup(SocketType::Udp4);
    run(move || {
        let socket = create_socket(opts).unwrap();
        let s = socket.clone();
        socket.bind((0, "127.0.0.1")).unwrap().callback(move |r| {
            r.unwrap();
            s.close().unwrap();
        });
    })
    .unwrap();
    assert_eq!(calls.lock().unwrap().clone(), vec!["127.0.0.1"]);
}

/// test-dgram-implicit-bind-failure.js: with a lookup that always fails ('fake DNS'), each
/// send's implicit bind fails with that error, emitted as `error` (3 sends, 3 errors), and the
/// program ends.
#[test]
fn implicit_bind_failure_with_a_failing_lookup() {
    let errors = Log::default();
    let e = errors.clone();
    let opts = SocketOptions::new(SocketType::Udp4)
        .lookup(|_h: String, _f: Family| async move { Err::<IpAddr, Error>(Error::external(0, "EFAKE", "fake DNS")) });
    run(move || {
        let socket = create_socket(opts).unwrap();
        let port = 9; // never reached: the bind fails first
                      // Each send starts its own implicit bind once the previous one failed (Node's sends
                      // are a tick apart; the fake lookup fails in the tick after each).
        socket.on_error_with(move |socket, err| {
            e.push(err.message());
            if e.get().len() < 3 {
                drop(socket.send_to("foobar", (port, "localhost")).unwrap());
            }
        });
        drop(socket.send_to("foobar", (port, "localhost")).unwrap());
    })
    .unwrap();
    assert_eq!(errors.get(), vec!["fake DNS"; 3]);
}

/// test-dgram-close.js (and test-dgram-close-is-not-callback.js): a send queued behind the
/// implicit bind, then `close()` in the same tick: Node emits `listening`, then `close`, calls
/// the close callback, and calls no send callback. Here the send's operation ends with
/// `send ECANCELED` (every operation ends; a deliberate difference), not as `error`, and no
/// datagram is sent.
#[test]
fn close_right_after_a_send_behind_the_implicit_bind() {
    for ty in BOTH {
        let host = loopback(ty).to_string();
        let port_getter = UdpSocket::bind((loopback(ty), 0)).unwrap();
        port_getter.set_nonblocking(true).unwrap();
        let port = port_getter.local_addr().unwrap().port();
        let log = Log::default();
        let l = log.clone();
        run(move || {
            let socket = create_socket(ty).unwrap();
            for ev in ["listening", "close"] {
                let l2 = l.clone();
                match ev {
                    "listening" => socket.on_listening(move || l2.push(ev)),
                    _ => socket.on_close(move || l2.push(ev)),
                };
            }
            let l2 = l.clone();
            socket.on_error(move |e| l2.push(format!("error: {e}")));
            let buf = vec![42u8; 1024];
            let l2 = l.clone();
            socket
                .send_to(buf, (port, &host))
                .unwrap()
                .callback(move |r| l2.push(format!("send: {}", r.unwrap_err().code())));
            let l2 = l.clone();
            socket.close().unwrap().callback(move |r| l2.push(format!("close callback: {r:?}")));
        })
        .unwrap();
        assert_eq!(log.get(), vec!["listening", "send: ECANCELED", "close", "close callback: Ok(())"]);
        let mut b = [0u8; 2048];
        assert!(port_getter.recv(&mut b).is_err(), "nothing was sent");
    }
}

/// The same with `connect()` queued behind the implicit bind (Node queues it too).
#[test]
fn close_right_after_a_connect_behind_the_implicit_bind() {
    let log = Log::default();
    let l = log.clone();
    run(move || {
        let socket = create_socket("udp4").unwrap();
        let l2 = l.clone();
        socket.on_listening(move || l2.push("listening"));
        let l2 = l.clone();
        socket.on_connect(move || l2.push("connect"));
        let l2 = l.clone();
        socket.on_close(move || l2.push("close"));
        drop(socket.connect((9, "127.0.0.1")).unwrap());
        socket.close().unwrap();
    })
    .unwrap();
    assert_eq!(log.get(), vec!["listening", "close"]);
}

/// A `bind()` then `close()` in the same tick, with nothing queued: Node closes at once, with
/// no `listening` (test-dgram-close-during-bind.js: the socket never binds).
#[test]
fn close_during_an_explicit_bind_emits_no_listening() {
    let log = Log::default();
    let l = log.clone();
    run(move || {
        let socket = create_socket("udp4").unwrap();
        let l2 = l.clone();
        socket.on_listening(move || l2.push("listening"));
        let l2 = l.clone();
        socket.on_close(move || l2.push("close"));
        let l2 = l.clone();
        socket.bind(()).unwrap().callback(move |r| l2.push(format!("bind: {}", r.unwrap_err().code())));
        socket.close().unwrap();
    })
    .unwrap();
    assert_eq!(log.get(), vec!["bind: ERR_SOCKET_DGRAM_NOT_RUNNING", "close"]);
}

/// Node's dgram.js adds the callback of `bind` as a `listening` listener, of `connect` as a
/// `connect` listener and of `close` as a `close` listener, at the call: they run between the
/// listeners added before and after the call (lib/dgram.js `this.once('listening', cb)`,
/// `this.once('connect', cb)`, `this.on('close', cb)`).
#[test]
fn operation_callbacks_run_in_their_place_among_listeners() {
    let log = Log::default();
    let l = log.clone();
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = rx.local_addr().unwrap().port();
    run(move || {
        let socket = create_socket("udp4").unwrap();
        let push = |l: &Log, s: &'static str| {
            let l = l.clone();
            move || l.push(s)
        };
        socket.on_listening(push(&l, "listening before"));
        let cb = push(&l, "bind callback");
        socket.bind((0, "127.0.0.1")).unwrap().callback(move |r| {
            r.unwrap();
            cb()
        });
        socket.on_listening(push(&l, "listening after"));

        socket.on_connect(push(&l, "connect before"));
        let cb = push(&l, "connect callback");
        socket.connect((port, "127.0.0.1")).unwrap().callback(move |r| {
            r.unwrap();
            cb()
        });
        socket.on_connect(push(&l, "connect after"));

        let l2 = l.clone();
        socket.once_connect_with(move |s| {
            s.on_close(push(&l2, "close before"));
            let cb = push(&l2, "close callback");
            s.close().unwrap().callback(move |r| {
                r.unwrap();
                cb()
            });
            s.on_close(push(&l2, "close after"));
        });
    })
    .unwrap();
    assert_eq!(
        log.get(),
        vec![
            "listening before",
            "bind callback",
            "listening after",
            "connect before",
            "connect callback",
            "connect after",
            "close before",
            "close callback",
            "close after",
        ]
    );
}

/// An awaited operation still resolves (the place among listeners only matters to callbacks),
/// and a failed bind's callback gets the error and is not left among the listeners.
#[tokio::test]
async fn awaited_and_failed_operations_still_end() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let s = create_socket("udp4").unwrap();
    s.on_error(|_| {});
    let e = within("bind", s.bind(BindOptions::new().port(port).address("127.0.0.1").exclusive(true)).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "EADDRINUSE");
    assert_eq!(s.listener_count(node_dgram::Event::Listening), 0);
    within("bind", s.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
    within("close", s.close().unwrap()).await.unwrap();
}

/// test-dgram-bind-fd-error.js, "Throw when the type of fd is not UDP": `ERR_INVALID_FD_TYPE`
/// (`Unsupported fd type: TCP`), and the descriptor is left open (the test closes its TCP
/// handle afterwards), as `BindOptions::fd` documents.
#[tokio::test]
async fn bind_fd_of_another_type_is_refused_and_left_open() {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&tcp);
    let s = create_socket("udp4").unwrap();
    let e = s.bind(BindOptions::new().fd(tcp)).unwrap_err();
    assert_eq!((e.code(), e.message()), ("ERR_INVALID_FD_TYPE", "Unsupported fd type: TCP"));
    assert!(std::fs::read_link(format!("/proc/self/fd/{fd}")).is_ok(), "the refused descriptor is open");
    // As in Node, the refused bind leaves the socket binding: a later bind is refused.
    assert_eq!(s.bind((0, "127.0.0.1")).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
    s.close().unwrap();
}
