//! `Op<T>`: an operation already started (bind, connect, send, close) whose outcome can be
//! awaited or handed to a callback. Dropping it never cancels the operation.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use crate::error::Error;
use crate::runtime::Hold;

type Callback<T> = Box<dyn FnOnce(Result<T, Error>) + Send + 'static>;

enum Slot<T> {
    Pending { waker: Option<Waker>, callback: Option<Callback<T>>, dropped: bool },
    Ready(Result<T, Error>),
    Taken,
}

/// An operation in progress. Await it for what Node passes to the callback (`Ok(bytes)` for a
/// send, `Ok(())` for bind, connect and close), or give it a callback with [`Op::callback`].
///
/// The operation started when the method returned; dropping the `Op` does not cancel it. When
/// nobody awaits it and it has no callback, its error (if any) is emitted as the socket's
/// `error` event, as Node does for a call without a callback.
///
/// A failed bind resolves the `Op` with the error *and* emits `error`, as Node always does for
/// bind failures.
pub struct Op<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

/// The adapter's side of an operation: completes it exactly once, when the engine's
/// `Output::Done` for its id arrives.
pub(crate) struct Completer<T> {
    slot: Arc<Mutex<Slot<T>>>,
    _hold: Option<Hold>,
}

pub(crate) fn op_pair<T>(hold: Option<Hold>) -> (Op<T>, Completer<T>) {
    let slot = Arc::new(Mutex::new(Slot::Pending { waker: None, callback: None, dropped: false }));
    (Op { slot: slot.clone() }, Completer { slot, _hold: hold })
}

impl<T> Op<T> {
    /// Calls `f` with the outcome, on the socket's event loop, in order with its events. The
    /// callback is never called synchronously from the method that started the operation.
    ///
    /// If the operation already finished (the callback was attached late, e.g. from another
    /// thread), it is called at once with the outcome.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// // Node: socket.bind(0, '127.0.0.1', () => ...)
    /// s.bind((0, "127.0.0.1")).unwrap().callback(|r| println!("bound: {r:?}"));
    /// # s.close().unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None; the callback gets the operation's error, if any.
    pub fn callback(self, f: impl FnOnce(Result<T, Error>) + Send + 'static) {
        let mut s = self.slot.lock();
        match std::mem::replace(&mut *s, Slot::Taken) {
            Slot::Pending { waker, dropped, .. } => {
                *s = Slot::Pending { waker, callback: Some(Box::new(f)), dropped };
            }
            Slot::Ready(r) => {
                drop(s);
                f(r);
            }
            Slot::Taken => {}
        }
    }
    /// Whether the operation has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let s = node_dgram::create_socket("udp4").unwrap();
    /// let op = s.close().unwrap();
    /// assert!(!op.is_done()); // ends on the event loop, as Node's callback
    /// op.await.unwrap();
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// None.
    pub fn is_done(&self) -> bool {
        !matches!(*self.slot.lock(), Slot::Pending { .. })
    }
}

impl<T> Drop for Op<T> {
    fn drop(&mut self) {
        if let Slot::Pending { dropped, .. } = &mut *self.slot.lock() {
            *dropped = true;
        }
    }
}

impl<T> Future for Op<T> {
    type Output = Result<T, Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.slot.lock();
        match std::mem::replace(&mut *s, Slot::Taken) {
            Slot::Ready(r) => Poll::Ready(r),
            Slot::Pending { callback, dropped, .. } => {
                *s = Slot::Pending { waker: Some(cx.waker().clone()), callback, dropped };
                Poll::Pending
            }
            Slot::Taken => Poll::Ready(Err(Error::not_running())),
        }
    }
}

impl<T> std::fmt::Debug for Op<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Op").field("done", &self.is_done()).finish()
    }
}

impl<T: Send + 'static> Completer<T> {
    /// Completes the operation. Runs the callback if there is one (the caller must not hold
    /// locks user code could need). Returns the error nobody took, if any: the caller emits it
    /// as `error` unless it was already reported.
    pub(crate) fn complete(self, r: Result<T, Error>) -> Option<Error> {
        let mut s = self.slot.lock();
        match std::mem::replace(&mut *s, Slot::Taken) {
            Slot::Pending { callback: Some(cb), .. } => {
                drop(s);
                cb(r);
                None
            }
            Slot::Pending { waker, dropped, .. } => {
                if dropped {
                    return r.err();
                }
                *s = Slot::Ready(r);
                drop(s);
                if let Some(w) = waker {
                    w.wake();
                }
                None
            }
            other => {
                *s = other;
                None
            }
        }
    }
}
