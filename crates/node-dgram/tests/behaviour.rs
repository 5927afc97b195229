//! Node's dgram behaviour on real loopback sockets, IPv4 and IPv6, port 0.

mod common;

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use node_dgram::{
    create_socket, create_socket_with_listener, BindOptions, Event, Family, Message, SocketOptions, SocketType,
};
use tokio::sync::{mpsc, oneshot};

#[tokio::test]
async fn create_socket_accepts_every_form() {
    for s in [
        create_socket(SocketType::Udp4).unwrap(),
        create_socket("udp6").unwrap(),
        create_socket(String::from("udp4")).unwrap(),
        create_socket(SocketOptions::new(SocketType::Udp6).reuse_addr(true).ipv6_only(true)).unwrap(),
    ] {
        within("close", s.close().unwrap()).await.unwrap();
    }
    assert_eq!(create_socket("udp5").unwrap_err().code(), "ERR_SOCKET_BAD_TYPE");
}

#[tokio::test]
async fn create_socket_with_a_message_listener() {
    for ty in BOTH {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let s = create_socket_with_listener(ty, move |_, m, r| {
            let _ = tx.send((m.to_vec(), r.clone()));
        })
        .unwrap();
        within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        let port = s.address().unwrap().port;
        let c = create_socket(ty).unwrap();
        within("send", c.send_to("hi", port).unwrap()).await.unwrap();
        let (m, r) = within("message", rx.recv()).await.unwrap();
        assert_eq!(m, b"hi");
        assert_eq!(r.address, loopback(ty));
        assert_eq!(r.family, ty.family());
        assert_eq!(r.port, c.address().unwrap().port);
        assert_eq!(r.size, 2);
        s.close().unwrap();
        c.close().unwrap();
    }
}

#[tokio::test]
async fn bind_forms_and_defaults() {
    for ty in BOTH {
        // No port, no address: a free port on all interfaces.
        let s = create_socket(ty).unwrap();
        within("bind", s.bind(()).unwrap()).await.unwrap();
        let a = s.address().unwrap();
        assert_eq!(a.address, ty.family().any());
        assert_eq!(a.family, ty.family());
        assert!(a.port > 0);
        s.close().unwrap();

        // Port 0 and an address.
        let s = create_socket(ty).unwrap();
        within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        assert_eq!(s.address().unwrap().address, loopback(ty));
        let port = s.address().unwrap().port;
        s.close().unwrap();

        // A given port (just freed), through the options form, with a callback.
        let s = create_socket(ty).unwrap();
        let (tx, rx) = oneshot::channel();
        s.bind(BindOptions::new().port(port).address(loopback(ty).to_string()).exclusive(true)).unwrap().callback(
            move |r| {
                let _ = tx.send(r);
            },
        );
        within("bind callback", rx).await.unwrap().unwrap();
        assert_eq!(s.address().unwrap().port, port);
        s.close().unwrap();

        // A port number given as a string, as Node accepts.
        let s = create_socket(ty).unwrap();
        within("bind", s.bind(port.to_string()).unwrap()).await.unwrap();
        assert_eq!(s.address().unwrap().port, port);
        s.close().unwrap();
    }
}

#[tokio::test]
async fn bind_resolves_host_names_with_the_socket_family() {
    for ty in BOTH {
        let (opts, calls) = fake_dns(ty);
        let s = create_socket(opts).unwrap();
        within("bind", s.bind((0, "server.test")).unwrap()).await.unwrap();
        assert_eq!(s.address().unwrap().address, loopback(ty));
        assert_eq!(calls.lock().unwrap().clone(), vec![("server.test".to_string(), ty.family())]);
        s.close().unwrap();
    }
    // The system resolver: "localhost" is a real name.
    let s = create_socket("udp4").unwrap();
    within("bind", s.bind((0, "localhost")).unwrap()).await.unwrap();
    assert_eq!(s.address().unwrap().address.to_string(), "127.0.0.1");
    s.close().unwrap();
}

#[tokio::test]
async fn listening_fires_once_then_bind_callback_and_messages_follow() {
    let s = create_socket("udp4").unwrap();
    let log = record(&s);
    let l = log.clone();
    s.bind((0, "127.0.0.1")).unwrap().callback(move |r| l.push(format!("bind-callback:{}", r.is_ok())));
    // Nothing is delivered synchronously.
    assert!(log.get().is_empty());
    assert_eq!(s.address().unwrap_err().code(), "EBADF");
    within("listening", async {
        while log.get().len() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let c = create_socket("udp4").unwrap();
    within("send", c.send_to("one", s.address().unwrap().port).unwrap()).await.unwrap();
    within("message", async {
        while log.get().len() < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    within("close", s.close().unwrap()).await.unwrap();
    assert_eq!(log.get(), vec!["listening", "bind-callback:true", "message:one", "close"]);
    c.close().unwrap();
}

#[tokio::test]
async fn once_and_off_listeners() {
    let (s, port, _rx) = receiver(SocketType::Udp4).await;
    let once = Arc::new(AtomicUsize::new(0));
    let always = Arc::new(AtomicUsize::new(0));
    let removed = Arc::new(AtomicUsize::new(0));
    let o = once.clone();
    s.once_message(move |_, _| {
        o.fetch_add(1, Ordering::SeqCst);
    });
    let a = always.clone();
    s.on_message(move |_, _| {
        a.fetch_add(1, Ordering::SeqCst);
    });
    let r = removed.clone();
    let id = s.on_message(move |_, _| {
        r.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(s.listener_count(Event::Message), 4);
    assert!(s.off(id));
    assert!(!s.off(id));
    let c = create_socket("udp4").unwrap();
    for _ in 0..3 {
        within("send", c.send_to("x", port).unwrap()).await.unwrap();
    }
    within("messages", async {
        while always.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(once.load(Ordering::SeqCst), 1);
    assert_eq!(removed.load(Ordering::SeqCst), 0);
    assert_eq!(s.listener_count(Event::Message), 2);
    s.remove_all_listeners(Some(Event::Message));
    assert_eq!(s.listener_count(Event::Message), 0);
    s.close().unwrap();
    c.close().unwrap();
}

/// Listeners added or removed by a `message` listener, while one read's datagrams are being
/// delivered: each emit works on the list as it is when that emit begins (Node's EventEmitter).
#[tokio::test]
async fn listeners_changed_during_a_read_apply_from_the_next_datagram() {
    let s = create_socket("udp4").unwrap();
    within("bind", s.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
    let port = s.address().unwrap().port;
    let log = Arc::new(Mutex::new(Vec::<(char, u8)>::new()));
    let b_id = Arc::new(Mutex::new(None));
    let (l, b) = (log.clone(), b_id.clone());
    s.on_message_with(move |s, m, _| {
        let i = m[0];
        l.lock().unwrap().push(('A', i));
        if i == 1 {
            let l2 = l.clone();
            *b.lock().unwrap() = Some(s.on_message(move |m, _| l2.lock().unwrap().push(('B', m[0]))));
            let l3 = l.clone();
            s.once_message(move |m, _| l3.lock().unwrap().push(('C', m[0])));
        }
        if i == 3 {
            assert!(s.off(b.lock().unwrap().take().unwrap()));
        }
    });
    // Sent before the socket's task runs again, so that reads find several waiting.
    let c = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for i in 0..16u8 {
        c.send_to(&[i], ("127.0.0.1", port)).unwrap();
    }
    within("messages", async {
        while !log.lock().unwrap().contains(&('A', 15)) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let mut want = vec![('A', 0), ('A', 1), ('A', 2), ('B', 2), ('C', 2), ('A', 3), ('B', 3)];
    want.extend((4..16).map(|i| ('A', i)));
    assert_eq!(*log.lock().unwrap(), want);
    assert_eq!(s.listener_count(Event::Message), 1);
    s.close().unwrap();
}

#[tokio::test]
async fn every_message_form_arrives_intact() {
    for ty in BOTH {
        let (s, port, mut rx) = receiver(ty).await;
        let c = create_socket(ty).unwrap();
        let sends: Vec<(Message, &[u8])> = vec![
            (Message::from(&b"bytes"[..]), b"bytes"),
            (Message::from(vec![1u8, 2, 3]), &[1, 2, 3]),
            (Message::from("héllo"), "héllo".as_bytes()),
            (Message::from(String::from("owned")), b"owned"),
            (Message::from(Bytes::from_static(b"static")), b"static"),
            (Message::from(vec!["Some ", "bytes"]), b"Some bytes"),
            (Message::from(vec![Bytes::from_static(b"a"), Bytes::new(), Bytes::from_static(b"bc")]), b"abc"),
            (Message::from(""), b""),
            (Message::from(Vec::<Bytes>::new()), b""),
            (Message::from("hello").range(1, 3).unwrap(), b"ell"),
            (Message::from("héllo").range(1, 2).unwrap(), "é".as_bytes()),
        ];
        for (m, want) in sends {
            let len = m.len();
            let sent = within("send", c.send_to(m, port).unwrap()).await.unwrap();
            assert_eq!(sent, len);
            let got = within("message", rx.recv()).await.unwrap();
            assert_eq!(got.msg, want);
            assert_eq!(got.rinfo.size, want.len());
        }
        // Many buffers: one datagram of all of them.
        let parts: Vec<Bytes> = (0..20).map(|i| Bytes::from(vec![i as u8; 3])).collect();
        within("send", c.send_to(parts, (port, &loopback(ty).to_string())).unwrap()).await.unwrap();
        let got = within("message", rx.recv()).await.unwrap();
        assert_eq!(got.msg.len(), 60);
        assert_eq!(got.msg[59], 19);
        s.close().unwrap();
        c.close().unwrap();
    }
}

#[tokio::test]
async fn large_datagrams_up_to_the_limit() {
    let (s, port, mut rx) = receiver(SocketType::Udp4).await;
    let c = create_socket("udp4").unwrap();
    let big = vec![7u8; 65507];
    assert_eq!(within("send", c.send_to(big.clone(), port).unwrap()).await.unwrap(), 65507);
    let got = within("message", rx.recv()).await.unwrap();
    assert_eq!(got.msg, big);
    let e = within("send", c.send_to(vec![0u8; 65508], (port, "127.0.0.1")).unwrap()).await.unwrap_err();
    assert_eq!(e.code(), "EMSGSIZE");
    assert_eq!(e.message(), format!("send EMSGSIZE 127.0.0.1:{port}"));
    s.close().unwrap();
    c.close().unwrap();
}

#[tokio::test]
async fn implicit_bind_and_sends_queued_before_it_go_out_in_order() {
    for ty in BOTH {
        let (s, port, mut rx) = receiver(ty).await;
        let c = create_socket(ty).unwrap();
        let log = record(&c);
        let mut ops = Vec::new();
        for i in 0..200 {
            ops.push(c.send_to(format!("{i}"), port).unwrap());
        }
        // All queued behind the implicit bind.
        assert_eq!(c.get_send_queue_count(), 200);
        assert!(c.get_send_queue_size() > 200);
        assert_eq!(c.address().unwrap_err().code(), "EBADF");
        for op in ops {
            within("send", op).await.unwrap();
        }
        assert_eq!(c.get_send_queue_count(), 0);
        assert_eq!(c.get_send_queue_size(), 0);
        for i in 0..200 {
            let got = within("message", rx.recv()).await.unwrap();
            assert_eq!(got.msg, format!("{i}").as_bytes());
        }
        // The implicit bind: all interfaces, a random port, and `listening`.
        let a = c.address().unwrap();
        assert_eq!(a.address, ty.family().any());
        assert_eq!(log.get(), vec!["listening"]);
        assert_eq!(c.bind(0).unwrap_err().code(), "ERR_SOCKET_ALREADY_BOUND");
        s.close().unwrap();
        c.close().unwrap();
    }
}

#[tokio::test]
async fn host_names_are_resolved_for_each_send() {
    for ty in BOTH {
        let (s, port, mut rx) = receiver(ty).await;
        let (opts, calls) = fake_dns(ty);
        let c = create_socket(opts).unwrap();
        within("send", c.send_to("a", (port, "peer.test")).unwrap()).await.unwrap();
        within("send", c.send_to("b", (port, "peer.test")).unwrap()).await.unwrap();
        // As Node calls a custom `lookup`: IP literals, the default and the implicit bind's
        // address reach it too.
        within("send", c.send_to("c", (port, &loopback(ty).to_string())).unwrap()).await.unwrap();
        within("send", c.send_to("d", port).unwrap()).await.unwrap();
        for want in ["a", "b", "c", "d"] {
            assert_eq!(within("message", rx.recv()).await.unwrap().msg, want.as_bytes());
        }
        let lo = loopback(ty).to_string();
        let any = ty.family().any().to_string();
        let hosts: Vec<String> = calls.lock().unwrap().iter().map(|(h, _)| h.clone()).collect();
        assert_eq!(hosts, [any.as_str(), "peer.test", "peer.test", &lo, &lo]);
        assert!(calls.lock().unwrap().iter().all(|(_, f)| *f == ty.family()));
        s.close().unwrap();
        c.close().unwrap();
    }
}

#[tokio::test]
async fn lookup_failures_go_to_the_op_or_to_error() {
    let (opts, _) = fake_dns(SocketType::Udp4);
    let c = create_socket(opts).unwrap();
    let log = record(&c);
    let e = within("send", c.send_to("x", (9, "nowhere.invalid")).unwrap()).await.unwrap_err();
    assert_eq!(e.code(), "ENOTFOUND");
    assert_eq!(e.message(), "getaddrinfo ENOTFOUND nowhere.invalid");
    assert_eq!(e.syscall(), Some("getaddrinfo"));
    assert_eq!(e.hostname(), Some("nowhere.invalid"));
    // Without anyone awaiting: the `error` event.
    drop(c.send_to("x", (9, "nowhere.invalid")).unwrap());
    within("error event", async {
        while !log.get().iter().any(|l| l.starts_with("error:")) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(log.get(), vec!["listening", "error:ENOTFOUND:getaddrinfo ENOTFOUND nowhere.invalid"]);
    // The socket still works.
    let (s, port, mut rx) = receiver(SocketType::Udp4).await;
    within("send", c.send_to("ok", port).unwrap()).await.unwrap();
    assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"ok");
    s.close().unwrap();
    c.close().unwrap();
}

#[tokio::test]
async fn send_errors_without_a_callback_are_emitted() {
    let c = create_socket("udp4").unwrap();
    let log = record(&c);
    drop(c.send_to(vec![0u8; 70000], (12345, "127.0.0.1")).unwrap());
    within("error event", async {
        while !log.get().iter().any(|l| l.starts_with("error:")) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(log.get(), vec!["listening", "error:EMSGSIZE:send EMSGSIZE 127.0.0.1:12345"]);
    c.close().unwrap();
}

#[tokio::test]
async fn connect_send_receive_and_disconnect() {
    for ty in BOTH {
        let (s, port, mut rx) = receiver(ty).await;
        let c = create_socket(ty).unwrap();
        let log = record(&c);
        let (tx, rx_cb) = oneshot::channel();
        c.connect(port).unwrap().callback(move |r| {
            let _ = tx.send(r);
        });
        // Sent while connecting: goes out after `connect`.
        let early = c.send("early").unwrap();
        within("connect", rx_cb).await.unwrap().unwrap();
        assert_eq!(within("send", early).await.unwrap(), 5);
        let remote = c.remote_address().unwrap();
        assert_eq!((remote.address, remote.port, remote.family), (loopback(ty), port, ty.family()));
        assert_eq!(log.get(), vec!["listening", "connect"]);
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"early");

        // Connected: send without address; an address is refused.
        within("send", c.send(vec!["con", "nected"]).unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"connected");
        assert_eq!(c.send_to("x", port).unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
        assert_eq!(c.connect(port).unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");

        // Only the peer's datagrams arrive.
        let my_port = c.address().unwrap().port;
        let (got_tx, mut got_rx) = mpsc::unbounded_channel();
        c.on_message(move |m, r| {
            let _ = got_tx.send((m.to_vec(), r.port));
        });
        let stranger = create_socket(ty).unwrap();
        within("send", stranger.send_to("stranger", my_port).unwrap()).await.unwrap();
        within("send", s.send_to("peer", my_port).unwrap()).await.unwrap();
        let (m, from) = within("peer message", got_rx.recv()).await.unwrap();
        assert_eq!((m.as_slice(), from), (&b"peer"[..], port));

        c.disconnect().unwrap();
        assert_eq!(c.disconnect().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
        assert_eq!(c.remote_address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
        assert_eq!(c.send("x").unwrap_err().code(), "ERR_SOCKET_BAD_PORT");
        // As in Node (it is the kernel's doing), dissolving the association of a socket bound
        // to port 0 releases its port: address() shows port 0 until the next send binds one.
        let a = c.address().unwrap();
        assert_eq!((a.address, a.port), (ty.family().any(), 0));
        within("send", c.send_to("after", port).unwrap()).await.unwrap();
        assert_ne!(c.address().unwrap().port, 0);
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"after");
        for x in [s, c, stranger] {
            x.close().unwrap();
        }
    }
}

#[tokio::test]
async fn connect_resolves_names_and_reports_failures() {
    let (s, port, mut rx) = receiver(SocketType::Udp6).await;
    let (opts, calls) = fake_dns(SocketType::Udp6);
    let c = create_socket(opts).unwrap();
    within("connect", c.connect((port, "peer.test")).unwrap()).await.unwrap();
    within("send", c.send("via name").unwrap()).await.unwrap();
    assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"via name");
    // The implicit bind asks the resolver for `::` first, as Node's does.
    assert_eq!(
        calls.lock().unwrap().clone(),
        vec![("::".to_string(), Family::IPv6), ("peer.test".to_string(), Family::IPv6)]
    );
    s.close().unwrap();
    c.close().unwrap();

    // A failing lookup: to the Op, the socket stays unconnected and usable.
    let (opts, _) = fake_dns(SocketType::Udp4);
    let c = create_socket(opts).unwrap();
    let log = record(&c);
    let e = within("connect", c.connect((5000, "nowhere.invalid")).unwrap()).await.unwrap_err();
    assert_eq!(e.code(), "ENOTFOUND");
    assert_eq!(c.remote_address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
    // Without anyone awaiting: `error`.
    drop(c.connect((5000, "nowhere.invalid")).unwrap());
    within("error event", async {
        while !log.get().iter().any(|l| l.starts_with("error:")) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(log.get().contains(&"error:ENOTFOUND:getaddrinfo ENOTFOUND nowhere.invalid".to_string()));
    c.close().unwrap();
}

#[tokio::test]
async fn icmp_port_unreachable_on_a_connected_socket() {
    for ty in BOTH {
        // A port with nobody on it: bind, note, close.
        let probe = create_socket(ty).unwrap();
        within("bind", probe.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        let dead = probe.address().unwrap().port;
        probe.close().unwrap();

        let c = create_socket(ty).unwrap();
        let (tx, mut errs) = mpsc::unbounded_channel();
        c.on_error(move |e| {
            let _ = tx.send(e.clone());
        });
        within("connect", c.connect(dead).unwrap()).await.unwrap();
        within("send", c.send("anyone?").unwrap()).await.unwrap();
        let e = within("ECONNREFUSED", errs.recv()).await.unwrap();
        assert_eq!(e.code(), "ECONNREFUSED");
        assert_eq!(e.message(), "recvmsg ECONNREFUSED");
        assert_eq!(e.errno(), Some(-111));
        assert_eq!(e.syscall(), Some("recvmsg"));
        c.close().unwrap();
    }
}

#[tokio::test]
async fn close_fires_once_and_ends_everything_pending() {
    // Close with sends queued behind a lookup that will not finish in time.
    let opts = SocketOptions::new(SocketType::Udp4).lookup(|h: String, _f: Family| async move {
        if let Some((ip, _)) = node_dgram::parse_ip(&h) {
            return Ok(ip);
        }
        tokio::time::sleep(Duration::from_secs(3600)).await;
        Ok::<IpAddr, node_dgram::Error>(IpAddr::from([127, 0, 0, 1]))
    });
    let c = create_socket(opts).unwrap();
    let log = record(&c);
    let bind = c.bind((0, "slow.test")).unwrap();
    let send = c.send_to("x", 9).unwrap();
    let closed = c.close().unwrap();
    assert_eq!(c.close().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    assert_eq!(within("bind", bind).await.unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    let e = within("send", send).await.unwrap_err();
    assert_eq!((e.code(), e.message()), ("ECANCELED", "send ECANCELED undefined:9"));
    within("close", closed).await.unwrap();
    // Closing during the lookup ends quietly: no listening, no error; close once.
    assert_eq!(log.get(), vec!["close"]);
    for r in [
        c.bind(0).map(|_| ()),
        c.send_to("x", 9).map(|_| ()),
        c.connect(9).map(|_| ()),
        c.address().map(|_| ()),
        c.remote_address().map(|_| ()),
        c.set_broadcast(true),
    ] {
        assert_eq!(r.unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    }
    assert_eq!(c.disconnect().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
    c.ref_().unref();
}

#[tokio::test]
async fn close_frees_the_port_at_once_and_async_dispose_waits() {
    for ty in BOTH {
        let (s, port, _rx) = receiver(ty).await;
        let addr = loopback(ty).to_string();
        s.close().unwrap();
        let again = create_socket(ty).unwrap();
        within("rebind", again.bind((port, addr.as_str())).unwrap()).await.unwrap();
        let closed = Arc::new(AtomicUsize::new(0));
        let c = closed.clone();
        again.on_close(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        within("dispose", again.async_dispose()).await.unwrap();
        assert_eq!(closed.load(Ordering::SeqCst), 1);
        // Disposing twice is harmless, as in Node.
        within("dispose", again.async_dispose()).await.unwrap();
        assert_eq!(closed.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_message_after_close_returns() {
    let s = create_socket("udp4").unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let after_close = Arc::new(AtomicUsize::new(0));
    let closed_flag = Arc::new(Mutex::new(false));
    let (c2, n, ac, flag) = (s.clone(), count.clone(), after_close.clone(), closed_flag.clone());
    s.on_message(move |_, _| {
        if *flag.lock().unwrap() {
            ac.fetch_add(1, Ordering::SeqCst);
        }
        if n.fetch_add(1, Ordering::SeqCst) == 0 {
            // Close from inside the first message of a burst: the rest are never delivered.
            let _ = c2.close();
            *flag.lock().unwrap() = true;
        }
    });
    within("bind", s.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
    let port = s.address().unwrap().port;
    // Fill the socket's buffer before the loop reads it.
    let raw = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..100 {
        raw.send_to(b"x", ("127.0.0.1", port)).unwrap();
    }
    within("close", async {
        while s.address().is_ok() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert_eq!(after_close.load(Ordering::SeqCst), 0);

    // From another thread while a flood is being delivered.
    let (s, port, _rx) = receiver(SocketType::Udp4).await;
    let delivered = Arc::new(AtomicUsize::new(0));
    let d = delivered.clone();
    s.on_message(move |_, _| {
        d.fetch_add(1, Ordering::SeqCst);
    });
    let flood = std::thread::spawn(move || {
        let raw = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..20000 {
            let _ = raw.send_to(b"flood", ("127.0.0.1", port));
        }
    });
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.close().unwrap();
    let at_close = delivered.load(Ordering::SeqCst);
    flood.join().unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(delivered.load(Ordering::SeqCst), at_close);
}

#[tokio::test]
async fn bind_failure_emits_error_with_node_message() {
    let (s, port, _rx) = receiver(SocketType::Udp4).await;
    let c = create_socket("udp4").unwrap();
    let log = record(&c);
    let e = within("bind", c.bind((port, "127.0.0.1")).unwrap()).await.unwrap_err();
    assert_eq!(e.code(), "EADDRINUSE");
    assert_eq!(e.message(), format!("bind EADDRINUSE 127.0.0.1:{port}"));
    assert_eq!(
        (e.errno(), e.syscall(), e.address(), e.port()),
        (Some(-98), Some("bind"), Some("127.0.0.1"), Some(port))
    );
    within("error event", async {
        while log.get().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(log.get(), vec![format!("error:EADDRINUSE:bind EADDRINUSE 127.0.0.1:{port}")]);
    // The socket is unbound again and can bind elsewhere.
    within("bind", c.bind(0).unwrap()).await.unwrap();
    s.close().unwrap();
    c.close().unwrap();
}

#[tokio::test]
async fn a_burst_is_received_whole() {
    for ty in BOTH {
        let s = create_socket(SocketOptions::new(ty).recv_buffer_size(4 << 20)).unwrap();
        let n = Arc::new(AtomicUsize::new(0));
        let bytes = Arc::new(AtomicUsize::new(0));
        let (n2, b2) = (n.clone(), bytes.clone());
        s.on_message(move |m, r| {
            assert_eq!(m.len(), r.size);
            n2.fetch_add(1, Ordering::SeqCst);
            b2.fetch_add(m.len(), Ordering::SeqCst);
        });
        within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        let port = s.address().unwrap().port;
        let c = create_socket(ty).unwrap();
        let mut ops = Vec::new();
        for i in 0..2000usize {
            ops.push(c.send_to(vec![(i % 251) as u8; i % 1500], port).unwrap());
        }
        for op in ops {
            within("send", op).await.unwrap();
        }
        within("burst", async {
            while n.load(Ordering::SeqCst) < 2000 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert_eq!(bytes.load(Ordering::SeqCst), (0..2000usize).map(|i| i % 1500).sum::<usize>());
        s.close().unwrap();
        c.close().unwrap();
    }
}

#[test]
fn run_returns_when_nothing_referenced_remains() {
    // A server that closes itself after one datagram: run() returns after `close`.
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    node_dgram::run(move || {
        let server = create_socket("udp4").unwrap();
        let s = server.clone();
        server.on_message(move |m, _| {
            g.lock().unwrap().push(m.to_vec());
            let _ = s.close();
        });
        let s = server.clone();
        server.on_listening(move || {
            let port = s.address().unwrap().port;
            let client = create_socket("udp4").unwrap();
            let c = client.clone();
            client.send_to("bye", port).unwrap().callback(move |_| {
                let _ = c.close();
            });
        });
        server.bind((0, "127.0.0.1")).unwrap();
    })
    .unwrap();
    assert_eq!(got.lock().unwrap().clone(), vec![b"bye".to_vec()]);
}

#[test]
fn unref_lets_run_return_and_ref_holds_it_again() {
    // unref before bind: run() returns though the socket stays open and bound.
    let s = node_dgram::run(|| {
        let s = create_socket("udp4").unwrap();
        s.unref();
        s.bind((0, "127.0.0.1")).unwrap();
        s
    })
    .unwrap();
    // The bind completed before run returned (a pending operation holds the loop).
    assert!(s.address().is_ok());

    // unref after bind, then ref again from a timer: run() waits for the close.
    let closed = Arc::new(AtomicUsize::new(0));
    let c = closed.clone();
    node_dgram::run(move || {
        let s = create_socket("udp4").unwrap();
        let s2 = s.clone();
        s.on_listening(move || {
            s2.unref();
            s2.ref_();
            let s3 = s2.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let _ = s3.close();
            });
        });
        s.on_close(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        s.bind(0).unwrap();
    })
    .unwrap();
    assert_eq!(closed.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn scope_waits_for_sockets_created_inside() {
    let got = Arc::new(AtomicUsize::new(0));
    let g = got.clone();
    node_dgram::scope(async move {
        let (s, port, _rx) = receiver(SocketType::Udp6).await;
        let s2 = s.clone();
        s.on_message(move |_, _| {
            g.fetch_add(1, Ordering::SeqCst);
            let _ = s2.close();
        });
        let c = create_socket("udp6").unwrap();
        let c2 = c.clone();
        c.send_to("x", port).unwrap().callback(move |_| {
            let _ = c2.close();
        });
    })
    .await;
    assert_eq!(got.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn cancellation_token_closes_the_socket() {
    let token = node_dgram::CancellationToken::new();
    let s = create_socket(SocketOptions::new(SocketType::Udp4).signal(token.clone())).unwrap();
    let log = record(&s);
    within("bind", s.bind(0).unwrap()).await.unwrap();
    token.cancel();
    within("close", async {
        while !log.get().contains(&"close".to_string()) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(log.get(), vec!["listening", "close"]);
    assert_eq!(s.close().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");

    // Cancelled while bound: closed at once (Node closes inside abort()); `close` follows.
    let token = node_dgram::CancellationToken::new();
    let s = create_socket(SocketOptions::new(SocketType::Udp4).signal(token.clone())).unwrap();
    within("bind", s.bind(0).unwrap()).await.unwrap();
    token.cancel();
    assert_eq!(s.address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    assert_eq!(s.bind(0).unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");

    // Already cancelled at creation: closed at once, `close` emitted asynchronously.
    let token = node_dgram::CancellationToken::new();
    token.cancel();
    let s = create_socket(SocketOptions::new(SocketType::Udp4).signal(token)).unwrap();
    let log = record(&s);
    assert_eq!(s.address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    assert!(log.get().is_empty());
    within("close", async {
        while !log.get().contains(&"close".to_string()) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(log.get(), vec!["close"]);
}

#[tokio::test]
async fn a_panicking_listener_does_not_break_the_socket() {
    let (s, port, mut rx) = receiver(SocketType::Udp4).await;
    let first = Arc::new(AtomicUsize::new(0));
    let f = first.clone();
    s.on_message(move |_, _| {
        if f.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("listener bug");
        }
    });
    let c = create_socket("udp4").unwrap();
    c.send_to("a", port).unwrap().callback(|_| panic!("callback bug"));
    within("send", c.send_to("b", port).unwrap()).await.unwrap();
    // Both datagrams reach the other listener; the socket keeps working and closes normally.
    assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"a");
    assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"b");
    assert_eq!(first.load(Ordering::SeqCst), 2);
    within("close", s.close().unwrap()).await.unwrap();
    within("close", c.close().unwrap()).await.unwrap();
}

/// Sends `sizes` all at once (queued together behind the implicit bind, so the send path
/// batches them) and returns what a receiver saw, in order.
async fn batched_exchange(ty: SocketType, send: SocketOptions, recv: SocketOptions, sizes: &[usize]) -> Vec<Vec<u8>> {
    let r = create_socket(recv).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    r.on_message(move |m, info| {
        assert_eq!(m.len(), info.size);
        let _ = tx.send(m.to_vec());
    });
    within("bind", r.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
    let port = r.address().unwrap().port;
    let c = create_socket(send).unwrap();
    let ops: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, n)| c.send_to(vec![(i % 250) as u8; *n], (port, &loopback(ty).to_string())).unwrap())
        .collect();
    for (op, n) in ops.into_iter().zip(sizes) {
        assert_eq!(within("send", op).await.unwrap(), *n);
    }
    let mut got = Vec::new();
    for _ in sizes {
        got.push(within("message", rx.recv()).await.unwrap());
    }
    r.close().unwrap();
    c.close().unwrap();
    got
}

#[tokio::test]
async fn gso_and_gro_deliver_exactly_the_datagrams_sent() {
    for ty in BOTH {
        // Equal sizes with a shorter last one: one GSO send; GRO hands them over coalesced.
        let mut sizes = vec![1200; 40];
        sizes.push(100);
        sizes.extend([64; 30]);
        sizes.extend([0, 5, 8192, 8192, 3]);
        // (gro: off, required, and as by default: asked for.)
        for gso in [false, true] {
            for gro in [Some(false), Some(true), None] {
                let rx = match gro {
                    Some(on) => SocketOptions::new(ty).gro(on),
                    None => SocketOptions::new(ty),
                };
                let got = batched_exchange(ty, SocketOptions::new(ty).gso(gso), rx, &sizes).await;
                let want: Vec<Vec<u8>> = sizes.iter().enumerate().map(|(i, n)| vec![(i % 250) as u8; *n]).collect();
                assert_eq!(got, want, "gso={gso} gro={gro:?} {ty:?}");
            }
        }
    }
}

#[tokio::test]
async fn cancellation_during_bind_and_after_close() {
    // During a bind (its lookup still running): closed at once, quietly; the bind ends.
    let token = node_dgram::CancellationToken::new();
    let opts = SocketOptions::new(SocketType::Udp4).signal(token.clone()).lookup(|h: String, _f: Family| async move {
        if let Some((ip, _)) = node_dgram::parse_ip(&h) {
            return Ok(ip);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok::<IpAddr, node_dgram::Error>(IpAddr::from([127, 0, 0, 1]))
    });
    let s = create_socket(opts).unwrap();
    let log = record(&s);
    let bind = s.bind((0, "slow.test")).unwrap();
    token.cancel();
    assert_eq!(within("bind", bind).await.unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(log.get(), vec!["close"]);

    // After close: cancelling does nothing more.
    let token = node_dgram::CancellationToken::new();
    let s = create_socket(SocketOptions::new(SocketType::Udp4).signal(token.clone())).unwrap();
    let log = record(&s);
    within("bind", s.bind(0).unwrap()).await.unwrap();
    within("close", s.close().unwrap()).await.unwrap();
    token.cancel();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(log.get(), vec!["listening", "close"]);
    assert_eq!(s.close().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
}
