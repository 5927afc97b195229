//! `receiveBlockList` and `sendBlockList` on live sockets.

mod common;

use std::time::Duration;

use common::*;
use node_dgram::{create_socket, BlockList, SocketOptions, SocketType};

#[tokio::test]
async fn send_block_list_refuses_send_and_connect() {
    for ty in BOTH {
        let (s, port, mut rx) = receiver(ty).await;
        let list = BlockList::new();
        let c = create_socket(SocketOptions::new(ty).send_block_list(list.clone())).unwrap();
        let log = record(&c);
        // Not yet listed: goes through.
        within("send", c.send_to("before", port).unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"before");
        // Rules added later apply (the list is shared, as a JS object is).
        match ty {
            SocketType::Udp4 => list.add_subnet("127.0.0.0", 8).unwrap(),
            SocketType::Udp6 => list.add_address("::1").unwrap(),
        }
        let ip = loopback(ty).to_string();
        let e = within("send", c.send_to("x", port).unwrap()).await.unwrap_err();
        assert_eq!(
            (e.code(), e.message().to_string()),
            ("ERR_IP_BLOCKED", format!("IP({ip}) is blocked by net.BlockList"))
        );
        // Without anyone awaiting: `error`.
        drop(c.send_to("x", port).unwrap());
        within("error event", async {
            while !log.get().iter().any(|l| l.starts_with("error:ERR_IP_BLOCKED")) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        let e = within("connect", c.connect(port).unwrap()).await.unwrap_err();
        assert_eq!(e.code(), "ERR_IP_BLOCKED");
        assert_eq!(c.remote_address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
        // Nothing blocked ever arrived.
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(rx.try_recv().is_err());
        s.close().unwrap();
        c.close().unwrap();
    }
}

#[tokio::test]
async fn receive_block_list_drops_listed_senders_before_listeners() {
    let list = BlockList::new();
    let s = create_socket(SocketOptions::new(SocketType::Udp6).receive_block_list(list.clone())).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    s.on_message(move |m, r| {
        let _ = tx.send((m.to_vec(), r.address.to_string()));
    });
    // Dual-stack: IPv4 senders arrive as ::ffff:127.0.0.1 and match an IPv4 rule.
    within("bind", s.bind((0, "::")).unwrap()).await.unwrap();
    let port = s.address().unwrap().port;
    list.add_address("127.0.0.1").unwrap();
    let v4 = create_socket("udp4").unwrap();
    let v6 = create_socket("udp6").unwrap();
    within("send", v4.send_to("from v4", (port, "127.0.0.1")).unwrap()).await.unwrap();
    within("send", v6.send_to("from v6", (port, "::1")).unwrap()).await.unwrap();
    let (m, from) = within("message", rx.recv()).await.unwrap();
    assert_eq!((m.as_slice(), from.as_str()), (&b"from v6"[..], "::1"));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(rx.try_recv().is_err(), "a blocked datagram was delivered");
    for x in [s, v4, v6] {
        x.close().unwrap();
    }
}
