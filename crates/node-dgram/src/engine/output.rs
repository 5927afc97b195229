//! What the engine hands its adapter: events to emit, operations that ended, lookups to run,
//! all as plain data.

use crate::error::Error;

/// Something the adapter must do or deliver, in order.
#[non_exhaustive]
pub enum Output {
    /// Emit `listening`.
    Listening,
    /// Emit `connect`.
    Connect,
    /// Emit `error`.
    Error(Error),
    /// Emit `close` (always last).
    Close,
    /// Operation `id` ended with `result` (the bytes a send wrote; 0 for a bind or a connect).
    /// When nobody takes an error, the adapter emits it as `error` unless `reported` (Node's
    /// rule: the error already went to `error`, or Node drops it).
    Done {
        /// The id the adapter gave the operation.
        id: OpId,
        /// Its outcome.
        result: Result<usize, Error>,
        /// Whether its error was already reported (or is one Node never reports).
        reported: bool,
    },
    /// Resolve `host` for the socket's family, then call [`Core::resolved`](super::Core::resolved) with `id`.
    Lookup {
        /// What to give back to [`Core::resolved`](super::Core::resolved).
        id: u64,
        /// The host to resolve for the socket's family.
        host: String,
    },
}

/// What one receive attempt found.
#[non_exhaustive]
pub enum Recv {
    /// The arena holds this many datagrams.
    Batch(usize),
    /// Nothing waiting.
    WouldBlock,
}

/// An operation's id, chosen by the adapter when it starts the operation and handed back in
/// [`Output::Done`]: the engine's outputs are plain data.
pub type OpId = u64;

pub(super) fn done(id: OpId, result: Result<usize, Error>, reported: bool) -> Output {
    Output::Done { id, result, reported }
}
