//! Faults: closing during every pending operation, resolvers that fail, dawdle or never
//! answer, the descriptor limit, a full send buffer, ICMP errors and panicking listeners.
//! Every operation ends exactly once, `close` fires once, nothing fires after it.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use node_dgram::{create_socket, Error, Family, Op, SocketOptions, SocketType};
use testkit::process::{secs, Io, Spawn};

/// How each tracked operation ended: name to outcomes ("ok" or the error code). Outcomes are
/// also pushed to a [`Log`] so their order against the socket's events can be checked.
#[derive(Clone, Default)]
struct Ends(Arc<Mutex<BTreeMap<String, Vec<String>>>>);

impl Ends {
    fn track<T: Send + 'static>(&self, log: &Log, name: impl Into<String>, op: Op<T>) {
        let name = name.into();
        self.0.lock().unwrap().insert(name.clone(), Vec::new());
        let (ends, log) = (self.clone(), log.clone());
        op.callback(move |r| {
            let outcome = match &r {
                Ok(_) => "ok".to_string(),
                Err(e) => e.code().to_string(),
            };
            log.push(format!("{name}:{outcome}"));
            ends.0.lock().unwrap().get_mut(&name).unwrap().push(outcome);
        });
    }
    /// Waits until every tracked operation ended, then a little more so that a second end
    /// would show.
    async fn settled(&self) {
        within("every operation to end", async {
            while self.0.lock().unwrap().values().any(|v| v.is_empty()) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        for (name, v) in self.0.lock().unwrap().iter() {
            assert_eq!(v.len(), 1, "{name} ended {} times: {v:?}", v.len());
        }
    }
    fn outcome(&self, name: &str) -> String {
        self.0.lock().unwrap()[name][0].clone()
    }
    fn count(&self, outcome: &str) -> usize {
        self.0.lock().unwrap().values().filter(|v| v.first().map(String::as_str) == Some(outcome)).count()
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// Resolves every name to loopback after `delay`, counting calls.
fn slow_dns(ty: SocketType, delay: Duration) -> (SocketOptions, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let opts = SocketOptions::new(ty).lookup(move |host: String, family: Family| {
        let literal = node_dgram::parse_ip(&host).is_some();
        if !literal {
            c.fetch_add(1, Ordering::SeqCst);
        }
        async move {
            if let Some((ip, _)) = node_dgram::parse_ip(&host) {
                // An IP literal answers at once, as `dns.lookup` answers it.
                return Ok(ip);
            }
            tokio::time::sleep(delay).await;
            Ok::<IpAddr, Error>(family.loopback())
        }
    });
    (opts, calls)
}

/// Fails every name with `code`.
fn failing_dns(ty: SocketType, code: &'static str) -> SocketOptions {
    SocketOptions::new(ty).lookup(move |host: String, _f: Family| async move {
        if let Some((ip, _)) = node_dgram::parse_ip(&host) {
            // An IP literal answers at once, as `dns.lookup` answers it.
            return Ok(ip);
        }
        Err::<IpAddr, Error>(Error::lookup(code, &host))
    })
}

/// Never answers.
fn silent_dns(ty: SocketType) -> SocketOptions {
    SocketOptions::new(ty).lookup(|host: String, _f: Family| async move {
        if let Some((ip, _)) = node_dgram::parse_ip(&host) {
            // An IP literal answers at once, as `dns.lookup` answers it.
            return Ok(ip);
        }
        std::future::pending::<Result<IpAddr, Error>>().await
    })
}

/// `close` fired once, then the close Op ended, and nothing came after.
fn assert_close_is_last(log: &Log) {
    let l = log.get();
    assert_eq!(l.iter().filter(|e| *e == "close").count(), 1, "{l:?}");
    assert_eq!(&l[l.len() - 2..], ["close", "closed:ok"], "{l:?}");
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    within(what, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

// ---- close during every pending operation ----

#[tokio::test]
async fn close_during_a_bind_to_an_ip_literal() {
    for ty in BOTH {
        let s = create_socket(ty).unwrap();
        let log = record(&s);
        let ends = Ends::default();
        ends.track(&log, "bind", s.bind((0, loopback(ty).to_string())).unwrap());
        for i in 0..5 {
            ends.track(&log, format!("send{i}"), s.send_to("x", 9).unwrap());
        }
        // The event loop has not run yet: the bind is still pending. Sends wait behind it, so
        // Node queues the close behind them too: the bind completes (`listening`, its
        // callback), then the close ends the sends.
        ends.track(&log, "closed", s.close().unwrap());
        ends.settled().await;
        assert_eq!(ends.outcome("bind"), "ok");
        assert_eq!(ends.count("ECANCELED"), 5);
        let mut want = vec!["listening".to_string(), "bind:ok".to_string()];
        want.extend((0..5).map(|i| format!("send{i}:ECANCELED")));
        want.extend(["close".into(), "closed:ok".into()]);
        assert_eq!(log.get(), want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_racing_a_bind_on_another_thread() {
    // The bind may or may not have finished when close runs: either way every operation
    // ends once (awaited, so no callback can be attached too late) and close is last.
    for i in 0..50usize {
        let s = create_socket("udp4").unwrap();
        let log = record(&s);
        let bind = s.bind((0, "127.0.0.1")).unwrap();
        let sends: Vec<_> = (0..3).map(|_| s.send_to("x", 9).unwrap()).collect();
        for _ in 0..i % 4 {
            tokio::task::yield_now().await;
        }
        let closed = s.close().unwrap();
        let b = within("bind", bind).await;
        assert!(b.as_ref().map_or_else(|e| e.code() == "ERR_SOCKET_DGRAM_NOT_RUNNING", |_| true), "{b:?}");
        for op in sends {
            match within("send", op).await {
                Ok(n) => assert_eq!(n, 1),
                Err(e) => assert_eq!(e.code(), "ECANCELED"),
            }
        }
        within("close", closed).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
        let l = log.get();
        assert_eq!(l.last().map(String::as_str), Some("close"), "{l:?}");
        assert_eq!(l.iter().filter(|e| *e == "close").count(), 1);
        assert!(l.iter().all(|e| e == "listening" || e == "close"), "{l:?}");
    }
}

#[tokio::test]
async fn close_during_a_bind_waiting_for_a_slow_resolver() {
    for ty in BOTH {
        let (opts, calls) = slow_dns(ty, Duration::from_millis(200));
        let s = create_socket(opts).unwrap();
        let log = record(&s);
        let ends = Ends::default();
        ends.track(&log, "bind", s.bind((0, "slow.test")).unwrap());
        for i in 0..3 {
            ends.track(&log, format!("send{i}"), s.send_to("x", (9, "127.0.0.1")).unwrap());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(s.get_send_queue_count(), 3);
        ends.track(&log, "closed", s.close().unwrap());
        ends.settled().await;
        // Past the resolver's answer: it is ignored.
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(
            log.get(),
            vec![
                "bind:ERR_SOCKET_DGRAM_NOT_RUNNING",
                "send0:ECANCELED",
                "send1:ECANCELED",
                "send2:ECANCELED",
                "close",
                "closed:ok"
            ]
        );
        assert_eq!(s.get_send_queue_count(), 0);
    }
}

#[tokio::test]
async fn close_with_sends_queued_behind_the_implicit_bind() {
    for ty in BOTH {
        let (r, port, mut rx) = receiver(ty).await;
        let s = create_socket(ty).unwrap();
        let log = record(&s);
        let ends = Ends::default();
        for i in 0..100 {
            ends.track(&log, format!("send{i:03}"), s.send_to("x", port).unwrap());
        }
        assert_eq!(s.get_send_queue_count(), 100);
        ends.track(&log, "closed", s.close().unwrap());
        ends.settled().await;
        assert_eq!(ends.count("ECANCELED"), 100);
        assert_close_is_last(&log);
        // As Node: `listening` first (the close waits behind the queued sends), then `close`.
        assert_eq!(log.get()[0], "listening");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(rx.try_recv().is_err(), "a cancelled send went out");
        r.close().unwrap();
    }
}

#[tokio::test]
async fn close_during_a_lookup_for_a_send() {
    for ty in BOTH {
        let (r, port, mut rx) = receiver(ty).await;
        let (opts, calls) = slow_dns(ty, Duration::from_millis(200));
        let s = create_socket(opts).unwrap();
        within("bind", s.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        let log = record(&s);
        let ends = Ends::default();
        ends.track(&log, "a-by-name", s.send_to("a", (port, "peer.test")).unwrap());
        // With a custom lookup, Node hands each send over when its own lookup answers: the
        // literal's answers at once, so it goes out ahead of the name's.
        ends.track(&log, "b-literal", s.send_to("b", (port, &loopback(ty).to_string())).unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(s.get_send_queue_count(), 1);
        ends.track(&log, "closed", s.close().unwrap());
        ends.settled().await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(log.get(), vec!["b-literal:ok", "a-by-name:ECANCELED", "close", "closed:ok"]);
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"b");
        assert!(rx.try_recv().is_err(), "a cancelled send went out");
        r.close().unwrap();
    }
}

#[tokio::test]
async fn close_during_the_lookup_of_a_connect() {
    for ty in BOTH {
        let (r, port, mut rx) = receiver(ty).await;
        let (opts, _) = slow_dns(ty, Duration::from_millis(200));
        let s = create_socket(opts).unwrap();
        let log = record(&s);
        let ends = Ends::default();
        ends.track(&log, "connect", s.connect((port, "peer.test")).unwrap());
        ends.track(&log, "send", s.send("early").unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
        ends.track(&log, "closed", s.close().unwrap());
        ends.settled().await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        // The implicit bind happened; the connection never did.
        assert_eq!(
            log.get(),
            vec!["listening", "connect:ERR_SOCKET_DGRAM_NOT_RUNNING", "send:ECANCELED", "close", "closed:ok"]
        );
        assert!(rx.try_recv().is_err());
        r.close().unwrap();
    }
}

// ---- resolvers that fail, dawdle, or never answer ----

#[tokio::test]
async fn failing_resolvers_end_each_operation_with_their_code() {
    for code in ["ENOTFOUND", "EAI_AGAIN"] {
        let (r, port, mut rx) = receiver(SocketType::Udp4).await;
        let s = create_socket(failing_dns(SocketType::Udp4, code)).unwrap();
        let log = record(&s);
        let ends = Ends::default();
        // bind: the Op and `error`.
        ends.track(&log, "bind", s.bind((0, "bad.test")).unwrap());
        ends.settled().await;
        assert_eq!(ends.outcome("bind"), code);
        let msg = format!("getaddrinfo {code} bad.test");
        assert_eq!(log.get(), vec![format!("error:{code}:{msg}"), format!("bind:{code}")]);

        // The socket is unbound again; sends and connects through the resolver fail alone.
        let ends = Ends::default();
        ends.track(&log, "send-name", s.send_to("a", (port, "bad.test")).unwrap());
        ends.track(&log, "send-literal", s.send_to("b", (port, "127.0.0.1")).unwrap());
        ends.settled().await;
        assert_eq!((ends.outcome("send-name"), ends.outcome("send-literal")), (code.to_string(), "ok".to_string()));
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"b");
        let ends = Ends::default();
        ends.track(&log, "connect", s.connect((port, "bad.test")).unwrap());
        ends.settled().await;
        assert_eq!(ends.outcome("connect"), code);
        assert_eq!(s.remote_address().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_CONNECTED");
        within("connect", s.connect((port, "127.0.0.1")).unwrap()).await.unwrap();
        within("send", s.send("c").unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"c");
        within("close", s.close().unwrap()).await.unwrap();
        r.close().unwrap();
        // No error event for failures that had a callback, beyond the bind's.
        assert_eq!(log.get().iter().filter(|l| l.starts_with("error:")).count(), 1);
    }
}

#[tokio::test]
async fn a_slow_resolver_delays_but_delivers() {
    for ty in BOTH {
        let (r, port, mut rx) = receiver(ty).await;
        let (opts, calls) = slow_dns(ty, Duration::from_millis(200));
        let s = create_socket(opts).unwrap();
        let t0 = Instant::now();
        let bind = s.bind((0, "me.test")).unwrap();
        let sends: Vec<_> = (0..5).map(|i| s.send_to(format!("{i}"), (port, "peer.test")).unwrap()).collect();
        within("bind", bind).await.unwrap();
        assert!(t0.elapsed() >= Duration::from_millis(200));
        for op in sends {
            within("send", op).await.unwrap();
        }
        for i in 0..5 {
            assert_eq!(within("message", rx.recv()).await.unwrap().msg, format!("{i}").as_bytes());
        }
        let c = create_socket(slow_dns(ty, Duration::from_millis(200)).0).unwrap();
        let t0 = Instant::now();
        within("connect", c.connect((port, "peer.test")).unwrap()).await.unwrap();
        assert!(t0.elapsed() >= Duration::from_millis(200));
        within("send", c.send("connected").unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"connected");
        assert_eq!(calls.load(Ordering::SeqCst), 6);
        for x in [r, s, c] {
            within("close", x.close().unwrap()).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_resolver_that_never_answers_cannot_hang_scope() {
    let ends = Ends::default();
    let log = Log::default();
    let (e2, l2) = (ends.clone(), log.clone());
    let t0 = Instant::now();
    within(
        "scope",
        node_dgram::scope(async move {
            // A bound socket whose sends wait on a lookup forever.
            let a = create_socket(silent_dns(SocketType::Udp4)).unwrap();
            within("bind", a.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
            e2.track(&l2, "a-send-name", a.send_to("x", (9, "void.test")).unwrap());
            e2.track(&l2, "a-send-literal", a.send_to("y", (9, "127.0.0.1")).unwrap());
            // A socket whose bind waits forever, with a send and a connect behind it.
            let b = create_socket(silent_dns(SocketType::Udp6)).unwrap();
            e2.track(&l2, "b-bind", b.bind((0, "void.test")).unwrap());
            e2.track(&l2, "b-send", b.send_to("z", (9, "::1")).unwrap());
            // A connect waiting forever, with a send behind it.
            let c = create_socket(silent_dns(SocketType::Udp4)).unwrap();
            e2.track(&l2, "c-connect", c.connect((9, "void.test")).unwrap());
            e2.track(&l2, "c-send", c.send("w").unwrap());
            tokio::time::sleep(Duration::from_millis(100)).await;
            // (The send to a literal is not held back by the name's lookup: Node hands each
            // send over when its own lookup answers.)
            assert_eq!(e2.0.lock().unwrap().remove("a-send-literal"), Some(vec!["ok".to_string()]));
            assert!(e2.0.lock().unwrap().values().all(|v| v.is_empty()), "something ended early");
            // Closing later, from a timer: scope must wait for it and then return.
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                for s in [a, b, c] {
                    s.close().unwrap();
                }
            });
        }),
    )
    .await;
    assert!(t0.elapsed() < Duration::from_secs(5));
    ends.settled().await;
    for name in ["a-send-name", "b-send", "c-send"] {
        assert_eq!(ends.outcome(name), "ECANCELED", "{name}");
    }
    assert_eq!(ends.outcome("b-bind"), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    assert_eq!(ends.outcome("c-connect"), "ERR_SOCKET_DGRAM_NOT_RUNNING");
}

// ---- the descriptor limit ----

const EMFILE_CHILD: &str = "NODE_DGRAM_FAULTS_EMFILE_CHILD";

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn bind_at_the_descriptor_limit_fails_with_emfile() {
    // The limit is lowered in a child process running only `emfile_child`, so that it cannot
    // affect the other tests.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child.args(["--exact", "emfile_child", "--ignored", "--nocapture", "--test-threads=1"]).env(EMFILE_CHILD, "1");
    let p = Spawn { stdin: Io::Null, timeout: secs(60), ..Spawn::default() }.start(child);
    let (status, stdout, stderr) = p.finish_text();
    assert!(status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the child test did not run:\n{stdout}");
    assert!(stdout.contains("emfile child: ok"), "{stdout}");
}

#[test]
#[ignore = "run in a child process by bind_at_the_descriptor_limit_fails_with_emfile"]
fn emfile_child() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if std::env::var_os(EMFILE_CHILD).is_none() {
        return; // only ever in the child: it lowers the process's limit
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let start = open_fds();
        let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        // A little room above what is open now, then fill it.
        setrlimit(Resource::RLIMIT_NOFILE, start as u64 + 8, hard).unwrap();
        let mut fillers = Vec::new();
        for _ in 0..64 {
            match std::fs::File::open("/dev/null") {
                Ok(f) => fillers.push(f),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc_emfile()));
                    break;
                }
            }
        }
        assert!(!fillers.is_empty() && fillers.len() < 64, "{} fillers", fillers.len());
        let s = create_socket("udp4").unwrap();
        let log = record(&s);
        let ends = Ends::default();
        ends.track(&log, "bind", s.bind((0, "127.0.0.1")).unwrap());
        ends.track(&log, "send", s.send_to("x", (9, "127.0.0.1")).unwrap());
        ends.settled().await;
        assert_eq!(ends.outcome("bind"), "EMFILE");
        assert_eq!(ends.outcome("send"), "EMFILE");
        // Node leaves out port 0 from the message.
        assert_eq!(log.get(), vec!["error:EMFILE:bind EMFILE 127.0.0.1", "bind:EMFILE", "send:EMFILE"]);
        // The implicit bind of a send fails the same way, to the Op.
        let e = within("send", s.send_to("x", 9).unwrap()).await.unwrap_err();
        assert_eq!(e.code(), "EMFILE");
        // Room again: binding works.
        drop(fillers);
        within("bind", s.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
        let (r, port, mut rx) = receiver(SocketType::Udp4).await;
        within("send", s.send_to("after", port).unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"after");
        within("close", s.close().unwrap()).await.unwrap();
        within("close", r.close().unwrap()).await.unwrap();
        assert_eq!(open_fds(), start, "a descriptor leaked");
    });
    println!("emfile child: ok");
}

fn libc_emfile() -> i32 {
    nix::errno::Errno::EMFILE as i32
}

// ---- a full send buffer ----

#[tokio::test]
async fn a_flood_into_a_tiny_send_buffer_ends_every_send() {
    const N: usize = 5000;
    let (r, port, mut rx) = receiver(SocketType::Udp4).await;
    let s = create_socket(SocketOptions::new(SocketType::Udp4).send_buffer_size(1)).unwrap();
    let log = record(&s);
    let ends = Ends::default();
    for i in 0..N {
        ends.track(&log, format!("{i:05}"), s.send_to(vec![(i % 256) as u8; 1400], port).unwrap());
    }
    ends.settled().await;
    let ok = ends.count("ok");
    let failed = ends.len() - ok;
    assert_eq!(ends.len(), N);
    assert_eq!(s.get_send_queue_count(), 0);
    assert_eq!(s.get_send_queue_size(), 0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut received = 0;
    while rx.try_recv().is_ok() {
        received += 1;
    }
    println!("tiny send buffer: {N} sends, {ok} ok, {failed} failed, {received} received");
    assert!(received <= ok);
    within("close", s.close().unwrap()).await.unwrap();
    r.close().unwrap();
}

// ---- ICMP errors ----

#[tokio::test]
async fn icmp_unreachable_on_a_connected_socket_keeps_it_working() {
    for ty in BOTH {
        let probe = create_socket(ty).unwrap();
        within("bind", probe.bind((0, loopback(ty).to_string())).unwrap()).await.unwrap();
        let dead = probe.address().unwrap().port;
        probe.close().unwrap();

        let c = create_socket(ty).unwrap();
        let errors = Arc::new(AtomicUsize::new(0));
        let e2 = errors.clone();
        c.on_error(move |e| {
            assert_eq!(e.code(), "ECONNREFUSED");
            e2.fetch_add(1, Ordering::SeqCst);
        });
        within("connect", c.connect(dead).unwrap()).await.unwrap();
        let log = Log::default();
        let ends = Ends::default();
        for i in 0..30 {
            ends.track(&log, format!("{i:02}"), c.send("anyone?").unwrap());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        ends.settled().await;
        assert_eq!(ends.count("ok") + ends.count("ECONNREFUSED"), 30, "{:?}", log.get());
        wait_for("an ECONNREFUSED error event", || errors.load(Ordering::SeqCst) > 0).await;
        // Still usable: disconnect and reach a live peer.
        c.disconnect().unwrap();
        let (r, port, mut rx) = receiver(ty).await;
        within("send", c.send_to("alive", port).unwrap()).await.unwrap();
        assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"alive");
        within("close", c.close().unwrap()).await.unwrap();
        r.close().unwrap();
    }
}

// ---- panicking listeners ----

#[tokio::test]
async fn a_panicking_error_listener_does_not_break_the_socket() {
    let (r, port, mut rx) = receiver(SocketType::Udp4).await;
    let s = create_socket("udp4").unwrap();
    let panicked = Arc::new(AtomicUsize::new(0));
    let p = panicked.clone();
    s.on_error(move |_| {
        p.fetch_add(1, Ordering::SeqCst);
        panic!("error listener bug");
    });
    let log = record(&s);
    // Two errors nobody awaits: both reach both listeners.
    drop(s.send_to(vec![0u8; 70000], (port, "127.0.0.1")).unwrap());
    drop(s.send_to(vec![0u8; 70001], (port, "127.0.0.1")).unwrap());
    wait_for("two error events", || log.get().iter().filter(|l| l.starts_with("error:")).count() == 2).await;
    assert_eq!(panicked.load(Ordering::SeqCst), 2);
    within("send", s.send_to("fine", port).unwrap()).await.unwrap();
    assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"fine");
    within("close", s.close().unwrap()).await.unwrap();
    let l = log.get();
    assert_eq!(l.first().map(String::as_str), Some("listening"));
    assert_eq!(l.last().map(String::as_str), Some("close"));
    r.close().unwrap();
}

#[tokio::test]
async fn a_panicking_close_listener_still_ends_close_and_scope() {
    let closes = Arc::new(AtomicUsize::new(0));
    let c2 = closes.clone();
    within(
        "scope",
        node_dgram::scope(async move {
            let s = create_socket("udp4").unwrap();
            s.on_close(|| panic!("close listener bug"));
            let c = c2.clone();
            s.on_close(move || {
                c.fetch_add(1, Ordering::SeqCst);
            });
            within("bind", s.bind((0, "127.0.0.1")).unwrap()).await.unwrap();
            within("close", s.close().unwrap()).await.unwrap();
            assert_eq!(s.close().unwrap_err().code(), "ERR_SOCKET_DGRAM_NOT_RUNNING");
            // The loop and other sockets are unaffected.
            let (r, port, mut rx) = receiver(SocketType::Udp4).await;
            let t = create_socket("udp4").unwrap();
            within("send", t.send_to("next", port).unwrap()).await.unwrap();
            assert_eq!(within("message", rx.recv()).await.unwrap().msg, b"next");
            r.close().unwrap();
            t.close().unwrap();
        }),
    )
    .await;
    assert_eq!(closes.load(Ordering::SeqCst), 1);
}

// ---- library bugs ----

#[tokio::test]
async fn a_callback_attached_after_completion_is_still_called() {
    let s = create_socket("udp4").unwrap();
    let bind = s.bind((0, "127.0.0.1")).unwrap();
    // Let the bind finish before the callback is attached (on a multi-threaded runtime this
    // happens by itself between `bind()` returning and `.callback()`).
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(bind.is_done());
    let called = Arc::new(AtomicUsize::new(0));
    let c = called.clone();
    bind.callback(move |r| {
        r.unwrap();
        c.fetch_add(1, Ordering::SeqCst);
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.close().unwrap();
    assert_eq!(called.load(Ordering::SeqCst), 1, "the bind's callback was never called");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_racing_queued_sends_on_another_thread() {
    let (r, port, _rx) = receiver(SocketType::Udp4).await;
    for i in 0..2000usize {
        let s = create_socket("udp4").unwrap();
        let sends: Vec<_> = (0..10).map(|_| s.send_to("never", port).unwrap()).collect();
        for _ in 0..i % 3 {
            tokio::task::yield_now().await;
        }
        s.close().unwrap();
        for (k, op) in sends.into_iter().enumerate() {
            match tokio::time::timeout(Duration::from_secs(2), op).await {
                Ok(Ok(n)) => assert_eq!(n, 5),
                Ok(Err(e)) => assert_eq!(e.code(), "ECANCELED"),
                Err(_) => panic!("iteration {i}: send {k} never ended"),
            }
        }
    }
    r.close().unwrap();
}
