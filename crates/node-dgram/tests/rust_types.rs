//! Addresses as `std::net` types, the message stream as a `futures_core::Stream`, and listeners
//! that act on their socket (issue 18, items 3 and 4). Every datagram goes to loopback.

mod common;

use std::future::poll_fn;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use common::*;
use futures_core::Stream;
use node_dgram::{
    create_socket, create_socket_with_listener, AddressInfo, Error, Event, Family, RemoteInfo, SocketOptions,
    SocketType,
};

#[tokio::test]
async fn bind_takes_std_addresses_and_address_text() {
    // `bind("127.0.0.1:0")` binds there (it used to be read as a port).
    let s = create_socket("udp4").unwrap();
    within("bind", s.bind("127.0.0.1:0").unwrap()).await.unwrap();
    let a = s.address().unwrap();
    assert_eq!(a.address, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_ne!(a.port, 0);
    s.close().unwrap();

    let s = create_socket("udp6").unwrap();
    within("bind", s.bind("[::1]:0").unwrap()).await.unwrap();
    assert_eq!(s.address().unwrap().address, IpAddr::V6(Ipv6Addr::LOCALHOST));
    s.close().unwrap();

    for (ty, addr) in [
        (SocketType::Udp4, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
        (SocketType::Udp6, SocketAddr::from((Ipv6Addr::LOCALHOST, 0))),
    ] {
        let s = create_socket(ty).unwrap();
        within("bind", s.bind(addr).unwrap()).await.unwrap();
        assert_eq!(s.address().unwrap().address, addr.ip());
        s.close().unwrap();
    }
    let s = create_socket("udp4").unwrap();
    within("bind", s.bind((Ipv4Addr::LOCALHOST, 0)).unwrap()).await.unwrap();
    s.close().unwrap();
    let s = create_socket("udp4").unwrap();
    within("bind", s.bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).unwrap()).await.unwrap();
    s.close().unwrap();

    // A host name with its port goes to the resolver, as `bind(port, host)` does.
    let s = create_socket("udp4").unwrap();
    within("bind", s.bind("localhost:0").unwrap()).await.unwrap();
    assert_ne!(s.address().unwrap().port, 0);
    s.close().unwrap();

    // A port as text still works as in Node; anything else is a bad port.
    let s = create_socket("udp4").unwrap();
    assert_eq!(s.bind("not an address").unwrap_err().code(), "ERR_SOCKET_BAD_PORT");
    assert_eq!(s.bind("localhost:x").unwrap_err().code(), "ERR_SOCKET_BAD_PORT");
    s.close().unwrap();
}

#[tokio::test]
async fn address_and_remote_info_convert_to_socket_addr() {
    for ty in BOTH {
        let (server, _port, mut rx) = receiver(ty).await;
        let to: SocketAddr = server.address().unwrap().into();
        assert_eq!(to.ip(), loopback(ty));
        let c = create_socket(ty).unwrap();
        within("send", c.send_to("hi", to).unwrap()).await.unwrap();
        let got = within("message", rx.recv()).await.unwrap();
        let from = SocketAddr::from(&got.rinfo);
        assert_eq!(got.rinfo.socket_addr(), from);
        // What a listener gets is what `RemoteInfo::new` builds (the struct is non-exhaustive).
        assert_eq!(got.rinfo, RemoteInfo::new(from, 2));
        assert_eq!(server.address().unwrap().socket_addr(), to);
        assert_eq!((from.ip(), from.port()), (loopback(ty), c.address().unwrap().port));
        assert_eq!(AddressInfo::from(from).family, ty.family());
        server.close().unwrap();
        c.close().unwrap();
    }
}

/// Socket options whose resolver records every host it is asked for and answers the family's
/// loopback address for all of them (`nx.test`: ENOTFOUND), so that every datagram of these
/// tests goes to loopback whatever the form says.
fn recording(ty: SocketType) -> (SocketOptions, Arc<Mutex<Vec<String>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let a = asked.clone();
    let opts = SocketOptions::new(ty).lookup(move |host: String, family: Family| {
        a.lock().unwrap().push(host.clone());
        async move {
            match host.as_str() {
                "nx.test" => Err(Error::lookup("ENOTFOUND", &host)),
                _ => Ok(family.loopback()),
            }
        }
    });
    (opts, asked)
}

fn take(asked: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *asked.lock().unwrap())
}

/// `send_to` takes every form of [`node_dgram::Destination`] through one method; the address in
/// each goes to the socket's lookup as Node's `address` argument does (a custom lookup sees
/// IP literals too, and the family's loopback when there is none), and the datagram arrives.
#[tokio::test]
async fn send_to_takes_every_destination_form_through_the_lookup() {
    let (server, port, mut rx) = receiver(SocketType::Udp4).await;
    let (opts, asked) = recording(SocketType::Udp4);
    let c = create_socket(opts).unwrap();
    // The implicit bind asks for `0.0.0.0`, as Node's does.
    within("bind", c.bind(()).unwrap()).await.unwrap();
    assert_eq!(take(&asked), ["0.0.0.0"]);
    let to = server.address().unwrap();
    let text = format!("127.0.0.1:{port}");
    let name = format!("peer.test:{port}");
    let port_text = port.to_string();
    let mut sent = Vec::new();
    macro_rules! form {
        ($label:expr, $dest:expr, $host:expr) => {{
            within($label, c.send_to($label, $dest).unwrap()).await.unwrap();
            let got = within("message", rx.recv()).await.unwrap();
            assert_eq!(got.msg, $label.as_bytes(), "{}", $label);
            assert_eq!(take(&asked), [$host], "{}", $label);
            sent.push($label);
        }};
    }
    form!("SocketAddr", SocketAddr::from(&to), "127.0.0.1");
    form!("&SocketAddr", &SocketAddr::from(&to), "127.0.0.1");
    form!("SocketAddrV4", SocketAddrV4::new(Ipv4Addr::LOCALHOST, port), "127.0.0.1");
    form!("(IpAddr, u16)", (IpAddr::V4(Ipv4Addr::LOCALHOST), port), "127.0.0.1");
    form!("(Ipv4Addr, u16)", (Ipv4Addr::LOCALHOST, port), "127.0.0.1");
    form!("&AddressInfo", &to, "127.0.0.1");
    form!("AddressInfo", to.clone(), "127.0.0.1");
    form!("&str ip:port", text.as_str(), "127.0.0.1");
    form!("String ip:port", text.clone(), "127.0.0.1");
    form!("&String ip:port", &text, "127.0.0.1");
    form!("&str host:port", name.as_str(), "peer.test");
    form!("(host, u16)", ("peer.test", port), "peer.test");
    form!("(String, u16)", ("peer.test".to_string(), port), "peer.test");
    form!("Node order (u16, &str)", (port, "peer.test"), "peer.test");
    form!("Node order (i32, String)", (i32::from(port), "127.0.0.1".to_string()), "127.0.0.1");
    form!("Node order (f64, &String)", (f64::from(port), &"peer.test".to_string()), "peer.test");
    form!("Node order (&str, &str)", (port_text.as_str(), "127.0.0.1"), "127.0.0.1");
    form!("Node order, empty address", (port, ""), "127.0.0.1");
    form!("port alone (u16)", port, "127.0.0.1");
    form!("port alone (i64)", i64::from(port), "127.0.0.1");
    form!("port alone (&str)", port_text.as_str(), "127.0.0.1");
    form!("&str :port", format!(":{port}").as_str(), "127.0.0.1");
    assert_eq!(sent.len(), 22);

    // A reply to a sender takes its `RemoteInfo`, by reference or by value.
    let (opts, _) = recording(SocketType::Udp4);
    let echo = create_socket(opts).unwrap();
    within("bind", echo.bind("127.0.0.1:0").unwrap()).await.unwrap();
    echo.on_message_with(|s, msg, rinfo| {
        drop(s.send_to(msg.to_vec(), rinfo).unwrap());
        drop(s.send_to(msg.to_vec(), rinfo.clone()).unwrap());
    });
    within("send", server.send_to("echo", echo.address().unwrap()).unwrap()).await.unwrap();
    for _ in 0..2 {
        let got = within("echo", rx.recv()).await.unwrap();
        assert_eq!((got.msg.as_slice(), got.rinfo.port), (&b"echo"[..], echo.address().unwrap().port));
    }
    // A name the resolver refuses fails the send with its code, as Node's lookup error does.
    let e = within("send", c.send_to("x", ("nx.test", port)).unwrap()).await.unwrap_err();
    assert_eq!((e.code(), e.hostname()), ("ENOTFOUND", Some("nx.test")));
    for s in [server, c, echo] {
        s.close().unwrap();
    }
}

#[tokio::test]
async fn ipv6_destination_forms_and_zones() {
    let (server, port, mut rx) = receiver(SocketType::Udp6).await;
    let (opts, asked) = recording(SocketType::Udp6);
    let c = create_socket(opts).unwrap();
    within("bind", c.bind(()).unwrap()).await.unwrap();
    assert_eq!(take(&asked), ["::"]);
    let bracketed = format!("[::1]:{port}");
    let named_zone = format!("[fe80::1%lo]:{port}");
    let scoped = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), port, 0, 1));
    for (label, host) in [
        ("[::1]:port", "::1"),
        ("(Ipv6Addr, u16)", "::1"),
        ("SocketAddrV6", "::1"),
        ("port alone", "::1"),
        // Zones go to the resolver as text (this one answers `::1`: nothing leaves loopback).
        ("[v6%name]:port", "fe80::1%lo"),
        ("scoped SocketAddr", "fe80::1%1"),
    ] {
        let op = match label {
            "[::1]:port" => c.send_to(label, bracketed.as_str()),
            "(Ipv6Addr, u16)" => c.send_to(label, (Ipv6Addr::LOCALHOST, port)),
            "SocketAddrV6" => c.send_to(label, SocketAddrV6::new(Ipv6Addr::LOCALHOST, port, 0, 0)),
            "port alone" => c.send_to(label, port),
            "[v6%name]:port" => c.send_to(label, named_zone.as_str()),
            _ => c.send_to(label, scoped),
        };
        within(label, op.unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, label.as_bytes());
        assert_eq!(take(&asked), [host], "{label}");
    }
    server.close().unwrap();
    c.close().unwrap();
}

/// Text that names no port, and ports Node refuses, fail at the call with Node's code and
/// message (the text is reported as the port Node would have been given); `bind` reports them
/// with its own wording (`>= 0`: it takes port 0).
#[tokio::test]
async fn destinations_without_a_valid_port_are_refused_at_the_call() {
    let (opts, asked) = recording(SocketType::Udp4);
    let s = create_socket(opts).unwrap();
    for (bad, received) in [
        ("127.0.0.1", "type string ('127.0.0.1')"),
        ("localhost", "type string ('localhost')"),
        ("::1", "type string ('::1')"),
        ("[::1]", "type string ('[::1]')"),
        ("127.0.0.1:0", "type string ('0')"),
        ("localhost:x", "type string ('x')"),
        ("localhost:65536", "type string ('65536')"),
        ("", "type string ('')"),
    ] {
        let e = s.send_to("x", bad).unwrap_err();
        assert_eq!(e.code(), "ERR_SOCKET_BAD_PORT", "{bad}");
        assert_eq!(e.message(), format!("Port should be > 0 and < 65536. Received {received}."), "{bad}");
        let e = s.connect(bad).unwrap_err();
        assert_eq!(e.message(), format!("Port should be > 0 and < 65536. Received {received}."), "{bad}");
        if bad != "127.0.0.1:0" {
            let e = s.bind(bad).unwrap_err();
            assert_eq!(e.message(), format!("Port should be >= 0 and < 65536. Received {received}."), "{bad}");
        }
    }
    for (e, received) in [
        (s.send_to("x", (Ipv4Addr::LOCALHOST, 0)).unwrap_err(), "type number (0)"),
        (s.send_to("x", (-1, "127.0.0.1")).unwrap_err(), "type number (-1)"),
        (s.send_to("x", 1.5).unwrap_err(), "type number (1.5)"),
        (s.send_to("x", (None, "127.0.0.1")).unwrap_err(), "undefined"),
        (s.connect(("localhost", 0)).unwrap_err(), "type number (0)"),
    ] {
        assert_eq!(e.message(), format!("Port should be > 0 and < 65536. Received {received}."));
    }
    // Nothing was bound, sent or looked up.
    assert!(take(&asked).is_empty());
    assert_eq!(s.address().unwrap_err().code(), "EBADF"); // still unbound, as Node's `getsockname EBADF`
    s.close().unwrap();
}

/// `bind` takes the same forms, a host going to the socket's lookup (Node calls it for the
/// bind address too, `0.0.0.0` when there is none).
#[tokio::test]
async fn bind_forms_go_through_the_lookup() {
    for (label, host) in [
        ("peer.test:0", "peer.test"),
        ("(0, \"peer.test\")", "peer.test"),
        ("(\"peer.test\", 0)", "peer.test"),
        ("0", "0.0.0.0"),
        ("()", "0.0.0.0"),
        ("127.0.0.1:0", "127.0.0.1"),
    ] {
        let (opts, asked) = recording(SocketType::Udp4);
        let s = create_socket(opts).unwrap();
        let op = match label {
            "peer.test:0" => s.bind("peer.test:0"),
            "(0, \"peer.test\")" => s.bind((0, "peer.test")),
            "(\"peer.test\", 0)" => s.bind(("peer.test", 0)),
            "0" => s.bind(0),
            "()" => s.bind(()),
            _ => s.bind(label),
        };
        within("bind", op.unwrap()).await.unwrap();
        assert_eq!(take(&asked), [host], "{label}");
        // The resolver answered loopback for the names: bound there.
        if host != "0.0.0.0" {
            assert_eq!(s.address().unwrap().address, IpAddr::V4(Ipv4Addr::LOCALHOST), "{label}");
        }
        s.close().unwrap();
    }
    let (opts, _) = recording(SocketType::Udp4);
    let s = create_socket(opts).unwrap();
    let e = within("bind", s.bind("nx.test:0").unwrap()).await.unwrap_err();
    assert_eq!((e.code(), e.hostname()), ("ENOTFOUND", Some("nx.test")));
    s.close().unwrap();
}

#[tokio::test]
async fn connect_takes_std_addresses() {
    let (server, port, mut rx) = receiver(SocketType::Udp4).await;
    let c = create_socket("udp4").unwrap();
    within("connect", c.connect((Ipv4Addr::LOCALHOST, port)).unwrap()).await.unwrap();
    assert_eq!(SocketAddr::from(c.remote_address().unwrap()), SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    within("send", c.send("via connect").unwrap()).await.unwrap();
    assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"via connect");
    assert_eq!(c.send_to("x", (Ipv4Addr::LOCALHOST, port)).unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
    server.close().unwrap();
    c.close().unwrap();
}

#[tokio::test]
async fn messages_is_a_stream_that_ends_at_close() {
    let server = create_socket("udp4").unwrap();
    let mut messages = server.messages(16);
    within("bind", server.bind((Ipv4Addr::LOCALHOST, 0)).unwrap()).await.unwrap();
    let to = server.address().unwrap();
    let c = create_socket("udp4").unwrap();
    for m in ["one", "two"] {
        within("send", c.send_to(m, &to).unwrap()).await.unwrap();
    }
    async fn next(m: &mut node_dgram::Messages) -> Option<(bytes::Bytes, node_dgram::RemoteInfo)> {
        poll_fn(|cx| Pin::new(&mut *m).poll_next(cx)).await
    }
    assert_eq!(&within("next", next(&mut messages)).await.unwrap().0[..], b"one");
    let (msg, rinfo) = within("next", next(&mut messages)).await.unwrap();
    assert_eq!((&msg[..], rinfo.family), (&b"two"[..], Family::IPv4));
    server.close().unwrap();
    assert!(within("end", next(&mut messages)).await.is_none());
    c.close().unwrap();
}

#[tokio::test]
async fn dropping_the_stream_removes_its_listener() {
    let s = create_socket("udp4").unwrap();
    let m = s.messages(4);
    assert_eq!(s.listener_count(Event::Message), 1);
    drop(m);
    assert_eq!(s.listener_count(Event::Message), 0);
    s.close().unwrap();
}

/// `dgram.createSocket('udp4', (msg, rinfo) => this.send(msg, rinfo.port, rinfo.address))`:
/// the listener of `create_socket_with_listener` replies through its socket argument, with no
/// clone and no formatting of the sender's address.
#[tokio::test]
async fn listeners_reply_through_their_socket_argument() {
    for ty in BOTH {
        let echo = create_socket_with_listener(ty, |socket, msg, rinfo| {
            drop(socket.send_to(msg.to_vec(), rinfo).unwrap());
        })
        .unwrap();
        within("bind", echo.bind((loopback(ty), 0)).unwrap()).await.unwrap();
        let (client, _, mut rx) = receiver(ty).await;
        within("send", client.send_to("ping", echo.address().unwrap()).unwrap()).await.unwrap();
        let got = within("echo", rx.recv()).await.unwrap();
        assert_eq!(got.msg, b"ping");
        assert_eq!(SocketAddr::from(&got.rinfo), SocketAddr::from(echo.address().unwrap()));
        echo.close().unwrap();
        client.close().unwrap();
    }
}

/// Every event has a `_with` form; a listener that closes its socket through the argument
/// needs no handle, and a weak handle does not keep the socket open.
#[tokio::test]
async fn listeners_with_the_socket_and_weak_handles() {
    let log = Log::default();
    let s = create_socket("udp4").unwrap();
    let weak = s.downgrade();
    let l = log.clone();
    s.on_listening_with(move |s| {
        l.push(format!("listening on {}", s.address().unwrap().address));
        s.connect((Ipv4Addr::LOCALHOST, 9)).unwrap();
    });
    let l = log.clone();
    s.on_connect_with(move |s| {
        l.push(format!("connected to {}", s.remote_address().unwrap().port));
        s.close().unwrap();
    });
    let l = log.clone();
    s.once_close_with(move |s| l.push(format!("close, running: {}", s.address().is_ok())));
    let closed = {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut tx = Some(tx);
        s.on_close(move || {
            if let Some(t) = tx.take() {
                let _ = t.send(());
            }
        });
        rx
    };
    s.bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    drop(s);
    within("close", closed).await.unwrap();
    assert_eq!(log.get(), vec!["listening on 127.0.0.1", "connected to 9", "close, running: false"]);
    // Closed, and no handle left: the weak handle finds it gone.
    within("gone", async {
        while weak.upgrade().is_some() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
}
