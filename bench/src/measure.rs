//! Measurements declared as data: what is measured (a table's direction, implementation and
//! payload) and by which processes. [`crate::runner`] runs them; [`crate::suite`] declares the
//! benchmark's tables with them.

use crate::env::Step;

/// How a measurement's processes work together, and whose line is its result.
#[derive(Clone, Debug)]
pub enum Kind {
    /// `receiver` prints its port, `flood` sends to it; the receiver's line is the result.
    Receive {
        /// The measured receiver.
        receiver: Step,
        /// What floods it.
        flood: Step,
    },
    /// `sink` prints its port and drains, `sender` sends to it; the sender's line is the result.
    Send {
        /// The measured sender.
        sender: Step,
        /// What drains its datagrams.
        sink: Step,
    },
    /// `server` echoes, `client` pings it one datagram at a time and reports p50 and p99;
    /// `cores`: the server's and the client's core (`taskset`), or unpinned.
    RoundTrip {
        /// The echo server.
        server: Step,
        /// The measured client.
        client: Step,
        /// Where each runs.
        cores: Option<(usize, usize)>,
    },
    /// One process that measures by itself (the drains).
    Solo(Step),
}

/// One row of a table: its direction (`group`), implementation (`name`), payload, and how it
/// is measured. `base` names the row of the same group and payload that its ratios are
/// against; `set` groups the rows whose runs alternate.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// The direction column (`receive`, `JS send`, ...).
    pub group: String,
    /// The implementation column.
    pub name: String,
    /// Payload bytes.
    pub size: usize,
    /// The processes.
    pub kind: Kind,
    /// The name of the row its ratios are against.
    pub base: Option<String>,
    /// Rows of one set run in turn, round after round.
    pub set: String,
}

impl Measurement {
    /// A receive measurement.
    pub fn receive(group: &str, name: &str, size: usize, receiver: Step, flood: Step) -> Measurement {
        Measurement::new(group, name, size, Kind::Receive { receiver, flood })
    }

    /// A send measurement.
    pub fn send(group: &str, name: &str, size: usize, sender: Step, sink: Step) -> Measurement {
        Measurement::new(group, name, size, Kind::Send { sender, sink })
    }

    /// A measurement of `kind`, in a set of its own, against nothing.
    pub fn new(group: &str, name: &str, size: usize, kind: Kind) -> Measurement {
        let (group, name) = (group.to_string(), name.to_string());
        Measurement { set: format!("{group}/{name}/{size}"), group, name, size, kind, base: None }
    }

    /// The same, its ratios against the row named `base`.
    pub fn against(mut self, base: &str) -> Measurement {
        self.base = Some(base.to_string());
        self
    }

    /// The same, in the alternation set `set`.
    pub fn in_set(mut self, set: &str) -> Measurement {
        self.set = set.to_string();
        self
    }
}
