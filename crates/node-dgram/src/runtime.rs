//! The event loop's lifetime, as Node's: `run` returns once no referenced socket and no
//! pending operation remains.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};

use tokio::sync::Notify;

/// Something to run when its loop would end: a socket whose `signal` was cancelled closes
/// then, so that its `close` is emitted before [`run`] returns (Node closes it inside
/// `abort()`; a cancellation token has no synchronous hook).
pub(crate) trait OnIdle: Send + Sync {
    fn on_idle(self: Arc<Self>);
}

struct LoopInner {
    holds: AtomicUsize,
    idle: Notify,
    watchers: parking_lot::Mutex<Vec<Weak<dyn OnIdle>>>,
}

/// One event loop's count of what keeps it alive (referenced bound sockets, pending operations).
#[derive(Clone)]
pub(crate) struct Loop(Arc<LoopInner>);

/// Keeps its loop alive until dropped.
pub(crate) struct Hold(Loop);

impl Drop for Hold {
    fn drop(&mut self) {
        if self.0 .0.holds.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0 .0.idle.notify_waiters();
        }
    }
}

tokio::task_local! {
    static CURRENT: Loop;
}

impl Loop {
    fn new() -> Loop {
        Loop(Arc::new(LoopInner {
            holds: AtomicUsize::new(0),
            idle: Notify::new(),
            watchers: parking_lot::Mutex::new(Vec::new()),
        }))
    }
    /// The loop of the code running now (inside [`run`] or [`scope`], or a socket's callback),
    /// or a detached loop nobody waits for.
    pub(crate) fn current() -> Loop {
        CURRENT.try_with(|l| l.clone()).unwrap_or_else(|_| {
            static DETACHED: OnceLock<Loop> = OnceLock::new();
            DETACHED.get_or_init(Loop::new).clone()
        })
    }
    pub(crate) fn hold(&self) -> Hold {
        self.0.holds.fetch_add(1, Ordering::AcqRel);
        Hold(self.clone())
    }
    /// Registers `w` to run each time the loop would end (while it lives).
    pub(crate) fn watch_idle(&self, w: Weak<dyn OnIdle>) {
        let mut ws = self.0.watchers.lock();
        ws.retain(|w| w.strong_count() > 0);
        ws.push(w);
    }
    async fn until_idle(&self) {
        loop {
            let notified = self.0.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.0.holds.load(Ordering::Acquire) == 0 {
                let live: Vec<Arc<dyn OnIdle>> = self.0.watchers.lock().iter().filter_map(Weak::upgrade).collect();
                for w in live {
                    w.on_idle();
                }
                if self.0.holds.load(Ordering::Acquire) == 0 {
                    return;
                }
            }
            notified.await;
        }
    }
    /// Runs `fut` with this loop as the current one (sockets created inside belong to it).
    pub(crate) async fn enter<F: Future>(self, fut: F) -> F::Output {
        CURRENT.scope(self, fut).await
    }
    /// Runs `f` (on a thread of its own) as code of this loop.
    pub(crate) fn enter_sync<R>(self, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(self, f)
    }
}

/// Runs `main` on a new single-threaded event loop, then keeps the loop running until no
/// referenced socket and no pending operation remains, like a Node process: a bound socket
/// keeps it alive until closed or [`unref`](crate::Socket::unref)'d.
///
/// # Examples
///
/// ```no_run
/// node_dgram::run(|| {
///     let s = node_dgram::create_socket("udp4").unwrap();
///     let s2 = s.clone();
///     s.on_listening(move || {
///         println!("listening on {}", s2.address().unwrap());
///         s2.close().ok();
///     });
///     s.bind(0).unwrap();
/// })
/// .unwrap();
/// ```
///
/// [Node: the event loop](https://nodejs.org/en/learn/asynchronous-work/event-loop-timers-and-nexttick#what-is-the-event-loop)
///
/// # Errors
///
/// The `std::io::Error` of building the runtime.
pub fn run<R>(main: impl FnOnce() -> R) -> std::io::Result<R> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let lp = Loop::new();
    Ok(rt.block_on(lp.enter(async {
        let r = main();
        Loop::current().until_idle().await;
        r
    })))
}

/// The awaitable form of [`run`] for programs that already have a tokio runtime: runs `fut`,
/// then waits until every socket created inside it (or in its callbacks) is closed or unref'd
/// and every operation has finished.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let n = node_dgram::scope(async {
///     let s = node_dgram::create_socket("udp4").unwrap();
///     s.bind(0).unwrap().await.unwrap();
///     let port = s.address().unwrap().port;
///     s.close().unwrap();
///     port
/// })
/// .await;
/// assert!(n > 0);
/// # }
/// ```
///
/// # Errors
///
/// None.
///
/// # Cancel safety
///
/// Not cancel safe in the sense of a wait: dropping the future stops waiting, but the sockets made
/// inside it go on (they belong to the runtime), as Node's would.
pub async fn scope<F: Future>(fut: F) -> F::Output {
    let lp = Loop::new();
    lp.enter(async {
        let r = fut.await;
        Loop::current().until_idle().await;
        r
    })
    .await
}

/// The runtime sockets run on when created outside any tokio runtime: a single-threaded one,
/// driven by a thread of its own (so the library needs no `rt-multi-thread`).
pub(crate) fn fallback_handle() -> std::io::Result<tokio::runtime::Handle> {
    static RT: OnceLock<Result<tokio::runtime::Handle, String>> = OnceLock::new();
    let rt = RT.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        let handle = rt.handle().clone();
        std::thread::Builder::new()
            .name("node-dgram".into())
            .spawn(move || rt.block_on(std::future::pending::<()>()))
            .map_err(|e| e.to_string())?;
        Ok(handle)
    });
    match rt {
        Ok(h) => Ok(h.clone()),
        Err(e) => Err(std::io::Error::other(e.clone())),
    }
}
