//! The transmit plan: how the ready sends at the front of the queue leave (one GSO super-datagram,
//! one `sendmmsg`, or one send each), and the system calls that send them.

use std::net::SocketAddr;

use super::*;
use crate::sys::{self, IoHandle, SocketIo};
use crate::types::Message;

impl<H: IoHandle> Core<H> {
    /// Writes ready sends in order until one must wait (a lookup, the connection, or a full
    /// buffer).
    pub fn flush(&mut self) {
        if self.sock.is_none() {
            return;
        }
        self.blocked_on_write = false;
        while let Some(front) = self.sends.front() {
            let to = match self.classify(front) {
                Next::Wait => return,
                Next::Fail(e) => {
                    self.finish_front(Err(e));
                    continue;
                }
                Next::Go(to) => to,
            };
            let batch = self.batch_len();
            if batch >= 2 {
                match self.send_batch(to, batch) {
                    Ok(()) => continue,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        self.blocked_on_write = true;
                        return;
                    }
                    // Anything else: send the front alone, which reports its own error.
                    Err(_) => {}
                }
            }
            let Some(sock) = self.sock.as_ref().map(|s| s.socket()) else { return };
            let r = self.sends[0].msg.with_parts(|parts| sock.send_gather(parts, to.as_ref()));
            match r {
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    self.blocked_on_write = true;
                    return;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(n) => self.finish_front(Ok(n)),
                Err(e) => {
                    let errno = sys::errno_of(&e).unwrap_or(libc::EIO);
                    let (host, port) = (self.sends[0].host.clone(), self.sends[0].port);
                    self.finish_front(Err(send_error(errno, &host, port)));
                }
            }
        }
    }

    /// How many sends from the front can go out in one system call: single-buffer messages
    /// that are ready now.
    pub(super) fn batch_len(&self) -> usize {
        let mut n = 0;
        for s in self.sends.iter().take(sys::GSO_MAX_SEGMENTS) {
            if !matches!(s.msg, Message::One(_)) {
                break;
            }
            match self.classify(s) {
                Next::Go(_) => n += 1,
                _ => break,
            }
        }
        n
    }

    /// Writes the first `n` sends with one system call: a GSO send when they fit one
    /// (same destination, equal sizes but the last), else `sendmmsg`.
    pub(super) fn send_batch(&mut self, to: Option<SocketAddr>, n: usize) -> std::io::Result<()> {
        let Some(sock) = self.sock.as_ref().map(|s| s.socket()) else { return Ok(()) };
        let bufs: Vec<&[u8]> = self
            .sends
            .iter()
            .take(n)
            .filter_map(|s| match &s.msg {
                Message::One(b) => Some(b.as_ref()),
                Message::Many(_) => None,
            })
            .collect();
        let shapes: Vec<(usize, Option<SocketAddr>)> = self
            .sends
            .iter()
            .zip(&bufs)
            .map(|(s, b)| (b.len(), if let Target::Ready(a) = s.target { Some(a) } else { None }))
            .collect();
        let (run, seg) = match plan(&shapes, to, self.opts.gso) {
            Plan::Segmented { count, segment } => (count, segment),
            Plan::Many(_) => (0, 0),
        };
        let sent = if run >= 2 {
            match sock.send_segmented(&bufs[..run], seg, to.as_ref()) {
                Ok(_) => run,
                Err(e) => {
                    if e.kind() != std::io::ErrorKind::WouldBlock && sys::errno_of(&e) != Some(libc::ENOBUFS) {
                        // The path refuses segmentation (a segment above the MTU: EMSGSIZE;
                        // no checksum offload: EIO; an old kernel: EINVAL): ordinary sends from
                        // now on, which report their own errors.
                        self.opts.gso = false;
                    }
                    return Err(e);
                }
            }
        } else {
            let items: Vec<(&[u8], Option<SocketAddr>)> = self
                .sends
                .iter()
                .take(n)
                .zip(&bufs)
                .map(|(s, b)| (*b, if let Target::Ready(a) = s.target { Some(a) } else { None }))
                .collect();
            sock.send_many(&items)?
        };
        drop(bufs);
        if sent == 0 {
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        for _ in 0..sent {
            let len = self.sends[0].msg.len();
            self.finish_front(Ok(len));
        }
        Ok(())
    }
}

/// How a batch of ready single-buffer sends leaves.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// The first `count` as one GSO super-datagram of `segment`-byte segments (the kernel
    /// splits it; receivers see ordinary datagrams).
    Segmented {
        /// How many sends.
        count: usize,
        /// Their size (the last may be shorter).
        segment: u16,
    },
    /// All of them with one `sendmmsg`.
    Many(usize),
}

/// The plan for `sends` (each one's size and destination), which all go to `to` or beyond:
/// with GSO on, the longest run from the front to `to` whose datagrams all have the first
/// one's size but the last, which may be shorter, within one 64 KiB super-datagram, if it holds
/// two or more; otherwise every send with one `sendmmsg`. An empty datagram is never a segment
/// (it would vanish).
pub(super) fn plan(sends: &[(usize, Option<SocketAddr>)], to: Option<SocketAddr>, gso: bool) -> Plan {
    let seg = sends.first().map_or(0, |s| s.0);
    let mut run = 0;
    let mut total = 0;
    if gso && seg > 0 && seg <= u16::MAX as usize {
        for &(len, dest) in sends {
            if dest != to || len == 0 || len > seg || total + len > 65_000 {
                break;
            }
            run += 1;
            total += len;
            if len < seg {
                break;
            }
        }
    }
    if run >= 2 {
        Plan::Segmented { count: run, segment: seg as u16 }
    } else {
        Plan::Many(sends.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(port: u16) -> Option<SocketAddr> {
        Some(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    #[test]
    fn equal_sizes_to_one_destination_are_one_super_datagram() {
        let sends = vec![(100, at(9)); 5];
        assert_eq!(plan(&sends, at(9), true), Plan::Segmented { count: 5, segment: 100 });
    }

    #[test]
    fn without_gso_every_send_goes_in_one_sendmmsg() {
        let sends = vec![(100, at(9)); 5];
        assert_eq!(plan(&sends, at(9), false), Plan::Many(5));
    }

    #[test]
    fn a_shorter_datagram_ends_the_run_and_is_its_last_segment() {
        let sends = [(100, at(9)), (100, at(9)), (40, at(9)), (100, at(9))];
        assert_eq!(plan(&sends, at(9), true), Plan::Segmented { count: 3, segment: 100 });
    }

    #[test]
    fn a_longer_datagram_or_another_destination_ends_the_run() {
        let longer = [(100, at(9)), (100, at(9)), (200, at(9))];
        assert_eq!(plan(&longer, at(9), true), Plan::Segmented { count: 2, segment: 100 });
        let elsewhere = [(100, at(9)), (100, at(10)), (100, at(9))];
        assert_eq!(plan(&elsewhere, at(9), true), Plan::Many(3));
    }

    #[test]
    fn empty_datagrams_are_never_segments() {
        let sends = [(0, at(9)), (0, at(9))];
        assert_eq!(plan(&sends, at(9), true), Plan::Many(2));
        let after = [(100, at(9)), (0, at(9)), (100, at(9))];
        assert_eq!(plan(&after, at(9), true), Plan::Many(3));
    }

    #[test]
    fn a_super_datagram_stays_within_64_kib() {
        let sends = vec![(8192, at(9)); 10];
        // 7 x 8192 = 57,344; an eighth would pass 65,000.
        assert_eq!(plan(&sends, at(9), true), Plan::Segmented { count: 7, segment: 8192 });
    }

    #[test]
    fn a_lone_send_is_no_run() {
        assert_eq!(plan(&[(100, at(9))], at(9), true), Plan::Many(1));
    }
}
