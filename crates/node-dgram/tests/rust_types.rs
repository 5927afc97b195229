//! Addresses as `std::net` types, the message stream as a `futures_core::Stream`, and listeners
//! that act on their socket (issue 18, items 3 and 4). Every datagram goes to loopback.

mod common;

use std::future::poll_fn;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::pin::Pin;

use common::*;
use futures_core::Stream;
use node_dgram::{create_socket, create_socket_with_listener, AddressInfo, Destination, Event, Family, SocketType};

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
        within("send", c.send_to_addr("hi", to).unwrap()).await.unwrap();
        let got = within("message", rx.recv()).await.unwrap();
        let from = SocketAddr::from(&got.rinfo);
        assert_eq!((from.ip(), from.port()), (loopback(ty), c.address().unwrap().port));
        assert_eq!(AddressInfo::from(from).family, ty.family());
        server.close().unwrap();
        c.close().unwrap();
    }
}

#[test]
fn destinations_of_every_form() {
    let d = |x: Result<(String, u16), node_dgram::Error>| x.unwrap();
    assert_eq!(d("127.0.0.1:9".into_destination()), ("127.0.0.1".into(), 9));
    assert_eq!(d("[::1]:9".into_destination()), ("::1".into(), 9));
    assert_eq!(d("localhost:9".into_destination()), ("localhost".into(), 9));
    assert_eq!(d(("localhost", 9).into_destination()), ("localhost".into(), 9));
    assert_eq!(d((IpAddr::from([127, 0, 0, 1]), 9).into_destination()), ("127.0.0.1".into(), 9));
    assert_eq!(d((Ipv6Addr::LOCALHOST, 9).into_destination()), ("::1".into(), 9));
    let scoped: SocketAddr = "[fe80::1%2]:9".parse().unwrap();
    assert_eq!(d(scoped.into_destination()), ("fe80::1%2".into(), 9));
    for bad in ["127.0.0.1", "127.0.0.1:0", "localhost:x"] {
        assert_eq!(bad.into_destination().unwrap_err().code(), "ERR_SOCKET_BAD_PORT", "{bad}");
    }
}

#[tokio::test]
async fn connect_takes_std_addresses() {
    let (server, port, mut rx) = receiver(SocketType::Udp4).await;
    let c = create_socket("udp4").unwrap();
    within("connect", c.connect_addr((Ipv4Addr::LOCALHOST, port)).unwrap()).await.unwrap();
    assert_eq!(SocketAddr::from(c.remote_address().unwrap()), SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    within("send", c.send("via connect_addr").unwrap()).await.unwrap();
    assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"via connect_addr");
    assert_eq!(c.send_to_addr("x", (Ipv4Addr::LOCALHOST, port)).unwrap_err().code(), "ERR_SOCKET_DGRAM_IS_CONNECTED");
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
        within("send", c.send_to_addr(m, &to).unwrap()).await.unwrap();
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
            drop(socket.send_to_addr(msg.to_vec(), rinfo).unwrap());
        })
        .unwrap();
        within("bind", echo.bind((loopback(ty), 0)).unwrap()).await.unwrap();
        let (client, _, mut rx) = receiver(ty).await;
        within("send", client.send_to_addr("ping", echo.address().unwrap()).unwrap()).await.unwrap();
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
        s.connect_addr((Ipv4Addr::LOCALHOST, 9)).unwrap();
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
